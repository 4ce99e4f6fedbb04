"""Holidays, time off and busy calendars: what they block, how the week's budget is laid around
them (DESIGN §4 rule 3), and every kind of bad input they can bring."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import textwrap
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from conftest import BUNDLED_PLAN
from plan2cal.availability import Blocked, read_blocked, read_busy_calendar
from plan2cal.errors import PlanError
from plan2cal.export.events import plan_namespace
from plan2cal.model import HolidayRegion, Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule

DATA = Path(__file__).parent / "data"
HAND = DATA / "busy_hand.ics"
BERLIN = ZoneInfo("Europe/Berlin")
START = dt.date(2027, 1, 4)  # a Monday

PLAN = """\
plan: busy-demo
title: Busy demo
defaults:
  timezone: Europe/Berlin
  hours_per_week: 8
  windows: {mon-fri: "19:00-21:00", sat: "09:00-12:00"}
phases:
  - id: one
    name: Phase One
    weeks: 8
    tasks:
      - {id: a, name: Task A, hours: 30}
      - {id: b, name: Task B, hours: 30}
"""


def plan_of(**extra: Any) -> Plan:
    """The demo plan with extra top-level fields."""
    import yaml

    data = yaml.safe_load(PLAN)
    data.update(extra)
    return Plan.model_validate(data)


def schedule_with(plan: Plan, blocked: Blocked | None, start: dt.date = START) -> Schedule:
    """The plan scheduled from ``start`` with what ``blocked`` takes away."""
    availability = dataclasses.replace(availability_for(plan), blocked=blocked)
    return build_schedule(plan, availability, start)


def hand_blocked(margin: int = 0) -> Blocked:
    """The hand-written busy calendar, read for the demo plan."""
    blocked = read_blocked(
        "Europe/Berlin",
        busy_files=[(HAND, "busy_hand.ics")],
        margin=margin,
        ignore_plan=str(plan_namespace("busy-demo")),
    )
    assert blocked is not None
    return blocked


def reference_busy(path: Path, until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The busy instances as the `ical` package expands them (not the code under test):
    opaque, not cancelled, not the plan's own."""
    calendar = IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))
    spans = []
    first = dt.datetime(2026, 12, 1, tzinfo=BERLIN)
    for event in calendar.timeline_tz(BERLIN).overlapping(first, until):
        if str(event.transparency or "").endswith("TRANSPARENT"):
            continue
        if event.status is not None and str(event.status).endswith("CANCELLED"):
            continue
        if event.uid.endswith("@plan2cal"):
            continue
        start, end = event.start, event.end
        if not isinstance(start, dt.datetime):
            start = dt.datetime.combine(start, dt.time(), BERLIN)
            end = dt.datetime.combine(end, dt.time(), BERLIN)
        elif start.tzinfo is None:
            start, end = start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN)
        spans.append((start.astimezone(dt.UTC), end.astimezone(dt.UTC)))
    return spans


def overlaps(schedule: Schedule, spans: list[tuple[dt.datetime, dt.datetime]]) -> list[str]:
    """Each session that overlaps one of ``spans``."""
    return [
        f"{session.task} {session.start}–{session.end} overlaps {low}–{high}"
        for session in schedule.sessions
        for low, high in spans
        if session.start < high and low < session.end
    ]


def local_days(schedule: Schedule) -> set[dt.date]:
    """The local days that have a session."""
    return {session.start.astimezone(BERLIN).date() for session in schedule.sessions}


# --------------------------------------------------------------------------- busy calendars


def test_hand_written_calendar_expands_as_an_independent_reader_does() -> None:
    """Every instance the `ical` package finds (weekly with EXDATE and a moved occurrence, a
    three-day trip, New York across both DST changes, floating, DURATION only) is blocked,
    and nothing else: not the transparent, the cancelled or the plan's own event."""
    blocked = hand_blocked()
    until = dt.datetime(2028, 1, 1, tzinfo=BERLIN)
    expected = reference_busy(HAND, until)
    from plan2cal.availability import Intervals, minute_of

    want = Intervals((minute_of(low), minute_of(high)) for low, high in expected)
    low, high = minute_of(dt.datetime(2026, 12, 1, tzinfo=BERLIN)), minute_of(until)
    got = blocked.busy_between(low, high)
    assert got.overlapping(low, high) == want.overlapping(low, high)


@pytest.mark.parametrize(
    ("day", "begin", "end"),
    [
        ("2027-01-09", "09:00", "10:00"),  # EST, CET: 04:00 in New York is 10:00 in Berlin
        ("2027-03-20", "08:00", "09:00"),  # New York moved on 14 March, Berlin not yet
        ("2027-04-03", "08:00", "09:00"),  # both in summer time
        ("2027-11-06", "08:00", "09:00"),  # Berlin back on 31 October, New York on 7 November
        ("2027-11-13", "09:00", "10:00"),
    ],
)
def test_new_york_call_follows_both_changes_of_offset(day: str, begin: str, end: str) -> None:
    """A weekly call at 04:00 in New York is blocked at the right UTC time all year."""
    from plan2cal.availability import minute_of

    blocked = hand_blocked()
    date = dt.date.fromisoformat(day)
    low = dt.datetime.combine(date, dt.time.fromisoformat(begin), dt.UTC)
    high = dt.datetime.combine(date, dt.time.fromisoformat(end), dt.UTC)
    spans = blocked.busy_between(minute_of(low), minute_of(high) + 1)
    assert (minute_of(low), minute_of(high)) in spans.pairs()


def test_no_session_touches_a_busy_instance_and_none_is_lost_needlessly() -> None:
    """The demo plan around the hand-written calendar: no overlap, the trip's days empty, the
    transparent and cancelled evenings still used."""
    schedule = schedule_with(plan_of(), hand_blocked())
    spans = reference_busy(HAND, dt.datetime(2028, 1, 1, tzinfo=BERLIN))
    assert overlaps(schedule, spans) == []
    days = local_days(schedule)
    assert not days & {dt.date(2027, 2, 8), dt.date(2027, 2, 9), dt.date(2027, 2, 10)}
    assert {dt.date(2027, 1, 7), dt.date(2027, 1, 11)} <= days  # transparent, cancelled
    assert sum(session.minutes for session in schedule.sessions) == 60 * 60


def test_the_plans_own_events_fed_back_do_not_block() -> None:
    """A calendar that holds this plan's sessions (X-PLAN2CAL-PLAN) blocks none of them."""
    schedule = schedule_with(plan_of(), hand_blocked())
    first = dt.datetime(2027, 1, 4, 18, tzinfo=dt.UTC)
    assert any(session.start == first for session in schedule.sessions)


def test_busy_margin_keeps_a_gap_around_each_event() -> None:
    """With busy_margin 15m nothing starts or ends within 15 minutes of a busy event."""
    schedule = schedule_with(plan_of(busy_margin="15m"), hand_blocked(margin=15))
    margin = dt.timedelta(minutes=15)
    spans = [
        (low - margin, high + margin)
        for low, high in reference_busy(HAND, dt.datetime(2028, 1, 1, tzinfo=BERLIN))
    ]
    assert overlaps(schedule, spans) == []


def test_an_all_day_event_blocks_its_whole_day_in_the_plans_zone() -> None:
    """A one-day VALUE=DATE event blocks local midnight to midnight, whatever the windows."""
    blocked = read_blocked("Europe/Berlin", busy_files=[(HAND, "x")])
    assert blocked is not None
    schedule = schedule_with(plan_of(), blocked)
    assert dt.date(2027, 2, 8) not in local_days(schedule)


def test_generated_calendar_of_two_thousand_events_reads_like_icalendar(tmp_path: Path) -> None:
    """A calendar made with icalendar, in three zones, floating and all-day: the one-off
    events read as icalendar reads them, to the minute."""
    import random

    rng = random.Random(11)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//plan2cal tests//generated//EN")
    calendar.add("version", "2.0")
    expected = []
    zones = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), dt.UTC, None]
    for n in range(2000):
        event = icalendar.Event()
        event.add("uid", f"generated-{n}@tests")
        event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        day = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if n % 10 == 0:
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=rng.randint(1, 3)))
            begin = dt.datetime.combine(day, dt.time(), BERLIN)
            end = dt.datetime.combine(event["DTEND"].dt, dt.time(), BERLIN)
        else:
            zone = zones[n % 4]
            begin = dt.datetime.combine(day, dt.time(rng.randrange(24), 15 * rng.randrange(4)))
            begin = begin.replace(tzinfo=zone) if zone is not None else begin
            end = begin + dt.timedelta(minutes=rng.choice((15, 45, 60, 150)))
            event.add("dtstart", begin)
            if n % 3:
                event.add("dtend", end)
            else:
                event.add("duration", end - begin)
            if zone is None:
                begin, end = begin.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN)
        event.add("summary", f"Generated {n}; with a comma, and a colon: here")
        calendar.add_component(event)
        expected.append((int(begin.timestamp()) // 60, int(end.timestamp()) // 60))
    path = tmp_path / "generated.ics"
    path.write_bytes(calendar.to_ical())
    busy = read_busy_calendar(path, "Europe/Berlin")
    assert busy.recurring is None
    assert sorted(busy.fixed) == sorted(expected)


def test_an_endless_weekly_meeting_is_avoided_years_later(tmp_path: Path) -> None:
    """A weekly RRULE without COUNT or UNTIL is expanded step by step as far as the work
    reaches: a plan of several years never meets it."""
    path = tmp_path / "endless.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:m\r\n"
        "DTSTART;TZID=Europe/Berlin:20270104T190000\r\nDTEND;TZID=Europe/Berlin:"
        "20270104T200000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    blocked = read_blocked("Europe/Berlin", busy_files=[(path, "endless.ics")])
    assert blocked is not None
    plan = plan_of(
        phases=[{"id": "p", "name": "P", "tasks": [{"id": "t", "name": "T", "hours": 1200}]}]
    )
    schedule = schedule_with(plan, blocked)
    assert schedule.end > dt.date(2029, 6, 1)
    for session in schedule.sessions:
        local = session.start.astimezone(BERLIN)
        if local.weekday() in (0, 2):
            assert local.hour >= 20, session


def test_folded_lines_and_lower_case_names_are_read(tmp_path: Path) -> None:
    """A folded DTSTART and lower-case property names still count (RFC 5545 §3.1)."""
    path = tmp_path / "folded.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        "dtstart;TZID=Europe/Berl\r\n in:20270105T190000\r\nDTEND;TZID=Europe/Berlin:20270105"
        "T\r\n\t200000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    busy = read_busy_calendar(path, "UTC")
    begin = dt.datetime(2027, 1, 5, 18, tzinfo=dt.UTC)
    assert busy.fixed == [(int(begin.timestamp()) // 60, int(begin.timestamp()) // 60 + 60)]


# --------------------------------------------------------------------------- holidays, time off


def test_no_session_on_a_public_holiday() -> None:
    """With DE-BE holidays, Easter Monday and Good Friday 2027 have no session."""
    plan = plan_of(holidays="DE-BE")
    blocked = read_blocked("Europe/Berlin", regions=plan.holidays)
    schedule = schedule_with(plan, blocked, dt.date(2027, 3, 1))
    days = local_days(schedule)
    assert dt.date(2027, 3, 29) not in days
    assert dt.date(2027, 3, 26) not in days
    assert dt.date(2027, 3, 30) in days


def test_the_weeks_budget_is_spread_over_the_days_that_remain() -> None:
    """A Monday holiday gives its share to the other days of the week, as far as their
    windows hold it; what they cannot hold is lost to the week, not made up later."""
    plan = plan_of(
        defaults={
            "timezone": "Europe/Berlin",
            "hours_per_week": 8,
            "windows": {"mon-fri": "18:00-22:00"},
        }
    )
    blocked = read_blocked("Europe/Berlin", regions=plan.holidays or [HolidayRegion(country="DE")])
    schedule = schedule_with(plan, blocked, dt.date(2027, 3, 29))  # Easter Monday
    week = [s for s in schedule.sessions if s.start.astimezone(BERLIN).date() < dt.date(2027, 4, 5)]
    assert sum(s.minutes for s in week) == 8 * 60
    assert dt.date(2027, 3, 29) not in local_days(schedule)
    loss = schedule.losses[0]
    assert (loss.week, loss.budget, loss.placed, loss.holidays) == (
        dt.date(2027, 3, 29),
        8 * 60,
        8 * 60,
        4 * 60,
    )


def test_lost_capacity_is_not_made_up_and_the_plan_slips() -> None:
    """A week off costs the week's budget: no week goes over it, and the plan ends later."""
    plan = plan_of(off=[{"from": "2027-01-11", "to": "2027-01-17", "reason": "ski week"}])
    blocked = read_blocked("Europe/Berlin", off=plan.off)
    plain = schedule_with(plan_of(), None)
    schedule = schedule_with(plan, blocked)
    assert not {s.start.astimezone(BERLIN).date() for s in schedule.sessions} & {
        dt.date(2027, 1, 11) + dt.timedelta(days=n) for n in range(7)
    }
    weeks: dict[dt.date, int] = {}
    for session in schedule.sessions:
        day = session.start.astimezone(BERLIN).date()
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + session.minutes
    assert max(weeks.values()) <= 8 * 60
    assert schedule.end > plain.end
    assert [(loss.week, loss.lost, loss.reasons) for loss in schedule.losses] == [
        (dt.date(2027, 1, 11), 8 * 60, ("ski week",))
    ]
    assert [phase.nominal_end for phase in schedule.phases] == [
        phase.nominal_end for phase in plain.phases
    ]


def test_hours_off_block_only_their_part_of_the_day() -> None:
    """``2027-01-05 19:00-20:00`` leaves that evening's 20:00-21:00 to work."""
    plan = plan_of(off=["2027-01-05 19:00-20:00"])
    schedule = schedule_with(plan, read_blocked("Europe/Berlin", off=plan.off))
    evening = [
        session
        for session in schedule.sessions
        if session.start.astimezone(BERLIN).date() == dt.date(2027, 1, 5)
    ]
    assert [(s.start.astimezone(BERLIN).hour, s.minutes) for s in evening] == [(20, 60)]


def test_without_availability_nothing_changes() -> None:
    """A plan with no holidays, off or busy schedules exactly as before (no losses)."""
    plan = plan_of()
    assert read_blocked("Europe/Berlin") is None
    assert (
        schedule_with(plan, None).sessions
        == build_schedule(plan, availability_for(plan), START).sessions
    )


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo plan with the hand-written calendar beside it."""
    shutil.copy(HAND, tmp_path / "busy.ics")
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def with_lines(path: Path, text: str) -> Path:
    """Append top-level YAML to the plan file."""
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent(text), encoding="utf-8")
    return path


def test_check_lists_holidays_and_the_weeks_that_lost_time(run_cli: Any, demo: Path) -> None:
    """`check` names each holiday inside the plan and each week's lost hours."""
    with_lines(
        demo,
        """\
        holidays: {country: DE, subdiv: BE}
        off:
          - {from: 2027-03-01, to: 2027-03-03, reason: moving house}
        busy: [busy.ics]
        """,
    )
    result = run_cli("check", demo, "--start", "2027-02-01", "--today", "2027-01-01")
    assert result.exit_code == 0, result.output
    assert "2027-03-08 Mon  Women's Day (DE-BE)" in result.stdout
    assert "week of 2027-03-01:" in result.stdout and "moving house" in result.stdout
    assert "week of 2027-02-08: " in result.stdout  # the trip


def test_holidays_from_the_command_line_are_pinned(run_cli: Any, demo: Path) -> None:
    """`--holidays DE-BE` is pinned; a later `--holidays none` says it changed it."""
    out = demo.parent / "out"
    first = run_cli("schedule", demo, "--start", "2027-03-01", "--holidays", "DE-BE", "-o", out)
    assert first.exit_code == 0, first.output
    assert "holidays DE-BE" in first.stdout
    progress = demo.parent / "plan.progress.yaml"
    assert "holidays: [DE-BE]" in progress.read_text(encoding="utf-8")
    status = run_cli("status", demo, "--today", "2027-03-01")
    assert "Easter Monday" in status.stdout
    # The plan names no holidays, so it does not disagree with the pin: no note each run.
    assert "the plan says holidays" not in status.stderr
    again = run_cli("schedule", demo, "--holidays", "none", "--today", "2027-03-01")
    assert again.exit_code == 0, again.output
    assert "holidays: DE-BE → none" in again.stdout


def test_holidays_none_is_pinned_over_the_plans_own(run_cli: Any, demo: Path) -> None:
    """`--holidays none` on the first run pins no holidays; the plan's DE-BE is then a note."""
    with_lines(demo, "holidays: DE-BE\n")
    out = demo.parent / "out"
    first = run_cli("schedule", demo, "--start", "2027-03-01", "--holidays", "none", "-o", out)
    assert first.exit_code == 0, first.output
    assert "holidays: []" in (demo.parent / "plan.progress.yaml").read_text(encoding="utf-8")
    check = run_cli("check", demo, "--today", "2027-03-01")
    assert "the plan says holidays DE-BE, but this plan's runs are pinned to none" in check.stderr
    assert "Public holidays" not in check.stdout


def test_busy_file_from_the_command_line_blocks(run_cli: Any, demo: Path) -> None:
    """`--busy FILE` adds a calendar; the trip's days have no session."""
    out = demo.parent / "out"
    result = run_cli(
        "schedule", demo, "--start", "2027-01-04", "--busy", demo.parent / "busy.ics", "-o", out
    )
    assert result.exit_code == 0, result.output
    text = (out / "busy-demo.ics").read_text(encoding="utf-8")
    assert "DTSTART:20270209T" not in text and "DTSTART:20270208T" not in text


def test_adding_time_off_moves_sessions_in_place(run_cli: Any, demo: Path) -> None:
    """Time off added later and a rerun: the same UIDs, moved events with a higher SEQUENCE,
    none on the days off."""
    out = demo.parent / "out"
    first = run_cli("schedule", demo, "--start", "2027-01-04", "--today", "2027-01-01", "-o", out)
    assert first.exit_code == 0, first.output
    before = _events(out / "busy-demo.ics")
    with_lines(demo, "off:\n  - {from: 2027-01-11, to: 2027-01-15, reason: flu}\n")
    again = run_cli("schedule", demo, "--today", "2027-01-01")
    assert again.exit_code == 0, again.output
    after = _events(out / "busy-demo.ics")
    assert set(before) <= set(after)
    moved = [uid for uid in before if before[uid][0] != after[uid][0]]
    assert moved and all(after[uid][1] > before[uid][1] for uid in moved)
    assert not any(
        dt.date(2027, 1, 11) <= start.astimezone(BERLIN).date() <= dt.date(2027, 1, 15)
        for start, _, status in after.values()
        if status != "CANCELLED"
    )


def _events(path: Path) -> dict[str, tuple[dt.datetime, int, str]]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {
        str(event["UID"]): (
            event["DTSTART"].dt
            if isinstance(event["DTSTART"].dt, dt.datetime)
            else dt.datetime.combine(event["DTSTART"].dt, dt.time(), dt.UTC),
            int(event.get("SEQUENCE", 0)),
            str(event.get("STATUS", "")),
        )
        for event in calendar.walk("VEVENT")
    }


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("holidays: DX-BE\n", "plan.yaml:14: holidays[0]: unknown holiday country 'DX'"),
        (
            "holidays: {country: DE, subdiv: BX}\n",
            "plan.yaml:14: holidays[0]: DE has no holiday subdivision 'BX'; did you mean",
        ),
        (
            "off:\n  - {from: 2027-01-08, to: 2027-01-05}\n",
            "plan.yaml:15: off[0]: the range ends (2027-01-05) before it starts",
        ),
        (
            "off:\n  - 2027-01-05\n  - {from: 2027-01-04, to: 2027-01-06}\n",
            "plan.yaml:16: off[1]: overlaps off[0] (2027-01-05)",
        ),
        ("off:\n  - 2027-01-05 21:00-19:00\n", "plan.yaml:15: off[0]: time '21:00-19:00'"),
        ("off:\n  - next tuesday\n", "plan.yaml:15: off[0]: 'next tuesday' is not time off"),
        ("busy_margin: 2d\n", "plan.yaml:14: busy_margin:"),
        ("busy: [missing.ics]\n", "cannot read "),
    ],
)
def test_bad_plan_input_exits_3_naming_the_place(
    run_cli: Any, demo: Path, extra: str, expected: str
) -> None:
    """Each kind of bad holiday, time-off or busy entry: exit 3, file, line and field."""
    with_lines(demo, extra)
    result = run_cli("check", demo, "--start", "2027-01-04")
    assert result.exit_code == 3, result.output
    assert expected in result.stderr


def test_unknown_holiday_region_on_the_command_line_exits_3(run_cli: Any, demo: Path) -> None:
    """`--holidays DE-BR` exits 3 with a "did you mean"."""
    result = run_cli("check", demo, "--holidays", "DE-BR")
    assert result.exit_code == 3
    assert "holidays DE-BR: DE has no holiday subdivision 'BR'; did you mean" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "busy.ics:1: not an iCalendar file"),
        (b"hello\r\n", "busy.ics:1: not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nno colon here\r\n", "busy.ics:3: 'no colon here'"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "busy.ics:3: END:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", "the file ends inside VEVENT"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2027-01-05\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n",
            "busy.ics:4: '2027-01-05' is not an iCalendar date",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270105T190000\r\n"
            b"DURATION:one hour\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "busy.ics:5: 'one hour' is not an iCalendar DURATION",
        ),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "busy.ics:2: an event without DTSTART",
        ),
        (b"BEGIN:VCALENDAR\r\n\xff\xfe\r\n", "busy.ics:2: a busy calendar must be UTF-8 text"),
        (
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270105T190000Z\r\n"
            b"RRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "busy.ics:5: an event that repeats minutely",
        ),
        (
            b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\n",
            "busy.ics:3: ",
        ),
    ],
)
def test_malformed_busy_calendar_exits_3_naming_file_and_line(
    run_cli: Any, demo: Path, content: bytes, expected: str
) -> None:
    """A busy calendar that is not iCalendar: exit 3, the file and the line."""
    (demo.parent / "busy.ics").write_bytes(content)
    with_lines(demo, "busy: [busy.ics]\n")
    result = run_cli("check", demo, "--start", "2027-01-04")
    assert result.exit_code == 3, result.output
    assert expected in result.stderr


def test_busy_calendar_that_is_a_folder_or_missing_exits_3(run_cli: Any, demo: Path) -> None:
    """`--busy` naming a folder or nothing: exit 3 naming it."""
    folder = demo.parent / "cal"
    folder.mkdir()
    result = run_cli("check", demo, "--busy", folder)
    assert result.exit_code == 3
    assert f"cannot read {folder}: it is a folder" in result.stderr
    result = run_cli("check", demo, "--busy", demo.parent / "nope.ics")
    assert result.exit_code == 3
    assert "nope.ics" in result.stderr


def test_recurring_event_icalendar_cannot_expand_exits_3(tmp_path: Path) -> None:
    """A broken RRULE is reported with the file's name, not as a crash."""
    path = tmp_path / "bad.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270105T190000Z\r\n"
        "RRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanError, match=r"bad\.ics"):
        blocked = read_blocked("UTC", busy_files=[(path, str(path))])
        assert blocked is not None
        blocked.busy_between(0, 30_000_000)


def test_time_off_model_reads_dates_ranges_and_hours() -> None:
    """A bare date, a range with a reason, and hours of a day."""
    entries = plan_of(
        off=[
            dt.date(2027, 1, 5),
            {"from": "2027-12-24", "to": "2028-01-01", "reason": "winter break"},
            "2027-03-05 18:00-22:00",
        ]
    ).off
    assert [(e.first, e.end, e.minutes, e.reason) for e in entries] == [
        (dt.date(2027, 1, 5), dt.date(2027, 1, 5), None, None),
        (dt.date(2027, 12, 24), dt.date(2028, 1, 1), None, "winter break"),
        (dt.date(2027, 3, 5), dt.date(2027, 3, 5), (18 * 60, 22 * 60), None),
    ]


# --------------------------------------------------------------------------- golden


def test_bundled_plan_with_berlin_holidays_and_a_winter_break_matches_golden(
    run_cli: Any, tmp_path: Path
) -> None:
    """The bundled plan from 2026-11-02 with DE-BE holidays and 24 Dec–1 Jan off."""
    from test_ics import check_golden

    plan = tmp_path / "ai-pm-transition.yaml"
    plan.write_text(
        BUNDLED_PLAN.read_text(encoding="utf-8") + "\nholidays: {country: DE, subdiv: BE}\noff:\n"
        "  - {from: 2026-12-24, to: 2027-01-01, reason: winter break}\n",
        encoding="utf-8",
    )
    result = run_cli(
        "schedule", plan, "--start", "2026-11-02", "--today", "2026-10-01", "-o", tmp_path / "o"
    )
    assert result.exit_code == 0, result.output
    data = (tmp_path / "o" / "ai-pm-transition.ics").read_bytes()
    check_golden(data, "ai-pm-transition.availability.ics")
