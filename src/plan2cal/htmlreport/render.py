"""Fill the report's templates: Jinja2 with autoescape on, so that no plan text (a task
name, a description) can become markup; the templates are package data."""

from __future__ import annotations

from functools import cache

import jinja2
import markupsafe

from plan2cal.export.sanitize import clean_text
from plan2cal.htmlreport.picture import Picture, ReportInput, build_picture
from plan2cal.version import __version__


def _clean(value: object) -> object:
    """Every text the templates print, without control characters: HTML has no place for
    them (the HTML standard's "control" code points are parse errors in text), and the
    other outputs drop them too. Markup (a macro's output) is made of printed values that
    were cleaned already, and stays markup."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return clean_text(value)
    return value


@cache
def _environment() -> jinja2.Environment:
    """The template environment, built once per process (compiling takes a few ms)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("plan2cal.htmlreport", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_clean,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def report_html(data: ReportInput) -> bytes:
    """The report of ``data`` as one HTML document in UTF-8: inline CSS and SVG, no script,
    nothing fetched (a Content-Security-Policy forbids it). The same input gives the same
    bytes."""
    return render_picture(build_picture(data))


def render_picture(picture: Picture) -> bytes:
    """The HTML document of a laid-out report."""
    template = _environment().get_template("report.html.j2")
    return template.render(p=picture, version=__version__).encode("utf-8")
