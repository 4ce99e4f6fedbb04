"""Habits (``every:``) through the command line: check, reruns, progress, every output format,
the bundled plan, and each kind of bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from conftest import BUNDLED_PLAN
from goldens import check_golden
from plan2cal.export.events import calendar_events
from plan2cal.export.msproject import SUFFIX as MSPROJECT_SUFFIX
from plan2cal.habits import monday_of
from plan2cal.load import load_plan
from plan2cal.schedule import Actuals, availability_for, build_schedule
from readers import read_with_ical, read_with_vobject

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

HABIT_PLAN = """\
plan: study
title: Study plan
defaults:
  timezone: Europe/Berlin
  hours_per_week: 6
  windows: {mon-fri: "19:00-21:00", sat: "09:00-12:00"}
  session: {min: 30m, max: 2h}
phases:
  - id: basics
    name: Basics
    weeks: 3
    tasks:
      - id: course
        name: Course
        hours: 12
      - id: review
        name: Weekly review
        every: 30m a week
      - id: vocab
        name: Vocabulary
        every: 10m a day
        until: +2w
  - id: project
    name: Project
    weeks: 2
    tasks:
      - id: build
        name: Build it
        hours: 8
      - id: reading-group
        name: Reading group
        every: 1h a week
        until: 2027-03-01
"""
START = "2027-01-04"  # a Monday


def _schedule(run_cli: Run, plan: Path, *args: str) -> Result:
    result = run_cli("schedule", plan, "--start", START, "-o", plan.parent, *args)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def _ok(run_cli: Run, *args: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output + result.stderr


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_check_says_what_the_habits_of_each_phase_reserve(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """`check` names each phase's weekly reservation and each habit's rhythm and end."""
    plan = write_plan(HABIT_PLAN)
    result = run_cli("check", plan, "--start", START)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    basics = lines.index(next(line for line in lines if line.startswith("Basics [basics]")))
    assert lines[basics + 1].strip() == (
        "1h40m a week reserved for 2 habits; project work gets the rest"
    )
    assert any("review" in line and "30m a week" in line and "habit" in line for line in lines)
    assert any("vocab" in line and "10m a day" in line and "for 2w" in line for line in lines)
    assert any("1h a week reserved for 1 habit" in line for line in lines)


def test_habit_sessions_in_the_calendar_say_habit_and_their_rhythm(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Each habit session is one event titled as a habit, its description giving the rhythm
    and span; both independent readers agree."""
    plan = write_plan(HABIT_PLAN)
    _schedule(run_cli, plan)
    data = (tmp_path / "study.ics").read_bytes()
    events = read_with_vobject(data)
    assert [e.summary for e in events] == [e.summary for e in read_with_ical(data)]
    review = [e for e in events if e.summary == "Habit: Weekly review"]
    assert review, [e.summary for e in events]
    description = review[0].description or ""
    assert "Habit: 30m a week, until phase 'basics' ends" in description
    assert all(e.end - e.start == dt.timedelta(minutes=30) for e in review)
    # One a week, Mondays to Sundays.
    weeks = [monday_of(e.start.astimezone(ZoneInfo("Europe/Berlin")).date()) for e in review]
    assert len(weeks) == len(set(weeks))
    reading = [e for e in events if e.summary == "Habit: Reading group"]
    last = max(e.start for e in reading).astimezone(ZoneInfo("Europe/Berlin")).date()
    assert dt.date(2027, 2, 22) <= last <= dt.date(2027, 3, 1)  # it outlives its phase


def test_trackers_get_one_row_per_habit_with_its_span(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Jira and Asana get one task per habit with the whole span's estimate, its start and
    end, and a habit label or tag; the generic CSV its weekly amount; MS Project its Work
    from its first session to its last."""
    plan = write_plan(HABIT_PLAN)
    for fmt in ("jira", "asana", "csv", "msproject", "ics"):
        _schedule(run_cli, plan, "--format", fmt)
    schedule = build_schedule(
        load_plan(plan), availability_for(load_plan(plan)), dt.date(2027, 1, 4)
    )
    reading = next(task for task in schedule.tasks if task.key == "reading-group")
    assert reading.habit is not None
    total = sum(s.minutes for s in schedule.sessions if s.task == "reading-group")
    assert reading.effort == total > 0

    with (tmp_path / "study.jira.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    row = next(r for r in body if r[header.index("Summary")] == "Reading group")
    labels = [r for h, r in zip(header, row, strict=True) if h == "Labels"]
    assert "habit" in labels
    assert row[header.index("Original Estimate")] == str(total * 60)
    assert row[header.index("Start date")] == reading.habit.first_day.isoformat()
    assert row[header.index("Due date")] == "2027-03-01"
    course = next(r for r in body if r[header.index("Summary")] == "Course")
    assert "habit" not in [r for h, r in zip(header, course, strict=True) if h == "Labels"]

    asana = _csv(tmp_path / "study.asana.csv")
    by_name = {row["Name"]: row for row in asana}
    assert by_name["Reading group"]["Tags"] == "habit"
    assert by_name["Course"]["Tags"] == ""
    assert by_name["Reading group"]["Due Date"] == "03/01/2027"
    assert "Habit: 1h a week" in by_name["Reading group"]["Description"]

    generic = {row["id"]: row for row in _csv(tmp_path / "study.tasks.csv")}
    assert generic["vocab"]["type"] == "habit"
    assert generic["vocab"]["hours a week"] == "1.17"  # 10m a day
    assert generic["course"]["hours a week"] == ""

    tree = ET.parse(tmp_path / f"study.{MSPROJECT_SUFFIX}")
    ns = {"p": "http://schemas.microsoft.com/project"}
    task = next(
        t
        for t in tree.getroot().iterfind(".//p:Task", ns)
        if t.findtext("p:Name", "", ns) == "Reading group"
    )
    assert task.findtext("p:Work", "", ns) == f"PT{total // 60}H{total % 60}M0S"
    last = max(s.end for s in schedule.sessions if s.task == "reading-group")
    finish = last.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M:%S")
    assert task.findtext("p:Finish", "", ns) == finish
    assert "Habit: 1h a week, " in task.findtext("p:Notes", "", ns)


def test_a_plan_without_habits_gets_no_asana_tags_column(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Asana turns a Tags column into a custom field, so a plan without habits has none."""
    plan = write_plan(
        HABIT_PLAN.split("      - id: review")[0]
        + "  - id: two\n    name: Two\n    weeks: 1\n    tasks: [X]\n"
    )
    _schedule(run_cli, plan, "--format", "asana")
    assert "Tags" not in _csv(tmp_path / "study.asana.csv")[0]


def test_rerun_keeps_the_uids_and_times_of_habit_sessions_ahead(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """A rerun a week later with the habit's time logged moves nothing ahead: the habit's
    later sessions keep their UIDs, times and SEQUENCE."""
    plan = write_plan(HABIT_PLAN)
    _schedule(run_cli, plan, "--today", START)
    first = {e.uid: e for e in read_with_vobject((tmp_path / "study.ics").read_bytes())}
    _ok(run_cli, "log", plan, "review", "30m", "--on", "2027-01-04", "--today", "2027-01-11")
    _ok(run_cli, "log", plan, "course", "4h", "--on", "2027-01-05", "--today", "2027-01-11")
    _schedule(run_cli, plan, "--today", "2027-01-11")
    second = {e.uid: e for e in read_with_vobject((tmp_path / "study.ics").read_bytes())}
    ahead = [
        e
        for e in first.values()
        if e.summary == "Habit: Reading group" and e.start.date() > dt.date(2027, 2, 1)
    ]
    assert ahead
    for event in ahead:
        again = second[event.uid]
        assert (again.start, again.end, again.summary) == (event.start, event.end, event.summary)
        assert again.sequence == event.sequence


def test_done_on_a_habit_ends_it_and_status_shows_the_weeks_kept(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """`done` on a habit drops its sessions from that day; the slip report says how many
    weeks were kept so far."""
    plan = write_plan(HABIT_PLAN)
    _schedule(run_cli, plan, "--today", START)
    _ok(run_cli, "log", plan, "review", "30m", "--on", "2027-01-05", "--today", "2027-01-18")
    _ok(run_cli, "done", plan, "review", "--on", "2027-01-14", "--today", "2027-01-18")
    _schedule(run_cli, plan, "--today", "2027-01-18")
    events = read_with_vobject((tmp_path / "study.ics").read_bytes())
    zone = ZoneInfo("Europe/Berlin")
    review = [
        e
        for e in events
        if "Weekly review" in e.summary and e.transp == "OPAQUE" and "CANCELLED" not in e.summary
    ]
    assert review and all(e.start.astimezone(zone).date() < dt.date(2027, 1, 14) for e in review)
    status = run_cli("status", plan, "--today", "2027-01-18")
    assert status.exit_code == 0, status.stderr
    line = next(line for line in status.output.splitlines() if line.strip().startswith("review"))
    assert "kept 1 of 1 week (30m of 30m)" in line
    assert "ended 2027-01-13" in line


def test_a_habit_its_windows_cannot_hold_is_warned_about(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """A habit of 1h30m a week in weekend windows, where the spread budget leaves less than
    that, is placed as far as it fits, and `check` says so and what to change."""
    plan = write_plan(
        HABIT_PLAN.replace(
            "        every: 30m a week\n",
            '        every: 1h30m a week\n        windows: {sun: "07:00-08:00"}\n',
            1,
        )
    )
    result = run_cli("check", plan, "--start", START)
    assert result.exit_code == 0, result.stderr
    assert "habit 'review' gets less than its 1h30m a week in " in result.stdout
    assert "widen its windows, lower its every: or raise the weekly budget" in result.stdout


def test_done_on_a_habit_gives_its_time_back_to_the_project() -> None:
    """Ending the bundled plan's relationships habit two weeks in frees its half hour (and the
    break beside it) every week: the first phase, and the plan, end at least a week sooner."""
    plan = load_plan(BUNDLED_PLAN)
    availability = availability_for(plan)
    start, today = dt.date(2027, 1, 4), dt.date(2027, 1, 18)
    kept = build_schedule(plan, availability, start, actuals=Actuals(today=today))
    ended = build_schedule(
        plan,
        availability,
        start,
        actuals=Actuals(today=today, done={"data-science-relationships": today}),
    )
    assert not [s for s in ended.sessions if s.task == "data-science-relationships"]
    assert [s for s in kept.sessions if s.task == "data-science-relationships"]
    assert ended.phases[0].end <= kept.phases[0].end - dt.timedelta(weeks=1)
    assert ended.end <= kept.end - dt.timedelta(weeks=1)


@pytest.mark.parametrize(
    ("field", "code", "message"),
    [
        ("every: 0", 3, "every: 0 is no time at all"),
        ("every: 7h a week", 4, "alone take 8h10m a week, more than all of the 6h"),
        ("every: 30m a week\n        hours: 3", 3, "either work to finish (hours) or a habit"),
        (
            "every: 30m a week\n        until: 2026-12-01",
            3,
            "is before the plan's start 2027-01-04",
        ),
        ("every: 30m", 3, "is not a rhythm"),
        ("every: 30m a week\n        deadline: +2w", 3, "has no deadline"),
        ("every: 30m a week\n        until: nowhere", 3, "unknown phase or task id 'nowhere'"),
        ("every: 30m a week\n        weight: 2", 3, "remove the weight"),
    ],
)
def test_bad_habit_input_names_its_line(
    write_plan: WritePlan, run_cli: Run, field: str, code: int, message: str
) -> None:
    """Each kind of bad habit exits 3 or 4 with the file, its line and the field."""
    plan = write_plan(HABIT_PLAN.replace("        every: 30m a week\n", f"        {field}\n", 1))
    result = run_cli("schedule", plan, "--start", START, "-o", plan.parent)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    found = re.search(
        rf"^Error: {re.escape(str(plan))}:(\d+): phases\[0\]\.tasks\[1\]\.(\w+):", result.stderr
    )
    assert found is not None, result.stderr
    line = plan.read_text(encoding="utf-8").splitlines()[int(found[1]) - 1]
    assert line.strip().startswith(f"{found[2]}:"), (line, found[2])
    assert "Traceback" not in result.stderr
    assert not (plan.parent / "study.ics").exists()


def test_waiting_for_a_habit_is_refused(write_plan: WritePlan, run_cli: Run) -> None:
    """A habit never finishes, so nothing may wait for it: exit 3 with the after's line."""
    plan = write_plan(
        HABIT_PLAN.replace("        hours: 8\n", "        hours: 8\n        after: [review]\n")
    )
    result = run_cli("check", plan, "--start", START)
    assert result.exit_code == 3
    assert "'review' is a habit, which goes on rather than finishes" in result.stderr
    assert "phases[1].tasks[0].after[0]" in result.stderr


def test_bundled_plan_first_four_weeks_match_golden() -> None:
    """The bundled plan's first four weeks, as a person reads them in a calendar: week-one
    actions, the relationships habit and the certificate together."""
    plan = load_plan(BUNDLED_PLAN)
    start = dt.date(2027, 1, 4)
    schedule = build_schedule(plan, availability_for(plan), start)
    zone = ZoneInfo("Europe/Berlin")
    lines = []
    for event in calendar_events(schedule):
        if not isinstance(event.start, dt.datetime) or not isinstance(event.end, dt.datetime):
            continue
        begin, end = event.start.astimezone(zone), event.end.astimezone(zone)
        if begin.date() >= start + dt.timedelta(weeks=4):
            continue
        lines.append(f"{begin:%a %Y-%m-%d %H:%M}-{end:%H:%M}  {event.summary}")
    text = "\n".join(sorted(lines, key=lambda line: line[4:20])) + "\n"
    assert "Habit: Build relationships with data science team in your organization" in text
    check_golden(text.encode(), "ai-pm-transition-first-four-weeks.txt")
