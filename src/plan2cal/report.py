"""Terminal reports: what ``schedule``, ``status`` and ``check`` print, as lists of lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plan2cal.durations import duration_text
from plan2cal.export.revisions import Snapshot, milestone_dates
from plan2cal.schedule import Schedule
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
    work = sum(task.effort for task in schedule.tasks)
    return [
        schedule.title,
        f"from {schedule.start.isoformat()} at {availability.hours_per_week:g} h a week "
        f"({availability.timezone}): {len(schedule.sessions)} sessions, "
        f"{duration_text(work)} of work",
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


def first_run_summary(schedule: Schedule, nominal: NominalView | None) -> list[str]:
    """What ``schedule`` prints the first time: heading, phases, the plan's end, warnings."""
    lines = [*heading(schedule), "", *phase_table(schedule), ""]
    lines += nominal_lines(schedule, nominal) if nominal else [_ends(schedule, None, None)]
    return lines + warning_lines(schedule)


def rerun_summary(
    schedule: Schedule, baseline: Snapshot | None, last_run: Snapshot | None
) -> list[str]:
    """What ``schedule`` prints on a rerun: heading, the slip report, warnings."""
    report = slip_report(schedule, baseline, last_run)
    return [*heading(schedule), "", *report, *warning_lines(schedule)]


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
    """The schedule's warnings as an indented list, or nothing."""
    if not schedule.warnings:
        return []
    return ["", f"Warnings ({len(schedule.warnings)}):", *(f"  - {w}" for w in schedule.warnings)]


def check_report(schedule: Schedule, nominal: NominalView | None = None) -> list[str]:
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
        nominal_effort = (
            f" (nominal {duration_text(phase.nominal_effort)})"
            if phase.nominal_effort is not None
            else ""
        )
        lines.append(f"{phase.name} [{phase.key}]: {duration_text(phase.effort)}{nominal_effort}")
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
    if nominal is not None:
        lines += ["", *nominal_lines(schedule, nominal)]
    lines += warning_lines(schedule)
    return lines


def slip_report(
    schedule: Schedule,
    baseline: Snapshot | None,
    last_run: Snapshot | None,
) -> list[str]:
    """Each milestone now, at the last run and at the baseline, with the moves; deadlines
    passed; hours done against hours the baseline planned before today; the end of the plan."""
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
    lines = _table(["Milestone", "Now", "Last run", "vs last run", "Baseline", "vs baseline"], rows)
    if last and all(last.get(phase.key) == phase.end for phase in schedule.phases):
        lines += ["", "No milestone moved since the last run."]
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
    if planned:
        lines += [
            "",
            f"Done {duration_text(done)} of the {duration_text(planned)} the baseline planned "
            f"before {today.isoformat()} ({done / planned:.0%}).",
        ]
    return [*lines, "", _ends(schedule, baseline, last_run)]


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
