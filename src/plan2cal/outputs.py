"""One run, one transaction (DESIGN §8): render every output into memory, then write them all.

``render_outputs`` turns a schedule into the bytes of each file the run writes — the .ics,
each tracker file, the vdir folder's event files (and the files it drops), the progress file
when its pinned settings changed, and the state, last — and says what each holds.
``write_outputs`` hands them to ``files.commit``, which renames them into place only when every
one was written, so a failed run leaves every file as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from plan2cal.export.events import calendar_events
from plan2cal.export.formats import HTML, TABLE_FORMATS, Options
from plan2cal.export.revisions import (
    Revisions,
    State,
    revise,
    snapshot_of,
    state_bytes,
    state_path,
)
from plan2cal.files import FileWrite, commit
from plan2cal.schedule import Schedule

if TYPE_CHECKING:
    from plan2cal.publish.resources import Resource

VDIR = "vdir"  # the format name of the vdir folder (publish/vdir.py)


@dataclass(frozen=True)
class CalendarFile:
    """The .ics a run writes, and how its events compare with the last run's."""

    path: Path
    size: int
    sessions: int
    milestones: int
    added: int
    changed: int
    cancelled: int
    waits: int = 0  # all-day spans of pure waits
    notes: int = 0  # all-day notes of time logged on a day its windows could not hold

    @property
    def too_big_for_google(self) -> bool:
        """Google Calendar imports files of up to about 1 MB."""
        from plan2cal.export.ics import SIZE_WARNING

        return self.size > SIZE_WARNING


@dataclass(frozen=True)
class TableFiles:
    """The files of one tracker or spreadsheet format, and what its importer will ask for."""

    format: str
    paths: tuple[Path, ...]
    settings: tuple[str, ...]


@dataclass(frozen=True)
class VdirFolder:
    """The vdir a run writes: one ``<uid>.ics`` per live event, for vdirsyncer and khal."""

    folder: Path
    written: int  # files new or rewritten
    removed: int  # files of events the plan no longer has
    unchanged: int  # files left as they were, so that syncing tools see no change


@dataclass(frozen=True)
class Outputs:
    """Everything a run writes, rendered; ``writes`` is in the order of writing, state last,
    and ``removals`` are the vdir files to delete in the same transaction.

    ``resources`` are the run's events as one calendar object each (cancelled ones without
    bytes), when the calendar was rendered: what a push sends.
    """

    writes: tuple[FileWrite, ...]
    state: State
    calendar: CalendarFile | None = None
    tables: tuple[TableFiles, ...] = ()
    progress: Path | None = None
    removals: tuple[Path, ...] = ()
    vdir: VdirFolder | None = None
    resources: tuple[Resource, ...] | None = None
    report: Path | None = None  # the HTML report, when the run wrote one

    @property
    def paths(self) -> list[Path]:
        """Every path the run writes."""
        return [write.path for write in self.writes]


@dataclass(frozen=True)
class OutputRequest:
    """What to write, and where: the formats, the folder, and what some formats need."""

    formats: Sequence[str]
    folder: Path
    now: dt.datetime
    tombstone_days: int = 30
    jira_keys: Path | None = None
    progress: FileWrite | None = None  # the progress file, when the run pins new settings
    extra: Sequence[FileWrite] = field(default_factory=tuple)
    events: bool = False  # the run pushes: render the calendar's events even without ics
    # The settings the HTML report's header shows, as (name, value).
    report_settings: Sequence[tuple[str, str]] = ()


def report_path(folder: Path, plan_id: str) -> Path:
    """The HTML report of a plan in the output folder: ``<output>/<plan>.html``."""
    return folder / f"{plan_id}.html"


def vdir_folder(folder: Path, plan_id: str) -> Path:
    """The vdir of a plan in the output folder: ``<output>/<plan>.vdir/``."""
    return folder / f"{plan_id}.{VDIR}"


def output_paths(plan_id: str, formats: Sequence[str], folder: Path) -> list[Path]:
    """The files the formats write for a plan, the state last: to lock and clean them (the
    vdir's files change from run to run; its folder is named)."""
    paths = [folder / f"{plan_id}.ics"] if "ics" in formats else []
    for name in formats:
        if name in TABLE_FORMATS:
            paths += [folder / f"{plan_id}.{suffix}" for suffix in TABLE_FORMATS[name].suffixes]
    if HTML in formats:
        paths.append(report_path(folder, plan_id))
    if VDIR in formats:
        paths.append(vdir_folder(folder, plan_id))
    return [*paths, state_path(folder, plan_id)]


def render_outputs(schedule: Schedule, previous: State | None, request: OutputRequest) -> Outputs:
    """The bytes of every file the run writes, each named, the state last.

    With ``ics`` or ``vdir`` among the formats, or ``request.events`` (a push), the calendar's
    events are compared with ``previous`` for their SEQUENCE, LAST-MODIFIED and tombstones,
    and the state records them: the .ics, the vdir and a calendar server all carry the same
    revisions. Otherwise the state keeps the events the last calendar had, so that a tracker
    export never moves the calendar's revisions.
    """
    writes: list[FileWrite] = []
    removals: tuple[Path, ...] = ()
    calendar: CalendarFile | None = None
    vdir: VdirFolder | None = None
    resources: tuple[Resource, ...] | None = None
    folder = request.folder
    if "ics" in request.formats or VDIR in request.formats or request.events:
        revisions = revise(
            previous, schedule, calendar_events(schedule), request.now, request.tombstone_days
        )
        if "ics" in request.formats:
            # Imported only by a run that writes a calendar: icalendar takes a sixth of a
            # second to import, which every other command (report, status, log) need not pay.
            from plan2cal.export.ics import ics_bytes

            data = ics_bytes(schedule, request.now, revisions.revisions, revisions.events)
            path = folder / f"{schedule.plan}.ics"
            writes.append(FileWrite(path, data))
            calendar = _calendar_file(path, data, schedule, revisions)
        if VDIR in request.formats or request.events:
            # One calendar object per event costs as much as the .ics again: only for the
            # runs that write a vdir or push.
            from plan2cal.publish.resources import calendar_resources

            resources = tuple(
                calendar_resources(
                    schedule.plan, revisions.events, revisions.revisions, request.now
                )
            )
        state = revisions.state
    else:
        state = _without_calendar(previous, schedule)
    tables: list[TableFiles] = []
    options = Options(jira_keys=request.jira_keys)
    for name, render in TABLE_FORMATS.items():
        if name not in request.formats:
            continue
        rendered = render.render(schedule, options)
        paths = tuple(folder / f"{schedule.plan}.{suffix}" for suffix in rendered.files)
        writes += [
            FileWrite(path, data) for path, data in zip(paths, rendered.files.values(), strict=True)
        ]
        tables.append(TableFiles(name, paths, tuple(rendered.settings)))
    if VDIR in request.formats:
        assert resources is not None
        from plan2cal.publish.vdir import vdir_changes

        changes = vdir_changes(vdir_folder(folder, schedule.plan), resources, schedule.plan)
        writes += changes.writes
        removals = changes.removals
        vdir = VdirFolder(
            changes.folder, len(changes.writes), len(changes.removals), changes.unchanged
        )
    report: Path | None = None
    if HTML in request.formats:
        # The report compares with the run before this one and with the baseline the state
        # keeps; a first run is its own baseline and last run, so that a rerun with the same
        # inputs writes the same bytes.
        from plan2cal.htmlreport import ReportInput, report_html

        last_run = previous.last_run if previous is not None else None
        drawn = ReportInput(
            schedule,
            baseline=state.baseline,
            last_run=last_run or state.last_run,
            settings=tuple(request.report_settings),
        )
        report = report_path(folder, schedule.plan)
        writes.append(FileWrite(report, report_html(drawn)))
    writes += request.extra
    if request.progress is not None:
        writes.append(request.progress)
    # The state last: if a run stops before it, the next run compares with the older state
    # and raises SEQUENCE again, which calendars accept; the reverse would lose a revision.
    writes.append(FileWrite(state_path(folder, schedule.plan), state_bytes(state)))
    return Outputs(
        writes=tuple(writes),
        state=state,
        calendar=calendar,
        tables=tuple(tables),
        progress=request.progress.path if request.progress else None,
        removals=removals,
        vdir=vdir,
        resources=resources,
        report=report,
    )


def write_outputs(outputs: Outputs, journal: Path) -> None:
    """Write every rendered file and make every removal, or none (``files.commit``); raises
    OutputError naming a path."""
    commit(outputs.writes, removals=outputs.removals, journal=journal)


def _calendar_file(
    path: Path, data: bytes, schedule: Schedule, revisions: Revisions
) -> CalendarFile:
    return CalendarFile(
        path=path,
        size=len(data),
        sessions=len(schedule.sessions),
        milestones=len(schedule.phases) + len(schedule.milestones),
        added=revisions.added,
        changed=revisions.changed,
        cancelled=revisions.cancelled,
        waits=len(schedule.waits),
        notes=len(schedule.logged_days),
    )


def _without_calendar(previous: State | None, schedule: Schedule) -> State:
    current = snapshot_of(schedule)
    if previous is None:
        return State(plan=schedule.plan, events={}, baseline=current, last_run=current)
    return dataclasses.replace(
        previous,
        plan=schedule.plan,
        baseline=previous.baseline or current,
        last_run=current,
    )
