"""plan2cal.export.tabular and .generic: formula neutralising, unique names, repeated headers,
the tasks CSV, and text that must survive every table format.

The golden is tests/golden/ai-pm-transition.tasks.csv. To regenerate it on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_tabular.py`` and review the diff before committing.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from goldens import bundled_schedule, check_golden, schedule_of
from plan2cal.durations import decimal_hours
from plan2cal.export.formats import TABLE_FORMATS, Options
from plan2cal.export.generic import GENERIC
from plan2cal.export.msproject import NAMESPACE
from plan2cal.export.tabular import (
    Column,
    Item,
    Target,
    csv_bytes,
    neutralise,
    plan_items,
    table,
    unique_names,
)
from plan2cal.schedule import Schedule

BOM = b"\xef\xbb\xbf"
FORMULA = '=HYPERLINK("http://example.com","x")'
# OWASP's formula starters plus the control characters §13 says to strip (tab, CR, LF).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
GENERIC_HEADER = [
    "id",
    "type",
    "name",
    "phase",
    "start",
    "due",
    "hours",
    "spent",
    "remaining",
    "hours a week",
    "depends on",
    "status",
    "priority",
    "deadline",
    "link",
    "description",
]
# The column where each CSV format writes an item's name.
NAME_COLUMN = {
    "jira": "Summary",
    "asana": "Name",
    "gcal": "Subject",
    "outlook": "Subject",
    "todoist": "CONTENT",
    "csv": "name",
}
DECIMAL_HOURS = re.compile(r"^(0|[1-9]\d*)(\.\d{1,2})?$")
DEFAULTS = {"timezone": "Europe/Berlin", "hours_per_week": 8, "windows": {"mon-thu": "19:00-21:00"}}
INJECTION: dict[str, Any] = {
    "plan": "injection",
    "title": "Injection",
    "defaults": DEFAULTS,
    "phases": [
        {
            "id": "prep",
            "name": "+Prep",
            "description": "-first things first",
            "tasks": [
                # Not a predecessor: Asana turns commas in linked names into semicolons.
                {"id": "minus", "name": "-1 cleanup", "hours": 1},
                {
                    "id": "formula",
                    "name": FORMULA,
                    "hours": 1,
                    "description": "@team: look",
                    "after": ["minus"],
                },
            ],
        }
    ],
    "milestones": [
        {"id": "launch", "name": "@launch", "date": "2027-02-01", "description": "=1+2"}
    ],
}
NAME = 'Über 日本 🚀, "quoted"\nline two'
DESCRIPTION = 'Zeile eins, mit "Zitat", und Komma\nZeile zwei: naïve café — 東京 🎉'
PHASE = 'Phase, "eins" ü'
ROUND_TRIP: dict[str, Any] = {
    "plan": "round-trip",
    "title": "Round trip",
    "defaults": DEFAULTS,
    "phases": [
        {
            "id": "p",
            "name": PHASE,
            "description": DESCRIPTION,
            "tasks": [{"id": "t", "name": NAME, "hours": 1, "description": DESCRIPTION}],
        }
    ],
}


def csv_rows(data: bytes) -> list[list[str]]:
    """All rows of a CSV file as csv.reader reads them (a leading BOM is not part of a cell)."""
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def rendered_files(schedule: Schedule) -> list[tuple[str, str, bytes]]:
    """(format, file suffix, bytes) for every file of every format in TABLE_FORMATS."""
    return [
        (name, suffix, data)
        for name, entry in TABLE_FORMATS.items()
        for suffix, data in entry.render(schedule, Options()).files.items()
    ]


def item(name: str, key: str | None = None, kind: Any = "task") -> Item:
    """A bare item with a name."""
    return Item(
        kind=kind,
        key=key or name,
        name=name,
        phase="p",
        phase_name="P",
        description="",
        start=None,
        due=None,
    )


# ---------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize("text", [FORMULA, "+1", "-x", "@y", "=1+2", "-"])
def test_formula_start_gets_a_quote_for_spreadsheets_and_a_space_for_importers(text: str) -> None:
    """A cell starting with = + - @ is prefixed: ' for a spreadsheet, a space for an importer."""
    assert neutralise(text, "spreadsheet") == "'" + text
    assert neutralise(text, "importer") == " " + text


@pytest.mark.parametrize(
    ("text", "stripped"),
    [("\tname", "name"), ("\rname", "name"), ("\nname", "name"), ("\r\n\t name", " name")],
)
def test_leading_tab_cr_and_lf_are_stripped_in_both_modes(text: str, stripped: str) -> None:
    """Leading tab, CR and LF go in both modes; nothing is prefixed to plain text after them."""
    assert neutralise(text, "spreadsheet") == stripped
    assert neutralise(text, "importer") == stripped


@pytest.mark.parametrize("text", ["\t=1+2", "\r\n@mention", "\n-x"])
def test_a_formula_hidden_behind_a_control_character_is_still_neutralised(text: str) -> None:
    """Stripping a leading tab/CR/LF cannot uncover a formula: it is prefixed after stripping."""
    bare = text.lstrip("\t\r\n")
    assert neutralise(text, "spreadsheet") == "'" + bare
    assert neutralise(text, "importer") == " " + bare


@pytest.mark.parametrize(
    "text", ["", "Plan the week", "a=b", "x-y", "1 + 1", " leading space", "'quoted", "日本 @x"]
)
def test_normal_text_is_untouched(text: str) -> None:
    """Text that does not start with a trigger is returned as it is, in both modes."""
    assert neutralise(text, "spreadsheet") == text
    assert neutralise(text, "importer") == text


def csv_files(schedule: Schedule) -> list[tuple[str, list[list[str]]]]:
    """(format, rows) for every CSV file of every format in TABLE_FORMATS."""
    return [
        (name, csv_rows(data))
        for name, suffix, data in rendered_files(schedule)
        if suffix.endswith(".csv")
    ]


def msproject_names(schedule: Schedule) -> list[str]:
    """The Name of every Task element of the MSPDI file."""
    data = TABLE_FORMATS["msproject"].render(schedule, Options()).files["msproject.xml"]
    tasks = ET.fromstring(data).iter(f"{{{NAMESPACE}}}Task")
    return [task.findtext(f"{{{NAMESPACE}}}Name") or "" for task in tasks]


def test_no_csv_cell_of_any_format_starts_like_a_formula() -> None:
    """In every CSV format no cell starts with = + - @ tab, CR or LF."""
    files = csv_files(schedule_of(INJECTION))
    assert {name for name, _ in files} == set(TABLE_FORMATS) - {"msproject", "mermaid"}
    for name, rows in files:
        bad = [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]
        assert not bad, f"{name}: {bad}"


def test_formula_name_is_intact_after_its_neutralising_character() -> None:
    """Each CSV's name column keeps the whole formula behind one ' (spreadsheet) or space."""
    assert set(NAME_COLUMN) == set(TABLE_FORMATS) - {"msproject", "mermaid"}
    for name, rows in csv_files(schedule_of(INJECTION)):
        at = rows[0].index(NAME_COLUMN[name])
        formula = [row[at] for row in rows[1:] if "HYPERLINK" in row[at]]
        prefix = "'" if name == "csv" else " "
        assert formula, f"{name} lost the name"
        assert all(cell.startswith(prefix + FORMULA) for cell in formula), (name, formula)


def test_msproject_keeps_a_formula_like_name_as_text() -> None:
    """MS Project XML is not a spreadsheet: the task Name keeps the plan's text exactly."""
    names = msproject_names(schedule_of(INJECTION))
    assert FORMULA in names


# ---------------------------------------------------------------------------- unique_names


def test_repeated_names_get_suffixes_two_and_three() -> None:
    """The second and third "X" become "X (2)" and "X (3)"; the first keeps its name."""
    names = [i.name for i in unique_names([item("X", "a"), item("X", "b"), item("X", "c")])]
    assert names == ["X", "X (2)", "X (3)"]


def test_suffix_skips_a_name_the_plan_already_has() -> None:
    """With a real "X (2)" in the plan, a repeated "X" becomes "X (3)", wherever "X (2)" is."""
    later = unique_names([item("X", "a"), item("X", "b"), item("X (2)", "c"), item("X", "d")])
    assert [i.name for i in later] == ["X", "X (3)", "X (2)", "X (4)"]
    earlier = unique_names([item("X (2)", "c"), item("X", "a"), item("X", "b")])
    assert [i.name for i in earlier] == ["X (2)", "X", "X (3)"]


def test_unique_names_keeps_keys_order_and_distinct_names() -> None:
    """Only names change: keys and order stay, and no two names are equal afterwards."""
    items = [item("A", "1"), item("A", "2"), item("A (2)", "3"), item("A (2)", "4"), item("A", "5")]
    result = unique_names(items)
    assert [i.key for i in result] == ["1", "2", "3", "4", "5"]
    assert len({i.name for i in result}) == len(result)
    assert result[0] is items[0]


def test_table_applies_unique_names_only_when_the_target_asks() -> None:
    """A target with unique_names suffixes repeated names; one without leaves them alone."""
    columns = [Column("name", lambda i: i.name)]
    items = [item("X", "a"), item("X", "b")]
    assert table(Target("u", "u.csv", columns, unique_names=True), items)[1:] == [["X"], ["X (2)"]]
    assert table(Target("n", "n.csv", columns), items)[1:] == [["X"], ["X"]]


# ---------------------------------------------------------------------------- multi-value columns


def test_multi_value_columns_repeat_the_header_and_pad_short_rows() -> None:
    """A list column takes as many headers as the longest list; shorter rows get empty cells."""
    values = {"a": ["one", "two", "three"], "b": [], "c": ["=sum"]}
    target = Target(
        "t",
        "t.csv",
        [Column("id", lambda i: i.key, text=False), Column("tag", lambda i: values[i.key])],
    )
    rows = table(target, [item("A", "a"), item("B", "b"), item("C", "c")])
    assert rows == [
        ["id", "tag", "tag", "tag"],
        ["a", "one", "two", "three"],
        ["b", "", "", ""],
        ["c", " =sum", "", ""],
    ]


def test_a_multi_value_column_with_no_values_keeps_one_header() -> None:
    """When no row has a value the column still appears once, so the header stays stable."""
    target = Target("t", "t.csv", [Column("id", lambda i: i.key), Column("tag", lambda i: [])])
    assert table(target, [item("A", "a")]) == [["id", "tag"], ["a", ""]]


# ---------------------------------------------------------------------------- the tasks CSV


def test_bundled_tasks_csv_matches_golden() -> None:
    """The bundled plan's tasks CSV equals tests/golden/ai-pm-transition.tasks.csv to the byte."""
    check_golden(csv_bytes(GENERIC, bundled_schedule()), "ai-pm-transition.tasks.csv")


def test_tasks_csv_starts_with_a_bom_and_has_every_column() -> None:
    """UTF-8 BOM for Excel, then exactly the sixteen columns in order, CRLF rows of equal width."""
    data = TABLE_FORMATS["csv"].render(bundled_schedule(), Options()).files["tasks.csv"]
    assert data.startswith(BOM + b"id,type,name,")
    assert data.endswith(b"\r\n")
    assert not data[len(BOM) :].startswith(BOM)
    rows = csv_rows(data)
    assert rows[0] == GENERIC_HEADER
    assert all(len(row) == len(GENERIC_HEADER) for row in rows)


def test_tasks_csv_has_a_row_per_phase_then_its_tasks() -> None:
    """Rows are the plan's phases, each followed by its tasks, with their ids and types."""
    schedule = bundled_schedule()
    rows = [
        dict(zip(GENERIC_HEADER, row, strict=True))
        for row in csv_rows(csv_bytes(GENERIC, schedule))[1:]
    ]
    expected = [(i.key, "habit" if i.every else i.kind) for i in plan_items(schedule)]
    assert [(row["id"], row["type"]) for row in rows] == expected
    assert {row["type"] for row in rows} == {"phase", "task", "habit"}
    tasks = {task.key: task for task in schedule.tasks}
    for row in rows:
        if row["type"] == "habit":
            assert row["hours a week"] == "0.5" or row["hours a week"] == "1"
        if row["type"] in ("task", "habit"):
            task = tasks[row["id"]]
            assert row["depends on"] == " ".join(task.after)
            assert row["priority"] == task.priority
            assert row["due"] == task.end_date.isoformat()


def test_tasks_csv_hours_are_decimal() -> None:
    """hours, spent and remaining are decimal hours without trailing zeros: 315 min is 5.25."""
    schedule = bundled_schedule()
    rows = {
        row[0]: dict(zip(GENERIC_HEADER, row, strict=True))
        for row in csv_rows(csv_bytes(GENERIC, schedule))[1:]
    }
    for task in schedule.tasks:
        row = rows[task.key]
        for column in ("hours", "spent", "remaining"):
            assert DECIMAL_HOURS.match(row[column]), (column, row[column])
        assert round(float(row["hours"]) * 60) == task.effort
        assert row["spent"] == "0"
    efforts = {task.key: task.effort for task in schedule.tasks}
    assert efforts["enroll-google-pm-cert"] == 90  # a quarter-hour share of the phase
    assert rows["enroll-google-pm-cert"]["hours"] == "1.5"
    assert rows["start-ml-course"]["hours"] == decimal_hours(efforts["start-ml-course"])
    for phase in schedule.phases:
        assert DECIMAL_HOURS.match(rows[phase.key]["hours"])
        assert round(float(rows[phase.key]["hours"]) * 60) == phase.effort


# ---------------------------------------------------------------------------- round trips


def test_text_survives_the_jira_and_tasks_csv() -> None:
    """Non-ASCII, emoji, commas, quotes and newlines come back from csv.reader unchanged."""
    schedule = schedule_of(ROUND_TRIP)
    jira = csv_rows(TABLE_FORMATS["jira"].render(schedule, Options()).files["jira.csv"])
    summary, description = jira[0].index("Summary"), jira[0].index("Description")
    assert [row[summary] for row in jira[1:]] == [PHASE, NAME]
    assert jira[1][description] == DESCRIPTION
    assert jira[2][description].startswith(DESCRIPTION + "\n\n")
    tasks = csv_rows(TABLE_FORMATS["csv"].render(schedule, Options()).files["tasks.csv"])
    name, text = GENERIC_HEADER.index("name"), GENERIC_HEADER.index("description")
    assert [(row[name], row[text]) for row in tasks[1:]] == [
        (PHASE, DESCRIPTION),
        (NAME, DESCRIPTION),
    ]


def test_text_survives_every_csv_format() -> None:
    """Every CSV format has the task name, phase name and description intact in some cell."""
    checked = set()
    for name, suffix, data in rendered_files(schedule_of(ROUND_TRIP)):
        if not suffix.endswith(".csv"):
            continue
        cells = [cell for row in csv_rows(data) for cell in row]
        for text in (NAME, PHASE, DESCRIPTION):
            assert any(text in cell for cell in cells), f"{name}: {text!r} lost"
        checked.add(name)
    assert checked == {"jira", "asana", "gcal", "outlook", "todoist", "csv"}
