"""Asana's CSV importer: a row per task and fixed milestone, the phase as its section.

Facts, from specs/import-formats.md:

- ``Name`` must be the first column: Asana says column order matters and the left-most column
  becomes the task name (§3.1, §3.7).
- Dates are ``MM/DD/YYYY`` and date-only (§3.1, §3.2); ``Start Date`` needs a paid plan, a free
  plan puts it into the description (§3.1, §3.7).
- Asana has no estimate field (§3.1), so the effort goes into the description.
- ``Dependencies`` holds predecessor names, comma-separated, and each predecessor's row must be
  above its dependent's (§3.1); names must be unique because links are made by name (§3.3).
- The importer only appends: a rerun into the same project duplicates every task (§3.5).
- Phases are sections, not rows (§3.3).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable

from plan2cal.durations import decimal_hours
from plan2cal.export.tabular import (
    Column,
    Item,
    Target,
    habit_text,
    neutralise,
    plan_items,
    unique_names,
    us_date,
    wait_text,
)
from plan2cal.schedule import Schedule, TaskPlan

_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def asana_items(schedule: Schedule) -> list[Item]:
    """Tasks and fixed milestones, each predecessor above its dependents, with final names.

    Asana links by name, and names are final only here, so each row's ``depends_on`` carries
    its predecessors' row names (as written in the Name column), not their plan ids.
    """
    items = [item for item in plan_items(schedule) if item.kind != "phase"]
    last = _last_to_finish(schedule)
    predecessors = {item.key: {last.get(key, key) for key in item.depends_on} for item in items}
    rows = _above_first(items, predecessors)
    referenced = {key for keys in predecessors.values() for key in keys}
    # Suffix repeated names (§3.3) before the Dependencies column is filled, so that a link to
    # the second "Review" says "Review (2)"; the Target's own pass then finds nothing to do.
    rows = unique_names([_asana_name(item, item.key in referenced) for item in rows])
    name_of = {item.key: item.name for item in rows}
    position = {item.key: index for index, item in enumerate(rows)}
    return [
        Item(
            **{
                **item.__dict__,
                "depends_on": tuple(
                    name_of[key] for key in sorted(predecessors[item.key], key=position.__getitem__)
                ),
            }
        )
        for item in rows
    ]


def _last_to_finish(schedule: Schedule) -> dict[str, str]:
    """Phase id → the id of its last-finishing task, which stands for the phase in ``after``.

    Phases are not rows, so a link to a phase becomes a link to the task that ends it. Listing
    every task of the phase would be more literal but makes long lists, and Asana caps the
    dependencies and dependents of one task (30 together, as recalled from its API docs [U]).
    Only the plan's own ``after`` links are written, as in the Jira export; the implicit "a
    phase waits for the previous one" shows as sections and dates.
    """
    by_phase: dict[str, list[TaskPlan]] = {}
    for task in schedule.tasks:
        by_phase.setdefault(task.phase, []).append(task)
    return {phase: max(own, key=_finish).key for phase, own in by_phase.items()}


def _finish(task: TaskPlan) -> tuple[dt.date, dt.datetime]:
    return task.end_date, task.finish or _EARLIEST


def _above_first(items: list[Item], predecessors: dict[str, set[str]]) -> list[Item]:
    """Rows by (start date, plan order), except that no row comes before a predecessor.

    A dependent starts after its predecessor finishes, so the dates alone nearly always put it
    below; a predecessor listed later in the file and finishing on the dependent's start day
    would not be, hence the topological sort with the date order as tie-break.
    """
    rank = {item.key: (item.start or dt.date.max, index) for index, item in enumerate(items)}
    by_key = {item.key: item for item in items}
    waiting = {key: len(keys) for key, keys in predecessors.items()}
    dependents: dict[str, list[str]] = {key: [] for key in by_key}
    for key, keys in predecessors.items():
        for before in keys:
            dependents[before].append(key)
    ready = [(rank[key], key) for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[Item] = []
    while ready:
        _, key = heapq.heappop(ready)
        order.append(by_key[key])
        for after in dependents[key]:
            waiting[after] -= 1
            if waiting[after] == 0:
                heapq.heappush(ready, (rank[after], after))
    return order  # the scheduler has already rejected cycles, so every row is here


def _asana_name(item: Item, referenced: bool) -> Item:
    """The name as Asana will see it in both the Name and the Dependencies column.

    It is neutralised here rather than only in the Name cell, so that a dependency on it
    repeats it character for character. A predecessor's commas become semicolons: the
    Dependencies cell separates names with commas (§3.1), and Asana is not documented to
    honour any quoting inside it [U], so the safer reading is that a comma always splits.
    """
    name = neutralise(item.name, "importer")
    if referenced:
        name = name.replace(",", ";")
    return Item(**{**item.__dict__, "name": name}) if name != item.name else item


def _description(item: Item) -> str:
    if item.kind == "milestone":
        return _paragraphs(["Milestone", item.description])
    if item.wait_days:
        return _paragraphs([item.description, wait_text(item)])
    if item.every:
        return _paragraphs([item.description, habit_text(item), item.link or ""])
    effort = f"Effort: {decimal_hours(item.effort)} h."
    if item.status == "in progress":
        effort += (
            f" Spent: {decimal_hours(item.spent)} h; remaining: {decimal_hours(item.remaining)} h."
        )
    done = f"Done on {item.due.isoformat()}." if item.status == "done" and item.due else ""
    return _paragraphs([item.description, effort, done, item.link or ""])


def _paragraphs(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part)


ASANA = Target(
    name="asana",
    suffix="asana.csv",
    columns=(
        Column("Name", lambda item: item.name),
        Column("Description", _description),
        # The importer's documented header, which makes the section (§3.1 [V A1], §15b);
        # "Section/Column" is what Asana's export writes, and the importer may not map it.
        Column("Section", lambda item: item.phase_name),
        # A milestone has a due date only, as in §3.6.
        Column(
            "Start Date",
            lambda item: us_date(item.start) if item.kind == "task" else "",
            text=False,
        ),
        Column("Due Date", lambda item: us_date(item.due), text=False),
        Column("Dependencies", lambda item: ",".join(item.depends_on)),
        # Tags are not imported as tags: Asana makes them a text custom field "Tags
        # (imported)" (§3.1, §3.7), which still marks and filters the habits. Written only
        # when a plan has habits, so that other imports get no such field.
        Column("Tags", lambda item: "habit" if item.every else "", optional=True),
    ),
    items=asana_items,
    unique_names=True,
    settings=(
        "Import into a new, empty Asana project: the importer only adds tasks, so importing a "
        "rerun into the same project duplicates every task",
        "Start dates need a paid Asana plan; on a free plan Asana puts them in the description",
        "Dates are MM/DD/YYYY; keep Name as the first column and do not re-save the file in "
        "Excel (it rewrites dates in your locale)",
        "If the importer does not map them by itself: Section → Section, "
        "Dependencies → Dependencies (blocked by); on the first import, check that each phase "
        "became a section and that a task with an 'after' shows its dependency",
    ),
)
