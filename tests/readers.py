"""Read .ics output back with independent readers: vobject, the `ical` package and khal.

Each reader turns the file into the same plain ``ReadEvent`` records, so a test can check what a
real client sees without going through icalendar, which wrote the file. The readers and what
each one rejects are described in specs/icalendar-clients.md §4.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import vobject
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream

UTC = dt.UTC

# khal --format fields, joined by US and ended by RS: neither can occur in plan2cal's output,
# which strips control characters, so titles with newlines still split cleanly.
_FIELD, _RECORD = "\x1f", "\x1e"
_KHAL_FIELDS = ("uid", "start-long", "end-long", "all-day", "title")


@dataclass(frozen=True, slots=True)
class ReadEvent:
    """One VEVENT as a reader saw it; datetimes are aware and in UTC, all-day times are dates."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    transp: str
    description: str | None = None
    url: str | None = None
    sequence: int | None = None
    dtstamp: dt.datetime | None = None

    @property
    def all_day(self) -> bool:
        """True for a VALUE=DATE event."""
        return not isinstance(self.start, dt.datetime)


class KhalError(AssertionError):
    """khal failed or warned while reading a file."""


def _text(data: bytes | str) -> str:
    # Decode strictly: a reader must never see undecodable bytes from us.
    return data.decode("utf-8") if isinstance(data, bytes) else data


def _utc(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise AssertionError(f"floating time {value} in the output; plan2cal writes UTC")
        return value.astimezone(UTC)
    return value


def vobject_calendar(data: bytes | str) -> vobject.base.Component:
    """Parse with vobject (``validate=True``) and validate the calendar and every component."""
    calendar = vobject.readOne(_text(data), validate=True)
    calendar.validate(True)  # raiseException=True: a ValidateError names the missing property
    for component in calendar.getChildren():
        if isinstance(component, vobject.base.Component):
            component.validate(True)
    return calendar


def read_with_vobject(data: bytes | str) -> list[ReadEvent]:
    """The events of an .ics as vobject reads them, after its strictest validation."""
    calendar = vobject_calendar(data)
    events = []
    for event in calendar.contents.get("vevent", []):
        contents = event.contents
        events.append(
            ReadEvent(
                uid=event.uid.value,
                summary=event.summary.value,
                start=_utc(event.dtstart.value),
                end=_utc(event.dtend.value),
                transp=event.transp.value,
                description=event.description.value if "description" in contents else None,
                url=event.url.value if "url" in contents else None,
                sequence=int(event.sequence.value) if "sequence" in contents else None,
                dtstamp=_utc(event.dtstamp.value),
            )
        )
    return events


def ical_calendar(data: bytes | str) -> Calendar:
    """Parse with home-assistant's `ical` (pydantic models: strict about types and values)."""
    return IcsCalendarStream.calendar_from_ics(_text(data))


def read_with_ical(data: bytes | str) -> list[ReadEvent]:
    """The events of an .ics as the `ical` package reads them."""
    return [
        ReadEvent(
            uid=event.uid,
            summary=event.summary,
            start=_utc(event.dtstart),
            end=_utc(event.dtend),
            transp=str(event.transparency),
            description=event.description,
            url=event.url,
            sequence=event.sequence,
            dtstamp=_utc(event.dtstamp),
        )
        for event in ical_calendar(data).events
    ]


def khal_executable() -> Path:
    """The khal installed next to this Python, so the tests use the venv's khal."""
    return Path(sys.executable).parent / "khal"


def khal_config(tmp_path: Path) -> Path:
    """Write the minimal khal config (specs/icalendar-clients.md §4) with UTC as local time."""
    folder = tmp_path / "khal"
    (folder / "calendar").mkdir(parents=True, exist_ok=True)
    config = folder / "config"
    config.write_text(
        textwrap.dedent(
            f"""\
            [calendars]
            [[plan]]
            path = {folder / "calendar"}
            type = calendar

            [locale]
            local_timezone = UTC
            default_timezone = UTC
            timeformat = %H:%M
            dateformat = %Y-%m-%d
            longdateformat = %Y-%m-%d
            datetimeformat = %Y-%m-%d %H:%M
            longdatetimeformat = %Y-%m-%d %H:%M

            [sqlite]
            path = {folder / "khal.db"}
            """
        ),
        encoding="utf-8",
    )
    return config


def private_env(home: Path) -> dict[str, str]:
    """The environment for a client tool with its own HOME and XDG folders (made here), UTF-8
    and UTC: it must not read or write the user's own configuration."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    }


def khal_printics(
    path: Path, tmp_path: Path, *, format_: str | None = None, strict: bool = True
) -> str:
    """Run ``khal printics`` on ``path`` and return its stdout.

    With ``strict`` a non-zero exit or anything on stderr (khal logs its warnings there, e.g.
    for an all-day DTEND equal to DTSTART) raises KhalError.
    """
    command = [str(khal_executable()), "-c", str(khal_config(tmp_path)), "printics"]
    if format_ is not None:
        command += ["--format", format_]
    # A private HOME and XDG dirs: khal must not read or write the user's own files.
    env = private_env(tmp_path / "khal" / "home")
    result = subprocess.run(
        [*command, str(path)],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    stdout = result.stdout.decode("utf-8")
    stderr = result.stderr.decode("utf-8", "replace")
    if strict and (result.returncode != 0 or stderr.strip()):
        raise KhalError(f"khal printics {path} exited {result.returncode}:\n{stderr[-3000:]}")
    return stdout


def read_with_khal(path: Path, tmp_path: Path) -> list[ReadEvent]:
    """The events of an .ics file as khal shows them (its local zone set to UTC).

    khal shows an all-day event's last day, so ``end`` is that day plus one: the exclusive DTEND
    of the file. khal has no format field for TRANSP, so ``transp`` is left empty.
    """
    template = _FIELD.join("{" + name + "}" for name in _KHAL_FIELDS) + _RECORD
    stdout = khal_printics(path, tmp_path, format_=template)
    # The first line is "N events found in PATH".
    header, _, body = stdout.partition("\n")
    if "events found" not in header:
        raise KhalError(f"unexpected khal output: {stdout[:300]!r}")
    count = int(header.split()[0])
    events = []
    for record in body.split(_RECORD):
        record = record.removeprefix("\n")
        if not record.strip():
            continue
        uid, start, end, all_day, title = record.split(_FIELD)
        if all_day == "True":
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            events.append(ReadEvent(uid, title, first, last + dt.timedelta(days=1), ""))
        else:
            begin = dt.datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            finish = dt.datetime.strptime(end, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            events.append(ReadEvent(uid, title, begin, finish, ""))
    if len(events) != count:
        raise KhalError(f"khal said {count} events but printed {len(events)}")
    return events
