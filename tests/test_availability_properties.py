"""Properties of scheduling around holidays, time off and busy calendars: whatever the calendar
holds, no session touches a busy instance (expanded here with dateutil, not by the code under
test) or falls on a holiday or a day off, and the earlier invariants still hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import icalendar
from dateutil.rrule import WEEKLY, rrule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan2cal.availability import read_blocked
from plan2cal.model import Plan
from plan2cal.schedule import availability_for, build_schedule

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.date(2027, 1, 4)
ZONES = ("Europe/Berlin", "America/New_York", "UTC", "floating")
WINDOWS = (
    {"mon-fri": "19:00-21:00", "sat": "09:00-13:00"},
    {"mon-sun": ["07:00-08:30", "18:00-22:00"]},
    {"tue": "10:00-18:00", "thu": "10:00-18:00"},
)


@st.composite
def busy_events(draw: st.DrawFn) -> dict[str, Any]:
    """One busy event: timed, all-day or weekly, in one of four zones (floating included)."""
    kind = draw(st.sampled_from(["timed", "allday", "weekly"]))
    return {
        "kind": kind,
        "day": draw(st.integers(-3, 120)),
        "quarter": draw(st.integers(0, 95)),
        "quarters": draw(st.integers(1, 24)),
        "days": draw(st.integers(1, 3)),
        "count": draw(st.integers(2, 12)),
        "skip": draw(st.none() | st.integers(0, 11)),
        "zone": draw(st.sampled_from(ZONES)),
        "transparent": draw(st.booleans()) and draw(st.booleans()),
        "duration": draw(st.booleans()),
    }


def write_calendar(events: list[dict[str, Any]], path: Path) -> None:
    """The events as an .ics made with icalendar."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//plan2cal tests//properties//EN")
    calendar.add("version", "2.0")
    for n, spec in enumerate(events):
        event = icalendar.Event()
        event.add("uid", f"event-{n}@tests")
        event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        day = START + dt.timedelta(days=spec["day"])
        if spec["kind"] == "allday":
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=spec["days"]))
        else:
            begin = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=15 * spec["quarter"])
            if spec["zone"] != "floating":
                begin = begin.replace(tzinfo=ZoneInfo(spec["zone"]))
            length = dt.timedelta(minutes=15 * spec["quarters"])
            event.add("dtstart", begin)
            if spec["duration"]:
                event.add("duration", length)
            else:
                event.add("dtend", begin + length)
            if spec["kind"] == "weekly":
                event.add("rrule", {"freq": "weekly", "count": spec["count"]})
                if spec["skip"] is not None and spec["skip"] < spec["count"]:
                    event.add("exdate", begin + dt.timedelta(weeks=spec["skip"]))
        if spec["transparent"]:
            event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    path.write_bytes(calendar.to_ical())


def expected_busy(events: list[dict[str, Any]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every opaque instance in UTC, expanded with dateutil's rrule."""
    spans = []
    for spec in events:
        if spec["transparent"]:
            continue
        day = START + dt.timedelta(days=spec["day"])
        if spec["kind"] == "allday":
            low = dt.datetime.combine(day, dt.time(), BERLIN)
            high = dt.datetime.combine(day + dt.timedelta(days=spec["days"]), dt.time(), BERLIN)
            spans.append((low.astimezone(dt.UTC), high.astimezone(dt.UTC)))
            continue
        wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=15 * spec["quarter"])
        count = spec["count"] if spec["kind"] == "weekly" else 1
        zone = BERLIN if spec["zone"] == "floating" else ZoneInfo(spec["zone"])
        for index, start in enumerate(rrule(WEEKLY, dtstart=wall, count=count)):
            if spec["kind"] == "weekly" and index == spec["skip"]:
                continue
            low = start.replace(tzinfo=zone).astimezone(dt.UTC)
            spans.append((low, low + dt.timedelta(minutes=15 * spec["quarters"])))
    return spans


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    events=st.lists(busy_events(), max_size=12),
    off_days=st.lists(st.integers(0, 100), max_size=6, unique=True),
    windows=st.sampled_from(WINDOWS),
    hours=st.integers(3, 12),
    efforts=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    margin=st.sampled_from([0, 15, 30]),
)
def test_no_session_on_busy_time_a_holiday_or_a_day_off(
    events: list[dict[str, Any]],
    off_days: list[int],
    windows: dict[str, Any],
    hours: int,
    efforts: list[int],
    margin: int,
) -> None:
    """Sessions avoid every busy instance (with the margin), every Berlin holiday and every
    day off; they never overlap, no week goes over the budget, and all the effort is placed."""
    plan = Plan.model_validate(
        {
            "plan": "prop",
            "title": "Property",
            "defaults": {"timezone": "Europe/Berlin", "hours_per_week": hours, "windows": windows},
            "phases": [
                {
                    "id": "p",
                    "name": "P",
                    "tasks": [
                        {"id": f"t{n}", "name": f"T{n}", "hours": effort}
                        for n, effort in enumerate(efforts)
                    ],
                }
            ],
            "holidays": "DE-BE",
            "off": [(START + dt.timedelta(days=day)).isoformat() for day in off_days],
            **({"busy_margin": f"{margin}m"} if margin else {}),
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "busy.ics"
        write_calendar(events, path)
        blocked = read_blocked(
            "Europe/Berlin",
            regions=plan.holidays,
            off=plan.off,
            busy_files=[(path, "busy.ics")],
            margin=margin,
        )
    availability = dataclasses.replace(availability_for(plan), blocked=blocked)
    schedule = build_schedule(plan, availability, START)

    gap = dt.timedelta(minutes=margin)
    busy = [(low - gap, high + gap) for low, high in expected_busy(events)]
    days_off = {START + dt.timedelta(days=day) for day in off_days}
    berlin_holidays = holidays.country_holidays("DE", subdiv="BE")
    weeks: dict[dt.date, int] = {}
    for session in schedule.sessions:
        assert not [span for span in busy if session.start < span[1] and span[0] < session.end]
        day = session.start.astimezone(BERLIN).date()
        assert day not in days_off
        assert day not in berlin_holidays
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + session.minutes
    ordered = sorted(schedule.sessions, key=lambda session: session.start)
    for before, after in itertools.pairwise(ordered):
        assert before.end <= after.start
    assert max(weeks.values()) <= availability.budget
    assert sum(session.minutes for session in schedule.sessions) == 60 * sum(efforts)
