"""``fit``: the smallest weekly budget with which the real scheduler makes a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plan2cal.diagnostics import suggest
from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.model import Plan
from plan2cal.schedule import Actuals, Schedule, build_schedule
from plan2cal.worktime import Availability, week_pattern

STEP = 0.5  # hours a week


@dataclass(frozen=True)
class Fit:
    """The answer: the budget that makes the date (None if none can) and what is possible."""

    target: str
    by: dt.date
    budget: float | None
    end_at_budget: dt.date | None
    most: float
    earliest: dt.date


class UnknownTargetError(Plan2CalError):
    """The target names nothing in the plan; the command line reports it as a usage error."""


def target_date(
    schedule: Schedule,
    target: str | None,
    waits_for: Mapping[str, Sequence[str]] | None = None,
) -> dt.date:
    """When a target finishes: the plan, a phase, a task, or a fixed milestone's prerequisites.

    ``waits_for``: fixed milestone id → the phase and task ids in its ``after``.
    """
    if target is None:
        return schedule.end
    phases = {phase.key: phase.end for phase in schedule.phases}
    tasks = {task.key: task.end_date for task in schedule.tasks}
    fixed = waits_for or {}
    if target in phases:
        return phases[target]
    if target in tasks:
        return tasks[target]
    if fixed.get(target):
        return max(phases.get(key) or tasks[key] for key in fixed[target])
    raise UnknownTargetError(
        f"unknown milestone '{target}': give a phase or task id, or a fixed milestone with after:"
        + suggest(target, [*phases, *tasks, *fixed])
    )


def fit_budget(
    plan: Plan,
    availability: Availability,
    start: dt.date,
    actuals: Actuals | None,
    by: dt.date,
    target: str | None = None,
    horizon_years: int = 30,
) -> Fit:
    """Search budgets in steps of half an hour a week, from the shortest session up to what the
    windows hold, for the smallest with which the schedule reaches ``target`` by ``by``.

    The work stays as the plan's own budget derives it: a bigger budget places the same hours
    sooner. A budget that needs more years than the horizon counts as missing the date.
    """
    basis = availability.hours_per_week
    waits_for = {m.key: tuple(m.after) for m in plan.milestones if m.after}
    most_minutes = week_pattern(dataclasses.replace(availability, hours_per_week=168))
    most = math.floor(most_minutes.weekly_minutes / 60 / STEP) * STEP
    least = max(STEP, math.ceil(availability.session_min / 60 / STEP) * STEP)

    def finish(budget: float) -> dt.date | None:
        trial = dataclasses.replace(availability, hours_per_week=budget)
        try:
            schedule = build_schedule(
                plan,
                trial,
                start,
                actuals=actuals,
                effort_basis=basis,
                horizon_years=horizon_years,
            )
        except UnschedulableError:
            return None
        return target_date(schedule, target, waits_for)

    earliest = finish(most)
    name = target or "the plan"
    if earliest is None:
        raise UnschedulableError(
            f"even {most:g} h a week, all the windows hold, does not finish {name} within the "
            f"{horizon_years}-year horizon"
        )
    if earliest > by:
        return Fit(name, by, None, None, most, earliest)
    # Finishing dates fall as the budget grows, so bisect over the half-hour steps.
    low, high = 0, round((most - least) / STEP)
    while low < high:
        middle = (low + high) // 2
        end = finish(least + middle * STEP)
        if end is not None and end <= by:
            high = middle
        else:
            low = middle + 1
    budget = least + low * STEP
    return Fit(name, by, budget, finish(budget), most, earliest)
