"""The command line: exit codes, messages on stderr, no tracebacks, and nothing written on error."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import plan2cal.cli
from conftest import BUNDLED_PLAN, DEMO_PLAN
from plan2cal import __version__
from plan2cal.cli import cli
from plan2cal.errors import PlanError

# A small valid plan; each bad-input test changes one line. Line numbers are 1-based:
#   1 plan, 2 title, 3 defaults, 4 timezone, 5 hours_per_week, 6 phases, 7 - id, 8 name,
#   9 weeks, 10 tasks, 11 - id: a, 12 name, 13 hours, 14 - id: b, 15 name, 16 hours
PLAN = """\
plan: demo
title: Demo
defaults:
  timezone: Europe/Berlin
  hours_per_week: 10
phases:
  - id: one
    name: Phase One
    weeks: 2
    tasks:
      - id: a
        name: Task A
        hours: 2h
      - id: b
        name: Task B
        hours: 1h
"""

Run = Callable[..., Result]
WritePlan = Callable[..., Path]


def _plan(old: str, new: str) -> str:
    assert old in PLAN, old
    return PLAN.replace(old, new)


def _schedule_fails(run_cli: Run, plan: Path, code: int, *options: str) -> tuple[str, Path]:
    """Run ``schedule`` into tmp/out; check the exit code, no traceback and no output files."""
    out = plan.parent / "out"
    result = run_cli("schedule", plan, "-o", out, "--start", "2027-01-04", *options)

    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    return result.stderr, out


# --- one test per kind of bad input --------------------------------------------------------------


def test_malformed_yaml_exits_3_naming_the_line(write_plan: WritePlan, run_cli: Run) -> None:
    """A YAML syntax error exits 3 with ``file:line: YAML syntax error``."""
    plan = write_plan(_plan("name: Task A", "name: Task: A"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr.startswith(f"Error: {plan}:12: YAML syntax error: ")


def test_unknown_key_exits_3_with_did_you_mean(write_plan: WritePlan, run_cli: Run) -> None:
    """A misspelt key exits 3 naming its line and field and suggesting the real key."""
    plan = write_plan(_plan("        hours: 2h\n", "        hous: 3\n"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr == (
        f"Error: {plan}:13: phases[0].tasks[0].hous: unknown field 'hous'; did you mean 'hours'?\n"
    )


def test_bad_duration_exits_3_naming_line_and_field(write_plan: WritePlan, run_cli: Run) -> None:
    """A duration that is not one exits 3 with its line, field and the accepted forms."""
    plan = write_plan(_plan("hours: 1h", "hours: a while"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr == (
        f"Error: {plan}:16: phases[0].tasks[1].hours: 'a while' is not a duration; "
        "write 90m, 1h30m, 2h or a number of hours\n"
    )


def test_unknown_timezone_in_the_plan_exits_3(write_plan: WritePlan, run_cli: Run) -> None:
    """An IANA zone that does not exist exits 3 at ``defaults.timezone`` with an example."""
    plan = write_plan(_plan("Europe/Berlin", "Europe/Atlantis"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr.startswith(
        f"Error: {plan}:4: defaults.timezone: unknown time zone 'Europe/Atlantis'; "
        "use an IANA name such as Europe/Berlin"
    )


def test_duplicate_id_exits_3_naming_both_places(write_plan: WritePlan, run_cli: Run) -> None:
    """Two tasks with one id exit 3 at the second, naming where the first is."""
    plan = write_plan(_plan("      - id: b\n", "      - id: a\n"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr.startswith(
        f"Error: {plan}:14: phases[0].tasks[1].id: duplicate id 'a' "
        "(already used by phases[0].tasks[0].id)"
    )


def test_unknown_dependency_exits_3_with_did_you_mean(write_plan: WritePlan, run_cli: Run) -> None:
    """An ``after`` that names no task or phase exits 3 and suggests the closest id."""
    plan = write_plan(_plan("        hours: 1h\n", "        hours: 1h\n        after: [onee]\n"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr == (
        f"Error: {plan}:17: phases[0].tasks[1].after[0]: unknown task or phase id 'onee'; "
        "did you mean 'one'?\n"
    )


def test_dependency_cycle_exits_4_and_shows_the_cycle(write_plan: WritePlan, run_cli: Run) -> None:
    """Two tasks that wait for each other exit 4 with the cycle drawn as ``a → b → a``."""
    plan = write_plan(
        _plan("        hours: 2h\n", "        hours: 2h\n        after: b\n").replace(
            "        hours: 1h\n", "        hours: 1h\n        after: a\n"
        )
    )

    stderr, _ = _schedule_fails(run_cli, plan, 4)

    assert stderr.startswith("Error: the plan has a dependency cycle: ")
    assert re.search(r": (a → b → a|b → a → b);", stderr), stderr


def test_cycle_message_reads_in_the_order_work_would_be_done(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """In a printed cycle ``x → y``, y waits for x: a after c, b after a, c after b is a → b → c."""
    plan = write_plan(
        """\
        plan: demo
        title: Demo
        phases:
          - id: one
            name: One
            tasks:
              - {id: a, name: A, hours: 1, after: c}
              - {id: b, name: B, hours: 1, after: a}
              - {id: c, name: C, hours: 1, after: b}
        """
    )

    stderr, _ = _schedule_fails(run_cli, plan, 4)

    chain = re.search(r"cycle: ([a-z → ]+);", stderr)
    assert chain, stderr
    # Any rotation of the loop will do; the direction is what matters.
    assert chain.group(1) in {"a → b → c → a", "b → c → a → b", "c → a → b → c"}


def test_zero_weekly_budget_in_the_plan_exits_3(write_plan: WritePlan, run_cli: Run) -> None:
    """``hours_per_week: 0`` is an invalid plan value, reported at its line."""
    plan = write_plan(_plan("hours_per_week: 10", "hours_per_week: 0"))

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr == f"Error: {plan}:5: defaults.hours_per_week: must be greater than 0\n"


def test_zero_weekly_budget_on_the_command_line_is_a_usage_error(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """``--hours-per-week 0`` is refused by click itself with exit 2 and the option's name."""
    plan = write_plan(PLAN)

    stderr, _ = _schedule_fails(run_cli, plan, 2, "--hours-per-week", "0")

    assert "Usage:" in stderr
    assert "Invalid value for '--hours-per-week'" in stderr


def test_no_windows_exits_4_saying_no_window_can_hold_a_session(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """``windows: {}`` leaves no time to work in: exit 4 and a message that shows a fix."""
    plan = write_plan(_plan("  hours_per_week: 10\n", "  hours_per_week: 10\n  windows: {}\n"))

    stderr, _ = _schedule_fails(run_cli, plan, 4)

    assert stderr.startswith("Error: no window can hold a session")
    assert "defaults.windows" in stderr


def test_budget_below_the_shortest_session_exits_4(write_plan: WritePlan, run_cli: Run) -> None:
    """A weekly budget of 15 minutes cannot hold one 30-minute session: exit 4, both named."""
    plan = write_plan(_plan("hours_per_week: 10", "hours_per_week: 0.25"))

    stderr, _ = _schedule_fails(run_cli, plan, 4)

    assert stderr.startswith(
        "Error: the weekly budget of 0.25 h is less than the shortest session (30m)"
    )


def test_start_in_the_plan_that_is_not_a_date_exits_3(write_plan: WritePlan, run_cli: Run) -> None:
    """``start: next week`` is an invalid plan value at ``defaults.start``."""
    plan = write_plan(_plan("defaults:\n", "defaults:\n  start: next week\n"))
    out = plan.parent / "out"

    # No --start here: the plan's own start must be read and refused.
    result = run_cli("schedule", plan, "-o", out)

    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"Error: {plan}:4: defaults.start: ")
    assert "date" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_impossible_date_in_the_plan_exits_3(write_plan: WritePlan, run_cli: Run) -> None:
    """``start: 2027-02-30`` (YAML reads it as a date) exits 3 at its line, not 1."""
    plan = write_plan(_plan("defaults:\n", "defaults:\n  start: 2027-02-30\n"))
    out = plan.parent / "out"

    result = run_cli("schedule", plan, "-o", out)

    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"Error: {plan}:4: ")
    assert not out.exists()


def test_start_on_the_command_line_that_is_not_a_date_is_a_usage_error(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """``--start 2027-13-01`` is refused by click with exit 2 and the expected format."""
    plan = write_plan(PLAN)
    out = plan.parent / "out"

    result = run_cli("schedule", plan, "-o", out, "--start", "2027-13-01")

    assert result.exit_code == 2, result.output
    assert "Invalid value for '--start'" in result.stderr
    assert "'2027-13-01' is not a date; write it as YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_plan_file_that_does_not_exist_exits_3(tmp_path: Path, run_cli: Run) -> None:
    """A missing plan file is a plan problem (exit 3) that names the path, not a usage error."""
    plan = tmp_path / "missing.yaml"

    stderr, _ = _schedule_fails(run_cli, plan, 3)

    assert stderr == f"Error: cannot read {plan}: No such file or directory\n"


def test_work_beyond_the_horizon_exits_4_quickly(write_plan: WritePlan, run_cli: Run) -> None:
    """2000 hours at 10 h a week do not fit in one year: exit 4 in well under a few seconds."""
    plan = write_plan(_plan("hours: 2h", "hours: 2000"))

    began = time.process_time()
    stderr, _ = _schedule_fails(run_cli, plan, 4, "--horizon-years", "1")
    elapsed = time.process_time() - began

    assert "past the 1-year horizon" in stderr
    assert "--horizon-years" in stderr
    assert elapsed < 5, f"took {elapsed:.1f} s"


# --- wiring ---------------------------------------------------------------------------------------


def test_top_level_help_exits_0_and_shows_an_example(run_cli: Run) -> None:
    """``plan2cal --help`` lists the commands and shows an example command line."""
    result = run_cli("--help")

    assert result.exit_code == 0
    for command in cli.commands:
        assert command in result.stdout
    assert "Example" in result.stdout
    assert re.search(r"^\s+plan2cal \w+ ", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_each_command_help_exits_0_and_shows_an_example(run_cli: Run, command: str) -> None:
    """Every command's ``--help`` is its docstring, with an example of that command."""
    result = run_cli(command, "--help")

    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"plan2cal {command}" in result.stdout


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_each_command_is_in_the_readme(command: str) -> None:
    """The README shows every command at least once, as a user would type it."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"plan2cal {command}" in readme


def test_schema_prints_a_json_schema(run_cli: Run) -> None:
    """``plan2cal schema`` prints one JSON document that declares its ``$schema``."""
    result = run_cli("schema")

    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "phases" in schema["properties"]


def test_check_prints_capacity_and_derived_ids_and_writes_nothing(
    write_plan: WritePlan, run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` reports the week's capacity and which ids were derived, and creates no file."""
    plan = write_plan(DEMO_PLAN)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))

    result = run_cli("check", plan, "--start", "2026-12-07")

    assert result.exit_code == 0, result.output
    assert "capacity: 10h a week" in result.stdout
    # Task B is a bare string in DEMO_PLAN: its derived id is listed, with the note on UIDs.
    assert re.search(r"^\s+task-b\b", result.stdout, re.MULTILINE), result.stdout
    assert "id derived from the name: renaming the task changes" in result.stdout
    assert "UIDs" in result.stdout
    assert sorted(tmp_path.rglob("*")) == before


def test_schedule_writes_the_ics_and_prints_the_phase_table(
    write_plan: WritePlan, run_cli: Run, tmp_path: Path
) -> None:
    """``schedule`` writes OUT/<plan>.ics and prints the phase table and a ``Wrote`` line."""
    plan = write_plan(DEMO_PLAN)
    out = tmp_path / "out"

    result = run_cli("schedule", plan, "--start", "2026-12-07", "--today", "2026-11-25", "-o", out)

    assert result.exit_code == 0, result.output
    target = out / "demo.ics"
    assert sorted(out.iterdir()) == [target, out / "demo.state.json"]
    lines = result.stdout.splitlines()
    assert ["Phase", "Start", "End", "Nominal", "end", "Difference", "Hours"] in [
        line.split() for line in lines
    ]
    assert any(line.startswith("Phase One  2026-12-07") for line in lines), result.stdout
    wrote = re.search(
        rf"^Wrote {re.escape(str(target))} \((\d+) sessions, (\d+) milestones: "
        rf"(\d+) new; \d+ KB\)\.$",
        result.stdout,
        re.MULTILINE,
    )
    assert wrote, result.stdout
    sessions, milestones = int(wrote.group(1)), int(wrote.group(2))
    assert milestones == 2
    assert target.read_bytes().count(b"BEGIN:VEVENT") == sessions + milestones
    assert int(wrote.group(3)) == sessions + milestones  # a first run: every event is new


def test_schedule_with_the_same_source_date_epoch_writes_identical_bytes(
    write_plan: WritePlan, run_cli: Run, tmp_path: Path
) -> None:
    """Two runs with the same SOURCE_DATE_EPOCH write byte-identical files stamped with it."""
    plan = write_plan(DEMO_PLAN)

    first = run_cli("schedule", plan, "--start", "2026-12-07", "-o", tmp_path / "one")
    second = run_cli("schedule", plan, "--start", "2026-12-07", "-o", tmp_path / "two")

    assert first.exit_code == second.exit_code == 0
    data = (tmp_path / "one" / "demo.ics").read_bytes()
    assert data == (tmp_path / "two" / "demo.ics").read_bytes()
    # conftest sets SOURCE_DATE_EPOCH=1767225600, 2026-01-01T00:00:00Z.
    assert b"DTSTAMP:20260101T000000Z" in data


def test_python_dash_m_plan2cal_reports_the_version() -> None:
    """``python -m plan2cal --version`` runs the same command line and prints the version."""
    result = subprocess.run(
        [sys.executable, "-m", "plan2cal", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"plan2cal, version {__version__}"


def _explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def test_unexpected_exception_exits_1_with_one_line_and_no_traceback(
    write_plan: WritePlan, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the library gives exit 1 and one ``unexpected`` line on stderr, no traceback."""
    monkeypatch.setattr(plan2cal.cli, "run_schedule", _explode)
    plan = write_plan(PLAN)

    stderr, _ = _schedule_fails(run_cli, plan, 1)

    assert len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("Error: unexpected failure: RuntimeError('boom').")
    assert "--debug" in stderr


def test_unexpected_exception_propagates_with_debug(
    write_plan: WritePlan, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``--debug`` the unexpected exception is raised, so its traceback is shown."""
    monkeypatch.setattr(plan2cal.cli, "run_schedule", _explode)
    plan = write_plan(PLAN)

    with pytest.raises(RuntimeError, match="boom"):
        run_cli("--debug", "schedule", plan, "-o", plan.parent / "out", "--start", "2027-01-04")


def test_plan_error_propagates_with_debug(write_plan: WritePlan, run_cli: Run) -> None:
    """With ``--debug`` a plan error is raised too, instead of being turned into exit 3."""
    plan = write_plan(_plan("hours: 1h", "hours: a while"))

    with pytest.raises(PlanError, match="is not a duration"):
        run_cli("--debug", "schedule", plan, "-o", plan.parent / "out")


def test_status_before_the_start_reports_the_real_day(
    write_plan: WritePlan, run_cli: Run, tmp_path: Path
) -> None:
    """``status`` on a plan that has not started yet says "as of" today, not the start date."""
    plan = write_plan(PLAN)

    result = run_cli(
        "status", plan, "--start", "2027-01-04", "--today", "2026-12-01", "-o", tmp_path / "out"
    )

    assert result.exit_code == 0, result.output
    assert "as of 2026-12-01" in result.stdout
    assert not (tmp_path / "out").exists()  # status writes nothing


def _blocks(end: str, length: str) -> list[str]:
    """The check lines of one block a day, Monday to Thursday evening and Saturday morning."""
    evenings = [f"  {day}  19:00-{end}  ({length})" for day in ("mon", "tue", "wed", "thu")]
    saturday_end = f"{int(end[:2]) - 10:02d}{end[2:]}"
    return [*evenings, f"  sat  09:00-{saturday_end}  ({length})"]


@pytest.mark.parametrize(
    ("hours", "capacity", "blocks", "ends"),
    [
        (5, "5h", _blocks("20:00", "1h"), "takes 6 weeks and ends on 2027-01-20"),
        (7.5, "7h30m", _blocks("20:30", "1h30m"), "takes 4 weeks and ends on 2027-01-04"),
    ],
)
def test_check_lays_out_the_week_and_keeps_the_work_at_budgets_other_than_10_h(
    write_plan: WritePlan,
    run_cli: Run,
    hours: float,
    capacity: str,
    blocks: list[str],
    ends: str,
) -> None:
    """``check --hours-per-week`` shows that budget's blocks; the tasks keep their 10 h efforts."""
    plan = write_plan(DEMO_PLAN)

    result = run_cli("check", plan, "--start", "2026-12-07", "--hours-per-week", hours)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"budget {hours:g} h a week" in lines[1]
    assert lines[2] == (
        f"capacity: {capacity} a week in these blocks (the windows could hold 11h45m):"
    )
    # The budget spread evenly over the five days that have windows, one block each.
    assert lines[3:8] == blocks
    # Tasks B and C share the rest of Phase One's 2 weeks at the plan's own 10 h, whatever
    # budget this run tries: the budget changes the pace, not the work.
    efforts = {line.split()[0]: line.split()[1] for line in lines if line.startswith("  task-")}
    assert efforts == {"task-b*": "5h45m", "task-c*": "11h15m"}
    # 30 h of work; sessions shortened to keep session.min leave a few quarter-hours empty.
    assert any(f"at {hours:g} h a week the work {ends}" in line for line in lines), lines


def test_baseline_as_the_first_command_is_kept_by_the_schedule_and_status_after_it(
    write_plan: WritePlan, run_cli: Run, tmp_path: Path
) -> None:
    """``baseline`` in a fresh folder sets the baseline; a slower first schedule slips from it."""
    plan = write_plan(DEMO_PLAN)
    out = tmp_path / "out"
    state_file = out / "demo.state.json"

    first = run_cli("baseline", plan, "--start", "2026-12-07", "--today", "2026-12-07", "-o", out)

    assert first.exit_code == 0, first.output
    # At the plan's 10 h a week: phase one by 21 Dec, phase two by 28 Dec.
    assert first.stdout.startswith("Baseline set in ")
    assert first.stdout.endswith("demo.state.json: one 2026-12-21, two 2026-12-28.\n")
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".lock") == ["demo.state.json"]
    baseline = json.loads(state_file.read_text(encoding="utf-8"))["baseline"]
    assert baseline["milestones"] == {"one": "2026-12-21", "two": "2026-12-28"}

    # Half the budget: the first calendar ends later, and keeps the baseline set before it.
    scheduled = run_cli("schedule", plan, "--today", "2026-12-07", "--hours-per-week", "5")
    assert scheduled.exit_code == 0, scheduled.output
    ics = (out / "demo.ics").read_text(encoding="utf-8")
    assert re.findall(r"X-PLAN2CAL-BASELINE:(\S+)", ics) == ["2026-12-21", "2026-12-28"]
    assert json.loads(state_file.read_text(encoding="utf-8"))["baseline"] == baseline

    status = run_cli("status", plan, "--today", "2026-12-07")

    assert status.exit_code == 0, status.output
    rows = {
        line.split("  ")[0]: re.split(r"\s{2,}", line.strip())
        for line in status.stdout.splitlines()
        if line.startswith("Phase ")
    }
    assert rows["Phase One"][1:] == [
        "2027-01-04",
        "2027-01-04",
        "+0 d",
        "2026-12-21",
        "+14 d (+2.0 w)",
    ]
    assert rows["Phase Two"][1:] == [
        "2027-01-20",
        "2027-01-20",
        "+0 d",
        "2026-12-28",
        "+23 d (+3.3 w)",
    ]


def test_a_plan_late_on_its_own_weeks_names_the_budget_that_keeps_them(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """23 h in 2 weeks at 10 h a week: the two lines on the phases' weeks and fit's budget."""
    plan = write_plan(_plan("hours: 2h", "hours: 22h"))
    result = run_cli("schedule", plan, "-o", plan.parent / "out", "--start", "2027-01-04")
    assert result.exit_code == 0, result.output
    assert "The phases' own weeks add up to 2 weeks, to 2027-01-18;" in result.stdout
    assert "11 h a week would keep to the phases' weeks (plan2cal fit --by 2027-01-18)" in (
        result.stdout
    )


def test_a_plan_without_weeks_of_its_own_says_nothing_of_them(
    write_plan: WritePlan, run_cli: Run
) -> None:
    """With no phase giving weeks, the nominal dates are the effort's: no line about the
    phases' weeks, and no budget search for them."""
    plan = write_plan(_plan("    weeks: 2\n", "").replace("hours: 2h", "hours: 29h"))
    result = run_cli("schedule", plan, "-o", plan.parent / "out", "--start", "2027-01-04")
    assert result.exit_code == 0, result.output
    assert "own weeks" not in result.stdout
    assert "would keep" not in result.stdout
    assert "The plan ends on" in result.stdout or "ends on" in result.stdout


def test_shell_completion_completes_commands_and_formats() -> None:
    """The completion the README documents (click's _PLAN2CAL_COMPLETE) offers the agenda
    command and the mermaid format."""

    def complete(words: str) -> list[str]:
        result = CliRunner().invoke(
            cli,
            [],
            prog_name="plan2cal",
            env={
                "_PLAN2CAL_COMPLETE": "bash_complete",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - 1),
            },
        )
        assert result.exit_code == 0, result.output
        return result.stdout.split()

    assert complete("plan2cal ag") == ["plain,agenda"]
    assert "plain,mermaid" in complete("plan2cal schedule plan.yaml --format m")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "_PLAN2CAL_COMPLETE=bash_source plan2cal" in readme


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_the_spinner_turns_on_a_terminal_after_its_delay_and_clears_its_line() -> None:
    """On a terminal, a run longer than the delay shows the label and the seconds, redrawn in
    place, and leaves an empty line behind."""
    stream = _Terminal()
    spinner = plan2cal.cli._Spinner("Scheduling big.yaml", stream, delay=0.05, interval=0.01)
    spinner.start()
    time.sleep(0.3)
    spinner.stop()
    text = stream.getvalue()
    assert text.startswith("\r| Scheduling big.yaml … 0 s")
    assert text.count("\r") > 3
    last = text.rsplit("\r", 2)[-2]
    assert last.strip() == "" and text.endswith("\r")


def test_the_spinner_stays_silent_in_a_pipe_and_for_a_quick_run() -> None:
    """Nothing is written to a stream that is not a terminal, nor before the delay."""
    pipe = io.StringIO()
    plan2cal.cli._Spinner("x", pipe, delay=0, interval=0.01).start()
    time.sleep(0.05)
    terminal = _Terminal()
    quick = plan2cal.cli._Spinner("x", terminal, delay=1.0).start()
    quick.stop()
    assert pipe.getvalue() == "" and terminal.getvalue() == ""


def test_status_prints_no_spinner_in_a_pipe(write_plan: Callable[..., Path], run_cli: Run) -> None:
    """The command's output, captured as a pipe would be, holds no carriage return."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    result = run_cli("status", plan, "--start", "2027-01-04", "--today", "2027-01-04")
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "Timeline from 2027-01-04" in result.stdout


def test_status_draws_its_timeline_within_80_columns_in_a_pipe(
    tmp_path: Path, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Captured as a pipe, whatever terminal runs the tests, the timeline of the bundled plan
    at 5 h a week (about 150 weeks) fits 80 columns by taking four weeks a column."""
    monkeypatch.delenv("COLUMNS", raising=False)
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(BUNDLED_PLAN.read_bytes())
    result = run_cli(
        "status", plan, "--start", "2027-01-04", "--today", "2027-01-04", "--hours-per-week", 5
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Timeline from"))
    end = lines.index("", start)
    assert "a column per 4 weeks" in lines[start]
    assert all(len(line) <= 80 for line in lines[start + 1 : end])
