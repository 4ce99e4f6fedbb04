"""Schedule → iCalendar (RFC 5545): one VEVENT per session, all-day milestones, stable UIDs.

What is written, and why, follows specs/icalendar-clients.md §0: UTC times (no VTIMEZONE to
misread), METHOD:PUBLISH, UIDs from plan, item and ordinal (never dates or titles) so a rerun
moves events instead of duplicating them, milestones as transparent all-day events.

``build_calendar`` returns icalendar objects. ``ics_bytes`` writes the same bytes much faster:
it takes the calendar frame and every TEXT value from icalendar and only joins and folds the
event lines itself. tests/test_ics.py checks the two agree byte for byte, except where
icalendar 7.3's folding would split an escaped backslash (``\\\\``), which ``_fold`` does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from icalendar import Calendar, Event, vText

from plan2cal import __version__
from plan2cal.durations import duration_text
from plan2cal.schedule import PhasePlan, Schedule, TaskPlan

# Namespace of all plan2cal UIDs; a plan's own namespace is derived from it and the plan id.
PROJECT_NAMESPACE = uuid.UUID("6f1c9a52-3d0e-4b8f-9a57-0e2f8c4d71b3")
PRODID = f"-//plan2cal//plan2cal {__version__}//EN"
# Google's import stops at about 1 MB (specs/icalendar-clients.md §1.2); warn a little below.
SIZE_WARNING = 900_000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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


def clean_text(text: str) -> str:
    """Drop the control characters RFC 5545 TEXT forbids (§3.3.11); keep tab and newline."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


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


def _frame(schedule: Schedule) -> Calendar:
    name = clean_text(f"plan2cal: {schedule.title}")
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=vText(name),
        uid=str(plan_namespace(schedule.plan)),
    )
    # RFC 7986 §5.7 requires VALUE=DURATION on REFRESH-INTERVAL.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    # Outlook reads the polling hint from X-PUBLISHED-TTL; a string, since icalendar would
    # write a timedelta on an X- property as 1:00:00 (specs/icalendar-clients.md §0.2).
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("x-wr-timezone", schedule.availability.timezone)
    return calendar


def build_calendar(
    schedule: Schedule,
    dtstamp: dt.datetime,
    revisions: Mapping[str, Revision] | None = None,
    events: Sequence[EventData] | None = None,
) -> Calendar:
    """The schedule as an icalendar Calendar; ``dtstamp`` must be in UTC.

    ``events`` replaces the schedule's own events (``calendar_events``), e.g. to add the
    cancelled tombstones of events a rerun removed.
    """
    calendar = _frame(schedule)
    namespace = str(plan_namespace(schedule.plan))
    for data in calendar_events(schedule) if events is None else events:
        revision = (revisions or {}).get(data.uid, Revision(0, None))
        event = Event()
        event.add("summary", data.summary)
        event.add("dtstart", data.start)
        event.add("dtend", data.end)
        event.add("dtstamp", dtstamp)
        event.add("uid", data.uid)
        event.add("sequence", revision.sequence)
        event.add("categories", ["plan2cal"])
        event.add("description", data.description)
        if revision.last_modified is not None:
            event.add("last-modified", revision.last_modified)
        event.add("status", "CANCELLED" if data.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if data.transparent else "OPAQUE")
        if data.url:
            event.add("url", data.url)
        event.add("x-plan2cal-item", vText(data.item))
        event.add("x-plan2cal-plan", namespace)
        if data.removed_on is not None:
            event.add("x-plan2cal-removed", data.removed_on.isoformat())
        calendar.add_component(event)
    return calendar


def ics_bytes(
    schedule: Schedule,
    dtstamp: dt.datetime,
    revisions: Mapping[str, Revision] | None = None,
    events: Sequence[EventData] | None = None,
) -> bytes:
    """The same bytes as ``build_calendar(...).to_ical()``, fast enough for 50,000 sessions."""
    frame: str = _frame(schedule).to_ical().decode()
    # Refold the frame too: icalendar 7.3 may split an escaped backslash in a long title.
    frame_lines = frame.replace("\r\n ", "").split("\r\n")
    frame = "\r\n".join(_fold(line) for line in frame_lines)
    head, _, tail = frame.rpartition("END:VCALENDAR")
    stamp = _utc(dtstamp)
    namespace = _text(str(plan_namespace(schedule.plan)))
    revisions = revisions or {}
    lines: list[str] = []
    for data in calendar_events(schedule) if events is None else events:
        revision = revisions.get(data.uid)
        lines += _event_lines(data, stamp, namespace, revision)
    # Most lines are short ASCII and need no folding; test that inline, not in a call.
    body = "\r\n".join(line if len(line) < 75 and line.isascii() else _fold(line) for line in lines)
    return (head + body + "\r\nEND:VCALENDAR" + tail).encode()


def _event_lines(
    data: EventData, stamp: str, namespace: str, revision: Revision | None
) -> Iterable[str]:
    # icalendar's canonical property order: SUMMARY DTSTART DTEND DTSTAMP UID SEQUENCE, then
    # the others alphabetically.
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(data.summary),
        *_when(data),
        "DTSTAMP:" + stamp,
        "UID:" + _text(data.uid),
        f"SEQUENCE:{revision.sequence if revision else 0}",
        "CATEGORIES:plan2cal",
        "DESCRIPTION:" + _text(data.description),
    ]
    if revision is not None and revision.last_modified is not None:
        lines.append("LAST-MODIFIED:" + _utc(revision.last_modified))
    lines += [
        "STATUS:CANCELLED" if data.cancelled else "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT" if data.transparent else "TRANSP:OPAQUE",
    ]
    if data.url:
        lines.append("URL:" + data.url)
    lines += ["X-PLAN2CAL-ITEM:" + _text(data.item), "X-PLAN2CAL-PLAN:" + namespace]
    if data.removed_on is not None:
        lines.append("X-PLAN2CAL-REMOVED:" + data.removed_on.isoformat())
    lines.append("END:VEVENT")
    return lines


def _when(data: EventData) -> tuple[str, str]:
    if isinstance(data.start, dt.datetime):
        assert isinstance(data.end, dt.datetime)
        return "DTSTART:" + _utc(data.start), "DTEND:" + _utc(data.end)
    return (
        "DTSTART;VALUE=DATE:" + data.start.strftime("%Y%m%d"),
        "DTEND;VALUE=DATE:" + data.end.strftime("%Y%m%d"),
    )


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # icalendar reads a time without a zone as UTC; so do we
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


_SPECIAL = re.compile(r"[\\;,\n\r]")


def _text(value: str) -> str:
    """A TEXT value escaped by icalendar (RFC 5545 §3.3.11)."""
    # Only backslash, semicolon, comma and line breaks are escaped; most values have none.
    return _escaped(value) if _SPECIAL.search(value) else value


@lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    escaped = vText(value).to_ical()
    return str(escaped.decode())


def _fold(line: str) -> str:
    """Fold a content line as icalendar does: pieces under 75 octets, CRLF and a space between,
    never splitting a character or a backslash escape (collective/icalendar#1501)."""
    if len(line) < 75 and line.isascii():
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            # Carry a trailing backslash over only when it starts an escape: in ``\\\\`` the
            # second backslash is the escaped character, and the pair may be split before it.
            run = len(current) - len("".join(current).rstrip("\\"))
            if len(current) > 1 and (run % 2 or current[-1] == "^"):
                carried = current.pop()
                pieces.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                pieces.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)
