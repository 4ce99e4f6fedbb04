"""``plan2cal init`` on the command line: what it writes, what it refuses, the questions, and
that the plan it writes schedules at once."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from plan2cal.cli import cli
from plan2cal.progress import load_progress

DATA = Path(__file__).resolve().parent / "data" / "init"
EXAMPLE_GUIDE = DATA / "ai-pm-transition-guide.txt"

Run = Callable[..., Result]

MARKDOWN = textwrap.dedent(
    """\
    # Spanish B1

    ## Grammar (4 weeks)
    - [x] Present tense drills (6h) (done 2027-01-05)
    - [x] Ser and estar
    - [ ] Past tenses (10h) after: present-tense-drills

    ## Conversation (2 months)
    - [ ] Weekly tandem calls
    """
)


def test_example_guide_writes_a_plan_that_schedules(run_cli: Run, tmp_path: Path) -> None:
    """The example guide becomes a plan; init prints the next command, and schedule with no
    flags runs on it."""
    plan = tmp_path / "new" / "plan.yaml"
    result = run_cli("init", "--from", EXAMPLE_GUIDE, "-o", plan)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(f"Next: plan2cal schedule {plan}")
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    count = sum(len(phase["tasks"]) for phase in data["phases"])
    assert f"{len(data['phases'])} phases, {count} tasks" in result.stdout
    # Habits have their every: and so no estimate to fill in; the other tasks each have one.
    habits = sum(1 for phase in data["phases"] for task in phase["tasks"] if "every" in task)
    assert habits == 4
    assert f"{count - habits} tasks have no estimate" in result.stdout
    assert plan.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=plan2cal.schema.json\n"
    )
    scheduled = run_cli("schedule", plan, "-o", tmp_path / "out")
    assert scheduled.exit_code == 0, scheduled.output
    assert "MISSED" not in scheduled.stdout
    assert (tmp_path / "out").is_dir()


def test_existing_plan_is_kept_without_force(run_cli: Run, tmp_path: Path) -> None:
    """An existing plan is not overwritten (exit 6, file unchanged); --force replaces it."""
    plan = tmp_path / "plan.yaml"
    plan.write_text("mine\n", encoding="utf-8")
    refused = run_cli("init", "--from", EXAMPLE_GUIDE, "-o", plan)
    assert refused.exit_code == 6
    assert "exists already; pass --force" in refused.stderr
    assert plan.read_text(encoding="utf-8") == "mine\n"
    forced = run_cli("init", "--from", EXAMPLE_GUIDE, "-o", plan, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Foundation Building" in plan.read_text(encoding="utf-8")


def test_markdown_checked_boxes_are_done_and_status_shows_them(
    run_cli: Run, tmp_path: Path
) -> None:
    """Checked boxes go into the progress file as done (on their date, or on --today), and
    ``status`` lists them as done."""
    source = tmp_path / "spanish.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    plan = tmp_path / "spanish.yaml"
    result = run_cli("init", "--from", source, "-o", plan, "--today", "2027-01-20")
    assert result.exit_code == 0, result.output
    assert "Recorded 2 tasks as done" in result.stdout
    progress = load_progress(tmp_path / "spanish.progress.yaml")
    assert {key: task.done for key, task in progress.tasks.items()} == {
        "present-tense-drills": dt.date(2027, 1, 5),
        "ser-and-estar": dt.date(2027, 1, 20),
    }
    status = run_cli("status", plan, "--today", "2027-01-20", "--start", "2027-01-04")
    assert status.exit_code == 0, status.output
    assert "present-tense-drills  done on 2027-01-05" in status.stdout
    assert "ser-and-estar" in status.stdout and "done on 2027-01-20" in status.stdout
    assert "2/3 tasks" in status.stdout


def test_existing_progress_keeps_its_entries(run_cli: Run, tmp_path: Path) -> None:
    """A progress file already beside the plan keeps what it holds; done tasks are added."""
    source = tmp_path / "spanish.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    progress = tmp_path / "plan.progress.yaml"
    progress.write_text("tasks:\n  past-tenses:\n    note: started early\n", encoding="utf-8")
    result = run_cli(
        "init", "--from", source, "-o", tmp_path / "plan.yaml", "--today", "2027-01-20"
    )
    assert result.exit_code == 0, result.output
    tasks = load_progress(progress).tasks
    assert tasks["past-tenses"].note == "started early"
    assert tasks["present-tense-drills"].done is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "not text"),
        (b"Dear diary,\nToday was fine.\n", "no phase found"),
    ],
    ids=["empty", "binary", "prose"],
)
def test_bad_source_exits_3_and_writes_nothing(
    run_cli: Run, tmp_path: Path, content: bytes, message: str
) -> None:
    """A source that is no roadmap exits 3 with one message saying what was expected."""
    source = tmp_path / "source.txt"
    source.write_bytes(content)
    plan = tmp_path / "plan.yaml"
    result = run_cli("init", "--from", source, "-o", plan)
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr and "expected a roadmap guide" in result.stderr
    assert "Traceback" not in result.output
    assert not plan.exists()


def test_missing_source_exits_3(run_cli: Run, tmp_path: Path) -> None:
    """A source that does not exist is an input error naming the path."""
    result = run_cli("init", "--from", tmp_path / "nope.txt", "-o", tmp_path / "plan.yaml")
    assert result.exit_code == 3
    assert "nope.txt" in result.stderr


def test_plan_may_not_replace_its_source(run_cli: Run, tmp_path: Path) -> None:
    """Writing the plan over its own source is a usage error, even with --force."""
    source = tmp_path / "plan.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    result = run_cli("init", "--from", source, "-o", source, "--force")
    assert result.exit_code == 2
    assert source.read_text(encoding="utf-8") == MARKDOWN


def test_default_output_is_the_source_stem_here(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without -o the plan is ``<source stem>.yaml`` in the current folder."""
    source = tmp_path / "in" / "spanish.md"
    source.parent.mkdir()
    source.write_text(MARKDOWN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("init", "--from", source, "--today", "2027-01-20")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spanish.yaml").is_file()
    assert "Next: plan2cal schedule spanish.yaml" in result.stdout


def test_questions_fill_the_starter_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --ask, each answer lands in the plan; a wrong answer is asked again."""
    monkeypatch.setattr("tzlocal.get_localzone_name", lambda: "Asia/Tokyo")
    plan = tmp_path / "plan.yaml"
    answers = "Learn piano\n2027-03-01\nmany\n6\n20:00-21:30\nnone\n\n"
    result = CliRunner().invoke(cli, ["init", "--ask", "-o", str(plan)], input=answers)
    assert result.exit_code == 0, result.output
    assert "'many' is not a number of hours" in result.output
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    assert data["title"] == "Learn piano"
    assert data["plan"] == "learn-piano"
    assert data["defaults"] == {
        "start": dt.date(2027, 3, 1),
        "hours_per_week": 6,
        "timezone": "Asia/Tokyo",  # the default answer, from tzlocal
        "windows": {"mon-fri": "20:00-21:30"},
    }
    assert len(data["phases"]) == 1


def test_no_terminal_takes_the_defaults_with_a_note(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a terminal (and without --ask) the defaults are taken and a note says so; the
    plan schedules at once."""
    monkeypatch.setattr("tzlocal.get_localzone_name", lambda: "Europe/Lisbon")
    plan = tmp_path / "plan.yaml"
    result = run_cli("init", "-o", plan, "--today", "2027-01-06")
    assert result.exit_code == 0, result.output
    assert "not a terminal, so the defaults were taken" in result.stderr
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    assert data["defaults"]["timezone"] == "Europe/Lisbon"
    assert data["defaults"]["start"] == dt.date(2027, 1, 11)  # next Monday
    scheduled = run_cli("schedule", plan, "-o", tmp_path / "out")
    assert scheduled.exit_code == 0, scheduled.output


def test_no_window_at_all_is_refused(tmp_path: Path) -> None:
    """Answering 'none' to both windows is a usage error: there would be no time to work in."""
    plan = tmp_path / "plan.yaml"
    answers = "P\n2027-03-01\n5\nnone\nnone\nUTC\n"
    result = CliRunner().invoke(cli, ["init", "--ask", "-o", str(plan)], input=answers)
    assert result.exit_code == 2
    assert "no time to work in" in result.output
    assert not plan.exists()


@pytest.mark.parametrize("source", ["guide", "markdown", "questions"])
def test_written_plans_validate_against_the_json_schema(
    run_cli: Run, tmp_path: Path, source: str
) -> None:
    """An independent validator accepts each kind of written plan against ``plan2cal schema``."""
    jsonschema = pytest.importorskip("jsonschema")
    plan = tmp_path / "plan.yaml"
    args: list[object] = ["init", "-o", plan, "--today", "2027-01-20"]
    if source == "guide":
        args += ["--from", EXAMPLE_GUIDE]
    elif source == "markdown":
        (tmp_path / "s.md").write_text(MARKDOWN, encoding="utf-8")
        args += ["--from", tmp_path / "s.md"]
    assert run_cli(*args).exit_code == 0
    schema = json.loads(run_cli("schema").stdout)
    data = json.loads(json.dumps(yaml.safe_load(plan.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(data, schema)


@pytest.mark.parametrize("name", ["plan.yaml", "plan.txt"])
def test_a_plan_file_is_no_source(run_cli: Run, tmp_path: Path, name: str) -> None:
    """A plan file given to --from (by its suffix, or by its plan: and phases: keys) exits 3
    pointing at check and schedule, rather than being read as Markdown."""
    source = tmp_path / name
    source.write_text("# my plan\nplan: p\ntitle: P\nphases:\n  - name: A\n", encoding="utf-8")
    result = run_cli("init", "--from", source, "-o", tmp_path / "new.yaml")
    assert result.exit_code == 3
    assert "is a plan file already" in result.stderr
    assert f"plan2cal check {source}" in result.stderr
    assert not (tmp_path / "new.yaml").exists()
