"""``fit``: the smallest weekly budget with which the real scheduler makes a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from plan2cal.diagnostics import suggest
from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.graph import dependency_graph
from plan2cal.model import Plan
from plan2cal.schedule import Actuals, Schedule, build_schedule, effort_basis_for
from plan2cal.worktime import Availability, week_pattern

STEP = 0.5  # hours a week


@dataclass(frozen=True, slots=True)
class LateTask:
    """A task of the target that ends after the date even at the most the windows hold.

    ``remaining``: the minutes it still needs from today; ``after_date``: the minutes of them
    placed after the date, the part that is missing by then.
    """

    key: str
    name: str
    end: dt.date
    remaining: int
    after_date: int


@dataclass(frozen=True)
class Fit:
    """The answer: the budget that makes the date (None if none can) and what is possible.

    ``most`` and ``least``: the largest and smallest budgets tried; ``earliest``: the date at
    ``most``. When no budget makes the date, at ``most``: ``missing``, the minutes of the
    target's work placed after the date (what would have to be cut or shrunk), ``late``, its
    tasks that end after the date (the list to cut from), in the order they end, and
    ``deadline_first``, whether each of them already has an effective deadline on or before
    the date, so that deadline-first ordering already puts them first; when not, giving the
    target ``deadline:`` that date may help.
    """

    target: str
    by: dt.date
    budget: float | None
    end_at_budget: dt.date | None
    most: float
    earliest: dt.date
    least: float = STEP
    missing: int = 0
    late: tuple[LateTask, ...] = ()
    deadline_first: bool = True


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
    *,
    effort_basis: float | None = None,
) -> Fit:
    """The smallest weekly budget, in half hours, with which the schedule reaches ``target`` by
    ``by``: from the shortest session up to the most the windows hold.

    ``effort_basis`` sizes the tasks without hours, whatever budget is tried: pass the one the
    schedule uses (default: effort_basis_for, as build_schedule's own default), so that the
    work stays fixed and a bigger budget places the same hours sooner. Only the availability's
    budget changes between trials; its windows, zone and session limits stay.

    The answer holds by construction: scheduling with ``budget`` and the same inputs reaches
    the target by ``by``, and half an hour less does not (or ``budget`` is the smallest tried,
    ``least``). ``earliest`` is the date at the largest budget, ``most``, whatever the current
    budget; when even that misses ``by``, ``budget`` is None. A budget that needs more years
    than the horizon counts as missing the date.
    """
    basis = effort_basis if effort_basis is not None else effort_basis_for(plan, availability)
    waits_for = {m.key: tuple(m.after) for m in plan.milestones if m.after}
    widest = week_pattern(dataclasses.replace(availability, hours_per_week=168)).weekly_minutes
    least = max(STEP, math.ceil(availability.session_min / 60 / STEP) * STEP)
    most = max(least, math.floor(widest / 60 / STEP) * STEP)
    finishes: dict[float, dt.date | None] = {}
    widest_schedule: list[Schedule] = []

    def finish(budget: float) -> dt.date | None:
        if budget not in finishes:
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
                finishes[budget] = None
            else:
                finishes[budget] = target_date(schedule, target, waits_for)
                if budget == most:
                    widest_schedule.append(schedule)
        return finishes[budget]

    def makes_it(step: int) -> bool:
        end = finish(least + step * STEP)
        return end is not None and end <= by

    earliest = finish(most)
    name = target or "the plan"
    if earliest is None:
        raise UnschedulableError(
            f"even {most:g} h a week, all the windows hold, does not finish {name} within the "
            f"{horizon_years}-year horizon"
        )
    if earliest > by:
        missing, late, ordered = _shortfall(plan, widest_schedule[0], target, waits_for, by)
        return Fit(name, by, None, None, most, earliest, least, missing, late, ordered)
    # Finishing dates mostly fall as the budget grows, so bisect over the half-hour steps,
    # keeping ``high`` a step that makes the date. They are not monotone (how sessions meet
    # the blocks changes with the budget), so an answer is only as good as its neighbour:
    # check the step below, and walk down while it still makes the date. The bisection has
    # usually tried that step already, and trials are remembered.
    low, high = 0, round((most - least) / STEP)
    while low < high:
        middle = (low + high) // 2
        if makes_it(middle):
            high = middle
        else:
            low = middle + 1
    while high > 0 and makes_it(high - 1):
        high -= 1
    budget = least + high * STEP
    return Fit(name, by, budget, finish(budget), most, earliest, least)


def _shortfall(
    plan: Plan,
    schedule: Schedule,
    target: str | None,
    waits_for: Mapping[str, Sequence[str]],
    by: dt.date,
) -> tuple[int, tuple[LateTask, ...], bool]:
    """What the target misses ``by`` with: the minutes of its work after the date, its tasks
    that end after it, and whether deadline-first ordering already puts all of those first.

    The target's work is the target and everything it waits for: the whole plan; a phase's
    or a task's own work and its prerequisites; a fixed milestone's ``after``.
    """
    graph = dependency_graph(plan)
    if target is None:
        wanted = set(graph)
    else:
        wanted = set()
        stack = list(waits_for.get(target, ())) if target not in graph else [target]
        while stack:
            node = stack.pop()
            if node not in wanted:
                wanted.add(node)
                stack.extend(graph[node])
    zone = ZoneInfo(schedule.availability.timezone)
    after: dict[str, int] = {}
    for session in schedule.sessions:
        if session.task in wanted and session.start.astimezone(zone).date() > by:
            after[session.task] = after.get(session.task, 0) + session.minutes
    late = sorted(
        (
            LateTask(task.key, task.name, task.end_date, task.remaining, after.get(task.key, 0))
            for task in schedule.tasks
            if task.key in wanted and task.end_date > by
        ),
        key=lambda task: task.end,
    )
    by_key = {task.key: task for task in schedule.tasks}
    ordered = all(
        (due := by_key[task.key].effective_deadline) is not None and due <= by for task in late
    )
    return sum(after.values()), tuple(late), ordered
