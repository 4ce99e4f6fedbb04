"""RFC 5545 content lines: TEXT escaping, date and time values, and folding.

Escaping is icalendar's own (``vText``); folding follows icalendar 7.3 (pieces under 75 octets,
CRLF and a space between them, never a split character) and also never splits a backslash
escape, which made Google drop events (collective/icalendar#1501).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from icalendar import vText

_SPECIAL = re.compile(r"[\\;,\n\r]")


def escape_text(value: str) -> str:
    """A TEXT value escaped as icalendar escapes it (RFC 5545 §3.3.11)."""
    # Only backslash, semicolon, comma and line breaks are escaped; most values have none.
    return _escaped(value) if _SPECIAL.search(value) else value


@lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    return str(vText(value).to_ical().decode())


def utc_value(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC, ``20270104T180000Z`` (RFC 5545 §3.3.5, form 2)."""
    if moment.tzinfo is None:  # icalendar reads a time without a zone as UTC; so do we
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    # Four-digit year always: strftime writes year 1 as "1", which no reader accepts.
    return f"{moment.year:04d}{moment:%m%dT%H%M%S}Z"


def date_value(day: dt.date) -> str:
    """A DATE, ``20270104`` (RFC 5545 §3.3.4)."""
    return f"{day.year:04d}{day:%m%d}"


def fold(line: str) -> str:
    """Fold a content line: pieces under 75 octets, CRLF and a space between (RFC 5545 §3.1),
    never splitting a character or a backslash escape (collective/icalendar#1501)."""
    if len(line) < 75 and line.isascii():
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            # Carry a trailing backslash over only when it starts an escape: in ``\\\\`` the
            # second backslash is the escaped character, and the pair may be split before it.
            run = len(current) - len("".join(current).rstrip("\\"))
            if len(current) > 1 and (run % 2 or current[-1] == "^"):
                carried = current.pop()
                pieces.append("".join(current))
                current, size = [carried], len(carried.encode())
            else:
                pieces.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)
