"""One test per exit code of the README's table (DESIGN §7): each ends in its code with one
``Error:`` message on stderr, and a failed run leaves every file as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

import plan2cal.cli
from conftest import DEMO_PLAN
from plan2cal.locking import hold_locks
from servers import CalDavServer

Run = Callable[..., Result]
WritePlan = Callable[..., Path]
TODAY = "2026-12-01"


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` but lock files (relative name → bytes)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix != ".lock"
    }


@pytest.fixture
def plan(write_plan: WritePlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo plan, scheduled once, in a working folder of its own."""
    monkeypatch.chdir(tmp_path)
    return write_plan(DEMO_PLAN)


def fails(run_cli: Run, code: int, *args: object) -> str:
    """Run a command that must fail with ``code`` and one Error message; return stderr."""
    result = run_cli(*args)
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def test_0_done(plan: Path, run_cli: Run) -> None:
    """A run that works exits 0."""
    assert run_cli("schedule", plan, "--today", TODAY).exit_code == 0


def test_1_unexpected_failure(plan: Path, run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug exits 1 and asks for --debug and a report."""

    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(plan2cal.cli, "run_schedule", bug)
    assert "rerun with --debug" in fails(run_cli, 1, "schedule", plan, "--today", TODAY).lower()


def test_2_usage(plan: Path, run_cli: Run) -> None:
    """A bad option value exits 2 with click's usage message, naming the option."""
    result = run_cli("schedule", plan, "--today", TODAY, "--hours-per-week", "nan")
    assert result.exit_code == 2, result.output
    assert "Error: Invalid value for '--hours-per-week': the weekly budget must be a finite" in (
        result.stderr
    )
    assert not Path("out").exists()


def test_2_usage_nothing_to_undo(plan: Path, run_cli: Run) -> None:
    """Undo with nothing recorded is a usage error, not a damaged file."""
    assert "nothing to undo" in fails(run_cli, 2, "undo", plan, "a", "--today", TODAY)


def test_3_invalid_plan(write_plan: WritePlan, run_cli: Run, tmp_path: Path) -> None:
    """An invalid plan exits 3 naming file, line and field."""
    plan = write_plan(DEMO_PLAN.replace("hours: 3", "hours: lots"))
    stderr = fails(run_cli, 3, "schedule", plan, "--today", TODAY)
    assert f"{plan}:14: phases[0].tasks[0].hours: 'lots' is not a duration" in stderr


def test_4_unschedulable(write_plan: WritePlan, run_cli: Run) -> None:
    """A dependency cycle exits 4 and names it."""
    plan = write_plan(
        DEMO_PLAN.replace("        hours: 3\n", "        hours: 3\n        after: [x]\n")
    )
    stderr = fails(run_cli, 4, "schedule", plan, "--today", TODAY)
    assert "cycle" in stderr


def test_4_strict_and_a_missed_deadline(write_plan: WritePlan, run_cli: Run) -> None:
    """--strict exits 4 when a deadline is missed, naming it; without it the same run exits 0
    and prints the miss."""
    plan = write_plan(
        DEMO_PLAN.replace("        hours: 3\n", "        hours: 3\n        deadline: 2026-12-07\n")
    )
    stderr = fails(run_cli, 4, "schedule", plan, "--today", TODAY, "--strict")
    assert "misses 1 date ('a' due " in stderr
    result = run_cli("schedule", plan, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "MISSED: the schedule misses 1 date" in result.stdout


def test_5_damaged_state(plan: Path, run_cli: Run) -> None:
    """A damaged state file exits 5 and is left as it is, with every other file."""
    assert run_cli("schedule", plan, "--today", TODAY).exit_code == 0
    state = Path("out/demo.state.json")
    state.write_text("{not json", encoding="utf-8")
    before = files_under(plan.parent)

    assert "the state file is damaged" in fails(run_cli, 5, "schedule", plan, "--today", TODAY)
    assert files_under(plan.parent) == before


def test_6_output_cannot_be_written(plan: Path, run_cli: Run) -> None:
    """A folder in the place of one output exits 6 naming it; no other file changes."""
    assert run_cli("schedule", plan, "--today", TODAY).exit_code == 0
    Path("out/demo.tasks.csv").mkdir()
    before = files_under(plan.parent)

    stderr = fails(run_cli, 6, "schedule", plan, "--today", "2026-12-20", "--format", "all")

    assert "out/demo.tasks.csv" in stderr and "folder is in the way" in stderr
    assert files_under(plan.parent) == before


def test_6_another_run_holds_the_lock(plan: Path, run_cli: Run) -> None:
    """A second run waits, says so, and after --wait seconds exits 6 naming the lock."""
    progress = plan.with_name("plan.progress.yaml")
    with hold_locks([progress], timeout=1):
        result = run_cli("log", plan, "a", "1h", "--today", TODAY, "--wait", "1.5")

    assert result.exit_code == 6, result.output
    assert "Waiting for another plan2cal run" in result.stderr
    assert "plan.progress.yaml" in result.stderr.splitlines()[-1]
    assert not progress.exists()


def test_7_a_calendar_server_refused(
    plan: Path,
    run_cli: Run,
    radicale_server: CalDavServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A calendar server's refusal (a wrong password here) exits 7 naming its answer, before
    any file is written."""
    url = radicale_server.new_calendar("exit-code-7")
    monkeypatch.setenv("PLAN2CAL_PASSWORD", "not the password")
    monkeypatch.setenv("HOME", str(plan.parent))
    before = files_under(plan.parent)

    stderr = fails(run_cli, 7, "push", plan, "--today", TODAY, "--url", url, "--user", "alice")

    assert "(401 Unauthorized" in stderr and "not the password" not in stderr
    assert files_under(plan.parent) == before
