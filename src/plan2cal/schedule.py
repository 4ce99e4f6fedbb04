"""The pure scheduler: a Plan and an Availability in, dated work sessions and milestones out."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from plan2cal.durations import QUANTUM, duration_text
from plan2cal.errors import Plan2CalError, PlanError, UnschedulableError
from plan2cal.graph import check_acyclic, dependency_graph, phase_order, phase_prerequisites
from plan2cal.model import (
    DEFAULT_HOURS_PER_WEEK,
    DEFAULT_WINDOWS,
    LAST_DATE,
    PRIORITIES,
    Plan,
    check_date_in_range,
    check_timezone,
    parse_windows,
    resolve_date,
)
from plan2cal.worktime import (
    Availability,
    WeekPattern,
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
    done: bool = False

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
    start: dt.datetime | None
    finish: dt.datetime | None
    sessions: int
    deadline: dt.date | None
    description: str | None
    link: str | None
    after: tuple[str, ...]
    end_date: dt.date
    done: dt.date | None = None
    spent: int = 0

    @property
    def remaining(self) -> int:
        """Minutes still to do: the effort less the time spent, never below zero."""
        return 0 if self.done is not None else max(0, self.effort - self.spent)


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
    after: tuple[str, ...] = ()

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
class Actuals:
    """What has happened, for a rerun (DESIGN §4 rule 5).

    ``today``: work before it is history. ``done``: task id → the day it was finished.
    ``spent``: task id → minutes logged. ``history``: task id → the sessions the last run showed
    for it, as ``(start, end)`` in UTC; a done task keeps those up to its done date, and one
    missing from ``history`` keeps those of the schedule made from the start without progress.
    """

    today: dt.date
    done: Mapping[str, dt.date] = field(default_factory=dict)
    spent: Mapping[str, int] = field(default_factory=dict)
    history: Mapping[str, Sequence[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """The result of scheduling: sessions in time order, per-task and per-phase dates, warnings."""

    plan: str
    title: str
    start: dt.date
    today: dt.date
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
    windows = defaults.windows if defaults.windows is not None else DEFAULT_WINDOWS
    return Availability(
        hours_per_week=hours_per_week or defaults.hours_per_week or DEFAULT_HOURS_PER_WEEK,
        timezone=zone,
        windows=parse_windows(windows),
        session_min=defaults.session.shortest,
        session_max=defaults.session.longest,
    )


def effort_basis_for(plan: Plan, availability: Availability) -> float:
    """The weekly budget that sizes tasks without hours: the plan's own, else the availability's.

    The work is fixed by the plan; a different weekly budget changes the pace, never the work
    (DESIGN §4 rule 1). A caller that pinned a budget at the first run passes that instead.
    """
    if plan.defaults.hours_per_week is not None:
        return plan.defaults.hours_per_week
    return availability.hours_per_week


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


def _count(counts: dict[int, int], value: int, change: int) -> None:
    """Add ``change`` to the count of ``value``, dropping it at zero."""
    total = counts.get(value, 0) + change
    if total:
        counts[value] = total
    else:
        del counts[value]


class _PhaseQueue:
    """The ready tasks of one phase, in the order the phase's mode takes them.

    Sequential: the current task until it is done, then the best ready one by priority and file
    order. Interleave: the ready tasks of the best priority present take turns, in file order.
    """

    __slots__ = ("current", "interleave", "last", "lefts", "ready")

    def __init__(self, interleave: bool) -> None:
        self.interleave = interleave
        # (priority rank, file index, id): a heap when sequential, a sorted list when interleaved
        self.ready: list[tuple[int, int, str]] = []
        self.current: str | None = None
        self.last = -1  # file index of the task that had the last turn
        # Interleave: priority rank → minutes left → how many ready tasks have that many left.
        self.lefts: dict[int, dict[int, int]] = {}

    def add(self, rank: int, index: int, key: str, left: int) -> None:
        if self.interleave:
            bisect.insort(self.ready, (rank, index, key))
            _count(self.lefts.setdefault(rank, {}), left, 1)
        else:
            heapq.heappush(self.ready, (rank, index, key))

    def has_work(self) -> bool:
        return self.current is not None or bool(self.ready)

    def candidate_lefts(self) -> Iterable[int]:
        """Interleave: the different amounts of minutes the candidates have left."""
        return self.lefts[self.ready[0][0]]

    def candidates(self) -> Iterator[str]:
        """The tasks that may have the next turn, the phase's choice first.

        Sequential: only the current task (or the one that would become current). Interleave:
        the best priority's tasks, from the one after the last turn round to it.
        """
        if not self.interleave:
            yield self.next_in_line()
            return
        best = self.ready[0][0]
        end = bisect.bisect_left(self.ready, (best + 1,))
        turn = bisect.bisect_left(self.ready, (best, self.last + 1), 0, end)
        if turn == end:
            turn = 0
        for entry in itertools.chain(self.ready[turn:end], self.ready[:turn]):
            yield entry[2]

    def next_in_line(self) -> str:
        """Sequential: the current task, or the one that would become current."""
        return self.current if self.current is not None else self.ready[0][2]

    def take(self, key: str, index: int) -> None:
        """Give the turn to ``key``, one of the candidates."""
        if self.interleave:
            self.last = index
        elif self.current is None:
            heapq.heappop(self.ready)
            self.current = key

    def used(self, entry: tuple[int, int, str], before: int, after: int) -> None:
        """A ready task, ``(rank, index, id)``, had a session: ``before`` minutes were left,
        ``after`` are; with none left it leaves the queue."""
        if not self.interleave:
            if not after:
                self.current = None
            return
        lefts = self.lefts[entry[0]]
        _count(lefts, before, -1)
        if after:
            _count(lefts, after, 1)
        else:
            del self.ready[bisect.bisect_left(self.ready, entry)]


def build_schedule(
    plan: Plan,
    availability: Availability,
    start: dt.date,
    *,
    actuals: Actuals | None = None,
    effort_basis: float | None = None,
    horizon_years: int = 30,
) -> Schedule:
    """Place every task's effort in work sessions from ``start`` and date the milestones.

    With ``actuals``, work before ``actuals.today`` is history: done tasks keep their sessions
    up to their done date, other past sessions are dropped, and each task's remaining effort is
    placed from that day on. ``effort_basis`` is the weekly budget that derives the efforts of
    tasks without hours (default: effort_basis_for, the plan's own ``hours_per_week`` when it
    has one), so that a larger budget finishes the same work sooner and ``fit`` tries budgets
    on the work the schedule has.

    Sessions fill the blocks of the week pattern (worktime.week_pattern), in time order. In
    each block the ready tasks take turns as their phases' modes say, and:

    - every session is at least ``session.min``, except a task's only session when its whole
      remaining effort (from today) is less, and the last-session exception below;
    - a session starts only where the block has ``session.min`` left; a shorter rest of a
      block stays empty;
    - a session that starts in a block after another ends in it leaves a quarter-hour break;
    - no task is left a rest shorter than ``session.min``: a session that would leave one is
      shortened to leave exactly ``session.min``, if it is then still ``session.min`` long;
      if not, the slot goes to the next ready task that can use it (in the order the phases
      and their modes give), or stays empty;
    - except that when a task's rest is longer than the pattern's longest block, and so could
      never be placed whole, it is split anyway: a session of ``session.min`` now, and a
      last session shorter than ``session.min`` later.

    Pure: the same inputs give the same schedule. Raises UnschedulableError for a dependency
    cycle, no usable window, a budget below the shortest session, or work or a phase's nominal
    weeks that would not end within ``horizon_years`` (at most up to LAST_DAY); PlanError for
    a deadline no date can hold. Never OverflowError, however large the numbers.
    """
    graph = dependency_graph(plan)
    check_acyclic(graph)
    pattern = week_pattern(availability)
    basis = effort_basis if effort_basis is not None else effort_basis_for(plan, availability)
    horizon_end = horizon_end_of(start, horizon_years)
    horizon = f"the {horizon_years}-year horizon ({horizon_end})"
    for phase in plan.phases:
        # Checked before the phase's weeks size any task: a longer phase is a mistake.
        if phase.weeks is not None and phase.weeks * 7 > (horizon_end - start).days:
            raise UnschedulableError(
                f"phase '{phase.key}' is {phase.weeks:g} weeks long, past {horizon}; shorten "
                "its weeks or raise --horizon-years"
            )
    efforts, warnings = task_efforts(plan, basis)
    zone = ZoneInfo(availability.timezone)
    today = max(actuals.today, start) if actuals is not None else start
    done = dict(actuals.done) if actuals is not None else {}
    spent = dict(actuals.spent) if actuals is not None else {}
    kept = _kept_sessions(plan, availability, start, actuals, zone, horizon_years)

    # Time is logged in any minutes; what is left goes back on the 15-minute grid (rule 3).
    remaining = {
        key: 0 if key in done else max(0, round((minutes - spent.get(key, 0)) / QUANTUM) * QUANTUM)
        for key, minutes in efforts.items()
    }
    for _, task in plan.task_list():
        if task.key not in done and remaining[task.key] == 0:
            warnings.append(_spent_warning(task.key, spent.get(task.key, 0), efforts[task.key]))
    weekly = pattern.weekly_minutes
    total = sum(remaining.values())
    # Whole numbers only: a plan of 10^300 hours must fail here, not overflow a date.
    weeks_needed = -(-total // weekly) + 1
    if total and weeks_needed * 7 > (horizon_end - today).days:
        raise UnschedulableError(
            f"the plan's {_hours_text(total)} hours from {today} need "
            f"{_years_text(weeks_needed)} years at {weekly / 60:g} hours a week, past "
            f"{horizon}; raise the weekly budget or --horizon-years"
        )
    effort_of = {phase.key: sum(efforts[task.key] for task in phase.tasks) for phase in plan.phases}
    nominal_dates = _nominal_dates(plan, start, effort_of, basis, horizon_end, horizon)
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
    # Minutes left → how many ready tasks have that many left: a slot that none of these
    # amounts can use is seen at once, however many tasks wait for a longer one.
    ready_lefts: dict[int, int] = {}

    def make_ready(key: str) -> None:
        if remaining[key] == 0:
            # Done already (or all its effort spent): it finishes as soon as it may start.
            complete(key)
            return
        phase_key = phase_of[key]
        if phase_key not in in_turn:
            active.append(phase_key)
            in_turn.add(phase_key)
        queues[phase_key].add(rank_of[key], index_of[key], key, remaining[key])
        _count(ready_lefts, remaining[key], 1)

    def complete(node: str) -> None:
        for other in dependents[node]:
            waiting[other] -= 1
            if waiting[other] == 0:
                if other in phase_of:
                    make_ready(other)
                else:
                    complete(other)

    # Collect the ready tasks first: making a done task ready completes it at once, which can
    # make later tasks ready before the loop reaches them, and they must not be added twice.
    for key in [task.key for _, task in plan.task_list() if waiting[task.key] == 0]:
        make_ready(key)

    smin = availability.session_min
    longest = pattern.longest_block

    def session_length(left: int, room: int) -> int:
        """How much of ``room`` (at least session.min) a task with ``left`` minutes to do may
        use now; 0: none of it."""
        if left <= room:
            return left  # all of it; under session.min only if that is all there is
        if left - room >= smin:
            return room
        if left - smin >= smin:
            return left - smin  # shortened, so that the last session is session.min
        if left > longest:
            # No block can ever hold the rest whole: session.min now, a shorter last one later.
            return smin
        return 0  # wait for a slot that holds it whole

    def next_session(room: int) -> tuple[str, int] | None:
        """The task that gets the slot and its length: the first candidate that can use it.

        Phases take turns; the phase that uses the slot goes to the back of the line, and
        those that could not use it keep their place for the next slot.
        """
        if active:
            # The common case first: a sequential phase's task in progress can use the slot.
            queue = queues[active[0]]
            key_now = queue.current
            if key_now is not None:
                use = session_length(remaining[key_now], room)
                if use:
                    active.rotate(-1)
                    return key_now, use
        anyone_checked = False
        position = 0
        while position < len(active):
            phase_key = active[position]
            queue = queues[phase_key]
            if not queue.has_work():
                del active[position]
                in_turn.discard(phase_key)
                continue
            phase_checked = not queue.interleave
            for key in queue.candidates() if queue.interleave else (queue.next_in_line(),):
                use = session_length(remaining[key], room)
                if use:
                    queue.take(key, index_of[key])
                    del active[position]
                    active.append(phase_key)
                    return key, use
                # Refused. Before trying what may be thousands of tasks with the same few
                # amounts left, ask whether any of those amounts can use the slot at all.
                if not anyone_checked:
                    anyone_checked = True
                    if not any(session_length(left, room) for left in ready_lefts):
                        return None
                if not phase_checked:
                    phase_checked = True
                    if not any(session_length(left, room) for left in queue.candidate_lefts()):
                        break
            position += 1
        return None

    left_total = total
    ordinals: dict[str, int] = {}
    sessions: list[Session] = list(kept)
    minute = dt.timedelta(minutes=1)
    blocks = work_blocks(pattern, zone, today, horizon_end) if left_total else iter(())
    for begin, length in blocks:
        offset = 0
        # A new session needs session.min of room; the rest of a block shorter than that stays
        # empty, and a session after another in the same block starts after a quarter-hour.
        while length - offset >= smin and left_total:
            chosen = next_session(length - offset)
            if chosen is None:
                break
            key, use = chosen
            ordinal = ordinals.get(key, 0) + 1
            ordinals[key] = ordinal
            sessions.append(
                Session(key, ordinal, begin + offset * minute, begin + (offset + use) * minute)
            )
            offset += use + QUANTUM
            before = remaining[key]
            remaining[key] = before - use
            left_total -= use
            # _count, written out: this runs once per session.
            still = ready_lefts[before] - 1
            if still:
                ready_lefts[before] = still
            else:
                del ready_lefts[before]
            if before > use:
                ready_lefts[before - use] = ready_lefts.get(before - use, 0) + 1
            queues[phase_of[key]].used((rank_of[key], index_of[key], key), before, before - use)
            if before == use:
                complete(key)
        if not left_total:
            break
    if left_total:
        raise UnschedulableError(
            f"{_hours_text(left_total)} hours of work do not fit before the end of {horizon}; "
            "raise the weekly budget or --horizon-years"
        )
    sessions.sort(key=lambda session: (session.start, session.task))
    return _assemble(
        plan,
        availability,
        pattern,
        start,
        today,
        sessions,
        efforts,
        done,
        spent,
        warnings,
        zone,
        basis,
        nominal_dates,
    )


# The last day a schedule may reach. The day after it is still a date in every zone, so that
# the day's blocks and an all-day milestone on it (which ends the next day) can be written.
LAST_DAY = dt.date(9999, 12, 30)


def horizon_end_of(start: dt.date, horizon_years: int) -> dt.date:
    """The last day work may be placed on: ``horizon_years`` after ``start``, or LAST_DAY."""
    if start.year + horizon_years >= LAST_DAY.year:
        return LAST_DAY
    return min(start + relativedelta(years=horizon_years), LAST_DAY)


_ABSURD = 10**13  # more hours or years than any message needs to count


def _hours_text(minutes: int) -> str:
    """Minutes as hours for a message, without overflowing a float for absurd amounts."""
    return f"{minutes / 60:g}" if minutes < 60 * _ABSURD else f"more than {_ABSURD:,}"


def _years_text(weeks: int) -> str:
    """Weeks as about so many years, for a message."""
    return f"about {weeks * 7 / 365.25:.0f}" if weeks < 52 * _ABSURD else f"more than {_ABSURD:,}"


def _nominal_dates(
    plan: Plan,
    start: dt.date,
    effort_of: Mapping[str, int],
    basis: float,
    horizon_end: dt.date,
    horizon: str,
) -> dict[str, tuple[dt.date, dt.date]]:
    """Phase id → its nominal start and end: the start plus the weeks of what it waits for.

    A phase without weeks lasts its effort at the ``basis`` budget. Computed in dependency
    order, so that a phase listed above the one it waits for still waits. A nominal end
    past the horizon is an error.
    """
    prerequisites = phase_prerequisites(plan)
    phase_of_task = {task.key: phase.key for phase, task in plan.task_list()}
    weeks_of = {phase.key: phase.weeks for phase in plan.phases}
    dates: dict[str, tuple[dt.date, dt.date]] = {}
    for key in phase_order(plan):
        begins = max(
            [start, *(dates[phase_of_task.get(dep, dep)][1] for dep in prerequisites[key])]
        )
        weeks = weeks_of[key]
        days = round(weeks * 7 if weeks is not None else effort_of[key] / 60 / basis * 7)
        if days > (horizon_end - begins).days:
            raise UnschedulableError(
                f"phase '{key}' would end nominally after {horizon}, counting the weeks of "
                "the phases it waits for; shorten them or raise --horizon-years"
            )
        dates[key] = (begins, begins + dt.timedelta(days=days))
    return dates


def _deadline(value: dt.date | str | None, start: dt.date, owner: str) -> dt.date | None:
    """A deadline as a date; one so far from the start that no date holds it is an error."""
    if value is None:
        return None
    try:
        return check_date_in_range(resolve_date(value, start))
    except (OverflowError, ValueError):
        raise PlanError(
            f"{owner}: the deadline {value} from {start} falls after {LAST_DATE}, the last "
            "date plan2cal handles; give a nearer deadline"
        ) from None


def _spent_warning(key: str, logged: int, effort: int) -> str:
    """The warning for a task whose logged time covers its estimate but is not marked done.

    It must not read as finished: the task is not done, only nothing more is scheduled for it.
    """
    # Logged time is rounded to the grid, so a few minutes short of the estimate leave nothing.
    share = "more than" if logged > effort else ("all of" if logged == effort else "nearly all of")
    return (
        f"task '{key}' has {duration_text(logged)} logged, {share} its "
        f"{duration_text(effort)} estimate, and is not marked done: nothing more is scheduled "
        "for it; mark it done, or give it more hours"
    )


def _kept_sessions(
    plan: Plan,
    availability: Availability,
    start: dt.date,
    actuals: Actuals | None,
    zone: ZoneInfo,
    horizon_years: int,
) -> list[Session]:
    """The sessions done tasks keep: those shown before, up to the done date and before today."""
    if actuals is None or not actuals.done:
        return []
    history = {key: list(shown) for key, shown in actuals.history.items()}
    missing = {key for key in actuals.done if key not in history}
    if missing:
        # No record of what was shown: take the schedule made from the start without progress.
        original = build_schedule(plan, availability, start, horizon_years=horizon_years)
        for session in original.sessions:
            if session.task in missing:
                history.setdefault(session.task, []).append((session.start, session.end))
    kept: list[Session] = []
    for key, done_on in actuals.done.items():
        shown = sorted(history.get(key, ()))
        ordinal = 0
        for begin, end in shown:
            day = begin.astimezone(zone).date()
            if day <= done_on and day < actuals.today:
                ordinal += 1
                kept.append(Session(key, ordinal, begin, end, done=True))
    return kept


def _assemble(
    plan: Plan,
    availability: Availability,
    pattern: WeekPattern,
    start: dt.date,
    today: dt.date,
    sessions: list[Session],
    efforts: dict[str, int],
    done: dict[str, dt.date],
    spent: dict[str, int],
    warnings: list[str],
    zone: ZoneInfo,
    basis: float,
    nominal_dates: Mapping[str, tuple[dt.date, dt.date]],
) -> Schedule:
    first: dict[str, Session] = {}
    last: dict[str, Session] = {}
    for session in sessions:
        first.setdefault(session.task, session)
        last[session.task] = session

    def local_day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    def end_date(key: str) -> dt.date:
        if key in done:
            return done[key]
        if key in last:
            return local_day(last[key].start)
        return today  # all its effort was spent before today

    def start_date(key: str) -> dt.date:
        return local_day(first[key].start) if key in first else end_date(key)

    tasks: list[TaskPlan] = []
    for phase, task in plan.task_list():
        deadline = _deadline(task.deadline, start, f"task '{task.key}'")
        finished = end_date(task.key)
        if deadline is not None and finished > deadline:
            verb = "finished" if task.key in done else "finishes"
            warnings.append(
                f"task '{task.key}' {verb} on {finished}, {(finished - deadline).days} days "
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
                start=first[task.key].start if task.key in first else None,
                finish=last[task.key].end if task.key in last else None,
                sessions=last[task.key].ordinal if task.key in last else 0,
                deadline=deadline,
                description=task.description,
                link=task.link,
                after=tuple(task.after),
                end_date=finished,
                done=done.get(task.key),
                spent=spent.get(task.key, 0),
            )
        )

    by_key = {task.key: task for task in tasks}
    prerequisites = phase_prerequisites(plan)
    phases: list[PhasePlan] = []
    for phase in plan.phases:
        own = [by_key[task.key] for task in phase.tasks]
        effort = sum(task.effort for task in own)
        end = max(task.end_date for task in own)
        deadline = _deadline(phase.deadline, start, f"phase '{phase.key}'")
        if deadline is not None and end > deadline:
            warnings.append(
                f"phase '{phase.key}' ends on {end}, {(end - deadline).days} days after its "
                f"deadline {deadline}"
            )
        nominal = round(phase.weeks * basis * 60) if phase.weeks is not None else None
        phases.append(
            PhasePlan(
                key=phase.key,
                name=phase.name,
                description=phase.description,
                effort=effort,
                nominal_effort=nominal,
                start=min(start_date(task.key) for task in own),
                end=end,
                nominal_start=nominal_dates[phase.key][0],
                nominal_end=nominal_dates[phase.key][1],
                deadline=deadline,
                after=tuple(prerequisites[phase.key]),
            )
        )

    milestones: list[FixedMilestone] = []
    phase_end = {phase.key: phase.end for phase in phases}
    for milestone in plan.milestones:
        for dep in milestone.after:
            ends = phase_end.get(dep) or by_key[dep].end_date
            if ends > milestone.date:
                warnings.append(
                    f"milestone '{milestone.key}' on {milestone.date} waits for '{dep}', which "
                    f"ends on {ends}"
                )
        milestones.append(
            FixedMilestone(milestone.key, milestone.name, milestone.date, milestone.description)
        )
    return Schedule(
        plan=plan.plan,
        title=plan.title,
        start=start,
        today=today,
        availability=availability,
        pattern=pattern,
        sessions=tuple(sessions),
        tasks=tuple(tasks),
        phases=tuple(phases),
        milestones=tuple(milestones),
        warnings=tuple(warnings),
    )
