"""Classic Outlook's CSV calendar import: one row per work session, then an all-day row per
milestone.

Facts, from specs/import-formats.md §5 (Outlook's field set as Mozilla's Outlook-CSV importer
mirrors it [T O1]):

- Headers are a subset of Outlook's own, with its case: ``All day event``, not Google's
  ``All Day Event``; booleans ``True`` / ``False``; ``Show time as`` is numeric, 2 = busy
  (0 = free, the value for milestones, follows the same Outlook enumeration [U]).
- Dates are read with Windows' regional settings [U]; the §5 example for en-US is ``7/1/2025``,
  ``9:00 AM``: month/day/year without leading zeros and the 12-hour clock.
- As with Google (§4), a milestone is a single all-day day and gets no End Date: whether an
  all-day End Date is inclusive is not documented for Outlook either [U]. A wait's End Date
  is its last day, as for Google, and the printed settings ask to check one after import.
- Re-importing may duplicate events; the wizard's duplicate options are not confirmed for
  calendar CSVs (§5, §14) [U].
"""

from __future__ import annotations

import datetime as dt

from plan2cal.export.gcal import PRIVATE, event_description, has_end_date, is_session, us_time
from plan2cal.export.tabular import Column, Target, session_items

CATEGORY = "plan2cal"  # one category, so the imported events can be found and deleted together


def us_short_date(day: dt.date | None) -> str:
    """``M/D/YYYY`` without leading zeros (§5, en-US), or empty."""
    return f"{day.month}/{day.day}/{day.year}" if day else ""


OUTLOOK = Target(
    name="outlook",
    suffix="outlook.csv",
    columns=(
        Column("Subject", lambda item: item.name),
        Column("Start Date", lambda item: us_short_date(item.start), text=False),
        Column("Start Time", lambda item: us_time(item.begin), text=False),
        Column(
            "End Date",
            lambda item: us_short_date(item.due) if has_end_date(item) else "",
            text=False,
        ),
        Column("End Time", lambda item: us_time(item.end), text=False),
        Column("All day event", lambda item: "False" if is_session(item) else "True", text=False),
        # Reminders stay off: one alarm per session would be noise, and the .ics offers them.
        Column("Reminder on/off", lambda item: "False", text=False),
        Column("Description", event_description),
        Column("Location", lambda item: ""),
        Column("Categories", lambda item: CATEGORY, text=False),
        Column("Private", lambda item: PRIVATE, text=False),
        # Sessions block the time; a milestone marks a day without taking it.
        Column("Show time as", lambda item: "2" if is_session(item) else "0", text=False),
    ),
    items=session_items,
    settings=(
        "Classic Outlook: File › Open & Export › Import/Export › Import from another program "
        "or file › Comma Separated Values, then choose the calendar folder",
        "Dates are M/D/YYYY and times h:mm AM/PM (en-US): Outlook reads them with Windows' "
        "regional settings, so on another region import the .ics instead",
        "The times are wall-clock times in the plan's time zone ({timezone}): import "
        "on a computer set to that zone",
        "Importing again duplicates the events unless the wizard offers 'Do not import "
        "duplicates'; for reruns import the .ics, whose events move rather than repeat",
    ),
    wait_settings=(
        "Each wait is an all-day event whose End Date is its last day; check after the import "
        "that one covers that day too (whether the importer reads End Date so is not "
        "documented)",
    ),
)
