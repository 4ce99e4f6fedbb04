"""Pinned run settings (DESIGN §4 rule 6): the first run that writes outputs records the start,
budget, zone, formats and output folder in the progress file, and every later command uses them
without flags; an option given again changes the pin and says so."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from conftest import DEMO_PLAN
from plan2cal.progress import load_progress

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

# DEMO_PLAN has no start: the first run on Tuesday 2026-12-01 starts on Monday 2026-12-07.
FIRST_DAY = "2026-12-01"
NEXT_MONDAY = dt.date(2026, 12, 7)


@pytest.fixture
def plan(write_plan: WritePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo plan in tmp_path, which is also the working folder (outputs go to ./out)."""
    monkeypatch.chdir(tmp_path)
    return write_plan(DEMO_PLAN)


def ok(run_cli: Run, *args: object) -> Result:
    """Run a command and check it exited 0."""
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result


def pinned(plan: Path) -> dict[str, object]:
    """The settings section of the plan's progress file, as plain YAML data."""
    data = yaml.safe_load(plan.with_name("plan.progress.yaml").read_text(encoding="utf-8"))
    settings: dict[str, object] = data["settings"]
    return settings


def heading_start(result: Result) -> str:
    """The start date in the second line of the schedule summary."""
    match = re.search(
        r"^from (\d{4}-\d{2}-\d{2}) at ([\d.]+) h a week \(([^)]+)\)", result.stdout, re.MULTILINE
    )
    assert match, result.stdout
    return match.group(1)


def test_first_schedule_pins_start_budget_zone_formats_and_output(plan: Path, run_cli: Run) -> None:
    """Without flags the first run starts next Monday and writes what it chose into the file."""
    result = ok(run_cli, "schedule", plan, "--today", FIRST_DAY)

    assert heading_start(result) == NEXT_MONDAY.isoformat()
    assert pinned(plan) == {
        "start": NEXT_MONDAY,
        "timezone": "Europe/Berlin",
        "budget": [{"from": NEXT_MONDAY, "hours_per_week": 10}],
        "formats": ["ics"],
        "output": "out",
    }
    assert "Pinned in plan.progress.yaml for later runs: start 2026-12-07" in result.stdout


def test_a_rerun_weeks_later_without_flags_keeps_the_start(plan: Path, run_cli: Run) -> None:
    """Six weeks on, with time logged, the plan still starts where it started, not next Monday."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)
    ok(run_cli, "log", plan, "a", "2h", "--on", "2026-12-08", "--today", "2027-01-18")

    rerun = ok(run_cli, "schedule", plan, "--today", "2027-01-18")

    assert heading_start(rerun) == NEXT_MONDAY.isoformat()
    assert "Pinned" not in rerun.stdout  # nothing changed, so nothing to say
    assert pinned(plan)["start"] == NEXT_MONDAY


def test_status_and_fit_use_the_pinned_budget_not_the_plans(plan: Path, run_cli: Run) -> None:
    """After a run at 8 h a week, status and fit without flags work at 8 h too."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY, "--hours-per-week", "8")

    status = ok(run_cli, "status", plan, "--today", "2026-12-14")
    fitted = ok(run_cli, "fit", plan, "--by", "2027-03-01", "--today", "2026-12-14")

    assert "at 8 h a week" in status.stdout
    assert "(now 8 h a week;" in fitted.stdout


def test_changing_the_budget_is_one_line_and_applies_from_today(plan: Path, run_cli: Run) -> None:
    """--hours-per-week again adds a budget change dated today; earlier weeks keep the old one."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)

    changed = ok(run_cli, "schedule", plan, "--today", "2026-12-16", "--hours-per-week", "6")

    assert "weekly budget: 10 h a week → 6 h a week from 2026-12-16" in changed.stdout
    assert pinned(plan)["budget"] == [
        {"from": NEXT_MONDAY, "hours_per_week": 10},
        {"from": dt.date(2026, 12, 16), "hours_per_week": 6},
    ]
    again = ok(run_cli, "schedule", plan, "--today", "2026-12-17")
    assert "at 6 h a week" in again.stdout


def test_a_new_start_changes_the_pin_and_says_so(plan: Path, run_cli: Run) -> None:
    """--start on a later run moves the pin, with one line naming the old and new dates."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)

    moved = ok(run_cli, "schedule", plan, "--today", FIRST_DAY, "--start", "2027-01-04")

    assert "start: 2026-12-07 → 2027-01-04" in moved.stdout
    assert pinned(plan)["start"] == dt.date(2027, 1, 4)


def test_a_plan_edited_after_the_pin_gets_a_note_and_does_not_move(
    plan: Path, run_cli: Run, write_plan: WritePlan
) -> None:
    """A start written into the plan later does not silently move the calendar."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)
    write_plan(
        DEMO_PLAN.replace("  hours_per_week: 10\n", "  hours_per_week: 10\n  start: 2027-02-01\n")
    )

    rerun = ok(run_cli, "schedule", plan, "--today", FIRST_DAY)

    assert heading_start(rerun) == NEXT_MONDAY.isoformat()
    assert "the plan says start 2027-02-01, but this plan's runs are pinned to 2026-12-07" in (
        rerun.stderr
    )
    assert "--start 2027-02-01" in rerun.stderr


def test_formats_given_once_are_written_again_on_every_rerun(plan: Path, run_cli: Run) -> None:
    """A plain rerun refreshes the Jira file the last run wrote, so it is never out of date."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY, "--format", "ics", "--format", "jira")
    jira = Path("out/demo.jira.csv")
    first = jira.read_bytes()
    ok(run_cli, "done", plan, "a", "--on", "2026-12-08", "--today", "2026-12-09")

    ok(run_cli, "schedule", plan, "--today", "2026-12-09")

    assert jira.read_bytes() != first  # task A is done now
    assert "Done" in jira.read_text(encoding="utf-8")
    assert pinned(plan)["formats"] == ["ics", "jira"]


def test_the_output_folder_is_found_from_any_working_folder(
    plan: Path, run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pinned folder is relative to the progress file, so status from elsewhere finds it."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY, "-o", "calendar")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    status = ok(run_cli, "status", plan, "--today", "2026-12-14")

    assert pinned(plan)["output"] == "calendar"
    assert "No earlier run" not in status.stdout
    assert (tmp_path / "calendar" / "demo.ics").exists()


def test_an_option_on_a_command_that_writes_nothing_is_for_that_command_only(
    plan: Path, run_cli: Run
) -> None:
    """status --hours-per-week 12 uses 12 h, says it is not pinned, and leaves the pin alone."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)
    before = plan.with_name("plan.progress.yaml").read_bytes()

    status = ok(run_cli, "status", plan, "--today", "2026-12-14", "--hours-per-week", "12")

    assert "at 12 h a week" in status.stdout
    assert "for this command only" in status.stderr
    assert plan.with_name("plan.progress.yaml").read_bytes() == before


def test_progress_written_before_settings_existed_still_reads(tmp_path: Path) -> None:
    """A file with task ids at the top level (the first layout) reads as tasks, no settings."""
    path = tmp_path / "old.progress.yaml"
    path.write_text("ml-course:\n  done: 2027-02-10\n", encoding="utf-8")

    progress = load_progress(path)

    assert progress.done_on("ml-course") == dt.date(2027, 2, 10)
    assert progress.settings.is_empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "settings:\n  strat: 2027-01-04\n",
            "2: settings.strat: unknown field 'strat'; did you mean 'start'?",
        ),
        ("settings:\n  timezone: Mars/Olympus\n", "2: settings.timezone: unknown time zone"),
        (
            "settings:\n  budget:\n    - {from: 2027-01-04, hours_per_week: 0}\n",
            "3: settings.budget[0].hours_per_week: the weekly budget must be more than 0",
        ),
        (
            "settings:\n  budget:\n    - {from: 2027-02-01, hours_per_week: 8}\n"
            "    - {from: 2027-01-04, hours_per_week: 9}\n",
            "2: settings.budget: budget changes must be in date order",
        ),
        (
            "settings:\n  formats: [ics, 'x y']\n",
            "2: settings.formats[1]: 'x y' is not an output format",
        ),
        (
            "settings: {}\ntask:\n  a: {done: 2027-01-04}\n",
            "2: task: unknown section 'task'; did you mean 'tasks'?",
        ),
    ],
)
def test_a_damaged_settings_section_exits_5_naming_line_and_field(
    plan: Path, run_cli: Run, text: str, expected: str
) -> None:
    """A hand-edited settings section that does not read stops every command with exit 5."""
    progress = plan.with_name("plan.progress.yaml")
    progress.write_text(text, encoding="utf-8")

    result = run_cli("schedule", plan, "--today", FIRST_DAY)

    assert result.exit_code == 5, result.output
    assert f"{progress}:{expected}" in result.stderr, result.stderr
    assert progress.read_text(encoding="utf-8") == text
    assert not Path("out").exists()


def test_an_unknown_pinned_format_exits_5(plan: Path, run_cli: Run) -> None:
    """A format name the tool does not have, in the settings, is a damaged file, not a crash."""
    progress = plan.with_name("plan.progress.yaml")
    progress.write_text("settings:\n  formats: [ics, xlsx]\n", encoding="utf-8")

    result = run_cli("schedule", plan, "--today", FIRST_DAY)

    assert result.exit_code == 5, result.output
    assert "settings.formats" in result.stderr and "'xlsx'" in result.stderr


@pytest.mark.parametrize("command", ["done", "log"])
def test_a_date_after_today_is_a_usage_error(plan: Path, run_cli: Run, command: str) -> None:
    """Work cannot be recorded on a day that has not come yet: exit 2, nothing written."""
    args = ["a", "1h"] if command == "log" else ["a"]

    result = run_cli(command, plan, *args, "--on", "2027-03-01", "--today", "2027-02-15")

    assert result.exit_code == 2, result.output
    assert "2027-03-01 is after today (2027-02-15)" in result.stderr
    assert not plan.with_name("plan.progress.yaml").exists()


def test_a_date_before_the_start_is_kept_with_a_warning(plan: Path, run_cli: Run) -> None:
    """Work before the pinned start is recorded, with a note on stderr."""
    ok(run_cli, "schedule", plan, "--today", FIRST_DAY)

    logged = ok(run_cli, "log", plan, "a", "1h", "--on", "2026-12-02", "--today", "2026-12-03")

    assert "is before the plan's start 2026-12-07" in logged.stderr
    assert load_progress(plan.with_name("plan.progress.yaml")).spent("a") == 60


def test_done_without_on_records_today(plan: Path, run_cli: Run) -> None:
    """``done`` with --today and no --on records that day."""
    ok(run_cli, "done", plan, "a", "--today", "2027-01-05")

    assert load_progress(plan.with_name("plan.progress.yaml")).done_on("a") == dt.date(2027, 1, 5)
