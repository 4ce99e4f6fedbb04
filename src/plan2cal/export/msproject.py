"""Schedule → Microsoft Project XML (MSPDI), which MS Project, ProjectLibre and MPXJ open.

What is written, and why, follows specs/import-formats.md §6: one base calendar made of the
plan's windows, a summary task per phase with its tasks beneath, fixed milestones as zero-length
milestone tasks, finish-to-start links for ``after`` and phase order, and every element in the
order of the schema's ``xsd:sequence`` (§6.1), since Project rejects a file invalid against it.

Tasks are manually scheduled (``Manual`` 1) and pinned with Start No Earlier Than, because
Project recomputes auto-scheduled tasks on open and would replace plan2cal's dates with its own
(§6.2). Task UIDs come from the plan's ids, so "merge into the active project" updates the tasks
imported before instead of adding copies (§6.2, §14).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from plan2cal.export.sanitize import clean_text
from plan2cal.schedule import Schedule, TaskPlan
from plan2cal.worktime import Windows

NAMESPACE = "http://schemas.microsoft.com/project"
SUFFIX = "msproject.xml"
# Name and OutlineNumber are xsd:string with maxLength 512 in the schema (§6.1).
NAME_LIMIT = 512
# Project's Priority field runs 0-1000 with 500 as its default for new tasks.
PRIORITY_VALUES = {"highest": 1000, "high": 750, "medium": 500, "low": 250, "lowest": 0}
# DurationFormat / LagFormat codes (§6.1): 5 = hours, 7 = days.
HOURS_FORMAT = 5
DAYS_FORMAT = 7
ELAPSED_DAYS_FORMAT = 8  # +1 for elapsed (§6.1): a lag of calendar days, as the plan's lag:
TENTHS_PER_DAY = 24 * 60 * 10  # LinkLag is in tenths of a minute
FINISH_TO_START = 1  # PredecessorLink/Type: 0 FF, 1 FS, 2 SF, 3 SS
START_NO_EARLIER_THAN = 4  # ConstraintType
FIXED_DURATION = 1  # Task/Type: 0 fixed units, 1 fixed duration, 2 fixed work
CALENDAR_UID = 1
# Largest UID: the schema says xsd:integer, Project and MPXJ keep it in a signed 32-bit int.
UID_LIMIT = 2**31 - 1

# XML 1.0 has no way to write these at all (Char production); clean_text already drops the
# C0 controls but keeps surrogates and the two non-characters.
_NOT_XML = dict.fromkeys([*range(0xD800, 0xE000), 0xFFFE, 0xFFFF])


@dataclass(frozen=True, slots=True)
class _Row:
    """One Task element, before it is written."""

    key: str
    kind: str  # "phase", "task" or "milestone"
    name: str
    outline: str
    start: dt.datetime
    finish: dt.datetime
    work: int | None  # minutes
    priority: int
    percent: int | None
    deadline: dt.datetime | None
    link: str | None
    notes: str
    after: tuple[str, ...]  # keys of phases or tasks
    lags: tuple[tuple[str, int], ...] = ()  # (key in after, days) of the links with a lag


def task_uids(keys: Iterable[str]) -> dict[str, int]:
    """Key → UID in 1..2³¹−1, from the key alone, so that it survives reruns and plan edits.

    MS Project's "merge into the active project" overwrites the tasks whose UID matches
    (§6.2), so a task must keep its UID whatever else changes: counting rows would renumber
    every task after an inserted one. The CRC-32 of the key, folded into the range (UID 0 is
    the project summary task), is the same on every run and in every Python (unlike ``hash``).
    Two keys folding to one number (about one chance in 2³¹ per pair) are told apart by giving
    the later one in ``keys`` order the next free number; only a new key that collides with an
    old one earlier in the plan can then move that old one's UID.
    """
    uids: dict[str, int] = {}
    taken: set[int] = set()
    for key in keys:
        uid = zlib.crc32(key.encode("utf-8")) % UID_LIMIT + 1
        while uid in taken:
            uid = uid % UID_LIMIT + 1
        taken.add(uid)
        uids[key] = uid
    return uids


def milestone_key(key: str) -> str:
    """The UID key of a fixed milestone: its ids may repeat a phase's or task's (model.py)."""
    return f"milestone:{key}"


def working_minutes(windows: Windows, start: dt.datetime, finish: dt.datetime) -> int:
    """Minutes of the weekly windows between two local wall-clock times: a task's Duration.

    Project measures Duration in working time on the task's calendar (§6.1), so this is the
    span from Start to Finish that the calendar written here holds; Start + Duration then lands
    on Finish and Project has no reason to move it.
    """
    total = 0
    day = start.date()
    while day <= finish.date():
        midnight = dt.datetime.combine(day, dt.time())
        for begin, end in windows.get(day.weekday(), ()):
            low = max(start, midnight + dt.timedelta(minutes=begin))
            high = min(finish, midnight + dt.timedelta(minutes=end))
            if high > low:
                total += int((high - low).total_seconds()) // 60
        day += dt.timedelta(days=1)
    return total


def duration_text(minutes: int) -> str:
    """Minutes as the ISO 8601 duration Project writes: ``165`` → ``PT2H45M0S``."""
    return f"PT{minutes // 60}H{minutes % 60}M0S"


def _datetime_text(moment: dt.datetime) -> str:
    # MSPDI dateTime: local wall-clock time without a zone (§6.1).
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _time_text(minute: int) -> str:
    # The end of a window at 24:00 is written 00:00:00, as MPXJ writes midnight.
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}:00"


def _text(text: str) -> str:
    return clean_text(text).translate(_NOT_XML)


def _name(text: str) -> str:
    # A task name is one line in Project's grid.
    return _text(text).replace("\n", " ").replace("\t", " ")[:NAME_LIMIT]


def _percent(tasks: Sequence[TaskPlan]) -> int:
    """Share of the effort done, rounded down so that only finished work shows 100."""
    effort = sum(task.effort for task in tasks)
    done = sum(task.effort if task.done else min(task.spent, task.effort) for task in tasks)
    return 100 * done // effort if effort else 0


def _habit_note(task: TaskPlan) -> str:
    """``Habit: 30m a week, 2027-01-04 to 2027-05-20 (…).`` and a blank line before a habit's
    description, else empty."""
    span = task.habit
    if span is None:
        return ""
    text = (
        f"Habit: {span.rhythm.text}, {span.first_day.isoformat()} to "
        f"{max(span.last_day, span.first_day).isoformat()} ({span.ends})."
    )
    return f"{text}\n\n" if task.description else text


def _rows(schedule: Schedule, day_start: dt.time, day_finish: dt.time) -> list[_Row]:
    """Phases with their tasks beneath, then the fixed milestones, in outline order."""
    zone = ZoneInfo(schedule.availability.timezone)

    def local(moment: dt.datetime | None, fallback: dt.date) -> dt.datetime:
        if moment is None:  # no session: all its effort was spent before today
            return dt.datetime.combine(fallback, day_start)
        return moment.astimezone(zone).replace(tzinfo=None)

    def due(day: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(day, day_finish) if day is not None else None

    def span(task: TaskPlan) -> tuple[dt.datetime, dt.datetime]:
        # A wait runs from the start of its first working day to the end of its last: its
        # calendar days, with no Work.
        if task.wait is not None:
            first, last = task.wait.first_day, task.wait.last_day
            return dt.datetime.combine(first, day_start), dt.datetime.combine(last, day_finish)
        # A habit, too, runs from its first session to its last, its Work the time of all of
        # them (its span's first and last day are in its notes).
        return local(task.start, task.end_date), local(task.finish, task.end_date)

    rows: list[_Row] = []
    for p, phase in enumerate(schedule.phases, start=1):
        own = [task for task in schedule.tasks if task.phase == phase.key]
        children = [
            _Row(
                key=task.key,
                kind="task",
                name=_name(task.name),
                outline=f"{p}.{t}",
                start=span(task)[0],
                finish=span(task)[1],
                work=task.effort if task.wait is None else None,
                priority=PRIORITY_VALUES[task.priority],
                percent=_percent([task]),
                deadline=due(task.deadline),
                link=task.link,
                notes=_text(_habit_note(task) + (task.description or "")),
                after=task.after,
                lags=task.lags,
            )
            for t, task in enumerate(own, start=1)
        ]
        rows.append(
            _Row(
                key=phase.key,
                kind="phase",
                name=_name(phase.name),
                outline=str(p),
                start=min(row.start for row in children),
                finish=max(row.finish for row in children),
                work=phase.effort,
                priority=PRIORITY_VALUES["medium"],
                percent=_percent(own),
                deadline=due(phase.deadline),
                link=None,
                notes=_text(phase.description or ""),
                after=phase.after,
                lags=phase.lags,
            )
        )
        rows += children
    for m, milestone in enumerate(schedule.milestones, start=len(schedule.phases) + 1):
        moment = dt.datetime.combine(milestone.date, day_start)
        rows.append(
            _Row(
                key=milestone_key(milestone.key),
                kind="milestone",
                name=_name(milestone.name),
                outline=str(m),
                start=moment,
                finish=moment,
                work=None,
                priority=PRIORITY_VALUES["medium"],
                percent=None,
                deadline=None,
                link=None,
                notes=_text(milestone.description or ""),
                after=(),
            )
        )
    return rows


def _add(parent: ET.Element, tag: str, value: str | int) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _task_element(
    parent: ET.Element, row: _Row, uid: int, row_id: int, uids: dict[str, int], windows: Windows
) -> None:
    """One Task, its children in the schema's sequence order (§6.1)."""
    manual = row.kind != "phase"  # a phase rolls up from its tasks, as Project's summaries do
    span = working_minutes(windows, row.start, row.finish)
    task = ET.SubElement(parent, "Task")
    _add(task, "UID", uid)
    _add(task, "ID", row_id)
    _add(task, "Name", row.name)
    _add(task, "Active", 1)
    _add(task, "Manual", int(manual))
    # Fixed duration: if a resource is assigned later, Project keeps the span and works out the
    # units from Work, instead of squeezing weeks of evening sessions into a few full days.
    _add(task, "Type", FIXED_DURATION)
    _add(task, "WBS", row.outline)
    _add(task, "OutlineNumber", row.outline)
    _add(task, "OutlineLevel", row.outline.count(".") + 1)
    _add(task, "Priority", row.priority)
    _add(task, "Start", _datetime_text(row.start))
    _add(task, "Finish", _datetime_text(row.finish))
    _add(task, "Duration", duration_text(span))
    _add(task, "DurationFormat", HOURS_FORMAT)
    if row.work is not None:
        _add(task, "Work", duration_text(row.work))
    _add(task, "Estimated", 0)  # a planned duration, not one Project flags with "?"
    _add(task, "Milestone", int(row.kind == "milestone"))
    _add(task, "Summary", int(row.kind == "phase"))
    if row.percent is not None:
        _add(task, "PercentComplete", row.percent)
    if manual:
        _add(task, "ConstraintType", START_NO_EARLIER_THAN)
    _add(task, "CalendarUID", -1)  # no calendar of its own: the project's
    if manual:
        _add(task, "ConstraintDate", _datetime_text(row.start))
    if row.deadline is not None:
        _add(task, "Deadline", _datetime_text(row.deadline))
    link = _text(row.link or "")
    notes = row.notes
    if len(link) > NAME_LIMIT:
        # Hyperlink and HyperlinkAddress are String(512) too; a cut URL leads nowhere, so a
        # longer one goes into the notes instead.
        notes, link = "\n\n".join(filter(None, [notes, link])), ""
    if link:
        _add(task, "Hyperlink", link)
        _add(task, "HyperlinkAddress", link)
    if notes:
        _add(task, "Notes", notes)
    lags = dict(row.lags)
    for before in row.after:
        predecessor = ET.SubElement(task, "PredecessorLink")
        _add(predecessor, "PredecessorUID", uids[before])
        _add(predecessor, "Type", FINISH_TO_START)
        _add(predecessor, "CrossProject", 0)
        # Tenths of a minute; LinkLag requires LagFormat (§6.1). A plan's lag is calendar days.
        lag = lags.get(before, 0)
        _add(predecessor, "LinkLag", lag * TENTHS_PER_DAY)
        _add(predecessor, "LagFormat", ELAPSED_DAYS_FORMAT if lag else DAYS_FORMAT)
    if manual:
        # Project 2010+ keeps a manual task's own dates here (written by Project and MPXJ).
        _add(task, "ManualStart", _datetime_text(row.start))
        _add(task, "ManualFinish", _datetime_text(row.finish))
        _add(task, "ManualDuration", duration_text(span))


def _calendar(parent: ET.Element, name: str, windows: Windows) -> None:
    """The one base calendar (§6.1): each weekday's windows as its working times."""
    calendars = ET.SubElement(parent, "Calendars")
    calendar = ET.SubElement(calendars, "Calendar")
    _add(calendar, "UID", CALENDAR_UID)
    _add(calendar, "Name", name)
    _add(calendar, "IsBaseCalendar", 1)
    _add(calendar, "BaseCalendarUID", -1)
    week = ET.SubElement(calendar, "WeekDays")
    for day_type in range(1, 8):  # DayType 1 = Sunday … 7 = Saturday; Python's 0 = Monday
        spans = windows.get((day_type - 2) % 7, ())
        weekday = ET.SubElement(week, "WeekDay")
        _add(weekday, "DayType", day_type)
        _add(weekday, "DayWorking", int(bool(spans)))
        if spans:
            times = ET.SubElement(weekday, "WorkingTimes")
            for begin, end in spans:
                working = ET.SubElement(times, "WorkingTime")
                _add(working, "FromTime", _time_text(begin))
                _add(working, "ToTime", _time_text(end))


def msproject_bytes(schedule: Schedule) -> bytes:
    """The MSPDI file of a schedule: UTF-8 with an XML declaration, the same bytes every run."""
    windows = schedule.availability.windows
    spans = [span for day in windows.values() for span in day]
    # Project uses these for dates typed without a time; the working day's outer bounds.
    first = min(begin for begin, _ in spans)
    last = max(end for _, end in spans)
    day_start = dt.time(first // 60, first % 60)
    day_finish = dt.time(last // 60 % 24, last % 60)
    # Minutes per day/week convert Project's "d" and "w" units: the weekly budget as laid out,
    # spread over the days it uses. Four such weeks make Project's month (20 days for 5).
    weekly = schedule.pattern.weekly_minutes
    days = sum(1 for day in schedule.pattern.blocks if day)
    rows = _rows(schedule, day_start, day_finish)
    uids = task_uids(row.key for row in rows)

    project = ET.Element("Project", xmlns=NAMESPACE)
    _add(project, "SaveVersion", 14)  # Project 2010, as MPXJ writes (§6.1)
    _add(project, "Name", _name(f"{schedule.plan}.{SUFFIX}"))
    _add(project, "Title", _name(schedule.title))
    _add(project, "ScheduleFromStart", 1)
    _add(project, "StartDate", _datetime_text(min(row.start for row in rows)))
    _add(project, "FinishDate", _datetime_text(max(row.finish for row in rows)))
    # Mandatory in the 2007 schema (§6.1); plans carry no costs, so any valid code will do.
    _add(project, "CurrencyCode", "USD")
    _add(project, "CalendarUID", CALENDAR_UID)
    _add(project, "DefaultStartTime", _time_text(first))
    _add(project, "DefaultFinishTime", _time_text(last))
    _add(project, "MinutesPerDay", round(weekly / days))
    _add(project, "MinutesPerWeek", weekly)
    _add(project, "DaysPerMonth", 4 * days)
    _add(project, "NewTasksAreManual", 1)
    _calendar(project, _name(f"plan2cal {schedule.plan}"), windows)
    tasks = ET.SubElement(project, "Tasks")
    for row_id, row in enumerate(rows, start=1):
        _task_element(tasks, row, uids[row.key], row_id, uids, windows)

    ET.indent(project, space="  ")
    # ElementTree escapes &, < and > in text; the declaration is written by hand so that it
    # reads as Project's own (double quotes, standalone).
    body = ET.tostring(project, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{body}\n'.encode()


# What the person must choose when opening the file.
SETTINGS = (
    "Open it in Microsoft Project (File → Open, type XML) or ProjectLibre; tasks are "
    "manually scheduled so that Project keeps these dates",
    "After a rerun, choose 'Merge the data into the active project': tasks keep their "
    "UIDs, so the ones imported before are updated rather than copied",
)
