"""The schedule's events as calendar object resources: one small VCALENDAR per event.

A CalDAV collection and a vdir both hold one event per resource (RFC 4791 §4.1; the vdir
format of vdirsyncer). Each resource's bytes come from ``export.ics.event_ics``, so they say
exactly what the .ics file says, SEQUENCE and LAST-MODIFIED included. A cancelled event (a
tombstone in the file) has no resource: where it was published, it is deleted instead.

``read_resource`` reads back what a server or a folder holds, without a full iCalendar parser:
the UID, this plan's marker (``X-PLAN2CAL-PLAN``), the SUMMARY for messages, and a fingerprint
of the event's content that survives what servers do to a resource they store (Radicale and
Xandikos reorder properties and fold lines differently, tests/test_publish.py checks both), so
that an edit by a person can be told from a server's own rewriting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from plan2cal.export.events import EventData, Revision, plan_namespace
from plan2cal.export.ics import event_ics

PLAN_MARKER = "X-PLAN2CAL-PLAN"
# Properties a server or a client may change without anyone editing the event: the stamps
# (RFC 5545 §3.8.7), and X- properties of other programs (Thunderbird's X-MOZ-LASTACK when an
# alarm is dismissed, Apple's X-APPLE-…). plan2cal's own X-PLAN2CAL-… properties count.
_VOLATILE = frozenset({"DTSTAMP", "LAST-MODIFIED", "CREATED"})
_NAME = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True, slots=True)
class Resource:
    """One event as it is published: its UID, its title for messages, and its bytes.

    ``data`` is None for a cancelled event: it is deleted where it was published.
    """

    uid: str
    summary: str
    data: bytes | None

    @property
    def digest(self) -> str:
        """A digest of the bytes: a resource whose digest did not change need not be sent."""
        return hashlib.sha256(self.data or b"").hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ReadResource:
    """What ``read_resource`` found in a resource's bytes."""

    uid: str | None
    plan: str | None  # the X-PLAN2CAL-PLAN marker, None on anything plan2cal did not write
    summary: str
    fingerprint: str


def calendar_resources(
    plan_id: str,
    events: Sequence[EventData],
    revisions: Mapping[str, Revision],
    now: dt.datetime,
) -> list[Resource]:
    """Each event of a run (``Revisions.events`` and ``.revisions``) as its own resource.

    ``now`` stamps events without a revision, as in ``ics_bytes``; cancelled events get no
    bytes.
    """
    return [
        Resource(
            uid=data.uid,
            summary=data.summary,
            data=None if data.cancelled else event_ics(plan_id, data, now, revisions.get(data.uid)),
        )
        for data in events
    ]


def plan_marker(plan_id: str) -> str:
    """The value of ``X-PLAN2CAL-PLAN`` on every event of the plan."""
    return str(plan_namespace(plan_id))


def resource_name(uid: str) -> str:
    """The last segment of an event's URL in a collection: the URL-encoded UID and ``.ics``."""
    return quote(uid, safe="") + ".ics"


def read_resource(data: bytes) -> ReadResource:
    """The UID, plan marker, SUMMARY and content fingerprint of a resource's first VEVENT.

    The fingerprint is a digest of the event's content lines, unfolded, with property and
    parameter names in upper case, sorted, without the volatile properties above: the same
    for the bytes plan2cal sent and for a server's rewriting of them, different as soon as a
    person changes a value.
    """
    text = data.decode("utf-8", "replace")
    # Unfold (RFC 5545 §3.1): a line break followed by one space or tab continues the line.
    text = re.sub(r"\r?\n[ \t]", "", text)
    uid: str | None = None
    plan: str | None = None
    summary = ""
    kept: list[str] = []
    depth = 0  # inside the first VEVENT: 1, inside one of its components (VALARM): 2
    seen_event = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        name, params, value = _split(line)
        if name == "BEGIN":
            if depth == 0 and value.upper() == "VEVENT" and not seen_event:
                depth, seen_event = 1, True
            elif depth:
                depth += 1
                kept.append(f"BEGIN:{value.upper()}")
            continue
        if name == "END":
            if depth:
                depth -= 1
                if depth:
                    kept.append(f"END:{value.upper()}")
            continue
        if depth == 0:
            continue
        if depth == 1:
            if name == "UID":
                uid = value
            elif name == PLAN_MARKER:
                plan = value
            elif name == "SUMMARY":
                summary = _unescape(value)
        if name in _VOLATILE or (name.startswith("X-") and not name.startswith("X-PLAN2CAL-")):
            continue
        kept.append(f"{name}{params}:{value}")
    body = "\n".join(sorted(kept))
    return ReadResource(uid, plan, summary, hashlib.sha256(body.encode()).hexdigest()[:32])


def _split(line: str) -> tuple[str, str, str]:
    """A content line's name (upper case), its parameters (normalised, sorted) and its value."""
    match = _NAME.match(line)
    if match is None:
        return "", "", line
    name = match.group().upper()
    rest = line[match.end() :]
    params: list[str] = []
    # Parameters until the first colon outside double quotes (RFC 5545 §3.1).
    index = 0
    quoted = False
    while index < len(rest):
        char = rest[index]
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            break
        index += 1
    head, value = rest[:index], rest[index + 1 :]
    for param in filter(None, head.split(";")):
        key, _, setting = param.partition("=")
        params.append(f";{key.upper()}={setting}")
    return name, "".join(sorted(params)), value


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
