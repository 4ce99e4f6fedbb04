"""``fit``: the smallest weekly budget, in half hours, with which the scheduler makes a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED_PLAN
from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.fit import fit_budget, target_date
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import (
    Actuals,
    Schedule,
    availability_for,
    build_schedule,
    effort_basis_for,
)
from plan2cal.worktime import Availability, week_pattern
from strategies import window_specs

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

START = dt.date(2027, 1, 4)
# Six two-hour windows a week: at most 12 h. "notes" has no hours: at the plan's 4 h a week it
# gets half of the phase's 16 h (its share as if no task had hours, more than the 4 h left over),
# whatever budget fit tries: 8 h.
PLAN = """\
plan: fitting
title: Fitting
defaults:
  timezone: Europe/Berlin
  hours_per_week: 4
  windows: {mon-fri: "19:00-21:00", sat: "09:00-11:00"}
  start: 2027-01-04
phases:
  - id: learn
    name: Learn
    weeks: 4
    tasks:
      - {id: course, name: Course, hours: 12}
      - {id: notes, name: Notes}
  - id: build
    name: Build
    tasks:
      - {id: app, name: App, hours: 10}
milestones:
  - {id: demo-day, name: Demo day, date: 2027-03-01, after: [build]}
"""
MOST = 12.0


@pytest.fixture
def plan(write_plan: WritePlan) -> Plan:
    """The plan above, loaded from its file."""
    return load_plan(write_plan(PLAN))


def build_at(plan: Plan, budget: float) -> Schedule | None:
    """The schedule at ``budget`` a week with the work the plan's own budget derives."""
    availability = availability_for(plan)
    trial = dataclasses.replace(availability, hours_per_week=budget)
    try:
        return build_schedule(plan, trial, START, effort_basis=availability.hours_per_week)
    except UnschedulableError:
        return None


def finish(plan: Plan, budget: float, target: str | None = None) -> dt.date | None:
    """When the plan, or one phase of it, ends at ``budget`` a week (None: never)."""
    schedule = build_at(plan, budget)
    if schedule is None:
        return None
    if target is None:
        return schedule.end
    return next(phase.end for phase in schedule.phases if phase.key == target)


def availability(plan: Plan) -> Availability:
    """The plan's own availability."""
    return availability_for(plan)


@pytest.mark.parametrize("by", ["2027-01-22", "2027-01-29", "2027-02-05", "2027-02-19"])
def test_fit_is_the_smallest_half_hour_budget_that_makes_the_date(plan: Plan, by: str) -> None:
    """B finishes by the date and B − 0.5 (or any smaller step) does not, checked by scheduling."""
    target = dt.date.fromisoformat(by)

    answer = fit_budget(plan, availability(plan), START, None, target)

    assert answer.budget is not None
    assert answer.budget % 0.5 == 0 and 0.5 < answer.budget <= MOST
    made = finish(plan, answer.budget)
    assert made is not None and made <= target
    assert answer.end_at_budget == made
    for steps in range(1, round(answer.budget / 0.5)):
        missed = finish(plan, steps * 0.5)
        assert missed is None or missed > target, steps * 0.5


def test_fit_keeps_the_work_the_plan_budget_derives(plan: Plan) -> None:
    """At the fitted budget the unsized task still has its 8 h share of the plan's 4 h weeks."""
    answer = fit_budget(plan, availability(plan), START, None, dt.date(2027, 1, 29))

    assert answer.budget is not None and answer.budget != 4
    schedule = build_at(plan, answer.budget)
    assert schedule is not None
    assert {task.key: task.effort for task in schedule.tasks} == {
        "course": 12 * 60,
        "notes": 8 * 60,
        "app": 10 * 60,
    }


def test_fit_for_an_impossible_date_gives_the_earliest_possible_one(plan: Plan) -> None:
    """No budget finishes 30 h in one week: none, and the end at the windows' 12 h a week."""
    by = START + dt.timedelta(days=7)

    answer = fit_budget(plan, availability(plan), START, None, by)

    assert answer.budget is None and answer.end_at_budget is None
    assert answer.most == MOST
    assert answer.earliest == finish(plan, MOST)
    assert answer.earliest > by


def test_fit_for_a_phase_milestone_fits_that_phase_only(plan: Plan) -> None:
    """``--milestone learn`` asks only that the first phase ends by the date."""
    by = dt.date(2027, 1, 22)

    answer = fit_budget(plan, availability(plan), START, None, by, "learn")

    assert answer.budget is not None
    made = finish(plan, answer.budget, "learn")
    assert made is not None and made <= by
    missed = finish(plan, answer.budget - 0.5, "learn")
    assert missed is None or missed > by
    whole = fit_budget(plan, availability(plan), START, None, by)
    assert whole.budget is None or whole.budget > answer.budget


def test_fit_for_a_fixed_milestone_fits_the_work_it_waits_for(plan: Plan) -> None:
    """A fixed milestone's id stands for its ``after`` items: demo-day fits like phase build."""
    by = dt.date(2027, 2, 5)

    answer = fit_budget(plan, availability(plan), START, None, by, "demo-day")

    assert answer.budget == fit_budget(plan, availability(plan), START, None, by, "build").budget


def test_fit_for_an_unknown_milestone_suggests_the_closest_id(plan: Plan) -> None:
    """A misspelt phase id is an error with a "did you mean"."""
    with pytest.raises(Plan2CalError, match=r"unknown milestone 'lern'.*did you mean 'learn'"):
        fit_budget(plan, availability(plan), START, None, dt.date(2027, 2, 5), "lern")


def test_fit_for_the_earliest_possible_date_finds_a_budget_that_makes_it(plan: Plan) -> None:
    """A date equal to the earliest possible finish is made, by the most or a smaller budget."""
    earliest = fit_budget(plan, availability(plan), START, None, START).earliest

    answer = fit_budget(plan, availability(plan), START, None, earliest)

    assert answer.budget is not None and answer.budget <= MOST
    assert answer.end_at_budget == finish(plan, answer.budget) and answer.end_at_budget <= earliest
    below = finish(plan, answer.budget - 0.5)
    assert below is None or below > earliest


def test_fit_for_a_date_the_smallest_budget_makes_is_the_smallest_budget(plan: Plan) -> None:
    """30 h at half an hour a week take 60 weeks; a date two years out needs no more."""
    by = dt.date(2029, 1, 1)

    answer = fit_budget(plan, availability(plan), START, None, by)

    assert answer.least == 0.5
    assert answer.budget == 0.5
    made = finish(plan, 0.5)
    assert made is not None and made <= by and answer.end_at_budget == made


def test_fit_answers_the_same_whatever_the_current_budget(plan: Plan) -> None:
    """The earliest date and the budget do not change with this run's hours a week."""
    by = dt.date(2027, 2, 5)
    answers = {
        hours: fit_budget(
            plan, dataclasses.replace(availability(plan), hours_per_week=hours), START, None, by
        )
        for hours in (2, 4, 8, 12)
    }
    assert len({(a.budget, a.end_at_budget, a.earliest, a.most) for a in answers.values()}) == 1


def test_the_schedule_at_fits_budget_makes_the_date_for_the_bundled_plan() -> None:
    """At 8 h a week, fit's budget for 1 Mar 2028 schedules the bundled plan by that date."""
    bundled = load_plan(BUNDLED_PLAN)
    now = availability_for(bundled, hours_per_week=8)
    actuals = Actuals(today=dt.date(2027, 1, 1))
    by = dt.date(2028, 3, 1)

    answer = fit_budget(bundled, now, START, actuals, by)

    assert answer.budget is not None and answer.end_at_budget is not None
    at_budget = availability_for(bundled, hours_per_week=answer.budget)
    schedule = build_schedule(bundled, at_budget, START, actuals=actuals)
    assert schedule.end == answer.end_at_budget <= by
    less = availability_for(bundled, hours_per_week=answer.budget - 0.5)
    assert build_schedule(bundled, less, START, actuals=actuals).end > by
    assert (
        answer.earliest
        == build_schedule(
            bundled, availability_for(bundled, hours_per_week=answer.most), START, actuals=actuals
        ).end
    )


def one_task_plan(
    hours: float,
    windows: dict[str, str],
    *,
    session: dict[str, str] | None = None,
    hours_per_week: float | None = 4,
) -> Plan:
    """One phase of one task of ``hours`` hours, in UTC."""
    defaults: dict[str, Any] = {"timezone": "UTC", "windows": windows, "session": session or {}}
    if hours_per_week is not None:
        defaults["hours_per_week"] = hours_per_week
    return Plan.model_validate(
        {
            "plan": "one",
            "title": "One task",
            "defaults": defaults,
            "phases": [
                {"id": "only", "name": "Only", "tasks": [{"id": "t", "name": "T", "hours": hours}]}
            ],
        }
    )


@pytest.mark.parametrize(
    ("shortest", "least"), [("30m", 0.5), ("45m", 1.0), ("1h", 1.0), ("15h15m", 15.5)]
)
def test_the_smallest_budget_fit_tries_is_the_shortest_session_in_half_hours(
    shortest: str, least: float
) -> None:
    """``least`` is session.min rounded up to the half hour, for a date made and one missed."""
    plan = one_task_plan(
        20, {"sat": "06:00-22:00"}, session={"min": shortest, "max": "16h"}, hours_per_week=16
    )
    far, near = dt.date(2029, 1, 1), START

    made = fit_budget(plan, availability_for(plan), START, None, far)
    missed = fit_budget(plan, availability_for(plan), START, None, near)

    assert (made.least, missed.least) == (least, least)
    assert made.budget == least  # the Saturday sessions make 2029 at any budget
    assert missed.budget is None


def test_fit_for_an_impossible_date_names_what_it_fitted(plan: Plan) -> None:
    """The answer says which target missed: the plan, or the phase asked for."""
    by = START + dt.timedelta(days=1)

    whole = fit_budget(plan, availability(plan), START, None, by)
    phase = fit_budget(plan, availability(plan), START, None, by, "learn")

    assert (whole.target, whole.budget) == ("the plan", None)
    assert (phase.target, phase.budget) == ("learn", None)


def test_work_past_the_30_year_horizon_even_at_the_most_is_an_error_naming_it() -> None:
    """One hour a week at most and 1,600 hours of work: about 31 years, past the default 30."""
    plan = one_task_plan(1600, {"mon": "19:00-20:00"})

    with pytest.raises(UnschedulableError) as raised:
        fit_budget(plan, availability_for(plan), START, None, dt.date(2080, 1, 1))

    assert str(raised.value) == (
        "even 1 h a week, all the windows hold, does not finish the plan within the 30-year horizon"
    )


def test_a_budget_that_needs_more_years_than_the_horizon_misses_the_date() -> None:
    """60 h by a date three years out, with a one-year horizon: the budget must end within it."""
    plan = one_task_plan(60, {"mon-fri": "19:00-21:00"})
    horizon_end = dt.date(2028, 1, 4)

    answer = fit_budget(plan, availability_for(plan), START, None, dt.date(2030, 1, 1), None, 1)

    # Half an hour a week would take 120 weeks: past the horizon, so not an answer.
    assert answer.budget is not None and answer.budget > 0.5
    assert answer.end_at_budget is not None and answer.end_at_budget <= horizon_end
    less = dataclasses.replace(availability_for(plan), hours_per_week=answer.budget - 0.5)
    with pytest.raises(UnschedulableError, match="1-year horizon"):
        build_schedule(plan, less, START, horizon_years=1)


def test_fit_without_a_basis_keeps_the_work_of_the_current_budget_for_a_plan_without_one() -> None:
    """With no hours_per_week in the plan, the work is sized once, at this run's budget."""
    plan = Plan.model_validate(
        {
            "plan": "nobudget",
            "title": "No budget",
            "defaults": {"timezone": "UTC", "windows": {"mon-fri": "19:00-21:00"}},
            "phases": [
                {"id": "only", "name": "Only", "weeks": 4, "tasks": [{"id": "t", "name": "T"}]}
            ],
        }
    )
    now = availability_for(plan, hours_per_week=4)  # 16 h of work over the phase's 4 weeks
    by = dt.date(2027, 3, 1)

    answer = fit_budget(plan, now, START, None, by)

    assert answer.budget is not None and answer.budget != 4
    at_budget = dataclasses.replace(now, hours_per_week=answer.budget)
    schedule = build_schedule(plan, at_budget, START, effort_basis=4)
    assert [task.effort for task in schedule.tasks] == [16 * 60]
    assert answer.end_at_budget == schedule.end <= by
    less = dataclasses.replace(now, hours_per_week=answer.budget - 0.5)
    assert build_schedule(plan, less, START, effort_basis=4).end > by


def test_fit_keeps_its_guarantee_where_more_budget_finishes_later() -> None:
    """A 2 h task with 45 min sessions: 4 h a week ends a week after 3.5 h (Tuesday to Friday
    hold 45 min, too short for the last hour); the answer still makes the date, 0.5 h less not."""
    plan = one_task_plan(2, {"mon-fri": "19:00-21:00"}, session={"min": "45m"})
    by = dt.date(2027, 1, 5)

    answer = fit_budget(plan, availability_for(plan), START, None, by)

    def end_at(budget: float) -> dt.date:
        trial = dataclasses.replace(availability_for(plan), hours_per_week=budget)
        return build_schedule(plan, trial, START).end

    assert (end_at(3.5), end_at(4.0)) == (by, dt.date(2027, 1, 11))
    assert answer.budget is not None and answer.end_at_budget == end_at(answer.budget) <= by
    assert end_at(answer.budget - 0.5) > by


# --- fit against the scheduler, on generated plans and progress ------------------------------


@st.composite
def fit_questions(draw: st.DrawFn) -> dict[str, Any]:
    """A plan of 1-2 phases of 1-3 tasks, progress as of a later today, a date and a target."""
    phases: list[dict[str, Any]] = []
    keys: list[str] = []
    for p in range(draw(st.integers(1, 2))):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 3))):
            entry: dict[str, Any] = {"id": f"t{p}-{t}", "name": f"Task {p}.{t}"}
            hours = draw(st.none() | st.integers(1, 30))
            if hours is not None:
                entry["hours"] = hours
            if keys and draw(st.booleans()):
                entry["after"] = [draw(st.sampled_from(keys))]
            tasks.append(entry)
        keys.extend(task["id"] for task in tasks)
        phases.append(
            {
                "id": f"p{p}",
                "name": f"Phase {p}",
                "weeks": draw(st.sampled_from([1, 2, 3])),
                "mode": draw(st.sampled_from(["sequential", "interleave"])),
                "tasks": tasks,
                **({"after": []} if draw(st.booleans()) else {}),
            }
        )
    plan = Plan.model_validate(
        {
            "plan": "fitprop",
            "title": "Generated",
            "defaults": {
                "hours_per_week": draw(st.integers(4, 24)) / 2,
                "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
                "windows": draw(st.just({"mon-fri": "19:00-21:00"}) | window_specs(per_day=2)),
                "session": draw(st.sampled_from([{}, {"min": "45m", "max": "90m"}, {"max": "1h"}])),
            },
            "phases": phases,
        }
    )
    start = draw(st.dates(dt.date(2027, 1, 1), dt.date(2027, 12, 31)))
    today = start + dt.timedelta(days=draw(st.integers(0, 40)))
    done: dict[str, dt.date] = {}
    spent: dict[str, int] = {}
    for key in keys:
        if today > start and draw(st.booleans()):
            done[key] = draw(st.dates(start, today - dt.timedelta(days=1)))
        elif draw(st.booleans()):
            spent[key] = draw(st.integers(0, 8 * 60))
    return {
        "plan": plan,
        "start": start,
        "actuals": Actuals(today=today, done=done, spent=spent),
        "by": start + dt.timedelta(days=draw(st.integers(0, 200))),
        "target": draw(st.sampled_from([None, *(phase["id"] for phase in phases)])),
        "basis": draw(st.sampled_from([None, 5.0, 10.0])),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=fit_questions())
def test_the_schedule_at_fits_budget_makes_the_date_and_half_an_hour_less_does_not(
    question: dict[str, Any],
) -> None:
    """Scheduled with the same inputs, fit's budget makes the date and 0.5 h less misses it;
    "earliest" is the date at the most the windows hold; no budget means even that misses."""
    plan: Plan = question["plan"]
    base = availability_for(plan)
    try:
        week_pattern(base)
    except UnschedulableError:
        assume(False)
    basis = question["basis"] if question["basis"] is not None else effort_basis_for(plan, base)
    by, target, start, actuals = (question[k] for k in ("by", "target", "start", "actuals"))
    waits_for = {m.key: tuple(m.after) for m in plan.milestones if m.after}

    def reached(budget: float) -> dt.date | None:
        trial = dataclasses.replace(base, hours_per_week=budget)
        try:
            schedule = build_schedule(
                plan, trial, start, actuals=actuals, effort_basis=basis, horizon_years=30
            )
        except UnschedulableError:
            return None
        return target_date(schedule, target, waits_for)

    try:
        answer = fit_budget(
            plan, base, start, actuals, by, target, 30, effort_basis=question["basis"]
        )
    except UnschedulableError:
        assert (
            reached(
                week_pattern(dataclasses.replace(base, hours_per_week=168)).weekly_minutes // 30 / 2
            )
            is None
        )
        return
    assert answer.earliest == reached(answer.most)
    if answer.budget is None:
        assert answer.earliest > by
        return
    assert answer.least <= answer.budget <= answer.most
    made = reached(answer.budget)
    assert made is not None and made <= by and made == answer.end_at_budget
    if answer.budget > answer.least:
        missed = reached(answer.budget - 0.5)
        assert missed is None or missed > by


# --- the command line ----------------------------------------------------------------------------


def test_fit_command_prints_the_budget(write_plan: WritePlan, run_cli: Run) -> None:
    """Exit 0 and one line with the budget and the date it finishes on."""
    path = write_plan(PLAN)
    plan = load_plan(path)
    answer = fit_budget(plan, availability(plan), START, None, dt.date(2027, 2, 5))
    assert answer.budget is not None and answer.end_at_budget is not None

    result = run_cli("fit", path, "--by", "2027-02-05", "--today", "2027-01-04", "-o", path.parent)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"{answer.budget:g} h a week finishes the plan on {answer.end_at_budget.isoformat()}"
    ), result.stdout
    assert sorted(p.name for p in path.parent.iterdir()) == ["plan.yaml"]


def test_fit_command_for_a_phase(write_plan: WritePlan, run_cli: Run) -> None:
    """``--milestone`` names the phase in the answer."""
    path = write_plan(PLAN)
    plan = load_plan(path)
    answer = fit_budget(plan, availability(plan), START, None, dt.date(2027, 1, 22), "learn")
    assert answer.budget is not None

    result = run_cli(
        "fit", path, "--by", "2027-01-22", "--milestone", "learn", "--today", "2027-01-04"
    )

    assert result.exit_code == 0, result.output
    assert re.match(rf"{answer.budget:g} h a week finishes learn on ", result.stdout), result.stdout


def test_fit_command_exits_4_naming_the_earliest_date(write_plan: WritePlan, run_cli: Run) -> None:
    """When no budget the windows allow makes it: exit 4, the maximum and the earliest date."""
    path = write_plan(PLAN)
    plan = load_plan(path)
    earliest = finish(plan, MOST)
    assert earliest is not None

    result = run_cli("fit", path, "--by", "2027-01-11", "--today", "2027-01-04")

    assert result.exit_code == 4, result.output
    # The shortfall: the hours missing by the date and the tasks that end after it.
    assert result.stdout.startswith("At 12 h a week, all the windows hold, "), result.stdout
    assert "12 h a week" in result.stderr
    assert earliest.isoformat() in result.stderr, result.stderr


def test_fit_command_with_an_unknown_milestone_is_a_usage_error(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """A misspelt ``--milestone`` exits 2, as a misspelt TASK does, and suggests the id."""
    path = write_plan(PLAN)

    result = run_cli(
        "fit", path, "--by", "2027-02-05", "--milestone", "lern", "--today", "2027-01-04"
    )

    assert result.exit_code == 2, result.output
    assert "did you mean 'learn'" in result.stderr
    assert "Traceback" not in result.output
