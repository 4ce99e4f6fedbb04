"""The runs the publishing tests push or write: a plan as first scheduled, then after a slip.

Each run is built with the library as ``outputs.render_outputs`` builds the .ics: the schedule,
``revise`` against the previous run's state, then the file's bytes and one resource per event
from the same events and revisions.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import httpx
import yaml
from icalendar import Calendar

from conftest import BUNDLED_PLAN, DEMO_PLAN
from plan2cal.export.events import calendar_events
from plan2cal.export.ics import ics_bytes
from plan2cal.export.revisions import Revisions, State, revise
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.publish import Resource, calendar_resources
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule

UTC = dt.UTC
START = dt.date(2027, 1, 4)  # a Monday
FIRST_NOW = dt.datetime(2027, 1, 4, 8, tzinfo=UTC)
SLIP_TODAY = dt.date(2027, 3, 1)  # eight weeks on, with less done than planned
SLIP_NOW = dt.datetime(2027, 3, 1, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Run:
    """One run: the schedule, its revisions, the .ics bytes and the resources to publish."""

    schedule: Schedule
    revisions: Revisions
    ics: bytes
    resources: list[Resource]

    @property
    def state(self) -> State:
        """The state the run leaves, for the next run to compare with."""
        return self.revisions.state

    @cached_property
    def live(self) -> dict[str, Resource]:
        """UID → resource of every event a calendar should show (not the cancelled ones)."""
        return {r.uid: r for r in self.resources if r.data is not None}

    @cached_property
    def cancelled(self) -> set[str]:
        """The UIDs the .ics carries as STATUS:CANCELLED tombstones."""
        return {r.uid for r in self.resources if r.data is None}

    @cached_property
    def file_events(self) -> dict[str, EventView]:
        """UID → what the .ics file says of each live event, read with icalendar."""
        events = events_in(self.ics)
        return {uid: event for uid, event in events.items() if uid in self.live}


@dataclass(frozen=True)
class EventView:
    """What a client shows of an event, and the two properties that steer updates."""

    summary: str
    start: dt.date
    end: dt.date
    sequence: int
    marker: str | None


def events_in(data: bytes) -> dict[str, EventView]:
    """UID → EventView of every VEVENT in ``data``; fails on a UID seen twice."""
    events: dict[str, EventView] = {}
    for component in Calendar.from_ical(data).walk("VEVENT"):
        uid = str(component["UID"])
        assert uid not in events, f"UID {uid} twice"
        marker = component.get("X-PLAN2CAL-PLAN")
        events[uid] = EventView(
            summary=str(component.get("SUMMARY", "")),
            start=component.decoded("DTSTART"),
            end=component.decoded("DTEND"),
            sequence=int(component.get("SEQUENCE", 0)),
            marker=str(marker) if marker is not None else None,
        )
    return events


def run_of(schedule: Schedule, previous: Run | None, now: dt.datetime) -> Run:
    """Revise ``schedule`` against ``previous`` as a real run does; 30 days of tombstones."""
    revisions = revise(
        previous.state if previous else None, schedule, calendar_events(schedule), now, 30
    )
    ics = ics_bytes(schedule, now, revisions.revisions, revisions.events)
    resources = calendar_resources(schedule.plan, revisions.events, revisions.revisions, now)
    return Run(schedule, revisions, ics, resources)


def bundled_plan() -> Plan:
    """The bundled roadmap, plans/ai-pm-transition.yaml."""
    return load_plan(BUNDLED_PLAN)


def demo_plan() -> Plan:
    """The small demo plan of conftest: three tasks and a phase of three, about 20 events."""
    return Plan.model_validate(yaml.safe_load(DEMO_PLAN))


def first_run(plan: Plan) -> Run:
    """The plan's first run, from Monday 2027-01-04."""
    schedule = build_schedule(plan, availability_for(plan), START)
    return run_of(schedule, None, FIRST_NOW)


def slipped_run(plan: Plan, previous: Run, today: dt.date = SLIP_TODAY) -> Run:
    """The rerun on ``today`` after a slip: 90 minutes logged on the first task, nothing done."""
    first_task = previous.schedule.tasks[0].key
    actuals = Actuals(today, {}, {first_task: 90})
    schedule = build_schedule(plan, availability_for(plan), START, actuals=actuals)
    now = dt.datetime.combine(today, dt.time(8), tzinfo=UTC)
    return run_of(schedule, previous, now)


# A raw calendar-query for every VEVENT with its data: an independent client's view, not
# plan2cal's WebDAV layer.
CALENDAR_QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""


def server_events(
    url: str, auth: tuple[str, str] | None = None, ca_file: Path | None = None
) -> dict[str, tuple[str, EventView]]:
    """UID → (ETag, EventView) of every event in the collection at ``url``, read with one
    REPORT and parsed with icalendar; fails on a UID in two resources."""
    import xml.etree.ElementTree as ET

    response = httpx.request(
        "REPORT",
        url,
        content=CALENDAR_QUERY,
        headers={"Depth": "1", "Content-Type": "application/xml"},
        auth=auth,
        verify=ssl.create_default_context(cafile=ca_file) if ca_file else True,
        timeout=60,
    )
    assert response.status_code == 207, (response.status_code, response.text[:500])
    found: dict[str, tuple[str, EventView]] = {}
    for item in ET.fromstring(response.content).iter("{DAV:}response"):
        data = item.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data")
        etag = item.findtext(".//{DAV:}getetag") or ""
        if data is None:
            continue
        for uid, event in events_in(data.encode()).items():
            assert uid not in found, f"UID {uid} in two resources"
            found[uid] = (etag, event)
    return found


def put_raw(
    url: str, data: bytes, auth: tuple[str, str] | None = None, etag: str | None = None
) -> httpx.Response:
    """PUT ``data`` at ``url`` as another client would; ``etag`` for If-Match."""
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    if etag is not None:
        headers["If-Match"] = etag
    return httpx.put(url, content=data, headers=headers, auth=auth, timeout=30)


FOREIGN_EVENT = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Someone else//EN\r
BEGIN:VEVENT\r
UID:dentist-appointment@example.org\r
DTSTAMP:20270101T000000Z\r
DTSTART:20270303T090000Z\r
DTEND:20270303T100000Z\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``, making its folder; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
