"""One mechanism for every table-shaped export (tracker CSVs, calendar CSVs, spreadsheets).

A target is a list of columns plus a few rules: which rows and in what order (hierarchy), how
dates look, whether names must be unique, how cells that a spreadsheet would run as a formula
are neutralised, and whether the file starts with a byte order mark. Adding a target is a
small module that builds a ``Target``; the writing is here.

The CSV dialect is the one every importer found expects (specs/import-formats.md §1): comma,
a header row, fields with commas, quotes or line breaks in double quotes, quotes doubled, CRLF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from plan2cal.durations import duration_text
from plan2cal.export.sanitize import clean_text
from plan2cal.schedule import Schedule, Session, TaskPlan

Kind = Literal["phase", "task", "milestone", "session", "wait"]
Cell = str | list[str]


@dataclass(frozen=True)
class Item:
    """One row's worth of what the schedule knows, before a target picks its columns.

    ``kind`` is a phase, a task, a fixed milestone, or (for calendar targets) one work
    session or a wait's all-day span. A pure wait (``wait: 2w``) is a task with ``wait_days``,
    its first and last day as ``start`` and ``due``, and no effort. A habit (``every``) has
    its span as ``start`` and ``due`` and the time of all its sessions as its effort. Dates are
    local dates in
    the plan's time zone; times are local wall-clock times.
    """

    kind: Kind
    key: str
    name: str
    phase: str
    phase_name: str
    description: str
    start: dt.date | None
    due: dt.date | None
    effort: int = 0
    spent: int = 0
    remaining: int = 0
    status: str = "to do"
    depends_on: tuple[str, ...] = ()
    priority: str = "medium"
    deadline: dt.date | None = None
    link: str | None = None
    begin: dt.datetime | None = None
    end: dt.datetime | None = None
    index: int = 0
    wait_days: int = 0
    every: str = ""  # a habit's rhythm (30m a week); its start and due are its span
    weekly: int = 0  # a habit's minutes a week


def plan_items(schedule: Schedule) -> list[Item]:
    """Phases, tasks and fixed milestones in plan order (each phase before its tasks)."""
    tasks_by_phase: dict[str, list[Item]] = {}
    for index, task in enumerate(schedule.tasks):
        status = "done" if task.done else ("in progress" if task.spent else "to do")
        start = task.wait.first_day if task.wait else _local_date(task.start, schedule)
        habit = task.habit
        if habit is not None:
            start = habit.first_day
        tasks_by_phase.setdefault(task.phase, []).append(
            Item(
                kind="task",
                key=task.key,
                name=clean_text(task.name),
                phase=task.phase,
                phase_name="",
                description=clean_text(task.description or ""),
                start=start or task.end_date,
                due=task.end_date,
                effort=task.effort,
                spent=task.spent,
                remaining=task.remaining,
                status=status,
                depends_on=task.after,
                priority=task.priority,
                deadline=task.deadline,
                link=task.link,
                index=index,
                wait_days=task.wait.days if task.wait else 0,
                every=habit.rhythm.text if habit is not None else "",
                weekly=habit.rhythm.weekly if habit is not None else 0,
            )
        )
    items: list[Item] = []
    for phase in schedule.phases:
        own = tasks_by_phase.get(phase.key, [])
        done = all(item.status == "done" for item in own)
        started = any(item.status != "to do" for item in own)
        items.append(
            Item(
                kind="phase",
                key=phase.key,
                name=clean_text(phase.name),
                phase=phase.key,
                phase_name=clean_text(phase.name),
                description=clean_text(phase.description or ""),
                start=phase.start,
                due=phase.end,
                effort=phase.effort,
                spent=sum(item.spent for item in own),
                remaining=sum(item.remaining for item in own),
                status="done" if done else ("in progress" if started else "to do"),
                deadline=phase.deadline,
            )
        )
        items += [_with_phase(item, phase.name) for item in own]
    for milestone in schedule.milestones:
        items.append(
            Item(
                kind="milestone",
                key=milestone.key,
                name=clean_text(milestone.name),
                phase="",
                phase_name="",
                description=clean_text(milestone.description or ""),
                start=milestone.date,
                due=milestone.date,
                status="to do",
            )
        )
    return items


def session_items(schedule: Schedule) -> list[Item]:
    """One item per work session (local wall-clock times), then each wait's all-day span,
    then the milestones, for calendars."""
    zone = ZoneInfo(schedule.availability.timezone)
    tasks = {task.key: task for task in schedule.tasks}
    phases = {phase.key: phase for phase in schedule.phases}
    items: list[Item] = []
    for session in schedule.sessions:
        task = tasks[session.task]
        items.append(_session_item(session, task, phases[task.phase].name, zone))
    for span in schedule.waits:
        task = tasks[span.task]
        items.append(
            Item(
                kind="wait",
                key=f"wait:{task.key}",
                name=clean_text(f"Waiting: {task.name}"),
                phase=task.phase,
                phase_name=clean_text(phases[task.phase].name),
                description=clean_text(task.description or ""),
                start=span.first_day,
                due=span.last_day,
                wait_days=span.days,
            )
        )
    for phase in schedule.phases:
        items.append(
            Item(
                kind="milestone",
                key=f"phase:{phase.key}",
                name=clean_text(f"Milestone: {phase.name}"),
                phase=phase.key,
                phase_name=clean_text(phase.name),
                description=clean_text(phase.description or ""),
                start=phase.end,
                due=phase.end,
            )
        )
    for milestone in schedule.milestones:
        items.append(
            Item(
                kind="milestone",
                key=f"milestone:{milestone.key}",
                name=clean_text(f"Milestone: {milestone.name}"),
                phase="",
                phase_name="",
                description=clean_text(milestone.description or ""),
                start=milestone.date,
                due=milestone.date,
            )
        )
    return items


def _session_item(session: Session, task: TaskPlan, phase_name: str, zone: ZoneInfo) -> Item:
    begin, end = session.start.astimezone(zone), session.end.astimezone(zone)
    prefix = "Done: " if session.done else ""
    # A habit goes on: its sessions are not counted out of a total.
    title = (
        f"{prefix}Habit: {task.name}"
        if task.habit is not None
        else f"{prefix}{task.name} ({session.ordinal}/{task.sessions})"
    )
    return Item(
        kind="session",
        key=f"{session.task}#{session.ordinal}",
        name=clean_text(title),
        phase=task.phase,
        phase_name=clean_text(phase_name),
        description=clean_text(task.description or ""),
        start=begin.date(),
        due=end.date(),
        effort=task.effort,
        status="done" if session.done else "to do",
        link=task.link,
        begin=begin,
        end=end,
        every=task.habit.rhythm.text if task.habit is not None else "",
    )


def _with_phase(item: Item, phase_name: str) -> Item:
    return Item(**{**item.__dict__, "phase_name": clean_text(phase_name)})


def _local_date(moment: dt.datetime | None, schedule: Schedule) -> dt.date | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(schedule.availability.timezone)).date()


@dataclass(frozen=True)
class Column:
    """A header and how to fill it; a list value spreads over repeated headers."""

    header: str
    value: Callable[[Item], Cell]
    text: bool = True  # user text that may need neutralising as a formula
    optional: bool = False  # left out when no row has a value in it


Neutralise = Literal["importer", "spreadsheet"]


@dataclass(frozen=True)
class Target:
    """An export format: columns and the rules of its importer."""

    name: str
    suffix: str
    columns: Sequence[Column]
    items: Callable[[Schedule], list[Item]] = plan_items
    unique_names: bool = False
    neutralise: Neutralise = "importer"
    bom: bool = False
    settings: Sequence[str] = field(default_factory=tuple)
    wait_settings: Sequence[str] = field(default_factory=tuple)  # printed when there are waits


# A cell starting with one of these runs as a formula in Excel, LibreOffice and Google Sheets
# (OWASP "CSV Injection"; specs/import-formats.md §13).
_FORMULA_START = ("=", "+", "-", "@")


def neutralise(text: str, mode: Neutralise) -> str:
    """Keep a text cell from running as a spreadsheet formula.

    Leading tab, CR and LF are always stripped. For the characters that start a formula,
    ``spreadsheet`` prefixes a quote, as OWASP advises; ``importer`` targets (Jira, Asana,
    calendars) are not documented to strip that quote, so they get a leading space instead,
    which spreadsheets read as text and importers trim or show harmlessly.
    """
    stripped = text.lstrip("\t\r\n")
    if stripped.startswith(_FORMULA_START):
        return ("'" if mode == "spreadsheet" else " ") + stripped
    return stripped


def unique_names(items: list[Item]) -> list[Item]:
    """Give repeated names a suffix `` (2)``, `` (3)``…, for importers that match by name."""
    seen: dict[str, int] = {}
    taken = {item.name for item in items}
    result = []
    for item in items:
        count = seen.get(item.name, 0) + 1
        seen[item.name] = count
        name = item.name
        if count > 1:
            suffix = count
            while f"{item.name} ({suffix})" in taken:
                suffix += 1
            name = f"{item.name} ({suffix})"
            taken.add(name)
        result.append(Item(**{**item.__dict__, "name": name}) if name != item.name else item)
    return result


def table(target: Target, items: list[Item]) -> list[list[str]]:
    """Header row and data rows; multi-value columns take as many headers as the most values."""
    if target.unique_names:
        items = unique_names(items)
    columns = [
        column
        for column in target.columns
        if not column.optional or any(column.value(item) for item in items)
    ]
    raw = [[column.value(item) for column in columns] for item in items]
    widths = [
        max([len(row[i]) if isinstance(row[i], list) else 1 for row in raw] or [1])
        if any(isinstance(row[i], list) for row in raw)
        else 1
        for i in range(len(columns))
    ]
    header: list[str] = []
    for column, width in zip(columns, widths, strict=True):
        header += [column.header] * max(width, 1)
    rows = [header]
    for values in raw:
        row: list[str] = []
        for column, width, value in zip(columns, widths, values, strict=True):
            cells = value if isinstance(value, list) else [value]
            cells = cells + [""] * (max(width, 1) - len(cells))
            row += [neutralise(cell, target.neutralise) if column.text else cell for cell in cells]
        rows.append(row)
    return rows


def csv_bytes(target: Target, schedule: Schedule) -> bytes:
    """The target's file for a schedule."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(table(target, target.items(schedule)))
    data = buffer.getvalue().encode()
    return (b"\xef\xbb\xbf" + data) if target.bom else data


def habit_text(item: Item) -> str:
    """``Habit: 30m a week, 2026-12-07 to 2027-01-31; 4h planned in all.`` for a habit, else
    empty."""
    if not item.every or item.start is None or item.due is None:
        return ""
    return (
        f"Habit: {item.every}, {item.start.isoformat()} to {item.due.isoformat()}; "
        f"{duration_text(item.effort)} planned in all."
    )


def wait_text(item: Item) -> str:
    """``Waiting 14 days, 2027-06-10 to 2027-06-23; no work is planned for it.`` for a wait,
    else empty."""
    if not item.wait_days or item.start is None or item.due is None:
        return ""
    days = f"{item.wait_days} {'day' if item.wait_days == 1 else 'days'}"
    return (
        f"Waiting {days}, {item.start.isoformat()} to {item.due.isoformat()}; no work is "
        "planned for it."
    )


def us_date(day: dt.date | None) -> str:
    """``MM/DD/YYYY`` with leading zeros, the US order Asana and Google Calendar read, or empty
    (specs/import-formats.md §3.2, §4)."""
    return day.strftime("%m/%d/%Y") if day else ""
