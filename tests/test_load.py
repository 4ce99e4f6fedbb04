"""load_plan: YAML, TOML and JSON into a Plan, with ``file:line: field: message`` in every error."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from plan2cal.errors import PlanError
from plan2cal.load import load_plan, read_document

DATA = Path(__file__).resolve().parent / "data"

# A small valid plan; each test changes one line of it. Line numbers are 1-based:
#   1 plan, 2 title, 3 defaults, 4 timezone, 5 phases, 6 - id, 7 name, 8 weeks, 9 tasks,
#   10 - id: a, 11 name, 12 hours, 13 - id: b, 14 name, 15 hours
PLAN = """\
plan: demo
title: Demo
defaults:
  timezone: Europe/Berlin
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


def _error(path: Path) -> str:
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return str(caught.value)


def _insert_after(line: str, new: str) -> str:
    assert line in PLAN, line
    return PLAN.replace(line, line + new)


def _line_of(message: str, path: Path) -> int:
    match = re.search(rf"{re.escape(str(path))}:(\d+):", message)
    assert match, f"no {path}:LINE: in {message!r}"
    return int(match.group(1))


# --- the three formats --------------------------------------------------------------------------


def test_yaml_toml_and_json_with_the_same_content_load_to_equal_plans() -> None:
    """The same roadmap written in YAML, TOML and JSON gives three equal Plan objects."""
    from_yaml = load_plan(DATA / "load_same.yaml")
    from_toml = load_plan(DATA / "load_same.toml")
    from_json = load_plan(DATA / "load_same.json")

    assert from_toml == from_yaml
    assert from_json == from_yaml
    # Equal, and not trivially so: the files exercise dates, durations, lists and bare strings.
    assert from_yaml.defaults.start == dt.date(2027, 1, 4)
    assert from_yaml.defaults.session.longest == 120
    assert [task.key for _, task in from_yaml.task_list()] == [
        "read-the-book",
        "course",
        "project",
        "write-up",
    ]
    assert from_yaml.phases[1].tasks[1].deadline == dt.date(2027, 3, 1)
    assert from_yaml.milestones[0].date == dt.date(2027, 6, 15)


# --- line numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "        hours: 1h\n",
            "        hours: soon\n",
            "plan.yaml:15: phases[0].tasks[1].hours: 'soon' is not a duration; "
            "write 90m, 1h30m, 2h or a number of hours",
        ),
        (
            "        name: Task A\n",
            "        name: Task A\n        hous: 3\n",
            "plan.yaml:12: phases[0].tasks[0].hous: unknown field 'hous'; did you mean 'hours'?",
        ),
        (
            "  timezone: Europe/Berlin\n",
            "  timezone: Europe/Berlni\n",
            "plan.yaml:4: defaults.timezone: unknown time zone 'Europe/Berlni'; use an IANA "
            "name such as Europe/Berlin or America/New_York; did you mean 'Europe/Berlin'?",
        ),
        (
            "      - id: b\n",
            "      - id: a\n",
            "plan.yaml:13: phases[0].tasks[1].id: duplicate id 'a' (already used by "
            "phases[0].tasks[0].id); task ids must be unique across phases and tasks",
        ),
        (
            "    weeks: 2\n",
            "    weeks: -2\n",
            "plan.yaml:8: phases[0].weeks: must be greater than 0",
        ),
        (
            "title: Demo\n",
            "",
            "plan.yaml:1: title: this field is required",
        ),
    ],
    ids=["bad-duration", "unknown-key", "unknown-zone", "duplicate-id", "bad-weeks", "missing"],
)
def test_yaml_error_names_the_exact_file_line_and_field(
    write_plan: Callable[..., Path], old: str, new: str, expected: str
) -> None:
    """A YAML plan error reads exactly ``file:line: field: message`` with the offending line."""
    assert old in PLAN
    path = write_plan(PLAN.replace(old, new))

    assert _error(path) == f"{path.parent}/{expected}"


def test_yaml_errors_in_several_fields_are_listed_each_with_its_line(
    write_plan: Callable[..., Path],
) -> None:
    """Two problems in one YAML file are both reported, each on its own ``file:line:`` row."""
    path = write_plan(PLAN.replace("hours: 2h", "hours: x").replace("weeks: 2", "weeks: zero"))

    message = _error(path)

    assert message.startswith("the plan is not valid:\n")
    assert f"  {path}:8: phases[0].weeks: " in message
    assert f"  {path}:12: phases[0].tasks[0].hours: 'x' is not a duration" in message


def test_yaml_syntax_error_names_its_line(write_plan: Callable[..., Path]) -> None:
    """Malformed YAML is a PlanError at the line where the parser stopped."""
    path = write_plan(PLAN.replace("name: Task A", "name: Task: A"))

    assert _error(path).startswith(f"{path}:11: YAML syntax error: ")


TOML_PLAN = """\
plan = "demo"
title = "Demo"

[defaults]
timezone = "Europe/Berlin"
session = { max = "2h", min = "20m" }

[[phases]]
id = "one"
name = "Phase One"
weeks = 2
tasks = ["Task A"]

[[phases]]
id = "two"
name = "Phase Two"

[[phases.tasks]]
id = "c"
name = "Task C"
hours = 6

[[phases.tasks]]
id = "d"
name = "Task D"
hours = "lots"
"""


def test_toml_error_names_roughly_the_right_line(write_plan: Callable[..., Path]) -> None:
    """In TOML a bad value in the second array-of-tables entry is reported at its key's line."""
    path = write_plan(TOML_PLAN.replace('"20m"', '"30m"'), name="plan.toml")

    message = _error(path)

    assert "phases[1].tasks[1].hours: 'lots' is not a duration" in message
    assert abs(_line_of(message, path) - 26) <= 1


def test_toml_error_inside_an_inline_table_names_the_line_of_its_key(
    write_plan: Callable[..., Path],
) -> None:
    """A problem inside a TOML inline table is reported at the line that holds the table."""
    path = write_plan(TOML_PLAN.replace('"lots"', '"1h"'), name="plan.toml")

    message = _error(path)

    assert "defaults.session: session min must be a multiple of 15 minutes" in message
    assert abs(_line_of(message, path) - 6) <= 1


def test_toml_syntax_error_names_its_line(write_plan: Callable[..., Path]) -> None:
    """Malformed TOML is a PlanError at the line tomllib complains about."""
    path = write_plan(TOML_PLAN.replace('id = "c"', 'id = "c'), name="plan.toml")

    message = _error(path)

    assert "TOML syntax error" in message
    assert abs(_line_of(message, path) - 19) <= 1


JSON_PLAN = """\
{
  "plan": "demo",
  "title": "Demo",
  "phases": [
    {
      "id": "one",
      "name": "Phase One",
      "tasks": [
        {
          "id": "a",
          "name": "Task A",
          "hours": "lots"
        }
      ]
    }
  ]
}
"""


def test_json_error_names_roughly_the_right_line(write_plan: Callable[..., Path]) -> None:
    """A bad value in a JSON plan is reported at (about) the line that holds it."""
    path = write_plan(JSON_PLAN, name="plan.json")

    message = _error(path)

    assert "phases[0].tasks[0].hours: 'lots' is not a duration" in message
    assert abs(_line_of(message, path) - 12) <= 1


def test_tab_indented_json_error_still_names_a_line(write_plan: Callable[..., Path]) -> None:
    """JSON indented with tabs (as many editors write it) still gets line numbers in errors."""
    path = write_plan(JSON_PLAN.replace("  ", "\t"), name="plan.json")

    message = _error(path)

    assert "phases[0].tasks[0].hours: 'lots' is not a duration" in message
    assert abs(_line_of(message, path) - 12) <= 1


def test_json_syntax_error_names_its_line(write_plan: Callable[..., Path]) -> None:
    """Malformed JSON is a PlanError at the line json.loads stopped on."""
    path = write_plan(JSON_PLAN.replace('"Task A",', '"Task A"'), name="plan.json")

    message = _error(path)

    assert "JSON syntax error" in message
    assert abs(_line_of(message, path) - 12) <= 1


def _json_plan(phases: int, tasks: int) -> dict[str, object]:
    return {
        "plan": "big",
        "title": "Big",
        "phases": [
            {
                "id": f"p{p}",
                "name": f"Phase {p}",
                "tasks": [{"id": f"t{p}-{t}", "name": "T", "hours": 2} for t in range(tasks)],
            }
            for p in range(phases)
        ],
    }


def test_json_error_deep_in_a_large_plan_names_its_exact_line(tmp_path: Path) -> None:
    """The last task of a 2,000-task indented JSON plan is reported at its own line."""
    data = _json_plan(100, 20)
    data["phases"][-1]["tasks"][-1]["hours"] = "lots"  # type: ignore[index]
    text = json.dumps(data, indent=2)
    path = tmp_path / "big.json"
    path.write_text(text)
    line = text[: text.index('"lots"')].count("\n") + 1

    assert _error(path) == (
        f"{path}:{line}: phases[99].tasks[19].hours: 'lots' is not a duration; "
        "write 90m, 1h30m, 2h or a number of hours"
    )


def test_json_line_lookup_for_named_fields_steps_over_the_rest(tmp_path: Path) -> None:
    """Asked for one field, the JSON line map holds what encloses it and nothing inside the rest."""
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_json_plan(3, 5), indent=2))
    _, lines = read_document(path)
    wanted = ("phases", 1, "tasks", 2, "hours")

    some = lines([wanted])

    assert wanted in some
    assert ("phases", 0) in some  # stepped over, with its own line kept
    assert ("phases", 0, "tasks", 2, "hours") not in some
    assert some[wanted] == lines()[wanted]


def test_duplicate_yaml_key_is_an_error_naming_its_line(write_plan: Callable[..., Path]) -> None:
    """A key written twice in one YAML mapping is refused at the second occurrence."""
    path = write_plan(_insert_after("        hours: 1h\n", "        name: Again\n"))

    assert _error(path) == (f"{path}:16: phases[0].tasks[1].name: this key appears twice; keep one")


# --- tasks and durations --------------------------------------------------------------------------


def test_bare_string_task_becomes_a_task_with_that_name_and_a_derived_id(
    write_plan: Callable[..., Path],
) -> None:
    """``- Shadow a project manager`` is a task named so, with no id of its own and a slug key."""
    bare = "      - Shadow a Project Manager!\n"
    path = write_plan(PLAN.replace("      - id: b\n", bare + "      - id: b\n"))

    task = load_plan(path).phases[0].tasks[1]

    assert task.name == "Shadow a Project Manager!"
    assert task.id is None
    assert task.key == "shadow-a-project-manager"
    assert task.hours is None


@pytest.mark.parametrize(
    ("written", "minutes"),
    [("90m", 90), ("1h30m", 90), ("2h", 120), ("1.5", 90), ("6", 360)],
)
def test_durations_read_as_minutes(
    write_plan: Callable[..., Path], written: str, minutes: int
) -> None:
    """``90m``, ``1h30m``, ``2h`` and plain numbers of hours all read as whole minutes."""
    path = write_plan(PLAN.replace("hours: 2h", f"hours: {written}"))

    assert load_plan(path).phases[0].tasks[0].hours == minutes


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("abc", "'abc' is not a duration; write 90m, 1h30m, 2h or a number of hours"),
        ("0", "'0' must be longer than zero"),
        ("-1h", "'-1h' is not a duration; write 90m, 1h30m, 2h or a number of hours"),
        ("true", "expected a duration such as 90m, 1h30m, 2h or a number of hours"),
    ],
)
def test_bad_duration_fails_with_a_clear_message(
    write_plan: Callable[..., Path], written: str, problem: str
) -> None:
    """Text, zero, negative and boolean durations are refused with the field and a fix."""
    path = write_plan(PLAN.replace("hours: 2h", f"hours: {written}"))

    assert _error(path) == f"{path}:12: phases[0].tasks[0].hours: {problem}"


@pytest.mark.parametrize("written", [".inf", "inf", "1e400"])
def test_infinite_duration_is_a_plan_error_not_a_crash(
    write_plan: Callable[..., Path], written: str
) -> None:
    """An infinite number of hours is refused as a bad duration, not an OverflowError."""
    path = write_plan(PLAN.replace("hours: 2h", f"hours: {written}"))

    message = _error(path)

    assert message.startswith(f"{path}:12: phases[0].tasks[0].hours: ")


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2027-13-01", "2027-02-30"])
def test_impossible_yaml_date_is_a_plan_error_naming_its_line(
    write_plan: Callable[..., Path], date: str
) -> None:
    """A date YAML reads as a timestamp but that does not exist is a PlanError with its line."""
    path = write_plan(PLAN.replace("  timezone: Europe/Berlin\n", f"  start: {date}\n"))

    message = _error(path)

    assert message.startswith(f"{path}:4: ")
    assert date in message


# --- encodings and shapes -------------------------------------------------------------------------


def test_utf8_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """A plan saved with a UTF-8 BOM (as Windows editors do) loads like one without."""
    with_bom = tmp_path / "bom.yaml"
    with_bom.write_bytes(codecs.BOM_UTF8 + PLAN.replace("Demo", "Démo").encode())
    without = tmp_path / "plain.yaml"
    without.write_bytes(PLAN.replace("Demo", "Démo").encode())

    plan = load_plan(with_bom)

    assert plan == load_plan(without)
    assert plan.plan == "demo"
    assert plan.title == "Démo"


def test_non_utf8_file_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """A Latin-1 file is refused with the line of its first byte that is not UTF-8."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(PLAN.replace("Phase One", "Phase Ünë").encode("latin-1"))

    assert _error(path) == f"{path}:7: the file is not UTF-8 text"


def test_non_utf8_byte_after_a_bom_is_reported_on_its_own_line(tmp_path: Path) -> None:
    """With a BOM in front, the bad byte's line is still counted from the start of the file."""
    path = tmp_path / "bom-latin1.yaml"
    path.write_bytes(codecs.BOM_UTF8 + b"plan: demo\n\xe9title: Demo\n")

    assert _error(path) == f"{path}:2: the file is not UTF-8 text"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_an_error(write_plan: Callable[..., Path], text: str) -> None:
    """A file with nothing but blanks or comments is refused as empty."""
    path = write_plan(text)

    assert _error(path) == f"{path}: the file is empty"


def test_top_level_list_is_an_error(write_plan: Callable[..., Path]) -> None:
    """A file whose top level is a list, not a mapping, is refused and says what is expected."""
    path = write_plan("- plan: demo\n- title: Demo\n")

    assert _error(path) == (
        f"{path}: the plan must be a mapping with plan, title and phases at the top"
    )


def test_missing_file_is_a_plan_error(tmp_path: Path) -> None:
    """A path that does not exist is a PlanError that names it."""
    path = tmp_path / "nowhere.yaml"

    message = _error(path)

    assert message.startswith(f"cannot read {path}")
