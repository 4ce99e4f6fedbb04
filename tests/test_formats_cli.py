"""``plan2cal schedule --format``: which files each format writes, what the run prints, and that a
failed run writes nothing and a rerun writes the same bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import DEMO_PLAN
from plan2cal.export.formats import FORMATS, TABLE_FORMATS

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

# The files each format writes for plan "demo"; ics brings its state with it.
FILES = {
    "ics": ["demo.ics", "demo.state.json"],
    "jira": ["demo.jira.csv", "demo.jira-config.json"],
    "asana": ["demo.asana.csv"],
    "gcal": ["demo.gcal.csv"],
    "outlook": ["demo.outlook.csv"],
    "todoist": ["demo.todoist.csv"],
    "msproject": ["demo.msproject.xml"],
    "csv": ["demo.tasks.csv"],
    "mermaid": ["demo.mermaid.md"],
    "vdir": ["demo.vdir"],  # a folder: one <uid>.ics per event
    "html": ["demo.html"],  # the report
}
DATES = ("--start", "2026-12-07", "--today", "2026-12-01")


def schedule(run_cli: Run, plan: Path, out: Path, *options: str | Path) -> Result:
    """``plan2cal schedule PLAN -o OUT`` with fixed start and today, and OPTIONS."""
    return run_cli("schedule", plan, "-o", out, *DATES, *options)


def listing(folder: Path) -> list[str]:
    """The names in a folder, sorted."""
    return sorted(path.name for path in folder.iterdir() if path.suffix != ".lock")


def contents(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (the vdir's too) but locks: relative name → bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix != ".lock"
    }


def test_every_format_has_its_expected_files() -> None:
    """The table below covers every format, so a new one must say which files it writes."""
    assert set(FILES) == set(FORMATS)
    assert set(FORMATS) == {"ics", *TABLE_FORMATS, "vdir", "html"}


def test_jira_and_csv_write_only_their_files(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """--format jira --format csv writes the Jira CSV, its config, the tasks CSV and the state
    (for the baseline), no .ics."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out, "--format", "jira", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert listing(out) == sorted(
        ["demo.jira.csv", "demo.jira-config.json", "demo.tasks.csv", "demo.state.json"]
    )
    assert "demo.ics" not in result.stdout


def test_all_writes_every_formats_files_and_the_ics_with_its_state(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """--format all writes each format's files, the .ics and the state, and nothing else."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out, "--format", "all")
    assert result.exit_code == 0, result.output
    assert listing(out) == sorted(name for names in FILES.values() for name in names)
    assert all(data for data in contents(out).values())


def test_default_format_is_the_ics_alone(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Without --format only the .ics and its state are written."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out)
    assert result.exit_code == 0, result.output
    assert listing(out) == FILES["ics"]


def test_each_format_prints_wrote_and_jira_prints_the_date_format(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """One "Wrote …" line per format names its files; the Jira lines give yyyy-MM-dd."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out, "--format", "all")
    assert result.exit_code == 0, result.output
    wrote = [line for line in result.stdout.splitlines() if line.startswith("Wrote ")]
    assert len(wrote) == len(FORMATS)
    for names in FILES.values():
        shown = names[:1] if names == FILES["ics"] else names
        assert any(all(str(out / name) in line for name in shown) for line in wrote), names
    jira = [line for line in result.stdout.splitlines() if line.startswith("  jira: ")]
    assert any("yyyy-MM-dd" in line and "silently" in line for line in jira), jira
    assert any("demo.jira-config.json" in line for line in jira)


def test_unknown_format_is_a_usage_error(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """--format xlsx exits 2, lists the choices and writes nothing."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out, "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format" in result.stderr
    assert "jira" in result.stderr
    assert not out.exists()


def test_failed_run_writes_nothing(tmp_path: Path, write_plan: WritePlan, run_cli: Run) -> None:
    """A --jira-keys file without an Issue key column exits 3 before any file is written."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    keys = tmp_path / "export.csv"
    keys.write_text("Summary,Issue id\r\nTask A,10001\r\n", encoding="utf-8")
    out = tmp_path / "out"
    result = schedule(run_cli, plan, out, "--format", "all", "--jira-keys", keys)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "Issue key" in result.stderr
    assert not out.exists()


def test_rerun_with_the_same_inputs_writes_identical_bytes(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Running --format all twice into the same folder leaves every file byte for byte the same."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    out = tmp_path / "out"
    assert schedule(run_cli, plan, out, "--format", "all").exit_code == 0
    first = contents(out)
    result = schedule(run_cli, plan, out, "--format", "all")
    assert result.exit_code == 0, result.output
    second = contents(out)
    assert list(second) == list(first)
    for name, data in first.items():
        assert second[name] == data, name


def test_runs_into_fresh_folders_write_identical_bytes(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Two first runs into separate folders write the same bytes for every file."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    for folder in ("one", "two"):
        assert schedule(run_cli, plan, tmp_path / folder, "--format", "all").exit_code == 0
    one, two = contents(tmp_path / "one"), contents(tmp_path / "two")
    assert list(one) == list(two)
    for name, data in one.items():
        assert two[name] == data, name
