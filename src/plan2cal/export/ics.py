"""Schedule events → an iCalendar file (RFC 5545), as icalendar objects or as bytes.

What is written, and why, follows specs/icalendar-clients.md §0: UTC times (no VTIMEZONE to
misread), METHOD:PUBLISH, milestones as transparent all-day events, and no calendar-level UID
(vdirsyncer takes the first ``UID:`` line of a file as every event's identity, §0.2).

An event's DTSTAMP is the time its content last changed (its LAST-MODIFIED from the state), so
a rerun that changes nothing writes the same bytes and a feed's ETag changes only with the plan.

``event_ics`` writes one event as its own calendar object resource (a CalDAV PUT, a vdir file),
with the same event lines as the file.

``build_calendar`` returns icalendar objects. ``ics_bytes`` writes the same bytes much faster:
it takes the calendar frame and every TEXT value from icalendar and only joins and folds the
event lines itself. tests/test_ics.py checks the two agree byte for byte, except where
icalendar 7.3's folding would split an escaped backslash (``\\\\``), which ``fold`` does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from icalendar import Calendar, Event, vText

from plan2cal.export.content_lines import date_value, escape_text, fold, utc_value
from plan2cal.export.events import EventData, Revision, calendar_events, plan_namespace
from plan2cal.export.sanitize import clean_text
from plan2cal.schedule import Schedule
from plan2cal.version import __version__

PRODID = f"-//plan2cal//plan2cal {__version__}//EN"
# Google's import stops at about 1 MB (specs/icalendar-clients.md §1.2); warn a little below.
SIZE_WARNING = 900_000


def _frame(schedule: Schedule) -> Calendar:
    name = clean_text(f"plan2cal: {schedule.title}")
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # NAME (RFC 7986) and X-WR-CALNAME, which Outlook names the new calendar after.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    # RFC 7986 §5.7 requires VALUE=DURATION on REFRESH-INTERVAL.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    # Outlook reads the polling hint from X-PUBLISHED-TTL; a string, since icalendar would
    # write a timedelta on an X- property as 1:00:00 (specs/icalendar-clients.md §0.2).
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("x-wr-timezone", schedule.availability.timezone)
    return calendar


def _stamp(revision: Revision | None, now: dt.datetime) -> dt.datetime:
    """An unchanged event keeps the stamp of its last change; a new one gets ``now``."""
    if revision is not None and revision.last_modified is not None:
        return revision.last_modified
    return now


def build_calendar(
    schedule: Schedule,
    dtstamp: dt.datetime,
    revisions: Mapping[str, Revision] | None = None,
    events: Sequence[EventData] | None = None,
) -> Calendar:
    """The schedule as an icalendar Calendar; ``dtstamp`` (UTC) stamps events without a revision.

    ``events`` replaces the schedule's own events (``calendar_events``), e.g. to add the
    cancelled tombstones of events a rerun removed.
    """
    calendar = _frame(schedule)
    namespace = str(plan_namespace(schedule.plan))
    for data in calendar_events(schedule) if events is None else events:
        revision = (revisions or {}).get(data.uid)
        event = Event()
        event.add("summary", data.summary)
        event.add("dtstart", data.start)
        event.add("dtend", data.end)
        event.add("dtstamp", _stamp(revision, dtstamp))
        event.add("uid", data.uid)
        event.add("sequence", revision.sequence if revision else 0)
        event.add("categories", ["plan2cal"])
        event.add("description", data.description)
        if revision is not None and revision.last_modified is not None:
            event.add("last-modified", revision.last_modified)
        event.add("status", "CANCELLED" if data.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if data.transparent else "OPAQUE")
        if data.url:
            event.add("url", data.url)
        event.add("x-plan2cal-item", vText(data.item))
        event.add("x-plan2cal-plan", namespace)
        if data.baseline is not None:
            event.add("x-plan2cal-baseline", data.baseline.isoformat())
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
    frame = "\r\n".join(fold(line) for line in frame_lines)
    head, _, tail = frame.rpartition("END:VCALENDAR")
    now = utc_value(dtstamp)
    namespace = escape_text(str(plan_namespace(schedule.plan)))
    revisions = revisions or {}
    lines: list[str] = []
    for data in calendar_events(schedule) if events is None else events:
        lines += _event_lines(data, now, namespace, revisions.get(data.uid))
    # Most lines are short ASCII and need no folding; test that inline, not in a call.
    body = "\r\n".join(line if len(line) < 75 and line.isascii() else fold(line) for line in lines)
    return (head + body + "\r\nEND:VCALENDAR" + tail).encode()


def event_ics(
    plan_id: str, data: EventData, dtstamp: dt.datetime, revision: Revision | None = None
) -> bytes:
    """One event as its own calendar object resource, for a CalDAV PUT or a vdir file.

    VERSION, PRODID and CALSCALE, then the VEVENT exactly as ``ics_bytes`` writes it in the
    file (same SEQUENCE, LAST-MODIFIED and DTSTAMP), and nothing else: RFC 4791 §4.1 allows no
    METHOD in a calendar object resource, and the calendar-level NAME and polling hints belong
    to the collection, not to each event.
    """
    namespace = escape_text(str(plan_namespace(plan_id)))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:" + PRODID,
        "CALSCALE:GREGORIAN",
        *_event_lines(data, utc_value(dtstamp), namespace, revision),
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(fold(line) for line in lines).encode()


# Most events of a rerun share the few moments at which they last changed.
_utc_value_cached = lru_cache(maxsize=256)(utc_value)


def _event_lines(
    data: EventData, now: str, namespace: str, revision: Revision | None
) -> Iterable[str]:
    modified = (
        _utc_value_cached(revision.last_modified)
        if revision is not None and revision.last_modified is not None
        else None
    )
    # icalendar's canonical property order: SUMMARY DTSTART DTEND DTSTAMP UID SEQUENCE, then
    # the others alphabetically.
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + escape_text(data.summary),
        *_when(data),
        "DTSTAMP:" + (modified or now),
        "UID:" + escape_text(data.uid),
        f"SEQUENCE:{revision.sequence if revision else 0}",
        "CATEGORIES:plan2cal",
        "DESCRIPTION:" + escape_text(data.description),
    ]
    if modified is not None:
        lines.append("LAST-MODIFIED:" + modified)
    lines += [
        "STATUS:CANCELLED" if data.cancelled else "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT" if data.transparent else "TRANSP:OPAQUE",
    ]
    if data.url:
        lines.append("URL:" + data.url)
    if data.baseline is not None:
        lines.append("X-PLAN2CAL-BASELINE:" + data.baseline.isoformat())
    lines += ["X-PLAN2CAL-ITEM:" + escape_text(data.item), "X-PLAN2CAL-PLAN:" + namespace]
    if data.removed_on is not None:
        lines.append("X-PLAN2CAL-REMOVED:" + data.removed_on.isoformat())
    lines.append("END:VEVENT")
    return lines


def _when(data: EventData) -> tuple[str, str]:
    if isinstance(data.start, dt.datetime):
        assert isinstance(data.end, dt.datetime)
        return "DTSTART:" + utc_value(data.start), "DTEND:" + utc_value(data.end)
    assert not isinstance(data.end, dt.datetime)
    return "DTSTART;VALUE=DATE:" + date_value(data.start), "DTEND;VALUE=DATE:" + date_value(
        data.end
    )
