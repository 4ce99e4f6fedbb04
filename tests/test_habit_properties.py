"""Properties of habits (``every:``) over generated plans: their weekly amount, the budget they
share with project work, milestones that do not wait for them, and ``done`` ending them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plan2cal.errors import UnschedulableError
from plan2cal.habits import Rhythm, days_in_week, monday_of, week_quota
from plan2cal.model import Plan, parse_every
from plan2cal.schedule import Actuals, Schedule, TaskPlan, availability_for, build_schedule

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = ("UTC", "Europe/Berlin", "America/Toronto")
RHYTHMS = ("30m a week", "45m a week", "1h a week", "1h30m a week", "10m a day", "20m a day")
WINDOWS = (
    {"mon-fri": "18:00-21:00", "sat": "09:00-13:00"},
    {"mon-thu": "19:00-21:00", "sat": "09:00-12:00"},
    {"mon-sun": "07:00-08:30"},
)

# Windows a habit may have of its own; each overlaps every plan window above on some day.
HABIT_WINDOWS = ({"sat": "09:00-12:00", "sun": "07:00-08:30"}, {"mon-sun": "07:00-21:00"})


@dataclass(frozen=True)
class Case:
    """A generated plan with habits, its start, and the schedule built from them."""

    plan: Plan
    start: dt.date
    schedule: Schedule

    def __repr__(self) -> str:
        """The inputs only, enough to rebuild a falsifying example by hand."""
        spec = self.plan.model_dump(mode="json", exclude_defaults=True)
        return f"Case(start={self.start}, plan={spec})"

    @property
    def zone(self) -> ZoneInfo:
        """The plan's time zone."""
        return ZoneInfo(self.schedule.availability.timezone)

    def day(self, moment: dt.datetime) -> dt.date:
        """The local date of ``moment``."""
        return moment.astimezone(self.zone).date()

    def habits(self) -> list[TaskPlan]:
        """The scheduled habits."""
        return [task for task in self.schedule.tasks if task.habit is not None]

    def minutes_by_week(self, key: str) -> dict[dt.date, int]:
        """Monday → minutes of the task's sessions that week."""
        weeks: dict[dt.date, int] = defaultdict(int)
        for session in self.schedule.sessions:
            if session.task == key:
                weeks[monday_of(self.day(session.start))] += session.minutes
        return weeks


@st.composite
def plan_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A plan of one to three phases, each with project tasks and up to two habits; some
    habits run until a date, an offset or a later phase, some in windows of their own."""
    phase_count = draw(st.integers(1, 3))
    phases: list[dict[str, Any]] = []
    for p in range(phase_count):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 3))):
            task: dict[str, Any] = {"id": f"p{p}-t{t}", "name": f"Task {p}.{t}"}
            if draw(st.booleans()):
                task["hours"] = draw(st.integers(1, 12))
            tasks.append(task)
        for h in range(draw(st.integers(0, 2))):
            habit: dict[str, Any] = {
                "id": f"p{p}-h{h}",
                "name": f"Habit {p}.{h}",
                "every": draw(st.sampled_from(RHYTHMS)),
            }
            until = draw(st.sampled_from(("phase", "offset", "later", "task")))
            if until == "offset":
                habit["until"] = f"+{draw(st.integers(1, 6))}w"
            elif until == "later" and p + 1 < phase_count:
                habit["until"] = f"p{p + 1}"
            elif until == "task":
                habit["until"] = f"p{p}-t0"
            if draw(st.booleans()):
                habit["after"] = [f"p{p}-t0"]
            if draw(st.integers(0, 3)) == 0:  # windows of its own: the plan is restricted
                habit["windows"] = draw(st.sampled_from(HABIT_WINDOWS))
            tasks.insert(draw(st.integers(0, len(tasks))), habit)
        phases.append(
            {
                "id": f"p{p}",
                "name": f"Phase {p}",
                "weeks": draw(st.integers(1, 4)),
                "mode": draw(st.sampled_from(("sequential", "interleave"))),
                "tasks": tasks,
            }
        )
    return {
        "plan": "habits",
        "title": "Habits",
        "defaults": {
            "hours_per_week": draw(st.integers(5, 16)),
            "timezone": draw(st.sampled_from(ZONES)),
            "windows": draw(st.sampled_from(WINDOWS)),
            "session": {"min": "30m", "max": draw(st.sampled_from(("1h", "1h30m", "2h")))},
        },
        "phases": phases,
    }


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A schedulable generated plan with its schedule."""
    spec = draw(plan_specs())
    plan = Plan.model_validate(spec)
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    try:
        schedule = build_schedule(plan, availability_for(plan), start)
    except UnschedulableError:
        assume(False)  # the habits of a phase take the whole week: an error, tested elsewhere
        raise
    return Case(plan, start, schedule)


def _rhythm(task: TaskPlan) -> Rhythm:
    assert task.habit is not None
    return task.habit.rhythm


@PROPERTY_SETTINGS
@given(cases())
def test_no_week_holds_more_than_the_budget(case: Case) -> None:
    """Project work and habits together never take more than the weekly budget."""
    weeks: dict[dt.date, int] = defaultdict(int)
    for session in case.schedule.sessions:
        weeks[monday_of(case.day(session.start))] += session.minutes
    budget = round(case.schedule.availability.hours_per_week * 60)
    assert max(weeks.values(), default=0) <= budget


@PROPERTY_SETTINGS
@given(cases())
def test_a_habit_never_gets_more_than_its_week_is_due(case: Case) -> None:
    """No week gives a habit more than its amount, or its share of a week its span only
    partly covers; and it has no session outside its span."""
    smin = case.schedule.availability.session_min
    for task in case.habits():
        assert task.habit is not None
        first, last = task.habit.first_day, task.habit.last_day
        for monday, minutes in case.minutes_by_week(task.key).items():
            due = week_quota(_rhythm(task), days_in_week(monday, first, last), smin)
            assert minutes <= due, (task.key, monday, minutes, due)
        for session in case.schedule.sessions:
            if session.task == task.key:
                assert first <= case.day(session.start) <= last, (task.key, session)


@PROPERTY_SETTINGS
@given(cases())
def test_a_habit_gets_its_amount_in_every_whole_week_of_its_span(case: Case) -> None:
    """Every calendar week wholly inside a habit's span holds exactly its amount, or the
    schedule warns that the habit's windows cannot hold it (the week's budget is spread over
    its days first); and where the habits of a week take less than half of it and the habit
    has the plan's windows, it always gets its amount."""
    smin = case.schedule.availability.session_min
    weekly_budget = case.schedule.pattern.weekly_minutes
    reserved: dict[dt.date, int] = defaultdict(int)
    for task in case.habits():
        assert task.habit is not None
        first, last = task.habit.first_day, task.habit.last_day
        monday = monday_of(first)
        while monday <= last:
            reserved[monday] += week_quota(_rhythm(task), days_in_week(monday, first, last), smin)
            monday += dt.timedelta(days=7)
    own_windows = {
        task.key for phase in case.plan.phases for task in phase.tasks if task.windows is not None
    }
    for task in case.habits():
        assert task.habit is not None
        first, last = task.habit.first_day, task.habit.last_day
        warned = any(w.startswith(f"habit '{task.key}' gets less") for w in case.schedule.warnings)
        got = case.minutes_by_week(task.key)
        monday = monday_of(first) + dt.timedelta(days=7)
        while monday + dt.timedelta(days=6) <= last:
            due = week_quota(_rhythm(task), 7, smin)
            assert got.get(monday, 0) == due or warned, (task.key, monday, got.get(monday), due)
            if reserved[monday] * 2 <= weekly_budget and task.key not in own_windows:
                assert got.get(monday, 0) == due, (task.key, monday, got.get(monday), due)
            monday += dt.timedelta(days=7)


@PROPERTY_SETTINGS
@given(cases())
def test_milestones_do_not_wait_for_habits(case: Case) -> None:
    """A phase's milestone is the last day of its project work, whatever its habits do."""
    for phase in case.schedule.phases:
        work = [
            task.key
            for task in case.schedule.tasks
            if task.phase == phase.key and task.habit is None
        ]
        days = [case.day(s.start) for s in case.schedule.sessions if s.task in work]
        assert phase.end == max(days), phase.key


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_done_on_a_habit_ends_it_and_frees_its_time(case: Case, data: st.DataObject) -> None:
    """Marking a habit done on a day drops its sessions from that day on and places the same
    project work. (That the time goes back to the project is shown on the bundled plan in
    test_habits.py: greedy placement is not monotone, and a freed half hour can shift a
    session by a day either way, so no end-date bound holds for every plan.)"""
    habits = [task for task in case.habits() if task.sessions]
    assume(habits)
    task = data.draw(st.sampled_from(habits))
    assert task.habit is not None
    span = (task.habit.last_day - task.habit.first_day).days
    day = task.habit.first_day + dt.timedelta(days=data.draw(st.integers(0, max(0, span))))
    actuals = Actuals(today=case.start, done={task.key: day})
    after = build_schedule(case.plan, case.schedule.availability, case.start, actuals=actuals)
    assert not [s for s in after.sessions if s.task == task.key and case.day(s.start) >= day]
    kept = [s for s in after.sessions if s.task == task.key]
    before = [s for s in case.schedule.sessions if s.task == task.key]
    assert len(kept) <= len(before)
    project = {t.key for t in case.schedule.tasks if t.habit is None}
    project_before = sum(s.minutes for s in case.schedule.sessions if s.task in project)
    project_after = sum(s.minutes for s in after.sessions if s.task in project)
    assert project_after == project_before  # the same project work, placed
    assert after.end <= case.schedule.end + dt.timedelta(days=7)


def test_the_rhythms_of_the_strategy_parse() -> None:
    """The generated rhythms are valid, so the properties above do not only see errors."""
    assert [parse_every(text)[1] for text in RHYTHMS].count("day") == 2
