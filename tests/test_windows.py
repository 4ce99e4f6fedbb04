"""Windows of a phase or a task: its sessions stay inside them, and the weekly budget is shared
across whatever windows the ready work can use."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan2cal.availability import read_blocked
from plan2cal.errors import PlanError
from plan2cal.load import load_plan
from plan2cal.model import Plan, parse_windows
from plan2cal.schedule import Schedule, availability_for, build_schedule

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.date(2027, 1, 4)  # a Monday
EVENINGS = {"mon-fri": "19:00-21:00"}
SATURDAY = {"sat": "09:00-12:00"}


def plan_with(tasks: list[dict[str, Any]], **phase: Any) -> Plan:
    """A one-phase plan, 8 h a week on weekday evenings, with the given tasks."""
    return Plan.model_validate(
        {
            "plan": "windows",
            "title": "Windows",
            "defaults": {"timezone": "Europe/Berlin", "hours_per_week": 8, "windows": EVENINGS},
            "phases": [{"id": "p", "name": "P", "tasks": tasks, **phase}],
        }
    )


def inside(schedule: Schedule, key: str, windows: dict[str, Any]) -> bool:
    """Whether every session of ``key`` lies inside ``windows`` on the wall clock."""
    spans = parse_windows(windows)
    for session in schedule.sessions:
        if session.task != key:
            continue
        start, end = session.start.astimezone(BERLIN), session.end.astimezone(BERLIN)
        low = start.hour * 60 + start.minute
        high = low + session.minutes
        if not any(a <= low and high <= b for a, b in spans.get(start.weekday(), ())):
            return False
        assert start.date() == end.date()
    return True


def week_minutes(schedule: Schedule) -> dict[dt.date, int]:
    """Monday → minutes of sessions that week."""
    weeks: dict[dt.date, int] = {}
    for session in schedule.sessions:
        day = session.start.astimezone(BERLIN).date()
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + session.minutes
    return weeks


def test_a_certificate_only_on_saturday_mornings() -> None:
    """The certificate's sessions are all on Saturday mornings, the rest on evenings."""
    plan = plan_with(
        [
            {"id": "cert", "name": "Certificate", "hours": 12, "windows": SATURDAY},
            {"id": "book", "name": "Book", "hours": 20},
        ],
        mode="interleave",
    )
    schedule = build_schedule(plan, availability_for(plan), START)
    assert inside(schedule, "cert", SATURDAY)
    assert inside(schedule, "book", EVENINGS)
    assert sum(s.minutes for s in schedule.sessions) == 32 * 60


def test_the_budget_is_shared_across_the_windows_the_ready_work_can_use() -> None:
    """While both are ready a week holds the whole budget over evenings and Saturday; once
    the book is done a week holds only what Saturday morning holds."""
    plan = plan_with(
        [
            {"id": "cert", "name": "Certificate", "hours": 12, "windows": SATURDAY},
            {"id": "book", "name": "Book", "hours": 20},
        ],
        mode="interleave",
    )
    schedule = build_schedule(plan, availability_for(plan), START)
    weeks = week_minutes(schedule)
    assert weeks[START] == 8 * 60
    saturday = {s.start.astimezone(BERLIN).date() for s in schedule.sessions if s.task == "cert"}
    assert dt.date(2027, 1, 9) in saturday  # shared from the first week
    last_weeks = sorted(weeks)[-2:]
    assert all(weeks[monday] <= 3 * 60 for monday in last_weeks)
    assert max(weeks.values()) <= 8 * 60


def test_phase_windows_apply_to_its_tasks_and_a_tasks_own_win() -> None:
    """A phase's windows hold its tasks, except one with windows of its own."""
    plan = plan_with(
        [
            {"id": "a", "name": "A", "hours": 6},
            {"id": "b", "name": "B", "hours": 6, "windows": SATURDAY},
        ],
        windows={"tue-thu": "18:00-22:00"},
    )
    schedule = build_schedule(plan, availability_for(plan), START)
    assert inside(schedule, "a", {"tue-thu": "18:00-22:00"})
    assert inside(schedule, "b", SATURDAY)


def test_windows_of_their_own_with_busy_time(tmp_path: Path) -> None:
    """Saturday-only work around a Saturday busy event: still inside its windows, and off the
    event."""
    path = tmp_path / "busy.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s\r\n"
        "DTSTART;TZID=Europe/Berlin:20270109T090000\r\nDTEND;TZID=Europe/Berlin:"
        "20270109T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    plan = plan_with([{"id": "cert", "name": "Certificate", "hours": 10, "windows": SATURDAY}])
    blocked = read_blocked("Europe/Berlin", busy_files=[(path, "busy.ics")])
    availability = dataclasses.replace(availability_for(plan), blocked=blocked)
    schedule = build_schedule(plan, availability, START)
    assert inside(schedule, "cert", SATURDAY)
    for session in schedule.sessions:
        local = session.start.astimezone(BERLIN)
        if local.date() <= dt.date(2027, 1, 30):
            assert local.hour >= 10
    assert sum(s.minutes for s in schedule.sessions) == 10 * 60


def test_a_plan_without_windows_of_their_own_schedules_as_before() -> None:
    """Windows equal to the defaults change nothing."""
    tasks = [{"id": "a", "name": "A", "hours": 9}, {"id": "b", "name": "B", "hours": 5}]
    plain = plan_with(tasks)
    same = plan_with([{**tasks[0], "windows": EVENINGS}, tasks[1]])
    one = build_schedule(plain, availability_for(plain), START)
    other = build_schedule(same, availability_for(same), START)
    assert [(s.task, s.start, s.end) for s in one.sessions] == [
        (s.task, s.start, s.end) for s in other.sessions
    ]


def test_bad_windows_of_a_task_exit_3_with_the_line(tmp_path: Path) -> None:
    """A task window that ends before it starts names the file, line and field."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        "plan: w\ntitle: W\nphases:\n  - name: P\n    tasks:\n      - name: T\n        hours: 2\n"
        '        windows: {sat: "12:00-09:00"}\n',
        encoding="utf-8",
    )
    with pytest.raises(PlanError, match=r"plan\.yaml:8: phases\[0\]\.tasks\[0\]\.windows"):
        load_plan(path)


@st.composite
def window_choice(draw: st.DrawFn) -> dict[str, Any] | None:
    """No windows of its own, or one of a few shapes (some narrower than a session.max)."""
    return draw(
        st.sampled_from(
            [
                None,
                SATURDAY,
                {"sun": "14:00-14:45"},
                {"mon": "06:00-07:00", "wed": "19:30-20:15"},
                {"mon-fri": "19:00-21:00"},
                {"tue": ["07:00-07:30", "12:00-13:00"]},
            ]
        )
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tasks=st.lists(st.tuples(st.integers(1, 40), window_choice()), min_size=1, max_size=5),
    phase_windows=window_choice(),
    mode=st.sampled_from(["sequential", "interleave"]),
    hours=st.integers(2, 12),
)
def test_every_session_inside_its_tasks_windows(
    tasks: list[tuple[int, dict[str, Any] | None]],
    phase_windows: dict[str, Any] | None,
    mode: str,
    hours: int,
) -> None:
    """Whatever the windows: each session inside its task's windows, no overlap, no week over
    the budget, and all the effort placed (no task waits forever)."""
    entries: list[dict[str, Any]] = []
    for n, (quarters, windows) in enumerate(tasks):
        entry: dict[str, Any] = {"id": f"t{n}", "name": f"T{n}", "hours": f"{15 * quarters}m"}
        if windows is not None:
            entry["windows"] = windows
        entries.append(entry)
    extra = {"windows": phase_windows} if phase_windows is not None else {}
    plan = Plan.model_validate(
        {
            "plan": "prop",
            "title": "Property",
            "defaults": {"timezone": "Europe/Berlin", "hours_per_week": hours, "windows": EVENINGS},
            "phases": [{"id": "p", "name": "P", "mode": mode, "tasks": entries, **extra}],
        }
    )
    availability = availability_for(plan)
    schedule = build_schedule(plan, availability, START, horizon_years=5)
    for n, (_, windows) in enumerate(tasks):
        own = windows if windows is not None else phase_windows
        assert inside(schedule, f"t{n}", own if own is not None else EVENINGS)
    ordered = sorted(schedule.sessions, key=lambda session: session.start)
    for before, after in itertools.pairwise(ordered):
        assert before.end <= after.start
    assert max(week_minutes(schedule).values()) <= availability.budget
    assert sum(s.minutes for s in schedule.sessions) == sum(15 * q for q, _ in tasks)
