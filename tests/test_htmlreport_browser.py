"""The HTML report in a real browser: Debian's Chromium, headless, opens the bundled plan's
report after a slip; the console stays silent, the DOM holds every phase, milestone date and
the end date, and the screenshot holds the phase bars where picture.py placed them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result
from PIL import Image

from browser import Page, load, pdf, screenshot
from conftest import BUNDLED_PLAN
from plan2cal.controllers import Environment, RunOptions, look
from plan2cal.htmlreport import Picture, ReportInput, build_picture, report_html
from plan2cal.schedule import Schedule

Run = Callable[..., Result]
START = "2026-12-07"
TODAY = dt.date(2027, 1, 18)
WIDTH, HEIGHT = 1600, 1000
BODY_PADDING = 16  # report.css: body { padding: 16px }
PHASE_BAR = (0x2B, 0x5C, 0x8A)  # report.css: .bar-phase
TODAY_LINE = (0xD3, 0x54, 0x00)  # report.css: .today


@dataclass(frozen=True)
class Report:
    """The report file, the schedule and the picture it was drawn from, and a browser profile."""

    path: Path
    schedule: Schedule
    picture: Picture
    profile: Path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The bundled plan started on 2026-12-07, some work done and logged, rescheduled on
    2027-01-18 and reported by ``plan2cal report``."""
    from click.testing import CliRunner

    from plan2cal.cli import cli

    folder = tmp_path_factory.mktemp("report")
    plan = folder / BUNDLED_PLAN.name
    shutil.copy(BUNDLED_PLAN, plan)

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    later = ("--today", TODAY.isoformat())
    run("schedule", plan, "-o", folder / "out", "--start", START, "--today", START)
    run("done", plan, "enroll-google-pm-cert", "--on", "2026-12-08", *later)
    run("log", plan, "pm-cert-course-1", "3h", "--on", "2027-01-05", *later)
    run("log", plan, "google-pm-certificate", "4h", "--on", "2027-01-12", *later)
    run("schedule", plan, *later)
    run("report", plan, *later)
    seen = look(
        plan, RunOptions(), Environment(today=TODAY, now=dt.datetime(2027, 1, 18, tzinfo=dt.UTC))
    )
    assert seen.state is not None
    data = ReportInput(
        seen.schedule,
        seen.state.baseline,
        seen.state.last_run,
        # The header's settings come from the run: the bytes below must match the file.
        settings=(
            ("start", START),
            ("weekly budget", "10 h"),
            ("time zone", "Europe/Berlin"),
            ("holidays", "none"),
            ("formats", "ics"),
        ),
    )
    path = folder / "out" / "ai-pm-transition.html"
    settings = seen.workspace.settings
    assert settings.output == folder / "out" and settings.formats == ("ics",)
    assert report_html(data) == path.read_bytes(), "the file is the picture drawn below"
    profile = folder / "profile"
    profile.mkdir()
    return Report(path, seen.schedule, build_picture(data), profile)


class _Text(HTMLParser):
    """The text of a DOM, and the text of the element with id="end"."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.end: list[str] = []
        self._in_end = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._in_end or ("id", "end") in attrs:
            self._in_end += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_end:
            self._in_end -= 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self._in_end:
            self.end.append(data)


@pytest.fixture(scope="module")
def page(report: Report) -> Page:
    """The report as Chromium loaded it."""
    return load(report.path, report.profile)


def test_the_console_stays_silent(page: Page) -> None:
    """Loading the report logs nothing to the console: no error, no blocked fetch."""
    assert page.console == []


def test_the_console_check_sees_an_error_and_a_blocked_fetch(tmp_path: Path) -> None:
    """The console check is real: a page that logs an error and tries a fetch is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src '
        "'none'; script-src 'unsafe-inline'\"><img src=\"http://192.0.2.1/x.png\">"
        "<script>console.error('broken')</script>",
        encoding="utf-8",
    )
    profile = tmp_path / "profile"
    profile.mkdir()

    console = load(bad, profile).console

    assert any("broken" in line for line in console)
    assert any("192.0.2.1" in line for line in console)


def test_the_dom_holds_every_phase_milestone_date_and_the_end(report: Report, page: Page) -> None:
    """Every phase's name, its milestone's date now and its nominal date, each fixed
    milestone's date, and the end date (in the header's end line) are in the rendered DOM."""
    parser = _Text()
    parser.feed(page.dom)
    text = " ".join(parser.parts)
    schedule = report.schedule

    for phase in schedule.phases:
        assert phase.name in text
        assert phase.end.isoformat() in text
        assert phase.nominal_end.isoformat() in text
    for milestone in schedule.milestones:
        assert milestone.date.isoformat() in text
    assert schedule.end.isoformat() in "".join(parser.end)


def _bands(image: Image.Image, colour: tuple[int, int, int]) -> list[tuple[int, int, int, int]]:
    """Horizontal bands of ``colour`` wider than 40 pixels: (top, bottom, left, right), the
    left and right taken from the band's first row."""
    pixels = image.load()
    assert pixels is not None
    rows: list[tuple[int, int, int]] = []
    for y in range(image.height):
        xs = [x for x in range(image.width) if pixels[x, y] == colour]
        if xs and xs[-1] - xs[0] > 40:
            rows.append((y, xs[0], xs[-1]))
    bands: list[tuple[int, int, int, int]] = []
    for y, left, right in rows:
        if bands and bands[-1][1] == y - 1:
            top, _, first_left, first_right = bands[-1]
            bands[-1] = (top, y, first_left, first_right)
        else:
            bands.append((y, y, left, right))
    return bands


def test_the_screenshot_shows_the_phase_bars_where_they_were_computed(
    report: Report, tmp_path: Path
) -> None:
    """At 1600×1000 the page is not blank, and each phase bar on screen is at the x and y its
    computed geometry gives, scaled to the page width; the today line is at today."""
    png = tmp_path / "report.png"
    screenshot(report.path, png, report.profile, WIDTH, HEIGHT)
    image = Image.open(png).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colours = image.getcolors(maxcolors=WIDTH * HEIGHT)
    assert colours is not None
    white = sum(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.95 * WIDTH * HEIGHT, "the screenshot is blank"

    picture = report.picture
    scale = (WIDTH - 2 * BODY_PADDING) / picture.width  # the SVG fills the body's width
    phases = [row for row in picture.gantt.rows if row.kind == "phase"]
    bands = _bands(image, PHASE_BAR)
    assert bands, "no phase bar on screen"
    inset = 6  # charts.html.j2: a phase bar is its row less 6 units above and below
    first_top = bands[0][0] - (phases[0].y + inset) * scale
    expected = [row for row in phases if first_top + (row.y + row.height - inset) * scale < HEIGHT]
    assert len(bands) == len(expected) >= 2
    for (top, bottom, left, right), row in zip(bands, expected, strict=True):
        assert row.bar is not None
        assert top == pytest.approx(first_top + (row.y + inset) * scale, abs=2)
        assert bottom - top + 1 == pytest.approx((row.height - 2 * inset) * scale, abs=2)
        assert left == pytest.approx(BODY_PADDING + row.bar.x * scale, abs=2)
        # The milestone's diamond (and its antialiased edge) covers the bar's end by a few
        # pixels even in the bar's first row.
        end = BODY_PADDING + (row.bar.x + row.bar.width) * scale
        assert end - 6 <= right + 1 <= end + 2

    today = picture.gantt.today
    assert today is not None
    x = round(BODY_PADDING + today.x * scale)
    pixels = image.load()
    assert pixels is not None
    column = [
        y
        for y in range(bands[0][0], bands[-1][1])
        if any(pixels[x + dx, y] == TODAY_LINE for dx in (-2, -1, 0, 1, 2))
    ]
    assert len(column) > 0.3 * (bands[-1][1] - bands[0][0]), "no dashed today line at today"


def test_it_prints_one_a4_landscape_page_per_section(report: Report, tmp_path: Path) -> None:
    """Printed, the bundled plan's report is one A4 landscape page (842 × 595 points) for each
    of its four sections: overview and Gantt, weekly load, burn-up, tables."""
    printed = pdf(report.path, tmp_path / "report.pdf", report.profile)
    sections = report.path.read_text(encoding="utf-8").count("<section ")

    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", printed)
    assert sections == 4
    assert len(boxes) == sections
    for width, height in boxes:
        # A4 is 297 × 210 mm, 841.89 × 595.28 points (1 pt = 1/72 in).
        assert float(width) == pytest.approx(841.89, abs=1)
        assert float(height) == pytest.approx(595.28, abs=1)
