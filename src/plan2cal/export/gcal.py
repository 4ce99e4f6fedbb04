"""Google Calendar's CSV import, for people who cannot import the .ics: one row per work session,
then an all-day row per milestone.

Facts, from specs/import-formats.md §4 (Google Calendar Help, answer 37118):

- Headers ``Subject, Start Date, Start Time, End Date, End Time, All Day Event, Description,
  Location, Private``; only Subject and Start Date are required.
- Dates as in Google's examples, ``05/30/2020`` (``MM/DD/YYYY``); times ``10:00 AM`` /
  ``1:00 PM`` (``h:mm AM/PM``); booleans ``True`` / ``False``.
- There is no time-zone column [U]: the times are the plan's local wall-clock times, and the
  destination calendar's zone must be the plan's.
- Whether an all-day event's End Date is inclusive or exclusive is undocumented [U]; a
  milestone is a single day, which needs no End Date, so none is written (the safer reading).
  A wait spans days: its End Date is its last day, as Google's wording ("the last day of the
  event", §15) reads, and the printed settings ask to check one after the import.
- Importing again duplicates every event [U]; the .ics with stable UIDs is the way to rerun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from plan2cal.durations import decimal_hours
from plan2cal.export.tabular import Column, Item, Target, session_items, us_date, wait_text


def us_time(moment: dt.datetime | None) -> str:
    """12-hour clock without a leading zero: ``19:00`` → ``7:00 PM``, ``09:30`` → ``9:30 AM``."""
    if moment is None:
        return ""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def is_session(item: Item) -> bool:
    """Sessions have times; milestones are all-day."""
    return item.kind == "session"


def has_end_date(item: Item) -> bool:
    """Sessions and waits end on a day of their own; a milestone is one day."""
    return item.kind in ("session", "wait")


def event_description(item: Item) -> str:
    """The phase and total effort of a session's task, then its description and link; for a
    wait, its days."""
    if item.kind == "wait":
        return _paragraphs([f"Phase: {item.phase_name}", wait_text(item), item.description])
    if not is_session(item):
        return item.description
    effort = (
        f"Habit: {item.every}" if item.every else f"Task effort: {decimal_hours(item.effort)} h"
    )
    about = [f"Phase: {item.phase_name}", effort]
    return _paragraphs(["\n".join(about), item.description, item.link or ""])


def _paragraphs(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part)


def _boolean(value: bool) -> str:
    return "True" if value else "False"


# A plan of personal work (the bundled one is a job search) is often imported into a calendar
# that colleagues can see: private events show them only that the time is taken.
PRIVATE = "True"

GCAL = Target(
    name="gcal",
    suffix="gcal.csv",
    columns=(
        Column("Subject", lambda item: item.name),
        Column("Start Date", lambda item: us_date(item.start), text=False),
        Column("Start Time", lambda item: us_time(item.begin), text=False),
        Column(
            "End Date", lambda item: us_date(item.due) if has_end_date(item) else "", text=False
        ),
        Column("End Time", lambda item: us_time(item.end), text=False),
        Column("All Day Event", lambda item: _boolean(not is_session(item)), text=False),
        Column("Description", event_description),
        Column("Location", lambda item: ""),
        Column("Private", lambda item: PRIVATE, text=False),
    ),
    items=session_items,
    settings=(
        "Before importing, set the destination calendar's time zone to the plan's "
        "({timezone}): the times are wall-clock times in that zone and the file "
        "cannot say so; a calendar of its own for the plan keeps it apart",
        "Importing the file again duplicates every event: for reruns import the .ics instead, "
        "whose events move rather than repeat",
        "Dates are MM/DD/YYYY and times h:mm AM/PM; do not re-save the file in Excel",
    ),
    wait_settings=(
        "Each wait is an all-day event whose End Date is its last day; check after the import "
        "that one covers that day too (whether the importer reads End Date so is not "
        "documented)",
    ),
)
