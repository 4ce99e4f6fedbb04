"""Busy times read from a CalDAV server: ``--busy-from-server URL`` or ``siblings``.

A URL names one calendar collection; ``siblings`` names every other calendar collection in the
calendar home of the push target (the pushed one left out). Each collection's events are
fetched with one calendar-query REPORT and joined, with the zones they define, into one
VCALENDAR text, which the busy-calendar parser reads as it reads a file (availability.py); the
calendar is shown by its URL, never with a user or a password.

Credentials: on the push target's host, its user, its CA file and the password from the same
places as a push (``PLAN2CAL_PASSWORD``, ``~/.netrc``, the keyring); on another host, only a
``~/.netrc`` entry for it, else no authentication. A server, TLS or authentication failure is a
``PublishError`` (exit code 7); a calendar that is not iCalendar is a ``PlanError`` (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from plan2cal.errors import PlanError, UsageError
from plan2cal.publish.credentials import PASSWORD_VARIABLE, find_credentials, strip_userinfo
from plan2cal.publish.webdav import Connection, WebDav

SIBLINGS = "siblings"
_READ_AGAIN = " while reading busy times; nothing was written"


@dataclass(frozen=True)
class BusySource:
    """Where busy times are read: one calendar collection, or (with ``skip``) every calendar
    collection of a calendar home but the one at ``skip``."""

    url: str
    connection: Connection
    skip: str | None = None

    @property
    def shown(self) -> str:
        """The source for messages: its URL without user information."""
        return strip_userinfo(self.url)


def busy_source(
    value: str,
    *,
    push_url: str | None,
    push_user: str | None,
    push_ca: Path | None,
    environ: Mapping[str, str],
    netrc_file: Path | None,
    base: Connection | None = None,
) -> BusySource:
    """The source that ``--busy-from-server VALUE`` names, with its credentials.

    UsageError for ``siblings`` without a push target, and for a value that is no URL.
    """
    connection = base or Connection()
    if value.strip().lower() == SIBLINGS:
        if push_url is None:
            raise UsageError(
                "--busy-from-server siblings reads the calendars beside the pushed one, and "
                "there is no push target yet: push once (plan2cal push PLAN --url URL), or give "
                "the URL of a calendar instead"
            )
        home = urljoin(push_url.rstrip("/") + "/", "..")
        credentials = find_credentials(push_url, push_user, environ=environ, netrc_file=netrc_file)
        return BusySource(
            home, replace(connection, credentials=credentials, ca_file=push_ca), skip=push_url
        )
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(
            f"--busy-from-server {strip_userinfo(value)}: give the URL of a calendar "
            f"collection (https://…) or '{SIBLINGS}'"
        )
    same_host = push_url is not None and urlsplit(push_url).netloc == parts.netloc
    if same_host:
        credentials = find_credentials(value, push_user, environ=environ, netrc_file=netrc_file)
    else:
        # Another server: the push's password is not for it; only a netrc entry of its own.
        others = {key: text for key, text in environ.items() if key != PASSWORD_VARIABLE}
        credentials = find_credentials(
            value, None, environ=others, netrc_file=netrc_file, use_keyring=False
        )
    ca_file = push_ca if same_host else None
    return BusySource(value, replace(connection, credentials=credentials, ca_file=ca_file))


def fetch_busy(sources: Sequence[BusySource]) -> list[tuple[bytes, str]]:
    """Each calendar collection's events as one VCALENDAR text, with its URL to show."""
    found: list[tuple[bytes, str]] = []
    for source in sources:
        with WebDav(source.url, source.connection, resume=_READ_AGAIN) as dav:
            if source.skip is None:
                urls = [source.url]
                dav.collection_token(source.url)  # NotACalendarError when it is none
            else:
                skipped = dav.path_of(source.skip).rstrip("/")
                urls = [
                    url
                    for url in dav.calendars_in(source.url)
                    if dav.path_of(url).rstrip("/") != skipped
                ]
            for url in urls:
                shown = strip_userinfo(url)
                resources = [fetched.data for fetched in dav.all_events(url)]
                found.append((joined_calendar(resources, shown), shown))
    return found


_BEGIN = re.compile(r"BEGIN:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_END = re.compile(r"END:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_TZID = re.compile(r"^TZID[;:](.*)$", re.IGNORECASE | re.MULTILINE)


def joined_calendar(resources: Sequence[bytes], shown: str) -> bytes:
    """The components of every resource (each one VCALENDAR) in one VCALENDAR: the events as
    they are, each zone (by TZID) once. PlanError naming ``shown`` for a resource that is not
    a complete iCalendar object in UTF-8."""
    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plan2cal//busy from server//EN\r\n"]
    zones: set[str] = set()
    for number, data in enumerate(resources, 1):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PlanError(f"{shown}: its event number {number} is not UTF-8 text") from None
        for component in _components(text, shown, number):
            if component.upper().startswith("BEGIN:VTIMEZONE"):
                tzid = _TZID.search(component)
                key = tzid.group(1).strip() if tzid else component
                if key in zones:
                    continue
                zones.add(key)
            parts.append(component)
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode("utf-8")


def _components(text: str, shown: str, number: int) -> list[str]:
    """The components right inside the one VCALENDAR of ``text``, each as CRLF lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None or not lines[first].strip().upper() == "BEGIN:VCALENDAR":
        raise PlanError(f"{shown}: its event number {number} is not iCalendar (no BEGIN:VCALENDAR)")
    components: list[str] = []
    current: list[str] = []
    depth = 0
    kinds: list[str] = []
    for line in lines[first:]:
        begin = _BEGIN.match(line)
        end = _END.match(line)
        if begin:
            kinds.append(begin.group(1).upper())
            depth += 1
        if depth >= 2:
            current.append(line)
        if end:
            if not kinds or kinds[-1] != end.group(1).upper():
                raise PlanError(
                    f"{shown}: its event number {number} has END:{end.group(1)} where "
                    f"{'END:' + kinds[-1] if kinds else 'nothing'} was expected"
                )
            kinds.pop()
            depth -= 1
            if depth == 1:
                components.append("".join(f"{part}\r\n" for part in current))
                current = []
            elif depth == 0:
                break
    if kinds:
        raise PlanError(f"{shown}: its event number {number} ends inside {kinds[-1]}")
    return components
