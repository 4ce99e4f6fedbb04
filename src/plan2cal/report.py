"""Terminal reports: the phase table after scheduling, and what ``check`` shows."""

from __future__ import annotations

from plan2cal.schedule import Schedule
from plan2cal.worktime import describe_pattern, hours_text


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
            hours_text(phase.effort),
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
        f"{hours_text(sum(task.effort for task in schedule.tasks))} of work",
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
        f"{hours_text(availability.session_min)}–{hours_text(availability.session_max)}",
        f"capacity: {hours_text(weekly)} a week in these blocks "
        f"(the windows could hold {hours_text(schedule.pattern.window_capacity)}):",
        *(f"  {line}" for line in describe_pattern(schedule.pattern)),
        "",
    ]
    derived_ids = False
    for phase in schedule.phases:
        nominal = (
            f" (nominal {hours_text(phase.nominal_effort)})"
            if phase.nominal_effort is not None
            else ""
        )
        lines.append(f"{phase.name} [{phase.key}]: {hours_text(phase.effort)}{nominal}")
        rows = []
        for task in schedule.tasks:
            if task.phase == phase.key:
                marker = "*" if task.id_derived else ""
                derived_ids = derived_ids or task.id_derived
                source = "share of the weeks" if task.effort_derived else "hours"
                deadline = f"due {task.deadline.isoformat()}" if task.deadline else ""
                rows.append([f"  {task.key}{marker}", hours_text(task.effort), source, deadline])
        lines += _table(["  task", "effort", "from", "deadline"], rows)[1:]
    if derived_ids:
        lines += [
            "",
            "* id derived from the name: renaming the task changes the UIDs of its calendar "
            "events; give it an id to keep them.",
        ]
    lines += warning_lines(schedule)
    return lines
