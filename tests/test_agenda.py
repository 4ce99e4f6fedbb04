"""plan2cal.agenda and ``plan2cal agenda``: the coming days, with local times, tasks, phases and
what happened, as plain text in a pipe."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from conftest import DEMO_PLAN, ROOT
from goldens import START, bundled_schedule
from plan2cal.agenda import ALL_DAY, agenda_lines, build_agenda, day_heading
from plan2cal.cli import cli
from plan2cal.load import load_plan
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule

Run = Callable[..., Result]
WritePlan = Callable[..., Path]
BERLIN = ZoneInfo("Europe/Berlin")


def text_of(schedule: Schedule, today: dt.date, days: int = 7) -> list[str]:
    """The agenda's lines, without their kinds."""
    return [line for _, line in agenda_lines(build_agenda(schedule, today, days))]


def test_each_session_of_the_days_is_listed_once_with_its_local_time_task_and_phase() -> None:
    """Every session from today to the last day appears, in time order, with its wall-clock
    times in the plan's zone, its task name and number (a habit's name as a habit), and its
    phase; no other session."""
    schedule = bundled_schedule()
    today = START + dt.timedelta(days=8)  # Tuesday of the second week
    agenda = build_agenda(schedule, today, days=5)
    tasks = {task.key: task for task in schedule.tasks}
    phases = {phase.key: phase.name for phase in schedule.phases}
    expected, minutes = [], 0
    for session in schedule.sessions:
        begin, end = session.start.astimezone(BERLIN), session.end.astimezone(BERLIN)
        if today <= begin.date() < today + dt.timedelta(days=5):
            task = tasks[session.task]
            minutes += session.minutes
            expected.append(
                (
                    begin.date(),
                    f"{begin:%H:%M}–{end:%H:%M}",
                    f"Habit: {task.name}"
                    if task.habit is not None
                    else f"{task.name} ({session.ordinal}/{task.sessions})",
                    phases[task.phase],
                )
            )
    timed = [(e.day, e.time, e.what, e.phase) for e in agenda.entries if e.time != ALL_DAY]
    assert timed == expected and expected
    assert any(what.startswith("Habit: ") for _, _, what, _ in timed)
    assert agenda.work_minutes == minutes


def test_the_demo_plans_first_days_read_as_plain_text(tmp_path: Path) -> None:
    """The whole agenda of the demo plan's first three days, as a pipe shows it."""
    path = tmp_path / "demo.yaml"
    path.write_text(DEMO_PLAN, encoding="utf-8")
    plan = load_plan(path)
    schedule = build_schedule(plan, availability_for(plan), START)
    assert text_of(schedule, START, days=3) == [
        "Demo roadmap: 2027-01-04 to 2027-01-06 (Europe/Berlin)",
        "",
        "Mon 2027-01-04 (today)",
        "  19:00–21:00  Task A (1/2)  Phase One",
        "",
        "Tue 2027-01-05 (tomorrow)",
        "  19:00–20:00  Task A (2/2)  Phase One",
        "  20:15–21:00  Task B (1/4)  Phase One",
        "",
        "Wed 2027-01-06",
        "  19:00–21:00  Task B (2/4)  Phase One",
        "",
        "4 sessions to do, 5h45m of work.",
    ]


def test_time_logged_today_and_a_task_finished_today_are_marked() -> None:
    """Time logged today shows as an all-day 'logged 1h30m' line; a task done today as
    'Finished: …' marked done; both before the day's sessions."""
    schedule = bundled_schedule()
    today = START + dt.timedelta(days=1)
    first = schedule.tasks[0]
    second = schedule.tasks[1]
    actuals = Actuals(
        today,
        done={first.key: today},
        logged={first.key: [(START, 60)], second.key: [(today, 90)]},
    )
    lines = text_of(bundled_schedule(actuals), today, days=1)
    day = lines.index("Tue 2027-01-05 (today)")
    notes = sorted(" ".join(line.split()) for line in lines[day + 1 : day + 3])
    phase = schedule.phases[0].name
    assert notes == [
        f"{ALL_DAY} Finished: {first.name} {phase} done",
        f"{ALL_DAY} {second.name} {phase} logged 1h30m",
    ]
    assert ":" in lines[day + 3].split()[0]  # then the sessions


def test_waits_deadlines_and_milestones_fall_on_their_days() -> None:
    """In the thesis plan, each day of a wait says 'Waiting: …', and a fixed milestone and a
    phase's end appear on their dates, marked milestone."""
    plan = load_plan(ROOT / "plans" / "phd-thesis.yaml")
    assert plan.defaults.start is not None
    schedule = build_schedule(plan, availability_for(plan), plan.defaults.start)
    span = schedule.waits[0]
    wait_name = next(task.name for task in schedule.tasks if task.key == span.task)
    agenda = build_agenda(schedule, span.first_day, days=span.days + 1)
    waiting = [e.day for e in agenda.entries if e.what == f"Waiting: {wait_name}"]
    assert waiting == [span.first_day + dt.timedelta(days=n) for n in range(span.days)]
    milestone = schedule.milestones[0]
    entries = build_agenda(schedule, milestone.date, days=1).entries
    assert (ALL_DAY, milestone.name, "milestone") in [(e.time, e.what, e.mark) for e in entries]
    phase = schedule.phases[0]
    ends = build_agenda(schedule, phase.end, days=1).entries
    assert ends[-1].what == f"{phase.name} complete" and ends[-1].mark == "milestone"


def test_before_the_plan_starts_the_agenda_begins_at_the_start() -> None:
    """A plan that starts next Monday shows its first days, and says when it starts."""
    schedule = bundled_schedule()
    lines = text_of(schedule, START - dt.timedelta(days=3), days=2)
    assert lines[0].endswith(": 2027-01-04 to 2027-01-05 (Europe/Berlin)")
    assert lines[1] == "The plan starts on 2027-01-04."


def test_days_without_work_say_so() -> None:
    """After the plan's end the agenda says nothing is planned."""
    schedule = bundled_schedule()
    later = schedule.end + dt.timedelta(days=30)
    assert text_of(schedule, later, days=7)[-1] == (
        f"Nothing is planned from {later.isoformat()} to "
        f"{(later + dt.timedelta(days=6)).isoformat()}."
    )


@pytest.mark.parametrize("days", [0, 367])
def test_days_out_of_range_are_refused(days: int) -> None:
    """The library refuses 0 days and more than a year and a day."""
    with pytest.raises(ValueError, match="days must be from 1 to 366"):
        build_agenda(bundled_schedule(), START, days)


def test_day_headings_name_the_weekday_and_today_and_tomorrow() -> None:
    """English day names whatever the locale; today and tomorrow are said."""
    today = dt.date(2027, 1, 4)
    assert day_heading(today, today) == "Mon 2027-01-04 (today)"
    assert day_heading(today + dt.timedelta(days=1), today) == "Tue 2027-01-05 (tomorrow)"
    assert day_heading(today + dt.timedelta(days=6), today) == "Sun 2027-01-10"


# --------------------------------------------------------------------------- the command


def test_agenda_command_prints_the_days_and_writes_nothing(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """`plan2cal agenda PLAN --today D --days 2` prints the two days in plain text and leaves
    the folder as it was."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    before = sorted(path.name for path in tmp_path.iterdir())
    result = run_cli("agenda", plan, "--start", "2027-01-04", "--today", "2027-01-04", "--days", 2)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:6] == [
        "Mon 2027-01-04 (today)",
        "  19:00–21:00  Task A (1/2)  Phase One",
        "",
        "Tue 2027-01-05 (tomorrow)",
    ]
    assert "\x1b[" not in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_agenda_days_must_be_at_least_one(write_plan: WritePlan, run_cli: Run) -> None:
    """--days 0 is a usage error (exit 2)."""
    result = run_cli("agenda", write_plan(DEMO_PLAN, "demo.yaml"), "--days", 0)
    assert result.exit_code == 2
    assert "--days" in result.stderr


@pytest.mark.parametrize(("no_color", "styled"), [("", True), ("1", False)])
def test_no_color_turns_the_styles_off_even_on_a_terminal(
    write_plan: WritePlan, monkeypatch: pytest.MonkeyPatch, no_color: str, styled: bool
) -> None:
    """Where colour would show (a terminal), the day headings are styled, unless NO_COLOR is
    set."""
    monkeypatch.setenv("NO_COLOR", no_color)
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    result = CliRunner().invoke(
        cli, ["agenda", str(plan), "--start", "2027-01-04", "--today", "2027-01-04"], color=True
    )
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.stdout) is styled
    assert "Mon 2027-01-04 (today)" in result.stdout


def test_a_date_the_schedule_misses_is_marked_late_on_its_day() -> None:
    """Started three weeks late, the thesis plan misses its due date: that milestone is
    marked late (and its line is of the late kind); a date it makes is a plain milestone."""
    plan = load_plan(ROOT / "plans" / "phd-thesis.yaml")
    assert plan.defaults.start is not None
    schedule = build_schedule(
        plan, availability_for(plan), plan.defaults.start + dt.timedelta(weeks=3)
    )
    missed = {miss.key for miss in schedule.misses if miss.kind == "milestone"}
    assert missed and missed != {m.key for m in schedule.milestones}
    for milestone in schedule.milestones:
        agenda = build_agenda(schedule, milestone.date, 1)
        (entry,) = [e for e in agenda.entries if e.what == milestone.name]
        assert entry.mark == ("milestone late" if milestone.key in missed else "milestone")
        kinds = [kind for kind, line in agenda_lines(agenda) if milestone.name in line]
        assert kinds == (["late"] if milestone.key in missed else ["milestone"])


def test_a_terminal_width_cuts_names_to_fit_and_keeps_session_numbers() -> None:
    """Given a width, every entry fits in it, cut names end in … before their session number;
    without one, the names are whole."""
    schedule = bundled_schedule()
    agenda = build_agenda(schedule, START, days=7)
    cut = [line for kind, line in agenda_lines(agenda, width=80) if line.startswith("  ")]
    assert cut and all(len(line) <= 80 for line in cut), max(map(len, cut))
    assert any("… (" in line for line in cut)
    whole = [line for kind, line in agenda_lines(agenda) if line.startswith("  ")]
    assert max(map(len, whole)) > 80
    for entry, line in zip(agenda.entries, cut, strict=True):
        # A habit's session has no number to keep.
        found = re.search(r" \(\d+/\d+\)$", entry.what)
        number = found.group() if found and entry.time != ALL_DAY else ""
        assert number in line and entry.time in line
    assert all(entry.what in line for entry, line in zip(agenda.entries, whole, strict=True))
