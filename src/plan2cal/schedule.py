"""The pure scheduler: a Plan and an Availability in, dated work sessions and milestones out.

build_schedule's docstring states the rules (DESIGN §4): the order work is taken in, how it is
placed in the week's blocks, waits and lags, and what the past shows on a rerun.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import heapq
import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from plan2cal.availability import WeekLoss
from plan2cal.durations import QUANTUM, duration_text, estimate_error
from plan2cal.errors import Plan2CalError, PlanError, UnschedulableError
from plan2cal.graph import (
    check_acyclic,
    dependency_links,
    linked_milestones,
    phase_links,
    phase_order,
)
from plan2cal.habits import (
    HabitSpan,
    Rhythm,
    days_in_week,
    monday_of,
    past_weeks,
    week_ordinal,
    week_quota,
)
from plan2cal.habits import session_length as habit_session_length
from plan2cal.model import (
    DEFAULT_HOURS_PER_WEEK,
    DEFAULT_WINDOWS,
    LAST_DATE,
    PRIORITIES,
    Phase,
    Plan,
    Task,
    check_date_in_range,
    check_timezone,
    parse_every,
    parse_windows,
    resolve_date,
    until_before_start,
    until_offset_days,
)
from plan2cal.worktime import (
    UTC,
    Availability,
    WeekPattern,
    Windows,
    dated_work_blocks,
    holds_a_session,
    merge_windows,
    week_pattern,
    window_spans,
)

# Calendar time in minutes: deadlines are compared as minutes on the plan's calendar, counted
# from 0001-01-01 (a date's ordinal × DAY is its midnight), so that no float rounds them.
DAY = 24 * 60
WEEK = 7 * DAY
# A task with a deadline splits its rest across blocks (instead of waiting for a block that
# holds it whole) once its effective deadline is less than this many days away: the week
# pattern's longest block comes round once a week.
SPLIT_WHEN_DUE_WITHIN_DAYS = 7


@dataclass(frozen=True, slots=True)
class Session:
    """One sitting of work on one task, in UTC; ``ordinal`` counts the task's sessions from 1.

    ``done``: in the past, as it happened (or as a done task was shown); ``logged``: placed from
    the time logged that day rather than from what an earlier run showed.
    """

    task: str
    ordinal: int
    start: dt.datetime
    end: dt.datetime
    done: bool = False
    logged: bool = False

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int((self.end - self.start).total_seconds()) // 60


@dataclass(frozen=True, slots=True)
class WaitSpan:
    """A pure wait (a task with ``wait:``) as scheduled: calendar days, no budget, no session.

    ``first_day`` to ``last_day``, both included; the work after it may start the day after
    ``last_day`` (an all-day event's exclusive DTEND).
    """

    task: str
    first_day: dt.date
    last_day: dt.date

    @property
    def days(self) -> int:
        """Days of waiting."""
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True, slots=True)
class LoggedDay:
    """Time logged on a task on a day whose windows could not hold it (or on today or later,
    when the future is still being placed): an all-day note rather than a timed session."""

    task: str
    day: dt.date
    minutes: int


@dataclass(frozen=True, slots=True)
class Miss:
    """A deadline the schedule misses: a task's or phase's ``deadline``, or a fixed milestone's
    date that the work in its ``after`` ends after.

    ``finish``: the day the work ends (a done task's done date); ``late``: for a milestone,
    the ids in its ``after`` that end after its date.
    """

    kind: Literal["task", "phase", "milestone"]
    key: str
    name: str
    due: dt.date
    finish: dt.date
    late: tuple[str, ...] = ()

    @property
    def days_late(self) -> int:
        """Days from the date to the finish."""
        return (self.finish - self.due).days


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """A task as scheduled: its effort, where its id and effort came from, and its dates.

    ``remaining``: the minutes placed from today on (0 when done). ``effective_deadline``: the
    day that orders it among ready work (build_schedule, "Order"): finishing by it leaves the
    weekly budget enough time for every deadline after it; None when no deadline follows it
    (or when done). It errs early, as its pass leaves the days of waits and lags unused, so a
    task past it may still make every date: ``Schedule.misses`` says which are missed.
    ``wait``: the span of a pure wait. ``after`` names tasks and phases, ``after_milestones``
    fixed milestones; ``lags``: the links of ``after`` with a lag, in days.
    """

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
    remaining: int
    done: dt.date | None = None
    spent: int = 0
    effective_deadline: dt.date | None = None
    wait: WaitSpan | None = None
    after_milestones: tuple[str, ...] = ()
    lags: tuple[tuple[str, int], ...] = ()
    habit: HabitSpan | None = None


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """A phase as scheduled; ``end`` is the date of its milestone (its last session).

    ``after`` names the tasks and phases it waits for, ``after_milestones`` the fixed
    milestones; ``lags``: the links with a lag, in days.
    """

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
    after_milestones: tuple[str, ...] = ()
    lags: tuple[tuple[str, int], ...] = ()

    @property
    def slip_days(self) -> int:
        """Days the milestone falls after its nominal date (negative: early)."""
        return (self.end - self.nominal_end).days


@dataclass(frozen=True, slots=True)
class FixedMilestone:
    """A milestone with a date of its own, from the plan file; ``after``: the phase and task
    ids it waits for, and ``work_end``: the day the last of them ends (None without any)."""

    key: str
    name: str
    date: dt.date
    description: str | None
    after: tuple[str, ...] = ()
    work_end: dt.date | None = None


@dataclass(frozen=True)
class Actuals:
    """What has happened, for a rerun (DESIGN §4 rule 5).

    ``today``: work before it is history. ``done``: task id → the day it was finished.
    ``logged``: task id → the progress file's log entries, ``(day, minutes)``, in any order
    (several on one day add up). ``spent``: task id → minutes logged in all; a task missing
    from it counts the sum of its ``logged`` entries. ``remaining``: task id → minutes it still
    needs, as re-estimated (``log TASK 10h --remaining 15h``); it replaces the estimate less
    the time spent. ``history``: task id → the sessions the last run showed for it, as
    ``(start, end)`` in UTC; a done task without log entries keeps those up to its done date,
    and one missing from ``history`` keeps those of the schedule made from the start without
    progress.
    """

    today: dt.date
    done: Mapping[str, dt.date] = field(default_factory=dict)
    spent: Mapping[str, int] = field(default_factory=dict)
    history: Mapping[str, Sequence[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    logged: Mapping[str, Sequence[tuple[dt.date, int]]] = field(default_factory=dict)
    remaining: Mapping[str, int] = field(default_factory=dict)

    def spent_on(self, key: str) -> int:
        """Minutes logged on the task: ``spent`` if given, else the sum of its log entries."""
        if key in self.spent:
            return self.spent[key]
        return sum(minutes for _, minutes in self.logged.get(key, ()))


@dataclass(frozen=True)
class Schedule:
    """The result of scheduling: sessions in time order, per-task and per-phase dates, warnings.

    ``waits``: the spans of pure waits, in task file order. ``logged_days``: logged time shown
    as all-day notes, by day then task. ``misses``: every deadline and fixed milestone the
    schedule misses, in plan order (tasks and phases, then milestones); each also has a line
    in ``warnings``. ``losses``: each week from today on whose windows holidays, time off or
    busy events took time from, in order, up to the end of the work.
    """

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
    waits: tuple[WaitSpan, ...] = field(default=())
    logged_days: tuple[LoggedDay, ...] = field(default=())
    misses: tuple[Miss, ...] = field(default=())
    losses: tuple[WeekLoss, ...] = field(default=())

    @property
    def end(self) -> dt.date:
        """The date of the last session."""
        return max(phase.end for phase in self.phases)

    def milestones_reached(self) -> dict[str, dt.date]:
        """Fixed milestone id → the day it is reached: its date, or the day the work it waits
        for ends when that is later (a miss)."""
        late = {miss.key: miss.finish for miss in self.misses if miss.kind == "milestone"}
        return {m.key: late.get(m.key, m.date) for m in self.milestones}

    def session_counts(self) -> dict[str, int]:
        """Task id → number of its sessions."""
        return {task.key: task.sessions for task in self.tasks}

    def task_switches(self) -> dict[dt.date, int]:
        """Local day → how many times the work changes task that day (sessions in time order;
        a day with sessions of one task counts 0)."""
        zone = ZoneInfo(self.availability.timezone)
        switches: dict[dt.date, int] = {}
        previous: tuple[dt.date, str] | None = None
        for session in self.sessions:
            day = session.start.astimezone(zone).date()
            count = switches.setdefault(day, 0)
            if previous is not None and previous[0] == day and previous[1] != session.task:
                switches[day] = count + 1
            previous = (day, session.task)
        return switches


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

    A task's ``hours`` if given; a pure wait (``wait:``) and a habit (``every:``, whose time
    the scheduler reserves week by week) have none. The others share what is
    left of their phase's nominal budget
    (``weeks × hours_per_week`` minus the explicit hours) by weight, but never less than they
    would share if no task had hours: a course with a published workload that overflows its
    phase stretches the phase instead of squeezing the rest of its work to nothing. Shares are
    whole quarter-hours by the largest-remainder rule, so they add up exactly.
    """
    efforts: dict[str, int] = {}
    warnings: list[str] = []
    for phase in plan.phases:
        work = [t for t in phase.tasks if t.wait is None and not t.habit]
        unsized = [t for t in work if t.hours is None]
        for task in phase.tasks:
            if task.hours is not None:
                efforts[task.key] = max(1, round(task.hours / QUANTUM)) * QUANTUM
            elif task.wait is not None or task.habit:
                efforts[task.key] = 0
        if not unsized:
            continue
        assert phase.weeks is not None  # the model requires weeks when a task has no hours
        nominal = phase.weeks * hours_per_week * 60 / QUANTUM
        explicit = sum(efforts.get(t.key, 0) for t in phase.tasks) / QUANTUM
        unsized_weight = sum(t.weight for t in unsized)
        as_if_unsized = nominal * unsized_weight / sum(t.weight for t in work)
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
    """The ready tasks of one phase that no deadline orders, in the order the phase's mode
    takes them.

    Sequential: the current task until it is done, then the best ready one by priority and file
    order. Interleave: the ready tasks of the best priority present take turns, in file order;
    the turn moves on at a day boundary, so that one task has the phase's slots of a day.
    """

    __slots__ = ("current", "day", "interleave", "last", "lefts", "ready")

    def __init__(self, interleave: bool) -> None:
        self.interleave = interleave
        # (priority rank, file index, id): a heap when sequential, a sorted list when interleaved
        self.ready: list[tuple[int, int, str]] = []
        self.current: str | None = None
        self.last = -1  # file index of the task that had the last turn
        self.day: dt.date | None = None  # the day of the last turn
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

    def candidates(self, day: dt.date) -> Iterator[str]:
        """Interleave: the tasks that may have the next turn on ``day``, the phase's choice
        first: the best priority's tasks, from the one whose turn it is round to it.

        On the day of the last turn that task is asked first again; on a new day, the next.
        """
        best = self.ready[0][0]
        end = bisect.bisect_left(self.ready, (best + 1,))
        after = self.last if day == self.day else self.last + 1
        turn = bisect.bisect_left(self.ready, (best, after), 0, end)
        if turn == end:
            turn = 0
        for entry in itertools.chain(self.ready[turn:end], self.ready[:turn]):
            yield entry[2]

    def next_in_line(self) -> str:
        """Sequential: the current task, or the one that would become current."""
        return self.current if self.current is not None else self.ready[0][2]

    def take(self, key: str, index: int, day: dt.date) -> None:
        """Give the turn to ``key``, one of the candidates, on ``day``."""
        if self.interleave:
            self.last = index
            self.day = day
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
    deadline_first: bool = True,
) -> Schedule:
    """Place every task's effort in work sessions from ``start`` and date the milestones.

    ``effort_basis`` is the weekly budget that derives the efforts of tasks without hours
    (default: effort_basis_for, the plan's own ``hours_per_week`` when it has one), so that a
    larger budget finishes the same work sooner and ``fit`` tries budgets on the work the
    schedule has. ``deadline_first=False`` orders all work as if no deadline followed it.

    **Order.** Every task gets an effective deadline: the latest finish that still lets its
    own deadline, its phase's, each fixed milestone that waits for it, and every deadline after
    it be made. It comes from one pass backwards from the deadlines (Lawler's rule): of the
    work whose successors are all placed, the one to go last is work with no deadline of its
    own (it may as well come right before what waits for it), else the latest deadline, then
    the lowest priority, then the last in the file; it must finish by its own deadline, by
    the start of each successor less the lag, and, when it takes budget, by the start of the
    work placed after it: one person does all of it, so the remaining work after it is taken
    off (work converts to calendar time at the minutes a week of the pattern holds; waits and
    lags take their days and no budget). Among ready work, each slot goes to

    1. the task in progress: the one that had the day's last session, until it has had
       ``session.max`` that day (or is done);
    2. else the ready task with the earliest effective deadline, then the best priority, then
       the first in the file;
    3. else work no deadline follows, as the phases' modes say: phases take turns, session
       by session; a sequential phase works one task at a time (by priority, then file order),
       an interleaved one gives its slots of a day to one task and the next day to the next.

    The first that can use the slot gets it; if none can, it stays empty.

    **Placement.** Sessions fill the blocks of the week pattern (worktime.week_pattern), in
    time order:

    - every session is at least ``session.min``, except a task's only session when its whole
      remaining effort (from today) is less, and the last-session exception below;
    - a session starts only where the block has ``session.min`` left; a shorter rest of a
      block stays empty;
    - a session that starts in a block after another ends in it leaves a quarter-hour break;
    - no work is chopped for nothing: a task whose rest does not fit the room left in a block
      but fits a whole block of that length, and the next block that can take a session, does
      not start (or go on) there; it waits for a slot that holds it whole, unless its
      effective deadline is less than SPLIT_WHEN_DUE_WITHIN_DAYS away;
    - no task is left a rest shorter than ``session.min``: a session that would leave one is
      shortened to leave exactly ``session.min``, if it is then still ``session.min`` long;
      if not, the slot goes to the next ready task that can use it, or stays empty;
    - except that when a task's rest is longer than the pattern's longest block, and so could
      never be placed whole, it is split anyway: a session of ``session.min`` now, and a
      last session shorter than ``session.min`` later.

    **Windows of their own.** A task's sessions lie inside its windows: the task's own
    ``windows``, else its phase's, else the defaults'. In a plan where any phase or task has
    windows of its own, each week is laid (by the week pattern's rules) in the union of the
    windows of the work that can take the next slot when the week's first block is laid (each
    urgent task, the task in progress, a sequential phase's next task, an interleaved phase's
    best-priority tasks; the defaults' when there is none), so the weekly budget is shared
    across the windows the ready work can use. A slot goes to the first task in the order
    whose windows hold the slot's start, for as long as they last. In such a plan no task waits
    for a slot that holds its rest whole: what does not fit is split, and a rest shorter than
    ``session.min`` ends in a shorter last session.

    **Availability.** Holidays, days off, hours off and busy events (``availability.blocked``)
    remove capacity, one calendar week at a time (worktime.dated_work_blocks): a week they take
    window time from is laid anew, its ordinary budget spread over the windows that remain, by
    the pattern's rules, and what those cannot hold is lost to that week, not made up later,
    so the plan slips as in life (``Schedule.losses`` says by how much). Sessions never touch a
    blocked interval, nor fall on a holiday or a day off. The deadlines' conversion of work to
    calendar time and the phases' nominal dates stay those of ordinary weeks: nominal dates
    are calendar dates.

    **Waiting.** A link in ``after`` with a lag lets the work start at local midnight of the
    day the prerequisite ended plus the lag's days (a lag of 0: as soon as it ended). A
    pure wait (``wait: 2w``) starts on the day all it waits for has ended (at the earliest
    the plan's start), lasts its days, takes no budget and no session, and what comes after
    it may start the day after its last day (``Schedule.waits``). A fixed milestone named in
    an ``after`` is done on its date, or when the work it waits for is, if later.

    **Progress.** With ``actuals``, work before ``actuals.today`` is history. The past shows
    what was logged: each day's logged time of a task goes into that day's windows, the
    earliest free minutes first (around what is already shown that day), as past sessions
    marked ``done`` and ``logged``; what does not fit, and what is logged on today or later,
    is one LoggedDay note. A done task without log entries keeps the sessions it was shown
    up to its done date. Other past sessions are dropped. A task's remaining effort is placed
    from today on: nothing for a done task or a wait; else its re-estimate if one was given;
    else its estimate less the time logged, on the 15-minute grid, and when the time logged
    covers the estimate of a task that is not done, one more ``session.min`` (or the
    estimate, if smaller), with a warning that names the overrun. A task's sessions are
    numbered in time order, the past ones first.

    Pure: the same inputs give the same schedule. Raises UnschedulableError for a dependency
    cycle, no usable window, a budget below the shortest session, or work, waits or a phase's
    nominal weeks that would not end within ``horizon_years`` (at most up to LAST_DAY);
    PlanError for a deadline no date can hold. Never OverflowError, however large the numbers.
    """
    links = dependency_links(plan)
    check_acyclic(links)
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
    smin, smax = availability.session_min, availability.session_max
    listed = plan.task_list()
    remaining = _remaining_effort(listed, efforts, actuals, smin, warnings)
    past, logged_days = _past_sessions(
        plan, listed, availability, start, today, actuals, zone, horizon_years
    )

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
    rhythms = _habits(plan, pattern.weekly_minutes, start)
    due = _deadlines(plan, start)
    phase_of: dict[str, str] = {}
    index_of: dict[str, int] = {}
    rank_of: dict[str, int] = {}
    wait_days: dict[str, int] = {}
    for index, (phase, task) in enumerate(listed):
        phase_of[task.key] = phase.key
        index_of[task.key] = index
        rank_of[task.key] = PRIORITIES.index(task.priority)
        if task.wait is not None:
            wait_days[task.key] = task.wait
    latest = (
        _latest_finishes(index_of, rank_of, links, due.own, remaining, wait_days, done, weekly)
        if deadline_first
        else {}
    )

    milestone_day = {key: m.date for key, m in linked_milestones(plan).items()}
    waiting = {node: len(deps) for node, deps in links.items()}
    dependents: dict[str, list[tuple[str, int]]] = {node: [] for node in links}
    for node, deps in links.items():
        for dep, lag in deps.items():
            dependents[dep].append((node, lag))
    queues = {phase.key: _PhaseQueue(phase.mode == "interleave") for phase in plan.phases}
    # Phases with ready work no deadline orders take turns, one session at a time.
    active: deque[str] = deque()
    in_turn: set[str] = set()
    # Minutes left → how many such ready tasks have that many left: a slot that none of these
    # amounts can use is seen at once, however many tasks wait for a longer one.
    ready_lefts: dict[int, int] = {}
    # Ready work with an effective deadline: (latest finish, priority rank, file index, id) in
    # order, the day (ordinal) it is due, and its minutes left, counted as above.
    urgent: list[tuple[int, int, int, str]] = []
    due_day = {key: (minute - 1) // DAY for key, minute in latest.items() if key in phase_of}
    urgent_lefts: dict[int, int] = {}
    to_place = dict(remaining)

    # Windows of their own ("Windows of their own" above): task id → its windows, for the
    # tasks whose phase or own entry names some; the others keep the defaults'.
    own_windows: dict[str, Windows] = {}
    for phase, task in listed:
        spec = task.windows if task.windows is not None else phase.windows
        if spec is not None:
            own_windows[task.key] = parse_windows(spec)
            if not holds_a_session(own_windows[task.key], smin, smax):
                owner = f"task '{task.key}'" if task.windows is not None else f"phase '{phase.key}'"
                raise UnschedulableError(
                    f"no window of {owner} can hold a session: give it a time range at least as "
                    f"long as session.min ({duration_text(smin)})"
                )
    restricted = bool(own_windows)
    # The distinct windows of the work, the defaults' first; task id → its index there.
    window_sets: list[Windows] = [availability.windows]
    window_index: dict[str, int] = {}
    for key, windows in own_windows.items():
        if windows not in window_sets:
            window_sets.append(windows)
        window_index[key] = window_sets.index(windows)
    unions: dict[frozenset[int], Windows] = {}

    # Prerequisites end at instants (UTC); waits, lags and milestone dates open at local
    # midnights. What opens later than now waits in ``pending`` for the first block after it.
    origin = _midnight(zone, today)
    now = origin
    last_day = horizon_end.toordinal()
    pending: list[tuple[dt.datetime, int, bool, str]] = []  # (instant, order, ends?, node)
    order = itertools.count()
    done_at: dict[str, dt.datetime] = {}
    gate_of: dict[str, dt.datetime] = {}
    spans: dict[str, WaitSpan] = {}
    settled: list[str] = []  # nodes just done whose dependents are still to be told

    # Habits ("Habits" above). Each ends when its phase does, or at its until: a node (when it
    # is done), a date, or an offset from its first day; and when marked done, from that day.
    habit_order = {key: index_of[key] for key in rhythms}
    until_where = {
        task.key: ("phases", p, "tasks", t, "until")
        for p, phase in enumerate(plan.phases)
        for t, task in enumerate(phase.tasks)
        if task.every is not None
    }
    ended_by: dict[str, list[str]] = {}  # node id → the habits that end when it is done
    fixed_last: dict[str, dt.date | int] = {}  # habit → last day, or days from its first day
    habit_ends: dict[str, str] = {}  # habit → why it ends, for people
    phase_names = {phase.key: phase.name for phase in plan.phases}
    for phase, task in listed:
        if task.every is None:
            continue
        key = task.key
        until = task.until
        if until is None:
            ended_by.setdefault(phase.key, []).append(key)
            habit_ends[key] = f"until phase '{phase.key}' ends"
        elif isinstance(until, dt.date):
            fixed_last[key] = until
            habit_ends[key] = f"until {until.isoformat()}"
        elif (days := until_offset_days(until)) is not None:
            fixed_last[key] = days
            habit_ends[key] = f"for {until.removeprefix('+')}"
        else:
            ended_by.setdefault(until, []).append(key)
            kind = "phase" if until in phase_names else "task"
            habit_ends[key] = f"until {kind} '{until}' ends"
        if key in done:
            habit_ends[key] = f"until marked done on {done[key].isoformat()}"
    habit_first: dict[str, dt.date] = {}  # habit → its first day, once it is ready
    habit_from: dict[str, dt.datetime] = {}  # habit → the instant it is ready
    habit_last: dict[str, dt.date | None] = {}  # habit → its last day (None: not known yet)
    habit_live: list[str] = []  # ready and not ended, in file order
    habit_waiting = set(rhythms)  # not ready yet
    habit_week: dict[str, tuple[dt.date, int]] = {}  # habit → (Monday, minutes placed that week)
    habit_day: dict[str, dt.date] = {}  # habit → the last day it had a session
    habits_day: dt.date | None = None  # the day of the last habit session
    habits_that_day = 0  # and how many habit sessions it has
    habit_target = {key: r.target(smin, smax) for key, r in rhythms.items()}
    phase_began: dict[str, dt.date] = {}  # a phase of habits only → the day it began
    habit_phase_days = {
        phase.key: max(1, round((phase.weeks or 0) * 7))
        for phase in plan.phases
        if phase.habits_only
    }

    def local_last(at: dt.datetime) -> dt.date:
        """The last day something that ends at ``at`` runs on (a midnight ends the day before)."""
        return (at - dt.timedelta(minutes=1)).astimezone(zone).date()

    def end_habit(key: str, last: dt.date) -> None:
        known = habit_last.get(key)
        habit_last[key] = last if known is None or last < known else known
        if key in habit_live:
            habit_live.remove(key)

    def start_habit(key: str, at: dt.datetime | None) -> None:
        habit_waiting.discard(key)
        begin = at if at is not None else _midnight(zone, start)
        first = begin.astimezone(zone).date()
        habit_first[key] = first
        habit_from[key] = begin
        fixed = fixed_last.get(key)
        last = first + dt.timedelta(days=fixed - 1) if isinstance(fixed, int) else fixed
        if key in done:
            stop = done[key] - dt.timedelta(days=1)  # done on a day: none of it that day
            last = stop if last is None or stop < last else last
        for node in [n for n, keys in ended_by.items() if key in keys]:
            if node in done_at:  # already ended before the habit was ready
                over = local_last(done_at[node])
                last = over if last is None or over < last else last
        if last is not None and last > horizon_end:
            raise UnschedulableError(
                f"the habit '{key}' runs until {last.isoformat()}, past {horizon}; end it "
                "sooner or raise --horizon-years",
                where=until_where[key],
            )
        habit_last[key] = last
        if last is None or last >= max(first, today):
            bisect.insort(habit_live, key, key=habit_order.__getitem__)

    def midnight(day_number: int) -> dt.datetime:
        """Local midnight that starts the day with that ordinal, in UTC."""
        if day_number > last_day:
            raise UnschedulableError(
                f"waits, lags and fixed milestones reach past {horizon}; shorten them or raise "
                "--horizon-years"
            )
        return _midnight(zone, dt.date.fromordinal(day_number))

    def finish(node: str, at: dt.datetime) -> None:
        done_at[node] = at
        settled.append(node)
        for habit in ended_by.get(node, ()):
            if habit in habit_first:
                end_habit(habit, local_last(at))

    def settle() -> None:
        """Tell the dependents of each node just done, depth first, as a recursion would."""
        stack: list[tuple[dt.datetime, Iterator[tuple[str, int]]]] = []
        while True:
            if settled:
                node = settled.pop()
                stack.append((done_at[node], iter(dependents[node])))
            if not stack:
                return
            at, todo = stack[-1]
            for other, lag in todo:
                gate = at if not lag else midnight(at.astimezone(zone).toordinal() + lag)
                if other not in gate_of or gate > gate_of[other]:
                    gate_of[other] = gate
                waiting[other] -= 1
                if not waiting[other]:
                    release(other, gate_of[other])
                    if settled:
                        break
            else:
                stack.pop()

    def release(node: str, at: dt.datetime | None) -> None:
        """Everything ``node`` waits for is done, and it may start at ``at`` (None: any time)."""
        day = milestone_day.get(node)
        if day is not None:
            opens = midnight(day.toordinal())
            at = opens if at is None or opens > at else at
        if at is not None and at > now:
            heapq.heappush(pending, (at, next(order), False, node))
        else:
            activate(node, at)

    def activate(node: str, at: dt.datetime | None) -> None:
        if node in habit_phase_days:  # a phase of habits only: it lasts its weeks
            began = max(start, at.astimezone(zone).date()) if at is not None else start
            phase_began[node] = began
            closes = midnight(began.toordinal() + habit_phase_days[node])
            if closes > now:
                heapq.heappush(pending, (closes, next(order), True, node))
            else:
                finish(node, closes)
            return
        if node not in phase_of:  # a phase or a fixed milestone: done when it may start
            finish(node, at if at is not None else origin)
            return
        if node in rhythms:  # a habit: it runs from now; nothing waits for it to finish
            start_habit(node, at)
            return
        ends: dt.datetime | None = None
        if node in wait_days:
            first = max(start, at.astimezone(zone).date()) if at is not None else start
            if node in done:
                over = max(done[node].toordinal(), first.toordinal() + 1)
            else:
                over = first.toordinal() + wait_days[node]
            spans[node] = WaitSpan(node, first, dt.date.fromordinal(over - 1))
            ends = midnight(over) if node not in done else _midnight(zone, done[node])
        elif node in done:
            ends = _midnight(zone, done[node])
        elif not to_place[node]:
            ends = origin  # all its effort was spent before today
        else:
            make_ready(node)
            return
        if at is not None and at > ends:
            ends = at
        if ends > now:
            heapq.heappush(pending, (ends, next(order), True, node))
        else:
            finish(node, ends)

    def make_ready(key: str) -> None:
        left = to_place[key]
        if key in due_day:
            bisect.insort(urgent, (latest[key], rank_of[key], index_of[key], key))
            _count(urgent_lefts, left, 1)
            return
        phase_key = phase_of[key]
        if phase_key not in in_turn:
            active.append(phase_key)
            in_turn.add(phase_key)
        queues[phase_key].add(rank_of[key], index_of[key], key, left)
        _count(ready_lefts, left, 1)

    def run_pending(until: dt.datetime | None) -> None:
        """Open and end what is due by ``until`` (None: everything), in time order."""
        nonlocal now
        while pending and (until is None or pending[0][0] <= until):
            at, _, ends, node = heapq.heappop(pending)
            now = at
            if ends:
                finish(node, at)
            else:
                activate(node, at)
            settle()

    # Tasks first, in file order, each followed by what it sets off (a done task is done as
    # soon as it may start), then fixed milestones that wait for nothing. Collected first:
    # what a done task sets off must not be released twice.
    roots = [key for key in [*index_of, *milestone_day] if waiting[key] == 0]
    for key in roots:
        release(key, None)
        settle()

    # In a plan with windows of their own no task waits for a slot that holds its rest whole:
    # a slot it could take is split as needed (its windows may never hold the rest whole).
    longest = 0 if restricted else pattern.longest_block

    def week_windows() -> Windows:
        """The windows a week is laid in: those of the work that can take the next slot (each
        urgent task, the task in progress, a sequential phase's next task, an interleaved
        phase's best-priority tasks); the defaults' when that is none, or only them.

        Habits take their time out of the blocks laid for the project work: their windows
        shape a week only when no project work is ready (a phase of habits only, or a habit
        that outlives the work). Were a habit's wider window laid with the work's, the week's
        blocks could open where only the habit may sit, and the rest of the week would be
        lost to the work (a shortfall is warned about instead, _habit_shortfall)."""
        used: set[int] = set()
        for entry in urgent:
            used.add(window_index.get(entry[3], 0))
        if prev is not None and to_place[prev]:
            used.add(window_index.get(prev, 0))
        for phase_key in active:
            queue = queues[phase_key]
            if not queue.has_work():
                continue
            if queue.interleave:
                end = bisect.bisect_left(queue.ready, (queue.ready[0][0] + 1,))
                used.update(window_index.get(entry[2], 0) for entry in queue.ready[:end])
            else:
                used.add(window_index.get(queue.next_in_line(), 0))
        if not used:
            used.update(window_index.get(habit, 0) for habit in habit_live)
        if not used or used == {0}:
            return availability.windows
        shape = frozenset(used)
        if shape not in unions:
            unions[shape] = merge_windows([window_sets[index] for index in sorted(used)])
        return unions[shape]

    # Where the slot being filled starts: weekday and wall-clock minute (restricted plans).
    slot_weekday = 0
    slot_minute = 0

    def room_of(key: str, room: int) -> int:
        """How much of ``room`` lies inside the task's windows from the slot's start (a plan
        with windows of their own)."""
        for low, high in own_windows.get(key, availability.windows).get(slot_weekday, ()):
            if low <= slot_minute < high:
                return min(room, (high - slot_minute) // QUANTUM * QUANTUM)
        return 0

    def session_length(left: int, room: int, block: int, whole: bool) -> int:
        """How much of ``room`` (at least session.min) a task with ``left`` minutes to do may
        use now; 0: none of it. ``whole``: it would rather wait for a slot that holds its rest
        whole, when both this block and the next one that can take a session are ``block``
        minutes or longer."""
        if room < smin:
            return 0  # the task's windows leave less than a session here
        if left <= room:
            return left  # all of it; under session.min only if that is all there is
        if whole and left <= block and not restricted:
            return 0
        if left - room >= smin:
            return room
        if left - smin >= smin:
            return left - smin  # shortened, so that the last session is session.min
        if left > longest:
            # No block can ever hold the rest whole: session.min now, a shorter last one later.
            return smin
        return 0  # wait for a slot that holds it whole

    def waits_for_whole(key: str, day: dt.date) -> bool:
        """Whether the task may wait for a slot that holds its rest whole: when no deadline
        follows it, or its effective deadline is far enough away."""
        due_on = due_day.get(key)
        return due_on is None or due_on - day.toordinal() >= SPLIT_WHEN_DUE_WITHIN_DAYS

    prev: str | None = None  # the task of the last session, on prev_day, for prev_minutes
    prev_day: dt.date | None = None
    prev_minutes = 0

    # The weekdays a habit can have a session on: those the week pattern works on, and, for
    # a habit with windows of its own, that those windows can hold a session on.
    habit_weekdays: dict[str, tuple[int, ...]] = {}
    for key in rhythms:
        habit_weekdays[key] = tuple(
            weekday
            for weekday in range(7)
            if pattern.day_minutes(weekday) >= smin
            and (
                key not in own_windows
                or any(high - low >= smin for low, high in own_windows[key].get(weekday, ()))
            )
        )
    slot_at = origin  # where the slot being filled starts

    def habit_session(room: int, day: dt.date) -> tuple[str, int] | None:
        """The habit that takes the slot, if one is due time this week: its time comes first
        out of the week's budget. A habit has at most one session a day, and the habits share
        out the days, unless the days left in the week are too few for what it is still due."""
        monday = monday_of(day)
        crowded = habits_day == day and habits_that_day > 0
        for key in habit_live:
            if habit_from[key] > slot_at:
                continue
            last = habit_last[key]
            if last is not None and day > last:
                continue
            week = habit_week.get(key)
            used = week[1] if week is not None and week[0] == monday else 0
            left = week_quota(rhythms[key], days_in_week(monday, habit_first[key], last), smin)
            left -= used
            if left < smin:
                continue  # its week is kept (a rest shorter than a session is not due)
            later = sum(
                1
                for weekday in habit_weekdays[key]
                if weekday > day.weekday()
                and (last is None or monday + dt.timedelta(days=weekday) <= last)
            )
            # Fewer days left than sessions at the aim: longer sessions rather than two a day.
            spread = -(-left // (later + 1) // QUANTUM) * QUANTUM
            target = min(smax, max(habit_target[key], spread))
            if (crowded or habit_day.get(key) == day) and -(-left // target) <= later:
                continue
            use = habit_session_length(
                left, room if not restricted else room_of(key, room), target, smin, smax
            )
            if use:
                return key, use
        return None

    def next_session(room: int, block: int, day: dt.date) -> tuple[str, int] | None:
        """The task that gets the slot and its length: the first of the order that can use it.

        A habit due time this week comes first (habit_session). Then phases take turns; the
        phase that uses the slot goes to the back of the line, and those that could not use it
        keep their place for the next slot.
        """
        if habit_live:
            chosen = habit_session(room, day)
            if chosen is not None:
                return chosen
        if prev is not None and day == prev_day and prev_minutes < smax and to_place[prev]:
            use = session_length(
                to_place[prev],
                room if not restricted else room_of(prev, room),
                block,
                waits_for_whole(prev, day),
            )
            if use:
                return prev, use
        if urgent and any(session_length(left, room, block, False) for left in urgent_lefts):
            today_number = day.toordinal()
            for entry in urgent:
                key = entry[3]
                whole = due_day[key] - today_number >= SPLIT_WHEN_DUE_WITHIN_DAYS
                use = session_length(
                    to_place[key], room if not restricted else room_of(key, room), block, whole
                )
                if use:
                    return key, use
        if active:
            # The common case first: a sequential phase's task in progress can use the slot.
            queue = queues[active[0]]
            key_now = queue.current
            if key_now is not None:
                use = session_length(
                    to_place[key_now],
                    room if not restricted else room_of(key_now, room),
                    block,
                    True,
                )
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
            for key in queue.candidates(day) if queue.interleave else (queue.next_in_line(),):
                use = session_length(
                    to_place[key], room if not restricted else room_of(key, room), block, True
                )
                if use:
                    queue.take(key, index_of[key], day)
                    del active[position]
                    active.append(phase_key)
                    return key, use
                # Refused. Before trying what may be thousands of tasks with the same few
                # amounts left, ask whether any of those amounts can use the slot at all.
                if not anyone_checked:
                    anyone_checked = True
                    if not any(session_length(left, room, block, False) for left in ready_lefts):
                        return None
                if not phase_checked:
                    phase_checked = True
                    lefts = queue.candidate_lefts()
                    if not any(session_length(left, room, block, False) for left in lefts):
                        break
            position += 1
        return None

    left_total = total
    sessions: list[Session] = list(past)
    ordinals: dict[str, int] = {}
    for session in past:
        ordinals[session.task] = max(ordinals.get(session.task, 0), session.ordinal)
    minute = dt.timedelta(minutes=1)
    losses: list[WeekLoss] = []
    blocks = (
        dated_work_blocks(
            pattern,
            zone,
            today,
            horizon_end,
            availability,
            losses,
            week_windows if restricted else None,
        )
        if left_total or rhythms
        else iter(())
    )

    def more_to_place() -> bool:
        """Whether work is left, or a habit that runs or may yet start."""
        return bool(left_total or habit_live or (habit_waiting and pending))

    for day, begin, length, next_length in _with_next_usable(blocks, smin):
        if pending and pending[0][0] <= begin:
            run_pending(begin)
        now = begin
        if habit_live:
            for key in [k for k in habit_live if (habit_last[k] or day) < day]:
                habit_live.remove(key)
        if not urgent and not active and not habit_live:
            if not more_to_place():
                break
            continue  # all that is left waits for a date
        offset = 0
        # A new session needs session.min of room; the rest of a block shorter than that stays
        # empty, and a session after another in the same block starts after a quarter-hour.
        while length - offset >= smin:
            if restricted:
                wall = (begin + offset * minute).astimezone(zone)
                slot_weekday, slot_minute = wall.weekday(), wall.hour * 60 + wall.minute
            slot_at = begin + offset * minute
            # Waiting for a slot that holds the rest whole is worth it only when the next
            # block that can take a session would hold it whole too.
            chosen = next_session(length - offset, min(length, next_length), day)
            if chosen is None:
                break
            key, use = chosen
            if key in rhythms:
                sessions.append(Session(key, 0, slot_at, slot_at + use * minute))
                offset += use + QUANTUM
                week = habit_week.get(key)
                monday = monday_of(day)
                placed = week[1] if week is not None and week[0] == monday else 0
                habit_week[key] = (monday, placed + use)
                habit_day[key] = day
                habits_that_day = habits_that_day + 1 if habits_day == day else 1
                habits_day = day
                continue
            ordinal = ordinals.get(key, 0) + 1
            ordinals[key] = ordinal
            session = Session(
                key, ordinal, begin + offset * minute, begin + (offset + use) * minute
            )
            sessions.append(session)
            offset += use + QUANTUM
            before = to_place[key]
            after = before - use
            to_place[key] = after
            left_total -= use
            if key in due_day:
                _count(urgent_lefts, before, -1)
                if after:
                    _count(urgent_lefts, after, 1)
                else:
                    entry = (latest[key], rank_of[key], index_of[key], key)
                    del urgent[bisect.bisect_left(urgent, entry)]
            else:
                # _count, written out: this runs once per session.
                still = ready_lefts[before] - 1
                if still:
                    ready_lefts[before] = still
                else:
                    del ready_lefts[before]
                if after:
                    ready_lefts[after] = ready_lefts.get(after, 0) + 1
                queues[phase_of[key]].used((rank_of[key], index_of[key], key), before, after)
            if key == prev and day == prev_day:
                prev_minutes += use
            else:
                prev, prev_day, prev_minutes = key, day, use
            if not after:
                now = session.end
                finish(key, session.end)
                settle()
                if not more_to_place():
                    break
        if not more_to_place():
            break
    if left_total:
        raise UnschedulableError(
            f"{_hours_text(left_total)} hours of work do not fit before the end of {horizon}; "
            "raise the weekly budget or --horizon-years"
        )
    run_pending(None)
    by_habit: dict[str, list[Session]] = {}
    if rhythms:
        sessions = _habit_last_weeks(sessions, rhythms, habit_first, habit_last, zone, smin)
        sessions = _habit_ordinals(sessions, rhythms, start, zone)
        for session in sessions:
            if session.task in rhythms:
                by_habit.setdefault(session.task, []).append(session)
        for key, rhythm in rhythms.items():
            if key in habit_first:
                short = _habit_shortfall(
                    key,
                    rhythm,
                    habit_first[key],
                    habit_last.get(key),
                    by_habit.get(key, []),
                    today,
                    smin,
                    zone,
                )
                if short is not None:
                    warnings.append(short)
    sessions.sort(key=lambda session: (session.start, session.task))
    schedule = _assemble(
        plan,
        _Run(
            availability=availability,
            pattern=pattern,
            start=start,
            today=today,
            zone=zone,
            basis=basis,
            efforts=efforts,
            remaining=remaining,
            done=done,
            spent={key: actuals.spent_on(key) for key in efforts} if actuals else {},
            listed=listed,
            phase_of=phase_of,
            due=due,
            latest=latest,
            nominal_dates=nominal_dates,
            done_at=done_at,
            spans=spans,
            habits={
                key: _habit_span(
                    rhythms[key],
                    habit_first.get(key, start),
                    habit_last.get(key),
                    habit_ends[key],
                    by_habit.get(key, ()),
                    today,
                    actuals.logged.get(key, ()) if actuals is not None else (),
                    smin,
                    zone,
                )
                for key in rhythms
            },
            phase_began=phase_began,
        ),
        sessions,
        logged_days,
        warnings,
    )
    return dataclasses.replace(schedule, losses=tuple(losses)) if losses else schedule


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


def _midnight(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    """The local midnight that starts ``day``, in UTC (a skipped midnight read with fold=0)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _nominal_dates(
    plan: Plan,
    start: dt.date,
    effort_of: Mapping[str, int],
    basis: float,
    horizon_end: dt.date,
    horizon: str,
) -> dict[str, tuple[dt.date, dt.date]]:
    """Phase id → its nominal start and end: the start plus the weeks of what it waits for.

    A phase without weeks lasts its effort at the ``basis`` budget, plus its waits. A link's
    lag adds its days; a fixed milestone it waits for ends on its date. Computed in
    dependency order, so that a phase listed above the one it waits for still waits. A
    nominal end past the horizon is an error.
    """
    links = phase_links(plan)
    phase_of_task = {task.key: phase.key for phase, task in plan.task_list()}
    milestone_dates = {milestone.key: milestone.date for milestone in plan.milestones}
    dates: dict[str, tuple[dt.date, dt.date]] = {}
    phases = {phase.key: phase for phase in plan.phases}
    for key in phase_order(plan):
        begins = start.toordinal()
        for link in links[key]:
            if link.id in phases or link.id in phase_of_task:
                ends = dates[phases[link.id].key if link.id in phases else phase_of_task[link.id]]
                ended = ends[1]
            else:
                ended = milestone_dates[link.id]
            begins = max(begins, ended.toordinal() + link.lag)
        phase = phases[key]
        if phase.weeks is not None:
            days = round(phase.weeks * 7)
        else:
            waits = sum(task.wait or 0 for task in phase.tasks)
            days = round(effort_of[key] / 60 / basis * 7) + waits
        if begins + days > horizon_end.toordinal():
            raise UnschedulableError(
                f"phase '{key}' would end nominally after {horizon}, counting the weeks of "
                "the phases it waits for; shorten them or raise --horizon-years"
            )
        dates[key] = (dt.date.fromordinal(begins), dt.date.fromordinal(begins + days))
    return dates


def _habit_span(
    rhythm: Rhythm,
    first: dt.date,
    last: dt.date | None,
    ends: str,
    sessions: Sequence[Session],
    today: dt.date,
    logged: Iterable[tuple[dt.date, int]],
    smin: int,
    zone: ZoneInfo,
) -> HabitSpan:
    """A habit's span as scheduled, with its past against its rhythm (habits.past_weeks)."""
    if last is None:  # its end was never reached: it runs as long as its sessions do
        last = max((s.start.astimezone(zone).date() for s in sessions), default=first)
    weeks_due, weeks_kept, due, got = past_weeks(rhythm, first, last, today, logged, smin)
    return HabitSpan(rhythm, first, last, ends, weeks_due, weeks_kept, due, got)


def _habit_shortfall(
    key: str,
    rhythm: Rhythm,
    first: dt.date,
    last: dt.date | None,
    sessions: Sequence[Session],
    today: dt.date,
    smin: int,
    zone: ZoneInfo,
) -> str | None:
    """The warning for a habit that some whole week ahead gives less than its amount, or None.

    The week's budget is spread over its days first (rule 3): a habit whose windows hold only
    a small part of the week (a weekend morning) may find no room for its amount there, and
    holidays and busy time take room too.
    """
    if last is None:
        last = max((s.start.astimezone(zone).date() for s in sessions), default=first)
    minutes: dict[dt.date, int] = {}
    for session in sessions:
        if not session.done:
            monday = monday_of(session.start.astimezone(zone).date())
            minutes[monday] = minutes.get(monday, 0) + session.minutes
    due = week_quota(rhythm, 7, smin)
    monday = max(monday_of(first), monday_of(today))
    if monday < first or monday < today:
        monday += dt.timedelta(days=7)  # whole weeks only
    weeks = short = 0
    while monday + dt.timedelta(days=6) <= last:
        weeks += 1
        short += minutes.get(monday, 0) < due
        monday += dt.timedelta(days=7)
    if not short:
        return None
    return (
        f"habit '{key}' gets less than its {rhythm.text} in {short} of the {weeks} whole weeks "
        "ahead: the room its windows have in those weeks (the budget is spread over the days "
        "first, and holidays and busy time take their part) cannot hold it; widen its windows, "
        "lower its every: or raise the weekly budget"
    )


def _habit_last_weeks(
    sessions: list[Session],
    rhythms: Mapping[str, Rhythm],
    first: Mapping[str, dt.date],
    last: Mapping[str, dt.date | None],
    zone: ZoneInfo,
    smin: int,
) -> list[Session]:
    """The sessions, with each habit's last week cut to its share of the week.

    A habit that ends when a phase or task does learns its last day only then, after its
    sessions of that week may have been placed as for a whole week: the latest of them are
    shortened (not below ``smin``) or dropped until the week holds no more than its share
    (habits.week_quota). Sessions of the past are as they happened and stay.
    """
    cut: dict[int, int] = {}  # index in sessions → minutes to keep (0: drop)
    own: dict[str, list[int]] = {}  # habit → the indexes of its sessions ahead
    for i, session in enumerate(sessions):
        if session.task in rhythms and not session.done:
            own.setdefault(session.task, []).append(i)
    for key, rhythm in rhythms.items():
        ends = last.get(key)
        if ends is None or key not in first or key not in own:
            continue
        monday = monday_of(ends)
        quota = week_quota(rhythm, days_in_week(monday, first[key], ends), smin)
        week = [
            i for i in own[key] if monday_of(sessions[i].start.astimezone(zone).date()) == monday
        ]
        excess = sum(sessions[i].minutes for i in week) - quota
        for i in sorted(week, key=lambda i: sessions[i].start, reverse=True):
            if excess <= 0:
                break
            keep = sessions[i].minutes - excess
            cut[i] = keep if keep >= smin else 0
            excess -= sessions[i].minutes - cut[i]
    if not cut:
        return sessions
    result = []
    for i, session in enumerate(sessions):
        if i not in cut:
            result.append(session)
        elif cut[i]:
            result.append(
                dataclasses.replace(session, end=session.start + dt.timedelta(minutes=cut[i]))
            )
    return result


def _habit_ordinals(
    sessions: list[Session], rhythms: Mapping[str, Rhythm], start: dt.date, zone: ZoneInfo
) -> list[Session]:
    """The sessions with each habit's numbered by week (habits.week_ordinal), in time order."""
    result: list[Session] = []
    position: dict[tuple[str, dt.date], int] = {}
    for session in sorted(sessions, key=lambda s: (s.start, s.task)):
        if session.task not in rhythms:
            result.append(session)
            continue
        day = session.start.astimezone(zone).date()
        week = (session.task, monday_of(day))
        position[week] = position.get(week, 0) + 1
        ordinal = week_ordinal(start, day, position[week])
        result.append(dataclasses.replace(session, ordinal=ordinal))
    return result


def _habits(plan: Plan, weekly: int, start: dt.date) -> dict[str, Rhythm]:
    """Habit id → its rhythm.

    Raises UnschedulableError (exit 4) when the habits of a phase alone take the whole of what
    a week holds (``weekly`` minutes), as project work would then never be placed; PlanError
    for an ``until:`` date before the start.
    """
    rhythms: dict[str, Rhythm] = {}
    places: dict[str, tuple[str | int, ...]] = {}
    for p, phase in enumerate(plan.phases):
        own: list[str] = []
        for t, task in enumerate(phase.tasks):
            if task.every is None:
                continue
            rhythms[task.key] = Rhythm(*parse_every(task.every))
            places[task.key] = ("phases", p, "tasks", t, "every")
            own.append(task.key)
            problem = until_before_start(task, start)
            if problem is not None:
                raise PlanError(problem, where=("phases", p, "tasks", t, "until"))
        reserved = sum(rhythms[key].weekly for key in own)
        if own and reserved >= weekly:
            named = ", ".join(f"'{key}' ({rhythms[key].text})" for key in own)
            noun = "habit" if len(own) == 1 else "habits"
            raise UnschedulableError(
                f"the {noun} of phase '{phase.key}' alone {'takes' if len(own) == 1 else 'take'} "
                f"{duration_text(reserved)} a "
                f"week, {'all' if reserved == weekly else 'more than all'} of the "
                f"{duration_text(weekly)} a week the budget and windows hold: {named}; lower "
                "their every:, or raise the weekly budget",
                where=places[max(own, key=lambda key: rhythms[key].weekly)],
            )
    return rhythms


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


@dataclass(frozen=True)
class _Deadlines:
    """The plan's dates: tasks' and phases' own ``deadline``, and node id → the earliest date
    it is due by: its own, its phase's, or that of a fixed milestone that waits for it (or for
    its phase)."""

    tasks: dict[str, dt.date]
    phases: dict[str, dt.date]
    own: dict[str, dt.date]


def _deadlines(plan: Plan, start: dt.date) -> _Deadlines:
    tasks: dict[str, dt.date] = {}
    phases: dict[str, dt.date] = {}
    own: dict[str, dt.date] = {}
    phase_tasks = {phase.key: [task.key for task in phase.tasks] for phase in plan.phases}

    def due_by(node: str, day: dt.date) -> None:
        # A phase's date is each of its tasks' own too, so that they compete with other work
        # due that day by priority and file order.
        for key in [node, *phase_tasks.get(node, ())]:
            if key not in own or day < own[key]:
                own[key] = day

    for phase in plan.phases:
        day = _deadline(phase.deadline, start, f"phase '{phase.key}'")
        if day is not None:
            phases[phase.key] = day
            due_by(phase.key, day)
        for task in phase.tasks:
            day = _deadline(task.deadline, start, f"task '{task.key}'")
            if day is not None:
                tasks[task.key] = day
                due_by(task.key, day)
    for milestone in plan.milestones:
        for node in milestone.after:
            due_by(node, milestone.date)
    for key, milestone in linked_milestones(plan).items():
        due_by(key, milestone.date)
    return _Deadlines(tasks, phases, own)


def _latest_finishes(
    index_of: Mapping[str, int],
    rank_of: Mapping[str, int],
    links: Mapping[str, Mapping[str, int]],
    own: Mapping[str, dt.date],
    remaining: Mapping[str, int],
    wait_days: Mapping[str, int],
    done: Mapping[str, dt.date],
    weekly: int,
) -> dict[str, int]:
    """Node id → its latest finish, in calendar minutes (DAY × the day's ordinal), for every
    node that some deadline follows (build_schedule, "Order").

    One pass backwards from the latest deadline, placing on one timeline all the work that a
    deadline follows: the work placed later in time takes its remaining effort off the time
    before it, converted at ``weekly`` minutes (what the week pattern holds) per 7 days and
    rounded up to the minute; a wait takes its days off what it waits for, and a lag its days,
    without using the budget. Work with no deadline after it is not on the timeline.
    """
    if not own:
        return {}
    successors: dict[str, list[tuple[str, int]]] = {node: [] for node in links}
    for node, deps in links.items():
        for dep, lag in deps.items():
            successors[dep].append((node, lag))
    # The nodes a deadline follows: those due by a date, and all they wait for.
    chosen: set[str] = set()
    stack = [node for node in own if node in links]
    while stack:
        node = stack.pop()
        if node not in chosen:
            chosen.add(node)
            stack.extend(links[node])
    due_at = {node: (day.toordinal() + 1) * DAY for node, day in own.items()}  # end of the day

    def entry(node: str) -> tuple[int, int, int, int, str]:
        # Popped first, and so placed latest: no deadline of its own, then the latest one,
        # then the lowest priority, then the last in the file (phases and milestones after
        # tasks, though as they take no time the choice among them does not matter).
        return (
            0 if node not in due_at else 1,
            -due_at.get(node, 0),
            -rank_of.get(node, len(PRIORITIES)),
            -index_of.get(node, len(index_of)),
            node,
        )

    unplaced = {node: sum(1 for s, _ in successors[node] if s in chosen) for node in chosen}
    heap = [entry(node) for node in chosen if not unplaced[node]]
    heapq.heapify(heap)
    cursor: int | None = None  # where the budget used by the work placed so far begins
    starts: dict[str, int] = {}
    finishes: dict[str, int] = {}
    while heap:
        node = heapq.heappop(heap)[-1]
        latest = due_at.get(node)
        for other, lag in successors[node]:
            if other in starts:
                bound = starts[other] - lag * DAY
                if latest is None or bound < latest:
                    latest = bound
        assert latest is not None, node  # chosen: due by a date, or waited for by such a node
        work = remaining.get(node, 0)
        if work:
            if cursor is not None and cursor < latest:
                latest = cursor
            begins = latest - -(-work * WEEK // weekly)
            cursor = begins
        elif node in wait_days and node not in done:
            begins = latest - wait_days[node] * DAY
        else:
            begins = latest
        finishes[node] = latest
        starts[node] = begins
        for dep in links[node]:
            if dep in chosen:
                unplaced[dep] -= 1
                if not unplaced[dep]:
                    heapq.heappush(heap, entry(dep))
    return finishes


def _with_next_usable(
    blocks: Iterable[tuple[dt.date, dt.datetime, int]], smin: int
) -> Iterator[tuple[dt.date, dt.datetime, int, int]]:
    """Each block with the length of the next block after it that can take a session (at
    least ``smin`` long); 0 when there is none before the horizon."""
    source = iter(blocks)
    current = next(source, None)
    # The common case, every block long enough for a session: the next block is the one.
    if current is None:
        return
    for block in source:
        if block[2] < smin:
            break
        yield current[0], current[1], current[2], block[2]
        current = block
    else:
        yield current[0], current[1], current[2], 0
        return
    yield from _with_next_usable_slow(itertools.chain((current, block), source), smin)


def _with_next_usable_slow(
    blocks: Iterable[tuple[dt.date, dt.datetime, int]], smin: int
) -> Iterator[tuple[dt.date, dt.datetime, int, int]]:
    """_with_next_usable once a block too short for a session has been seen."""
    source = iter(blocks)
    ahead: deque[tuple[dt.date, dt.datetime, int]] = deque()
    current = next(source, None)
    while current is not None:
        following = next((block[2] for block in ahead if block[2] >= smin), 0)
        while not following:
            block = next(source, None)
            if block is None:
                break
            ahead.append(block)
            if block[2] >= smin:
                following = block[2]
        yield (*current, following)
        current = ahead.popleft() if ahead else next(source, None)


def _remaining_effort(
    listed: Sequence[tuple[Phase, Task]],
    efforts: Mapping[str, int],
    actuals: Actuals | None,
    smin: int,
    warnings: list[str],
) -> dict[str, int]:
    """Task id → the minutes to place from today on, on the 15-minute grid (build_schedule,
    "Progress"); a task over its estimate, or re-estimated to nothing, is warned about."""
    remaining: dict[str, int] = {}
    for _, task in listed:
        key = task.key
        effort = efforts[key]
        if actuals is None or task.wait is not None or task.habit:
            remaining[key] = effort
            continue
        if key in actuals.done:
            remaining[key] = 0
            continue
        spent = actuals.spent_on(key)
        if key in actuals.remaining:
            # Time is given in any minutes; what is placed goes back on the grid (rule 3).
            figure = actuals.remaining[key]
            rest = max(1, round(figure / QUANTUM)) * QUANTUM if figure > 0 else 0
            if spent > effort:
                warnings.append(
                    f"task '{key}' has {duration_text(spent)} logged against its "
                    f"{duration_text(effort)} estimate ({estimate_error(spent, effort)}); "
                    f"{duration_text(rest) if rest else 'nothing'} more is placed for it, as "
                    "re-estimated"
                )
            elif not rest:
                warnings.append(
                    f"task '{key}' is re-estimated to need nothing more but is not marked "
                    "done: nothing more is scheduled for it; mark it done"
                )
        else:
            rest = max(0, round((effort - spent) / QUANTUM) * QUANTUM)
            if spent and not rest:
                rest = min(smin, effort)
                warnings.append(_spent_warning(key, spent, effort, rest))
        remaining[key] = rest
    return remaining


def _spent_warning(key: str, logged: int, effort: int, rest: int) -> str:
    """The warning for a task whose logged time covers its estimate but is not marked done.

    It must not read as finished: the task is not done, and ``rest`` more is placed for it.
    """
    # Logged time is rounded to the grid, so a few minutes short of the estimate leave nothing.
    if logged > effort:
        share = f" against its {duration_text(effort)} estimate ({estimate_error(logged, effort)})"
    else:
        most = "all of" if logged == effort else "nearly all of"
        share = f", {most} its {duration_text(effort)} estimate,"
    return (
        f"task '{key}' has {duration_text(logged)} logged{share} and is not marked done: "
        f"{duration_text(rest)} more is placed for it; log the time it still needs as its "
        "remaining effort, or mark it done"
    )


def _past_sessions(
    plan: Plan,
    listed: Sequence[tuple[Phase, Task]],
    availability: Availability,
    start: dt.date,
    today: dt.date,
    actuals: Actuals | None,
    zone: ZoneInfo,
    horizon_years: int,
) -> tuple[list[Session], list[LoggedDay]]:
    """The past as it is shown: logged time in the windows of its day (else a LoggedDay), and
    the sessions done tasks without log entries keep; numbered per task in time order."""
    if actuals is None or not (actuals.done or actuals.logged):
        return [], []
    order = {task.key: i for i, (_, task) in enumerate(listed)}
    logs: dict[dt.date, dict[str, int]] = {}
    for key, entries in actuals.logged.items():
        if key in order:
            for day, minutes in entries:
                if minutes > 0:
                    per_task = logs.setdefault(day, {})
                    per_task[key] = per_task.get(key, 0) + minutes
    logged_tasks = {key for per_task in logs.values() for key in per_task}
    pieces = [
        (begin, key, end, False)
        for key, begin, end in _kept_sessions(
            plan, availability, start, actuals, zone, horizon_years, logged_tasks
        )
    ]
    busy: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}
    for begin, _, end, _ in pieces:
        busy.setdefault(begin.astimezone(zone).date(), []).append((begin, end))
    notes: list[LoggedDay] = []
    for day in sorted(logs):
        windows = window_spans(availability.windows, zone, day) if day < today else []
        taken = sorted(busy.get(day, []))
        for key, minutes in sorted(logs[day].items(), key=lambda item: order[item[0]]):
            placed = _earliest_free(windows, taken, minutes)
            if placed is None:
                notes.append(LoggedDay(key, day, minutes))
                continue
            for begin, end in placed:
                pieces.append((begin, key, end, True))
            taken = sorted([*taken, *placed])
    pieces.sort()
    ordinals: dict[str, int] = {}
    sessions = []
    for begin, key, end, logged in pieces:
        ordinals[key] = ordinals.get(key, 0) + 1
        sessions.append(Session(key, ordinals[key], begin, end, done=True, logged=logged))
    return sessions, notes


def _earliest_free(
    windows: Sequence[tuple[dt.datetime, dt.datetime]],
    taken: Sequence[tuple[dt.datetime, dt.datetime]],
    minutes: int,
) -> list[tuple[dt.datetime, dt.datetime]] | None:
    """``minutes`` of the windows not ``taken`` (sorted), earliest first, as pieces; None when
    the free time is shorter."""
    free: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, end in windows:
        cursor = begin
        for low, high in taken:
            if high <= cursor or low >= end:
                continue
            if low > cursor:
                free.append((cursor, low))
            cursor = max(cursor, high)
        if cursor < end:
            free.append((cursor, end))
    pieces = []
    left = minutes
    for begin, end in free:
        take = min(left, int((end - begin).total_seconds()) // 60)
        if take > 0:
            pieces.append((begin, begin + dt.timedelta(minutes=take)))
            left -= take
        if not left:
            return pieces
    return None


def _kept_sessions(
    plan: Plan,
    availability: Availability,
    start: dt.date,
    actuals: Actuals,
    zone: ZoneInfo,
    horizon_years: int,
    logged: set[str],
) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The sessions done tasks without log entries keep, as ``(task, start, end)``: those shown
    before, up to the done date and before today."""
    habits = {task.key for _, task in plan.task_list() if task.habit}
    # A habit's past is what was logged: marking it done ends it, it does not say it was kept.
    keeping = {
        key: day for key, day in actuals.done.items() if key not in logged and key not in habits
    }
    if not keeping:
        return []
    history = {key: list(shown) for key, shown in actuals.history.items()}
    missing = {key for key in keeping if key not in history}
    if missing:
        # No record of what was shown: take the schedule made from the start without progress.
        original = build_schedule(plan, availability, start, horizon_years=horizon_years)
        for session in original.sessions:
            if session.task in missing:
                history.setdefault(session.task, []).append((session.start, session.end))
    kept: list[tuple[str, dt.datetime, dt.datetime]] = []
    for key, done_on in keeping.items():
        for begin, end in sorted(history.get(key, ())):
            day = begin.astimezone(zone).date()
            if day <= done_on and day < actuals.today:
                kept.append((key, begin, end))
    return kept


@dataclass(frozen=True)
class _Run:
    """What _assemble needs of one run of build_schedule besides the sessions."""

    availability: Availability
    pattern: WeekPattern
    start: dt.date
    today: dt.date
    zone: ZoneInfo
    basis: float
    efforts: Mapping[str, int]
    remaining: Mapping[str, int]
    done: Mapping[str, dt.date]
    spent: Mapping[str, int]
    listed: Sequence[tuple[Phase, Task]]
    phase_of: Mapping[str, str]
    due: _Deadlines
    latest: Mapping[str, int]
    nominal_dates: Mapping[str, tuple[dt.date, dt.date]]
    done_at: Mapping[str, dt.datetime]
    spans: Mapping[str, WaitSpan]
    habits: Mapping[str, HabitSpan] = field(default_factory=dict)
    phase_began: Mapping[str, dt.date] = field(default_factory=dict)


def _assemble(
    plan: Plan,
    run: _Run,
    sessions: list[Session],
    logged_days: list[LoggedDay],
    warnings: list[str],
) -> Schedule:
    zone = run.zone
    first: dict[str, Session] = {}
    last: dict[str, Session] = {}
    last_ahead: dict[str, Session] = {}
    for session in sessions:
        first.setdefault(session.task, session)
        last[session.task] = session
        if not session.done:
            last_ahead[session.task] = session

    def local_day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    def end_date(key: str) -> dt.date:
        if key in run.done:
            return run.done[key]
        if key in run.spans:
            return run.spans[key].last_day
        if key in last_ahead:
            return local_day(last_ahead[key].start)
        return local_day(run.done_at[key])  # nothing (more) to place: when it could start

    def start_date(key: str) -> dt.date:
        if key in first:
            return local_day(first[key].start)
        if key in run.spans:
            return run.spans[key].first_day
        return end_date(key)

    work = {phase.key for phase in plan.phases} | run.phase_of.keys()
    habit_sessions: dict[str, list[Session]] = {}
    if run.habits:
        for session in sessions:
            if session.task in run.habits:
                habit_sessions.setdefault(session.task, []).append(session)
    misses: list[Miss] = []
    tasks: list[TaskPlan] = []
    for phase, task in run.listed:
        key = task.key
        if key in run.habits:
            tasks.append(
                _habit_plan(
                    phase.key, task, run.habits[key], habit_sessions.get(key, []), run, work
                )
            )
            continue
        deadline = run.due.tasks.get(key)
        finished = end_date(key)
        if deadline is not None and finished > deadline:
            verb = "finished" if key in run.done else "finishes"
            warnings.append(
                f"task '{key}' {verb} on {finished}, {(finished - deadline).days} days "
                f"after its deadline {deadline}"
            )
            misses.append(Miss("task", key, task.name, deadline, finished))
        latest = run.latest.get(key) if key not in run.done else None
        tasks.append(
            TaskPlan(
                key=key,
                name=task.name,
                phase=phase.key,
                effort=run.efforts[key],
                effort_derived=task.hours is None and task.wait is None,
                id_derived=task.id is None,
                priority=task.priority,
                start=first[key].start if key in first else None,
                finish=last[key].end if key in last else None,
                sessions=last[key].ordinal if key in last else 0,
                deadline=deadline,
                description=task.description,
                link=task.link,
                after=tuple(link.id for link in task.after if link.id in work),
                end_date=finished,
                remaining=run.remaining[key] if task.wait is None else 0,
                done=run.done.get(key),
                spent=run.spent.get(key, 0),
                effective_deadline=_day_of(latest) if latest is not None else None,
                wait=run.spans.get(key),
                after_milestones=tuple(link.id for link in task.after if link.id not in work),
                lags=tuple((link.id, link.lag) for link in task.after if link.lag),
            )
        )

    by_key = {task.key: task for task in tasks}
    links = phase_links(plan)
    phases: list[PhasePlan] = []
    for phase in plan.phases:
        own = [by_key[task.key] for task in phase.tasks if task.key not in run.habits]
        effort = sum(task.effort for task in own)
        if own:
            end = max(task.end_date for task in own)
            began = min(start_date(task.key) for task in own)
        else:  # habits only: the phase lasts its weeks
            began = run.phase_began.get(phase.key, run.start)
            end = began + dt.timedelta(days=max(1, round((phase.weeks or 0) * 7)) - 1)
        deadline = run.due.phases.get(phase.key)
        if deadline is not None and end > deadline:
            warnings.append(
                f"phase '{phase.key}' ends on {end}, {(end - deadline).days} days after its "
                f"deadline {deadline}"
            )
            misses.append(Miss("phase", phase.key, phase.name, deadline, end))
        nominal = round(phase.weeks * run.basis * 60) if phase.weeks is not None else None
        phases.append(
            PhasePlan(
                key=phase.key,
                name=phase.name,
                description=phase.description,
                effort=effort,
                nominal_effort=nominal,
                start=began,
                end=end,
                nominal_start=run.nominal_dates[phase.key][0],
                nominal_end=run.nominal_dates[phase.key][1],
                deadline=deadline,
                after=tuple(link.id for link in links[phase.key] if link.id in work),
                after_milestones=tuple(link.id for link in links[phase.key] if link.id not in work),
                lags=tuple((link.id, link.lag) for link in links[phase.key] if link.lag),
            )
        )

    milestones: list[FixedMilestone] = []
    phase_end = {phase.key: phase.end for phase in phases}
    for milestone in plan.milestones:
        late: list[tuple[str, dt.date]] = []
        for dep in milestone.after:
            ends = phase_end.get(dep) or by_key[dep].end_date
            if ends > milestone.date:
                warnings.append(
                    f"milestone '{milestone.key}' on {milestone.date} waits for '{dep}', which "
                    f"ends on {ends}"
                )
                late.append((dep, ends))
        if late:
            misses.append(
                Miss(
                    "milestone",
                    milestone.key,
                    milestone.name,
                    milestone.date,
                    max(ends for _, ends in late),
                    tuple(dep for dep, _ in late),
                )
            )
        milestones.append(
            FixedMilestone(
                milestone.key,
                milestone.name,
                milestone.date,
                milestone.description,
                tuple(milestone.after),
                max(
                    (phase_end.get(dep) or by_key[dep].end_date for dep in milestone.after),
                    default=None,
                ),
            )
        )
    return Schedule(
        plan=plan.plan,
        title=plan.title,
        start=run.start,
        today=run.today,
        availability=run.availability,
        pattern=run.pattern,
        sessions=tuple(sessions),
        tasks=tuple(tasks),
        phases=tuple(phases),
        milestones=tuple(milestones),
        warnings=tuple(warnings),
        waits=tuple(run.spans[task.key] for _, task in run.listed if task.key in run.spans),
        logged_days=tuple(logged_days),
        misses=tuple(misses),
    )


def _habit_plan(
    phase: str,
    task: Task,
    span: HabitSpan,
    sessions: Sequence[Session],
    run: _Run,
    work: set[str],
) -> TaskPlan:
    """A habit as a TaskPlan, from its ``sessions`` in time order: its effort is their time
    over its span (the past as logged), its remaining time that of those still ahead, its end
    its span's last day."""
    own = sessions
    return TaskPlan(
        key=task.key,
        name=task.name,
        phase=phase,
        effort=sum(session.minutes for session in own),
        effort_derived=False,
        id_derived=task.id is None,
        priority=task.priority,
        start=own[0].start if own else None,
        finish=own[-1].end if own else None,
        sessions=len(own),
        deadline=None,
        description=task.description,
        link=task.link,
        after=tuple(link.id for link in task.after if link.id in work),
        end_date=max(span.last_day, span.first_day),
        remaining=sum(session.minutes for session in own if not session.done),
        done=run.done.get(task.key),
        spent=run.spent.get(task.key, 0),
        after_milestones=tuple(link.id for link in task.after if link.id not in work),
        lags=tuple((link.id, link.lag) for link in task.after if link.lag),
        habit=span,
    )


def _day_of(minute: int) -> dt.date:
    """The day a calendar minute (DAY × ordinal) falls in; before 0001-01-02 as that day."""
    return dt.date.fromordinal(max(1, (minute - 1) // DAY))
