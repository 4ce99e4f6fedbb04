"""Rescheduling properties over generated plans, availabilities and progress (DESIGN §4 rule 5).

Whatever got done, and whenever today is, the rescheduled plan keeps every rule of the
scheduler for the work still to do, places exactly the effort that is left from today on, and
keeps done tasks where they happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plan2cal.durations import QUANTUM
from plan2cal.errors import UnschedulableError
from plan2cal.graph import dependency_graph
from plan2cal.model import Plan, parse_windows
from plan2cal.schedule import Actuals, Schedule, Session, availability_for, build_schedule
from plan2cal.worktime import Availability, week_pattern
from strategies import (
    assert_breaks_in_windows,
    assert_session_lengths,
    wall_minutes,
    window_holding,
    window_specs,
)

RERUN_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = ("Europe/Berlin", "America/New_York", "UTC")
EVENINGS = {"mon-fri": "19:00-21:00"}


@dataclass(frozen=True)
class Rerun:
    """A generated plan with its progress, and the schedule rebuilt from that progress."""

    plan: Plan
    availability: Availability
    start: dt.date
    actuals: Actuals
    baseline: Schedule
    schedule: Schedule

    def __repr__(self) -> str:
        """The inputs only (plan hours in minutes), enough to rebuild a failing example by hand."""
        spec = self.plan.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        actuals = self.actuals
        return (
            f"Rerun(start={self.start}, today={actuals.today}, done={dict(actuals.done)}, "
            f"spent={dict(actuals.spent)}, logged={dict(actuals.logged)}, "
            f"remaining={dict(actuals.remaining)}, shown={sorted(actuals.history)}, plan={spec})"
        )

    @property
    def zone(self) -> ZoneInfo:
        """The plan's time zone."""
        return ZoneInfo(self.availability.timezone)

    @property
    def today(self) -> dt.date:
        """The day work before which is history."""
        return self.actuals.today

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The date of ``moment`` in the plan's zone."""
        return moment.astimezone(self.zone).date()

    def future(self) -> list[Session]:
        """The sessions still to do."""
        return [session for session in self.schedule.sessions if not session.done]

    def effort(self, key: str) -> int:
        """The task's effort in minutes."""
        return next(task.effort for task in self.schedule.tasks if task.key == key)


def windows() -> st.SearchStrategy[dict[str, Any]]:
    """Weekday evenings, or up to two windows on each weekday on the 15-minute grid."""
    return st.one_of(st.just(EVENINGS), window_specs(per_day=2))


@st.composite
def plan_specs(draw: st.DrawFn) -> dict[str, Any]:
    """1–3 phases in sequence of 1–5 tasks with 1–20 h each, or (one in six) a wait of 1–14
    days; ``after`` only to earlier tasks, now and then with a lag; now and then a deadline
    within 20 weeks of the start, so that deadline-first ordering is at work."""
    phases: list[dict[str, Any]] = []
    earlier: list[str] = []
    for p in range(draw(st.integers(1, 3))):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 5))):
            key = f"t{p}-{t}"
            entry: dict[str, Any] = {"id": key, "name": f"Task {p}.{t}"}
            if draw(st.integers(0, 5)):
                entry["hours"] = draw(st.integers(1, 20))
            else:
                entry["wait"] = f"{draw(st.integers(1, 14))}d"
            if earlier:
                links = draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True))
                entry["after"] = [
                    {"id": link, "lag": f"{draw(st.integers(1, 10))}d"}
                    if draw(st.integers(0, 3)) == 0
                    else link
                    for link in links
                ]
            if draw(st.integers(0, 3)) == 0:
                entry["deadline"] = f"+{draw(st.integers(1, 20))}w"
            tasks.append(entry)
            earlier.append(key)
        mode = draw(st.sampled_from(["sequential", "interleave"]))
        phases.append({"id": f"p{p}", "name": f"Phase {p}", "mode": mode, "tasks": tasks})
    session = draw(
        st.sampled_from(
            [
                {},
                {"min": "30m", "max": "1h"},
                {"min": "45m", "max": "2h"},
                {"min": "1h", "max": "3h"},
            ]
        )
    )
    return {
        "plan": "rerun",
        "title": "Generated",
        "defaults": {
            "hours_per_week": draw(st.integers(10, 40)) / 2,  # 5 to 20 h in half hours
            "timezone": draw(st.sampled_from(ZONES)),
            "windows": draw(windows()),
            "session": session,
        },
        "phases": phases,
    }


def spent_quarters(effort_hours: int) -> st.SearchStrategy[int]:
    """Minutes logged on a task: 0 to its effort + 5 h, in quarter-hours."""
    return st.integers(0, (effort_hours + 5) * 4).map(lambda quarters: quarters * QUANTUM)


def spent_minutes(effort_hours: int) -> st.SearchStrategy[int]:
    """Minutes logged on a task: 0 to its effort + 5 h, any whole minute."""
    return st.integers(0, (effort_hours + 5) * 60)


@st.composite
def log_entries(
    draw: st.DrawFn, total: int, start: dt.date, today: dt.date
) -> list[tuple[dt.date, int]]:
    """``total`` minutes as up to three log entries on days from a week before the start to
    today (two may share a day)."""
    if not total:
        return []
    days = draw(st.lists(st.dates(start - dt.timedelta(days=7), today), min_size=1, max_size=3))
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=len(days) - 1, max_size=2)))
    amounts = [b - a for a, b in itertools.pairwise([0, *cuts[: len(days) - 1], total])]
    return [(day, minutes) for day, minutes in zip(days, amounts, strict=True) if minutes]


@st.composite
def reruns(draw: st.DrawFn, spent: Any = spent_quarters) -> Rerun:
    """A plan scheduled from its start, then rescheduled 0–120 days later with progress: done
    dates, log entries by day (the total given or left to the scheduler to add up), and some
    re-estimates."""
    spec = draw(plan_specs())
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    plan = Plan.model_validate(spec, context={"start": start})
    availability = availability_for(plan)
    try:
        week_pattern(availability)
    except UnschedulableError:
        assume(False)
    today = start + dt.timedelta(days=draw(st.integers(0, 120)))
    baseline = build_schedule(plan, availability, start)
    done: dict[str, dt.date] = {}
    totals: dict[str, int] = {}
    logged: dict[str, list[tuple[dt.date, int]]] = {}
    history: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    remaining: dict[str, int] = {}
    for _, task in plan.task_list():
        if today > start and draw(st.booleans()):
            done[task.key] = draw(st.dates(start, today - dt.timedelta(days=1)))
            if draw(st.booleans()):
                # What the last run showed; without it the scheduler takes this same baseline.
                history[task.key] = [
                    (s.start, s.end) for s in baseline.sessions if s.task == task.key
                ]
        minutes = draw(spent(task.hours // 60)) if task.hours is not None else 0
        if minutes:
            entries = draw(log_entries(minutes, start, today))
            if entries:
                logged[task.key] = entries
                if draw(st.booleans()):
                    totals[task.key] = sum(m for _, m in entries)
        if task.key not in done and task.hours is not None and draw(st.integers(0, 4)) == 0:
            remaining[task.key] = draw(st.integers(0, 20 * 60))
    actuals = Actuals(
        today=today,
        done=done,
        spent=totals,
        history=history,
        logged=logged,
        remaining=remaining,
    )
    schedule = build_schedule(plan, availability, start, actuals=actuals)
    return Rerun(plan, availability, start, actuals, baseline, schedule)


def expected_remaining(case: Rerun, key: str) -> int:
    """The minutes to place from today (build_schedule, "Progress"): none when done; the
    re-estimate on the grid; else the estimate less the time logged, on the grid, and one
    more session.min (or the estimate, if smaller) when that leaves nothing of an open task."""
    if key in case.actuals.done:
        return 0
    if key in case.actuals.remaining:
        figure = case.actuals.remaining[key]
        return max(1, round(figure / QUANTUM)) * QUANTUM if figure else 0
    spent = case.actuals.spent_on(key)
    rest = max(0, round((case.effort(key) - spent) / QUANTUM) * QUANTUM)
    if spent and not rest:
        return min(case.availability.session_min, case.effort(key))
    return rest


def _window_of(case: Rerun, session: Session) -> tuple[int, int] | None:
    """The window of the session's local weekday that holds it entirely, if any."""
    windows = parse_windows(case.plan.defaults.windows or {})
    return window_holding(windows, case.zone, session.start, session.end)


def _prerequisites(case: Rerun, key: str) -> set[str]:
    """The unfinished tasks ``key`` waits for, through phases and unfinished tasks."""
    graph = dependency_graph(case.plan)
    tasks = {task.key for _, task in case.plan.task_list()}
    found: set[str] = set()
    stack = list(graph[key])
    seen: set[str] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in tasks and node in case.actuals.done:
            continue  # done: whatever it waited for no longer holds anything up
        if node in tasks:
            found.add(node)
        stack.extend(graph[node])
    return found


@RERUN_SETTINGS
@given(case=reruns())
def test_rescheduled_plan_keeps_the_scheduler_rules(case: Rerun) -> None:
    """No overlaps, every session in a window on the grid, no week from today over budget."""
    ordered = sorted(case.schedule.sessions, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end <= later.start, (earlier, later)
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    for session in case.future():
        window = _window_of(case, session)
        assert window is not None, session
        start = wall_minutes(case.zone, session.start, case.local_day(session.start))
        assert (start - window[0]) % QUANTUM == 0, session
        assert session.minutes <= case.availability.session_max, session
        year, week, _ = case.local_day(session.start).isocalendar()
        per_week[year, week] += session.minutes
    assert all(minutes <= case.availability.budget for minutes in per_week.values()), per_week


@RERUN_SETTINGS
@given(case=reruns())
def test_rescheduled_sessions_keep_session_min_and_the_breaks(case: Rerun) -> None:
    """Sessions from today are session.min or more but for a task's last one, when it holds
    the whole rest of a task that short, or follows a session.min one and the two exceed every
    block; sessions in one window stay a quarter-hour apart."""
    remaining = {task.key: task.remaining for task in case.schedule.tasks}
    availability = case.availability
    assert_session_lengths(
        case.future(),
        remaining,
        availability.session_min,
        availability.session_max,
        case.schedule.pattern.longest_block,
    )
    windows = parse_windows(case.plan.defaults.windows or {})
    assert_breaks_in_windows(windows, case.zone, case.future())


@RERUN_SETTINGS
@given(case=reruns())
def test_rescheduled_plan_places_exactly_the_remaining_effort_from_today(case: Rerun) -> None:
    """Each task gets exactly its remaining effort (expected_remaining) in sessions on or
    after today, and that is what its TaskPlan says remains."""
    placed: dict[str, int] = defaultdict(int)
    for session in case.future():
        assert case.local_day(session.start) >= case.today, session
        placed[session.task] += session.minutes
    remaining = {task.key: expected_remaining(case, task.key) for _, task in case.plan.task_list()}
    assert {key: minutes for key, minutes in placed.items() if minutes} == {
        key: minutes for key, minutes in remaining.items() if minutes
    }
    assert {task.key: task.remaining for task in case.schedule.tasks} == remaining


@RERUN_SETTINGS
@given(case=reruns())
def test_done_tasks_without_logs_keep_only_their_shown_sessions_up_to_the_done_date(
    case: Rerun,
) -> None:
    """A done task with no log entries keeps the sessions it was shown before its done date
    and before today, numbered from 1."""
    for key, done_on in case.actuals.done.items():
        if key in case.actuals.logged:
            continue
        own = [s for s in case.schedule.sessions if s.task == key]
        assert all(s.done and not s.logged for s in own), own
        shown = [
            (s.start, s.end)
            for s in case.baseline.sessions
            if s.task == key
            and case.local_day(s.start) <= done_on
            and case.local_day(s.start) < case.today
        ]
        assert [(s.start, s.end) for s in own] == shown
        assert [s.ordinal for s in own] == list(range(1, len(own) + 1))


@RERUN_SETTINGS
@given(case=reruns())
def test_the_past_shows_what_was_logged_in_the_windows_of_its_day_or_as_a_note(
    case: Rerun,
) -> None:
    """Each day's logged time of a task before today is that day's logged sessions, inside its
    windows, or one LoggedDay note; time logged on today or later is a note; no past session
    overlaps another, and a planned session that did not happen is not shown as done."""
    logged: dict[tuple[str, dt.date], int] = defaultdict(int)
    for key, entries in case.actuals.logged.items():
        for day, minutes in entries:
            logged[key, day] += minutes
    in_sessions: dict[tuple[str, dt.date], int] = defaultdict(int)
    for session in case.schedule.sessions:
        if session.logged:
            assert session.done, session
            assert _window_of(case, session) is not None, session
            in_sessions[session.task, case.local_day(session.start)] += session.minutes
    notes = {(note.task, note.day): note.minutes for note in case.schedule.logged_days}
    assert not set(notes) & set(in_sessions), "a day's log both placed and noted"
    assert {**in_sessions, **notes} == dict(logged)
    assert all((key, day) in notes for key, day in logged if day >= case.today)
    past = sorted((s for s in case.schedule.sessions if s.done), key=lambda s: s.start)
    for earlier, later in itertools.pairwise(past):
        assert earlier.end <= later.start, (earlier, later)
    for session in past:
        assert case.local_day(session.start) < case.today, session
        assert session.logged or (
            session.task in case.actuals.done and session.task not in case.actuals.logged
        ), session
    for key in {s.task for s in case.schedule.sessions}:
        ordinals = [s.ordinal for s in case.schedule.sessions if s.task == key]
        assert ordinals == list(range(1, len(ordinals) + 1)), (key, ordinals)


@RERUN_SETTINGS
@given(case=reruns())
def test_remaining_work_waits_for_the_unfinished_work_it_depends_on(case: Rerun) -> None:
    """A task's first future session starts after the last one of every unfinished prerequisite."""
    first: dict[str, dt.datetime] = {}
    last: dict[str, dt.datetime] = {}
    for session in sorted(case.future(), key=lambda s: s.start):
        first.setdefault(session.task, session.start)
        last[session.task] = session.end
    for key, begins in first.items():
        for dep in _prerequisites(case, key):
            if dep in last:
                assert last[dep] <= begins, (dep, key)


@RERUN_SETTINGS
@given(case=reruns())
def test_rescheduling_is_repeatable(case: Rerun) -> None:
    """The same inputs give the same schedule; so does the result fed back as the history."""
    again = build_schedule(case.plan, case.availability, case.start, actuals=case.actuals)
    assert again == case.schedule

    shown: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for session in case.schedule.sessions:
        shown[session.task].append((session.start, session.end))
    rerun = dataclasses.replace(case.actuals, history=dict(shown))
    assert build_schedule(case.plan, case.availability, case.start, actuals=rerun) == case.schedule


@RERUN_SETTINGS
@given(case=reruns(spent=spent_minutes))
def test_time_logged_off_the_quarter_hour_keeps_sessions_on_the_grid(case: Rerun) -> None:
    """Logging 1h07m leaves work on the 15-minute grid, within a quarter-hour of what is left."""
    placed: dict[str, int] = defaultdict(int)
    for session in case.future():
        window = _window_of(case, session)
        assert window is not None, session
        start = wall_minutes(case.zone, session.start, case.local_day(session.start))
        assert (start - window[0]) % QUANTUM == 0, session
        assert session.minutes % QUANTUM == 0, session
        placed[session.task] += session.minutes
    for _, task in case.plan.task_list():
        if task.key not in case.actuals.done and task.key not in case.actuals.remaining:
            exact = max(0, case.effort(task.key) - case.actuals.spent_on(task.key))
            if exact >= QUANTUM:
                assert abs(placed[task.key] - exact) < QUANTUM, (task.key, placed[task.key], exact)
