"""The pure scheduler: a Plan and an Availability in, dated work sessions and milestones out."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.graph import check_acyclic, dependency_graph, phase_prerequisites
from plan2cal.model import PRIORITIES, Plan, check_timezone, parse_windows, resolve_date
from plan2cal.worktime import (
    QUANTUM,
    Availability,
    WeekPattern,
    hours_text,
    week_pattern,
    work_blocks,
)


@dataclass(frozen=True, slots=True)
class Session:
    """One sitting of work on one task, in UTC; ``ordinal`` counts the task's sessions from 1."""

    task: str
    ordinal: int
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """A task as scheduled: its effort, where its id and effort came from, and its dates."""

    key: str
    name: str
    phase: str
    effort: int
    effort_derived: bool
    id_derived: bool
    priority: str
    start: dt.datetime
    finish: dt.datetime
    sessions: int
    deadline: dt.date | None
    description: str | None
    link: str | None
    after: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """A phase as scheduled; ``end`` is the date of its milestone (its last session)."""

    key: str
    name: str
    description: str | None
    effort: int
    nominal_effort: int | None
    start: dt.date
    end: dt.date
    nominal_start: dt.date
    nominal_end: dt.date
    deadline: dt.date | None

    @property
    def slip_days(self) -> int:
        """Days the milestone falls after its nominal date (negative: early)."""
        return (self.end - self.nominal_end).days


@dataclass(frozen=True, slots=True)
class FixedMilestone:
    """A milestone with a date of its own, from the plan file."""

    key: str
    name: str
    date: dt.date
    description: str | None


@dataclass(frozen=True)
class Schedule:
    """The result of scheduling: sessions in time order, per-task and per-phase dates, warnings."""

    plan: str
    title: str
    start: dt.date
    availability: Availability
    pattern: WeekPattern
    sessions: tuple[Session, ...]
    tasks: tuple[TaskPlan, ...]
    phases: tuple[PhasePlan, ...]
    milestones: tuple[FixedMilestone, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def end(self) -> dt.date:
        """The date of the last session."""
        return max(phase.end for phase in self.phases)

    def session_counts(self) -> dict[str, int]:
        """Task id → number of its sessions."""
        return {task.key: task.sessions for task in self.tasks}


def availability_for(
    plan: Plan,
    *,
    hours_per_week: float | None = None,
    timezone: str | None = None,
) -> Availability:
    """The plan's defaults with any overrides applied; raises if the zone is unknown."""
    defaults = plan.defaults
    zone = timezone or defaults.timezone or "UTC"
    try:
        check_timezone(zone)
    except ValueError as exc:
        raise Plan2CalError(str(exc)) from None
    windows = defaults.windows if defaults.windows is not None else _default_windows()
    return Availability(
        hours_per_week=hours_per_week if hours_per_week is not None else defaults.hours_per_week,
        timezone=zone,
        windows=parse_windows(windows),
        session_min=defaults.session.shortest,
        session_max=defaults.session.longest,
    )


def _default_windows() -> dict[str, str | list[str]]:
    from plan2cal.model import DEFAULT_WINDOWS

    return DEFAULT_WINDOWS


def task_efforts(plan: Plan, hours_per_week: float) -> tuple[dict[str, int], list[str]]:
    """Task id → effort in minutes on the 15-minute grid, and warnings about the derivation.

    A task's ``hours`` if given. The others share what is left of their phase's nominal budget
    (``weeks × hours_per_week`` minus the explicit hours) by weight, but never less than they
    would share if no task had hours: a course with a published workload that overflows its
    phase stretches the phase instead of squeezing the rest of its work to nothing. Shares are
    whole quarter-hours by the largest-remainder rule, so they add up exactly.
    """
    efforts: dict[str, int] = {}
    warnings: list[str] = []
    for phase in plan.phases:
        unsized = [t for t in phase.tasks if t.hours is None]
        for task in phase.tasks:
            if task.hours is not None:
                efforts[task.key] = max(1, round(task.hours / QUANTUM)) * QUANTUM
        if not unsized:
            continue
        assert phase.weeks is not None  # the model requires weeks when a task has no hours
        nominal = phase.weeks * hours_per_week * 60 / QUANTUM
        explicit = sum(efforts.get(t.key, 0) for t in phase.tasks) / QUANTUM
        unsized_weight = sum(t.weight for t in unsized)
        as_if_unsized = nominal * unsized_weight / sum(t.weight for t in phase.tasks)
        pool = max(len(unsized), round(max(nominal - explicit, as_if_unsized)))
        exact = [pool * t.weight / unsized_weight for t in unsized]
        shares = [math.floor(x) for x in exact]
        order = sorted(range(len(unsized)), key=lambda i: (-(exact[i] - shares[i]), i))
        for i in order[: pool - sum(shares)]:
            shares[i] += 1
        for task, share in zip(unsized, shares, strict=True):
            efforts[task.key] = max(1, share) * QUANTUM
    return efforts, warnings


class _PhaseQueue:
    """The ready tasks of one phase, in the order the phase's mode takes them.

    Sequential: the current task until it is done, then the best ready one by priority and file
    order. Interleave: the ready tasks of the best priority present take turns, in file order.
    """

    __slots__ = ("current", "interleave", "last", "ready")

    def __init__(self, interleave: bool) -> None:
        self.interleave = interleave
        # (priority rank, file index, id): a heap when sequential, a sorted list when interleaved
        self.ready: list[tuple[int, int, str]] = []
        self.current: str | None = None
        self.last = -1  # file index of the task that had the last turn

    def add(self, rank: int, index: int, key: str) -> None:
        if self.interleave:
            bisect.insort(self.ready, (rank, index, key))
        else:
            heapq.heappush(self.ready, (rank, index, key))

    def has_work(self) -> bool:
        return self.current is not None or bool(self.ready)

    def take(self) -> str:
        if not self.interleave:
            if self.current is None:
                self.current = heapq.heappop(self.ready)[2]
            return self.current
        best = self.ready[0][0]
        group = [entry for entry in self.ready if entry[0] == best]
        chosen = next((entry for entry in group if entry[1] > self.last), group[0])
        self.last = chosen[1]
        return chosen[2]

    def finished(self, key: str) -> None:
        if self.interleave:
            self.ready = [entry for entry in self.ready if entry[2] != key]
        elif self.current == key:
            self.current = None


def build_schedule(
    plan: Plan,
    availability: Availability,
    start: dt.date,
    *,
    horizon_years: int = 30,
) -> Schedule:
    """Place every task's effort in work sessions from ``start`` and date the milestones.

    Pure: the same inputs give the same schedule. Raises UnschedulableError for a dependency
    cycle, no usable window, a budget below the shortest session, or work that would not end
    within ``horizon_years``.
    """
    graph = dependency_graph(plan)
    check_acyclic(graph)
    pattern = week_pattern(availability)
    efforts, warnings = task_efforts(plan, availability.hours_per_week)
    zone = ZoneInfo(availability.timezone)

    weekly = pattern.weekly_minutes
    total = sum(efforts.values())
    horizon_end = start + relativedelta(years=horizon_years)
    weeks_needed = math.ceil(total / weekly) + 1
    if start + dt.timedelta(weeks=weeks_needed) > horizon_end:
        raise UnschedulableError(
            f"the plan's {total / 60:g} hours need about {weeks_needed / 52.18:.0f} years at "
            f"{weekly / 60:g} hours a week, past the {horizon_years}-year horizon; raise the "
            "weekly budget or --horizon-years"
        )
    if weekly < availability.budget:
        warnings.append(
            f"the windows hold only {weekly / 60:g} h of sessions a week, less than the budget "
            f"of {availability.hours_per_week:g} h; widen defaults.windows to use it all"
        )

    phase_of = {task.key: phase.key for phase, task in plan.task_list()}
    index_of = {task.key: i for i, (_, task) in enumerate(plan.task_list())}
    rank_of = {task.key: PRIORITIES.index(task.priority) for _, task in plan.task_list()}
    waiting = {node: len(deps) for node, deps in graph.items()}
    dependents: dict[str, list[str]] = {node: [] for node in graph}
    for node, deps in graph.items():
        for dep in deps:
            dependents[dep].append(node)
    queues = {phase.key: _PhaseQueue(phase.mode == "interleave") for phase in plan.phases}
    # Phases with ready work take turns, one block (or the rest of one) at a time.
    active: deque[str] = deque()
    in_turn: set[str] = set()

    def make_ready(key: str) -> None:
        phase_key = phase_of[key]
        if phase_key not in in_turn:
            active.append(phase_key)
            in_turn.add(phase_key)
        queues[phase_key].add(rank_of[key], index_of[key], key)

    def complete(node: str) -> None:
        for other in dependents[node]:
            waiting[other] -= 1
            if waiting[other] == 0:
                if other in phase_of:
                    make_ready(other)
                else:
                    complete(other)

    for _, task in plan.task_list():
        if waiting[task.key] == 0:
            make_ready(task.key)

    def next_task() -> str:
        while True:
            phase_key = active[0]
            queue = queues[phase_key]
            if queue.has_work():
                active.rotate(-1)
                return queue.take()
            in_turn.discard(active.popleft())

    remaining = dict(efforts)
    left_total = total
    ordinals: dict[str, int] = {}
    sessions: list[Session] = []
    minute = dt.timedelta(minutes=1)
    for begin, length in work_blocks(pattern, zone, start, horizon_end):
        offset = 0
        while offset < length and left_total:
            key = next_task()
            use = min(length - offset, remaining[key])
            if use < availability.session_min and key in ordinals and use < remaining[key]:
                # The rest of the block would be a session under session.min in the middle of
                # the task; leave it empty rather than break the session rule.
                break
            ordinal = ordinals.get(key, 0) + 1
            ordinals[key] = ordinal
            sessions.append(
                Session(key, ordinal, begin + offset * minute, begin + (offset + use) * minute)
            )
            offset += use
            remaining[key] -= use
            left_total -= use
            if remaining[key] == 0:
                queues[phase_of[key]].finished(key)
                complete(key)
        if not left_total:
            break
    if left_total:
        raise UnschedulableError(
            f"{left_total / 60:g} hours of work do not fit before {horizon_end}; raise the weekly "
            "budget or --horizon-years"
        )
    return _assemble(plan, availability, pattern, start, sessions, efforts, warnings, zone)


def _assemble(
    plan: Plan,
    availability: Availability,
    pattern: WeekPattern,
    start: dt.date,
    sessions: list[Session],
    efforts: dict[str, int],
    warnings: list[str],
    zone: ZoneInfo,
) -> Schedule:
    first: dict[str, Session] = {}
    last: dict[str, Session] = {}
    for session in sessions:
        first.setdefault(session.task, session)
        last[session.task] = session

    def local_day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    tasks: list[TaskPlan] = []
    for phase, task in plan.task_list():
        deadline = resolve_date(task.deadline, start) if task.deadline is not None else None
        finish = last[task.key].end
        if deadline is not None and local_day(last[task.key].start) > deadline:
            late = (local_day(last[task.key].start) - deadline).days
            warnings.append(
                f"task '{task.key}' finishes on {local_day(last[task.key].start)}, {late} days "
                f"after its deadline {deadline}"
            )
        tasks.append(
            TaskPlan(
                key=task.key,
                name=task.name,
                phase=phase.key,
                effort=efforts[task.key],
                effort_derived=task.hours is None,
                id_derived=task.id is None,
                priority=task.priority,
                start=first[task.key].start,
                finish=finish,
                sessions=last[task.key].ordinal,
                deadline=deadline,
                description=task.description,
                link=task.link,
                after=tuple(task.after),
            )
        )

    by_key = {task.key: task for task in tasks}
    prerequisites = phase_prerequisites(plan)
    nominal_end: dict[str, dt.date] = {}
    phase_of_task = {task.key: task.phase for task in tasks}
    phases: list[PhasePlan] = []
    for phase in plan.phases:
        own = [by_key[task.key] for task in phase.tasks]
        effort = sum(task.effort for task in own)
        nominal_start = max(
            [
                start,
                *(
                    nominal_end[phase_of_task.get(dep, dep)]
                    for dep in prerequisites[phase.key]
                    if phase_of_task.get(dep, dep) in nominal_end
                ),
            ]
        )
        days = round(
            (phase.weeks * 7)
            if phase.weeks is not None
            else effort / 60 / availability.hours_per_week * 7
        )
        nominal_end[phase.key] = nominal_start + dt.timedelta(days=days)
        end = max(local_day(last[task.key].start) for task in phase.tasks)
        deadline = resolve_date(phase.deadline, start) if phase.deadline is not None else None
        if deadline is not None and end > deadline:
            warnings.append(
                f"phase '{phase.key}' ends on {end}, {(end - deadline).days} days after its "
                f"deadline {deadline}"
            )
        nominal = (
            round(phase.weeks * availability.hours_per_week * 60)
            if phase.weeks is not None
            else None
        )
        if nominal is not None and effort > nominal + QUANTUM * len(phase.tasks):
            warnings.append(
                f"phase '{phase.key}' holds {hours_text(effort)} of work, "
                f"{hours_text(effort - nominal)} more than its {phase.weeks:g} weeks at "
                f"{availability.hours_per_week:g} h a week: the hours given to its tasks need "
                "more than the phase's weeks"
            )
        phases.append(
            PhasePlan(
                key=phase.key,
                name=phase.name,
                description=phase.description,
                effort=effort,
                nominal_effort=nominal,
                start=min(local_day(first[t.key].start) for t in phase.tasks),
                end=end,
                nominal_start=nominal_start,
                nominal_end=nominal_end[phase.key],
                deadline=deadline,
            )
        )

    milestones: list[FixedMilestone] = []
    phase_end = {phase.key: phase.end for phase in phases}
    for milestone in plan.milestones:
        for dep in milestone.after:
            done = phase_end.get(dep) or local_day(last[dep].start)
            if done > milestone.date:
                warnings.append(
                    f"milestone '{milestone.key}' on {milestone.date} waits for '{dep}', which "
                    f"ends on {done}"
                )
        milestones.append(
            FixedMilestone(milestone.key, milestone.name, milestone.date, milestone.description)
        )
    return Schedule(
        plan=plan.plan,
        title=plan.title,
        start=start,
        availability=availability,
        pattern=pattern,
        sessions=tuple(sessions),
        tasks=tuple(tasks),
        phases=tuple(phases),
        milestones=tuple(milestones),
        warnings=tuple(warnings),
    )
