"""Scheduler properties over generated plans, availabilities and start dates (STYLE habit 9)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plan2cal.durations import QUANTUM
from plan2cal.errors import UnschedulableError
from plan2cal.graph import dependency_graph
from plan2cal.model import MAX_PHASE_WEEKS, MAX_TASK_MINUTES, PRIORITIES, Plan, parse_windows
from plan2cal.schedule import (
    Schedule,
    Session,
    availability_for,
    build_schedule,
    horizon_end_of,
    task_efforts,
)
from plan2cal.worktime import Availability, week_pattern, work_blocks
from strategies import (
    assert_breaks_in_windows,
    assert_session_lengths,
    wall_minutes,
    window_holding,
    window_specs,
)

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
SESSION_LENGTHS = {"30m": 30, "45m": 45, "1h": 60, "1h30m": 90, "2h": 120, "3h": 180}


@dataclass(frozen=True)
class Case:
    """A generated plan, its resolved availability, the start, and the schedule built from them."""

    plan: Plan
    availability: Availability
    start: dt.date
    schedule: Schedule

    def __repr__(self) -> str:
        """The inputs only, short enough to reproduce a falsifying example by hand."""
        spec = self.plan.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        return f"Case(start={self.start}, plan={spec})"

    @property
    def zone(self) -> ZoneInfo:
        """The plan's time zone."""
        return ZoneInfo(self.availability.timezone)


@st.composite
def plan_specs(draw: st.DrawFn) -> dict[str, Any]:
    """1–4 phases of 1–6 tasks whose ``after`` links point only to earlier tasks and phases."""
    phases: list[dict[str, Any]] = []
    earlier_tasks: list[str] = []
    for p in range(draw(st.integers(1, 4))):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 6))):
            key = f"t{p}-{t}"
            entry: dict[str, Any] = {
                "id": key,
                "name": f"Task {p}.{t}",
                "weight": draw(st.sampled_from([0.5, 1, 2, 3])),
                "priority": draw(st.sampled_from(PRIORITIES)),
            }
            minutes = draw(st.none() | st.integers(1, 600))
            if minutes is not None:
                entry["hours"] = f"{minutes}m"
            if earlier_tasks:
                entry["after"] = draw(
                    st.lists(st.sampled_from(earlier_tasks), max_size=2, unique=True)
                )
            tasks.append(entry)
        earlier_tasks.extend(task["id"] for task in tasks)
        phase: dict[str, Any] = {
            "id": f"p{p}",
            "name": f"Phase {p}",
            "weeks": draw(st.sampled_from([0.5, 1, 2, 3])),
            "mode": draw(st.sampled_from(["sequential", "interleave"])),
            "tasks": tasks,
        }
        choice = draw(st.sampled_from(["default", "none", "earlier"]))
        if choice == "none" or (choice == "earlier" and p == 0):
            phase["after"] = []
        elif choice == "earlier":
            earlier = [f"p{q}" for q in range(p)]
            phase["after"] = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
        phases.append(phase)
    return {"plan": "prop", "title": "Generated", "phases": phases}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A scheduled case; inputs with too small a budget or no usable window are skipped."""
    shortest, longest = sorted(
        draw(st.lists(st.sampled_from(list(SESSION_LENGTHS)), min_size=2, max_size=2)),
        key=SESSION_LENGTHS.__getitem__,
    )
    spec = draw(plan_specs())
    spec["defaults"] = {
        "hours_per_week": draw(st.integers(4, 120)) / 4,  # 1 to 30 h in quarter-hours
        "timezone": draw(st.sampled_from(ZONES)),
        "windows": draw(window_specs()),
        "session": {"min": shortest, "max": longest},
    }
    plan = Plan.model_validate(spec)
    availability = availability_for(plan)
    try:
        week_pattern(availability)
    except UnschedulableError:
        assume(False)
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    # A long horizon: the slowest generated plans need a couple of decades at 30 min a week.
    schedule = build_schedule(plan, availability, start, horizon_years=100)
    return Case(plan, availability, start, schedule)


def _window_of(case: Case, start: dt.datetime, end: dt.datetime) -> tuple[int, int] | None:
    """The window of the local weekday that holds ``start``–``end`` entirely, if any."""
    windows = parse_windows(case.plan.defaults.windows or {})
    return window_holding(windows, case.zone, start, end)


def _offset_changes(zone: ZoneInfo, day: dt.date) -> bool:
    """Whether the zone's UTC offset changes during ``day``."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return midnight.utcoffset() != (midnight + dt.timedelta(days=1)).utcoffset()


@PROPERTY_SETTINGS
@given(case=cases())
def test_sessions_never_overlap(case: Case) -> None:
    """No two sessions share a minute."""
    ordered = sorted(case.schedule.sessions, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end <= later.start, (earlier, later)


@PROPERTY_SETTINGS
@given(case=cases())
def test_every_session_lies_inside_a_window_of_its_local_weekday(case: Case) -> None:
    """Each session sits within one window of its weekday, on the wall clock and in real time.

    On a day the clocks go back a session may use the repeated hour's first occurrence; on
    other days its wall-clock length is its length.
    """
    for session in case.schedule.sessions:
        day = session.start.astimezone(case.zone).date()
        assert _window_of(case, session.start, session.end) is not None, session
        wall = wall_minutes(case.zone, session.end, day) - wall_minutes(
            case.zone, session.start, day
        )
        if _offset_changes(case.zone, day):
            assert wall <= session.minutes, session
        else:
            assert wall == session.minutes, session


@PROPERTY_SETTINGS
@given(case=cases())
def test_no_calendar_week_exceeds_the_budget(case: Case) -> None:
    """Monday-to-Sunday weeks in the plan's zone hold at most the weekly budget."""
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    for session in case.schedule.sessions:
        year, week, _ = session.start.astimezone(case.zone).isocalendar()
        per_week[year, week] += session.minutes
    assert max(per_week.values()) <= case.availability.budget


@PROPERTY_SETTINGS
@given(case=cases())
def test_every_dependency_finishes_before_its_dependent_starts(case: Case) -> None:
    """Task ``after`` links, phase order and phase ``after`` are all respected."""
    tasks = {task.key: task for task in case.schedule.tasks}
    finish: dict[str, dt.datetime] = {key: task.finish for key, task in tasks.items()}
    for phase in case.plan.phases:
        finish[phase.key] = max(tasks[task.key].finish for task in phase.tasks)
    for node, deps in dependency_graph(case.plan).items():
        if node not in tasks:
            continue  # a phase node waits only for its own tasks: true by definition
        for dep in deps:
            assert finish[dep] <= tasks[node].start, (dep, node)


@PROPERTY_SETTINGS
@given(case=cases())
def test_each_task_gets_exactly_its_effort(case: Case) -> None:
    """The minutes scheduled for a task add up to its effort from task_efforts."""
    efforts, _ = task_efforts(case.plan, case.availability.hours_per_week)
    scheduled: dict[str, int] = defaultdict(int)
    for session in case.schedule.sessions:
        scheduled[session.task] += session.minutes
    assert dict(scheduled) == efforts
    assert {task.key: task.effort for task in case.schedule.tasks} == efforts


@PROPERTY_SETTINGS
@given(case=cases())
def test_every_session_is_session_min_to_session_max_with_the_two_exceptions(case: Case) -> None:
    """Only a task's last session may be under session.min: when it is the whole of a task
    that short, or after a session.min one when the two together exceed every block."""
    efforts = {task.key: task.effort for task in case.schedule.tasks}
    assert_session_lengths(
        list(case.schedule.sessions),
        efforts,
        case.availability.session_min,
        case.availability.session_max,
        case.schedule.pattern.longest_block,
    )


@PROPERTY_SETTINGS
@given(case=cases())
def test_sessions_in_one_window_are_a_quarter_hour_apart(case: Case) -> None:
    """Two consecutive sessions in the same window leave at least a 15-minute break."""
    windows = parse_windows(case.plan.defaults.windows or {})
    assert_breaks_in_windows(windows, case.zone, list(case.schedule.sessions))


@PROPERTY_SETTINGS
@given(case=cases())
def test_sessions_start_on_the_quarter_hour_grid_of_their_window(case: Case) -> None:
    """Every session starts a whole number of quarter-hours after its window opens."""
    for session in case.schedule.sessions:
        window = _window_of(case, session.start, session.end)
        assert window is not None, session
        day = session.start.astimezone(case.zone).date()
        assert (wall_minutes(case.zone, session.start, day) - window[0]) % QUANTUM == 0, session
        assert session.minutes % QUANTUM == 0, session


# Impossible input


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=plan_specs(),
    start=st.dates(dt.date(1970, 1, 1), dt.date(2199, 12, 31)),
    horizon_years=st.integers(1, 1000),
    huge=st.integers(1, MAX_TASK_MINUTES),
    weeks=st.sampled_from([1, 52, MAX_PHASE_WEEKS]),
)
def test_any_start_and_horizon_schedule_or_fail_with_an_error_never_an_overflow(
    spec: dict[str, Any], start: dt.date, horizon_years: int, huge: int, weeks: int
) -> None:
    """Starts to 2199-12-31, horizons to 1000 years, tasks and phases as long as a plan may hold
    them: a schedule inside the horizon or an UnschedulableError naming it, quickly."""
    spec["phases"][0]["tasks"][0]["hours"] = f"{huge}m"
    spec["phases"][-1]["weeks"] = weeks
    plan = Plan.model_validate(spec)
    began = time.perf_counter()
    try:
        schedule = build_schedule(plan, availability_for(plan), start, horizon_years=horizon_years)
    except UnschedulableError as error:
        assert "horizon" in str(error), error
        assert error.exit_code == 4
    else:
        assert schedule.end <= horizon_end_of(start, horizon_years)
    assert time.perf_counter() - began < 5


# Full weeks


def _ordinary_weeks(case: Case) -> list[dt.date]:
    """The Mondays of the weeks strictly between the schedule's first and last week in which
    the zone's offset does not change."""
    zone = case.zone
    first = case.start - dt.timedelta(days=case.start.weekday())
    last_day = max(s.start for s in case.schedule.sessions).astimezone(zone).date()
    last = last_day - dt.timedelta(days=last_day.weekday())
    mondays = []
    monday = first + dt.timedelta(weeks=1)
    while monday < last:
        offsets = {
            dt.datetime.combine(monday + dt.timedelta(days=n), dt.time(), tzinfo=zone).utcoffset()
            for n in range(8)
        }
        if len(offsets) == 1:
            mondays.append(monday)
        monday += dt.timedelta(weeks=1)
    return mondays


def _week_sessions(case: Case, monday: dt.date) -> list[Session]:
    """The sessions of the Monday-to-Sunday week, in time order."""
    return [
        s
        for s in case.schedule.sessions
        if monday <= s.start.astimezone(case.zone).date() < monday + dt.timedelta(weeks=1)
    ]


@PROPERTY_SETTINGS
@given(case=cases())
def test_ordinary_full_weeks_use_every_block_as_far_as_the_session_rules_allow(
    case: Case,
) -> None:
    """A lower bound on each full week without a DST change, except the first and the last.

    Its blocks are the pattern's, weekly_minutes in all, and each holds sessions from its
    start, a quarter-hour apart, so the week places weekly_minutes less 15 min per break and
    less each block's unused end. That end leaves less than session.min after a break (or is
    the whole block when empty), unless some task was waiting for a slot that holds its rest
    whole: its next session is its last, starts after the block, and is longer than the room
    left but shorter than twice session.min (no rest under session.min) or no longer than the
    block (no work chopped for nothing).
    """
    smin = case.availability.session_min
    last_of: dict[str, Session] = {}
    previous_of: dict[tuple[str, int], Session] = {}
    for session in case.schedule.sessions:
        last_of[session.task] = session
        previous_of[session.task, session.ordinal + 1] = session
    quarter = dt.timedelta(minutes=QUANTUM)
    for monday in _ordinary_weeks(case):
        blocks = list(
            work_blocks(case.schedule.pattern, case.zone, monday, monday + dt.timedelta(days=6))
        )
        assert sum(length for _, length in blocks) == case.schedule.pattern.weekly_minutes
        sessions = _week_sessions(case, monday)
        placed = 0
        for begin, length in blocks:
            end = begin + dt.timedelta(minutes=length)
            inside = [s for s in sessions if begin <= s.start and s.end <= end]
            placed += sum(s.minutes for s in inside)
            expected_start = begin
            for session in inside:
                assert session.start == expected_start, (monday, begin, inside)
                expected_start = session.end + quarter
            room = length if not inside else int((end - expected_start).total_seconds()) // 60
            if room >= smin:
                waiting = [
                    last
                    for last in last_of.values()
                    if last.start >= end
                    and room < last.minutes
                    and (last.minutes < 2 * smin or last.minutes <= length)
                    and (
                        (last.task, last.ordinal) not in previous_of
                        or previous_of[last.task, last.ordinal].end <= begin
                    )
                ]
                assert waiting, (monday, begin, length, inside)
        assert placed == sum(s.minutes for s in sessions), "a session outside the blocks"


@st.composite
def single_task_cases(draw: st.DrawFn) -> Case:
    """One task of 10 to 80 h under generated windows, budget, session limits and zone."""
    shortest, longest = sorted(
        draw(st.lists(st.sampled_from(list(SESSION_LENGTHS)), min_size=2, max_size=2)),
        key=SESSION_LENGTHS.__getitem__,
    )
    spec = {
        "plan": "single",
        "title": "One task",
        "defaults": {
            "hours_per_week": draw(st.integers(4, 80)) / 4,
            "timezone": draw(st.sampled_from(ZONES)),
            "windows": draw(window_specs()),
            "session": {"min": shortest, "max": longest},
        },
        "phases": [
            {
                "id": "only",
                "name": "Only",
                "tasks": [{"id": "work", "name": "Work", "hours": draw(st.integers(10, 80))}],
            }
        ],
    }
    plan = Plan.model_validate(spec)
    availability = availability_for(plan)
    try:
        week_pattern(availability)
    except UnschedulableError:
        assume(False)
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    schedule = build_schedule(plan, availability, start, horizon_years=100)
    return Case(plan, availability, start, schedule)


@PROPERTY_SETTINGS
@given(case=single_task_cases())
def test_one_task_fills_every_ordinary_full_week_to_the_weekly_minutes(case: Case) -> None:
    """With one task, each full week without a DST change, after the first and before the week
    of its last two sessions, places exactly the pattern's weekly_minutes."""
    sessions = case.schedule.sessions
    if len(sessions) < 2:
        return
    second_last = sessions[-2].start.astimezone(case.zone).date()
    for monday in _ordinary_weeks(case):
        if monday + dt.timedelta(days=6) < second_last:
            placed = sum(s.minutes for s in _week_sessions(case, monday))
            assert placed == case.schedule.pattern.weekly_minutes, monday


# The week pattern


@functools.cache
def _window_sums(room: int, smin: int, smax: int) -> frozenset[int]:
    """Every total of blocks in ``room`` grid minutes of one window, by trying each placement:
    a first block of smin..smax at the opening, then the same again after a 15 min break."""
    totals = {0}
    for first in range(smin, min(smax, room) + 1, QUANTUM):
        totals |= {first + rest for rest in _window_sums(room - first - QUANTUM, smin, smax)}
    return frozenset(totals)


def _most_a_week_holds(availability: Availability) -> int:
    """The largest weekly total of blocks the windows can hold that is within the budget."""
    week = {0}
    for spans in availability.windows.values():
        day = {0}
        for start, end in spans:
            room = (end - start) // QUANTUM * QUANTUM
            day = {
                a + b
                for a in day
                for b in _window_sums(room, availability.session_min, availability.session_max)
            }
        week = {a + b for a in week for b in day if a + b <= availability.budget}
    return max(week)


@st.composite
def availabilities(draw: st.DrawFn) -> Availability:
    """Any budget from 30 min to 60 h, session limits, and up to three windows a day."""
    shortest, longest = sorted(
        draw(st.lists(st.sampled_from(list(SESSION_LENGTHS.values())), min_size=2, max_size=2))
    )
    return Availability(
        hours_per_week=draw(st.integers(2, 240)) / 4,
        timezone="UTC",
        windows=parse_windows(draw(window_specs())),
        session_min=shortest,
        session_max=longest,
    )


@settings(max_examples=300, deadline=None)
@given(availability=availabilities())
def test_the_week_holds_the_most_the_budget_and_windows_allow(
    availability: Availability,
) -> None:
    """weekly_minutes is the largest total within the budget that blocks in the windows make.

    A block lies in one window, starts on the grid from its opening, is session.min to
    session.max long, and is 15 minutes from the next block of that window; the pattern's
    blocks obey exactly that.
    """
    try:
        pattern = week_pattern(availability)
    except UnschedulableError:
        assume(False)
    assert pattern.weekly_minutes == _most_a_week_holds(availability)
    smin, smax = availability.session_min, availability.session_max
    for day, blocks in enumerate(pattern.blocks):
        for start, length in blocks:
            assert smin <= length <= smax and length % QUANTUM == 0
            assert any(
                low <= start and start + length <= high and (start - low) % QUANTUM == 0
                for low, high in availability.windows.get(day, ())
            ), (day, start, length)
        for (start_a, length_a), (start_b, _) in itertools.pairwise(blocks):
            assert start_b >= start_a + length_a + QUANTUM
