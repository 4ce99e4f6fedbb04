"""The schedule as calendar events: what each VEVENT says, before any writer formats it.

UIDs come from the plan, the item and the session's ordinal, never from dates or titles, so a
rerun moves events instead of duplicating them (specs/icalendar-clients.md §0.3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache

from plan2cal.durations import duration_text, estimate_error
from plan2cal.export.sanitize import clean_text
from plan2cal.schedule import LoggedDay, PhasePlan, Schedule, Session, TaskPlan, WaitSpan

# Namespace of all plan2cal UIDs; a plan's own namespace is derived from it and the plan id.
PROJECT_NAMESPACE = uuid.UUID("6f1c9a52-3d0e-4b8f-9a57-0e2f8c4d71b3")


@dataclass(frozen=True, slots=True)
class Revision:
    """What the state file knows of an event: its SEQUENCE and when its content last changed."""

    sequence: int
    last_modified: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EventData:
    """The content of one VEVENT, before it is written either way."""

    uid: str
    item: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    description: str
    transparent: bool
    url: str | None = None
    cancelled: bool = False
    removed_on: dt.date | None = None  # for a tombstone: the day of the run that removed it
    baseline: dt.date | None = None  # for a phase milestone: its date in the baseline

    def content_hash(self) -> str:
        """A digest of what a calendar shows: a change to it is a new revision of the event."""
        parts = (
            self.summary,
            self.start.isoformat(),
            self.end.isoformat(),
            self.description,
            str(self.transparent),
            self.url or "",
            str(self.cancelled),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]

    @property
    def sort_key(self) -> tuple[str, str]:
        """Order by start (all-day events first on their day), then UID."""
        if isinstance(self.start, dt.datetime):
            return (self.start.strftime("%Y%m%dT%H%M%S"), self.uid)
        return (self.start.strftime("%Y%m%d"), self.uid)


@lru_cache(maxsize=64)
def plan_namespace(plan_id: str) -> uuid.UUID:
    """The UUID namespace of one plan: every UID of its events is derived from it."""
    return uuid.uuid5(PROJECT_NAMESPACE, plan_id)


def event_uid(namespace: uuid.UUID, item: str) -> str:
    """UID of an item (``task#3``, ``phase:x``, ``milestone:y``, ``wait:x``,
    ``logged:x:2027-01-04``): stable across reschedules."""
    return f"{uuid.uuid5(namespace, item)}@plan2cal"


def logged_text(task: TaskPlan) -> str | None:
    """``Logged: 45h30m against 25h (+82 %)`` for a task with time logged, else None."""
    if not task.spent:
        return None
    return (
        f"Logged: {duration_text(task.spent)} against {duration_text(task.effort)} "
        f"({estimate_error(task.spent, task.effort)})"
    )


def _habit_description(task: TaskPlan, phase: str) -> str:
    # No totals and no "kept so far": they change with every rerun, and each change would
    # rewrite every event of the habit ahead (a new SEQUENCE) for nothing the person sees.
    # Nor its first and last day, which move with the work around it: the rhythm and what
    # ends it say what a session is for.
    assert task.habit is not None
    lines = [f"Phase: {phase}", f"Habit: {task.habit.rhythm.text}, {task.habit.ends}"]
    if task.link:
        lines.append(f"Link: {task.link}")
    if task.description:
        lines += ["", task.description.strip()]
    return "\n".join(lines)


def _task_description(task: TaskPlan, phase: str) -> str:
    if task.habit is not None:
        return _habit_description(task, phase)
    source = "shared from the phase's weeks" if task.effort_derived else "from the plan"
    lines = [
        f"Phase: {phase}",
        f"Effort: {duration_text(task.effort)} in {task.sessions} "
        f"{'session' if task.sessions == 1 else 'sessions'} ({source})",
    ]
    if (logged := logged_text(task)) is not None:
        lines.append(logged)
        if task.done is None:
            lines.append(f"Still to do: {duration_text(task.remaining)}")
    if task.done is not None:
        lines.append(f"Done on {task.done.isoformat()}")
    if task.deadline is not None:
        lines.append(f"Deadline: {task.deadline.isoformat()}")
    if task.link:
        lines.append(f"Link: {task.link}")
    if task.description:
        lines += ["", task.description.strip()]
    return "\n".join(lines)


def _phase_description(phase: PhasePlan) -> str:
    slip = phase.slip_days
    versus = (
        "on its nominal date"
        if slip == 0
        else (
            f"{abs(slip)} days {'after' if slip > 0 else 'before'} its nominal date "
            f"{phase.nominal_end.isoformat()}"
        )
    )
    lines = [f"End of phase: {phase.name}", f"Work: {duration_text(phase.effort)}, {versus}"]
    if phase.description:
        lines += ["", phase.description.strip()]
    return "\n".join(lines)


def _session_summary(session: Session, name: str, sessions: int, habit: bool = False) -> str:
    """``Name (3/12)`` ahead; ``Done: Name (3/12)`` for the past; a session placed from the
    time logged that day also says how much: ``Done: Name (3/12), 1h30m logged``. A habit's
    session has no count, as a habit goes on: ``Habit: Name``."""
    if habit:
        name = f"Habit: {name}"
        if not session.done:
            return name
        logged = f", {duration_text(session.minutes)} logged" if session.logged else ""
        return f"Done: {name}{logged}"
    if not session.done:
        return f"{name} ({session.ordinal}/{sessions})"
    logged = f", {duration_text(session.minutes)} logged" if session.logged else ""
    return f"Done: {name} ({session.ordinal}/{sessions}){logged}"


def _wait_description(span: WaitSpan, task: TaskPlan, phase: str, names: dict[str, str]) -> str:
    lines = [
        f"Phase: {phase}",
        f"Waiting {span.days} {'day' if span.days == 1 else 'days'}, "
        f"{span.first_day.isoformat()} to {span.last_day.isoformat()}; no work is planned "
        "for it",
    ]
    if task.after:
        lines.append("After: " + ", ".join(names.get(key, key) for key in task.after))
    if task.done is not None:
        lines.append(f"Over on {task.done.isoformat()}")
    if task.description:
        lines += ["", task.description.strip()]
    return "\n".join(lines)


def _logged_description(note: LoggedDay, task: TaskPlan, phase: str) -> str:
    lines = [
        f"Phase: {phase}",
        f"{duration_text(note.minutes)} logged on {note.day.isoformat()}: more than the free "
        "time of that day's windows, or not in the past, so it is shown as a note",
    ]
    if (logged := logged_text(task)) is not None:
        lines.append(logged)
    return "\n".join(lines)


def calendar_events(schedule: Schedule) -> list[EventData]:
    """Every event of the schedule in order: work sessions (the past as done), waits as
    transparent all-day spans, time logged on a day its windows could not hold as an all-day
    note, phase milestones and fixed milestones."""
    namespace = plan_namespace(schedule.plan)
    tasks = {task.key: task for task in schedule.tasks}
    phase_names = {phase.key: phase.name for phase in schedule.phases}
    descriptions = {
        key: clean_text(_task_description(task, phase_names[task.phase]))
        for key, task in tasks.items()
    }
    names = {key: clean_text(task.name) for key, task in tasks.items()}
    events = [
        EventData(
            uid=event_uid(namespace, f"{s.task}#{s.ordinal}"),
            item=f"{s.task}#{s.ordinal}",
            summary=_session_summary(
                s, names[s.task], tasks[s.task].sessions, tasks[s.task].habit is not None
            ),
            start=s.start,
            end=s.end,
            description=descriptions[s.task],
            transparent=False,
            url=clean_text(link) if (link := tasks[s.task].link) else None,
        )
        for s in schedule.sessions
    ]

    def all_day(
        item: str, summary: str, first: dt.date, description: str, last: dt.date | None = None
    ) -> EventData:
        return EventData(
            uid=event_uid(namespace, item),
            item=item,
            summary=clean_text(summary),
            start=first,
            # DTEND of an all-day event is exclusive (RFC 5545 §3.6.1): the day after the last.
            end=(last or first) + dt.timedelta(days=1),
            description=clean_text(description),
            transparent=True,
        )

    events += [
        all_day(
            f"wait:{w.task}",
            f"Waiting: {tasks[w.task].name}",
            w.first_day,
            _wait_description(w, tasks[w.task], phase_names[tasks[w.task].phase], names),
            w.last_day,
        )
        for w in schedule.waits
    ]
    events += [
        all_day(
            f"logged:{n.task}:{n.day.isoformat()}",
            f"Logged: {tasks[n.task].name} {duration_text(n.minutes)}",
            n.day,
            _logged_description(n, tasks[n.task], phase_names[tasks[n.task].phase]),
        )
        for n in schedule.logged_days
    ]
    events += [
        all_day(f"phase:{p.key}", f"Milestone: {p.name}", p.end, _phase_description(p))
        for p in schedule.phases
    ]
    events += [
        all_day(f"milestone:{m.key}", f"Milestone: {m.name}", m.date, m.description or m.name)
        for m in schedule.milestones
    ]
    events.sort(key=lambda event: event.sort_key)
    return events
