"""plan2cal.report: the time logged against the estimates, the misses and fit's shortfall, as
the terminal words them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from plan2cal.export.revisions import Snapshot
from plan2cal.fit import Fit, LateTask
from plan2cal.load import load_plan
from plan2cal.report import (
    ASCII_MARKS,
    UNICODE_MARKS,
    actual_text,
    actuals_lines,
    check_report,
    dates_table,
    miss_text,
    progress_lines,
    shortfall_lines,
    timeline_lines,
    warning_lines,
)
from plan2cal.schedule import LoggedDay, Miss, Schedule, TaskPlan, availability_for, build_schedule

THESIS = ROOT / "plans" / "phd-thesis.yaml"


@pytest.fixture(scope="module")
def thesis() -> Schedule:
    """The example thesis plan, scheduled from its start without progress."""
    plan = load_plan(THESIS)
    assert plan.defaults.start is not None
    return build_schedule(plan, availability_for(plan), plan.defaults.start)


def task_with(schedule: Schedule, key: str, **changes: object) -> TaskPlan:
    """A task of the schedule with some fields changed."""
    (task,) = [task for task in schedule.tasks if task.key == key]
    return dataclasses.replace(task, **changes)  # type: ignore[arg-type]  # fields by name


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"spent": 45 * 60 + 30, "effort": 25 * 60, "remaining": 15 * 60},
            "45h30m logged against 25h: +82 %; not done, over its estimate, 15h left",
        ),
        (
            {"spent": 20 * 60, "effort": 25 * 60, "remaining": 5 * 60},
            "20h logged against 25h (80 %); not done, 5h left",
        ),
        (
            {"spent": 20 * 60, "effort": 25 * 60, "done": dt.date(2026, 12, 1)},
            "20h logged against 25h: -20 %; done on 2026-12-01",
        ),
        (
            {"spent": 0, "effort": 25 * 60, "done": dt.date(2026, 12, 1)},
            "done on 2026-12-01 with no time logged (counted as its 25h estimate)",
        ),
    ],
)
def test_a_task_shows_its_time_logged_against_its_estimate(
    thesis: Schedule, changes: dict[str, object], expected: str
) -> None:
    """The estimate error once it is known (done, or past the estimate), else the share used;
    a task over its estimate and not done says so, and nothing says "finished"."""
    assert actual_text(task_with(thesis, "exp-run-1", **changes)) == expected


def test_phases_count_logged_hours_and_the_error_of_the_tasks_it_is_known_for(
    thesis: Schedule,
) -> None:
    """Logged hours in full (not capped at the estimate), and the error over the done or
    overrun tasks only: an unfinished task under its estimate has no error yet."""
    tasks = [
        task_with(thesis, task.key, spent=45 * 60 + 30, remaining=15 * 60)
        if task.key == "exp-run-1"
        else task_with(thesis, task.key, spent=5 * 60, remaining=5 * 60)
        if task.key == "exp-design-2"
        else task
        for task in thesis.tasks
    ]
    schedule = dataclasses.replace(thesis, tasks=tuple(tasks))
    row = next(line for line in progress_lines(schedule) if line.startswith("Experiments"))
    assert row.split() == [
        "Experiments",
        *("0/4", "tasks", "50h30m", "90h", "70h"),
        *("+52", "%", "on", "1", "task"),
    ]
    lines = actuals_lines(schedule)
    assert lines[1] == "Time logged against the estimates:"
    assert [line.split()[0] for line in lines[2:]] == ["exp-run-1", "exp-design-2"]
    assert not any("finished" in line for line in [*lines, *progress_lines(schedule)])


def test_each_kind_of_miss_names_its_date_and_days_late() -> None:
    """A task's or phase's deadline, and a fixed milestone with the work it waits for."""
    due, finish = dt.date(2027, 3, 15), dt.date(2027, 4, 27)
    assert miss_text(Miss("phase", "paper", "Conference paper", due, finish)) == (
        "phase 'paper' (Conference paper) is due 2027-03-15; its work ends on 2027-04-27, "
        "43 days late"
    )
    assert miss_text(Miss("task", "x", "X", due, due + dt.timedelta(days=1))).endswith("1 day late")
    assert miss_text(
        Miss("milestone", "thesis-due", "Thesis due", due, finish, ("submit-admin",))
    ) == (
        "milestone 'thesis-due' (Thesis due) on 2027-03-15: the work it waits for "
        "('submit-admin') ends on 2027-04-27, 43 days late"
    )


def test_a_miss_is_said_once_in_its_block_not_again_as_a_warning(thesis: Schedule) -> None:
    """The scheduler's warning line for a miss is left out of the warnings; others stay."""
    miss = Miss("milestone", "thesis-due", "Thesis due", dt.date(2027, 6, 30), dt.date(2027, 7, 7))
    schedule = dataclasses.replace(
        thesis,
        misses=(miss,),
        warnings=(
            "milestone 'thesis-due' on 2027-06-30 waits for 'submit-admin', which ends on "
            "2027-07-07",
            "something else",
        ),
    )
    assert warning_lines(schedule) == ["", "Warnings (1):", "  - something else"]
    report = check_report(schedule)
    assert sum("thesis-due" in line for line in report) == 1
    assert any(line.startswith("MISSED: the schedule misses 1 date") for line in report)


def _fit(deadline_first: bool) -> Fit:
    late = (
        LateTask("address-comments", "Address comments", dt.date(2027, 7, 4), 30 * 60, 5 * 60),
        LateTask("submit-admin", "Submit", dt.date(2027, 7, 7), 8 * 60, 8 * 60),
    )
    return Fit(
        "thesis-due",
        dt.date(2027, 6, 30),
        None,
        None,
        13.5,
        dt.date(2027, 7, 7),
        missing=13 * 60,
        late=late,
        deadline_first=deadline_first,
    )


def test_fit_names_the_hours_missing_and_the_tasks_after_the_date() -> None:
    """The hours missing, each late task with its hours, and no reordering advice when
    deadline-first ordering already puts them first."""
    lines = shortfall_lines(_fit(deadline_first=True))
    assert lines[0].startswith(
        "At 13.5 h a week, all the windows hold, 13h of thesis-due's work falls after 2027-06-30"
    )
    assert [line.split()[0] for line in lines[1:3]] == ["address-comments", "submit-admin"]
    assert "5h after 2027-06-30" in lines[1] and "8h left" in lines[2]
    assert lines[3].startswith("Deadline-first ordering already puts each of them first")


def test_fit_suggests_a_deadline_only_when_ordering_would_not_put_the_work_first() -> None:
    """When a late task is not due by the date, the advice is to give its work a deadline."""
    lines = shortfall_lines(_fit(deadline_first=False))
    assert "a 'deadline: 2027-06-30' on the work that must be done by then" in lines[-1]
    assert shortfall_lines(dataclasses.replace(_fit(True), budget=12.0)) == []


def test_the_first_run_lists_each_fixed_date_and_phase_deadline_with_its_margin(
    thesis: Schedule,
) -> None:
    """A milestone with work before it says whether the work makes it and by how much; one
    without says it is a date of its own; a phase deadline likewise."""
    rows = [line.split("  ") for line in dates_table(thesis)[2:]]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    ends = {phase.key: phase.end for phase in thesis.phases}
    writing, paper = ends["writing"], ends["paper"]
    assert cells == [
        ["Ethics board approves round 2", "2026-12-14", "-", "fixed: nothing leads to it"],
        [
            "Thesis due at the graduate school",
            "2027-06-30",
            writing.isoformat(),
            f"made, {(dt.date(2027, 6, 30) - writing).days} days to spare",
        ],
        [
            "Conference paper (phase deadline)",
            "2027-03-15",
            paper.isoformat(),
            f"made, {(dt.date(2027, 3, 15) - paper).days} days to spare",
        ],
    ]
    late = dataclasses.replace(
        thesis,
        milestones=tuple(
            dataclasses.replace(m, work_end=m.date + dt.timedelta(days=1))
            for m in thesis.milestones
        ),
    )
    assert dates_table(late)[3].endswith("MISSED, 1 day late")


# --------------------------------------------------------------------------- the timeline


def _phase_rows(lines: list[str], schedule: Schedule) -> dict[str, str]:
    """Phase name → the cells of its timeline row (the text after the name column)."""
    width = max(len(phase.name) for phase in schedule.phases) + 2
    names = {phase.name for phase in schedule.phases}
    return {line[:width].rstrip(): line[width:] for line in lines if line[:width].rstrip() in names}


def test_each_phase_row_marks_the_weeks_it_has_sessions(thesis: Schedule) -> None:
    """A week column is planned exactly when the phase has a session in that week, and the
    first column is the Monday of the start's week."""
    lines = timeline_lines(thesis, width=200, marks=UNICODE_MARKS)
    monday = thesis.start - dt.timedelta(days=thesis.start.weekday())
    assert lines[0].startswith(f"Timeline from {monday.isoformat()}, a column a week:")
    zone = ZoneInfo(thesis.availability.timezone)
    phase_of = {task.key: task.phase for task in thesis.tasks}
    rows = _phase_rows(lines, thesis)
    for phase in thesis.phases:
        weeks = {
            (session.start.astimezone(zone).date() - monday).days // 7
            for session in thesis.sessions
            if phase_of[session.task] == phase.key
        }
        row = rows[phase.name]
        assert {i for i, cell in enumerate(row) if cell == UNICODE_MARKS.planned} == weeks
        assert row.lstrip()[:1] == UNICODE_MARKS.planned  # its first week has work


def test_weeks_before_today_show_as_worked_and_today_is_pointed_at(thesis: Schedule) -> None:
    """With today a few weeks in, the earlier weeks of work are 'worked', later ones
    'planned', and the pointer line marks today's column."""
    today = thesis.start + dt.timedelta(weeks=5)
    later = dataclasses.replace(thesis, today=today)
    lines = timeline_lines(later, width=200, marks=ASCII_MARKS)
    monday = thesis.start - dt.timedelta(days=thesis.start.weekday())
    column = (today - monday).days // 7
    worked = "".join(_phase_rows(lines, thesis).values())
    assert ASCII_MARKS.worked in worked
    pointer = next(line for line in lines if "today" in line and ASCII_MARKS.today in line)
    width = max(len(phase.name) for phase in thesis.phases) + 2
    assert pointer.index(ASCII_MARKS.today) == width + column
    assert pointer.endswith(f"{ASCII_MARKS.today} today {today.isoformat()}")
    for cells in _phase_rows(lines, thesis).values():
        assert ASCII_MARKS.planned not in cells[:column]
        assert ASCII_MARKS.worked not in cells[column + 1 :]


def test_the_baseline_end_is_marked_and_a_long_plan_fits_the_width(thesis: Schedule) -> None:
    """A baseline end two years on stretches the axis; columns then span several weeks, every
    line stays within the width, and the baseline's column is marked."""
    late = thesis.end + dt.timedelta(weeks=100)
    baseline = Snapshot(taken="x", milestones={}, end=late.isoformat())
    lines = timeline_lines(thesis, baseline, width=80, marks=ASCII_MARKS)
    names = max(len(phase.name) for phase in thesis.phases) + 2
    monday = thesis.start - dt.timedelta(days=thesis.start.weekday())
    weeks = (late - monday).days // 7 + 1
    per_column = -(-weeks // (80 - names))
    assert per_column > 1
    assert f"a column per {per_column} weeks" in lines[0]
    assert all(len(line) <= 80 for line in lines[1:]), [len(line) for line in lines]
    pointer, legend = lines[-2], lines[-1]
    assert pointer[names + (late - monday).days // 7 // per_column] == ASCII_MARKS.baseline
    assert legend.endswith(f"{ASCII_MARKS.baseline} baseline end {late.isoformat()}")


def test_ascii_marks_give_a_plain_ascii_timeline(thesis: Schedule) -> None:
    """For a terminal without UTF-8 every character of the timeline is ASCII."""
    assert all(line.isascii() for line in timeline_lines(thesis, marks=ASCII_MARKS))


def test_the_month_axis_names_months_where_they_begin(thesis: Schedule) -> None:
    """Each month name sits on the column of the week its first day falls in; a January is
    shown as its year."""
    lines = timeline_lines(thesis, width=200)
    width = max(len(phase.name) for phase in thesis.phases) + 2
    axis = lines[1][width:]
    monday = thesis.start - dt.timedelta(days=thesis.start.weekday())
    for label, month in (("Feb", 2), ("Mar", 3)):
        first_day = dt.date(2027, month, 1)
        assert axis.index(label) == (first_day - monday).days // 7
    if thesis.start.month == 12:
        assert "2027" in axis


def test_columns_of_a_month_or_more_are_labelled_by_year_only(thesis: Schedule) -> None:
    """A baseline ten years on makes columns of several weeks: the axis then shows years, each
    on the column its first of January falls in."""
    late = thesis.end + dt.timedelta(weeks=520)
    baseline = Snapshot(taken="x", milestones={}, end=late.isoformat())
    lines = timeline_lines(thesis, baseline, width=80)
    names = max(len(phase.name) for phase in thesis.phases) + 2
    labels = lines[1][names:].split()
    assert labels and all(re.fullmatch(r"\d{4}", label) for label in labels)
    assert labels[0] == str(thesis.start.year)
    per_column = int(re.search(r"per (\d+) weeks", lines[0]).group(1))  # type: ignore[union-attr]
    monday = thesis.start - dt.timedelta(days=thesis.start.weekday())
    for label in labels[1:]:
        column = (dt.date(int(label), 1, 1) - monday).days // 7 // per_column
        assert lines[1][names + column :].startswith(label)


def test_time_logged_on_a_day_without_a_session_counts_as_worked(thesis: Schedule) -> None:
    """A day's logged time that no session shows (an all-day note) marks its week worked."""
    day = thesis.start + dt.timedelta(days=3)
    task = thesis.tasks[0]
    noted = dataclasses.replace(
        thesis,
        sessions=(),
        logged_days=(LoggedDay(task.key, day, 120),),
        today=thesis.start + dt.timedelta(weeks=2),
    )
    lines = timeline_lines(noted, marks=ASCII_MARKS, width=200)
    phase = next(phase for phase in thesis.phases if phase.key == task.phase)
    assert _phase_rows(lines, thesis)[phase.name][0] == ASCII_MARKS.worked
