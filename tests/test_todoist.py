"""plan2cal.export.todoist: the Todoist CSV template, byte for byte and read back with csv.

The golden is tests/golden/ai-pm-transition.todoist.csv. To regenerate it on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_todoist.py`` and review the diff before committing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

from goldens import bundled_schedule, check_golden, schedule_of
from plan2cal.export.tabular import csv_bytes
from plan2cal.export.todoist import TODOIST, without_labels
from plan2cal.schedule import Actuals, Schedule

HEADER = [
    "TYPE",
    "CONTENT",
    "DESCRIPTION",
    "PRIORITY",
    "INDENT",
    "AUTHOR",
    "RESPONSIBLE",
    "DATE",
    "DATE_LANG",
    "TIMEZONE",
    "DURATION",
    "DURATION_UNIT",
    "DEADLINE",
    "DEADLINE_LANG",
]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMULA = '=HYPERLINK("http://example.com","x")'
TRICKY_DESCRIPTION = 'Zeile eins, mit "Zitat"\nZeile zwei: naïve café — 東京'
TRICKY: dict[str, Any] = {
    "plan": "tricky",
    "title": "Tricky text",
    "defaults": {"timezone": "America/New_York", "windows": {"mon-thu": "19:00-21:00"}},
    "phases": [
        {
            "id": "prep",
            "name": 'Prépa, "eins"',
            "tasks": [
                {"id": "formula", "name": FORMULA, "hours": 1, "description": TRICKY_DESCRIPTION},
                {"id": "label", "name": "@home call @boss, mail bob@example.com", "hours": 1},
                {"id": "read", "name": 'Read "Ça va",\nchapter 1', "hours": 1, "priority": "low"},
            ],
        },
        {
            "id": "ship",
            "name": "Ship",
            "tasks": [{"id": "wrap", "name": "Wrap up", "hours": 2, "priority": "highest"}],
        },
    ],
    "milestones": [{"id": "launch", "name": 'Launch, v1 "GA"', "date": "2027-02-01"}],
}


def read_back(schedule: Schedule) -> list[dict[str, str]]:
    """The rows as the csv module reads them, after checking the header and the dialect."""
    data = csv_bytes(TODOIST, schedule)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def sections(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Section name → the task rows below it, as Todoist groups them ("" before any section)."""
    grouped: dict[str, list[dict[str, str]]] = {"": []}
    current = ""
    for row in rows:
        if row["TYPE"] == "section":
            current = row["CONTENT"]
            assert current not in grouped, f"section {current!r} twice"
            grouped[current] = []
        else:
            assert row["TYPE"] == "task"
            grouped[current].append(row)
    return grouped


def test_bundled_plan_matches_golden() -> None:
    """The bundled plan's Todoist file equals tests/golden/ai-pm-transition.todoist.csv."""
    data = csv_bytes(TODOIST, bundled_schedule())
    check_golden(data, "ai-pm-transition.todoist.csv")


def test_each_phase_is_a_section_followed_by_its_tasks() -> None:
    """A section row per phase, in plan order, and below it exactly that phase's tasks."""
    schedule = bundled_schedule()
    rows = read_back(schedule)
    grouped = sections(rows)
    assert list(grouped) == ["", *(phase.name for phase in schedule.phases)]
    assert grouped[""] == []  # the bundled plan has no fixed milestones
    for phase in schedule.phases:
        own = [task.name for task in schedule.tasks if task.phase == phase.key]
        assert [row["CONTENT"] for row in grouped[phase.name]] == own
    assert len(rows) == len(schedule.phases) + len(schedule.tasks)
    for row in rows:
        if row["TYPE"] == "section":
            assert set(row.values()) - {""} == {"section", row["CONTENT"]}
        else:
            assert row["INDENT"] == "1"


def test_durations_add_up_to_the_efforts() -> None:
    """Each task's DURATION is its effort in minutes; a section's sum is its phase's effort. A
    habit has none (its description gives its rhythm and span)."""
    schedule = bundled_schedule()
    grouped = sections(read_back(schedule))
    habits = {task.name for task in schedule.tasks if task.habit is not None}
    for phase in schedule.phases:
        tasks = [row for row in grouped[phase.name] if row["CONTENT"] not in habits]
        assert {row["DURATION_UNIT"] for row in tasks} == {"minute"}
        assert sum(int(row["DURATION"]) for row in tasks) == phase.effort
    effort = {task.name: task.effort for task in schedule.tasks}
    for row in (row for rows in grouped.values() for row in rows):
        if row["CONTENT"] in habits:
            assert (row["DURATION"], row["DURATION_UNIT"]) == ("", "")
            assert "Habit: " in row["DESCRIPTION"]
        else:
            assert int(row["DURATION"]) == effort[row["CONTENT"]]


def test_date_is_the_local_start_day_in_the_plans_zone() -> None:
    """DATE is the task's first session's local day as YYYY-MM-DD, with language and zone."""
    schedule = bundled_schedule()
    zone = ZoneInfo(schedule.availability.timezone)
    tasks = {row["CONTENT"]: row for row in read_back(schedule) if row["TYPE"] == "task"}
    for task in schedule.tasks:
        row = tasks[task.name]
        assert task.start is not None
        assert ISO_DATE.match(row["DATE"])
        # A habit's is its span's first day.
        first = task.habit.first_day if task.habit else task.start.astimezone(zone).date()
        assert dt.date.fromisoformat(row["DATE"]) == first
        assert (row["DATE_LANG"], row["TIMEZONE"]) == ("en", "Europe/Berlin")


def test_zone_follows_the_plan() -> None:
    """A plan in New York says America/New_York on every task row."""
    rows = read_back(schedule_of(TRICKY))
    assert {row["TIMEZONE"] for row in rows if row["TYPE"] == "task"} == {"America/New_York"}


def test_priority_follows_todoist_help() -> None:
    """highest → 1 (p1), high → 2, medium → 3, low → 4, as Todoist Help numbers them."""
    schedule = bundled_schedule()
    priority = {task.name: task.priority for task in schedule.tasks}
    expected = {"highest": "1", "high": "2", "medium": "3", "low": "4", "lowest": "4"}
    for row in read_back(schedule):
        if row["TYPE"] == "task":
            assert row["PRIORITY"] == expected[priority[row["CONTENT"]]]
    tricky = {row["CONTENT"]: row["PRIORITY"] for row in read_back(schedule_of(TRICKY))}
    assert (tricky["Wrap up"], tricky['Read "Ça va",\nchapter 1']) == ("1", "4")


def test_fixed_milestone_is_a_labelled_task_before_any_section() -> None:
    """A fixed milestone is a p1 task labelled @milestone above the first section, on its date."""
    rows = read_back(schedule_of(TRICKY))
    grouped = sections(rows)
    assert [row["CONTENT"] for row in grouped[""]] == ['Launch, v1 "GA" @milestone']
    milestone = grouped[""][0]
    assert (milestone["DATE"], milestone["PRIORITY"], milestone["INDENT"]) == (
        "2027-02-01",
        "1",
        "1",
    )
    assert (milestone["DURATION"], milestone["DURATION_UNIT"]) == ("", "")
    assert rows[0] is milestone


def test_plan_text_creates_no_labels() -> None:
    """An @ at the start or after a space becomes a full-width ＠; one inside a word stays."""
    rows = read_back(schedule_of(TRICKY))
    names = [row["CONTENT"] for row in rows if row["TYPE"] == "task"]
    assert "＠home call ＠boss, mail bob@example.com" in names
    label = re.compile(r"(^|\s)@")
    assert [name for name in names if label.search(name)] == ['Launch, v1 "GA" @milestone']
    assert without_labels("@a b @c d@e\n@f") == "＠a b ＠c d@e\n＠f"


def test_text_survives_a_round_trip() -> None:
    """Non-ASCII, commas, quotes and newlines come back from csv.reader unchanged."""
    rows = read_back(schedule_of(TRICKY))
    formula = next(row for row in rows if "HYPERLINK" in row["CONTENT"])
    assert formula["DESCRIPTION"] == TRICKY_DESCRIPTION
    contents = {row["CONTENT"] for row in rows}
    assert {'Prépa, "eins"', 'Read "Ça va",\nchapter 1'} <= contents


def test_formula_name_is_neutralised_but_intact() -> None:
    """A name starting with = gets a leading space; no cell starts a formula."""
    rows = read_back(schedule_of(TRICKY))
    formula = next(row for row in rows if "HYPERLINK" in row["CONTENT"])
    assert formula["CONTENT"] == " " + FORMULA
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell


def test_progress_shows_in_the_description_and_done_tasks_are_left_out() -> None:
    """After a rerun a started task says what is left, and a done task is not in the file:
    the template cannot mark it completed, and an open copy would be overdue."""
    actuals = Actuals(
        today=dt.date(2027, 1, 11),
        done={"enroll-google-pm-cert": dt.date(2027, 1, 5)},
        spent={"read-ai-for-everyone-book": 60},
    )
    before = {row["CONTENT"]: row for row in read_back(bundled_schedule())}
    after = {row["CONTENT"]: row for row in read_back(bundled_schedule(actuals))}
    enroll = "Enroll in Google Project Management Certificate"
    assert enroll in before and enroll not in after
    assert set(before) - set(after) == {enroll}
    book = after["Read 'AI For Everyone' book"]["DESCRIPTION"]
    effort = next(
        t.effort for t in bundled_schedule().tasks if t.key == "read-ai-for-everyone-book"
    )
    assert f"Spent: 1 h; remaining: {(effort - 60) / 60:g} h." in book.split("\n\n")


def test_a_phase_whose_tasks_are_all_done_has_no_section() -> None:
    """With every task of the first phase done, its section goes too; the next one stays."""
    schedule = schedule_of(TRICKY)
    done = {key: dt.date(2027, 1, 5) for key in ("formula", "label", "read")}
    rows = read_back(schedule_of(TRICKY, actuals=Actuals(today=dt.date(2027, 1, 6), done=done)))
    assert [row["CONTENT"] for row in rows if row["TYPE"] == "section"] == ["Ship"]
    assert len(read_back(schedule)) > len(rows)


def test_a_task_deadline_is_in_the_deadline_column() -> None:
    """Tasks with a deadline carry it as YYYY-MM-DD with DEADLINE_LANG en; others leave both
    empty, and so do sections and milestones."""
    rows = read_back(bundled_schedule())
    tasks = {row["CONTENT"]: row for row in rows if row["TYPE"] == "task"}
    enroll = tasks["Enroll in Google Project Management Certificate"]
    assert (enroll["DEADLINE"], enroll["DEADLINE_LANG"]) == ("2027-01-11", "en")
    unsized = tasks["Complete Google Project Management Certificate"]
    assert (unsized["DEADLINE"], unsized["DEADLINE_LANG"]) == ("", "")
    assert all(row["DEADLINE"] == "" for row in rows if row["TYPE"] == "section")


def test_settings_warn_about_priorities_and_reruns() -> None:
    """The terminal lines send the file to a new project and flag the priority evidence."""
    text = " ".join(TODOIST.settings)
    assert "new, empty Todoist project" in text
    assert "1 = p1" in text
