"""The export formats by name: what each writes, and what its importer will ask for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from plan2cal.export.asana import ASANA
from plan2cal.export.gcal import GCAL
from plan2cal.export.generic import GENERIC
from plan2cal.export.jira import (
    config_json,
    issue_ids,
    jira_items,
    jira_target,
    read_jira_keys,
    successors,
)
from plan2cal.export.mermaid import SETTINGS as MERMAID_SETTINGS
from plan2cal.export.mermaid import SUFFIX as MERMAID_SUFFIX
from plan2cal.export.mermaid import mermaid_bytes, size_warning
from plan2cal.export.msproject import SETTINGS as MSPROJECT_SETTINGS
from plan2cal.export.msproject import SUFFIX as MSPROJECT_SUFFIX
from plan2cal.export.msproject import msproject_bytes
from plan2cal.export.outlook import OUTLOOK
from plan2cal.export.tabular import Target, csv_bytes
from plan2cal.export.todoist import TODOIST
from plan2cal.schedule import Schedule


@dataclass(frozen=True)
class Rendered:
    """Files to write (name suffix → bytes) and the settings to print for the user."""

    files: dict[str, bytes]
    settings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """What some formats need beyond the schedule."""

    jira_keys: Path | None = None


@dataclass(frozen=True)
class Format:
    """An output format other than the calendar: the files it writes and how to render them."""

    suffixes: tuple[str, ...]
    render: Callable[[Schedule, Options], Rendered]


def _table(target: Target) -> Format:
    def render(schedule: Schedule, options: Options) -> Rendered:
        zone = schedule.availability.timezone
        lines = [*target.settings, *(target.wait_settings if schedule.waits else ())]
        settings = [line.replace("{timezone}", zone) for line in lines]
        return Rendered({target.suffix: csv_bytes(target, schedule)}, settings)

    return Format((target.suffix,), render)


JIRA_CONFIG = "jira-config.json"


def _jira(schedule: Schedule, options: Options) -> Rendered:
    items = jira_items(schedule)
    keys = read_jira_keys(options.jira_keys, items) if options.jira_keys else None
    target = jira_target(issue_ids(items), keys, successors(items))
    config_name = f"{schedule.plan}.{JIRA_CONFIG}"
    settings = [line.replace("{config}", config_name) for line in target.settings]
    if keys is not None:
        settings.insert(
            0,
            f"{len(keys)} of {len(items)} rows carry the Jira key of an issue "
            "imported before; map Issue Key so that they are updated",
        )
    return Rendered(
        {target.suffix: csv_bytes(target, schedule), JIRA_CONFIG: config_json(bool(keys))},
        settings,
    )


def _msproject(schedule: Schedule, options: Options) -> Rendered:
    return Rendered({MSPROJECT_SUFFIX: msproject_bytes(schedule)}, list(MSPROJECT_SETTINGS))


def _mermaid(schedule: Schedule, options: Options) -> Rendered:
    too_long = size_warning(schedule)
    settings = [*MERMAID_SETTINGS, *([too_long] if too_long else [])]
    return Rendered({MERMAID_SUFFIX: mermaid_bytes(schedule)}, settings)


# "ics" is written with its state by outputs.py; the other formats are rendered here.
TABLE_FORMATS: dict[str, Format] = {
    "jira": Format(("jira.csv", JIRA_CONFIG), _jira),
    "asana": _table(ASANA),
    "gcal": _table(GCAL),
    "outlook": _table(OUTLOOK),
    "todoist": _table(TODOIST),
    "msproject": Format((MSPROJECT_SUFFIX,), _msproject),
    "csv": _table(GENERIC),
    "mermaid": Format((MERMAID_SUFFIX,), _mermaid),
}
# "vdir" (one file per event, publish/vdir.py) is rendered by outputs.py with the .ics;
# "html" (the report, htmlreport/) by outputs.py too, as it needs the baseline and last run.
HTML = "html"
FORMATS = ("ics", *TABLE_FORMATS, "vdir", HTML)
