"""The coming days of a schedule, day by day: what ``plan2cal agenda`` prints.

Each day lists its work sessions with their local times in the plan's zone, the task (with
its session number) and its phase; the time logged that day that no session shows; tasks
finished that day; waits; and the milestones and deadlines that fall on it. A session that
happened is marked ``done``, one placed from the time logged ``logged``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from plan2cal.durations import duration_text
from plan2cal.schedule import Schedule

ALL_DAY = "all day"
LONGEST_AGENDA_DAYS = 366


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One line of a day: ``time`` is ``19:00–21:00`` or ``all day``; ``mark`` says what
    happened (``done``; ``logged``, or ``logged 1h30m`` for time logged that no session
    shows) or what the day means for the plan (``milestone``; ``late`` for a date the
    schedule misses)."""

    day: dt.date
    time: str
    what: str
    phase: str
    mark: str = ""


@dataclass(frozen=True)
class Agenda:
    """The entries of the days from ``first`` to ``last``, in time order within each day."""

    title: str
    timezone: str
    first: dt.date
    last: dt.date
    today: dt.date
    plan_start: dt.date
    entries: tuple[AgendaEntry, ...]
    work_minutes: int  # of the sessions still to do in these days

    def days(self) -> list[dt.date]:
        """The days that have entries, in order."""
        return sorted({entry.day for entry in self.entries})


def build_agenda(schedule: Schedule, today: dt.date, days: int = 7) -> Agenda:
    """The agenda of ``days`` days from ``today`` (from the plan's start, if that is later)."""
    if not 1 <= days <= LONGEST_AGENDA_DAYS:
        raise ValueError(f"days must be from 1 to {LONGEST_AGENDA_DAYS}, not {days}")
    zone = ZoneInfo(schedule.availability.timezone)
    first = max(today, schedule.start)
    last = first + dt.timedelta(days=days - 1)
    tasks = {task.key: task for task in schedule.tasks}
    phases = {phase.key: phase.name for phase in schedule.phases}
    # Each entry with its place in the day: all-day notes first (0), then the sessions by
    # time (1), then the phases that end that day (2).
    placed: list[tuple[int, str, AgendaEntry]] = []

    def all_day(day: dt.date, what: str, phase: str, mark: str = "", order: int = 0) -> None:
        if first <= day <= last:
            placed.append((order, "", AgendaEntry(day, ALL_DAY, what, phase, mark)))

    work = 0
    for session in schedule.sessions:
        begin, end = session.start.astimezone(zone), session.end.astimezone(zone)
        if begin.date() > last:
            break  # sessions are in time order
        if begin.date() < first:
            continue
        task = tasks[session.task]
        mark = "logged" if session.logged else ("done" if session.done else "")
        if not session.done:
            work += session.minutes
        # A habit goes on: its sessions are not counted out of a total.
        what = (
            f"Habit: {task.name}"
            if task.habit is not None
            else f"{task.name} ({session.ordinal}/{task.sessions})"
        )
        time = f"{begin:%H:%M}–{end:%H:%M}"
        entry = AgendaEntry(begin.date(), time, what, phases[task.phase], mark)
        placed.append((1, f"{begin:%H:%M}", entry))
    for note in schedule.logged_days:
        task = tasks[note.task]
        all_day(note.day, task.name, phases[task.phase], f"logged {duration_text(note.minutes)}")
    # A date the schedule misses is marked late on its day.
    late = {(miss.kind, miss.key) for miss in schedule.misses}

    def due(kind: str, key: str) -> str:
        return "late" if (kind, key) in late else ""

    for task in schedule.tasks:
        if task.done is not None:
            all_day(task.done, f"Finished: {task.name}", phases[task.phase], "done")
        elif task.deadline is not None:
            mark = due("task", task.key)
            all_day(task.deadline, f"Due: {task.name}", phases[task.phase], mark)
    for span in schedule.waits:
        task = tasks[span.task]
        day = max(span.first_day, first)
        while day <= min(span.last_day, last):
            all_day(day, f"Waiting: {task.name}", phases[task.phase])
            day += dt.timedelta(days=1)
    for phase in schedule.phases:
        if phase.deadline is not None:
            all_day(phase.deadline, f"Due: {phase.name}", phase.name, due("phase", phase.key))
        all_day(phase.end, f"{phase.name} complete", phase.name, "milestone", order=2)
    for milestone in schedule.milestones:
        missed = due("milestone", milestone.key)
        all_day(milestone.date, milestone.name, "", f"milestone {missed}".strip())
    placed.sort(key=lambda item: (item[2].day, item[0], item[1]))
    entries = [entry for _, _, entry in placed]
    return Agenda(
        title=schedule.title,
        timezone=schedule.availability.timezone,
        first=first,
        last=last,
        today=today,
        plan_start=schedule.start,
        entries=tuple(entries),
        work_minutes=work,
    )


def day_heading(day: dt.date, today: dt.date) -> str:
    """``Tue 2026-12-08 (today)``; English day names, whatever the locale."""
    name = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    relative = {0: " (today)", 1: " (tomorrow)"}.get((day - today).days, "")
    return f"{name} {day.isoformat()}{relative}"


_SESSION_NUMBER = re.compile(r" \(\d+/\d+\)$")


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, the words cut short with …; a session's
    number, ``(3/12)``, stays whole at the end."""
    if len(text) <= width:
        return text
    number = _SESSION_NUMBER.search(text)
    tail = number.group() if number else ""
    words = text[: len(text) - len(tail)]
    return words[: max(width - len(tail) - 1, 1)].rstrip() + "…" + tail


def agenda_lines(agenda: Agenda, width: int | None = None) -> list[tuple[str, str]]:
    """The agenda as lines, each with its kind: ``title``, ``day``, ``entry``, ``done`` (an
    entry of work that happened), ``milestone``, ``late`` (a date the schedule misses) or
    ``text``; a caller may style by kind.

    With ``width`` (a terminal's), the task and phase columns are cut short with … so that
    each entry fits on one line, down to a few characters each; without it, nothing is cut.
    """
    span = f"{agenda.first.isoformat()} to {agenda.last.isoformat()}"
    lines: list[tuple[str, str]] = [
        ("title", f"{agenda.title}: {span} ({agenda.timezone})"),
    ]
    if agenda.plan_start > agenda.today:
        lines.append(("text", f"The plan starts on {agenda.plan_start.isoformat()}."))
    if not agenda.entries:
        return [*lines, ("text", ""), ("text", f"Nothing is planned from {span}.")]
    what_width = max(len(entry.what) for entry in agenda.entries)
    phase_width = max(len(entry.phase) for entry in agenda.entries)
    time_width = max(len(entry.time) for entry in agenda.entries)
    mark_width = max(len(entry.mark) for entry in agenda.entries)
    if width is not None:
        # Two spaces of indent and between columns; the time and the mark stay whole.
        room = width - 2 - time_width - 2 - 2 - (mark_width + 2 if mark_width else 0)
        while what_width + phase_width > room and (what_width > 24 or phase_width > 12):
            if what_width - 24 >= phase_width - 12:
                what_width -= 1
            else:
                phase_width -= 1
    for day in agenda.days():
        lines += [("text", ""), ("day", day_heading(day, agenda.today))]
        for entry in (entry for entry in agenda.entries if entry.day == day):
            cells = [
                entry.time.ljust(time_width),
                _cut(entry.what, what_width).ljust(what_width),
                _cut(entry.phase, phase_width).ljust(phase_width),
                entry.mark,
            ]
            words = entry.mark.split()
            if "late" in words:
                kind = "late"
            elif words:
                kind = {"done": "done", "logged": "done"}.get(words[0], "milestone")
            else:
                kind = "entry"
            lines.append((kind, ("  " + "  ".join(cells)).rstrip()))
    sessions = sum(1 for entry in agenda.entries if entry.time != ALL_DAY and not entry.mark)
    lines += [
        ("text", ""),
        (
            "text",
            f"{sessions} {'session' if sessions == 1 else 'sessions'} to do, "
            f"{duration_text(agenda.work_minutes)} of work.",
        ),
    ]
    return lines
