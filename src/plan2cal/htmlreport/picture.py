"""What the HTML report shows, as plain data: every bar, line and label with its place.

The geometry is computed here, in Python, so that it can be tested without a browser; the
template (templates/report.html.j2) only walks these dataclasses and writes SVG elements.
Coordinates are in SVG user units, which the page scales to its width. Every mark carries a
text (a label or a ``<title>`` tooltip) so that the report reads without colour.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from plan2cal.durations import duration_text
from plan2cal.export.revisions import Snapshot, milestone_dates, task_first_day
from plan2cal.report import difference_text
from plan2cal.schedule import Schedule, TaskPlan

# The drawing's width in user units, and the column of row labels at its left.
WIDTH = 1560
LABEL_WIDTH = 330
CHART_LEFT = LABEL_WIDTH + 10
CHART_RIGHT = WIDTH - 90  # room for the date label of a milestone at the very end
AXIS_HEIGHT = 34
PHASE_ROW = 24
TASK_ROW = 17
HABIT_ROW = 12
# Row labels longer than this are cut with an ellipsis; the whole name is in the tooltip.
LABEL_CHARS = 48
# Weekly load and burn-up: the plot's height below its top margin.
PLOT_HEIGHT = 260
PLOT_TOP = 30
PLOT_BOTTOM = 40
SESSION_DAYS = 14  # the table of the coming sessions
# The width of a character of an 11-unit label, a little generous (digits are about 6.1 in
# DejaVu Sans, the widest of the system fonts the style sheet names).
CHAR_WIDTH = 6.6


@dataclass(frozen=True)
class ReportInput:
    """Everything the report is drawn from: the schedule as of its today, the baseline and
    the last run's snapshots (None when there are none), and the settings to show."""

    schedule: Schedule
    baseline: Snapshot | None
    last_run: Snapshot | None
    settings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Tick:
    """A grid line at ``x`` with its label (empty: a line only)."""

    x: float
    label: str = ""


@dataclass(frozen=True)
class Span:
    """A horizontal extent with the text of its tooltip."""

    x: float
    width: float
    title: str


@dataclass(frozen=True)
class Marker:
    """A point mark (a deadline, a milestone) at ``x`` with a short label and a tooltip."""

    x: float
    label: str
    title: str


@dataclass(frozen=True)
class GanttRow:
    """One row of the Gantt chart.

    ``kind``: a phase (its bar spans its tasks), a task, a fixed milestone, or a habit: a
    thin band under its phase for an ongoing task (``every:``), over the days it runs.
    """

    kind: Literal["phase", "task", "habit", "milestone"]
    y: float
    height: float
    label: str
    title: str
    bar: Span | None = None
    ghost: Span | None = None  # the baseline's extent, drawn behind the bar
    done: Span | None = None  # the part of the bar already worked
    deadline: Marker | None = None
    milestone: Marker | None = None  # where the phase's milestone (or a fixed one) is now
    nominal: Marker | None = None  # where the plan's own weeks put it
    status: str = ""  # "done", "LATE +9 d": a word beside the bar
    late: bool = False
    wait: bool = False  # a pure wait: calendar time, no work
    # Where a phase's or milestone's date label (and status) goes: right of its diamond when
    # it fits, else left of the bar (anchored at its end).
    note_x: float = 0.0
    note_anchor: Literal["start", "end"] = "start"


@dataclass(frozen=True)
class Gantt:
    """The Gantt chart: the time axis, the rows, and the today line."""

    height: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    rows: tuple[GanttRow, ...]
    today: Marker | None


@dataclass(frozen=True)
class WeekLoad:
    """One week of the load chart: stacked rectangles (done, planned, lost), the baseline's
    plan as an outline, and the tooltip with every figure."""

    x: float
    width: float
    done_y: float
    done_height: float
    planned_y: float
    planned_height: float
    lost_y: float
    lost_height: float
    baseline_y: float | None
    title: str


@dataclass(frozen=True)
class Line:
    """A polyline, its label at its end, and how it is drawn."""

    name: Literal["baseline", "plan", "done"]
    points: str
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Plot:
    """A chart over weeks: its ticks on both axes, and its today line."""

    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[tuple[float, str], ...]
    today: Marker | None


@dataclass(frozen=True)
class LoadChart:
    """Weekly load: a bar per week and the budget line."""

    plot: Plot
    weeks: tuple[WeekLoad, ...]
    budget_y: float
    budget_label: str
    lost_total: str


@dataclass(frozen=True)
class Burnup:
    """Cumulative hours: baseline and current plan against done."""

    plot: Plot
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class MilestoneRow:
    """A row of the milestone table."""

    name: str
    kind: str
    nominal: str
    baseline: str
    last_run: str
    now: str
    versus_baseline: str
    versus_last: str


@dataclass(frozen=True)
class LateRow:
    """A task (or phase) past its deadline."""

    key: str
    name: str
    kind: str
    due: str
    finish: str
    days_late: int


@dataclass(frozen=True)
class SessionRow:
    """A work session of the coming days."""

    day: str
    weekday: str
    time: str
    length: str
    task: str
    phase: str
    ordinal: str


@dataclass(frozen=True)
class Header:
    """What the top of the report says."""

    title: str
    plan: str
    today: str
    settings: tuple[tuple[str, str], ...]
    end: str
    end_lines: tuple[str, ...]
    figures: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Picture:
    """The whole report."""

    header: Header
    gantt: Gantt
    load: LoadChart
    burnup: Burnup
    milestones: tuple[MilestoneRow, ...]
    late: tuple[LateRow, ...]
    sessions: tuple[SessionRow, ...]
    session_days: int
    width: int = WIDTH
    chart_left: int = CHART_LEFT


class _Scale:
    """Days to x: the first Monday on or before the earliest day, to the Sunday after the
    latest, across the chart's width."""

    def __init__(self, days: Iterable[dt.date], left: float, right: float) -> None:
        known = list(days)
        first, last = min(known), max(known)
        self.first = first - dt.timedelta(days=first.weekday())
        self.last = last + dt.timedelta(days=6 - last.weekday())
        self.left, self.right = left, right
        self.per_day = (right - left) / ((self.last - self.first).days + 1)

    def x(self, day: dt.date) -> float:
        """The left edge of ``day``."""
        return round(self.left + (day - self.first).days * self.per_day, 1)

    def span(self, first: dt.date, last: dt.date, title: str) -> Span:
        """``first`` to ``last``, both included, at least a hairline wide."""
        x = self.x(first)
        return Span(x, max(round(self.x(last) + self.per_day - x, 1), 1.5), title)

    @cached_property
    def monday_list(self) -> tuple[dt.date, ...]:
        weeks = ((self.last - self.first).days + 1) // 7
        return tuple(self.first + dt.timedelta(weeks=n) for n in range(weeks))

    def mondays(self) -> tuple[dt.date, ...]:
        """The Monday of each week of the scale."""
        return self.monday_list

    def ticks(self) -> tuple[Tick, ...]:
        """A line every week where weeks are wide enough, else every 4 or 13 weeks or year;
        a date label where there is room for one (about 70 units)."""
        mondays = self.mondays()
        week_width = self.per_day * 7
        step = next((n for n in (1, 4, 13, 52) if week_width * n >= 9), 52 * 10)
        label_step = next(
            (n for n in (1, 2, 4, 8, 13, 26, 52, 104, 260) if week_width * n >= 72), 520
        )
        label_step = max(label_step, step)
        if label_step % step:
            label_step = step * math.ceil(label_step / step)
        ticks = []
        for index, monday in enumerate(mondays):
            if index % step:
                continue
            label = monday.isoformat() if index % label_step == 0 else ""
            ticks.append(Tick(self.x(monday), label))
        return tuple(ticks)


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f}".removesuffix(".0") + " h"


def _spans(snapshot: Snapshot | None) -> dict[str, tuple[dt.date, dt.date]]:
    if snapshot is None:
        return {}
    return {
        key: (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        for key, (first, last) in snapshot.spans.items()
    }


def _day_text(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "-"


def build_picture(data: ReportInput) -> Picture:
    """Lay out the report of ``data``: every chart's marks and every table's rows."""
    schedule = data.schedule
    zone = ZoneInfo(schedule.availability.timezone)
    today = schedule.today
    base_spans = _spans(data.baseline)
    reached = schedule.milestones_reached()
    days: list[dt.date] = [schedule.start, schedule.end, today]
    days += [phase.nominal_end for phase in schedule.phases]
    days += [m.date for m in schedule.milestones] + list(reached.values())
    days += [day for span in base_spans.values() for day in span]
    days += [task.deadline for task in schedule.tasks if task.deadline is not None]
    days += [phase.deadline for phase in schedule.phases if phase.deadline is not None]
    days += [dt.date.fromisoformat(day) for day in (data.baseline.planned if data.baseline else ())]
    scale = _Scale(days, CHART_LEFT, CHART_RIGHT)
    figures = _week_figures(schedule, data.baseline, scale, zone)
    return Picture(
        header=_header(data),
        gantt=_gantt(schedule, scale, zone, base_spans),
        load=_load(schedule, figures, scale),
        burnup=_burnup(schedule, figures, scale),
        milestones=_milestone_rows(schedule, data.baseline, data.last_run),
        late=tuple(
            LateRow(
                miss.key,
                miss.name,
                miss.kind,
                miss.due.isoformat(),
                miss.finish.isoformat(),
                miss.days_late,
            )
            for miss in schedule.misses
            if miss.kind in ("task", "phase")
        ),
        sessions=_coming_sessions(schedule, zone),
        session_days=SESSION_DAYS,
    )


def _header(data: ReportInput) -> Header:
    """The title, the settings, the end against the baseline, the last run and the nominal
    end, and the hours done and left."""
    schedule = data.schedule
    end = schedule.end
    lines = []
    if data.baseline is not None and data.baseline.end:
        then = dt.date.fromisoformat(data.baseline.end)
        lines.append(
            f"baseline end {then.isoformat()} (set {data.baseline.taken}): "
            f"{difference_text((end - then).days)}"
        )
    else:
        lines.append("no baseline yet: plan2cal schedule sets one")
    if data.last_run is not None and data.last_run.end:
        then = dt.date.fromisoformat(data.last_run.end)
        lines.append(f"last run end {then.isoformat()}: {difference_text((end - then).days)}")
    nominal_end = max(phase.nominal_end for phase in schedule.phases)
    lines.append(
        f"nominal end {nominal_end.isoformat()} (the phases' own weeks): "
        f"{difference_text((end - nominal_end).days)}"
    )
    work = [task for task in schedule.tasks if task.wait is None]
    total = sum(task.effort for task in work)
    done_minutes = sum(s.minutes for s in schedule.sessions if s.done) + sum(
        day.minutes for day in schedule.logged_days if day.day < schedule.today
    )
    left = sum(task.remaining for task in work)
    finished = sum(1 for task in work if task.done is not None)
    figures = (
        ("work", duration_text(total)),
        ("done", f"{_hours(done_minutes)} ({finished} of {len(work)} tasks)"),
        ("left", duration_text(left)),
        ("sessions", str(len(schedule.sessions))),
        ("missed dates", str(len(schedule.misses))),
    )
    return Header(
        title=schedule.title,
        plan=schedule.plan,
        today=schedule.today.isoformat(),
        settings=data.settings
        or (
            ("start", schedule.start.isoformat()),
            ("weekly budget", f"{schedule.availability.hours_per_week:g} h"),
            ("time zone", schedule.availability.timezone),
        ),
        end=end.isoformat(),
        end_lines=tuple(lines),
        figures=figures,
    )


def _task_row(
    task: TaskPlan,
    y: float,
    scale: _Scale,
    zone: ZoneInfo,
    worked: tuple[dt.date, dt.date] | None,
    ghost: tuple[dt.date, dt.date] | None,
    late_days: Mapping[str, int],
) -> GanttRow:
    """A task's row: its bar from its first day (of work done or planned) to its last, the
    days worked before today shaded, its baseline behind it, its deadline and lateness."""
    first = task_first_day(task, zone)
    if worked is not None:
        first = min(first, worked[0]) if first is not None else worked[0]
    if first is None and task.done is not None:
        # Done with no session to show (none logged, none kept): a day's mark on its date.
        first = task.done
    bar = done = None
    if first is not None:
        last = max(task.end_date, worked[1]) if worked is not None else task.end_date
        words = "wait" if task.wait is not None else duration_text(task.effort)
        bar = scale.span(
            first, last, f"{task.name}: {first.isoformat()} to {last.isoformat()}, {words}"
        )
        if task.done is not None:
            done = scale.span(first, last, f"done on {task.done.isoformat()}")
        elif worked is not None:
            done = scale.span(
                worked[0],
                worked[1],
                f"{duration_text(task.spent)} logged, {worked[0].isoformat()} to "
                f"{worked[1].isoformat()}",
            )
    ghost_span = None
    if ghost is not None:
        ghost_span = scale.span(
            *ghost, f"baseline: {ghost[0].isoformat()} to {ghost[1].isoformat()}"
        )
    deadline = None
    if task.deadline is not None:
        deadline = Marker(
            scale.x(task.deadline + dt.timedelta(days=1)),
            "due",
            f"deadline {task.deadline.isoformat()}",
        )
    late = task.key in late_days
    marks = ["done"] if task.done is not None else (["wait"] if task.wait else [])
    marks += [f"LATE +{late_days[task.key]} d"] if late else []
    status = ", ".join(marks)
    title = f"{task.name} ({task.key})"
    if task.deadline is not None:
        title += f", due {task.deadline.isoformat()}"
    return GanttRow(
        kind="task",
        y=y,
        height=TASK_ROW,
        label=_short(task.name),
        title=title,
        bar=bar,
        ghost=ghost_span,
        done=done,
        deadline=deadline,
        status=status,
        late=late,
        wait=task.wait is not None,
    )


def _habit_row(task: TaskPlan, y: float, scale: _Scale) -> GanttRow:
    """A habit as a thin band under its phase, from its first day to its last."""
    span = task.habit
    assert span is not None
    last = max(span.last_day, span.first_day)
    title = (
        f"{task.name} ({task.key}): habit, {span.rhythm.text}, {span.first_day.isoformat()} to "
        f"{last.isoformat()}, {span.ends}; {span.kept_text()}"
    )
    return GanttRow(
        kind="habit",
        y=y,
        height=HABIT_ROW,
        label=_short(f"{task.name} ({span.rhythm.text})"),
        title=title,
        bar=scale.span(span.first_day, last, title),
    )


def _gantt(
    schedule: Schedule,
    scale: _Scale,
    zone: ZoneInfo,
    base_spans: Mapping[str, tuple[dt.date, dt.date]],
) -> Gantt:
    today = schedule.today
    late_days = {m.key: m.days_late for m in schedule.misses if m.kind in ("task", "phase")}
    by_phase: dict[str, list[TaskPlan]] = {}
    for task in schedule.tasks:
        by_phase.setdefault(task.phase, []).append(task)
    worked = _worked_days(schedule, zone)
    rows: list[GanttRow] = []
    y = float(AXIS_HEIGHT)
    for phase in schedule.phases:
        ghost = base_spans.get(f"phase:{phase.key}")
        late = phase.key in late_days
        status = f"LATE +{late_days[phase.key]} d" if late else ""
        everything = by_phase.get(phase.key, [])
        habits = [task for task in everything if task.habit is not None]
        tasks = [task for task in everything if task.habit is None]
        if tasks and all(task.done is not None for task in tasks):
            status = status or "done"
        rows.append(
            _placed(
                GanttRow(
                    kind="phase",
                    y=y,
                    height=PHASE_ROW,
                    label=_short(phase.name, LABEL_CHARS - 6),
                    title=(
                        f"{phase.name}: {phase.start.isoformat()} to {phase.end.isoformat()}, "
                        f"{duration_text(phase.effort)}; nominal end "
                        f"{phase.nominal_end.isoformat()}"
                    ),
                    bar=scale.span(
                        phase.start,
                        phase.end,
                        f"{phase.name}: {phase.start.isoformat()} to {phase.end.isoformat()}",
                    ),
                    ghost=scale.span(
                        *ghost, f"baseline: {ghost[0].isoformat()} to {ghost[1].isoformat()}"
                    )
                    if ghost
                    else None,
                    deadline=Marker(
                        scale.x(phase.deadline + dt.timedelta(days=1)),
                        "due",
                        f"phase deadline {phase.deadline.isoformat()}",
                    )
                    if phase.deadline
                    else None,
                    milestone=Marker(
                        scale.x(phase.end + dt.timedelta(days=1)),
                        f"{phase.end.isoformat()}, nominal {phase.nominal_end.isoformat()}",
                        f"{phase.name} milestone now {phase.end.isoformat()}",
                    ),
                    nominal=Marker(
                        scale.x(phase.nominal_end),
                        phase.nominal_end.isoformat(),
                        f"{phase.name} nominal end {phase.nominal_end.isoformat()} "
                        f"({difference_text(phase.slip_days)} now)",
                    ),
                    status=status,
                    late=late,
                )
            )
        )
        y += PHASE_ROW
        for habit in habits:
            rows.append(_habit_row(habit, y, scale))
            y += HABIT_ROW
        for task in tasks:
            rows.append(
                _task_row(
                    task, y, scale, zone, worked.get(task.key), base_spans.get(task.key), late_days
                )
            )
            y += TASK_ROW
    reached = schedule.milestones_reached()
    for milestone in schedule.milestones:
        now = reached[milestone.key]
        missed = now > milestone.date
        rows.append(
            _placed(
                GanttRow(
                    kind="milestone",
                    y=y,
                    height=PHASE_ROW,
                    label=_short(milestone.name, LABEL_CHARS - 6),
                    title=f"{milestone.name}: fixed {milestone.date.isoformat()}",
                    milestone=Marker(
                        scale.x(now + dt.timedelta(days=1) if missed else milestone.date),
                        f"{now.isoformat()}, fixed {milestone.date.isoformat()}"
                        if missed
                        else now.isoformat(),
                        f"{milestone.name}: reached {now.isoformat()}",
                    ),
                    nominal=Marker(
                        scale.x(milestone.date),
                        milestone.date.isoformat(),
                        f"{milestone.name}: fixed date {milestone.date.isoformat()}",
                    )
                    if missed
                    else None,
                    status=f"MISSED +{(now - milestone.date).days} d" if missed else "",
                    late=missed,
                )
            )
        )
        y += PHASE_ROW
    today_mark = None
    if scale.first <= today <= scale.last:
        today_mark = Marker(scale.x(today), f"today {today.isoformat()}", "today")
    return Gantt(
        height=y + 8,
        top=AXIS_HEIGHT,
        bottom=y,
        ticks=scale.ticks(),
        rows=tuple(rows),
        today=today_mark,
    )


def _placed(row: GanttRow) -> GanttRow:
    """``row`` with its date label placed: right of the milestone's diamond if the label and
    the status fit before the drawing's edge, else ending left of the bar's start (or of the
    nominal diamond, whichever is further left), else ending at the edge."""
    assert row.milestone is not None
    chars = len(row.milestone.label) + (len(row.status) + 1 if row.status else 0)
    width = chars * CHAR_WIDTH
    right = row.milestone.x + 10
    if right + width <= WIDTH - 2:
        return dataclasses.replace(row, note_x=round(right, 1), note_anchor="start")
    lefts = [row.milestone.x - 10]
    lefts += [row.bar.x - 4] if row.bar is not None else []
    lefts += [row.nominal.x - 10] if row.nominal is not None else []
    left = min(lefts)
    if left - width >= CHART_LEFT:
        return dataclasses.replace(row, note_x=round(left, 1), note_anchor="end")
    return dataclasses.replace(row, note_x=WIDTH - 2, note_anchor="end")


def _worked_days(schedule: Schedule, zone: ZoneInfo) -> dict[str, tuple[dt.date, dt.date]]:
    """Task id → the first and last day of the work done on it before today: its past
    sessions and the days time was logged on it."""
    days: dict[str, list[dt.date]] = {}
    for session in schedule.sessions:
        if session.done:
            days.setdefault(session.task, []).append(_local_day(session.start, zone))
    for logged in schedule.logged_days:
        if logged.day < schedule.today:
            days.setdefault(logged.task, []).append(logged.day)
    return {key: (min(found), max(found)) for key, found in days.items()}


def _weekly(minutes_by_day: Iterable[tuple[dt.date, int]], scale: _Scale) -> list[int]:
    """Minutes per week of the scale, from (day, minutes) pairs; days outside are dropped."""
    weeks = [0] * len(scale.mondays())
    for day, minutes in minutes_by_day:
        index = (day - scale.first).days // 7
        if 0 <= index < len(weeks):
            weeks[index] += minutes
    return weeks


def _week_figures(
    schedule: Schedule, baseline: Snapshot | None, scale: _Scale, zone: ZoneInfo
) -> tuple[list[int], list[int], list[int] | None]:
    """Per week: minutes done (sessions in the past and time logged before today), minutes
    planned from today on, and the baseline's planned minutes (None without a baseline)."""
    done = _weekly(
        [(_local_day(s.start, zone), s.minutes) for s in schedule.sessions if s.done]
        + [(d.day, d.minutes) for d in schedule.logged_days if d.day < schedule.today],
        scale,
    )
    planned = _weekly(
        [(_local_day(s.start, zone), s.minutes) for s in schedule.sessions if not s.done],
        scale,
    )
    base = None
    if baseline is not None:
        base = _weekly(
            ((dt.date.fromisoformat(day), minutes) for day, minutes in baseline.planned.items()),
            scale,
        )
    return done, planned, base


def _plot(scale: _Scale, top_minutes: float, today: dt.date) -> Plot:
    """The frame of a chart over the scale's weeks whose y axis runs up to ``top_minutes``."""
    height = PLOT_TOP + PLOT_HEIGHT + PLOT_BOTTOM
    y_ticks = []
    hours_top = top_minutes / 60
    # About five labelled lines up the axis, at round numbers of hours.
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if hours_top / candidate <= 6:
            step = candidate
            break
    else:
        step = 10 ** math.ceil(math.log10(max(hours_top, 1) / 5))
    value = 0
    while value <= hours_top:
        y_ticks.append((_y(value * 60, top_minutes), f"{value:g} h"))
        value += step
    return Plot(
        height=height,
        left=CHART_LEFT,
        right=CHART_RIGHT,
        top=PLOT_TOP,
        bottom=PLOT_TOP + PLOT_HEIGHT,
        x_ticks=scale.ticks(),
        y_ticks=tuple(y_ticks),
        today=Marker(scale.x(today), f"today {today.isoformat()}", "today")
        if scale.first <= today <= scale.last
        else None,
    )


def _y(minutes: float, top_minutes: float) -> float:
    return round(PLOT_TOP + PLOT_HEIGHT - minutes / top_minutes * PLOT_HEIGHT, 1)


_Figures = tuple[list[int], list[int], list[int] | None]


def _load(schedule: Schedule, figures: _Figures, scale: _Scale) -> LoadChart:
    done, planned, base = figures
    lost = [0] * len(done)
    reasons: dict[int, str] = {}
    for loss in schedule.losses:
        index = (loss.week - scale.first).days // 7
        if 0 <= index < len(lost):
            lost[index] += loss.lost
            parts = [
                f"{label} {_hours(minutes)}"
                for label, minutes in (
                    ("holidays", loss.holidays),
                    ("time off", loss.off),
                    ("busy", loss.busy),
                )
                if minutes
            ]
            why = "; ".join(loss.reasons)
            reasons[index] = ", ".join(parts) + (f" ({why})" if why else "")
    budget = schedule.availability.budget
    highest = max(
        [budget, *(d + p + lo for d, p, lo in zip(done, planned, lost, strict=True)), *(base or [])]
    )
    top = max(highest * 1.1, 60)
    week_width = scale.per_day * 7
    gap = 1 if week_width > 4 else 0
    weeks = []
    bottom = PLOT_TOP + PLOT_HEIGHT
    for index, monday in enumerate(scale.mondays()):
        d, p, lo = done[index], planned[index], lost[index]
        b = base[index] if base is not None else None
        if not (d or p or lo or b):
            continue
        x = scale.x(monday)
        done_top = _y(d, top)
        planned_top = _y(d + p, top)
        lost_top = _y(d + p + lo, top)
        parts = [f"week of {monday.isoformat()}"]
        parts += [f"done {_hours(d)}"] if d else []
        parts += [f"planned {_hours(p)}"] if p else []
        if lo:
            parts.append(f"lost {_hours(lo)} to {reasons.get(index, 'blocked time')}")
        if b is not None:
            parts.append(f"baseline planned {_hours(b)}")
        weeks.append(
            WeekLoad(
                x=round(x + gap / 2, 1),
                width=round(max(week_width - gap, 0.8), 1),
                done_y=done_top,
                done_height=round(bottom - done_top, 1),
                planned_y=planned_top,
                planned_height=round(done_top - planned_top, 1),
                lost_y=lost_top,
                lost_height=round(planned_top - lost_top, 1),
                baseline_y=_y(b, top) if b else None,
                title="; ".join(parts),
            )
        )
    return LoadChart(
        plot=_plot(scale, top, schedule.today),
        weeks=tuple(weeks),
        budget_y=_y(budget, top),
        budget_label=f"budget {schedule.availability.hours_per_week:g} h a week",
        lost_total=duration_text(sum(lost)),
    )


def _cumulative(values: Sequence[int]) -> list[int]:
    total, out = 0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _burnup(schedule: Schedule, figures: _Figures, scale: _Scale) -> Burnup:
    done, planned, base = figures
    plan = _cumulative([d + p for d, p in zip(done, planned, strict=True)])
    done_total = _cumulative(done)
    base_total = _cumulative(base) if base is not None else None
    top = max([plan[-1], done_total[-1], *(base_total or [0]), 60]) * 1.08
    mondays = scale.mondays()
    today_index = (schedule.today - scale.first).days // 7

    def points(values: Sequence[int], upto: int | None = None) -> tuple[str, float, float]:
        coords = [(scale.left, _y(0, top))]
        if upto is None:
            # A line ends where its total stops growing, so that its label sits there.
            upto = next((i for i in range(len(values) - 1, -1, -1) if values[i] != values[-1]), -1)
            upto = min(upto + 1, len(values) - 1)
        for index, value in enumerate(values):
            if index > upto:
                break
            # Each week's total is reached at its end, the next Monday.
            x = scale.x(mondays[index] + dt.timedelta(days=7))
            coords.append((x, _y(value, top)))
        text = " ".join(f"{x:g},{y:g}" for x, y in coords)
        return text, coords[-1][0], coords[-1][1]

    lines = []
    # Labels left of each line's end: the plan's above it, the baseline's below it, and
    # the baseline's pushed down when the two ends are close.
    text, x, plan_y = points(plan)
    plan_line = Line("plan", text, f"plan {_hours(plan[-1])}", x, plan_y - 8)
    if base_total is not None:
        text, x, y = points(base_total)
        label_y = max(y + 16, plan_y + 16) if abs(y - plan_y) < 20 else y + 16
        lines.append(Line("baseline", text, f"baseline {_hours(base_total[-1])}", x, label_y))
    lines.append(plan_line)
    upto = min(today_index - 1, len(done_total) - 1)
    if upto >= 0:
        text, x, y = points(done_total, upto)
        lines.append(Line("done", text, f"done {_hours(done_total[upto])}", x + 6, y + 4))
    return Burnup(plot=_plot(scale, top, schedule.today), lines=tuple(lines))


def _milestone_rows(
    schedule: Schedule, baseline: Snapshot | None, last_run: Snapshot | None
) -> tuple[MilestoneRow, ...]:
    base, last = milestone_dates(baseline), milestone_dates(last_run)

    def versus(now: dt.date, then: dt.date | None) -> str:
        return difference_text((now - then).days) if then else "-"

    rows = [
        MilestoneRow(
            name=phase.name,
            kind="phase",
            nominal=phase.nominal_end.isoformat(),
            baseline=_day_text(base.get(phase.key)),
            last_run=_day_text(last.get(phase.key)),
            now=phase.end.isoformat(),
            versus_baseline=versus(phase.end, base.get(phase.key)),
            versus_last=versus(phase.end, last.get(phase.key)),
        )
        for phase in schedule.phases
    ]
    reached = schedule.milestones_reached()
    for milestone in schedule.milestones:
        item = f"milestone:{milestone.key}"
        now = reached[milestone.key]
        rows.append(
            MilestoneRow(
                name=milestone.name,
                kind="fixed",
                nominal=milestone.date.isoformat(),
                baseline=_day_text(base.get(item)),
                last_run=_day_text(last.get(item)),
                now=now.isoformat(),
                versus_baseline=versus(now, base.get(item)),
                versus_last=versus(now, last.get(item)),
            )
        )
    return tuple(rows)


def _coming_sessions(schedule: Schedule, zone: ZoneInfo) -> tuple[SessionRow, ...]:
    today = schedule.today
    until = today + dt.timedelta(days=SESSION_DAYS)
    tasks = {task.key: task for task in schedule.tasks}
    phases = {phase.key: phase.name for phase in schedule.phases}
    rows = []
    for session in schedule.sessions:
        start = session.start.astimezone(zone)
        if start.date() < today or session.done:
            continue
        if start.date() >= until:
            break
        task = tasks[session.task]
        end = session.end.astimezone(zone)
        rows.append(
            SessionRow(
                day=start.date().isoformat(),
                weekday=f"{start:%a}",
                time=f"{start:%H:%M}–{end:%H:%M}",
                length=duration_text(session.minutes),
                task=task.name,
                phase=phases.get(task.phase, task.phase),
                ordinal=f"{session.ordinal}/{task.sessions}",
            )
        )
    return tuple(rows)
