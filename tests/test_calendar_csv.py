"""plan2cal.export.gcal and .outlook: the calendar CSVs, byte for byte and read back with csv.

The goldens are tests/golden/ai-pm-transition.gcal.csv and .outlook.csv. To regenerate them on
purpose, run ``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_calendar_csv.py`` and review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from goldens import START, bundled_schedule, check_golden, schedule_of
from plan2cal.export.gcal import GCAL
from plan2cal.export.outlook import OUTLOOK
from plan2cal.export.tabular import Target, csv_bytes
from plan2cal.schedule import Actuals, Schedule

BERLIN = ZoneInfo("Europe/Berlin")
GCAL_HEADER = [
    "Subject",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "All Day Event",
    "Description",
    "Location",
    "Private",
]
OUTLOOK_HEADER = [
    "Subject",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "All day event",
    "Reminder on/off",
    "Description",
    "Location",
    "Categories",
    "Private",
    "Show time as",
]
GCAL_DATE = re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/\d{4}$")
OUTLOOK_DATE = re.compile(r"^([1-9]|1[0-2])/([1-9]|[12]\d|3[01])/\d{4}$")
CLOCK = re.compile(r"^([1-9]|1[0-2]):[0-5]\d (AM|PM)$")
FORMULA = '=HYPERLINK("http://example.com","x")'
TRICKY_DESCRIPTION = 'Zeile eins, mit "Zitat"\nZeile zwei: naïve café — 東京'
TRICKY: dict[str, Any] = {
    "plan": "tricky",
    "title": "Tricky text",
    "defaults": {"timezone": "Europe/Berlin", "windows": {"mon-thu": "19:00-21:00"}},
    "phases": [
        {
            "id": "prep",
            "name": 'Prépa, "eins"',
            "description": "Zwei\nZeilen",
            "tasks": [
                {"id": "formula", "name": FORMULA, "hours": 1, "description": TRICKY_DESCRIPTION},
                {"id": "read", "name": 'Read "Ça va",\nchapter 1', "hours": 1},
            ],
        }
    ],
    "milestones": [{"id": "launch", "name": 'Launch, v1 "GA"', "date": "2027-02-01"}],
}


def parse_gcal_date(text: str) -> dt.date:
    """``MM/DD/YYYY`` back to a date."""
    assert GCAL_DATE.match(text), text
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def parse_outlook_date(text: str) -> dt.date:
    """``M/D/YYYY`` back to a date."""
    assert OUTLOOK_DATE.match(text), text
    month, day, year = (int(part) for part in text.split("/"))
    return dt.date(year, month, day)


FORMATS: dict[str, tuple[Target, list[str], str, Callable[[str], dt.date]]] = {
    "gcal": (GCAL, GCAL_HEADER, "All Day Event", parse_gcal_date),
    "outlook": (OUTLOOK, OUTLOOK_HEADER, "All day event", parse_outlook_date),
}
each_format = pytest.mark.parametrize("name", list(FORMATS))


def read_back(name: str, schedule: Schedule) -> list[dict[str, str]]:
    """The format's rows for a schedule as csv reads them, after checking header and dialect."""
    target, header, _, _ = FORMATS[name]
    data = csv_bytes(target, schedule)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == header
    assert all(len(row) == len(header) for row in rows)
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def clock(moment: dt.datetime) -> str:
    """A local time as the 12-hour clock without a leading zero, via strftime."""
    return moment.strftime("%I:%M %p").lstrip("0")


@each_format
def test_bundled_plan_matches_golden(name: str) -> None:
    """The bundled plan's file equals tests/golden/ai-pm-transition.<name>.csv to the byte."""
    target = FORMATS[name][0]
    data = csv_bytes(target, bundled_schedule())
    check_golden(data, f"ai-pm-transition.{target.suffix}")


@each_format
def test_one_row_per_session_then_all_day_milestones(name: str) -> None:
    """Each session is a timed row; each phase and fixed milestone an all-day row after them."""
    schedule = schedule_of(TRICKY)
    all_day = FORMATS[name][2]
    rows = read_back(name, schedule)
    sessions, milestones = rows[: len(schedule.sessions)], rows[len(schedule.sessions) :]
    assert len(milestones) == len(schedule.phases) + len(schedule.milestones) == 2
    assert {row[all_day] for row in sessions} == {"False"}
    assert {row[all_day] for row in milestones} == {"True"}
    assert [row["Subject"] for row in milestones] == [
        'Milestone: Prépa, "eins"',
        'Milestone: Launch, v1 "GA"',
    ]


@each_format
def test_bundled_row_counts(name: str) -> None:
    """The bundled plan gives one row per session plus one per phase milestone."""
    schedule = bundled_schedule()
    rows = read_back(name, schedule)
    assert len(rows) == len(schedule.sessions) + len(schedule.phases) + len(schedule.milestones)


@each_format
def test_session_dates_and_times_are_the_schedules_local_ones(name: str) -> None:
    """Every session row has its session's Berlin date and 12-hour time, across the DST change."""
    schedule = bundled_schedule()
    parse = FORMATS[name][3]
    rows = read_back(name, schedule)
    for session, row in zip(schedule.sessions, rows, strict=False):
        begin, end = session.start.astimezone(BERLIN), session.end.astimezone(BERLIN)
        assert CLOCK.match(row["Start Time"]) and CLOCK.match(row["End Time"])
        assert (row["Start Time"], row["End Time"]) == (clock(begin), clock(end))
        assert (parse(row["Start Date"]), parse(row["End Date"])) == (begin.date(), end.date())
    # The relationships habit's half hour opens the first evening.
    assert (rows[0]["Start Time"], rows[0]["End Time"]) == ("7:00 PM", "7:30 PM")
    assert (rows[1]["Start Time"], rows[1]["End Time"]) == ("7:45 PM", "8:45 PM")
    # 2027-03-28 is the first day of summer time: the evening windows stay at 7 PM local.
    after_change = [row for row in rows if parse(row["Start Date"]) == dt.date(2027, 3, 29)]
    assert after_change and after_change[0]["Start Time"] == "7:00 PM"
    saturday = [row for row in rows if parse(row["Start Date"]) == dt.date(2027, 1, 9)]
    assert saturday and saturday[0]["Start Time"] == "9:00 AM"


@each_format
def test_milestones_are_dated_all_day_rows_without_an_end(name: str) -> None:
    """A phase milestone is all day on the phase's last day, with no End Date and no times."""
    schedule = bundled_schedule()
    parse = FORMATS[name][3]
    rows = read_back(name, schedule)[len(schedule.sessions) :]
    for phase, row in zip(schedule.phases, rows, strict=True):
        assert row["Subject"] == f"Milestone: {phase.name}"
        assert parse(row["Start Date"]) == phase.end
        assert (row["End Date"], row["Start Time"], row["End Time"]) == ("", "", "")


@each_format
def test_description_names_phase_and_effort(name: str) -> None:
    """A session's description starts with its phase and its task's total effort; a habit's
    with its rhythm."""
    schedule = bundled_schedule()
    habit, enroll = read_back(name, schedule)[:2]
    assert habit["Subject"].startswith("Habit: Build relationships")
    assert habit["Description"].split("\n")[:2] == [
        "Phase: Foundation Building",
        "Habit: 30m a week",
    ]
    effort = next(t.effort for t in schedule.tasks if t.key == "enroll-google-pm-cert")
    lines = enroll["Description"].split("\n")
    assert lines[:2] == ["Phase: Foundation Building", f"Task effort: {effort / 60:g} h"]


def test_outlook_fields_busy_free_no_reminder_category() -> None:
    """Outlook sessions show busy (2), milestones free (0); no reminders; category plan2cal."""
    schedule = bundled_schedule()
    rows = read_back("outlook", schedule)
    sessions, milestones = rows[: len(schedule.sessions)], rows[len(schedule.sessions) :]
    assert {row["Show time as"] for row in sessions} == {"2"}
    assert {row["Show time as"] for row in milestones} == {"0"}
    assert {row["Reminder on/off"] for row in rows} == {"False"}
    assert {row["Categories"] for row in rows} == {"plan2cal"}
    assert {row["Private"] for row in rows} == {"True"}
    assert rows[0]["Start Date"] == "1/4/2027"


def test_gcal_dates_keep_leading_zeros() -> None:
    """Google's dates are MM/DD/YYYY with leading zeros, as in its example 05/30/2020."""
    rows = read_back("gcal", bundled_schedule())
    assert rows[0]["Start Date"] == rows[0]["End Date"] == "01/04/2027"
    assert {row["Private"] for row in rows} == {"True"}


@each_format
def test_text_survives_a_round_trip(name: str) -> None:
    """Non-ASCII, commas, quotes and newlines come back from csv.reader unchanged."""
    rows = read_back(name, schedule_of(TRICKY))
    formula = next(row for row in rows if "HYPERLINK" in row["Subject"])
    assert formula["Description"].endswith("\n\n" + TRICKY_DESCRIPTION)
    # The hour after the formula task's hour has 45 min, after the break: read, which does not
    # fit, waits for a slot that holds it whole.
    assert 'Read "Ça va",\nchapter 1 (1/1)' in {row["Subject"] for row in rows}
    milestone = next(row for row in rows if row["Subject"] == 'Milestone: Prépa, "eins"')
    assert milestone["Description"] == "Zwei\nZeilen"


@each_format
def test_formula_subject_is_neutralised_but_intact(name: str) -> None:
    """A subject starting with = gets a leading space; no cell starts a formula."""
    rows = read_back(name, schedule_of(TRICKY))
    formula = next(row for row in rows if "HYPERLINK" in row["Subject"])
    assert formula["Subject"] == f" {FORMULA} (1/1)"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell


@each_format
def test_done_sessions_say_done_after_a_rerun(name: str) -> None:
    """After a rerun the sessions of a task marked done keep their time and read "Done: …"."""
    actuals = Actuals(today=dt.date(2027, 1, 11), done={"enroll-google-pm-cert": START})
    before = read_back(name, bundled_schedule())[1]
    after = next(
        row
        for row in read_back(name, bundled_schedule(actuals))
        if row["Subject"].startswith("Done: Enroll in Google")
    )
    assert before["Subject"].startswith("Enroll in Google")
    # Done on its first day: the first session stays, now the task's only one.
    assert after["Subject"] == "Done: Enroll in Google Project Management Certificate (1/1)"
    assert (after["Start Date"], after["Start Time"]) == (before["Start Date"], "7:45 PM")
    assert before["Start Time"] == "7:45 PM"


@pytest.mark.parametrize("target", [GCAL, OUTLOOK])
def test_settings_say_zone_and_rerun(target: Target) -> None:
    """The terminal lines name the time-zone rule and send reruns to the .ics."""
    text = " ".join(target.settings)
    assert "time zone" in text
    assert "duplicates" in text
    assert ".ics" in text
