"""Hostile plan files: each ends in one PlanError naming ``file:line: field``, never a crash.

One test per kind of input that once crashed, hung or exhausted the machine (DESIGN §8, issue 7),
then a Hypothesis property that mutates real plans byte by byte and token by token.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plan2cal.load
import plan2cal.model
from conftest import BUNDLED_PLAN, ROOT
from plan2cal.errors import PlanError, ProgressError
from plan2cal.load import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, load_plan, read_document
from plan2cal.model import Plan
from plan2cal.progress import load_progress

# The same small plan as test_load.py. Lines: 1 plan, 2 title, 3 defaults, 4 timezone, 5 phases,
# 6 - id, 7 name, 8 weeks, 9 tasks, 10 - id: a, 11 name, 12 hours, 13 - id: b, 14 name, 15 hours
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


def _write(tmp_path: Path, content: str | bytes, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _edit(old: str, new: str) -> str:
    assert old in PLAN, old
    return PLAN.replace(old, new)


def _error(path: Path, **options: object) -> str:
    with pytest.raises(PlanError) as caught:
        load_plan(path, **options)  # type: ignore[arg-type]
    return str(caught.value)


# --- YAML aliases -------------------------------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\nplan: demo\n"


def test_alias_bomb_is_refused_at_its_first_anchor_before_any_expansion(tmp_path: Path) -> None:
    """The 9-level "billion laughs" ends at line 1, where the first anchor is, in well under 1 s."""
    path = _write(tmp_path, _alias_bomb(9))
    assert len(path.read_bytes()) < 600

    began = time.monotonic()
    message = _error(path)

    # Line 1 is the first anchor: the error comes before a single alias has been read.
    assert message == (
        f"{path}:1: a0: YAML anchors and aliases (&a0, *a0) are not supported; "
        "write the value out in full"
    )
    assert time.monotonic() - began < 1


@pytest.mark.parametrize("text", ["plan: &x [*x]\n", "plan: &x {a: *x}\ntitle: t\n"])
def test_recursive_alias_is_refused_at_its_anchor(tmp_path: Path, text: str) -> None:
    """An alias inside its own anchor is refused at the anchor, not followed into a loop."""
    path = _write(tmp_path, text)

    assert _error(path) == (
        f"{path}:1: plan: YAML anchors and aliases (&x, *x) are not supported; "
        "write the value out in full"
    )


def test_alias_without_an_anchor_and_a_merge_key_are_refused(tmp_path: Path) -> None:
    """``*z`` with no ``&z``, and ``<<:`` even with a literal mapping, name their line."""
    alias = _write(tmp_path, _edit("title: Demo\n", "title: *z\n"), "alias.yaml")
    merge = _write(tmp_path, PLAN + "x:\n  <<: {a: 1}\n", "merge.yaml")

    assert _error(alias) == (
        f"{alias}:2: title: YAML anchors and aliases (&z, *z) are not supported; "
        "write the value out in full"
    )
    assert _error(merge) == (
        f"{merge}:17: x.<<: YAML merge keys (<<) are not supported; write the keys out in full"
    )


def test_alias_bomb_in_a_progress_file_is_a_progress_error(tmp_path: Path) -> None:
    """The progress file is read under the same limits, and fails with its own exit code 5."""
    path = _write(tmp_path, _alias_bomb(9), "plan.progress.yaml")

    began = time.monotonic()
    with pytest.raises(ProgressError, match=rf"^{re.escape(str(path))}:1: a0: YAML anchors"):
        load_progress(path)
    assert time.monotonic() - began < 1


# --- nesting --------------------------------------------------------------------------------------

DEEP = 20_000
TOO_DEEP = "nested more than 32 levels deep; a plan needs no more than 7"
# The location of the first list past the limit: its 32 enclosing containers' keys and indexes.
IN_LISTS = "plan" + "[0]" * (MAX_DEPTH - 1)
IN_MAPPINGS = "plan" + ".a" * (MAX_DEPTH - 1)
BLOCK = "plan:\n" + "".join("  " * i + "-\n" for i in range(1, 40))
OBJECTS = '{"plan":\n' + '{"a":' * DEEP + "1" + "}" * DEEP + "}"


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        # libyaml stops a 20,000-deep flow at its own limit, before the reader sees a field.
        ("flow.yaml", "plan: " + "[" * DEEP + "]" * DEEP + "\n", "1: "),
        (
            "block.yaml",
            "plan:\n" + "".join("  " * i + "-\n" for i in range(1, 40)),
            f"33: {IN_LISTS}: ",
        ),
        ("array.json", '{"plan": ' + "[" * DEEP + "]" * DEEP + "}", f"1: {IN_LISTS}: "),
        (
            "object.json",
            '{"plan":\n' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
            f"2: {IN_MAPPINGS}: ",
        ),
        ("shallow.json", '{"plan": ' + "[" * 40 + "]" * 40 + "}", f"1: {IN_LISTS}: "),
        ("array.toml", "plan = " + "[" * DEEP + "]" * DEEP + "\n", "1: "),
        ("table.toml", "plan = " + "{a=" * DEEP + "1" + "}" * DEEP + "\n", "1: "),
        ("shallow.toml", "plan = " + "[" * 40 + "]" * 40 + "\n", f"1: {IN_LISTS}: "),
        ("dotted.toml", "plan." + ".".join(["a"] * 40) + " = 1\n", f"1: {IN_MAPPINGS}: "),
    ],
)
def test_nesting_deeper_than_the_limit_is_refused_with_its_line(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    """Past MAX_DEPTH, in YAML, JSON or TOML, is a PlanError at the line, not a RecursionError."""
    path = _write(tmp_path, text, name)

    began = time.monotonic()
    message = _error(path)

    if name == "flow.yaml":  # PyYAML's own parser gets as far as the reader: it names the field
        message = message.replace(f"{IN_LISTS}: ", "")
    assert message == f"{path}:{where}{TOO_DEEP}"
    assert time.monotonic() - began < 3


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_at_the_limit_is_read(tmp_path: Path, suffix: str) -> None:
    """Exactly MAX_DEPTH levels of lists are read; the limit refuses only what passes it."""
    path = _write(tmp_path, '{"x": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}", "d")
    path = path.rename(path.with_suffix(suffix))

    data, _ = read_document(path)

    assert isinstance(data, dict)


# --- bytes, encodings and sizes -------------------------------------------------------------------


TEXT = "a plan file is text"


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("plan.yaml", _edit("Task A", "Task\0A"), 11),
        ("plan.json", '{"plan": "demo",\n "title": "x\0"}', 2),
        ("plan.toml", 'plan = "demo"\ntitle = "x"\0\n', 2),
    ],
)
def test_nul_byte_anywhere_is_refused_with_its_line(
    tmp_path: Path, name: str, content: str, line: int
) -> None:
    """A NUL byte is refused before any parser sees the text, in every format."""
    path = _write(tmp_path, content, name)

    assert (
        _error(path) == f"{path}:{line}: the file contains a NUL byte (U+0000); a plan file is text"
    )


def test_control_character_is_refused_with_its_line(tmp_path: Path) -> None:
    """A bell character (U+0007) in the text is refused, naming it and its line."""
    path = _write(tmp_path, _edit("Task B", "Task\x07B"))

    assert _error(path) == f"{path}:14: the file contains a control character (U+0007); remove it"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (codecs.BOM_UTF16_LE + PLAN.encode("utf-16-le"), "1: the file is UTF-16 text"),
        (codecs.BOM_UTF32_BE + PLAN.encode("utf-32-be"), "1: the file is UTF-32 text"),
        (
            PLAN.encode("utf-16-le"),
            "1: the file contains a NUL byte (U+0000); it looks like UTF-16",
        ),
    ],
    ids=["utf-16-bom", "utf-32-bom", "utf-16-no-bom"],
)
def test_utf16_and_utf32_files_are_told_to_be_saved_as_utf8(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    """A file in another Unicode encoding is refused with what it is and the fix."""
    path = _write(tmp_path, content)

    assert _error(path).startswith(f"{path}:{expected}")


def test_file_over_the_size_limit_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """A (sparse) file one byte over MAX_FILE_BYTES is refused by size, whatever it holds."""
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)

    assert _error(path) == f"{path}: the file is larger than 32 MB, the most plan2cal reads"


def test_the_benchmarks_largest_plan_still_loads(tmp_path: Path) -> None:
    """bench.py's 20,000-task plan, as the JSON it writes, is well inside every limit."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from bench import synthetic_plan
    finally:
        sys.path.remove(str(ROOT / "bench"))
    path = _write(tmp_path, json.dumps(synthetic_plan(20_000)), "bench-20000.json")

    plan = load_plan(path)

    assert sum(len(phase.tasks) for phase in plan.phases) == 20_000


@pytest.mark.parametrize("name", ["many.json", "many.toml", "many.yaml"])
def test_more_values_than_the_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Past MAX_VALUES keys and values the file is refused: JSON and TOML before parsing."""
    monkeypatch.setattr(plan2cal.load, "MAX_VALUES", 100)
    items = ", ".join(["0"] * 150)
    text = {"json": f'{{"plan": [{items}]}}', "toml": f"plan = [{items}]\n"}.get(
        name.split(".")[1], f"plan: [{items}]\n"
    )
    path = _write(tmp_path, text, name)

    message = _error(path)

    assert re.match(
        rf"^{re.escape(str(path))}(:1: plan\[\d+\])?: the file holds more than ", message
    )
    assert MAX_VALUES == 1_000_000


def test_a_value_count_over_the_limit_is_found_before_json_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON count is made on the text: json.loads is never called on such a file."""
    monkeypatch.setattr(plan2cal.load, "MAX_VALUES", 10)
    # Commas and colons inside strings do not count.
    assert read_document(_write(tmp_path, '{"a": "1,2,3,4,5,6:7:8:9:10:11"}', "ok.json"))
    path = _write(tmp_path, '{"plan": [' + ",".join(["{}"] * 20) + "]}", "many.json")

    def never(*args: object, **options: object) -> None:
        pytest.fail("json.loads was called")

    monkeypatch.setattr(plan2cal.load.json, "loads", never)

    with pytest.raises(PlanError, match="holds more than"):
        read_document(path)


# --- paths that are not plan files ----------------------------------------------------------------


def test_a_folder_as_the_plan_is_a_plan_error(tmp_path: Path) -> None:
    """A directory is refused by what it is, before anything is read."""
    folder = tmp_path / "plan.yaml"
    folder.mkdir()

    assert _error(folder) == f"cannot read {folder}: it is a folder, not a file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_the_plan_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A named pipe with no writer is refused at once; reading it would wait forever."""
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)

    assert _error(fifo) == (
        f"cannot read {fifo}: it is not a regular file (a pipe, a device or a socket)"
    )


def test_a_path_with_a_nul_character_is_a_plan_error(tmp_path: Path) -> None:
    """A NUL in the path is refused by name (shown as \\0), not a ValueError from the OS layer."""
    path = tmp_path / "pl\0an.yaml"

    assert _error(path) == (
        f"cannot read {tmp_path}/pl\\0an.yaml: the path contains a NUL character"
    )


# --- YAML shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("1: x\n", "16: 1: YAML reads the key '1' as a number, not text; put it in quotes"),
        ("null: x\n", "16: null: YAML reads the key 'null' as null, not text; put it in quotes"),
        (
            "true: x\n",
            "16: true: YAML reads the key 'true' as true or false, not text; put it in quotes",
        ),
        ("2027-01-04: x\n", "16: 2027-01-04: YAML reads the key '2027-01-04' as a date, not text"),
        ("[a]: b\n", "16: plan: a key must be text, not a list or a mapping"),
        ("? {a: 1}\n: b\n", "16: plan: a key must be text, not a list or a mapping"),
        (
            f"? {'9' * 5000}\n: x\n",
            f"16: {'9' * 5000}: '{'9' * 59}…' cannot be read as a whole number",
        ),
    ],
    ids=["int", "null", "bool", "date", "list", "mapping", "huge-int"],
)
def test_a_key_that_is_not_text_is_refused_at_its_line(
    tmp_path: Path, extra: str, expected: str
) -> None:
    """Numbers, null, booleans, dates, lists, mappings and huge integers as keys name their line."""
    path = _write(tmp_path, PLAN + extra)

    assert _error(path).startswith(f"{path}:{expected}")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "plan.yaml",
            PLAN.replace("title: Demo\n", "title: Demo\ntitle: Two\n"),
            "3: title: this key",
        ),
        ("plan.json", '{"plan": "demo",\n "plan": "x"}', "2: plan: this key"),
        ("plan.toml", 'plan = "demo"\nplan = "x"\n', "2: TOML syntax error: Cannot overwrite"),
    ],
)
def test_a_duplicate_key_names_the_line_of_its_second_occurrence(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    """A key written twice in one mapping is refused where it appears again."""
    path = _write(tmp_path, text, name)

    assert _error(path).startswith(f"{path}:{expected}")


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object:os.system echo", "!!python/object:os.system"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!custom x", "!custom"),
    ],
)
def test_yaml_tags_beyond_plain_values_are_refused(tmp_path: Path, value: str, tag: str) -> None:
    """Only plain text, numbers, booleans, null, dates, lists and mappings: no other tag."""
    path = _write(tmp_path, _edit("title: Demo", f"title: {value}"))

    assert _error(path) == (
        f"{path}:2: title: the YAML tag {tag} is not supported; write a plain value"
    )


def test_a_second_yaml_document_is_refused(tmp_path: Path) -> None:
    """``---`` and another document after the plan is refused at the separator."""
    path = _write(tmp_path, PLAN + "---\nplan: other\n")

    assert _error(path).startswith(f"{path}:16: the file holds a second YAML document")


def test_tab_indentation_says_to_indent_with_spaces(tmp_path: Path) -> None:
    """A tab used to indent is a syntax error at its line that says what to do instead."""
    path = _write(tmp_path, PLAN.replace("    name: Phase One", "\tname: Phase One"))

    message = _error(path)

    assert message.startswith(f"{path}:7: YAML syntax error: ")
    assert message.endswith("; indent with spaces, not tabs")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("plan.yaml", _edit("weeks: 2", "weeks: " + "9" * 5000), 8),
        ("plan.json", '{"plan": "demo",\n "title": ' + "9" * 5000 + "}", 2),
        ("plan.toml", 'plan = "demo"\ntitle = ' + "9" * 5000 + "\n", 2),
    ],
)
def test_an_integer_too_long_to_convert_is_refused(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    """5,000 digits pass Python's conversion limit: refused at the line, not a ValueError."""
    path = _write(tmp_path, text, name)

    message = _error(path)

    assert message.startswith(f"{path}:{line}: ")
    assert re.search(r"cannot be read as a whole number|more than 4,300 digits", message)


# --- numbers --------------------------------------------------------------------------------------

AT_MOST = "must be at most 100,000 hours"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "hours: 2h",
            "hours: 1.0e+300",
            "12: phases[0].tasks[0].hours: must be at most 100,000 hours",
        ),
        (
            "hours: 2h",
            "hours: 100000000",
            "12: phases[0].tasks[0].hours: must be at most 100,000 hours",
        ),
        (
            "hours: 2h",
            "hours: 1h90m",
            "12: phases[0].tasks[0].hours: '1h90m' has 90 minutes after the hours; keep the "
            "minutes under 60, e.g. 2h30m",
        ),
        ("hours: 2h", "hours: " + "9" * 400, "12: phases[0].tasks[0].hours: '999"),
        ("weeks: 2", "weeks: 1e300", "8: phases[0].weeks: must be less than or equal to 1000"),
        ("weeks: 2", "weeks: .nan", "8: phases[0].weeks: must be a finite number, not nan"),
        ("weeks: 2", "weeks: true", "8: phases[0].weeks: must be a number, not true or false"),
        (
            "        hours: 1h\n",
            "        hours: 1h\n        weight: .inf\n",
            "16: phases[0].tasks[1].weight: must be a finite number, not inf",
        ),
        (
            "        hours: 1h\n",
            "        hours: 1h\n        weight: 1001\n",
            "16: phases[0].tasks[1].weight: must be less than or equal to 1000",
        ),
        (
            "  timezone: Europe/Berlin\n",
            "  timezone: Europe/Berlin\n  hours_per_week: .nan\n",
            "5: defaults.hours_per_week: must be a finite number, not nan",
        ),
        (
            "  timezone: Europe/Berlin\n",
            "  timezone: Europe/Berlin\n  hours_per_week: yes\n",
            "5: defaults.hours_per_week: must be a number, not true or false",
        ),
        (
            "  timezone: Europe/Berlin\n",
            "  timezone: Europe/Berlin\n  hours_per_week: 169\n",
            "5: defaults.hours_per_week: must be less than or equal to 168",
        ),
        (
            "  timezone: Europe/Berlin\n",
            "  timezone: Europe/Berlin\n  session: {max: 25h, min: 30m}\n",
            "5: defaults.session.max: must be at most 24 hours",
        ),
    ],
    ids=[
        "hours-1e300",
        "hours-1e8",
        "hours-1h90m",
        "hours-400-digits",
        "weeks-1e300",
        "weeks-nan",
        "weeks-bool",
        "weight-inf",
        "weight-1001",
        "budget-nan",
        "budget-bool",
        "budget-169",
        "session-25h",
    ],
)
def test_a_number_out_of_its_bounds_names_field_and_bound(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """Huge, NaN, infinite and true/false numbers are refused with the field and the reason."""
    path = _write(tmp_path, _edit(old, new))

    assert _error(path).startswith(f"{path}:{expected}")


# --- dates ----------------------------------------------------------------------------------------

RANGE = "is outside the dates plan2cal handles, 1970-01-01 to 2199-12-31"
TOO_FAR = "is too far from the start; at most 100 years: +36500d, +5200w or +1200mo"


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        ("+99999999999d", f"'+99999999999d' {TOO_FAR}"),
        ("+100000mo", f"'+100000mo' {TOO_FAR}"),
        ("+36501d", f"'+36501d' {TOO_FAR}"),
        ("+5201w", f"'+5201w' {TOO_FAR}"),
        ("9999-12-31", f"9999-12-31 {RANGE}"),
        ("1969-12-31", f"1969-12-31 {RANGE}"),
    ],
)
def test_a_deadline_out_of_range_is_refused(tmp_path: Path, deadline: str, expected: str) -> None:
    """Offsets over 100 years and dates outside 1970..2199 are refused at the deadline."""
    path = _write(
        tmp_path,
        _edit("        hours: 1h\n", f"        hours: 1h\n        deadline: '{deadline}'\n"),
    )

    assert _error(path) == f"{path}:16: phases[0].tasks[1].deadline: {expected}"


def test_the_largest_offsets_load(tmp_path: Path) -> None:
    """+36500d, +5200w and +1200mo are allowed, from a start that keeps them in range."""
    text = _edit("  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  start: 2027-01-04\n")
    text = text.replace("hours: 2h\n", "hours: 2h\n        deadline: +36500d\n")
    text = text.replace("hours: 1h\n", "hours: 1h\n        deadline: +5200w\n")
    text = text.replace("weeks: 2\n", "weeks: 2\n    deadline: +1200mo\n")

    plan = load_plan(_write(tmp_path, text))

    assert plan.phases[0].deadline == "+1200mo"


def test_a_relative_deadline_is_checked_against_the_start_it_resolves_from(tmp_path: Path) -> None:
    """+2000d from a start in mid-2199 passes the last date: refused with both dates named."""
    text = _edit("        hours: 1h\n", "        hours: 1h\n        deadline: +2000d\n")
    path = _write(tmp_path, text)
    late = "  start: 2199-06-01\n"
    in_file = _write(tmp_path, text.replace("defaults:\n", "defaults:\n" + late), "start.yaml")
    expected = (
        "phases[0].tasks[1].deadline: +2000d from the start 2199-06-01 falls outside the dates "
        "plan2cal handles, 1970-01-01 to 2199-12-31"
    )

    assert load_plan(path).phases[0].tasks[1].deadline == "+2000d"  # no start yet: nothing to check
    assert _error(path, start=dt.date(2199, 6, 1)) == f"{path}:16: {expected}"
    assert _error(in_file) == f"{in_file}:17: {expected}"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01", "1969-12-31"])
def test_a_milestone_or_start_out_of_range_is_refused(tmp_path: Path, day: str) -> None:
    """A milestone on 9999-12-31 or a start in year 1 is refused at its field, not an overflow."""
    milestone = _write(tmp_path, PLAN + f"milestones:\n  - {{name: M, date: {day}}}\n", "m.yaml")
    start = _write(tmp_path, _edit("defaults:\n", f"defaults:\n  start: {day}\n"), "start.yaml")

    assert _error(milestone) == f"{milestone}:17: milestones[0].date: {day} {RANGE}"
    assert _error(start) == f"{start}:4: defaults.start: {day} {RANGE}"


def test_an_impossible_date_is_a_plan_error_with_its_line(tmp_path: Path) -> None:
    """30 February in YAML, TOML and JSON is refused at its line."""
    yaml_path = _write(tmp_path, PLAN + "milestones:\n  - {name: M, date: 2027-02-30}\n")
    toml_path = _write(tmp_path, 'plan = "d"\n[defaults]\nstart = 2027-02-30\n', "plan.toml")
    json_path = _write(tmp_path, '{"plan": "d",\n"defaults": {"start": "2027-02-30"}}', "p.json")

    assert _error(yaml_path).startswith(f"{yaml_path}:17: ")
    assert _error(toml_path).startswith(f"{toml_path}:3: ")
    assert f"{json_path}:2: defaults.start: '2027-02-30' is not a date" in _error(json_path)


# --- time zones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("localtime", ""),
        ("posixrules", ""),
        ("Factory", ""),
        ("/etc/localtime", ""),
        ("../../etc/passwd", ""),
        ("Europe/Berln", "; did you mean 'Europe/Berlin'?"),
        ("europe/berlin", "; did you mean 'Europe/Berlin'?"),
    ],
)
def test_a_zone_that_is_not_an_iana_name_is_refused(tmp_path: Path, zone: str, hint: str) -> None:
    """Zone files that are not zones, paths and typos are refused; a near miss gets a suggestion."""
    path = _write(tmp_path, _edit("timezone: Europe/Berlin", f"timezone: '{zone}'"))

    assert _error(path) == (
        f"{path}:4: defaults.timezone: unknown time zone '{zone}'; use an IANA name such as "
        f"Europe/Berlin or America/New_York{hint}"
    )


# --- text and counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "name: Task A",
            "name: " + "A" * 2001,
            "11: phases[0].tasks[0].name: string should have at most 2000",
        ),
        (
            "name: Task A",
            "name: Task A\n        description: " + "d" * 10_001,
            "12: phases[0].tasks[0].description: string should have at most 10000",
        ),
        (
            "id: a\n",
            "id: " + "a" * 81 + "\n",
            "10: phases[0].tasks[0].id: string should have at most 80",
        ),
    ],
    ids=["name", "description", "id"],
)
def test_text_longer_than_its_limit_is_refused(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """Names over 2,000 characters, descriptions over 10,000 and ids over 80 are refused."""
    path = _write(tmp_path, _edit(old, new))

    assert _error(path).startswith(f"{path}:{expected}")


def test_tasks_past_the_limit_are_refused_before_they_are_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan-wide task count is checked on the raw data, naming the phase that passes it."""
    monkeypatch.setattr(plan2cal.model, "MAX_TASKS", 3)
    path = _write(tmp_path, PLAN + "  - name: Two\n    weeks: 1\n    tasks: [x, y]\n")

    assert _error(path) == (
        f"{path}:18: phases[1].tasks: the plan has more than 3 tasks, the most plan2cal schedules"
    )


def test_many_problems_are_listed_up_to_twenty(tmp_path: Path) -> None:
    """A generated file with hundreds of bad tasks gets the first 20 problems and a count."""
    tasks = ", ".join(f'{{"id": "t{n}", "name": "T", "hours": "x"}}' for n in range(300))
    text = f'{{"plan": "d", "title": "D", "phases": [{{"name": "P", "tasks": [{tasks}]}}]}}'
    path = _write(tmp_path, text, "plan.json")

    lines = _error(path).splitlines()

    assert lines[0] == "the plan is not valid:"
    assert len(lines) == 22
    assert lines[-1] == "  … and 280 more"


# --- any mutation of a real plan ------------------------------------------------------------------

SMALL_TOML = """\
plan = "demo"
title = "Demo"

[defaults]
start = 2027-01-04
hours_per_week = 8
timezone = "Europe/Berlin"
windows = { mon-fri = "19:00-21:00", sat = ["09:00-11:00"] }
session = { max = "2h", min = "30m" }

[[phases]]
id = "one"
name = "Phase One"
weeks = 2
tasks = ["Read", { id = "course", name = "Course", hours = "1h30m", deadline = "+2w" }]

[[milestones]]
name = "Exam"
date = 2027-06-15
after = ["one"]
"""
SMALL_JSON = json.dumps(
    {
        "plan": "demo",
        "title": "Demo",
        "defaults": {"start": "2027-01-04", "hours_per_week": 8, "timezone": "UTC"},
        "phases": [
            {"id": "one", "name": "One", "weeks": 2, "tasks": ["Read", {"name": "B", "hours": 3}]}
        ],
        "milestones": [{"name": "Exam", "date": "2027-06-15", "after": ["one"]}],
    },
    indent=2,
)
SEEDS = {
    ".yaml": BUNDLED_PLAN.read_bytes() if BUNDLED_PLAN.exists() else PLAN.encode(),
    ".toml": SMALL_TOML.encode(),
    ".json": SMALL_JSON.encode(),
}
# Pieces that have broken plan readers before: aliases, tags, huge and odd numbers, far dates,
# deep brackets, control bytes, other encodings, keys that are not text.
HOSTILE = [
    b"&a ", b"*a", b"<<: ", b"!!python/object:os.system ", b"!!binary ", b"? ", b"---\n",
    b"9" * 5000, b"1e400", b".nan", b"-.inf", b"NaN", b"Infinity", b"nan", b"true", b"null",
    b"0x" + b"f" * 40, b"59:" * 400, b"+99999999999d", b"+1200mo", b"9999-12-31", b"0000-01-01",
    b"2027-02-30", b"[" * 200, b"{" * 200, b"{a=" * 50, b"\x00", b"\x07", b"\xff\xfe",
    b"\xef\xbb\xbf", b"\t", b"\r", b"\\u0000", b"\\ud800", b'"', b"'", b":", b"=", b",", b"#",
    b"1: ", b"[a]: ", b"localtime", b"1h90m", b"\xe9",
]  # fmt: skip


@st.composite
def mutated_plans(draw: st.DrawFn) -> tuple[str, bytes]:
    """A seed plan with a few bytes or tokens replaced, inserted or deleted."""
    suffix = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[suffix])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        end = min(len(data), at + draw(st.integers(0, 8)))
        piece = draw(st.sampled_from(HOSTILE) | st.binary(max_size=4))
        if draw(st.booleans()):
            data[at:end] = piece  # replace a span
        else:
            data[at:at] = piece  # insert
    return suffix, bytes(data)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=mutated_plans())
def test_any_mutation_of_a_plan_loads_or_is_a_plan_error(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, bytes]
) -> None:
    """load_plan returns a Plan or raises PlanError for every mutated plan: nothing else."""
    suffix, content = case
    path = tmp_path_factory.getbasetemp() / f"mutated{suffix}"
    path.write_bytes(content)

    try:
        assert isinstance(load_plan(path), Plan)
    except PlanError as exc:
        assert str(exc)
