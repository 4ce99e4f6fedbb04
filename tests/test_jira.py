"""plan2cal.export.jira: the Jira CSV and its importer configuration, byte for byte and read back.

The goldens are tests/golden/ai-pm-transition.jira.csv and .jira-config.json. To regenerate them
on purpose, run ``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_jira.py`` and review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from conftest import DEMO_PLAN
from goldens import bundled_schedule, check_golden, schedule_of
from plan2cal.errors import PlanError
from plan2cal.export.formats import TABLE_FORMATS, Options, Rendered
from plan2cal.export.jira import jira_items, read_jira_keys
from plan2cal.schedule import Actuals, Schedule

BOM = b"\xef\xbb\xbf"
# The single-valued columns in the order jira.py writes them; Labels and Blocks follow,
# each repeated once per value of the row with the most.
SINGLE = [
    "Issue ID",
    "Issue Type",
    "Summary",
    "Description",
    "Parent",
    "Start date",
    "Due date",
    "Original Estimate",
    "Remaining Estimate",
    "Priority",
    "Status",
]
MULTI = ["Labels", "Blocks"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# §2.2: no punctuation in a header but the separating commas.
PLAIN_HEADER = re.compile(r"^[A-Za-z][A-Za-z ]*[A-Za-z]$")
JIRA_PRIORITY = {
    "highest": "Highest",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "lowest": "Lowest",
}

Run = Callable[..., Result]
WritePlan = Callable[..., Path]


@dataclass(frozen=True)
class Issue:
    """One data row of the Jira CSV; repeated headers keep all their cells."""

    cells: dict[str, list[str]]

    def __getitem__(self, header: str) -> str:
        (value,) = self.cells[header]
        return value

    def many(self, header: str) -> list[str]:
        """The non-empty cells under a repeated header, in column order."""
        return [value for value in self.cells.get(header, []) if value]


def render(schedule: Schedule, keys: Path | None = None) -> Rendered:
    """The jira format's files and settings, as the command line gets them."""
    return TABLE_FORMATS["jira"].render(schedule, Options(jira_keys=keys))


def read_back(data: bytes) -> tuple[list[str], list[Issue]]:
    """The header and the rows as csv reads them, after checking the dialect and row widths."""
    assert not data.startswith(BOM), "no byte order mark for an importer"
    assert data.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    assert all(len(row) == len(header) for row in rows), "every row has every column"
    issues = []
    for row in rows[1:]:
        cells: dict[str, list[str]] = {}
        for name, value in zip(header, row, strict=True):
            cells.setdefault(name, []).append(value)
        issues.append(Issue(cells))
    return header, issues


def by_label(issues: list[Issue]) -> dict[str, Issue]:
    """Rows by the plan id in their ``plan2cal-<id>`` label."""
    found = {}
    for issue in issues:
        (key,) = [
            label.removeprefix("plan2cal-")
            for label in issue.many("Labels")
            if label.startswith("plan2cal-")
        ]
        found[key] = issue
    return found


LINKS: dict[str, Any] = {
    "plan": "links",
    "title": "Links",
    "defaults": {
        "timezone": "Europe/Berlin",
        "hours_per_week": 8,
        "windows": {"mon-thu": "19:00-21:00"},
    },
    "phases": [
        {
            "id": "prep",
            "name": "Prep",
            "tasks": [
                {"id": "a", "name": "A", "hours": 8, "priority": "highest"},
                {"id": "b", "name": "B", "hours": 1.5, "priority": "high"},
                {"id": "c", "name": "C", "hours": 1, "after": ["a", "b"], "priority": "low"},
            ],
        },
        {
            "id": "ship",
            "name": "Ship",
            "tasks": [
                {"id": "d", "name": "D", "hours": 1, "after": ["prep"], "priority": "lowest"}
            ],
        },
    ],
    "milestones": [{"id": "launch", "name": "Launch", "date": "2027-03-01"}],
}


# One task that two others wait for: its row blocks both.
FAN_OUT: dict[str, Any] = {
    **LINKS,
    "phases": [
        {
            "id": "prep",
            "name": "Prep",
            "tasks": [
                {"id": "a", "name": "A", "hours": 2},
                {"id": "b", "name": "B", "hours": 1, "after": ["a"]},
                {"id": "c", "name": "C", "hours": 1, "after": ["a"]},
            ],
        }
    ],
}


# ---------------------------------------------------------------------------- golden files


def test_bundled_plan_csv_matches_golden() -> None:
    """The bundled plan's Jira CSV equals tests/golden/ai-pm-transition.jira.csv to the byte."""
    check_golden(render(bundled_schedule()).files["jira.csv"], "ai-pm-transition.jira.csv")


def test_bundled_plan_config_matches_golden() -> None:
    """The importer configuration equals tests/golden/ai-pm-transition.jira-config.json."""
    data = render(bundled_schedule()).files["jira-config.json"]
    check_golden(data, "ai-pm-transition.jira-config.json")


# ---------------------------------------------------------------------------- the CSV read back


def test_header_is_jiras_field_names_in_order_with_repeated_multi_value_headers() -> None:
    """Single columns in jira.py's order, then Labels ×4 (a habit has plan2cal, its id, its
    phase and habit) and Blocks ×2 for this plan."""
    header, issues = read_back(render(bundled_schedule()).files["jira.csv"])
    assert header == [*SINGLE, "Labels", "Labels", "Labels", "Labels", "Blocks", "Blocks"]
    for name in MULTI:
        assert header.count(name) == max(len(issue.many(name)) for issue in issues)


def test_multi_value_headers_repeat_as_often_as_the_fullest_row() -> None:
    """A task that two others wait for gets two Blocks columns; every other row pads them."""
    header, issues = read_back(render(schedule_of(FAN_OUT)).files["jira.csv"])
    assert header.count("Blocks") == 2
    assert header[-2:] == ["Blocks", "Blocks"]
    for name in MULTI:
        assert header.count(name) == max(len(issue.many(name)) for issue in issues)
        assert all(len(issue.cells[name]) == header.count(name) for issue in issues)


def test_headers_have_no_punctuation() -> None:
    """Headers are letters and spaces only, as Jira's importer asks (§2.2); none is quoted."""
    data = render(bundled_schedule()).files["jira.csv"]
    header, _ = read_back(data)
    for name in header:
        assert PLAIN_HEADER.match(name), name
    assert data.split(b"\r\n")[0] == ",".join(header).encode()


def test_epics_one_per_phase_come_before_every_task() -> None:
    """Each phase is an Epic named after it, and all epics are above the first task (§2.5)."""
    schedule = bundled_schedule()
    _, issues = read_back(render(schedule).files["jira.csv"])
    types = [issue["Issue Type"] for issue in issues]
    epics = types.count("Epic")
    assert epics == len(schedule.phases)
    assert types == ["Epic"] * epics + ["Task"] * (len(types) - epics)
    assert [issue["Summary"] for issue in issues[:epics]] == [p.name for p in schedule.phases]
    assert len(issues) == len(schedule.phases) + len(schedule.tasks) + len(schedule.milestones)


def test_issue_ids_are_unique_integers() -> None:
    """Issue ID is a distinct whole number on every row."""
    _, issues = read_back(render(bundled_schedule()).files["jira.csv"])
    ids = [issue["Issue ID"] for issue in issues]
    assert all(re.fullmatch(r"[1-9]\d*", value) for value in ids), ids
    assert len(set(ids)) == len(ids)


def test_each_task_parent_is_its_epics_issue_id() -> None:
    """A task's Parent is the Issue ID of its phase's epic; epics have no parent."""
    schedule = bundled_schedule()
    _, issues = read_back(render(schedule).files["jira.csv"])
    rows = by_label(issues)
    for phase in schedule.phases:
        assert rows[phase.key]["Parent"] == ""
    for task in schedule.tasks:
        assert rows[task.key]["Parent"] == rows[task.phase]["Issue ID"]


def test_dates_are_iso_and_those_of_the_schedule() -> None:
    """Start date is the first session's local day and Due date the last's, as yyyy-MM-dd."""
    schedule = bundled_schedule()
    zone = ZoneInfo(schedule.availability.timezone)
    _, issues = read_back(render(schedule).files["jira.csv"])
    for issue in issues:
        assert ISO_DATE.match(issue["Start date"]), issue["Start date"]
        assert ISO_DATE.match(issue["Due date"]), issue["Due date"]
    rows = by_label(issues)
    for task in schedule.tasks:
        assert task.start is not None
        # A habit's are its span's first and last day.
        first = task.habit.first_day if task.habit else task.start.astimezone(zone).date()
        assert rows[task.key]["Start date"] == first.isoformat()
        assert rows[task.key]["Due date"] == task.end_date.isoformat()
    for phase in schedule.phases:
        assert rows[phase.key]["Start date"] == phase.start.isoformat()
        assert rows[phase.key]["Due date"] == phase.end.isoformat()
    assert rows["enroll-google-pm-cert"]["Start date"] == "2027-01-04"


def test_estimates_are_seconds_of_the_effort() -> None:
    """Original and Remaining Estimate are the effort in seconds: 8 h is 28800; epics have none."""
    schedule = bundled_schedule()
    rows = by_label(read_back(render(schedule).files["jira.csv"])[1])
    for task in schedule.tasks:
        assert rows[task.key]["Original Estimate"] == str(task.effort * 60)
        assert rows[task.key]["Remaining Estimate"] == str(task.effort * 60)
    for phase in schedule.phases:
        assert rows[phase.key]["Original Estimate"] == rows[phase.key]["Remaining Estimate"] == ""
    small = by_label(read_back(render(schedule_of(LINKS)).files["jira.csv"])[1])
    assert small["a"]["Original Estimate"] == "28800"
    assert small["b"]["Original Estimate"] == "5400"


def test_priorities_are_jiras_default_names() -> None:
    """highest…lowest become Highest, High, Medium, Low, Lowest."""
    schedule = bundled_schedule()
    rows = by_label(read_back(render(schedule).files["jira.csv"])[1])
    for task in schedule.tasks:
        assert rows[task.key]["Priority"] == JIRA_PRIORITY[task.priority]
    small = by_label(read_back(render(schedule_of(LINKS)).files["jira.csv"])[1])
    assert [small[key]["Priority"] for key in "abcd"] == ["Highest", "High", "Low", "Lowest"]
    assert {issue["Priority"] for issue in rows.values()} <= set(JIRA_PRIORITY.values())


def _links_read_back(data: bytes) -> set[tuple[str, str]]:
    """(row's label id, id it blocks) for every Blocks cell: read as Jira does, the row's issue
    is the source and the cell's issue the target of a "blocks" link."""
    _, issues = read_back(data)
    label_of = {
        issue["Issue ID"]: next(
            label.removeprefix("plan2cal-")
            for label in issue.many("Labels")
            if label.startswith("plan2cal-")
        )
        for issue in issues
    }
    return {
        (label_of[issue["Issue ID"]], label_of[target])
        for issue in issues
        for target in issue.many("Blocks")
    }


def test_blocks_on_the_predecessors_row_rebuilds_every_after_link_in_its_direction() -> None:
    """Read back as "row blocks cell", the links are exactly the plan's ``after`` links of
    tasks whose prerequisite is a row: prerequisite blocks the task, never the other way."""
    for schedule in (bundled_schedule(), schedule_of(LINKS)):
        rows = read_back(render(schedule).files["jira.csv"])[1]
        keys = {issue["Issue ID"] for issue in rows}
        assert keys
        expected = {(dep, task.key) for task in schedule.tasks for dep in task.after}
        assert expected
        assert _links_read_back(render(schedule).files["jira.csv"]) == expected
    small = by_label(read_back(render(schedule_of(LINKS)).files["jira.csv"])[1])
    assert small["a"].many("Blocks") == [small["c"]["Issue ID"]]
    assert small["b"].many("Blocks") == [small["c"]["Issue ID"]]
    assert small["prep"].many("Blocks") == [small["d"]["Issue ID"]]
    assert small["c"].many("Blocks") == small["d"].many("Blocks") == []


def test_blocks_keeps_issue_ids_when_rows_carry_jira_keys(tmp_path: Path) -> None:
    """With --jira-keys the Issue ID numbering and the Blocks cells are those of a first run."""
    schedule = schedule_of(LINKS)
    first = render(schedule).files["jira.csv"]
    _, issues = read_back(first)
    export = tmp_path / "export.csv"
    export.write_text(
        "Issue key,Summary,Labels\n"
        + "".join(
            f"RM-{n},{issue['Summary']},{issue.many('Labels')[1]}\n"
            for n, issue in enumerate(issues, start=1)
        ),
        encoding="utf-8",
    )
    again = render(schedule, export).files["jira.csv"]
    assert _links_read_back(again) == _links_read_back(first)
    rows = by_label(read_back(again)[1])
    assert rows["a"]["Issue Key"] == "RM-" + rows["a"]["Issue ID"]


def test_labels_tie_each_row_to_its_plan_item_without_spaces() -> None:
    """Rows carry plan2cal and plan2cal-<id>; tasks add their phase; milestones add milestone."""
    small = by_label(read_back(render(schedule_of(LINKS)).files["jira.csv"])[1])
    assert small["prep"].many("Labels") == ["plan2cal", "plan2cal-prep"]
    assert small["c"].many("Labels") == ["plan2cal", "plan2cal-c", "prep"]
    assert small["launch"].many("Labels") == ["plan2cal", "plan2cal-launch", "milestone"]
    assert small["launch"]["Due date"] == "2027-03-01"
    for issue in small.values():
        assert not any(" " in label for label in issue.many("Labels"))


def test_config_sets_the_date_format_and_maps_the_written_headers() -> None:
    """The configuration says yyyy-MM-dd and maps every header but the link and Start date.

    Blocks needs a link type and Start date a custom field, both with site-specific ids
    (§2.10), so the wizard must ask for those two.
    """
    rendered = render(bundled_schedule())
    header, _ = read_back(rendered.files["jira.csv"])
    config = json.loads(rendered.files["jira-config.json"])
    assert config["config.date.format"] == "yyyy-MM-dd"
    assert config["config.encoding"] == "UTF-8"
    assert config["config.delimiter"] == ","
    mapped = set(config["config.field.mappings"])
    assert mapped <= set(header)
    assert mapped == set(header) - {"Blocks", "Start date"}


def test_settings_name_every_column_the_config_leaves_unmapped() -> None:
    """The printed settings tell how to map each written header the configuration cannot."""
    rendered = render(bundled_schedule())
    header, _ = read_back(rendered.files["jira.csv"])
    mapped = set(json.loads(rendered.files["jira-config.json"])["config.field.mappings"])
    text = " ".join(rendered.settings)
    for name in sorted(set(header) - mapped):
        assert name in text, f"nothing says how to map {name!r}"


def test_settings_warn_about_the_date_format() -> None:
    """The first setting is the exact date format and says a wrong one fails silently."""
    settings = render(bundled_schedule()).settings
    assert "yyyy-MM-dd" in settings[0]
    assert "silently" in settings[0]
    assert any("ai-pm-transition.jira-config.json" in line for line in settings)


def test_progress_shows_as_status_and_remaining_estimate() -> None:
    """After a rerun a done task is Done with nothing left; one with time spent is In Progress."""
    actuals = Actuals(
        today=dt.date(2027, 1, 11),
        done={"enroll-google-pm-cert": dt.date(2027, 1, 5)},
        spent={"read-ai-for-everyone-book": 60},
    )
    before = by_label(read_back(render(bundled_schedule()).files["jira.csv"])[1])
    after = by_label(read_back(render(bundled_schedule(actuals)).files["jira.csv"])[1])
    assert before["enroll-google-pm-cert"]["Status"] == "To Do"
    assert before["read-ai-for-everyone-book"]["Status"] == "To Do"
    done, book = after["enroll-google-pm-cert"], after["read-ai-for-everyone-book"]
    assert done["Status"] == "Done"
    assert done["Remaining Estimate"] == "0"
    assert done["Original Estimate"] == before["enroll-google-pm-cert"]["Original Estimate"]
    assert done["Due date"] == "2027-01-05"
    assert book["Status"] == "In Progress"
    effort = next(
        t.effort for t in bundled_schedule().tasks if t.key == "read-ai-for-everyone-book"
    )
    assert book["Original Estimate"] == str(effort * 60)
    assert book["Remaining Estimate"] == str((effort - 60) * 60)
    assert after["foundation"]["Status"] == "In Progress"
    assert after["job-search"]["Status"] == "To Do"


# ---------------------------------------------------------------------------- --jira-keys

# A Jira export of the bundled plan's issues: labels repeat their header as Jira's export does.
# RM-3 was renamed in Jira but keeps its label; RM-4 has lost its labels but kept its summary;
# RM-5 matches nothing; RM-6's summary differs in case only, which is no match.
EXPORT = (
    "Summary,Issue key,Issue id,Issue Type,Labels,Labels\r\n"
    "Foundation Building,RM-1,10001,Epic,plan2cal,plan2cal-foundation\r\n"
    "Enroll in Google Project Management Certificate,RM-2,10002,Task,plan2cal,"
    "plan2cal-enroll-google-pm-cert\r\n"
    "LinkedIn: new headline,RM-3,10003,Task,plan2cal-linkedin-headline,plan2cal\r\n"
    "Read 'AI For Everyone' book,RM-4,10004,Task,,\r\n"
    "Something else entirely,RM-5,10005,Task,unrelated,\r\n"
    "join pmi and local project management meetups,RM-6,10006,Task,,\r\n"
)
EXPECTED_KEYS = {
    "foundation": "RM-1",
    "enroll-google-pm-cert": "RM-2",
    "linkedin-headline": "RM-3",
    "read-ai-for-everyone-book": "RM-4",
}


def write_export(tmp_path: Path, text: str, name: str = "jira-export.csv") -> Path:
    """A Jira export CSV in tmp_path."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_read_jira_keys_matches_by_label_then_by_exact_summary(tmp_path: Path) -> None:
    """Labels plan2cal-<id> find their item; an unlabelled issue matches by its exact summary."""
    path = write_export(tmp_path, EXPORT)
    assert read_jira_keys(path, jira_items(bundled_schedule())) == EXPECTED_KEYS


def test_read_jira_keys_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    """An export saved with a UTF-8 BOM reads the same."""
    path = write_export(tmp_path, "\ufeff" + EXPORT)
    assert read_jira_keys(path, jira_items(bundled_schedule())) == EXPECTED_KEYS


def test_csv_with_keys_fills_issue_key_for_exactly_the_matched_rows(tmp_path: Path) -> None:
    """Issue Key follows Issue ID and holds the key on matched rows only; the config maps it."""
    path = write_export(tmp_path, EXPORT)
    rendered = render(bundled_schedule(), path)
    header, issues = read_back(rendered.files["jira.csv"])
    assert header[:3] == ["Issue ID", "Issue Key", "Issue Type"]
    assert header[3 : len(SINGLE) + 1] == SINGLE[2:]
    filled = {
        key: issue["Issue Key"] for key, issue in by_label(issues).items() if issue["Issue Key"]
    }
    assert filled == EXPECTED_KEYS
    assert all(PLAIN_HEADER.match(name) for name in header), header
    config = json.loads(rendered.files["jira-config.json"])
    assert config["config.field.mappings"]["Issue Key"] == {"jira.field": "issuekey"}
    assert f"{len(EXPECTED_KEYS)} of {len(issues)} rows" in rendered.settings[0]


def test_csv_without_keys_has_no_issue_key_column() -> None:
    """Without --jira-keys there is no Issue Key column and the config does not map one."""
    rendered = render(bundled_schedule())
    header, _ = read_back(rendered.files["jira.csv"])
    assert "Issue Key" not in header
    assert (
        "Issue Key" not in json.loads(rendered.files["jira-config.json"])["config.field.mappings"]
    )


BAD_EXPORTS = {
    "no issue key column": (
        "Summary,Issue id,Issue Type,Labels\r\n"
        "Foundation Building,10001,Epic,plan2cal-foundation\r\n",
        "Issue key",
    ),
    "empty": ("", "empty"),
    "two issues claim one task": (
        "Summary,Issue key,Issue id,Issue Type,Labels,Labels\r\n"
        "Foundation Building,RM-1,10001,Epic,plan2cal,plan2cal-foundation\r\n"
        "Foundation Building (copy),RM-7,10007,Epic,plan2cal,plan2cal-foundation\r\n",
        "RM-7",
    ),
}


@pytest.mark.parametrize("case", list(BAD_EXPORTS))
def test_bad_export_is_an_input_error_naming_the_file(tmp_path: Path, case: str) -> None:
    """No Issue key column, an empty file or two issues for one task raise PlanError."""
    text, words = BAD_EXPORTS[case]
    path = write_export(tmp_path, text)
    with pytest.raises(PlanError) as caught:
        read_jira_keys(path, jira_items(bundled_schedule()))
    assert str(path) in str(caught.value)
    assert words in str(caught.value)
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("case", list(BAD_EXPORTS))
def test_bad_export_exits_3_on_the_command_line(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run, case: str
) -> None:
    """Through the CLI a bad export exits 3 (invalid input) with one Error line naming the file."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    path = write_export(
        tmp_path, BAD_EXPORTS[case][0].replace("plan2cal-foundation", "plan2cal-one")
    )
    result = run_cli(
        "schedule", plan, "-o", tmp_path / "out", "--start", "2026-12-07", "--today", "2026-12-01",
        "--format", "jira", "--jira-keys", path,
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("Error: ")
    assert str(path) in result.stderr
    assert "Traceback" not in result.output


def test_conflict_names_the_line_where_the_second_issue_starts(tmp_path: Path) -> None:
    """Multi-line descriptions in the export do not throw off the line number in the error."""
    text = (
        "Summary,Issue key,Description,Labels\r\n"
        'Foundation Building,RM-1,"First line\r\nsecond line\r\nthird line",plan2cal-foundation\r\n'
        "Foundation Building again,RM-7,,plan2cal-foundation\r\n"
    )
    path = write_export(tmp_path, text)
    with pytest.raises(PlanError, match=re.escape(f"{path}:5:")):
        read_jira_keys(path, jira_items(bundled_schedule()))


def test_same_key_twice_for_one_task_is_no_conflict(tmp_path: Path) -> None:
    """An issue listed twice under one key (label and summary both match) is not an error."""
    text = EXPORT + "Foundation Building,RM-1,10001,Epic,,\r\n"
    path = write_export(tmp_path, text)
    assert read_jira_keys(path, jira_items(bundled_schedule())) == EXPECTED_KEYS


def test_cli_with_jira_keys_prints_how_many_rows_carry_keys(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """schedule --jira-keys says how many rows got a key and writes those keys in Issue Key."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    path = write_export(
        tmp_path,
        "Summary,Issue key,Issue id,Issue Type,Labels,Labels\r\n"
        "Phase One,DEMO-1,10001,Epic,plan2cal,plan2cal-one\r\n"
        "Task A renamed,DEMO-2,10002,Task,plan2cal,plan2cal-a\r\n"
        "Task B,DEMO-3,10003,Task,,\r\n"
        "Unrelated,DEMO-9,10009,Task,,\r\n",
    )
    out = tmp_path / "out"
    result = run_cli(
        "schedule", plan, "-o", out, "--start", "2026-12-07", "--today", "2026-12-01",
        "--format", "jira", "--jira-keys", path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    _, issues = read_back((out / "demo.jira.csv").read_bytes())
    assert "3 of 8 rows carry the Jira key" in result.stdout
    filled = {
        key: issue["Issue Key"] for key, issue in by_label(issues).items() if issue["Issue Key"]
    }
    assert filled == {"one": "DEMO-1", "a": "DEMO-2", "task-b": "DEMO-3"}
