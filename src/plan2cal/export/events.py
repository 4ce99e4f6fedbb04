"""The schedule as calendar events: what each VEVENT says, before any writer formats it.

UIDs come from the plan, the item and the session's ordinal, never from dates or titles, so a
rerun moves events instead of duplicating them (specs/icalendar-clients.md §0.3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from plan2cal.durations import duration_text
from plan2cal.export.sanitize import clean_text
from plan2cal.schedule import PhasePlan, Schedule, TaskPlan

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


def plan_namespace(plan_id: str) -> uuid.UUID:
    """The UUID namespace of one plan: every UID of its events is derived from it."""
    return uuid.uuid5(PROJECT_NAMESPACE, plan_id)


def event_uid(namespace: uuid.UUID, item: str) -> str:
    """UID of an item (``task#3``, ``phase:x``, ``milestone:y``): stable across reschedules."""
    return f"{uuid.uuid5(namespace, item)}@plan2cal"


def _task_description(task: TaskPlan, phase: str) -> str:
    source = "shared from the phase's weeks" if task.effort_derived else "from the plan"
    lines = [
        f"Phase: {phase}",
        f"Effort: {duration_text(task.effort)} in {task.sessions} "
        f"{'session' if task.sessions == 1 else 'sessions'} ({source})",
    ]
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


def calendar_events(schedule: Schedule) -> list[EventData]:
    """Every event of the schedule — sessions, phase milestones, fixed milestones — in order."""
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
            summary=f"{'Done: ' if s.done else ''}{names[s.task]} "
            f"({s.ordinal}/{tasks[s.task].sessions})",
            start=s.start,
            end=s.end,
            description=descriptions[s.task],
            transparent=False,
            url=clean_text(link) if (link := tasks[s.task].link) else None,
        )
        for s in schedule.sessions
    ]

    def all_day(item: str, name: str, day: dt.date, description: str) -> EventData:
        return EventData(
            uid=event_uid(namespace, item),
            item=item,
            summary=clean_text(f"Milestone: {name}"),
            start=day,
            end=day + dt.timedelta(days=1),  # DTEND of an all-day event is exclusive
            description=clean_text(description),
            transparent=True,
        )

    events += [
        all_day(f"phase:{p.key}", p.name, p.end, _phase_description(p)) for p in schedule.phases
    ]
    events += [
        all_day(f"milestone:{m.key}", m.name, m.date, m.description or m.name)
        for m in schedule.milestones
    ]
    events.sort(key=lambda event: event.sort_key)
    return events
