"""Terminal reports: what ``schedule``, ``status`` and ``check`` print, as lists of lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from plan2cal.durations import duration_text, estimate_error
from plan2cal.export.revisions import Snapshot, milestone_dates
from plan2cal.fit import Fit
from plan2cal.schedule import Miss, Schedule, TaskPlan
from plan2cal.worktime import describe_pattern


@dataclass(frozen=True)
class NominalView:
    """The plan's own weeks against the real hours, and what ``fit`` found for them."""

    nominal_weeks: float
    nominal_end: dt.date
    end: dt.date
    weeks: float
    budget: float | None  # the smallest weekly budget that keeps the nominal end, if any
    most: float  # the largest budget the windows hold
    earliest: dt.date  # the end at that budget


def difference_text(days: int) -> str:
    """A signed number of days, with weeks when it is at least two of them."""
    if abs(days) >= 14:
        return f"{days:+d} d ({days / 7:+.1f} w)"
    return f"{days:+d} d"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def heading(schedule: Schedule) -> list[str]:
    """The plan's title and what the run assumed."""
    availability = schedule.availability
    work = sum(task.effort for task in schedule.tasks if task.habit is None)
    habits = [task for task in schedule.tasks if task.habit is not None]
    kept = (
        f" and {duration_text(sum(task.effort for task in habits))} of "
        f"{len(habits)} {'habit' if len(habits) == 1 else 'habits'}"
        if habits
        else ""
    )
    return [
        schedule.title,
        f"from {schedule.start.isoformat()} at {availability.hours_per_week:g} h a week "
        f"({availability.timezone}): {len(schedule.sessions)} sessions, "
        f"{duration_text(work)} of work{kept}",
    ]


def phase_table(schedule: Schedule) -> list[str]:
    """One row per phase: start, milestone date, nominal date, the difference and the hours."""
    rows = [
        [
            phase.name,
            phase.start.isoformat(),
            phase.end.isoformat(),
            phase.nominal_end.isoformat(),
            difference_text(phase.slip_days),
            duration_text(phase.effort),
        ]
        for phase in schedule.phases
    ]
    return _table(["Phase", "Start", "End", "Nominal end", "Difference", "Hours"], rows)


def dates_table(schedule: Schedule) -> list[str]:
    """One row per fixed milestone and phase deadline: its date, when the work it waits for
    ends, and whether that makes it (with the days to spare) or misses it (the days late);
    nothing when the plan has none."""

    def verdict(due: dt.date, end: dt.date | None) -> str:
        if end is None:
            return "fixed: nothing leads to it"
        days = (end - due).days
        if days > 0:
            return f"MISSED, {days} {'day' if days == 1 else 'days'} late"
        return f"made, {-days} {'day' if days == -1 else 'days'} to spare"

    rows = [
        [
            m.name,
            m.date.isoformat(),
            m.work_end.isoformat() if m.work_end else "-",
            verdict(m.date, m.work_end),
        ]
        for m in schedule.milestones
    ]
    rows += [
        [
            f"{p.name} (phase deadline)",
            p.deadline.isoformat(),
            p.end.isoformat(),
            verdict(p.deadline, p.end),
        ]
        for p in schedule.phases
        if p.deadline is not None
    ]
    if not rows:
        return []
    return ["", *_table(["Date", "Due", "Work ends", ""], rows)]


def first_run_summary(schedule: Schedule, nominal: NominalView | None) -> list[str]:
    """What ``schedule`` prints the first time: heading, phases, the fixed milestones and
    phase deadlines, the plan's end, the dates it misses, warnings."""
    lines = [*heading(schedule), "", *phase_table(schedule), *dates_table(schedule), ""]
    lines += nominal_lines(schedule, nominal) if nominal else [_ends(schedule, None, None)]
    return lines + miss_lines(schedule) + warning_lines(schedule)


def rerun_summary(
    schedule: Schedule, baseline: Snapshot | None, last_run: Snapshot | None
) -> list[str]:
    """What ``schedule`` prints on a rerun: heading, the slip report (with the dates missed),
    warnings."""
    report = slip_report(schedule, baseline, last_run)
    return [*heading(schedule), "", *report, *warning_lines(schedule)]


def miss_text(miss: Miss) -> str:
    """One missed date, with the days late: what is due when, and when the work ends."""
    late = f"{miss.days_late} {'day' if miss.days_late == 1 else 'days'} late"
    if miss.kind == "milestone":
        waits = ", ".join(f"'{key}'" for key in miss.late)
        return (
            f"milestone '{miss.key}' ({miss.name}) on {miss.due.isoformat()}: the work it waits "
            f"for ({waits}) ends on {miss.finish.isoformat()}, {late}"
        )
    return (
        f"{miss.kind} '{miss.key}' ({miss.name}) is due {miss.due.isoformat()}; its work ends "
        f"on {miss.finish.isoformat()}, {late}"
    )


def miss_lines(schedule: Schedule) -> list[str]:
    """Every date the schedule misses, set apart from the warnings, or nothing."""
    if not schedule.misses:
        return []
    count = len(schedule.misses)
    return [
        "",
        f"MISSED: the schedule misses {count} {'date' if count == 1 else 'dates'} "
        "(--strict exits 4 on a miss):",
        *(f"  - {miss_text(miss)}" for miss in schedule.misses),
    ]


# How the scheduler's warning for each kind of miss begins (schedule._assemble): the miss
# block says the same, with the days late, so the warning is not printed twice.
_MISS_WARNING = {
    "task": "task '{key}' finish",
    "phase": "phase '{key}' ends on ",
    "milestone": "milestone '{key}' on ",
}


def _is_miss_warning(warning: str, misses: tuple[Miss, ...]) -> bool:
    """True for the warning line the scheduler gives a miss, which miss_lines says better."""
    return any(warning.startswith(_MISS_WARNING[m.kind].format(key=m.key)) for m in misses)


def nominal_lines(schedule: Schedule, nominal: NominalView) -> list[str]:
    """Two lines: the plan's own weeks against the real hours, and the budget that keeps them."""
    hours = f"{schedule.availability.hours_per_week:g} h a week"
    first = (
        f"The phases' own weeks add up to {nominal.nominal_weeks:.0f} weeks, to "
        f"{nominal.nominal_end.isoformat()}; at {hours} the work takes {nominal.weeks:.0f} "
        f"weeks and ends on {nominal.end.isoformat()}."
    )
    if nominal.budget is not None:
        second = (
            f"{nominal.budget:g} h a week would keep to the phases' weeks "
            f"(plan2cal fit --by {nominal.nominal_end.isoformat()})."
        )
    else:
        second = (
            f"No budget the windows allow keeps to them: at {nominal.most:g} h a week, all the "
            f"windows hold, the work ends on {nominal.earliest.isoformat()}; widen the windows "
            "or trim the work."
        )
    return [first, second]


def _ends(schedule: Schedule, baseline: Snapshot | None, last_run: Snapshot | None) -> str:
    end = f"The plan ends on {schedule.end.isoformat()}"
    compared = []
    for label, snapshot in (("last run", last_run), ("baseline", baseline)):
        if snapshot is not None and snapshot.end:
            then = dt.date.fromisoformat(snapshot.end)
            compared.append(
                f"{label} {then.isoformat()}, {difference_text((schedule.end - then).days)}"
            )
    return end + (f" ({'; '.join(compared)})." if compared else ".")


def warning_lines(schedule: Schedule) -> list[str]:
    """The schedule's warnings as an indented list, or nothing; the misses are left to
    miss_lines."""
    warnings = [w for w in schedule.warnings if not _is_miss_warning(w, schedule.misses)]
    if not warnings:
        return []
    return ["", f"Warnings ({len(warnings)}):", *(f"  - {w}" for w in warnings)]


def check_report(schedule: Schedule, nominal: NominalView | None = None) -> list[str]:
    """What the schedule will assume: availability, the week's blocks, ids and efforts; the
    dates it misses and its warnings."""
    availability = schedule.availability
    weekly = schedule.pattern.weekly_minutes
    lines = [
        f"{schedule.title} ({schedule.plan})",
        f"start {schedule.start.isoformat()}, {availability.timezone}, budget "
        f"{availability.hours_per_week:g} h a week, sessions "
        f"{duration_text(availability.session_min)}–{duration_text(availability.session_max)}",
        f"capacity: {duration_text(weekly)} a week in these blocks "
        f"(the windows could hold {duration_text(schedule.pattern.window_capacity)}):",
        *(f"  {line}" for line in describe_pattern(schedule.pattern)),
        "",
    ]
    derived_ids = False
    for phase in schedule.phases:
        nominal_effort = (
            f" (nominal {duration_text(phase.nominal_effort)})"
            if phase.nominal_effort is not None
            else ""
        )
        lines.append(f"{phase.name} [{phase.key}]: {duration_text(phase.effort)}{nominal_effort}")
        habits = [t for t in schedule.tasks if t.phase == phase.key and t.habit is not None]
        if habits:
            lines.append(f"  {reserved_text(habits)}; project work gets the rest")
        rows = []
        for task in schedule.tasks:
            if task.phase == phase.key:
                marker = "*" if task.id_derived else ""
                derived_ids = derived_ids or task.id_derived
                if task.habit is not None:
                    effort, source = task.habit.rhythm.text, "habit"
                    deadline = task.habit.ends
                else:
                    effort = duration_text(task.effort)
                    source = "share of the weeks" if task.effort_derived else "hours"
                    deadline = f"due {task.deadline.isoformat()}" if task.deadline else ""
                rows.append([f"  {task.key}{marker}", effort, source, deadline])
        lines += _table(["  task", "effort", "from", "deadline"], rows)[1:]
    if derived_ids:
        lines += [
            "",
            "* id derived from the name: renaming the task changes the UIDs of its calendar "
            "events; give it an id to keep them.",
        ]
    if nominal is not None:
        lines += ["", *nominal_lines(schedule, nominal)]
    lines += miss_lines(schedule)
    lines += warning_lines(schedule)
    return lines


def reserved_text(habits: list[TaskPlan]) -> str:
    """``1h a week reserved for 2 habits``: what a phase's habits take first out of a week."""
    weekly = sum(task.habit.rhythm.weekly for task in habits if task.habit is not None)
    noun = "habit" if len(habits) == 1 else "habits"
    return f"{duration_text(weekly)} a week reserved for {len(habits)} {noun}"


def habit_lines(schedule: Schedule) -> list[str]:
    """Each habit's time kept against its rhythm so far, or nothing in a plan without one."""
    rows = [
        [
            f"  {task.key}",
            task.habit.rhythm.text,
            task.habit.kept_text()
            if task.habit.first_day <= schedule.today
            else f"starts {task.habit.first_day.isoformat()}",
            f"ended {task.habit.last_day.isoformat()}"
            if task.habit.last_day < schedule.today
            else task.habit.ends,
        ]
        for task in schedule.tasks
        if task.habit is not None
    ]
    if not rows:
        return []
    return ["", "Habits, weeks kept so far:", *_table(["", "", "", ""], rows)[1:]]


def slip_report(
    schedule: Schedule,
    baseline: Snapshot | None,
    last_run: Snapshot | None,
) -> list[str]:
    """Each phase and fixed milestone now, at the last run and at the baseline, with the
    moves; the dates missed; the time logged against the estimates; hours done (logged)
    against hours the baseline planned before today; the end of the plan."""
    base, last = milestone_dates(baseline), milestone_dates(last_run)

    def versus(now: dt.date, then: dt.date | None) -> str:
        return difference_text((now - then).days) if then else "-"

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else "-"

    rows = [
        [
            phase.name,
            phase.end.isoformat(),
            day(last.get(phase.key)),
            versus(phase.end, last.get(phase.key)),
            day(base.get(phase.key)),
            versus(phase.end, base.get(phase.key)),
        ]
        for phase in schedule.phases
    ]
    reached = schedule.milestones_reached()
    for milestone in schedule.milestones:
        item = f"milestone:{milestone.key}"
        now = reached[milestone.key]
        rows.append(
            [
                f"{milestone.name} (fixed {milestone.date.isoformat()})",
                now.isoformat(),
                day(last.get(item)),
                versus(now, last.get(item)),
                day(base.get(item)),
                versus(now, base.get(item)),
            ]
        )
    lines = _table(["Milestone", "Now", "Last run", "vs last run", "Baseline", "vs baseline"], rows)
    moved = [last.get(phase.key) != phase.end for phase in schedule.phases]
    moved += [last.get(f"milestone:{key}", day) != day for key, day in reached.items()]
    if last and not any(moved):
        lines += ["", "No milestone moved since the last run."]
    # A task past its deadline and not done ends today or later: it is among the misses.
    lines += miss_lines(schedule)
    today = schedule.today
    lines += actuals_lines(schedule)
    lines += habit_lines(schedule)
    done = sum(worked_minutes(task) for task in schedule.tasks)
    planned_by_day = baseline.planned if baseline else {}
    planned = sum(minutes for day, minutes in planned_by_day.items() if day < today.isoformat())
    if planned:
        lines += [
            "",
            f"Done {duration_text(done)} of the {duration_text(planned)} the baseline planned "
            f"before {today.isoformat()} ({done / planned:.0%}), counting the time logged.",
        ]
    return [*lines, "", _ends(schedule, baseline, last_run)]


def worked_minutes(task: TaskPlan) -> int:
    """The work a task has had: the time logged on it; for a task done without any time
    logged, its estimate (nothing else says what it took)."""
    if task.spent or task.habit is not None:  # a habit done is ended, not kept
        return task.spent
    return task.effort if task.done is not None else 0


def actual_text(task: TaskPlan) -> str:
    """A task's time logged against its estimate, and what is left. The estimate error is
    known once the task is done, or as soon as the time logged passes the estimate (then it
    is at least that): ``45h30m logged against 25h: +82 %; not done, over its estimate, 15h
    left``; before that, the share used: ``45h logged against 60h (75 %); not done, 15h left``.
    """
    if task.done is not None and not task.spent:
        return (
            f"done on {task.done.isoformat()} with no time logged (counted as its "
            f"{duration_text(task.effort)} estimate)"
        )
    against = f"{duration_text(task.spent)} logged against {duration_text(task.effort)}"
    if task.done is not None:
        return f"{against}: {estimate_error(task.spent, task.effort)}; done on {task.done}"
    if task.spent > task.effort:
        return (
            f"{against}: {estimate_error(task.spent, task.effort)}; not done, over its "
            f"estimate, {duration_text(task.remaining)} left"
        )
    share = f"{round(task.spent * 100 / task.effort)} %" if task.effort else "-"
    return f"{against} ({share}); not done, {duration_text(task.remaining)} left"


def _error_known(task: TaskPlan) -> bool:
    """True when a task's estimate error is known: done, or past its estimate."""
    return task.done is not None or task.spent > task.effort


def actuals_lines(schedule: Schedule) -> list[str]:
    """Each task with time logged or done: logged against estimated, the estimate error, and
    what is left; or nothing."""
    rows = [
        [f"  {task.key}", actual_text(task)]
        for task in schedule.tasks
        if task.wait is None and task.habit is None and (task.spent or task.done is not None)
    ]
    if not rows:
        return []
    return ["", "Time logged against the estimates:", *_table(["", ""], rows)[1:]]


def progress_lines(schedule: Schedule) -> list[str]:
    """Per phase: tasks done, the time logged (a task done without any, its estimate), the
    estimate, what is left, and the estimate error of the tasks whose error is known (done,
    or past their estimate)."""
    rows = []
    for phase in schedule.phases:
        own = [
            task
            for task in schedule.tasks
            if task.phase == phase.key and task.wait is None and task.habit is None
        ]
        finished = sum(1 for task in own if task.done is not None)
        known = [task for task in own if _error_known(task)]
        known_logged = sum(worked_minutes(task) for task in known)
        known_estimate = sum(task.effort for task in known)
        rows.append(
            [
                phase.name,
                f"{finished}/{len(own)} tasks",
                duration_text(sum(worked_minutes(task) for task in own)),
                duration_text(phase.effort),
                duration_text(sum(task.remaining for task in own)),
                f"{estimate_error(known_logged, known_estimate)} on {len(known)} "
                f"{'task' if len(known) == 1 else 'tasks'}"
                if known
                else "-",
            ]
        )
    return _table(["Phase", "Done", "Logged", "Estimate", "Left", "Estimate error"], rows)


def shortfall_lines(answer: Fit) -> list[str]:
    """For a date no budget in the windows makes: the hours missing by then, the tasks that
    end after it with their hours (what could be cut or shrunk), and whether ordering helps."""
    if answer.budget is not None or not answer.late:
        return []
    by = answer.by.isoformat()
    lines = [
        f"At {answer.most:g} h a week, all the windows hold, {duration_text(answer.missing)} of "
        f"{answer.target}'s work falls after {by}. These tasks end after it; cutting or "
        "shrinking them by that much makes the date:",
    ]
    rows = [
        [
            f"  {task.key}",
            task.name,
            f"{duration_text(task.remaining)} left",
            f"{duration_text(task.after_date)} after {by}",
            f"ends {task.end.isoformat()}",
        ]
        for task in answer.late
    ]
    lines += _table(["", "", "", "", ""], rows)[1:]
    if answer.deadline_first:
        lines.append(
            f"Deadline-first ordering already puts each of them first, as due by {by}: no "
            "other order of the work makes the date."
        )
    else:
        lines.append(
            f"Some of them are not due by {by}, so other work may go first: a 'deadline: {by}' "
            "on the work that must be done by then puts it first (deadline-first ordering); "
            "run fit again after adding it."
        )
    return lines


@dataclass(frozen=True)
class TimelineMarks:
    """The characters of the phase timeline: Unicode blocks, or plain ASCII for a terminal
    that cannot show them."""

    worked: str
    planned: str
    between: str  # inside the phase's span, no session in that column (a wait, a gap)
    today: str
    baseline: str


UNICODE_MARKS = TimelineMarks(worked="▓", planned="█", between="─", today="▲", baseline="◆")
ASCII_MARKS = TimelineMarks(worked="=", planned="#", between="-", today="^", baseline="B")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def timeline_lines(
    schedule: Schedule,
    baseline: Snapshot | None = None,
    *,
    width: int = 80,
    marks: TimelineMarks = UNICODE_MARKS,
) -> list[str]:
    """The phases over the weeks, one line each: a column per week (per few weeks when the
    lines would be wider than ``width`` characters), the weeks worked before today, those
    planned from today on, the phase's span between; a month axis above, and today's week and
    the baseline's end below."""
    zone = ZoneInfo(schedule.availability.timezone)
    first = schedule.start - dt.timedelta(days=schedule.start.weekday())  # its Monday
    baseline_end = dt.date.fromisoformat(baseline.end) if baseline and baseline.end else None
    # A habit may run on after the last milestone (until: a date): its sessions count too.
    sessions_end = max(
        (s.start.astimezone(zone).date() for s in schedule.sessions[-1:]), default=schedule.end
    )
    last = max(schedule.end, sessions_end, baseline_end or schedule.end)
    weeks = (last - first).days // 7 + 1
    name_width = max(len(phase.name) for phase in schedule.phases)
    room = max(width - name_width - 2, 12)
    per_column = -(-weeks // room)  # weeks a column, rounded up
    columns = -(-weeks // per_column)

    def column(day: dt.date) -> int:
        return (day - first).days // 7 // per_column

    def column_start(index: int) -> dt.date:
        return first + dt.timedelta(weeks=index * per_column)

    worked: dict[str, set[int]] = {}
    planned: dict[str, set[int]] = {}
    phase_of = {task.key: task.phase for task in schedule.tasks}
    habits = {task.key for task in schedule.tasks if task.habit is not None}
    spans = {phase.key: (phase.start, phase.end) for phase in schedule.phases}
    for session in schedule.sessions:
        day = session.start.astimezone(zone).date()
        phase_key = phase_of[session.task]
        if session.task in habits and not spans[phase_key][0] <= day <= spans[phase_key][1]:
            continue  # a habit that outlives its phase (until:) does not stretch its row
        target = worked if day < schedule.today else planned
        target.setdefault(phase_key, set()).add(column(day))
    for note in schedule.logged_days:  # time logged that no session shows
        worked.setdefault(phase_of[note.task], set()).add(column(note.day))
    rows = []
    for phase in schedule.phases:
        cells = [" "] * columns
        for index in range(column(phase.start), column(phase.end) + 1):
            cells[index] = marks.between
        for index in worked.get(phase.key, ()):
            cells[index] = marks.worked
        for index in planned.get(phase.key, ()):
            cells[index] = marks.planned
        rows.append(f"{phase.name.ljust(name_width)}  {''.join(cells)}".rstrip())
    # The axis: each month's name at the column its first day falls in (the first column:
    # the month the plan starts in), a January as its year; when a column spans a month or
    # more, only the years. Years go first; a name that would touch one already placed is
    # left out.
    starts: dict[int, dt.date] = {}
    for index in range(columns):
        start, end = column_start(index), column_start(index + 1)
        month = start.replace(day=1)
        if per_column >= 4:
            month = start.replace(month=1, day=1)
            if month < start and index > 0:
                month = month.replace(year=month.year + 1)
        elif index > 0 and start.day != 1:
            month = (month + dt.timedelta(days=32)).replace(day=1)
        if index == 0 or month < end:
            starts[index] = month
    axis: dict[int, str] = {}
    for years in (True, False):
        for index, month in starts.items():
            if (month.month == 1) != years:
                continue
            label = str(month.year) if years else _MONTHS[month.month - 1]
            # At least one space between two names.
            if all(
                other + len(text) < index or index + len(label) < other
                for other, text in axis.items()
            ):
                axis[index] = label
    axis_line = [" "] * (columns + 4)
    for index, label in axis.items():
        axis_line[index : index + len(label)] = label
    pointer = [" "] * columns
    legend = []
    if first <= schedule.today <= last:
        pointer[column(schedule.today)] = marks.today
        legend.append(f"{marks.today} today {schedule.today.isoformat()}")
    if baseline_end is not None:
        pointer[column(baseline_end)] = marks.baseline
        legend.append(f"{marks.baseline} baseline end {baseline_end.isoformat()}")
    unit = "a column a week" if per_column == 1 else f"a column per {per_column} weeks"
    pad = " " * (name_width + 2)
    lines = [
        f"Timeline from {first.isoformat()}, {unit}: {marks.worked} worked, "
        f"{marks.planned} planned, {marks.between} no session",
        f"{pad}{''.join(axis_line)}".rstrip(),
        *rows,
    ]
    if legend:
        pointed = f"{pad}{''.join(pointer).rstrip()}"
        said = "; ".join(legend)
        if len(pointed) + 2 + len(said) <= width:
            lines.append(f"{pointed}  {said}")
        else:
            lines += [pointed, f"{pad}{said}"]
    return lines
