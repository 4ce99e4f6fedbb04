"""Pins on what specs/import-formats.md §15b found about the importers, for every file they read.

- No importer file starts with a UTF-8 byte order mark: Jira's header reader does not strip one,
  and other importers fail the same way. Only the spreadsheet CSV (``tasks.csv``) has one, for
  Excel.
- Todoist reads an empty PRIORITY cell as p1, so every task row carries an explicit 1 to 4.
- The Microsoft Project file fixes dates with ConstraintType 4 (Must Start On) and a
  ConstraintDate, which ProjectLibre keeps; its manual dates are in ManualStart/ManualFinish.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from goldens import bundled_schedule
from plan2cal.export.formats import TABLE_FORMATS, Options

BOM = b"\xef\xbb\xbf"
SPREADSHEET = "csv"  # tasks.csv: for Excel, with its BOM on purpose
MARKDOWN = "mermaid"  # a Markdown page, read by people and Mermaid, not by an importer
MSPDI = "{http://schemas.microsoft.com/project}"


@pytest.mark.parametrize("name", sorted(set(TABLE_FORMATS) - {SPREADSHEET, MARKDOWN}))
def test_no_importer_file_starts_with_a_byte_order_mark(name: str) -> None:
    """Every file each importer format writes starts with its first header or element."""
    files = TABLE_FORMATS[name].render(bundled_schedule(), Options()).files
    assert files
    for suffix, data in files.items():
        assert data, suffix
        assert not data.startswith(BOM), suffix
        assert data[:1] in (b"<", b"{") or data[:1].isalpha(), (suffix, data[:20])


def test_the_spreadsheet_file_keeps_its_byte_order_mark_for_excel() -> None:
    """The one file not read by an importer keeps the BOM Excel needs for UTF-8."""
    files = TABLE_FORMATS[SPREADSHEET].render(bundled_schedule(), Options()).files
    assert all(data.startswith(BOM) for data in files.values())


def test_every_todoist_task_row_has_an_explicit_priority() -> None:
    """An empty PRIORITY is p1 in Todoist: no task row may leave it empty."""
    data = TABLE_FORMATS["todoist"].render(bundled_schedule(), Options()).files["todoist.csv"]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    tasks = [row for row in rows if row["TYPE"] == "task"]
    assert len(tasks) > 10
    assert {row["PRIORITY"] for row in tasks} <= {"1", "2", "3", "4"}
    assert "4" in {row["PRIORITY"] for row in tasks} or "3" in {row["PRIORITY"] for row in tasks}


def test_every_dated_project_task_is_constrained_to_start_on_its_date() -> None:
    """Each task with a start carries ConstraintType 4 with its ConstraintDate, and
    ManualStart/ManualFinish equal to Start/Finish."""
    data = TABLE_FORMATS["msproject"].render(bundled_schedule(), Options()).files
    (xml,) = data.values()
    tasks = ET.fromstring(xml).iter(f"{MSPDI}Task")
    checked = 0
    for task in tasks:
        if task.findtext(f"{MSPDI}Summary") == "1" or task.findtext(f"{MSPDI}Start") is None:
            continue
        if task.findtext(f"{MSPDI}ConstraintType") is None:
            continue
        assert task.findtext(f"{MSPDI}ConstraintType") == "4"
        assert task.findtext(f"{MSPDI}ConstraintDate") == task.findtext(f"{MSPDI}Start")
        assert task.findtext(f"{MSPDI}ManualStart") == task.findtext(f"{MSPDI}Start")
        assert task.findtext(f"{MSPDI}ManualFinish") == task.findtext(f"{MSPDI}Finish")
        checked += 1
    assert checked > 10
