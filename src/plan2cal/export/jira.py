"""Jira Cloud's CSV importer: an Epic per phase, a Task per task (specs/import-formats.md §2).

Headers are Jira's own field names so the importer maps them by itself (§2.3); epics come
before their tasks and a task's ``Parent`` is its epic's ``Issue ID`` (§2.5); estimates are
in seconds (§2.3, SimpleTimeEstimateConverter); dates are ``yyyy-MM-dd``, the one format that
does not depend on the importer's language (§2.4). Labels and blocking links repeat their
header once per value (§2.8). A link goes on the predecessor's row: the importer makes the row's
issue the link's source and gives it the type's outward wording (§15b), so a ``Blocks`` column
on row A holding B reads "A blocks B". With the keys of issues already imported, each row
carries its ``Issue Key`` so that a rerun updates them instead of creating duplicates (§2.9).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from plan2cal.diagnostics import quoted
from plan2cal.durations import duration_text
from plan2cal.errors import PlanError
from plan2cal.export.tabular import Column, Item, Target, habit_text, plan_items, wait_text
from plan2cal.load import read_input_bytes
from plan2cal.schedule import Schedule

DATE_FORMAT = "yyyy-MM-dd"  # what the importer's "Date format" box must say
PRIORITY = {
    "highest": "Highest",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "lowest": "Lowest",
}  # Jira's default priority scheme
STATUS = {"to do": "To Do", "in progress": "In Progress", "done": "Done"}
# A project key (a letter, then letters, digits or underscores) and the issue's number.
_ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[0-9]+")


def task_label(key: str) -> str:
    """The label that ties a Jira issue to its plan item, so keys can be found again."""
    return f"plan2cal-{key}"


def jira_items(schedule: Schedule) -> list[Item]:
    """The rows in the order Jira needs them: epics, then tasks, then milestone tasks."""
    return _order(plan_items(schedule))


def _order(items: list[Item]) -> list[Item]:
    # Rows top-down: epics, then tasks, then milestone tasks (§2.5, J6).
    rank = {"phase": 0, "task": 1, "milestone": 2}
    return sorted(items, key=lambda item: rank[item.kind])


def _description(item: Item) -> str:
    parts = [item.description] if item.description else []
    if item.wait_days:
        parts.append(wait_text(item))
    elif item.every:
        parts.append(habit_text(item))
    elif item.kind == "task":
        parts.append(f"Effort: {duration_text(item.effort)}.")
    if item.link:
        parts.append(item.link)
    return "\n\n".join(parts)


def successors(items: Sequence[Item]) -> dict[str, list[str]]:
    """Row id → the ids of the rows whose ``after`` names it, in row order."""
    following: dict[str, list[str]] = {item.key: [] for item in items}
    for item in items:
        for dep in item.depends_on:
            if dep in following:
                following[dep].append(item.key)
    return following


def jira_target(
    items_ids: Mapping[str, int],
    keys: Mapping[str, str] | None = None,
    following: Mapping[str, Sequence[str]] | None = None,
) -> Target:
    """The Jira target; ``items_ids`` numbers the rows, ``keys`` gives known Jira issue keys,
    ``following`` the rows that wait for each row (successors)."""
    following = following or {}

    def issue_type(item: Item) -> str:
        return {"phase": "Epic", "task": "Task", "milestone": "Task"}[item.kind]

    def parent(item: Item) -> str:
        return str(items_ids[item.phase]) if item.kind == "task" else ""

    def estimate(minutes: int, item: Item) -> str:
        # A wait takes calendar time and no work: no estimate rather than 0.
        return str(minutes * 60) if item.kind == "task" and not item.wait_days else ""

    def labels(item: Item) -> list[str]:
        extra = [item.phase] if item.kind == "task" else []
        extra += ["milestone"] if item.kind == "milestone" else []
        extra += ["habit"] if item.every else []
        return ["plan2cal", task_label(item.key), *extra]

    def blocks(item: Item) -> list[str]:
        return [str(items_ids[key]) for key in following.get(item.key, ()) if key in items_ids]

    columns = [Column("Issue ID", lambda item: str(items_ids[item.key]), text=False)]
    if keys:
        columns.append(Column("Issue Key", lambda item: keys.get(item.key, ""), text=False))
    columns += [
        Column("Issue Type", issue_type, text=False),
        Column("Summary", lambda item: item.name),
        Column("Description", _description),
        Column("Parent", parent, text=False),
        Column("Start date", lambda item: item.start.isoformat() if item.start else "", text=False),
        Column("Due date", lambda item: item.due.isoformat() if item.due else "", text=False),
        Column("Original Estimate", lambda item: estimate(item.effort, item), text=False),
        Column("Remaining Estimate", lambda item: estimate(item.remaining, item), text=False),
        Column("Priority", lambda item: PRIORITY[item.priority], text=False),
        Column("Status", lambda item: STATUS[item.status], text=False),
        Column("Labels", labels, text=False),
        Column("Blocks", blocks, text=False),
    ]
    return Target(
        name="jira",
        suffix="jira.csv",
        columns=columns,
        items=jira_items,
        settings=(
            f"Date format: {DATE_FORMAT} (exactly this: with any other, Jira silently replaces "
            "every date with the import time)",
            "File encoding UTF-8, delimiter comma; or load the saved configuration beside it, "
            "{config}",
            "Map Parent to Parent, Start date to the Start date field, Original and Remaining "
            "Estimate to the time-tracking estimates (seconds), and Blocks to the link type "
            "Blocks (each row blocks the issues its Blocks cells name); after the first import, "
            "open one task with an 'after' and check that it 'is blocked by' the right issue",
            "To update instead of duplicating on a rerun, export the issues from Jira and pass "
            "the file with --jira-keys",
        ),
    )


def issue_ids(items: list[Item]) -> dict[str, int]:
    """Import-local issue ids, 1… in row order."""
    return {item.key: number for number, item in enumerate(items, start=1)}


def config_json(keys: bool) -> bytes:
    """The importer's saved configuration (§2.10): date format and field mappings.

    ``Parent`` maps to ``parent``, not ``subtask-parent-id``: the latter links only sub-tasks
    (§2.5, J8) and a Task under an Epic is not one; a 2024 generator uses ``parent`` (J14).
    Link types and custom fields have site-specific ids, so the wizard asks for those: the
    ``Blocks`` column gets no ``link.type`` here, since no id is the same on every site.
    """
    mappings: dict[str, dict[str, str]] = {
        "Issue ID": {"jira.field": "issue-id"},
        "Issue Type": {"jira.field": "issuetype"},
        "Summary": {"jira.field": "summary"},
        "Description": {"jira.field": "description"},
        "Parent": {"jira.field": "parent"},
        "Due date": {"jira.field": "duedate"},
        "Original Estimate": {"jira.field": "timeoriginalestimate"},
        "Remaining Estimate": {"jira.field": "timeestimate"},
        "Priority": {"jira.field": "priority"},
        "Status": {"jira.field": "status"},
        "Labels": {"jira.field": "labels"},
    }
    if keys:
        mappings["Issue Key"] = {"jira.field": "issuekey"}
    config = {
        "config.version": "2.0",
        "config.encoding": "UTF-8",
        "config.delimiter": ",",
        "config.date.format": DATE_FORMAT,
        "config.field.mappings": mappings,
        "config.value.mappings": {},
    }
    return (json.dumps(config, indent=2) + "\n").encode()


def read_jira_keys(path: Path, items: list[Item]) -> dict[str, str]:
    """Plan item id → Jira issue key, from a CSV exported by Jira.

    An issue belongs to an item when it carries the item's ``plan2cal-<id>`` label, else when
    its summary equals the item's name exactly (and no other item has that name).
    """
    try:
        # Bounded, and only a regular file: a pipe in its place would wait for a writer.
        text = read_input_bytes(path).decode("utf-8-sig")
    except PlanError as exc:
        raise PlanError(
            f"{exc}; export the issues from Jira again and pass the file with --jira-keys"
        ) from None
    except UnicodeDecodeError:
        raise PlanError(f"{path}: the Jira export is not UTF-8 text") from None
    if "\0" in text:
        # Python's csv reads NUL as a character since 3.11; no CSV Jira writes holds one.
        line = text.count("\n", 0, text.index("\0")) + 1
        raise PlanError(f"{path}:{line}: the Jira export contains a NUL byte; it is not text")
    # Line numbers of where each record starts: Jira's descriptions span several lines.
    # strict: a quote left open would otherwise swallow the rest of the file without a word.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[int] = []
    rows: list[list[str]] = []
    line = 1
    try:
        for row in reader:
            lines.append(line)
            rows.append(row)
            line = reader.line_num + 1
    except csv.Error as exc:  # a quote left open or misplaced, a field over 128 KB
        raise PlanError(f"{path}:{line}: not a CSV file Jira exported ({exc})") from None
    if not rows:
        raise PlanError(f"{path}: the Jira export is empty")
    header = [name.strip().lower() for name in rows[0]]
    if "issue key" not in header:
        raise PlanError(
            f"{path}:1: no 'Issue key' column; export the issues from Jira as CSV (all fields)"
        )
    key_at = header.index("issue key")
    summary_at = header.index("summary") if "summary" in header else None
    label_at = [i for i, name in enumerate(header) if name == "labels"]
    by_label = {task_label(item.key): item.key for item in items}
    names: dict[str, list[str]] = {}
    for item in items:
        names.setdefault(item.name, []).append(item.key)
    found: dict[str, str] = {}
    for number, row in zip(lines[1:], rows[1:], strict=True):
        if len(row) <= key_at or not row[key_at].strip():
            continue
        issue = row[key_at].strip()
        labels = [row[i].strip() for i in label_at if i < len(row)]
        match = next((by_label[label] for label in labels if label in by_label), None)
        if match is None and summary_at is not None and summary_at < len(row):
            same = names.get(row[summary_at].strip(), [])
            match = same[0] if len(same) == 1 else None
        if match is not None:
            if not _ISSUE_KEY.fullmatch(issue):
                raise PlanError(
                    f"{path}:{number}: {quoted(issue)} is not a Jira issue key such as RM-12; "
                    "export the issues from Jira again"
                )
            if match in found and found[match] != issue:
                raise PlanError(
                    f"{path}:{number}: '{match}' matches both {found[match]} and {issue}; "
                    "remove one from the export"
                )
            found[match] = issue
    return found
