"""Properties of deadline-first ordering, continuity, waits and misses over generated plans.

Plans here have deadlines (dates and offsets, on tasks and phases), fixed milestones that wait
for work or that work waits for, lags and pure waits; the scheduler's rules must hold for all
of them, and what it reports as missed must be exactly what it misses.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED_PLAN, ROOT
from plan2cal.controllers import require_no_miss
from plan2cal.durations import QUANTUM
from plan2cal.errors import MissedDatesError, UnschedulableError
from plan2cal.load import load_plan
from plan2cal.model import PRIORITIES, Plan, parse_windows
from plan2cal.report import first_run_summary, slip_report
from plan2cal.schedule import Schedule, Session, availability_for, build_schedule
from plan2cal.worktime import Availability, dated_work_blocks, week_pattern
from strategies import window_holding, window_specs

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = ("UTC", "Europe/Berlin", "America/Toronto")
START_DAYS = (dt.date(2026, 1, 1), dt.date(2028, 12, 31))


@dataclass(frozen=True)
class Case:
    """A generated plan, its availability and start, and the schedule built from them."""

    plan: Plan
    availability: Availability
    start: dt.date
    schedule: Schedule

    def __repr__(self) -> str:
        """The inputs only, enough to rebuild a falsifying example by hand."""
        spec = self.plan.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        return f"Case(start={self.start}, plan={spec})"

    @property
    def zone(self) -> ZoneInfo:
        """The plan's time zone."""
        return ZoneInfo(self.availability.timezone)

    def day(self, moment: dt.datetime) -> dt.date:
        """The local date of ``moment``."""
        return moment.astimezone(self.zone).date()


def deadlines(start: dt.date) -> st.SearchStrategy[str | None]:
    """No deadline, a date within a year of the start, or an offset from it."""
    return st.one_of(
        st.none(),
        st.dates(start, start + dt.timedelta(days=365)).map(dt.date.isoformat),
        st.integers(1, 52).map(lambda weeks: f"+{weeks}w"),
    )


@st.composite
def plan_specs(draw: st.DrawFn, start: dt.date, with_deadlines: bool = True) -> dict[str, Any]:
    """1–4 phases of 1–5 tasks: hours or (one in five) a wait; ``after`` links to earlier tasks
    with lags now and then; phases side by side or in turn; deadlines and milestones."""
    due = deadlines(start) if with_deadlines else st.none()
    phases: list[dict[str, Any]] = []
    earlier: list[str] = []
    milestones: list[dict[str, Any]] = []
    if with_deadlines and draw(st.booleans()):
        milestones.append(
            {
                "id": "gate",
                "name": "Gate",
                "date": draw(st.dates(start, start + dt.timedelta(days=120))).isoformat(),
            }
        )
    for p in range(draw(st.integers(1, 4))):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 5))):
            key = f"t{p}-{t}"
            entry: dict[str, Any] = {
                "id": key,
                "name": f"Task {p}.{t}",
                "priority": draw(st.sampled_from(PRIORITIES)),
            }
            if draw(st.integers(0, 4)):
                entry["hours"] = f"{draw(st.integers(1, 40)) * QUANTUM}m"
            else:
                entry["wait"] = f"{draw(st.integers(1, 21))}d"
            if (deadline := draw(due)) is not None:
                entry["deadline"] = deadline
            links = (
                draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []
            )
            after: list[Any] = [
                {"id": link, "lag": f"{draw(st.integers(0, 10))}d"} if draw(st.booleans()) else link
                for link in links
            ]
            if milestones and draw(st.integers(0, 5)) == 0:
                after.append("gate")
            if after:
                entry["after"] = after
            tasks.append(entry)
        earlier.extend(task["id"] for task in tasks)
        phase: dict[str, Any] = {
            "id": f"p{p}",
            "name": f"Phase {p}",
            "mode": draw(st.sampled_from(["sequential", "interleave"])),
            "tasks": tasks,
        }
        if draw(st.booleans()):
            phase["after"] = []
        if (deadline := draw(due)) is not None:
            phase["deadline"] = deadline
        phases.append(phase)
    if with_deadlines:
        keys = [*earlier, *(phase["id"] for phase in phases)]
        for m in range(draw(st.integers(0, 2))):
            milestones.append(
                {
                    "id": f"m{m}",
                    "name": f"Milestone {m}",
                    "date": draw(st.dates(start, start + dt.timedelta(days=365))).isoformat(),
                    "after": draw(
                        st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True)
                    ),
                }
            )
    return {"plan": "props", "title": "Generated", "phases": phases, "milestones": milestones}


@st.composite
def cases(draw: st.DrawFn, with_deadlines: bool = True) -> Case:
    """A scheduled case; inputs with no usable window are skipped."""
    start = draw(st.dates(*START_DAYS))
    spec = draw(plan_specs(start, with_deadlines))
    shortest, longest = draw(
        st.sampled_from([("30m", "1h"), ("30m", "2h"), ("45m", "2h"), ("1h", "3h")])
    )
    spec["defaults"] = {
        "hours_per_week": draw(st.integers(8, 80)) / 4,  # 2 to 20 h in quarter-hours
        "timezone": draw(st.sampled_from(ZONES)),
        "windows": draw(window_specs(per_day=2)),
        "session": {"min": shortest, "max": longest},
    }
    plan = Plan.model_validate(spec, context={"start": start})
    availability = availability_for(plan)
    try:
        week_pattern(availability)
    except UnschedulableError:
        assume(False)
    schedule = build_schedule(plan, availability, start, horizon_years=100)
    return Case(plan, availability, start, schedule)


def _finishes(case: Case) -> dict[str, dt.date]:
    """Task and phase id → the day it ends, as the schedule says."""
    ends = {task.key: task.end_date for task in case.schedule.tasks}
    ends.update({phase.key: phase.end for phase in case.schedule.phases})
    return ends


@PROPERTY_SETTINGS
@given(case=cases())
def test_every_missed_deadline_is_a_miss_and_no_deadline_made_is(case: Case) -> None:
    """Misses are exactly the task and phase deadlines and the fixed milestones the schedule's
    own dates miss, each with the right finish and days late."""
    ends = _finishes(case)
    expected = set()
    for task in case.schedule.tasks:
        if task.deadline is not None and task.end_date > task.deadline:
            expected.add(("task", task.key, task.deadline, task.end_date))
    for phase in case.schedule.phases:
        if phase.deadline is not None and phase.end > phase.deadline:
            expected.add(("phase", phase.key, phase.deadline, phase.end))
    for milestone in case.plan.milestones:
        late = [dep for dep in milestone.after if ends[dep] > milestone.date]
        if late:
            finish = max(ends[dep] for dep in late)
            expected.add(("milestone", milestone.key, milestone.date, finish))
    got = {(m.kind, m.key, m.due, m.finish) for m in case.schedule.misses}
    assert got == expected
    assert all(m.days_late == (m.finish - m.due).days > 0 for m in case.schedule.misses)
    assert len(case.schedule.misses) == len(got)


@PROPERTY_SETTINGS
@given(case=cases())
def test_every_miss_is_reported_with_its_days_late_and_no_date_made_is(case: Case) -> None:
    """What the terminal prints: one MISSED line per miss, naming it and its days late, in the
    first run's summary and in the slip report; no line for a date that is made; and --strict
    fails exactly when there is a miss."""
    made = {task.key for task in case.schedule.tasks if task.deadline is not None}
    made |= {phase.key for phase in case.schedule.phases if phase.deadline is not None}
    made |= {milestone.key for milestone in case.schedule.milestones}
    made -= {miss.key for miss in case.schedule.misses}
    for lines in (first_run_summary(case.schedule, None), slip_report(case.schedule, None, None)):
        missed = _missed_block(lines)
        assert len(missed) == len(case.schedule.misses)
        for miss, line in zip(case.schedule.misses, missed, strict=True):
            days = f"{miss.days_late} {'day' if miss.days_late == 1 else 'days'} late"
            assert f"{miss.kind} '{miss.key}' (" in line and line.endswith(days), line
        named = {line.split("'")[1] for line in missed}
        assert not named & made
    try:
        require_no_miss(case.schedule)
    except MissedDatesError as exc:
        assert case.schedule.misses and exc.exit_code == 4
    else:
        assert not case.schedule.misses


def _missed_block(lines: list[str]) -> list[str]:
    """The lines under the MISSED heading, or none."""
    heads = [i for i, line in enumerate(lines) if line.startswith("MISSED: ")]
    if not heads:
        return []
    (head,) = heads
    block = []
    for line in lines[head + 1 :]:
        if not line.startswith("  - "):
            break
        block.append(line)
    return block


@PROPERTY_SETTINGS
@given(case=cases())
def test_a_date_with_more_work_due_than_the_windows_hold_before_it_is_missed(case: Case) -> None:
    """When the work due by a deadline (its task's, or everything a phase or milestone waits
    for, with all that waits before it) exceeds what the blocks from the start to that day
    hold, that deadline is reported missed."""
    graph = {node: list(deps) for node, deps in _links(case.plan).items()}
    effort = {task.key: task.effort for task in case.schedule.tasks}
    dues: list[tuple[str, str, dt.date]] = []
    for task in case.schedule.tasks:
        if task.deadline is not None:
            dues.append(("task", task.key, task.deadline))
    for phase in case.schedule.phases:
        if phase.deadline is not None:
            dues.append(("phase", phase.key, phase.deadline))
    for milestone in case.plan.milestones:
        if milestone.after:
            dues.append(("milestone", milestone.key, milestone.date))
    missed = {(m.kind, m.key) for m in case.schedule.misses}
    for kind, key, day in dues:
        roots = [key] if kind != "milestone" else _milestone_after(case.plan, key)
        work = sum(effort.get(node, 0) for node in _closure(graph, roots))
        capacity = sum(
            length
            for _, _, length in dated_work_blocks(case.schedule.pattern, case.zone, case.start, day)
        )
        if work > capacity:
            assert (kind, key) in missed, (kind, key, day, work, capacity)


def _links(plan: Plan) -> dict[str, dict[str, int]]:
    from plan2cal.graph import dependency_links

    return dependency_links(plan)


def _milestone_after(plan: Plan, key: str) -> list[str]:
    return next(list(m.after) for m in plan.milestones if m.key == key)


def _closure(graph: dict[str, list[str]], roots: list[str]) -> set[str]:
    """The nodes ``roots`` are, and all they wait for."""
    found: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(graph.get(node, ()))
    return found


@PROPERTY_SETTINGS
@given(case=cases(with_deadlines=False))
def test_a_plan_without_deadlines_gets_the_same_schedule_with_the_ordering_off(
    case: Case,
) -> None:
    """Deadline-first ordering changes nothing when no deadline or milestone is there."""
    off = build_schedule(
        case.plan, case.availability, case.start, horizon_years=100, deadline_first=False
    )
    assert off == case.schedule
    assert all(task.effective_deadline is None for task in case.schedule.tasks)


@PROPERTY_SETTINGS
@given(case=cases())
def test_the_rules_hold_with_waits_lags_and_milestones(case: Case) -> None:
    """No overlap, every session in a window, no week over budget, each task exactly its
    effort and none for a wait, every link honoured with its lag, waits as long as they say."""
    ordered = sorted(case.schedule.sessions, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end <= later.start, (earlier, later)
    windows = parse_windows(case.plan.defaults.windows or {})
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    placed: dict[str, int] = defaultdict(int)
    for session in case.schedule.sessions:
        assert window_holding(windows, case.zone, session.start, session.end), session
        year, week, _ = case.day(session.start).isocalendar()
        per_week[year, week] += session.minutes
        placed[session.task] += session.minutes
    assert all(minutes <= case.availability.budget for minutes in per_week.values())
    tasks = {task.key: task for task in case.schedule.tasks}
    waits = {task.key: task.wait for _, task in case.plan.task_list() if task.wait is not None}
    assert {key for key, minutes in placed.items() if minutes} == set(tasks) - set(waits)
    assert all(placed[key] == task.effort for key, task in tasks.items() if key not in waits)
    for key, days in waits.items():
        span = tasks[key].wait
        assert span is not None and span.days == days
    starts = _starts(case)
    ends = _ends(case)
    milestone_dates = {m.key: m.date for m in case.plan.milestones}
    for node, deps in _links(case.plan).items():
        if node not in tasks:
            continue
        for dep, lag in deps.items():
            if dep in milestone_dates:
                assert case.day(starts[node]) >= milestone_dates[dep], (dep, node)
                continue
            if lag or node in waits:
                # Whole days: a lag from the day its prerequisite ends; a wait from that day.
                opens = case.day(ends[dep]) + dt.timedelta(days=lag)
                assert case.day(starts[node]) >= opens, (dep, lag, node)
            else:
                assert ends[dep] <= starts[node], (dep, node)


def _starts(case: Case) -> dict[str, dt.datetime]:
    """Task id → the moment it starts: its first session, or a wait's first local midnight."""
    result: dict[str, dt.datetime] = {}
    for task in case.schedule.tasks:
        if task.wait is not None:
            day = task.wait.first_day
            result[task.key] = dt.datetime(day.year, day.month, day.day, tzinfo=case.zone)
        elif task.start is not None:
            result[task.key] = task.start
    return result


def _ends(case: Case) -> dict[str, dt.datetime]:
    """Task and phase id → the moment it ends: its last session's end, or the midnight after
    a wait's last day; a phase when its last task does."""
    result: dict[str, dt.datetime] = {}
    for task in case.schedule.tasks:
        if task.wait is not None:
            day = task.wait.last_day + dt.timedelta(days=1)
            result[task.key] = dt.datetime(day.year, day.month, day.day, tzinfo=case.zone)
        else:
            assert task.finish is not None
            result[task.key] = task.finish
    for phase in case.plan.phases:
        result[phase.key] = max(result[task.key] for task in phase.tasks)
    return result


@PROPERTY_SETTINGS
@given(case=cases())
def test_the_task_in_progress_gives_up_its_day_only_when_it_must(case: Case) -> None:
    """On a day, work moves from a task to another only when the first is done, has had
    session.max that day, or its rest does not fit the room left in the block."""
    smax = case.availability.session_max
    ends = {task.key: task.finish for task in case.schedule.tasks}
    remaining = {task.key: task.effort for task in case.schedule.tasks}
    blocks = {
        begin: begin + dt.timedelta(minutes=length)
        for _, begin, length in dated_work_blocks(
            case.schedule.pattern, case.zone, case.start, case.schedule.end
        )
    }
    block_ends = sorted(blocks.items())
    today: dict[str, int] = defaultdict(int)
    previous: Session | None = None
    for session in case.schedule.sessions:
        if previous is not None and case.day(previous.start) != case.day(session.start):
            today.clear()
        if previous is not None and previous.task != session.task:
            same_day = case.day(previous.start) == case.day(session.start)
            left = remaining[previous.task]
            if same_day and left and today[previous.task] < smax:
                block_end = _block_end(block_ends, session.start)
                room = int((block_end - session.start).total_seconds()) // 60
                assert left > room, (previous, session, left, room)
        today[session.task] += session.minutes
        remaining[session.task] -= session.minutes
        previous = session
    assert all(not left for left in remaining.values()), remaining
    assert ends  # every task has a finish


def _block_end(blocks: list[tuple[dt.datetime, dt.datetime]], moment: dt.datetime) -> dt.datetime:
    """The end of the block that holds ``moment``."""
    import bisect

    index = bisect.bisect_right(blocks, (moment, dt.datetime.max.replace(tzinfo=dt.UTC))) - 1
    begin, end = blocks[index]
    assert begin <= moment < end
    return end


# The bench plans


def _bench_plan(tasks: int) -> Plan:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench import synthetic_plan
    finally:
        sys.path.pop(0)
    return Plan.model_validate(json.loads(json.dumps(synthetic_plan(tasks))))


def test_the_bench_plans_switch_task_only_when_one_is_done() -> None:
    """On the bench's sequential plan and the bundled plan, a day changes task only where the
    earlier task is finished or had session.max that day: on the bench plan, at most once a
    day and no more often than tasks end. A habit's session is its slice of the day, not a
    task in progress, so a change to or from one is no switch of work."""
    bench = _bench_plan(1000)
    bundled = load_plan(BUNDLED_PLAN)
    for plan in (bench, bundled):
        availability = availability_for(plan)
        schedule = build_schedule(plan, availability, dt.date(2027, 1, 4), horizon_years=1000)
        switches = schedule.task_switches()
        habits = {task.key for task in schedule.tasks if task.habit is not None}
        work = [s for s in schedule.sessions if s.task not in habits]
        last = {s.task: s for s in work}
        zone = ZoneInfo(availability.timezone)
        for earlier, later in itertools.pairwise(work):
            day = earlier.start.astimezone(zone).date()
            if earlier.task != later.task and day == later.start.astimezone(zone).date():
                had = sum(
                    s.minutes
                    for s in schedule.sessions
                    if s.task == earlier.task and s.start.astimezone(zone).date() == day
                )
                assert last[earlier.task] == earlier or had >= availability.session_max
        if plan is bench:
            assert max(switches.values()) <= 1
            assert sum(switches.values()) < len(schedule.tasks)


@PROPERTY_SETTINGS
@given(case=cases())
def test_no_work_is_chopped_into_a_leftover_a_whole_block_would_hold(case: Case) -> None:
    """A session that starts after another in its block and does not finish its task is of a
    task whose rest was longer than the block or than the next block that can take a session,
    or whose effective deadline was less than SPLIT_WHEN_DUE_WITHIN_DAYS away: work that this
    block and the next one would hold whole waits for it."""
    from plan2cal.schedule import SPLIT_WHEN_DUE_WITHIN_DAYS

    due = {task.key: task.effective_deadline for task in case.schedule.tasks}
    blocks = sorted(
        (begin, begin + dt.timedelta(minutes=length))
        for _, begin, length in dated_work_blocks(
            case.schedule.pattern, case.zone, case.start, case.schedule.end
        )
    )
    rest = {task.key: task.effort for task in case.schedule.tasks}
    for session in case.schedule.sessions:
        before = rest[session.task]
        rest[session.task] -= session.minutes
        end = _block_end(blocks, session.start)
        begin = next(b for b, e in blocks if e == end and b <= session.start)
        if session.start == begin or not rest[session.task]:
            continue
        length = int((end - begin).total_seconds()) // 60
        day = case.day(session.start)
        soon = (
            due[session.task] is not None
            and (due[session.task] - day).days < SPLIT_WHEN_DUE_WITHIN_DAYS
        )
        smin = case.availability.session_min
        following = next(
            (
                int((e - b).total_seconds()) // 60
                for b, e in blocks
                if b >= end and (e - b) >= dt.timedelta(minutes=smin)
            ),
            0,
        )
        assert before > min(length, following) or soon, (session, before, length, following)
