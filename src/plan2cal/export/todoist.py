"""Todoist's CSV template import: fixed milestones first, then a section per phase, each followed
by its tasks.

Facts, from specs/import-formats.md §7 (Todoist Help [V T1]; the later columns [T T2]):

- Upper-case headers ``TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE,
  DATE, DATE_LANG, TIMEZONE`` [V], then ``DURATION, DURATION_UNIT`` [T].
- ``TYPE`` is ``task`` or ``section`` (lower case); a section row starts a section and the task
  rows below it belong to it, so each phase's row comes right before its tasks [V].
- ``INDENT`` 1 is top level [V]. ``CONTENT`` is the name, and ``@word`` in it becomes a label
  [V]. ``DATE`` takes ``2026-01-05`` with ``DATE_LANG`` ``en`` and ``TIMEZONE`` such as
  ``Europe/Berlin``; ``DURATION`` is an integer with ``DURATION_UNIT`` ``minute`` [T; U for the
  full grammar].
- There is no start date distinct from the due date [U]; the one date is the day the task
  starts, so that it turns up in Today when the work should begin. Current templates and
  exports also carry ``DEADLINE`` and ``DEADLINE_LANG`` [T T2]: a task's deadline goes there.
- No dependencies, no estimates but the duration, no updates: a rerun creates new tasks [U].
- No column marks a task completed [U]: a done task would import as an open one, overdue on a
  past date, so done tasks are left out, and a phase whose tasks are all done with them.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from plan2cal.durations import decimal_hours
from plan2cal.export.tabular import Column, Item, Target, habit_text, plan_items, wait_text
from plan2cal.schedule import Schedule

# Todoist Help: PRIORITY 1 = p1 (highest) … 4 = p4, empty = p1 [V T1]. Linear's Todoist
# importer reads 4 as the highest [C T3], which is the numbering of Todoist's API, not of the
# template: the vendor's page describes this very file, so it wins, and the settings line asks
# for a one-row test. Todoist has four levels, so low and lowest share p4.
PRIORITY = {"highest": "1", "high": "2", "medium": "3", "low": "4", "lowest": "4"}

# A fixed milestone is a task with this label (§7 example), so a filter finds them all; it is
# p1 because its date cannot move.
MILESTONE_LABEL = "@milestone"
MILESTONE_PRIORITY = "1"

# "@" at the start of CONTENT or after a space starts a label [V T1]. The plan's own text must
# not create labels, so such an "@" becomes "＠" (U+FF20 FULLWIDTH COMMERCIAL AT): it reads the
# same, stays searchable as text, and is not Todoist's label sign. An "@" inside a word, as in
# an e-mail address, is left alone.
_LABEL_SIGN = re.compile(r"(^|\s)@")


def without_labels(text: str) -> str:
    """Text in which no ``@`` can start a Todoist label."""
    return _LABEL_SIGN.sub("\\1＠", text)


def todoist_items(schedule: Schedule) -> list[Item]:
    """Fixed milestones, then each phase before its tasks; ``begin`` carries the plan's zone.

    Milestones come first because a task row below a section row belongs to that section, and
    fixed milestones belong to no phase. Each task's ``begin`` is its first session (local);
    a milestone's, the start of its day: the TIMEZONE column reads the zone from it.
    """
    zone = ZoneInfo(schedule.availability.timezone)
    first = {task.key: task.start for task in schedule.tasks}
    items = [item for item in plan_items(schedule) if item.status != "done"]
    open_phases = {item.phase for item in items if item.kind == "task"}
    ordered = [item for item in items if item.kind == "milestone"]
    ordered += [
        item
        for item in items
        if item.kind == "task" or (item.kind == "phase" and item.key in open_phases)
    ]
    return [_with_begin(item, first.get(item.key), zone) for item in ordered]


def _with_begin(item: Item, start: dt.datetime | None, zone: ZoneInfo) -> Item:
    if item.kind == "phase" or item.start is None:
        return item
    begin = start.astimezone(zone) if start else dt.datetime.combine(item.start, dt.time(), zone)
    return Item(**{**item.__dict__, "begin": begin})


def _is_task(item: Item) -> bool:
    return item.kind in ("task", "milestone")


def _content(item: Item) -> str:
    name = without_labels(item.name)
    return f"{name} {MILESTONE_LABEL}" if item.kind == "milestone" else name


def _description(item: Item) -> str:
    """The task's text, its progress and link; a section has a name only (§7 example)."""
    if item.kind == "phase":
        return ""
    progress = ""
    if item.status == "in progress":
        progress = (
            f"Spent: {decimal_hours(item.spent)} h; remaining: {decimal_hours(item.remaining)} h."
        )
    elif item.status == "done" and item.kind == "task" and item.due:
        progress = f"Done on {item.due.isoformat()}."
    parts = [item.description, wait_text(item), habit_text(item), progress, item.link or ""]
    return "\n\n".join(part for part in parts if part)


def _priority(item: Item) -> str:
    if item.kind == "milestone":
        return MILESTONE_PRIORITY
    return PRIORITY[item.priority] if item.kind == "task" else ""


def _deadline(item: Item) -> str:
    """A task's deadline from the plan as YYYY-MM-DD, or empty."""
    if item.kind != "task" or item.deadline is None:
        return ""
    return item.deadline.isoformat()


def _takes_time(item: Item) -> bool:
    """A task with work; a wait takes calendar days, and a habit a slice of many weeks, which
    their descriptions give."""
    return item.kind == "task" and not item.wait_days and not item.every


def _zone(item: Item) -> str:
    zone = item.begin.tzinfo if item.begin else None
    return zone.key if isinstance(zone, ZoneInfo) else ""


TODOIST = Target(
    name="todoist",
    suffix="todoist.csv",
    columns=(
        Column("TYPE", lambda item: "task" if _is_task(item) else "section", text=False),
        Column("CONTENT", _content),
        Column("DESCRIPTION", _description),
        Column("PRIORITY", _priority, text=False),
        Column("INDENT", lambda item: "1" if _is_task(item) else "", text=False),
        Column("AUTHOR", lambda item: "", text=False),
        Column("RESPONSIBLE", lambda item: "", text=False),
        Column(
            "DATE",
            lambda item: item.start.isoformat() if _is_task(item) and item.start else "",
            text=False,
        ),
        Column("DATE_LANG", lambda item: "en" if _is_task(item) else "", text=False),
        Column("TIMEZONE", _zone, text=False),
        # The whole effort, as §7's example does (the effort text is therefore left out of
        # DESCRIPTION); a milestone takes no time. Whether Todoist caps a duration is not
        # known [U].
        Column("DURATION", lambda item: str(item.effort) if _takes_time(item) else "", text=False),
        Column("DURATION_UNIT", lambda item: "minute" if _takes_time(item) else "", text=False),
        Column("DEADLINE", _deadline, text=False),
        Column("DEADLINE_LANG", lambda item: "en" if _deadline(item) else "", text=False),
    ),
    items=todoist_items,
    settings=(
        "Import into a new, empty Todoist project (… › Import from CSV): a rerun creates new "
        "tasks instead of updating them",
        "Priorities are written as Todoist Help documents them (1 = p1, the highest); the "
        "evidence conflicts, so check one imported task's flag first",
        "Each task's date is the day its work starts, and its deadline is in the DEADLINE "
        "column; milestones carry the @milestone label",
        "Done tasks are left out (the template has no column for a completed task)",
    ),
)
