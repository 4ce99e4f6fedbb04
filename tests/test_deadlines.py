"""Deadlines that shape the schedule (DESIGN §4 rule 2): effective deadlines and the order they
give, continuity within a day, waits and lags, the logged past, and misses reported as data."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from plan2cal.errors import PlanError, UnschedulableError
from plan2cal.fit import fit_budget
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import (
    Actuals,
    LoggedDay,
    Miss,
    Schedule,
    WaitSpan,
    availability_for,
    build_schedule,
)

MONDAY = dt.date(2027, 1, 4)
EVENINGS = {"mon-fri": "19:00-21:00"}  # 2 h a weekday: 10 h a week, one 2 h block a day
THESIS_PLAN = ROOT / "plans" / "phd-thesis.yaml"
TORONTO = ZoneInfo("America/Toronto")


def make_plan(
    phases: list[dict[str, Any]],
    *,
    hours_per_week: float = 10,
    windows: dict[str, Any] | None = None,
    milestones: list[dict[str, Any]] | None = None,
    session: dict[str, str] | None = None,
) -> Plan:
    """A plan of the given phases; by default 10 h a week on weekday evenings in UTC."""
    return Plan.model_validate(
        {
            "plan": "deadlines",
            "title": "Deadline tests",
            "defaults": {
                "hours_per_week": hours_per_week,
                "timezone": "UTC",
                "windows": windows if windows is not None else EVENINGS,
                "session": session or {},
            },
            "phases": phases,
            "milestones": milestones or [],
        }
    )


def phase(key: str, *tasks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A phase with the given tasks and no nominal weeks."""
    return {"id": key, "name": key.title(), "tasks": list(tasks), **extra}


def task(key: str, hours: float | str | None = 2, **extra: Any) -> dict[str, Any]:
    """A task; ``hours=None`` for a wait (give ``wait=``)."""
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


def by_key(schedule: Schedule) -> dict[str, Any]:
    """Task id → its TaskPlan."""
    return {t.key: t for t in schedule.tasks}


UTC_ZONE = ZoneInfo("UTC")


def day_of(moment: dt.datetime, zone: ZoneInfo = UTC_ZONE) -> dt.date:
    """The local date of ``moment``."""
    return moment.astimezone(zone).date()


# 1. Effective deadlines and the order they give


def test_ready_work_goes_by_effective_deadline_then_priority_then_file_order() -> None:
    """Three phases side by side: the earliest deadline first, equal deadlines by priority, then
    file order; a phase's deadline is its tasks'."""
    plan = make_plan(
        [
            phase("one", task("a", deadline="2027-03-01"), task("b", deadline="2027-02-01")),
            phase("two", task("c", priority="high"), after=[], deadline="2027-03-01"),
            phase("three", task("d", deadline="2027-02-01", priority="high"), after=[]),
        ]
    )
    # d and b are due first (d has the better priority); c and a next (c has priority high).
    assert runs(schedule_of(plan)) == ["d", "b", "c", "a"]


def test_without_deadline_first_the_phases_take_turns() -> None:
    """The same plan with the ordering off: phases in turn, one evening each."""
    plan = make_plan(
        [
            phase("one", task("a", deadline="2027-03-01"), task("b", deadline="2027-02-01")),
            phase("two", task("c", priority="high"), after=[], deadline="2027-03-01"),
            phase("three", task("d", deadline="2027-02-01", priority="high"), after=[]),
        ]
    )
    assert runs(schedule_of(plan, deadline_first=False)) == ["a", "c", "d", "b"]


def test_a_deadline_reaches_back_through_what_waits_for_it() -> None:
    """Work a deadline's task waits for gets the deadline less the work after it: 10 h of y
    at 10 h a week is 7 days before y's deadline, and the 3-day lag 3 days more."""
    plan = make_plan(
        [
            phase("free", task("x", hours=4), after=[]),
            phase(
                "due",
                task("w", hours=4),
                task("y", hours=10, deadline="2027-03-31", after=[{"id": "w", "lag": "3d"}]),
                after=[],
            ),
        ]
    )
    schedule = schedule_of(plan)
    tasks = by_key(schedule)
    assert tasks["y"].effective_deadline == dt.date(2027, 3, 31)
    assert tasks["w"].effective_deadline == dt.date(2027, 3, 31) - dt.timedelta(days=7 + 3)
    assert tasks["x"].effective_deadline is None
    # w, with a deadline after it, goes before x, which has none.
    assert runs(schedule)[:2] == ["w", "x"]


def test_a_fixed_milestone_gives_its_date_to_the_work_it_waits_for() -> None:
    """A milestone's ``after`` is due by its date: that phase's work goes first."""
    plan = make_plan(
        [phase("early", task("a", hours=4)), phase("late", task("b", hours=4), after=[])],
        milestones=[{"id": "demo", "name": "Demo", "date": "2027-02-01", "after": ["late"]}],
    )
    assert runs(schedule_of(plan)) == ["b", "a"]


def test_a_hopeless_chain_due_later_does_not_make_an_earlier_deadline_miss() -> None:
    """A 100 h chain due in 6 weeks cannot make it whatever comes first; the 10 h task due in 4
    weeks goes first and makes its date, and the chain's miss is no later for it."""
    plan = make_plan(
        [
            phase(
                "thesis",
                task("t1", hours=40),
                task("t2", hours=40, after=["t1"]),
                task("t3", hours=20, after=["t2"], deadline="2027-02-12"),
            ),
            phase("paper", task("p", hours=10, priority="highest"), after=[]),
        ],
        milestones=[{"id": "paper-due", "name": "Paper due", "date": "2027-01-29", "after": ["p"]}],
    )
    schedule = schedule_of(plan)
    tasks = by_key(schedule)
    assert runs(schedule)[0] == "p"
    assert tasks["p"].end_date <= dt.date(2027, 1, 29)
    # 110 h at 10 h a week: eleven weeks whatever the order.
    assert tasks["t3"].end_date == dt.date(2027, 3, 19)
    assert [(m.kind, m.key, m.days_late) for m in schedule.misses] == [("task", "t3", 35)]


def test_work_without_a_deadline_keeps_the_phases_modes() -> None:
    """No deadline anywhere: the same schedule with the ordering on or off."""
    plan = make_plan(
        [
            phase("one", task("a", hours=3), task("b", hours=3, priority="high")),
            phase("two", task("x"), task("y"), mode="interleave", after=[]),
        ]
    )
    assert schedule_of(plan) == schedule_of(plan, deadline_first=False)
    # Evenings by turns: b, x, b's last hour and then 45 min that y's 2 h would be chopped into
    # (it waits for a whole evening) but a, longer than any evening, takes; y; a.
    assert runs(schedule_of(plan)) == ["b", "x", "b", "a", "y", "a"]


# 2. Continuity


SUNDAYS = {"sun": "13:00-17:00"}  # one 4 h window: a 2 h block and a 1h45m block


def test_the_task_in_progress_keeps_the_day_until_session_max() -> None:
    """Two phases side by side on a Sunday of two blocks: the first block's task does not
    continue past session.max, so the second block goes to the other phase."""
    plan = make_plan(
        [phase("one", task("a", hours=6)), phase("two", task("b", hours=6), after=[])],
        hours_per_week=3.75,
        windows=SUNDAYS,
    )
    schedule = schedule_of(plan)
    first_sunday = [s for s in schedule.sessions if day_of(s.start) == dt.date(2027, 1, 10)]
    assert [(s.task, s.minutes) for s in first_sunday] == [("a", 120), ("b", 105)]


def test_a_task_in_progress_under_session_max_is_not_interrupted() -> None:
    """With session.max 3 h, the first block's task also takes the day's other blocks until it
    has had 3 h: the other phase waits for the next Sunday."""
    plan = make_plan(
        [phase("one", task("a", hours=6)), phase("two", task("b", hours=6), after=[])],
        hours_per_week=3.75,
        windows={"sun": ["13:00-14:00", "14:15-15:15", "15:30-17:15"]},
        session={"min": "30m", "max": "3h"},
    )
    schedule = schedule_of(plan)
    first_sunday = [s for s in schedule.sessions if day_of(s.start) == dt.date(2027, 1, 10)]
    assert [(s.task, s.minutes) for s in first_sunday] == [("a", 60), ("a", 60), ("a", 105)]
    second_sunday = [s for s in schedule.sessions if day_of(s.start) == dt.date(2027, 1, 17)]
    assert second_sunday[0].task == "b"


def test_interleave_rotates_at_day_boundaries_not_inside_a_day() -> None:
    """An interleaved phase gives all of a day's blocks to one task, the next day to the next."""
    plan = make_plan(
        [phase("one", task("x", hours=8), task("y", hours=8), mode="interleave")],
        hours_per_week=7.5,
        windows={"sat-sun": ["09:00-11:00", "14:00-15:45"]},
    )
    schedule = schedule_of(plan)
    per_day: dict[dt.date, list[str]] = defaultdict(list)
    for session in schedule.sessions:
        per_day[day_of(session.start)].append(session.task)
    days = sorted(per_day)
    assert [per_day[day] for day in days[:3]] == [["x", "x"], ["y", "y"], ["x", "x"]]


def test_a_task_due_within_a_week_is_split_rather_than_kept_whole() -> None:
    """The 45 min after a 1 h task go to the next task's hour when it is due within 7 days;
    due later, it waits for an evening that holds it whole."""

    def sessions(due: str) -> list[tuple[str, str, int]]:
        plan = make_plan(
            [
                phase(
                    "one",
                    task("a", hours=1, deadline="2027-01-04"),
                    task("b", hours=1, deadline=due),
                )
            ]
        )
        return [
            (s.task, s.start.strftime("%a %H:%M"), s.minutes) for s in schedule_of(plan).sessions
        ]

    assert sessions("2027-01-06") == [
        ("a", "Mon 19:00", 60),
        ("b", "Mon 20:15", 30),
        ("b", "Tue 19:00", 30),
    ]
    assert sessions("2027-02-26") == [("a", "Mon 19:00", 60), ("b", "Tue 19:00", 60)]


def test_task_switches_count_changes_of_task_within_a_day() -> None:
    """Schedule.task_switches counts, per local day, how often the work changes task."""
    plan = make_plan(
        [phase("one", task("a", hours=1), task("b", hours="45m", deadline="2027-01-05"))]
    )
    schedule = schedule_of(plan)
    assert [(s.task, s.minutes) for s in schedule.sessions] == [("b", 45), ("a", 60)]
    assert schedule.task_switches() == {MONDAY: 1}


# 3. Waiting


def test_a_lag_holds_the_work_after_it_for_whole_days() -> None:
    """``lag: 2w`` after a task that ends on Monday lets the next start on Monday two weeks on."""
    plan = make_plan(
        [phase("one", task("send", hours=1), task("revise", after=[{"id": "send", "lag": "2w"}]))]
    )
    schedule = schedule_of(plan)
    tasks = by_key(schedule)
    assert tasks["send"].end_date == MONDAY
    assert day_of(tasks["revise"].start) == MONDAY + dt.timedelta(weeks=2)
    assert tasks["revise"].lags == (("send", 14),)


def test_a_wait_takes_calendar_days_and_no_budget() -> None:
    """A ``wait: 10d`` task is a span from the day its prerequisite ends; other work goes on
    meanwhile and what comes after it starts the day after its last day."""
    plan = make_plan(
        [
            phase(
                "one",
                task("send", hours=1),
                task("review", hours=None, wait="10d", after=["send"]),
                task("revise", after=["review"]),
            ),
            phase("two", task("other", hours=10), after=[]),
        ]
    )
    schedule = schedule_of(plan)
    tasks = by_key(schedule)
    (span,) = schedule.waits
    assert span == WaitSpan("review", MONDAY, MONDAY + dt.timedelta(days=9))
    assert span.days == 10
    assert tasks["review"].wait == span
    assert (tasks["review"].sessions, tasks["review"].effort, tasks["review"].remaining) == (
        0,
        0,
        0,
    )
    assert tasks["review"].end_date == span.last_day
    assert day_of(tasks["revise"].start) == MONDAY + dt.timedelta(days=10)
    # "other" fills the waiting time.
    assert all(
        s.task == "other" for s in schedule.sessions if MONDAY < day_of(s.start) < span.last_day
    )


def test_a_fixed_milestone_in_after_holds_the_work_until_its_date() -> None:
    """``after: [approval]`` starts the task on the milestone's date at the earliest."""
    plan = make_plan(
        [phase("one", task("a", hours=1), task("b", after=["approval"]))],
        milestones=[{"id": "approval", "name": "Approval", "date": "2027-01-13"}],
    )
    tasks = by_key(schedule_of(plan))
    assert day_of(tasks["b"].start) == dt.date(2027, 1, 13)
    assert tasks["b"].after == () and tasks["b"].after_milestones == ("approval",)


def test_a_milestone_in_after_also_waits_for_its_own_work() -> None:
    """A milestone whose work ends after its date is done when the work is."""
    plan = make_plan(
        [phase("one", task("a", hours=6), task("b", after=["approval"]), after=[])],
        milestones=[{"id": "approval", "name": "Approval", "date": "2027-01-05", "after": ["a"]}],
    )
    schedule = schedule_of(plan)
    tasks = by_key(schedule)
    # a ends on Wednesday (6 h at 2 h an evening), after the milestone's Tuesday: b waits.
    assert tasks["a"].end_date == dt.date(2027, 1, 6)
    assert tasks["b"].start >= tasks["a"].finish
    assert [(m.kind, m.key, m.days_late, m.late) for m in schedule.misses] == [
        ("milestone", "approval", 1, ("a",))
    ]


def test_a_wait_moves_when_what_it_waits_for_slips() -> None:
    """A rerun with the prerequisite unfinished moves the wait and the work after it."""
    plan = make_plan(
        [
            phase(
                "one",
                task("send", hours=4),
                task("review", hours=None, wait="1w", after=["send"]),
                task("revise", after=["review"]),
            )
        ]
    )
    before = schedule_of(plan)
    later = schedule_of(plan, actuals=Actuals(today=dt.date(2027, 1, 11)))
    assert before.waits[0].first_day == dt.date(2027, 1, 5)
    assert later.waits[0].first_day == dt.date(2027, 1, 12)
    assert day_of(by_key(later)["revise"].start) == dt.date(2027, 1, 19)


def test_a_done_wait_ends_on_its_done_date() -> None:
    """A review back early: what follows may start on the day it was marked done."""
    plan = make_plan(
        [
            phase(
                "one",
                task("send", hours=2),
                task("review", hours=None, wait="2w", after=["send"]),
                task("revise", after=["review"]),
            )
        ]
    )
    actuals = Actuals(
        today=dt.date(2027, 1, 8), done={"send": MONDAY, "review": dt.date(2027, 1, 8)}
    )
    schedule = schedule_of(plan, actuals=actuals)
    assert schedule.waits == (WaitSpan("review", MONDAY, dt.date(2027, 1, 7)),)
    assert day_of(by_key(schedule)["revise"].start) == dt.date(2027, 1, 8)


def test_waits_past_the_horizon_are_an_error() -> None:
    """Ten-year waits chained past the horizon end in the horizon error, not an overflow."""
    chain = [task("w0", hours=None, wait="3650d")]
    chain += [task(f"w{i}", hours=None, wait="3650d", after=[f"w{i - 1}"]) for i in range(1, 5)]
    plan = make_plan([phase("one", *chain, task("end", after=["w4"]))])
    with pytest.raises(UnschedulableError, match="horizon"):
        schedule_of(plan, horizon_years=30)


# 4. The logged past


def test_logged_time_fills_the_windows_of_its_day_earliest_first() -> None:
    """Two tasks logged on one past evening go back to back from 19:00; time that does not fit
    the day's windows is one all-day note; a planned session that did not happen is gone."""
    plan = make_plan([phase("one", task("a", hours=10), task("b", hours=10), mode="interleave")])
    actuals = Actuals(
        today=dt.date(2027, 1, 11),
        logged={
            "a": [(MONDAY, 50), (dt.date(2027, 1, 6), 200)],
            "b": [(MONDAY, 40), (MONDAY, 15)],
        },
    )
    schedule = schedule_of(plan, actuals=actuals)
    past = [s for s in schedule.sessions if s.done]
    assert [(s.task, s.start.strftime("%a %H:%M"), s.minutes, s.logged) for s in past] == [
        ("a", "Mon 19:00", 50, True),
        ("b", "Mon 19:50", 55, True),
    ]
    assert schedule.logged_days == (LoggedDay("a", dt.date(2027, 1, 6), 200),)
    # Remaining effort: 10 h less what was logged, placed from today.
    placed = defaultdict(int)
    for session in schedule.sessions:
        if not session.done:
            assert day_of(session.start) >= dt.date(2027, 1, 11)
            placed[session.task] += session.minutes
    assert dict(placed) == {"a": 600 - 255, "b": 600 - 60}
    # Ordinals count the past first.
    assert [s.ordinal for s in schedule.sessions if s.task == "a"][:2] == [1, 2]


def test_time_logged_today_is_a_note_beside_the_sessions_placed_today() -> None:
    """Today's log cannot take a window the rest of today's work is placed in: it is a note."""
    plan = make_plan([phase("one", task("a", hours=4))])
    actuals = Actuals(today=MONDAY, logged={"a": [(MONDAY, 60)]})
    schedule = schedule_of(plan, actuals=actuals)
    assert schedule.logged_days == (LoggedDay("a", MONDAY, 60),)
    assert [s.minutes for s in schedule.sessions] == [120, 60]


def test_a_done_task_with_logs_shows_its_logs_and_one_without_its_shown_sessions() -> None:
    """Done with log entries: the logged time; done without: the sessions shown, to its date."""
    plan = make_plan([phase("one", task("a", hours=4), task("b", hours=4))])
    first = schedule_of(plan)
    history = defaultdict(list)
    for session in first.sessions:
        history[session.task].append((session.start, session.end))
    actuals = Actuals(
        today=dt.date(2027, 1, 11),
        done={"a": dt.date(2027, 1, 5), "b": dt.date(2027, 1, 7)},
        logged={"a": [(MONDAY, 30), (dt.date(2027, 1, 5), 90)]},
        history=history,
    )
    schedule = schedule_of(plan, actuals=actuals)
    a = [
        (s.start.strftime("%a %H:%M"), s.minutes, s.logged)
        for s in schedule.sessions
        if s.task == "a"
    ]
    b = [
        (s.start.strftime("%a %H:%M"), s.minutes, s.logged)
        for s in schedule.sessions
        if s.task == "b"
    ]
    assert a == [("Mon 19:00", 30, True), ("Tue 19:00", 90, True)]
    assert b == [("Wed 19:00", 120, False), ("Thu 19:00", 120, False)]


def test_logged_time_keeps_clear_of_the_sessions_a_done_task_keeps() -> None:
    """A log on a day a done task kept a session goes after it in the window."""
    plan = make_plan([phase("one", task("a", hours=1), task("b", hours=4))])
    actuals = Actuals(today=dt.date(2027, 1, 11), done={"a": MONDAY}, logged={"b": [(MONDAY, 45)]})
    schedule = schedule_of(plan, actuals=actuals)
    monday = [
        (s.task, s.start.strftime("%H:%M"), s.minutes)
        for s in schedule.sessions
        if day_of(s.start) == MONDAY
    ]
    assert monday == [("a", "19:00", 60), ("b", "20:00", 45)]


# 5. Misses as data


def test_every_missed_date_is_a_structured_miss_with_its_days_late() -> None:
    """Task and phase deadlines and a fixed milestone, each with due date, finish, days late."""
    plan = make_plan(
        [phase("one", task("a", hours=20, deadline="2027-01-10"), deadline="2027-01-12")],
        milestones=[{"id": "demo", "name": "Demo", "date": "2027-01-13", "after": ["a"]}],
    )
    schedule = schedule_of(plan)
    assert schedule.misses == (
        Miss("task", "a", "A", dt.date(2027, 1, 10), dt.date(2027, 1, 15)),
        Miss("phase", "one", "One", dt.date(2027, 1, 12), dt.date(2027, 1, 15)),
        Miss("milestone", "demo", "Demo", dt.date(2027, 1, 13), dt.date(2027, 1, 15), ("a",)),
    )
    assert [m.days_late for m in schedule.misses] == [5, 3, 2]
    assert len(schedule.warnings) == 3


# 6. Plan-file syntax


SYNTAX_PLAN = """\
plan: syntax
title: Syntax
phases:
  - id: one
    name: One
    weeks: 1
    tasks:
      - {id: send, name: Send, hours: 1}
      - id: revise
        name: Revise
        LINES
  - id: two
    name: Two
    tasks:
      - {id: demo, name: Demo task, hours: 1}
milestones:
  - {id: demo, name: Demo, date: 2027-03-01}
"""


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["after: [{id: sendd, lag: 2w}]"],
            "phases[0].tasks[1].after[0]: unknown task, phase or milestone id 'sendd'; did you "
            "mean 'send'?",
        ),
        (
            ["after: [{id: send, lag: -1d}]"],
            "phases[0].tasks[1].after[0].lag: '-1d' is negative; a wait cannot end before it "
            "starts",
        ),
        (
            ["after: [{id: send, lag: 4000d}]"],
            "phases[0].tasks[1].after[0].lag: '4000d' is longer than 3,650 days (ten years), the "
            "longest wait plan2cal takes",
        ),
        (
            ["after: [{id: send, lag: 3}]"],
            "phases[0].tasks[1].after[0].lag: '3' is not a length of calendar time; write it in "
            "days or weeks, such as 10d or 2w",
        ),
        (
            ["after: [{id: send, lagg: 2w}]"],
            "phases[0].tasks[1].after[0].lagg: unknown field 'lagg'; did you mean 'lag'?",
        ),
        (["wait: 0d"], "phases[0].tasks[1].wait: a wait must be at least one day (1d)"),
        (
            ["wait: 2w", "hours: 3"],
            "phases[0].tasks[1].wait: a task is either work (hours) or a wait, not both; split "
            "it into a task with the hours and a wait after it",
        ),
        (
            ["after: [demo]"],
            "phases[0].tasks[1].after[0]: 'demo' is both the id of phases[1].tasks[0].id and of "
            "a fixed milestone; give the milestone an id of its own",
        ),
    ],
    ids=[
        "unknown-id",
        "negative",
        "absurd",
        "bare-number",
        "misspelt-key",
        "zero-wait",
        "both",
        "ambiguous",
    ],
)
def test_lag_and_wait_errors_name_the_file_line_and_field(
    write_plan: Any, lines: list[str], expected: str
) -> None:
    """Every problem with a lag, a wait or a link is ``file:line: field: message``."""
    path: Path = write_plan(SYNTAX_PLAN.replace("LINES", "\n        ".join(lines)))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(info.value) == f"{path}:11: {expected}"


def test_plain_ids_links_and_waits_read_the_same_in_yaml() -> None:
    """``after: [x]`` is a link with no lag; ``lag`` and ``wait`` read days and weeks."""
    plan = make_plan(
        [
            phase(
                "one",
                task("x"),
                task("y", after=["x", {"id": "x", "lag": "10d"}]),
                task("z", hours=None, wait="2w", after=[{"id": "y"}]),
            )
        ]
    )
    y, z = plan.phases[0].tasks[1], plan.phases[0].tasks[2]
    assert [(link.id, link.lag) for link in y.after] == [("x", 0), ("x", 10)]
    assert z.wait == 14 and z.after[0].lag == 0


# 7. The thesis: a real plan with two hard dates


@pytest.fixture(scope="module")
def thesis() -> Plan:
    """plans/phd-thesis.yaml, the example for users."""
    return load_plan(THESIS_PLAN)


def thesis_schedule(plan: Plan, **kwargs: Any) -> Schedule:
    """The thesis scheduled from its own start."""
    assert plan.defaults.start is not None
    return build_schedule(plan, availability_for(plan), plan.defaults.start, **kwargs)


def overrun(today: dt.date, remaining_hours: int) -> Actuals:
    """Round 1 took 45h30m on weekday mornings from 4 Nov (against 30 h) and needs
    ``remaining_hours`` more; the outline was done on 3 Nov."""
    mornings = [
        day
        for day in (dt.date(2026, 11, 4) + dt.timedelta(days=n) for n in range(40))
        if day.weekday() < 5
    ]
    logged = [(day, 120) for day in mornings[:22]] + [(mornings[22], 90)]
    return Actuals(
        today=today,
        done={"paper-outline": dt.date(2026, 11, 3)},
        logged={"exp-run-1": logged},
        remaining={"exp-run-1": remaining_hours * 60},
    )


def test_the_thesis_plan_schedules_cleanly(thesis: Plan) -> None:
    """The example makes both dates at 12 h a week, with no warning."""
    schedule = thesis_schedule(thesis)
    assert schedule.warnings == ()
    assert schedule.misses == ()
    assert by_key(schedule)["submit-admin"].end_date <= dt.date(2027, 6, 30)


def test_the_paper_makes_its_deadline_by_ordering_alone(thesis: Plan) -> None:
    """At the same 12 h, deadline-first ordering finishes the paper by 15 March; phases taking
    turns would not."""
    on = {p.key: p for p in thesis_schedule(thesis).phases}
    off = thesis_schedule(thesis, deadline_first=False)
    assert on["paper"].end <= dt.date(2027, 3, 15)
    assert [(m.kind, m.key) for m in off.misses] == [("phase", "paper")]
    assert {p.key: p for p in off.phases}["paper"].end > dt.date(2027, 3, 15)


def test_the_thesis_reviews_hold_their_two_weeks(thesis: Plan) -> None:
    """Nothing after a review starts before its two weeks are over: the chapter's ``lag: 2w``
    and the full draft's ``wait: 2w``; round 2 waits for the ethics approval."""
    schedule = thesis_schedule(thesis)
    tasks = by_key(schedule)
    sent = tasks["lit-send"].end_date
    assert day_of(tasks["lit-revise"].start, TORONTO) >= sent + dt.timedelta(days=14)
    review = tasks["supervisor-review"].wait
    assert review is not None and review.days == 14
    assert review.first_day == tasks["send-draft"].end_date
    assert day_of(tasks["address-comments"].start, TORONTO) > review.last_day
    assert day_of(tasks["exp-run-2"].start, TORONTO) >= dt.date(2026, 12, 14)
    # The paper's co-author wait is a span too, and no session falls on it for the paper.
    assert [w.task for w in schedule.waits] == ["paper-coauthors", "supervisor-review"]


def test_a_rerun_after_an_overrun_reports_the_thesis_miss(thesis: Plan) -> None:
    """45h30m logged on a 30 h round with 15 h more to go: the logged mornings are the past,
    15 h are placed from today, the overrun is named, and the thesis date is a miss."""
    today = dt.date(2026, 12, 7)
    schedule = thesis_schedule(thesis, actuals=overrun(today, 15))
    run_1 = [s for s in schedule.sessions if s.task == "exp-run-1"]
    assert sum(s.minutes for s in run_1 if s.logged) == 45 * 60 + 30
    assert all(day_of(s.start, TORONTO) < today for s in run_1 if s.done)
    assert sum(s.minutes for s in run_1 if not s.done) == 15 * 60
    assert by_key(schedule)["exp-run-1"].remaining == 15 * 60
    assert (
        "task 'exp-run-1' has 45h30m logged against its 30h estimate (+52 %); 15h more is "
        "placed for it, as re-estimated"
    ) in schedule.warnings
    (miss,) = schedule.misses
    assert (miss.kind, miss.key, miss.due, miss.late) == (
        "milestone",
        "thesis-due",
        dt.date(2027, 6, 30),
        ("submit-admin",),
    )
    assert miss.days_late == (miss.finish - dt.date(2027, 6, 30)).days > 0
    # The paper is still on time.
    assert {p.key: p for p in schedule.phases}["paper"].end <= dt.date(2027, 3, 15)


def test_fit_names_the_missing_hours_and_what_could_be_cut(thesis: Plan) -> None:
    """With 40 h more for round 1, no budget the windows allow makes 30 June: fit says how many
    hours are missing by then and which tasks end after it, all already ordered by deadline."""
    assert thesis.defaults.start is not None
    actuals = overrun(dt.date(2026, 12, 7), 40)
    answer = fit_budget(
        thesis,
        availability_for(thesis),
        thesis.defaults.start,
        actuals,
        dt.date(2027, 6, 30),
        "thesis-due",
    )
    assert answer.budget is None and answer.earliest > dt.date(2027, 6, 30)
    assert answer.missing > 0
    assert answer.missing == sum(task.after_date for task in answer.late)
    assert [task.key for task in answer.late][-1] == "submit-admin"
    assert all(task.end > dt.date(2027, 6, 30) for task in answer.late)
    assert answer.deadline_first
    # With 15 h more the windows still hold enough: a budget makes it.
    easier = fit_budget(
        thesis,
        availability_for(thesis),
        thesis.defaults.start,
        overrun(dt.date(2026, 12, 7), 15),
        dt.date(2027, 6, 30),
        "thesis-due",
    )
    assert easier.budget is not None and easier.missing == 0 and easier.late == ()


def test_fit_says_when_deadline_first_ordering_does_not_reach_the_target() -> None:
    """A date asked of a phase with no deadline: its tasks have none, so ordering by deadline
    cannot be what puts them first."""
    plan = make_plan(
        [phase("one", task("a", hours=20)), phase("two", task("b", hours=20), after=[])]
    )
    answer = fit_budget(plan, availability_for(plan), MONDAY, None, dt.date(2027, 1, 8), "two")
    assert answer.budget is None
    assert [task.key for task in answer.late] == ["b"]
    assert not answer.deadline_first
