"""A tasks CSV with every field the schedule knows, for Excel, Google Sheets, Smartsheet or
monday.com: one row per phase, task and fixed milestone.

It is meant to be opened in a spreadsheet, so it starts with a UTF-8 byte order mark (Excel
on Windows reads UTF-8 only then, specs/import-formats.md §12) and text that would run as a
formula gets a leading quote, as OWASP advises (§13).
"""

from __future__ import annotations

from plan2cal.durations import decimal_hours
from plan2cal.export.tabular import Column, Item, Target


def _hours(minutes: int, item: Item) -> str:
    """Decimal hours; empty for a wait, which takes calendar days and no work."""
    return "" if item.wait_days else decimal_hours(minutes)


GENERIC = Target(
    name="csv",
    suffix="tasks.csv",
    columns=(
        Column("id", lambda item: item.key, text=False),
        Column(
            "type",
            lambda item: "wait" if item.wait_days else ("habit" if item.every else item.kind),
            text=False,
        ),
        Column("name", lambda item: item.name),
        Column("phase", lambda item: item.phase, text=False),
        Column("start", lambda item: item.start.isoformat() if item.start else "", text=False),
        Column("due", lambda item: item.due.isoformat() if item.due else "", text=False),
        Column("hours", lambda item: _hours(item.effort, item), text=False),
        Column("spent", lambda item: _hours(item.spent, item), text=False),
        Column("remaining", lambda item: _hours(item.remaining, item), text=False),
        # A habit's rhythm as hours a week (20m a day is 2.33); its hours are the whole span's.
        Column(
            "hours a week",
            lambda item: decimal_hours(item.weekly) if item.weekly else "",
            text=False,
        ),
        Column("depends on", lambda item: " ".join(item.depends_on), text=False),
        Column("status", lambda item: item.status, text=False),
        Column("priority", lambda item: item.priority if item.kind == "task" else "", text=False),
        Column(
            "deadline", lambda item: item.deadline.isoformat() if item.deadline else "", text=False
        ),
        Column("link", lambda item: item.link or ""),
        Column("description", lambda item: item.description),
    ),
    neutralise="spreadsheet",
    bom=True,
    settings=(
        "Open it in Excel, Google Sheets or LibreOffice, or import it into Smartsheet or "
        "monday.com; dates are YYYY-MM-DD, hours are decimal",
    ),
)
