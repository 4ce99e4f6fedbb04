"""The scheduler against each rule of DESIGN §4: effort, order, placement, milestones, errors."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import BUNDLED_PLAN
from plan2cal.errors import PlanError, UnschedulableError
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import (
    LAST_DAY,
    Actuals,
    Schedule,
    availability_for,
    build_schedule,
    effort_basis_for,
    horizon_end_of,
    task_efforts,
)

MONDAY = dt.date(2027, 1, 4)
THURSDAY = dt.date(2027, 1, 7)
EVENINGS = {"mon-fri": "19:00-21:00"}  # 2 h a weekday: 10 h a week, one 2 h block a day


def make_plan(
    phases: list[dict[str, Any]],
    *,
    hours_per_week: float = 10,
    windows: dict[str, Any] | None = None,
    timezone: str = "UTC",
    milestones: list[dict[str, Any]] | None = None,
    session: dict[str, str] | None = None,
) -> Plan:
    """A plan of the given phases; by default 10 h a week on weekday evenings in UTC."""
    return Plan.model_validate(
        {
            "plan": "sched",
            "title": "Schedule tests",
            "defaults": {
                "hours_per_week": hours_per_week,
                "timezone": timezone,
                "windows": windows if windows is not None else EVENINGS,
                "session": session or {},
            },
            "phases": phases,
            "milestones": milestones or [],
        }
    )


def phase(key: str, *tasks: dict[str, Any], weeks: float = 1, **extra: Any) -> dict[str, Any]:
    """A phase with the given tasks."""
    return {"id": key, "name": key.title(), "weeks": weeks, "tasks": list(tasks), **extra}


def task(key: str, hours: float | str | None = 2, **extra: Any) -> dict[str, Any]:
    """A task; ``hours=None`` leaves it unsized."""
    entry: dict[str, Any] = {"id": key, "name": key.upper(), **extra}
    if hours is not None:
        entry["hours"] = hours
    return entry


def schedule_of(plan: Plan, start: dt.date = MONDAY, **kwargs: Any) -> Schedule:
    """The plan scheduled with its own defaults from ``start``."""
    return build_schedule(plan, availability_for(plan), start, **kwargs)


def runs(schedule: Schedule) -> list[str]:
    """Task ids in session order with consecutive repeats collapsed."""
    return [key for key, _ in itertools.groupby(s.task for s in schedule.sessions)]


def utc(day: dt.date, hour: int) -> dt.datetime:
    """That day at that hour in UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def warning_about(schedule: Schedule, subject: str, *facts: str) -> str:
    """The one warning that names ``subject``, checked to mention every one of ``facts``."""
    (warning,) = [w for w in schedule.warnings if subject in w]
    for fact in facts:
        assert fact in warning, warning
    return warning


# 1. Effort


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        (3, 180),  # whole hours stay as they are
        ("1h30m", 90),
        ("50m", 45),  # 50 / 15 = 3.33 quarter-hours → 3
        (1.1, 60),  # 66 min / 15 = 4.4 → 4
        ("1h10m", 75),  # 70 / 15 = 4.67 → 5
        ("5m", 15),  # never below one quarter-hour
    ],
)
def test_explicit_hours_are_used_rounded_to_the_quarter_hour(
    hours: float | str, minutes: int
) -> None:
    """A task's own hours are its effort, on the 15-minute grid."""
    plan = make_plan([phase("one", task("a", hours=hours))])
    (scheduled,) = schedule_of(plan).tasks
    assert scheduled.effort == minutes
    assert not scheduled.effort_derived
    assert sum(s.minutes for s in schedule_of(plan).sessions) == minutes


def test_unsized_tasks_share_the_rest_of_the_phase_budget_by_weight() -> None:
    """8 weeks × 10 h minus 20 h explicit leaves 60 h, split 1:2 as 20 h and 40 h."""
    plan = make_plan(
        [
            phase(
                "one",
                task("sized", hours=20),
                task("light", hours=None),
                task("heavy", hours=None, weight=2),
                weeks=8,
            )
        ]
    )
    efforts = {t.key: (t.effort, t.effort_derived) for t in schedule_of(plan).tasks}
    assert efforts == {
        "sized": (20 * 60, False),
        "light": (20 * 60, True),
        "heavy": (40 * 60, True),
    }


def test_unsized_shares_add_up_exactly_to_the_phase_budget() -> None:
    """10 h over three equal weights is 3 h 30 m, 3 h 15 m, 3 h 15 m: no quarter-hour lost."""
    plan = make_plan([phase("one", *(task(k, hours=None) for k in "abc"), weeks=1)])
    efforts, warnings = task_efforts(plan, 10)
    # 40 quarter-hours / 3 = 13.33 each; the one spare quarter goes to the first in file order.
    assert efforts == {"a": 210, "b": 195, "c": 195}
    assert sum(efforts.values()) == 600
    assert warnings == []


@pytest.mark.parametrize("hours_per_week", [5, 20])
def test_plan_without_hours_keeps_its_nominal_weeks_at_any_budget(hours_per_week: float) -> None:
    """With no hours anywhere each phase ends by its nominal end, whatever the budget."""
    windows = {"mon-fri": ["08:00-12:00", "13:00-18:00"]}  # room for 20 h a week and more
    plan = make_plan(
        [
            phase("one", task("a", hours=None), task("b", hours=None, weight=3), weeks=3),
            phase("two", task("c", hours=None), task("d", hours=None), weeks=2),
        ],
        hours_per_week=hours_per_week,
        windows=windows,
    )
    schedule = schedule_of(plan)
    assert schedule.pattern.weekly_minutes == hours_per_week * 60
    ends = {p.key: (p.end, p.nominal_end, p.slip_days) for p in schedule.phases}
    # Budget spread Mon-Fri from Monday 4 Jan: phase one's work is exactly three weeks of it,
    # but where b takes over from a inside a block the quarter-hour break and the rest too
    # short for a session are lost, so its last session falls on its nominal Monday 25 Jan.
    # Phase two likewise ends on its nominal Monday 8 Feb.
    assert ends == {
        "one": (dt.date(2027, 1, 25), dt.date(2027, 1, 25), 0),
        "two": (dt.date(2027, 2, 8), dt.date(2027, 2, 8), 0),
    }


def test_the_work_is_fixed_and_a_larger_budget_finishes_it_sooner() -> None:
    """The bundled plan holds the same hours at 8, 10 and 12 h a week and ends earlier each time.

    Its habits keep their rhythm, and so take more hours in all the longer their phases last.
    """
    plan = load_plan(BUNDLED_PLAN)
    schedules = [
        build_schedule(plan, availability_for(plan, hours_per_week=hours), MONDAY)
        for hours in (8, 10, 12)
    ]
    efforts = [
        {t.key: t.effort for t in schedule.tasks if t.habit is None} for schedule in schedules
    ]
    assert efforts[0] == efforts[1] == efforts[2]
    habits = [
        [(t.key, t.habit.rhythm, t.effort) for t in schedule.tasks if t.habit is not None]
        for schedule in schedules
    ]
    assert [key for key, _, _ in habits[0]] == [key for key, _, _ in habits[2]]
    assert all(a[2] >= c[2] for a, c in zip(habits[0], habits[2], strict=True))
    # The plan's own 10 h a week sizes the unsized tasks: 8 weeks × 10 h in phase one.
    assert schedules[0].phases[0].nominal_effort == 8 * 10 * 60
    ends = [schedule.end for schedule in schedules]
    assert ends[0] > ends[1] > ends[2], ends


def test_the_effort_basis_is_the_plans_budget_else_the_availabilitys_else_as_given() -> None:
    """Without hours_per_week in the plan the availability's budget sizes unsized tasks."""
    phases = [phase("one", task("a", hours=None), task("b", hours=None), weeks=2)]
    own = make_plan(phases, hours_per_week=6)
    assert effort_basis_for(own, availability_for(own, hours_per_week=9)) == 6
    sized = schedule_of(own)
    assert [t.effort for t in sized.tasks] == [6 * 60, 6 * 60]

    data = own.model_dump(by_alias=True, exclude_defaults=True)
    del data["defaults"]["hours_per_week"]
    bare = Plan.model_validate(data)
    availability = availability_for(bare, hours_per_week=9)
    assert effort_basis_for(bare, availability) == 9
    assert [t.effort for t in build_schedule(bare, availability, MONDAY).tasks] == [540, 540]
    given = build_schedule(bare, availability, MONDAY, effort_basis=3)
    assert [t.effort for t in given.tasks] == [180, 180]


# 2. Order


def test_sequential_phase_works_one_task_at_a_time_in_priority_then_file_order() -> None:
    """Highest priority first, ties in file order, and each task finished before the next starts."""
    plan = make_plan(
        [
            phase(
                "one",
                task("a", hours=3),
                task("b", hours=3, priority="low"),
                task("c", hours=3, priority="high"),
                task("d", hours=3),
                task("e", hours=3, priority="highest"),
                weeks=2,
            )
        ]
    )
    # One run per task: no task is picked up again once another has started.
    assert runs(schedule_of(plan)) == ["e", "c", "a", "d", "b"]


def test_interleave_rotates_sessions_among_ready_tasks() -> None:
    """In an interleaved phase each 2 h evening goes to the next task in turn."""
    plan = make_plan(
        [
            phase(
                "two", task("x", hours=4), task("y", hours=4), task("z", hours=4), mode="interleave"
            )
        ]
    )
    schedule = schedule_of(plan)
    assert [s.task for s in schedule.sessions] == ["x", "y", "z", "x", "y", "z"]
    assert all(s.minutes == 120 for s in schedule.sessions)


def test_task_after_across_phases_is_honoured() -> None:
    """A task waiting for a task of another, parallel phase starts only after that task ends."""
    plan = make_plan(
        [
            phase("one", task("a", hours=4), task("b", hours=4)),
            phase("two", task("c", hours=2, after=["b"]), task("d", hours=2), after=[]),
        ]
    )
    by_key = {t.key: t for t in schedule_of(plan).tasks}
    # Phases alternate by evening: Mon a, Tue d, Wed a, Thu b (phase two has nothing ready),
    # Fri b; c becomes ready then and takes Monday 11 Jan.
    assert by_key["d"].start == utc(dt.date(2027, 1, 5), 19)
    assert by_key["b"].finish == utc(dt.date(2027, 1, 8), 21)
    assert by_key["c"].start == utc(dt.date(2027, 1, 11), 19)
    assert by_key["c"].start >= by_key["b"].finish


# 3. Placement


def test_start_mid_week_gets_a_prorated_first_week() -> None:
    """Starting on a Thursday uses only that week's Thursday and Saturday windows."""
    plan = make_plan(
        [phase("one", task("a", hours=20))],
        windows={"mon-thu": "19:00-21:00", "sat": "09:00-13:00"},
    )
    schedule = schedule_of(plan, start=THURSDAY)
    first_week = [s for s in schedule.sessions if s.start.date() <= dt.date(2027, 1, 10)]
    # 10 h over Mon-Thu and Sat is 2 h a day; from Thursday only Thu 7 and Sat 9 are left.
    assert [(s.start, s.minutes) for s in first_week] == [
        (utc(THURSDAY, 19), 120),
        (utc(dt.date(2027, 1, 9), 9), 120),
    ]
    assert schedule.sessions[len(first_week)].start == utc(dt.date(2027, 1, 11), 19)


def test_the_repeated_fall_back_hour_holds_a_session() -> None:
    """A Sunday 02:00-03:00 Berlin window is used on 2027-10-31, in its first occurrence."""
    plan = make_plan(
        [phase("one", task("a", hours=3))],
        hours_per_week=1,
        windows={"sun": "02:00-03:00"},
        timezone="Europe/Berlin",
    )
    schedule = schedule_of(plan, start=dt.date(2027, 10, 18))
    assert [(s.start, s.minutes) for s in schedule.sessions] == [
        (dt.datetime(2027, 10, 24, 0, 0, tzinfo=dt.UTC), 60),  # 02:00 CEST
        (dt.datetime(2027, 10, 31, 0, 0, tzinfo=dt.UTC), 60),  # 02:00 CEST, before the repeat
        (dt.datetime(2027, 11, 7, 1, 0, tzinfo=dt.UTC), 60),  # 02:00 CET
    ]


def test_no_calendar_week_exceeds_the_budget() -> None:
    """Monday-to-Sunday weeks in the plan's zone never hold more than the weekly budget."""
    zone = ZoneInfo("Europe/Berlin")
    plan = make_plan(
        [phase("one", task("a", hours=40), task("b", hours=13.5), mode="interleave")],
        hours_per_week=7.5,
        windows={"mon-sun": "18:00-22:00"},
        timezone="Europe/Berlin",
    )
    schedule = schedule_of(plan, start=dt.date(2027, 3, 3))  # a Wednesday; spans the DST change
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    for session in schedule.sessions:
        year, week, _ = session.start.astimezone(zone).isocalendar()
        per_week[year, week] += session.minutes
    # 450 min a week: Mon and Tue 75, the other days 60; full weeks use all of it.
    assert max(per_week.values()) == 450
    assert all(minutes <= schedule.availability.budget for minutes in per_week.values())


def test_sessions_never_overlap_and_are_in_time_order() -> None:
    """Each session starts no earlier than the previous one ends."""
    plan = make_plan(
        [
            phase("one", task("a", hours=5), task("b", hours=3.25)),
            phase("two", task("c", hours=2.75), task("d", hours=6), after=[], mode="interleave"),
        ],
        windows={"mon-fri": ["07:00-08:30", "19:00-21:00"], "sat": "09:00-13:00"},
    )
    sessions = schedule_of(plan).sessions
    for earlier, later in itertools.pairwise(sessions):
        assert earlier.end <= later.start


def test_no_session_in_the_middle_of_a_task_is_shorter_than_session_min() -> None:
    """The rest of a block after one task finishes never becomes a too-short middle session."""
    plan = make_plan(
        [
            phase("one", task("a", hours=3.75)),
            phase("two", task("b", hours=4), after=[]),
        ]
    )
    schedule = schedule_of(plan)
    # Phases alternate by evening: Mon a 2 h, Tue b 2 h, Wed a's last 1 h 45 m. Wed's last
    # 15 min are too short for a session and stay empty.
    assert [(s.task, s.start.day, s.minutes) for s in schedule.sessions] == [
        ("a", 4, 120),
        ("b", 5, 120),
        ("a", 6, 105),
        ("b", 7, 120),
    ]


def _sessions(schedule: Schedule) -> list[tuple[str, str, int]]:
    """(task, UTC weekday and time, minutes) of each session."""
    return [(s.task, s.start.strftime("%a %H:%M"), s.minutes) for s in schedule.sessions]


def test_the_bundled_plan_has_no_session_under_session_min_and_a_break_between_tasks() -> None:
    """The quickstart's calendar: every event is 30 min or more, and tasks never touch."""
    plan = load_plan(BUNDLED_PLAN)
    schedule = build_schedule(plan, availability_for(plan), MONDAY)
    assert min(s.minutes for s in schedule.sessions) >= 30
    for earlier, later in itertools.pairwise(schedule.sessions):
        assert later.start - earlier.end >= dt.timedelta(minutes=15), (earlier, later)
    # Its first session was 15 min at 20:45 on 26 Jan, after another task's in the same block.
    first = next(s for s in schedule.sessions if s.task == "google-pm-certificate")
    assert first.minutes >= 30


def test_a_task_smaller_than_session_min_gets_one_session_that_long() -> None:
    """A 15 min task is one 15 min session; the next task starts after a quarter-hour break."""
    plan = make_plan([phase("one", task("a", hours="15m"), task("b", hours=3))])
    assert _sessions(schedule_of(plan)) == [
        ("a", "Mon 19:00", 15),
        ("b", "Mon 19:30", 90),
        ("b", "Tue 19:00", 90),
    ]


def test_a_rest_of_a_block_shorter_than_session_min_stays_empty() -> None:
    """After 1h30m and the break 15 min are left: the next task waits for the next evening."""
    plan = make_plan([phase("one", task("a", hours=1.5), task("b", hours=1), task("c", hours=1))])
    # Mon: a until 20:30, then 15 min that hold no session. Tue: b, the break, 45 min that c's
    # hour does not fit: c waits for Wednesday's evening, which holds it whole.
    assert _sessions(schedule_of(plan)) == [
        ("a", "Mon 19:00", 90),
        ("b", "Tue 19:00", 60),
        ("c", "Wed 19:00", 60),
    ]


def test_a_session_is_shortened_to_leave_its_task_session_min() -> None:
    """2h15m in 2 h evenings is 1h45m and 30m, never 2 h and a 15 min tail."""
    plan = make_plan([phase("one", task("a", hours=2.25))])
    assert _sessions(schedule_of(plan)) == [("a", "Mon 19:00", 105), ("a", "Tue 19:00", 30)]


def test_a_slot_too_short_for_a_tasks_rest_goes_to_the_next_ready_task() -> None:
    """In an interleaved phase, 30 min that b's 45 min cannot use go to c; b gets Tuesday."""
    plan = make_plan(
        [
            phase(
                "one",
                task("a", hours=1.25),
                task("b", hours=0.75),
                task("c", hours=5),
                mode="interleave",
            )
        ]
    )
    # Mon: a 1h15m, the break, 30 min left: b's 45 min would leave a 15 min tail and 30 min
    # do not hold it whole, so c (next in turn) takes them. Tue: b, whose turn it still is.
    assert _sessions(schedule_of(plan))[:4] == [
        ("a", "Mon 19:00", 75),
        ("c", "Mon 20:30", 30),
        ("b", "Tue 19:00", 45),
        ("c", "Tue 20:00", 60),
    ]


def test_a_slot_no_ready_task_can_use_stays_empty() -> None:
    """45 min of work skip Monday's 30 min window and take Wednesday's hour whole."""
    plan = make_plan(
        [phase("one", task("a", hours=0.75))],
        hours_per_week=1.5,
        windows={"mon": "19:00-19:30", "wed": "19:00-20:00"},
    )
    assert _sessions(schedule_of(plan)) == [("a", "Wed 19:00", 45)]


def test_a_rest_no_block_can_ever_hold_is_split_with_a_short_last_session() -> None:
    """With only 30 min blocks, 45 min become 30 and 15: the one way to place them at all."""
    plan = make_plan(
        [phase("one", task("a", hours=0.75))],
        hours_per_week=2.5,
        windows={"mon-fri": "19:00-19:30"},
    )
    schedule = schedule_of(plan)
    assert schedule.pattern.longest_block == 30
    assert _sessions(schedule) == [("a", "Mon 19:00", 30), ("a", "Tue 19:00", 15)]


@pytest.mark.parametrize("days", ["mon", "mon-fri"])
def test_a_week_of_an_hour_and_a_quarter_is_placed_whole(days: str) -> None:
    """1.25 h a week in 19:00-20:00 and 20:30-21:00 windows: 75 min in every full week."""
    zone = ZoneInfo("Europe/Berlin")
    plan = make_plan(
        [phase("one", task("a", hours=20), task("b", hours=10))],
        hours_per_week=1.25,
        windows={days: ["19:00-20:00", "20:30-21:00"]},
        timezone="Europe/Berlin",
        session={"min": "30m", "max": "2h"},
    )
    schedule = schedule_of(plan)
    per_week: dict[dt.date, int] = defaultdict(int)
    for session in schedule.sessions:
        day = session.start.astimezone(zone).date()
        per_week[day - dt.timedelta(days=day.weekday())] += session.minutes
    weeks = sorted(per_week)
    assert len(weeks) == 24  # 30 h at 1.25 h a week
    assert {per_week[week] for week in weeks[:-1]} == {75}
    assert per_week[weeks[-1]] == 30 * 60 - 23 * 75


# 4. Milestones


def test_nominal_dates_are_the_start_plus_cumulative_weeks() -> None:
    """Nominal ends add the weeks in dependency order; ``after: []`` counts from the start."""
    plan = make_plan(
        [
            phase("one", task("a"), weeks=2),
            phase("two", task("b"), weeks=3),
            phase("three", task("c"), weeks=1, after=[]),
        ]
    )
    nominal = {p.key: (p.nominal_start, p.nominal_end) for p in schedule_of(plan).phases}
    assert nominal == {
        "one": (MONDAY, dt.date(2027, 1, 18)),  # + 2 weeks
        "two": (dt.date(2027, 1, 18), dt.date(2027, 2, 8)),  # + 2 + 3 weeks
        "three": (MONDAY, dt.date(2027, 1, 11)),  # + 1 week from the start
    }


def test_nominal_dates_follow_dependencies_not_file_order() -> None:
    """A phase above the phase it waits for gets the same nominal dates as one below it."""
    first = phase("first", task("a"), weeks=4, after=[])
    before = phase("before", task("x"), weeks=2, after=["b"])
    middle = phase("b", task("c"), weeks=4, after=["first"])
    below = phase("below", task("y"), weeks=2, after=["b"])
    nominal = {
        p.key: (p.nominal_start, p.nominal_end)
        for p in schedule_of(make_plan([first, before, middle, below])).phases
    }
    # first: 4 weeks from 4 Jan; b: 4 more; each of before and below: 2 weeks after b.
    assert nominal == {
        "first": (MONDAY, dt.date(2027, 2, 1)),
        "b": (dt.date(2027, 2, 1), dt.date(2027, 3, 1)),
        "before": (dt.date(2027, 3, 1), dt.date(2027, 3, 15)),
        "below": (dt.date(2027, 3, 1), dt.date(2027, 3, 15)),
    }
    for order in itertools.permutations([first, before, middle, below]):
        again = schedule_of(make_plan(list(order)))
        assert {p.key: (p.nominal_start, p.nominal_end) for p in again.phases} == nominal


def test_slip_days_are_negative_when_early_and_positive_when_late() -> None:
    """A phase with less work than its weeks ends early; one with more ends late."""
    plan = make_plan(
        [
            phase("short", task("a", hours=20), weeks=4),
            phase("long", task("b", hours=40), weeks=1),
        ]
    )
    schedule = schedule_of(plan)
    phases = {p.key: p for p in schedule.phases}
    # 20 h at 2 h an evening = 10 evenings: Mon 4 to Fri 15 Jan; nominal 4 weeks → 1 Feb.
    assert (phases["short"].end, phases["short"].nominal_end) == (
        dt.date(2027, 1, 15),
        dt.date(2027, 2, 1),
    )
    assert phases["short"].slip_days == -17
    # 40 h = 20 evenings from Mon 18 Jan to Fri 12 Feb; nominal 1 Feb + 1 week = 8 Feb.
    assert (phases["long"].end, phases["long"].nominal_end) == (
        dt.date(2027, 2, 12),
        dt.date(2027, 2, 8),
    )
    assert phases["long"].slip_days == 4
    # 40 h against a nominal 10 h is in the phase's fields; the report sums it up in one line.
    assert (phases["long"].effort, phases["long"].nominal_effort) == (40 * 60, 10 * 60)
    assert (phases["short"].effort, phases["short"].nominal_effort) == (20 * 60, 40 * 60)


def test_a_phase_with_more_work_than_its_weeks_gives_no_warning_of_its_own() -> None:
    """Work over a phase's nominal weeks is left to the report's one summary line."""
    plan = make_plan([phase("one", task("a", hours=30), task("b", hours=None), weeks=1)])
    schedule = schedule_of(plan)
    (one,) = schedule.phases
    # b's share is 5 h (half of 10 h as if no task had hours): 35 h against a nominal 10 h.
    assert (one.effort, one.nominal_effort) == (35 * 60, 10 * 60)
    assert schedule.warnings == ()


def test_phase_milestone_is_dated_by_its_last_session() -> None:
    """A phase ends on the local date of its last session, not of its last window."""
    zone = "Asia/Kolkata"  # UTC+5:30: 19:00-21:00 local is 13:30-15:30 UTC, same date
    plan = make_plan([phase("one", task("a", hours=3))], timezone=zone)
    schedule = schedule_of(plan)
    (one,) = schedule.phases
    last = schedule.sessions[-1]
    # 3 h = Monday's 2 h + Tuesday's first hour.
    assert last.start == dt.datetime(2027, 1, 5, 13, 30, tzinfo=dt.UTC)
    assert one.end == dt.date(2027, 1, 5)


def test_missed_deadlines_and_fixed_milestones_are_warned_by_name() -> None:
    """Date and relative deadlines and a fixed milestone's ``after`` each warn naming the task."""
    plan = make_plan(
        [
            phase(
                "one",
                task("a", hours=20, deadline="2027-01-10"),
                task("b", hours=4, deadline="+1w"),
                task("c", hours=2, deadline="+6w"),
                weeks=3,
                deadline="+2w",
            )
        ],
        milestones=[{"name": "Demo day", "date": "2027-01-12", "after": ["a"]}],
    )
    schedule = schedule_of(plan)
    # a: 10 evenings → Fri 15 Jan; b: Mon 18 + Tue 19; c: Wed 20, well before +6w (15 Feb).
    assert {t.key: t.deadline for t in schedule.tasks} == {
        "a": dt.date(2027, 1, 10),
        "b": dt.date(2027, 1, 11),  # start + 1 week
        "c": dt.date(2027, 2, 15),
    }
    assert warning_about(schedule, "task 'a'", "2027-01-15", "2027-01-10")
    assert warning_about(schedule, "task 'b'", "2027-01-19", "2027-01-11")
    assert warning_about(schedule, "phase 'one'", "2027-01-20", "2027-01-18")
    assert warning_about(schedule, "milestone 'demo-day'", "'a'", "2027-01-15")
    assert not any("'c'" in w for w in schedule.warnings)
    assert len(schedule.warnings) == 4


def test_deadlines_that_are_met_give_no_warning() -> None:
    """Work finishing on its deadline day is on time."""
    plan = make_plan(
        [phase("one", task("a", hours=10, deadline="2027-01-08"), weeks=1)],
        milestones=[{"name": "Review", "date": "2027-01-08", "after": ["one"]}],
    )
    # 10 h = Mon 4 to Fri 8 Jan, exactly the deadline and the milestone date.
    assert schedule_of(plan).warnings == ()


# 5. Progress


@pytest.mark.parametrize(
    ("logged", "share"),
    [
        (300, "5h logged, all of its 5h estimate,"),
        (295, "4h55m logged, nearly all of its 5h estimate,"),
        (420, "7h logged against its 5h estimate (+40 %)"),
    ],
)
def test_a_task_with_its_estimate_logged_but_not_done_stays_open(logged: int, share: str) -> None:
    """Logged time covering the estimate of an open task places one more session.min for it,
    with a warning that names the overrun and never reads "finished"."""
    plan = make_plan([phase("one", task("a", hours=5), task("b", hours=2, deadline="2027-01-04"))])
    actuals = Actuals(today=dt.date(2027, 1, 11), spent={"a": logged, "b": 120})
    schedule = schedule_of(plan, actuals=actuals)
    # b, with its deadline, goes first.
    assert [(s.task, s.minutes) for s in schedule.sessions] == [("b", 30), ("a", 30)]
    warning = warning_about(schedule, "task 'a'")
    assert warning == (
        f"task 'a' has {share} and is not marked done: 30m more is placed for it; log the "
        "time it still needs as its remaining effort, or mark it done"
    )
    # b missed its deadline and is not done either: it "finishes", never "finished".
    assert all("finished" not in w for w in schedule.warnings), schedule.warnings
    assert warning_about(schedule, "task 'b' finishes on 2027-01-11", "2027-01-04")


def test_a_remaining_figure_replaces_the_estimate_less_the_time_logged() -> None:
    """``--remaining 15h`` on a 25 h task with 45h30m logged places 15 h and names the overrun."""
    plan = make_plan([phase("one", task("a", hours=25), task("b", hours=4))], hours_per_week=10)
    actuals = Actuals(today=dt.date(2027, 1, 11), spent={"a": 2730, "b": 60}, remaining={"a": 900})
    schedule = schedule_of(plan, actuals=actuals)
    placed = defaultdict(int)
    for session in schedule.sessions:
        placed[session.task] += session.minutes
    assert dict(placed) == {"a": 900, "b": 180}
    assert {t.key: t.remaining for t in schedule.tasks} == {"a": 900, "b": 180}
    assert warning_about(schedule, "task 'a'") == (
        "task 'a' has 45h30m logged against its 25h estimate (+82 %); 15h more is placed for "
        "it, as re-estimated"
    )


# 6. Impossible input


def test_horizon_exceeded_raises_quickly() -> None:
    """Work that cannot end within the horizon is an error found before placing anything."""
    plan = make_plan([phase("one", task("a", hours=100_000))], hours_per_week=1)
    began = time.process_time()
    with pytest.raises(UnschedulableError, match="horizon"):
        schedule_of(plan, horizon_years=30)
    # 100 000 h at 1 h a week is ~1900 years; the check is arithmetic, not a 30-year walk.
    assert time.process_time() - began < 2


def test_work_just_past_a_short_horizon_raises() -> None:
    """60 h at 1 h a week needs about 61 weeks, more than a one-year horizon."""
    plan = make_plan([phase("one", task("a", hours=60))], hours_per_week=1)
    with pytest.raises(UnschedulableError, match="1-year horizon"):
        schedule_of(plan, horizon_years=1)
    assert schedule_of(plan, horizon_years=2).end < MONDAY + dt.timedelta(weeks=62)


@pytest.mark.parametrize("horizon_years", [1, 30, 1000, 8000])
def test_a_late_start_with_a_long_horizon_schedules_without_overflow(horizon_years: int) -> None:
    """Starting on 2199-12-31 works with any horizon; one past year 9999 ends there."""
    plan = make_plan(
        [phase("one", task("a", hours=20), weeks=2)],
        milestones=[{"name": "Far", "date": "2199-12-31", "after": ["one"]}],
    )
    schedule = schedule_of(plan, start=dt.date(2199, 12, 31), horizon_years=horizon_years)
    assert schedule.end == dt.date(2200, 1, 13)
    last = {1: dt.date(2200, 12, 31), 30: dt.date(2229, 12, 31), 1000: dt.date(3199, 12, 31)}
    assert horizon_end_of(dt.date(2199, 12, 31), horizon_years) == last.get(horizon_years, LAST_DAY)


@pytest.mark.parametrize(
    ("tasks", "weeks", "horizon", "match"),
    [
        ([task("a", hours=100_000)], 1, 100, r"100000 hours .* past the 100-year horizon"),
        ([task(f"a{i}", hours=100_000) for i in range(100)], 1, 1000, "1000-year horizon"),
        ([task(f"a{i}", hours=10_000) for i in range(100)], 1, 1000, "1000-year horizon"),
        ([task("a", hours=2)], 1000, 1, "phase 'one' is 1000 weeks long"),
    ],
)
def test_work_past_the_horizon_is_an_error_found_at_once(
    tasks: list[dict[str, Any]], weeks: float, horizon: int, match: str
) -> None:
    """The largest efforts and phase lengths a plan may hold raise UnschedulableError naming
    the horizon, fast (larger ones are refused when the plan is read: test_limits.py)."""
    plan = make_plan([phase("one", *tasks, weeks=weeks)])
    began = time.process_time()
    with pytest.raises(UnschedulableError, match=match) as info:
        schedule_of(plan, start=dt.date(2199, 12, 31), horizon_years=horizon)
    assert info.value.exit_code == 4
    assert time.process_time() - began < 1


def test_nominal_weeks_adding_up_past_the_horizon_are_an_error() -> None:
    """Phases of 1000 weeks each, one after the other, end nominally past a 30-year horizon."""
    plan = make_plan([phase(f"p{i}", task(f"a{i}"), weeks=1000) for i in range(3)])
    with pytest.raises(UnschedulableError, match="phase 'p1' would end nominally after the 30"):
        schedule_of(plan, horizon_years=30)


def test_a_deadline_past_the_last_date_is_an_input_error() -> None:
    """+36500d from a start late in 2199 is past the last date plan2cal handles: exit 3,
    naming the task and the deadline."""
    plan = make_plan([phase("one", task("a", deadline="+36500d"))])
    with pytest.raises(PlanError, match=r"task 'a': the deadline \+36500d") as info:
        schedule_of(plan, start=dt.date(2199, 12, 1))
    assert info.value.exit_code == 3


def test_slots_nobody_can_use_end_in_the_horizon_error_quickly() -> None:
    """2,000 tasks of 45 min, only Mondays hold one whole: 30 years of slots, then exit 4."""
    windows = {"mon": "19:00-20:00", "tue-sun": "19:00-19:30"}
    tasks = [task(f"t{i}", hours="45m") for i in range(2000)]
    for mode in ("interleave", "sequential"):
        plan = make_plan([phase("one", *tasks, mode=mode)], hours_per_week=4, windows=windows)
        began = time.process_time()
        with pytest.raises(UnschedulableError, match="do not fit before the end of the 30-year"):
            schedule_of(plan)
        assert time.process_time() - began < 2
    parallel = [phase(f"p{i}", task(f"t{i}", hours="45m"), after=[]) for i in range(2000)]
    plan = make_plan(parallel, hours_per_week=4, windows=windows)
    began = time.process_time()
    with pytest.raises(UnschedulableError, match="30-year horizon"):
        schedule_of(plan)
    assert time.process_time() - began < 2


def test_budget_below_session_min_is_an_error() -> None:
    """A weekly budget shorter than one session cannot be scheduled."""
    plan = make_plan([phase("one", task("a"))], hours_per_week=0.25)
    with pytest.raises(UnschedulableError, match="shortest session"):
        schedule_of(plan)


def test_no_usable_window_is_an_error() -> None:
    """Windows too short for a session leave nowhere to work."""
    plan = make_plan([phase("one", task("a"))], windows={"mon": "19:00-19:15"})
    with pytest.raises(UnschedulableError, match="no window"):
        schedule_of(plan)


# The result


def test_same_inputs_give_an_identical_schedule() -> None:
    """Scheduling is a pure function: two runs over separately loaded plans are equal."""
    phases = [
        phase("one", task("a", hours=5), task("b", hours=None), weeks=2),
        phase("two", task("c", hours=3), task("d", hours=None), mode="interleave", after=[]),
    ]
    first = schedule_of(make_plan(phases), start=THURSDAY)
    second = schedule_of(make_plan(phases), start=THURSDAY)
    assert first == second
    assert first.sessions == second.sessions


def test_session_ordinals_count_each_task_from_one_in_time_order() -> None:
    """Each task's sessions are numbered 1..n by start time, and its TaskPlan counts n."""
    plan = make_plan(
        [
            phase("one", task("a", hours=5), task("b", hours=3.5)),
            phase("two", task("c", hours=4), task("d", hours=4.5), mode="interleave", after=[]),
        ]
    )
    schedule = schedule_of(plan)
    by_task: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for session in schedule.sessions:
        by_task[session.task].append((session.start, session.ordinal))
    for scheduled in schedule.tasks:
        own = by_task[scheduled.key]
        assert [ordinal for _, ordinal in sorted(own)] == list(range(1, len(own) + 1))
        assert scheduled.sessions == len(own)
        assert schedule.session_counts()[scheduled.key] == len(own)
    assert max(len(own) for own in by_task.values()) > 1
