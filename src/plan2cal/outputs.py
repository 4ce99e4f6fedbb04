"""One run, one transaction (DESIGN §8): render every output into memory, then write them all.

``render_outputs`` turns a schedule into the bytes of each file the run writes — the .ics,
each tracker file, the progress file when its pinned settings changed, and the state, last —
and says what each holds. ``write_outputs`` hands them to ``files.commit``, which renames them
into place only when every one was written, so a failed run leaves every file as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from plan2cal.export.events import calendar_events
from plan2cal.export.formats import TABLE_FORMATS, Options
from plan2cal.export.ics import SIZE_WARNING, ics_bytes
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
        return self.size > SIZE_WARNING


@dataclass(frozen=True)
class TableFiles:
    """The files of one tracker or spreadsheet format, and what its importer will ask for."""

    format: str
    paths: tuple[Path, ...]
    settings: tuple[str, ...]


@dataclass(frozen=True)
class Outputs:
    """Everything a run writes, rendered; ``writes`` is in the order of writing, state last."""

    writes: tuple[FileWrite, ...]
    state: State
    calendar: CalendarFile | None = None
    tables: tuple[TableFiles, ...] = ()
    progress: Path | None = None

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


def output_paths(plan_id: str, formats: Sequence[str], folder: Path) -> list[Path]:
    """The files the formats write for a plan, the state last: to lock and clean them."""
    paths = [folder / f"{plan_id}.ics"] if "ics" in formats else []
    for name in formats:
        if name in TABLE_FORMATS:
            paths += [folder / f"{plan_id}.{suffix}" for suffix in TABLE_FORMATS[name].suffixes]
    return [*paths, state_path(folder, plan_id)]


def render_outputs(schedule: Schedule, previous: State | None, request: OutputRequest) -> Outputs:
    """The bytes of every file the run writes, each named, the state last.

    With ``ics`` among the formats, the calendar's events are compared with ``previous`` for
    their SEQUENCE, LAST-MODIFIED and tombstones. Without it, the state keeps the events the
    last calendar had, so that a tracker export never moves the calendar's revisions.
    """
    writes: list[FileWrite] = []
    calendar: CalendarFile | None = None
    folder = request.folder
    if "ics" in request.formats:
        revisions = revise(
            previous, schedule, calendar_events(schedule), request.now, request.tombstone_days
        )
        data = ics_bytes(schedule, request.now, revisions.revisions, revisions.events)
        path = folder / f"{schedule.plan}.ics"
        writes.append(FileWrite(path, data))
        calendar = _calendar_file(path, data, schedule, revisions)
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
    )


def write_outputs(outputs: Outputs, journal: Path) -> None:
    """Write every rendered file, or none (``files.commit``); raises OutputError naming a path."""
    commit(outputs.writes, journal=journal)


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
