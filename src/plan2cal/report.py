"""Terminal reports: the phase table after scheduling, and what ``check`` shows."""

from __future__ import annotations

import datetime as dt

from plan2cal.durations import duration_text
from plan2cal.schedule import Schedule
from plan2cal.state import Snapshot, milestone_dates
from plan2cal.worktime import describe_pattern


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


def schedule_summary(schedule: Schedule) -> list[str]:
    """The report printed after ``schedule``: heading, phase table, end of plan, warnings."""
    availability = schedule.availability
    lines = [
        schedule.title,
        f"from {schedule.start.isoformat()} at {availability.hours_per_week:g} h a week "
        f"({availability.timezone}): {len(schedule.sessions)} sessions, "
        f"{duration_text(sum(task.effort for task in schedule.tasks))} of work",
        "",
        *phase_table(schedule),
        "",
        f"The plan ends on {schedule.end.isoformat()}.",
    ]
    lines += warning_lines(schedule)
    return lines


def warning_lines(schedule: Schedule) -> list[str]:
    """The schedule's warnings as an indented list, or nothing."""
    if not schedule.warnings:
        return []
    return ["", f"Warnings ({len(schedule.warnings)}):", *(f"  - {w}" for w in schedule.warnings)]


def check_report(schedule: Schedule) -> list[str]:
    """What the schedule will assume: availability, the week's blocks, ids and efforts."""
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
        nominal = (
            f" (nominal {duration_text(phase.nominal_effort)})"
            if phase.nominal_effort is not None
            else ""
        )
        lines.append(f"{phase.name} [{phase.key}]: {duration_text(phase.effort)}{nominal}")
        rows = []
        for task in schedule.tasks:
            if task.phase == phase.key:
                marker = "*" if task.id_derived else ""
                derived_ids = derived_ids or task.id_derived
                source = "share of the weeks" if task.effort_derived else "hours"
                deadline = f"due {task.deadline.isoformat()}" if task.deadline else ""
                rows.append([f"  {task.key}{marker}", duration_text(task.effort), source, deadline])
        lines += _table(["  task", "effort", "from", "deadline"], rows)[1:]
    if derived_ids:
        lines += [
            "",
            "* id derived from the name: renaming the task changes the UIDs of its calendar "
            "events; give it an id to keep them.",
        ]
    lines += warning_lines(schedule)
    return lines


def slip_report(
    schedule: Schedule,
    baseline: Snapshot | None,
    last_run: Snapshot | None,
) -> list[str]:
    """Each milestone at the baseline, at the last run and now; deadlines passed; hours done
    against hours the baseline planned before today; the end of the plan."""
    base, last = milestone_dates(baseline), milestone_dates(last_run)

    def versus(now: dt.date, then: dt.date | None) -> str:
        return difference_text((now - then).days) if then else "-"

    rows = []
    for phase in schedule.phases:
        before = last.get(phase.key)
        moved = (
            f"{before.isoformat()} → {phase.end.isoformat()}" if before else phase.end.isoformat()
        )
        start = base.get(phase.key)
        rows.append(
            [
                phase.name,
                start.isoformat() if start else "-",
                moved,
                versus(phase.end, before),
                versus(phase.end, start),
            ]
        )
    lines = _table(["Milestone", "Baseline", "Last run → now", "vs last run", "vs baseline"], rows)
    today = schedule.today
    late = [
        task
        for task in schedule.tasks
        if task.deadline is not None and task.done is None and task.deadline < today
    ]
    if late:
        lines += ["", "Past their deadline and not done:"]
        lines += [f"  {task.key} (due {task.deadline})" for task in late if task.deadline]
    done = sum(
        task.effort if task.done else min(task.spent, task.effort) for task in schedule.tasks
    )
    planned_by_day = baseline.planned if baseline else {}
    planned = sum(minutes for day, minutes in planned_by_day.items() if day < today.isoformat())
    share = f" ({done / planned:.0%})" if planned else ""
    lines += [
        "",
        f"Done {duration_text(done)} of the {duration_text(planned)} the baseline planned "
        f"before {today.isoformat()}{share}.",
    ]
    end = f"The plan ends on {schedule.end.isoformat()}"
    for label, snapshot in (("last run", last_run), ("baseline", baseline)):
        if snapshot is not None and snapshot.end:
            then = dt.date.fromisoformat(snapshot.end)
            end += f"; {label} {then.isoformat()} ({difference_text((schedule.end - then).days)})"
    return [*lines, end + "."]


def progress_lines(schedule: Schedule) -> list[str]:
    """Per phase: tasks done and hours done against the phase's work."""
    rows = []
    for phase in schedule.phases:
        own = [task for task in schedule.tasks if task.phase == phase.key]
        finished = sum(1 for task in own if task.done is not None)
        worked = sum(task.effort if task.done else min(task.spent, task.effort) for task in own)
        rows.append(
            [
                phase.name,
                f"{finished}/{len(own)} tasks",
                f"{duration_text(worked)} of {duration_text(phase.effort)}",
                f"{worked / phase.effort:.0%}" if phase.effort else "-",
            ]
        )
    return _table(["Phase", "Done", "Hours", ""], rows)


def moved_lines(schedule: Schedule, last_run: Snapshot | None) -> list[str]:
    """Each phase milestone whose date changed since the last run, and the new end of the plan."""
    if last_run is None:
        return []
    last = milestone_dates(last_run)
    rows = [
        [
            phase.name,
            f"{last[phase.key].isoformat()} → {phase.end.isoformat()}",
            difference_text((phase.end - last[phase.key]).days),
        ]
        for phase in schedule.phases
        if phase.key in last and phase.end != last[phase.key]
    ]
    if rows:
        table = _table(["Phase", "Last run → now", "Difference"], rows)[1:]
        lines = ["Moved since the last run:", *(f"  {line}" for line in table)]
    else:
        lines = ["Nothing moved since the last run."]
    return [*lines, f"The plan now ends on {schedule.end.isoformat()}."]
