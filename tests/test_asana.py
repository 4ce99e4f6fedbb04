"""plan2cal.export.asana: the Asana CSV, checked byte for byte and read back with the csv module.

The golden is tests/golden/ai-pm-transition.asana.csv. To regenerate it on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_asana.py`` and review the diff before committing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

from goldens import bundled_schedule, check_golden, schedule_of
from plan2cal.export.asana import ASANA
from plan2cal.export.tabular import csv_bytes
from plan2cal.schedule import Actuals

HEADER = ["Name", "Description", "Section", "Start Date", "Due Date", "Dependencies"]
US_DATE = re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/\d{4}$")
FORMULA = '=HYPERLINK("http://example.com","x")'
TRICKY_DESCRIPTION = 'Zeile eins, mit "Zitat"\nZeile zwei: naïve café — 東京'
TRICKY: dict[str, Any] = {
    "plan": "tricky",
    "title": "Tricky text",
    "defaults": {
        "timezone": "Europe/Berlin",
        "hours_per_week": 8,
        "windows": {"mon-thu": "19:00-21:00"},
    },
    "phases": [
        {
            "id": "prep",
            "name": 'Prépa, "eins"',
            "tasks": [
                {"id": "formula", "name": FORMULA, "hours": 1, "description": TRICKY_DESCRIPTION},
                {"id": "outline", "name": "Draft, outline", "hours": 1},
                {"id": "read", "name": 'Read "Ça va", chapter 1', "hours": 1, "after": ["outline"]},
                {"id": "review-1", "name": "Review", "hours": 1},
            ],
        },
        {
            "id": "ship",
            "name": "Ship",
            "tasks": [
                {"id": "review-2", "name": "Review", "hours": 1},
                {"id": "wrap", "name": "Wrap up", "hours": 1, "after": ["review-2", "prep"]},
            ],
        },
    ],
    "milestones": [
        {"id": "launch", "name": 'Launch, v1 "GA"', "date": "2027-02-01", "description": "Ship"}
    ],
}


def read_back(data: bytes) -> list[dict[str, str]]:
    """The rows as the csv module reads them, after checking the header and the dialect."""
    assert not data.startswith(b"\xef\xbb\xbf"), "no byte order mark for an importer"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    assert header in (HEADER, [*HEADER, "Tags"])  # Tags only for a plan with habits
    assert all(len(row) == len(header) for row in rows)
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def parse_us(text: str) -> dt.date:
    """``MM/DD/YYYY`` back to a date."""
    assert US_DATE.match(text), text
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def test_bundled_plan_matches_golden() -> None:
    """The bundled plan's Asana file equals tests/golden/ai-pm-transition.asana.csv to the byte."""
    data = csv_bytes(ASANA, bundled_schedule())
    check_golden(data, "ai-pm-transition.asana.csv")


def test_header_is_asanas_with_name_first_and_rows_end_in_crlf() -> None:
    """The header is exactly Name, Description, Section, Start/Due Date, Dependencies, and
    Tags for the bundled plan, which has habits."""
    data = csv_bytes(ASANA, bundled_schedule())
    assert data.startswith(b"Name,")
    assert data.endswith(b"\r\n")
    assert data.split(b"\r\n")[0].decode() == ",".join([*HEADER, "Tags"])
    read_back(data)


def test_one_row_per_task_and_none_per_phase() -> None:
    """Each task is a row, in its phase's section; phases are sections, not rows."""
    schedule = bundled_schedule()
    rows = read_back(csv_bytes(ASANA, schedule))
    assert len(rows) == len(schedule.tasks) + len(schedule.milestones)
    phase_names = {phase.name for phase in schedule.phases}
    assert not {row["Name"] for row in rows} & phase_names
    sections = {task.name: task.phase for task in schedule.tasks}
    phase_of = {phase.key: phase.name for phase in schedule.phases}
    for row in rows:
        assert row["Section"] == phase_of[sections[row["Name"]]]


def test_dates_are_us_dates_of_the_schedule() -> None:
    """Start Date is the first session's local day and Due Date the last's, as MM/DD/YYYY; a
    habit's are the first and last day of its span."""
    schedule = bundled_schedule()
    zone = ZoneInfo(schedule.availability.timezone)
    rows = {row["Name"]: row for row in read_back(csv_bytes(ASANA, schedule))}
    for task in schedule.tasks:
        row = rows[task.name]
        assert task.start is not None
        first = task.start.astimezone(zone).date() if task.habit is None else task.habit.first_day
        assert parse_us(row["Start Date"]) == first
        assert parse_us(row["Due Date"]) == task.end_date
        if task.habit is not None:
            assert task.end_date == task.habit.last_day
    assert rows["Enroll in Google Project Management Certificate"]["Start Date"] == "01/04/2027"


def test_rows_are_in_start_date_order() -> None:
    """Rows follow the start dates, so the file reads as the plan unfolds."""
    rows = read_back(csv_bytes(ASANA, bundled_schedule()))
    starts = [parse_us(row["Start Date"]) for row in rows]
    assert starts == sorted(starts)


def test_dependencies_name_rows_above() -> None:
    """Every name in Dependencies is the Name of a row above it, as Asana requires."""
    for schedule in (bundled_schedule(), schedule_of(TRICKY)):
        rows = read_back(csv_bytes(ASANA, schedule))
        above: set[str] = set()
        linked = 0
        for row in rows:
            names = row["Dependencies"].split(",") if row["Dependencies"] else []
            assert set(names) <= above, row["Name"]
            linked += len(names)
            above.add(row["Name"])
        assert linked


def test_bundled_dependencies_match_the_plan() -> None:
    """Each task's predecessors in the plan appear by name in its Dependencies cell."""
    schedule = bundled_schedule()
    names = {task.key: task.name for task in schedule.tasks}
    rows = {row["Name"]: row for row in read_back(csv_bytes(ASANA, schedule))}
    for task in schedule.tasks:
        cell = rows[task.name]["Dependencies"]
        assert (cell.split(",") if cell else []) == [names[key] for key in task.after]


def test_predecessor_above_even_when_listed_after_its_dependent() -> None:
    """A predecessor later in the file that starts the same day still gets the row above."""
    data = {
        "plan": "order",
        "title": "Order",
        "defaults": {"timezone": "Europe/Berlin", "windows": {"mon-thu": "19:00-21:00"}},
        "phases": [
            {
                "id": "p",
                "name": "P",
                "tasks": [
                    {"id": "late", "name": "Listed first", "hours": 1, "after": ["early"]},
                    {"id": "early", "name": "Listed second", "hours": 0.5},
                ],
            }
        ],
    }
    rows = read_back(csv_bytes(ASANA, schedule_of(data)))
    assert [row["Start Date"] for row in rows] == ["01/04/2027", "01/04/2027"]
    assert [row["Name"] for row in rows] == ["Listed second", "Listed first"]
    assert rows[1]["Dependencies"] == "Listed second"


def test_repeated_names_are_suffixed_and_links_use_the_new_name() -> None:
    """A second "Review" becomes "Review (2)", and a task after it names "Review (2)"."""
    rows = {row["Name"]: row for row in read_back(csv_bytes(ASANA, schedule_of(TRICKY)))}
    assert len(rows) == 7  # six tasks and a milestone, no name lost to a collision
    assert rows["Review"]["Section"] == 'Prépa, "eins"'
    assert rows["Review (2)"]["Section"] == "Ship"
    assert "Review (2)" in rows["Wrap up"]["Dependencies"].split(",")


def test_a_phase_predecessor_is_its_last_finishing_task() -> None:
    """``after: [prep]`` links to the prep task that finishes last, as the phase is no row."""
    rows = read_back(csv_bytes(ASANA, schedule_of(TRICKY)))
    prep = [row for row in rows if row["Section"] == 'Prépa, "eins"']
    last = max(prep, key=lambda row: (parse_us(row["Due Date"]), rows.index(row)))
    wrap = next(row for row in rows if row["Name"] == "Wrap up")
    assert last["Name"] == "Review"
    assert wrap["Dependencies"].split(",") == ["Review", "Review (2)"]  # in row order


def test_a_predecessors_commas_become_semicolons() -> None:
    """A linked name loses its commas, which would split it in Dependencies; others keep them."""
    rows = {row["Name"]: row for row in read_back(csv_bytes(ASANA, schedule_of(TRICKY)))}
    assert "Draft; outline" in rows
    assert rows['Read "Ça va", chapter 1']["Dependencies"] == "Draft; outline"


def test_milestone_is_a_dated_row_whose_description_says_milestone() -> None:
    """A fixed milestone is a row with only a due date, in no section, described as one."""
    rows = read_back(csv_bytes(ASANA, schedule_of(TRICKY)))
    milestone = next(row for row in rows if row["Name"] == 'Launch, v1 "GA"')
    assert milestone["Description"].split("\n\n") == ["Milestone", "Ship"]
    assert (milestone["Start Date"], milestone["Due Date"]) == ("", "02/01/2027")
    assert milestone["Section"] == ""


def test_description_carries_the_effort_in_hours() -> None:
    """Asana has no estimate field, so each description ends with the effort in hours."""
    schedule = bundled_schedule()
    rows = {row["Name"]: row for row in read_back(csv_bytes(ASANA, schedule))}
    for task in schedule.tasks:
        if task.habit is not None:  # a habit's span and its time in all
            assert f"Habit: {task.habit.rhythm.text}, " in rows[task.name]["Description"]
            continue
        effort = f"Effort: {task.effort / 60:g} h."
        assert effort in rows[task.name]["Description"].split("\n\n")


def test_text_survives_a_round_trip() -> None:
    """Non-ASCII, commas, quotes and newlines come back from csv.reader unchanged."""
    rows = read_back(csv_bytes(ASANA, schedule_of(TRICKY)))
    formula = next(row for row in rows if "HYPERLINK" in row["Name"])
    assert formula["Description"].startswith(TRICKY_DESCRIPTION + "\n\n")
    names = {row["Name"] for row in rows}
    assert {'Read "Ça va", chapter 1', 'Launch, v1 "GA"'} <= names
    assert {row["Section"] for row in rows} == {'Prépa, "eins"', "Ship", ""}


def test_formula_name_is_neutralised_but_intact() -> None:
    """A name starting with = gets a leading space; nothing else in it changes."""
    rows = read_back(csv_bytes(ASANA, schedule_of(TRICKY)))
    formula = next(row for row in rows if "HYPERLINK" in row["Name"])
    assert formula["Name"] == " " + FORMULA
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell


def test_progress_shows_in_descriptions_and_dates() -> None:
    """After a rerun a done task says when it was done and ends that day; spent time shows."""
    actuals = Actuals(
        today=dt.date(2027, 1, 11),
        done={"enroll-google-pm-cert": dt.date(2027, 1, 5)},
        spent={"read-ai-for-everyone-book": 60},
    )
    before = {row["Name"]: row for row in read_back(csv_bytes(ASANA, bundled_schedule()))}
    after = {row["Name"]: row for row in read_back(csv_bytes(ASANA, bundled_schedule(actuals)))}
    enroll = "Enroll in Google Project Management Certificate"
    assert "Done on" not in before[enroll]["Description"]
    assert "Done on 2027-01-05." in after[enroll]["Description"].split("\n\n")
    assert after[enroll]["Due Date"] == "01/05/2027"
    book = after["Read 'AI For Everyone' book"]["Description"]
    effort = next(
        t.effort for t in bundled_schedule().tasks if t.key == "read-ai-for-everyone-book"
    )
    text = f"Effort: {effort / 60:g} h. Spent: 1 h; remaining: {(effort - 60) / 60:g} h."
    assert text in book.split("\n\n")


def test_settings_tell_how_to_import() -> None:
    """The terminal lines say: a new project, start dates need a paid plan, MM/DD/YYYY."""
    text = " ".join(ASANA.settings)
    assert "new, empty Asana project" in text
    assert "paid" in text
    assert "MM/DD/YYYY" in text
