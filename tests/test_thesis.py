"""The thesis scenario through the command line: plans/phd-thesis.yaml as a student runs it.

A copy of the example plan (never the repository's own folder) is scheduled, an overrun is
logged, and the run is repeated; the terminal, the exit codes, the .ics (read back by vobject
and the `ical` package, not by icalendar, which wrote it) and the tracker files are checked
against the library's own schedule of the same inputs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from conftest import ROOT
from plan2cal.load import load_plan
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule
from readers import ReadEvent, read_with_ical, read_with_vobject

Run = Callable[..., Result]

THESIS = ROOT / "plans" / "phd-thesis.yaml"
TORONTO = ZoneInfo("America/Toronto")
FIRST_DAY = "2026-10-30"  # the Friday before the plan's start
TODAY = dt.date(2026, 12, 7)
READERS = {"vobject": read_with_vobject, "ical": read_with_ical}


def thesis_mornings() -> list[dt.date]:
    """The 23 weekday mornings from 4 November on which round 1 was worked."""
    days = (dt.date(2026, 11, 4) + dt.timedelta(days=n) for n in range(40))
    return [day for day in days if day.weekday() < 5][:23]


@pytest.fixture
def thesis(tmp_path: Path) -> Path:
    """A copy of the example plan in a folder of its own."""
    path = tmp_path / "phd-thesis.yaml"
    shutil.copy(THESIS, path)
    return path


def run_ok(run_cli: Run, *args: object) -> Result:
    """Run a command and check it exits 0."""
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result


def first_run(run_cli: Run, plan: Path, *options: str) -> Result:
    """The first ``schedule``, the Friday before the start, into ``out`` beside the plan."""
    return run_ok(
        run_cli, "schedule", plan, "-o", plan.parent / "out", "--today", FIRST_DAY, *options
    )


def log_overrun(run_cli: Run, plan: Path, remaining: str) -> None:
    """Round 1: 22 mornings of 2 h and one of 1h30m (45h30m against 30 h), then re-estimated;
    the outline done on 3 November."""
    mornings = thesis_mornings()
    for day in mornings[:-1]:
        run_ok(run_cli, "log", plan, "exp-run-1", "2h", "--on", day, "--today", TODAY)
    run_ok(
        run_cli,
        "log",
        plan,
        "exp-run-1",
        "1h30m",
        "--on",
        mornings[-1],
        "--today",
        TODAY,
        "--remaining",
        remaining,
    )
    run_ok(run_cli, "done", plan, "paper-outline", "--on", "2026-11-03", "--today", TODAY)


def library_schedule(remaining_hours: int | None = None) -> Schedule:
    """The thesis as the library schedules it, before or after the overrun."""
    plan = load_plan(THESIS)
    assert plan.defaults.start is not None
    actuals = None
    if remaining_hours is not None:
        mornings = thesis_mornings()
        actuals = Actuals(
            today=TODAY,
            done={"paper-outline": dt.date(2026, 11, 3)},
            logged={"exp-run-1": [(day, 120) for day in mornings[:-1]] + [(mornings[-1], 90)]},
            remaining={"exp-run-1": remaining_hours * 60},
        )
    return build_schedule(plan, availability_for(plan), plan.defaults.start, actuals=actuals)


def ics_events(plan: Path, reader: str = "vobject") -> list[ReadEvent]:
    """The events of the plan's calendar as an independent reader sees them."""
    return READERS[reader]((plan.parent / "out" / "phd-thesis.ics").read_bytes())


def missed_lines(output: str) -> list[str]:
    """The lines of the list under the MISSED heading."""
    lines = output.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("MISSED: "))
    block = []
    for line in lines[head + 1 :]:
        if not line.startswith("  - "):
            break
        block.append(line)
    return block


# 1. The first run: both dates made, the waits in the calendar


def test_the_first_run_makes_both_dates_and_strict_exits_0(thesis: Path, run_cli: Run) -> None:
    """No miss on the plan as written: no MISSED block, and --strict is content."""
    result = run_ok(
        run_cli, "schedule", thesis, "-o", thesis.parent / "out", "--today", FIRST_DAY, "--strict"
    )
    assert "MISSED" not in result.stdout
    assert "2 waits" in result.stdout, result.stdout


@pytest.mark.parametrize("reader", READERS)
def test_each_wait_is_one_transparent_all_day_span(thesis: Path, run_cli: Run, reader: str) -> None:
    """ "Waiting: <task>" from the wait's first day to the day after its last (DTEND is
    exclusive), transparent, exactly the library's spans; the review lag holds in the calendar:
    nothing of the chapter's revision starts within two weeks of sending it."""
    first_run(run_cli, thesis)
    schedule = library_schedule()
    names = {task.key: task.name for task in schedule.tasks}
    waits = [e for e in ics_events(thesis, reader) if e.summary.startswith("Waiting: ")]
    assert [(e.summary, e.start, e.end) for e in waits] == [
        (f"Waiting: {names[w.task]}", w.first_day, w.last_day + dt.timedelta(days=1))
        for w in schedule.waits
    ]
    assert all(e.all_day and e.transp == "TRANSPARENT" for e in waits)
    sessions = [e for e in ics_events(thesis, reader) if not e.all_day]
    sent = max(
        e.start for e in sessions if e.summary.startswith("Send the chapter to the supervisor")
    )
    revised = min(e.start for e in sessions if e.summary.startswith("Revise the chapter"))
    assert isinstance(sent, dt.datetime) and isinstance(revised, dt.datetime)
    assert revised.astimezone(TORONTO).date() >= sent.astimezone(TORONTO).date() + dt.timedelta(
        days=14
    )


def test_the_paper_makes_its_deadline_at_12_hours(thesis: Path, run_cli: Run) -> None:
    """The conference paper's milestone falls on or before 15 March in the calendar."""
    first_run(run_cli, thesis)
    (paper,) = [e for e in ics_events(thesis) if e.summary == "Milestone: Conference paper"]
    assert isinstance(paper.start, dt.date) and paper.start <= dt.date(2027, 3, 15)


# 2. The overrun: what was logged is the past, the miss is loud, --strict fails


@pytest.fixture
def overrun(thesis: Path, run_cli: Run) -> tuple[Path, Result]:
    """First run, the overrun logged with 15 h more to go, and the rerun on 7 December."""
    first_run(run_cli, thesis)
    log_overrun(run_cli, thesis, "15h")
    return thesis, run_ok(run_cli, "schedule", thesis, "--today", TODAY)


def test_a_rerun_after_the_overrun_prints_the_thesis_miss_with_its_days_late(
    overrun: tuple[Path, Result],
) -> None:
    """The MISSED block names the thesis date, the task it waits for and the days late, as the
    library computes them; the slip table has the fixed milestone's row; exit 0 without
    --strict."""
    _, result = overrun
    (miss,) = library_schedule(15).misses
    assert missed_lines(result.stdout) == [
        f"  - milestone 'thesis-due' (Thesis due at the graduate school) on 2027-06-30: the "
        f"work it waits for ('submit-admin') ends on {miss.finish.isoformat()}, "
        f"{miss.days_late} days late"
    ]
    row = next(line for line in result.stdout.splitlines() if line.startswith("Thesis due"))
    assert re.split(r"\s{2,}", row)[1] == miss.finish.isoformat(), row
    # The miss is said once, in its block, not again among the warnings.
    assert result.stdout.count("'thesis-due'") == 1


def test_strict_exits_4_when_the_thesis_date_is_missed(
    overrun: tuple[Path, Result], run_cli: Run
) -> None:
    """``schedule --strict`` and ``status --strict`` exit 4, naming the date and the days late;
    the outputs are written all the same."""
    plan, _ = overrun
    (miss,) = library_schedule(15).misses
    for command in ("schedule", "status"):
        result = run_cli(command, plan, "--today", TODAY, "--strict")
        assert result.exit_code == 4, result.output
        assert result.stderr.startswith("Error: the schedule misses 1 date ('thesis-due' due ")
        assert f"{miss.days_late} days late" in result.stderr
        assert "MISSED: " in result.stdout


def test_status_counts_the_time_logged_against_the_estimates(
    overrun: tuple[Path, Result], run_cli: Run
) -> None:
    """45h30m logged on a 30 h round: +52 %, not done, over its estimate, 15 h left; never
    "finished"; the phase counts the logged hours, and "Done" counts them too."""
    plan, _ = overrun
    result = run_ok(run_cli, "status", plan, "--today", TODAY)
    out = result.stdout
    assert re.search(
        r"exp-run-1\s+45h30m logged against 30h: \+52 %; not done, over its estimate, 15h left",
        out,
    ), out
    assert re.search(r"paper-outline\s+done on 2026-11-03 with no time logged", out), out
    assert "finished" not in out
    experiments = next(line for line in out.splitlines() if line.startswith("Experiments "))
    cells = ["0/4", "tasks", "45h30m", "90h", "75h", "+52", "%", "on", "1", "task"]
    assert experiments.split()[1:] == cells, experiments
    assert re.search(r"Done 49h30m of the \S+ the baseline planned before 2026-12-07", out), out


def test_the_calendar_shows_the_logged_mornings_not_the_planned_past(
    overrun: tuple[Path, Result],
) -> None:
    """Round 1's past is the 23 logged mornings, 45h30m, each "Done: … logged"; no session
    before today is shown as done unless it was logged or belongs to the outline, which was
    done without a log; 15 h are placed from today."""
    plan, _ = overrun
    events = ics_events(plan)
    round_1 = [e for e in events if e.summary.startswith(("Run experiment round 1", "Done: Run"))]
    past = [e for e in round_1 if e.summary.startswith("Done: ")]
    ahead = [e for e in round_1 if not e.summary.startswith("Done: ")]

    def minutes(e: ReadEvent) -> int:
        assert isinstance(e.start, dt.datetime) and isinstance(e.end, dt.datetime)
        return int((e.end - e.start).total_seconds()) // 60

    assert sum(minutes(e) for e in past) == 45 * 60 + 30
    assert all(e.summary.endswith(" logged") for e in past)
    days = sorted(
        e.start.astimezone(TORONTO).date() for e in past if isinstance(e.start, dt.datetime)
    )
    assert days == thesis_mornings()
    assert sum(minutes(e) for e in ahead) == 15 * 60
    for event in events:
        if event.all_day or event.summary.startswith("Done: "):
            continue
        assert isinstance(event.start, dt.datetime)
        assert event.start.astimezone(TORONTO).date() >= TODAY, event


def test_a_rerun_with_no_new_progress_keeps_every_event(
    overrun: tuple[Path, Result], run_cli: Run
) -> None:
    """Waits, logged sessions and notes keep their UIDs and SEQUENCE: nothing changes."""
    plan, _ = overrun
    ics = plan.parent / "out" / "phd-thesis.ics"
    before = ics.read_bytes()
    result = run_ok(run_cli, "schedule", plan, "--today", TODAY)
    assert ": nothing changed;" in result.stdout
    assert ics.read_bytes() == before


def test_time_logged_on_a_day_without_windows_is_an_all_day_note(
    overrun: tuple[Path, Result], run_cli: Run
) -> None:
    """2 h logged on Saturday 5 December, which has no window: one transparent all-day note
    "Logged: <task> 2h" on that day; a second rerun keeps its UID."""
    plan, _ = overrun
    run_ok(run_cli, "log", plan, "lit-read", "2h", "--on", "2026-12-05", "--today", TODAY)
    run_ok(run_cli, "schedule", plan, "--today", TODAY)
    notes = [e for e in ics_events(plan, "ical") if e.summary.startswith("Logged: ")]
    assert [(e.summary, e.start, e.end, e.transp) for e in notes] == [
        (
            "Logged: Read and annotate the literature since the proposal 2h",
            dt.date(2026, 12, 5),
            dt.date(2026, 12, 6),
            "TRANSPARENT",
        )
    ]
    run_ok(run_cli, "schedule", plan, "--today", "2026-12-08")
    again = [e for e in ics_events(plan, "ical") if e.summary.startswith("Logged: ")]
    assert [e.uid for e in again] == [notes[0].uid]


# 3. fit: the hours missing and what could be cut


def test_fit_names_the_missing_hours_and_the_tasks_after_the_date(
    thesis: Path, run_cli: Run
) -> None:
    """With 40 h more for round 1 no budget makes 30 June: exit 4, the hours missing by then
    (the sum of the listed tasks' hours after the date) and no advice to reorder, since
    deadline-first ordering already puts them first."""
    first_run(run_cli, thesis)
    log_overrun(run_cli, thesis, "40h")
    result = run_cli(
        "fit", thesis, "--milestone", "thesis-due", "--by", "2027-06-30", "--today", TODAY
    )
    assert result.exit_code == 4, result.output
    lines = result.stdout.splitlines()
    missing = re.match(r"At [\d.]+ h a week, all the windows hold, (\S+) of thesis-due's", lines[0])
    assert missing, lines[0]
    rows = [line.split() for line in lines[1:] if line.startswith("  ")]
    assert rows and rows[-1][0] == "submit-admin"
    assert sum(_minutes(row[row.index("after") - 1]) for row in rows) == _minutes(missing[1])
    assert lines[-1].startswith("Deadline-first ordering already puts each of them first")
    assert "cut or shrink the tasks above" in result.stderr


def _minutes(text: str) -> int:
    """``1h30m`` → 90."""
    hours = re.search(r"(\d+)h", text)
    mins = re.search(r"(\d+)m", text)
    return (int(hours[1]) * 60 if hours else 0) + (int(mins[1]) if mins else 0)


# 4. The trackers: a wait is a task with its dates and no effort


def test_every_tracker_shows_a_wait_with_its_dates_and_no_effort(
    thesis: Path, run_cli: Run
) -> None:
    """The supervisor's review, 14 days: its first and last day in each file, and no hours;
    Project also gets the chapter review's two-week lag on its link."""
    run_ok(
        run_cli,
        "schedule",
        thesis,
        "-o",
        thesis.parent / "out",
        "--today",
        FIRST_DAY,
        "--format",
        "all",
    )
    (review,) = [w for w in library_schedule().waits if w.task == "supervisor-review"]
    first, last = review.first_day, review.last_day
    out = thesis.parent / "out"

    def rows(suffix: str) -> list[dict[str, str]]:
        text = (out / f"phd-thesis.{suffix}").read_text(encoding="utf-8-sig")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    name = "Supervisor reviews the full draft"
    (jira,) = [r for r in rows("jira.csv") if r["Summary"] == name]
    assert (jira["Start date"], jira["Due date"]) == (first.isoformat(), last.isoformat())
    assert jira["Original Estimate"] == jira["Remaining Estimate"] == ""
    (asana,) = [r for r in rows("asana.csv") if r["Name"] == name]
    assert (asana["Start Date"], asana["Due Date"]) == (
        first.strftime("%m/%d/%Y"),
        last.strftime("%m/%d/%Y"),
    )
    assert "Effort" not in asana["Description"]
    (todoist,) = [r for r in rows("todoist.csv") if r["CONTENT"] == name]
    assert todoist["DATE"] == first.isoformat() and todoist["DURATION"] == ""
    assert last.isoformat() in todoist["DESCRIPTION"]
    (generic,) = [r for r in rows("tasks.csv") if r["name"] == name]
    assert (generic["type"], generic["start"], generic["due"], generic["hours"]) == (
        "wait",
        first.isoformat(),
        last.isoformat(),
        "",
    )
    (gcal,) = [r for r in rows("gcal.csv") if r["Subject"] == f"Waiting: {name}"]
    assert (gcal["Start Date"], gcal["End Date"], gcal["All Day Event"]) == (
        first.strftime("%m/%d/%Y"),
        last.strftime("%m/%d/%Y"),
        "True",
    )
    (outlook,) = [r for r in rows("outlook.csv") if r["Subject"] == f"Waiting: {name}"]
    assert (outlook["All day event"], outlook["Show time as"]) == ("True", "0")
    assert outlook["End Date"] == f"{last.month}/{last.day}/{last.year}"
    namespace = {"p": "http://schemas.microsoft.com/project"}
    root = ET.parse(out / "phd-thesis.msproject.xml").getroot()
    (task,) = [
        t
        for t in root.iterfind(".//p:Task", namespace)
        if t.findtext("p:Name", namespaces=namespace) == name
    ]
    assert task.findtext("p:Start", namespaces=namespace, default="").startswith(first.isoformat())
    assert task.findtext("p:Finish", namespaces=namespace, default="").startswith(last.isoformat())
    assert task.find("p:Work", namespace) is None
    # The review lag is the link's lag, in elapsed days (LagFormat 8, tenths of a minute).
    uids = {
        t.findtext("p:Name", namespaces=namespace): t.findtext("p:UID", namespaces=namespace)
        for t in root.iterfind(".//p:Task", namespace)
    }
    (revise,) = [
        t
        for t in root.iterfind(".//p:Task", namespace)
        if t.findtext("p:Name", namespaces=namespace)
        == "Revise the chapter after the supervisor's comments"
    ]
    links = {
        link.findtext("p:PredecessorUID", namespaces=namespace): (
            link.findtext("p:LinkLag", namespaces=namespace),
            link.findtext("p:LagFormat", namespaces=namespace),
        )
        for link in revise.iterfind("p:PredecessorLink", namespace)
    }
    assert links == {uids["Send the chapter to the supervisor"]: (str(14 * 24 * 60 * 10), "8")}
