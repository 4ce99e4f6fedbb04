"""The time that cannot be used: public holidays, time off and the busy times of the person's
own calendars, as blocked days and blocked intervals (DESIGN §10).

Intervals are in whole minutes since the Unix epoch, UTC, sorted and merged, so that the
scheduler finds those that touch a week with two bisections. Busy calendars are read with
regular expressions over the whole text for plain one-off events (most of a large calendar),
and with icalendar and recurring-ical-events for everything that recurs (RRULE, RDATE, EXDATE,
RECURRENCE-ID) or uses a zone only the file defines. Series that end are expanded whole; those
that never end, a year at a time and then twice as far each time the schedule reaches the end.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from plan2cal.diagnostics import quoted
from plan2cal.durations import duration_text
from plan2cal.errors import PlanError
from plan2cal.model import HolidayRegion, TimeOff, check_timezone

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
# A busy calendar is read whole; a person's calendar of ten years is a few megabytes.
MAX_BUSY_BYTES = 64 * 1024 * 1024
# Recurring busy events that never end are expanded this many days first, then twice as far
# each time the schedule reaches the end; those that end are expanded whole, up to this year.
EXPANSION_DAYS = 366
LAST_EXPANDED_YEAR = 2200
# Instances of one recurring calendar in one expansion step: a minutely RRULE must fail, not
# fill the memory.
MAX_INSTANCES_PER_STEP = 500_000

Kind = Literal["holiday", "off", "busy"]


def minute_of(moment: dt.datetime) -> int:
    """An aware datetime as whole minutes since the epoch (seconds dropped)."""
    return int((moment - EPOCH).total_seconds()) // 60


def moment_of(minute: int) -> dt.datetime:
    """Minutes since the epoch as an aware UTC datetime."""
    return EPOCH + dt.timedelta(minutes=minute)


class Intervals:
    """Disjoint, sorted ``[start, end)`` minute intervals; ``overlapping`` finds those that
    touch a range by bisection."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        starts: list[int] = []
        ends: list[int] = []
        ordered = list(spans)
        ordered.sort()
        reach = None
        for begin, end in ordered:
            if end <= begin:
                continue
            if reach is not None and begin <= reach:
                if end > reach:
                    ends[-1] = reach = end
            else:
                starts.append(begin)
                ends.append(end)
                reach = end
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.starts)

    def overlapping(self, begin: int, end: int) -> list[tuple[int, int]]:
        """The intervals that overlap ``[begin, end)``, in order."""
        found = []
        index = bisect.bisect_right(self.ends, begin)
        starts, ends = self.starts, self.ends
        while index < len(starts) and starts[index] < end:
            found.append((starts[index], ends[index]))
            index += 1
        return found

    def touches(self, begin: int, end: int) -> bool:
        """Whether any interval overlaps ``[begin, end)``."""
        index = bisect.bisect_right(self.ends, begin)
        return index < len(self.starts) and self.starts[index] < end

    def pairs(self) -> list[tuple[int, int]]:
        """Every interval, in order."""
        return list(zip(self.starts, self.ends, strict=True))


# --------------------------------------------------------------------------- busy calendars


@dataclass
class BusyCalendar:
    """One .ics file of busy time: the one-off events as intervals, and what recurs still to
    be expanded (a calendar of only the recurring events and the zones they use)."""

    path: Path | str  # the file, or the URL of a calendar read from a server
    fixed: list[tuple[int, int]]
    recurring: Any = None  # an icalendar.Calendar, or None when nothing recurs
    events: int = 0
    endless: bool = False  # an RRULE without COUNT or UNTIL


_PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"]*"|[^;:]*)')


def read_busy_calendar(
    path: Path, zone: str, ignore_plan: str | None = None, display: str | None = None
) -> BusyCalendar:
    """Read an .ics file of busy times; PlanError names the file (and the line) when it cannot
    be read or is not a calendar.

    Floating times and all-day events are read in ``zone``. Transparent and cancelled events
    block nothing, and neither do events whose ``X-PLAN2CAL-PLAN`` is ``ignore_plan`` (the
    plan's own sessions, fed back with the rest of a calendar).
    """
    from plan2cal.load import read_input_bytes

    shown = display or str(path)
    return parse_busy_calendar(
        read_input_bytes(path, MAX_BUSY_BYTES), zone, ignore_plan, shown, source=path
    )


def parse_busy_calendar(
    raw: bytes,
    zone: str,
    ignore_plan: str | None = None,
    shown: str = "<busy calendar>",
    *,
    source: Path | str | None = None,
) -> BusyCalendar:
    """Parse the bytes of an .ics text of busy times as ``read_busy_calendar`` does; errors
    name ``shown`` (a file, or the URL a calendar was read from)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanError(f"{shown}:{line}: a busy calendar must be UTF-8 text") from None
    scan = _Scan(text, shown)
    local = ZoneInfo(zone)
    fixed: list[tuple[int, int]] = []
    recurring: dict[str, list[str]] = {}
    zones_seen: dict[str, ZoneInfo | None] = {}
    events = scan.events
    # An event that recurs, or is an instance of one that does, goes to icalendar with every
    # other component of its UID.
    series = {
        uid for _, _, props in events if _RECURS & props.keys() and (uid := _value(props, "UID"))
    }
    for index, (start, end, props) in enumerate(events):
        uid = _value(props, "UID") if series else None
        if (uid is not None and uid in series) or _RECURS & props.keys():
            recurring.setdefault(uid or f"\0{index}", []).append(scan.text[start:end])
            continue
        if _FLAGS & props.keys() and not _blocks(partial(_value, props), ignore_plan):
            continue
        span = _simple_span(props, local, scan, zones_seen, start)
        if span is None:  # a zone only the file defines: icalendar reads it
            recurring.setdefault(uid or f"\0{index}", []).append(scan.text[start:end])
        elif span[1] > span[0]:
            fixed.append(span)
    zones = [scan.text[start:end] for start, end in scan.zones]
    calendar = _recurring_calendar(zones, recurring, shown) if recurring else None
    endless = False
    for _, _, props in events:
        for _, rule, at in props.get("RRULE", ()):
            endless = _endless(rule, scan, at) or endless
    return BusyCalendar(shown if source is None else source, fixed, calendar, len(events), endless)


_RULE_PART = re.compile(r"(?:^|;)(FREQ|COUNT|UNTIL)=([^;]*)", re.IGNORECASE)
# A COUNT above this is expanded a step at a time, as if the series did not end.
MAX_WHOLE_COUNT = 100_000


def _endless(rule: str, scan: _Scan, at: int) -> bool:
    """Whether a series may go on past any date worth expanding to at once; PlanError for one
    that repeats by the second or the minute, which no busy calendar means."""
    parts = {name.upper(): value for name, value in _RULE_PART.findall(rule)}
    frequency = parts.get("FREQ", "").upper()
    if frequency in ("SECONDLY", "MINUTELY"):
        raise PlanError(
            f"{scan.where(at)}: an event that repeats {frequency.lower()} is not busy time "
            "plan2cal can expand; make it one event that lasts as long"
        )
    if "UNTIL" in parts:
        return False
    count = parts.get("COUNT", "")
    return not (count.isdigit() and int(count) <= MAX_WHOLE_COUNT)


# What an event's properties are: name → [(parameters, value, position in the scanned text)].
_Props = dict[str, list[tuple[str, str, int]]]
_RECURS = frozenset({"RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID"})
_FLAGS = frozenset({"STATUS", "TRANSP", "X-PLAN2CAL-PLAN"})


def _value(props: _Props, name: str) -> str | None:
    found = props.get(name)
    return found[0][1] if found else None


# A line that starts a content line (a name, then ; or :), continues a folded one, or is blank.
_BAD_LINE = re.compile(r"^(?![A-Za-z0-9-]+[;:]|[ \t]|\r?$)", re.MULTILINE)
_FOLD = re.compile(r"\r?\n[ \t]")
# A property name with a lower-case letter: legal (names are case-insensitive) but rare; such a
# file is read with case-insensitive patterns, which take several times as long.
_LOWER_NAME = re.compile(r"\n[A-Za-z0-9-]*[a-z][A-Za-z0-9-]*[;:]")
# What is read here: the component marks and an event's times, flags and recurrence; the rest
# is left to icalendar where it reads the event. Parameters, then the value; a quoted parameter
# value may hold ; and : (RFC 5545 §3.1). One pattern a name: a literal prefix is found fast.
_READ = ("BEGIN", "END", "UID", "DTSTART", "DTEND", "DURATION", *_FLAGS, *_RECURS)
_REST = r'((?:;(?:"[^"\r\n]*"|[^;:"\r\n])*)*):([^\r\n]*)'
_PATTERNS = {name: re.compile("\n" + re.escape(name) + _REST) for name in _READ}
_PATTERNS_ANY_CASE = {name: re.compile("\n" + name + _REST, re.IGNORECASE) for name in _READ}


class _Scan:
    """The VEVENT and VTIMEZONE components right inside the VCALENDAR of an .ics text, as
    ``(start, end, properties)`` positions in ``text`` (unfolded, after a newline put first);
    PlanError at the line of the first thing that is not iCalendar.

    Regular expressions over the whole text find every line read here, in one sorted stream,
    so that a calendar of 10,000 events reads in a fraction of a second.
    """

    def __init__(self, text: str, shown: str) -> None:
        self.shown = shown
        if not text.lstrip("\r\n").upper().startswith("BEGIN:VCALENDAR"):
            raise PlanError(
                f"{shown}:1: not an iCalendar file; a busy calendar starts with BEGIN:VCALENDAR"
            )
        bad = _BAD_LINE.search(text)
        if bad is not None:
            line = text[bad.start() :].split("\n", 1)[0].rstrip("\r")
            raise PlanError(
                f"{shown}:{text.count(chr(10), 0, bad.start()) + 1}: {quoted(line)} is not an "
                "iCalendar content line"
            )
        # Folds removed, remembered to tell the line a position is on.
        self.folds: list[int] = []
        if "\n " in text or "\n\t" in text:
            removed = 0
            for fold in _FOLD.finditer(text):
                self.folds.append(fold.start() - removed + 1)
                removed += fold.end() - fold.start()
            text = _FOLD.sub("", text)
        self.text = text = "\n" + text
        patterns = _PATTERNS_ANY_CASE if _LOWER_NAME.search(text) else _PATTERNS
        # UIDs matter only to put a moved occurrence (RECURRENCE-ID) with its series.
        moved = re.search("RECURRENCE-ID", text, re.IGNORECASE) is not None
        found = []
        for name, pattern in patterns.items():
            if name == "UID" and not moved:
                continue
            found += [(m.start() + 1, name, m.group(1), m.group(2)) for m in pattern.finditer(text)]
        found.sort()
        self.events: list[tuple[int, int, _Props]] = []
        self.zones: list[tuple[int, int]] = []
        self._read(found)

    def where(self, position: int) -> str:
        """``file:line`` of a position in the scanned text."""
        line = self.text.count("\n", 1, position) + 1 + bisect.bisect_right(self.folds, position)
        return f"{self.shown}:{line}"

    def _read(self, found: list[tuple[int, str, str, str]]) -> None:
        depth = 0
        kinds: list[str] = []
        first = -1  # where the component being read begins, or -1
        props: _Props = {}
        at = 0
        for at, name, params, value in found:
            if name == "BEGIN" or name == "END":
                kind = value.strip().upper()
                if name == "BEGIN":
                    kinds.append(kind)
                    depth += 1
                    if depth == 2 and (kind == "VEVENT" or kind == "VTIMEZONE"):
                        first, props = at, {}
                    elif depth == 1 and at > 1:
                        raise PlanError(f"{self.where(at)}: a second VCALENDAR in one file")
                    elif depth > 8:
                        raise PlanError(f"{self.where(at)}: components nested too deep")
                    continue
                if not kinds or kinds[-1] != kind:
                    expected = f"END:{kinds[-1]}" if kinds else "nothing after END:VCALENDAR"
                    raise PlanError(f"{self.where(at)}: END:{kind} where {expected} was expected")
                kinds.pop()
                depth -= 1
                if depth == 1 and first >= 0:
                    end = self.text.find("\n", at)
                    end = len(self.text) if end < 0 else end
                    if kind == "VEVENT":
                        self.events.append((first, end, props))
                    else:
                        self.zones.append((first, end))
                    first = -1
            elif depth == 2 and first >= 0:  # not a VALARM's DURATION
                if name in props:
                    props[name].append((params, value.rstrip("\r"), at))
                else:
                    props[name] = [(params, value.rstrip("\r"), at)]
            elif depth == 0:
                raise PlanError(f"{self.where(at)}: content after END:VCALENDAR")
        if kinds:
            raise PlanError(f"{self.where(len(self.text) - 1)}: the file ends inside {kinds[-1]}")
        rest = self.text.find("\n", at + 1) if found else -1
        if rest >= 0 and self.text[rest:].strip():
            raise PlanError(f"{self.where(rest + 1)}: content after END:VCALENDAR")


def _blocks(value: Any, ignore_plan: str | None) -> bool:
    """Whether an event with these properties takes time."""
    status = (value("STATUS") or "").strip().upper()
    transparency = (value("TRANSP") or "").strip().upper()
    if status == "CANCELLED" or transparency == "TRANSPARENT":
        return False
    return not (ignore_plan is not None and (value("X-PLAN2CAL-PLAN") or "") == ignore_plan)


def _params(text: str) -> dict[str, str]:
    return {key.upper(): raw.strip('"') for key, raw in _PARAM.findall(text)}


def _simple_span(
    props: _Props,
    local: ZoneInfo,
    scan: _Scan,
    zones: dict[str, ZoneInfo | None],
    begins: int,
) -> tuple[int, int] | None:
    """A one-off event (its BEGIN at ``begins``) as ``(start, end)`` minutes; None when its
    zone is one only the file defines. ``zones`` caches each parameter text's zone."""
    starts = props.get("DTSTART")
    if not starts:
        raise PlanError(f"{scan.where(begins)}: an event without DTSTART")
    params, value, at = starts[0]
    begin = _moment(params, value, local, scan, at, zones)
    if begin is None:
        return None
    ends = props.get("DTEND")
    if ends:
        params, value, at = ends[0]
        end = _moment(params, value, local, scan, at, zones)
        if end is None:
            return None
    elif "DURATION" in props:
        _, value, at = props["DURATION"][0]
        end = begin + _duration(value, scan, at)
    elif _is_date(starts[0][0], starts[0][1]):
        end = _day_after(local, begin)  # RFC 5545 §3.6.1: an all-day event lasts its day
    else:
        end = begin  # a moment: blocks only its margin
    return math.floor(begin.timestamp()) // 60, math.ceil(end.timestamp() / 60)


def _day_after(local: ZoneInfo, begin: dt.datetime) -> dt.datetime:
    """The local midnight a day after the all-day event that starts at ``begin``."""
    day = begin.astimezone(local).date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=local)


def _is_date(params: str, value: str) -> bool:
    if len(value) == 8:
        return True
    return bool(params) and "VALUE=DATE" in params.upper() and "DATE-TIME" not in params.upper()


def _moment(
    params: str,
    value: str,
    local: ZoneInfo,
    scan: _Scan,
    at: int,
    zones: dict[str, ZoneInfo | None],
) -> dt.datetime | None:
    """A DTSTART or DTEND value as an aware datetime; a date is local midnight; None for a
    zone that only the file defines."""
    text = value.strip()
    try:
        if _is_date(params, text):
            if len(text) != 8 or not text.isdigit():
                raise ValueError
            day = dt.date.fromisoformat(text)  # the basic format, 20270105
            return dt.datetime(day.year, day.month, day.day, tzinfo=local)
        if len(text) not in (15, 16) or text[8] != "T" or not text[:8].isdigit():
            raise ValueError
        wall = dt.datetime.fromisoformat(text[:15])  # 20270105T190000
    except ValueError:
        raise PlanError(
            f"{scan.where(at)}: {quoted(value)} is not an iCalendar date or date-time"
        ) from None
    if len(text) == 16:
        if text[15] != "Z":
            raise PlanError(f"{scan.where(at)}: {quoted(value)} is not an iCalendar date-time")
        return wall.replace(tzinfo=UTC)
    if not params:
        return wall.replace(tzinfo=local)  # floating: the plan's zone
    if params not in zones:
        tzid = _params(params).get("TZID")
        if tzid is None:
            zones[params] = local
        else:
            try:
                zones[params] = check_timezone(tzid.removeprefix("/"))
            except ValueError:
                zones[params] = None
    zone = zones[params]
    return None if zone is None else wall.replace(tzinfo=zone)


_ISO_DURATION = re.compile(
    r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


def _duration(value: str, scan: _Scan, at: int) -> dt.timedelta:
    match = _ISO_DURATION.match(value.strip().upper())
    if match is None or value.strip().upper() in ("P", "PT"):
        raise PlanError(f"{scan.where(at)}: {quoted(value)} is not an iCalendar DURATION")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    length = dt.timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    return -length if sign == "-" else length


def _recurring_calendar(zones: list[str], events: dict[str, list[str]], shown: str) -> Any:
    """A calendar of the recurring events and every zone the file defines, for icalendar."""
    import icalendar

    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//plan2cal//busy//EN\r\n"]
    parts += [component.rstrip("\r\n") + "\r\n" for component in zones]
    for group in events.values():
        parts += [component.rstrip("\r\n") + "\r\n" for component in group]
    parts.append("END:VCALENDAR\r\n")
    try:
        return icalendar.Calendar.from_ical("".join(parts))
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
        raise PlanError(f"{shown}: cannot read its recurring events ({quoted(exc)})") from None


def _expand(
    busy: BusyCalendar,
    zone: ZoneInfo,
    first: dt.date,
    last: dt.date,
    ignore_plan: str | None,
    display: str,
) -> list[tuple[int, int]]:
    """The instances of the recurring events from ``first`` to ``last`` that take time."""
    import recurring_ical_events

    spans: list[tuple[int, int]] = []
    try:
        query = recurring_ical_events.of(busy.recurring)
        for count, (component, start, end) in enumerate(_instances(query, first, last)):
            if count >= MAX_INSTANCES_PER_STEP:
                raise PlanError(
                    f"{display}: its recurring events have more than "
                    f"{MAX_INSTANCES_PER_STEP:,} instances in one step of the schedule"
                )
            if not _blocks(lambda name, c=component: _text(c.get(name)), ignore_plan):
                continue
            begin = _aware(start, zone)
            if isinstance(end, dt.timedelta):
                finish = begin + end
            elif end is None or end == start:
                finish = begin if isinstance(start, dt.datetime) else _day_after(zone, begin)
            else:
                finish = _aware(end, zone)
            spans.append((math.floor(begin.timestamp()) // 60, math.ceil(finish.timestamp() / 60)))
    except PlanError:
        raise
    except Exception as exc:  # the library's own errors have no common base
        raise PlanError(f"{display}: cannot expand its recurring events ({quoted(exc)})") from None
    return spans


def _instances(query: Any, first: dt.date, last: dt.date) -> Iterator[tuple[Any, Any, Any]]:
    """``(source component, start, end)`` of each instance from ``first`` to ``last``.

    The public ``between`` copies each instance's whole component, which takes three quarters
    of the time for a calendar of weekly series; the occurrences it copies from carry their
    start, end and source, which is all a busy interval needs. Where a version of the library
    lacks them, the public way is taken.
    """
    occurrences_between = getattr(query, "_occurrences_between", None)
    if occurrences_between is not None:
        occurrences = occurrences_between(query.to_datetime(first), query.to_datetime(last))
        if all(hasattr(o, "_adapter") and hasattr(o._adapter, "_component") for o in occurrences):
            for occurrence in occurrences:
                yield occurrence._adapter._component, occurrence.start, occurrence.end
            return
    for event in query.between(first, last):
        end = event.get("DTEND")
        yield event, event.get("DTSTART").dt, None if end is None else end.dt


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _aware(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone).astimezone(UTC)
    return value.astimezone(UTC)


# --------------------------------------------------------------------------- blocked time


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday: its day, its name and the region (``DE-BE``) it is from."""

    day: dt.date
    name: str
    region: str


class Blocked:
    """Everything that takes capacity away: holidays and days off as local dates, hours off
    and busy events (with the margin) as intervals. Recurring busy events are expanded as the
    schedule reaches them: ``busy_between`` is the only way to read them."""

    def __init__(
        self,
        zone: str,
        *,
        regions: Sequence[HolidayRegion] = (),
        off: Sequence[TimeOff] = (),
        calendars: Sequence[tuple[BusyCalendar, str]] = (),
        margin: int = 0,
        ignore_plan: str | None = None,
    ) -> None:
        self.zone = zone
        self._local = ZoneInfo(zone)
        self.regions = tuple(regions)
        self._holidays = [_holiday_calendar(region) for region in self.regions]
        self._by_year: dict[int, dict[dt.date, str]] = {}
        self.off_days: dict[dt.date, str] = {}
        hours_off: list[tuple[int, int]] = []
        for entry in off:
            reason = entry.reason or "time off"
            minutes = entry.minutes
            if minutes is None:
                for n in range((entry.end - entry.first).days + 1):
                    self.off_days[entry.first + dt.timedelta(days=n)] = reason
            else:
                midnight = dt.datetime(
                    entry.first.year, entry.first.month, entry.first.day, tzinfo=self._local
                )
                hours_off.append(
                    (
                        minute_of(midnight + dt.timedelta(minutes=minutes[0])),
                        minute_of(midnight + dt.timedelta(minutes=minutes[1])),
                    )
                )
        self.off_hours = Intervals(hours_off)
        self.margin = margin
        self.calendars = tuple(calendars)
        self._ignore = ignore_plan
        self._fixed = [
            (begin - margin, end + margin)
            for busy, _ in self.calendars
            for begin, end in busy.fixed
            if end > begin or margin
        ]
        # (first, last day of a week) → (the windows, what they keep and lose): worktime's.
        self.weeks: dict[tuple[dt.date, dt.date], tuple[Any, Any]] = {}
        self._expanded: tuple[dt.date, dt.date] | None = None
        self._recurring: list[tuple[int, int]] = []
        self.busy = Intervals(self._fixed)

    @property
    def has_days_off(self) -> bool:
        """Whether any whole day is blocked: a holiday region, or a day off."""
        return bool(self.regions or self.off_days)

    @property
    def is_empty(self) -> bool:
        """True when nothing is blocked: the scheduler then takes its ordinary path."""
        return not (self.regions or self.off_days or len(self.off_hours) or self.calendars)

    def day_off(self, day: dt.date) -> tuple[Kind, str] | None:
        """Why no work happens on ``day`` at all, or None."""
        name = self._holidays_of(day.year).get(day)
        if name is not None:
            return "holiday", name
        reason = self.off_days.get(day)
        if reason is not None:
            return "off", reason
        return None

    def any_day_off(self, first: dt.date, last: dt.date) -> bool:
        """Whether any day from ``first`` to ``last`` is a holiday or a day off."""
        day = first
        one_day = dt.timedelta(days=1)
        while day <= last:
            if day in self.off_days or day in self._holidays_of(day.year):
                return True
            day += one_day
        return False

    def _holidays_of(self, year: int) -> dict[dt.date, str]:
        """The holidays of every region in ``year``: day → name (the first region's)."""
        found = self._by_year.get(year)
        if found is None:
            found = {}
            for calendar in self._holidays:
                calendar.get(dt.date(year, 1, 1))  # fills the year in
                for day, name in calendar.items():
                    if day.year == year:
                        found.setdefault(day, str(name))
            self._by_year[year] = found
        return found

    def holidays_between(self, first: dt.date, last: dt.date) -> list[Holiday]:
        """The public holidays from ``first`` to ``last``, by day (two regions' same day once
        per region)."""
        found = []
        for region, calendar in zip(self.regions, self._holidays, strict=True):
            for year in range(first.year, last.year + 1):
                calendar.get(dt.date(year, 1, 1))  # fills the year in
            for day, name in calendar.items():
                if first <= day <= last:
                    found.append(Holiday(day, str(name), region.code))
        return sorted(found, key=lambda holiday: (holiday.day, holiday.region))

    def busy_between(self, begin: int, end: int) -> Intervals:
        """The busy intervals, expanded at least over ``[begin, end)`` (minutes)."""
        if not any(busy.recurring is not None for busy, _ in self.calendars):
            return self.busy
        first = moment_of(begin).date() - dt.timedelta(days=1)
        last = moment_of(end).date() + dt.timedelta(days=1)
        if self._expanded is not None and self._expanded[0] <= first and last <= self._expanded[1]:
            return self.busy
        low = first if self._expanded is None else min(first, self._expanded[0])
        if not any(busy.endless for busy, _ in self.calendars):
            # Every series ends (COUNT, UNTIL, RDATE): all of it at once, as the library
            # walks each series from its start on every call.
            high = max(last, dt.date(LAST_EXPANDED_YEAR, 1, 1))
        elif self._expanded is None:
            high = max(last, low + dt.timedelta(days=EXPANSION_DAYS))
        else:
            # Twice as far each time: a schedule of decades expands in a few steps.
            old_low, old_high = self._expanded
            high = max(last, old_high + (old_high - old_low))
        self._extend(low, min(high, dt.date(LAST_EXPANDED_YEAR, 1, 1)))
        return self.busy

    def _extend(self, low: dt.date, high: dt.date) -> None:
        spans: list[tuple[int, int]] = []
        pieces = [(low, high)]
        if self._expanded is not None:
            old_low, old_high = self._expanded
            pieces = [(low, old_low), (old_high, high)]
        for busy, display in self.calendars:
            if busy.recurring is None:
                continue
            for a, b in pieces:
                if a < b:
                    spans += _expand(busy, self._local, a, b, self._ignore, display)
        margin = self.margin
        self._recurring += [
            (begin - margin, end + margin) for begin, end in spans if end > begin or margin
        ]
        self._expanded = (low, high)
        self.busy = Intervals([*self._fixed, *self._recurring])


def _holiday_calendar(region: HolidayRegion) -> Any:
    import holidays  # only where a plan names holidays: it takes a while to import

    return holidays.country_holidays(region.country, subdiv=region.subdiv)


def read_blocked(
    zone: str,
    *,
    regions: Sequence[HolidayRegion] = (),
    off: Sequence[TimeOff] = (),
    busy_files: Sequence[tuple[Path, str]] = (),
    busy_texts: Sequence[tuple[bytes, str]] = (),
    margin: int = 0,
    ignore_plan: str | None = None,
) -> Blocked | None:
    """Read the busy calendars — files (``(path, name to show)``), then texts already fetched
    (``(bytes, name to show)``, e.g. from a CalDAV server) — and gather what is blocked; None
    when nothing is."""
    if not (regions or off or busy_files or busy_texts):
        return None
    calendars = [
        (read_busy_calendar(path, zone, ignore_plan, display), display)
        for path, display in busy_files
    ]
    calendars += [
        (parse_busy_calendar(raw, zone, ignore_plan, display), display)
        for raw, display in busy_texts
    ]
    blocked = Blocked(
        zone,
        regions=regions,
        off=off,
        calendars=calendars,
        margin=margin,
        ignore_plan=ignore_plan,
    )
    return None if blocked.is_empty else blocked


# --------------------------------------------------------------------------- what was lost


@dataclass(frozen=True, slots=True)
class WeekLoss:
    """A week whose windows lost time: ``budget`` is what an ordinary week gives the days of
    it that are scheduled, ``placed`` what the rest of its windows still hold; the window time
    taken by holidays, time off and busy events (each minute counted once, in that order)."""

    week: dt.date  # its Monday
    budget: int
    placed: int
    holidays: int
    off: int
    busy: int
    reasons: tuple[str, ...] = ()

    @property
    def lost(self) -> int:
        """Minutes of the budget the week cannot hold."""
        return self.budget - self.placed


def loss_lines(losses: Sequence[WeekLoss], limit: int | None = None) -> list[str]:
    """One line per week that lost window time: what the budget lost, and to what; with a
    ``limit``, the weeks that lost most of their budget, in date order, and a count of the rest."""
    if not losses:
        return []
    lines = ["Weeks with less time (holidays, time off, busy events):"]
    shown = list(losses)
    if limit is not None and len(shown) > limit:
        worst = sorted(shown, key=lambda loss: (-loss.lost, loss.week))[:limit]
        shown = sorted(worst, key=lambda loss: loss.week)
    for loss in shown:
        taken = ", ".join(
            f"{label} {duration_text(minutes)}"
            for label, minutes in (
                ("holidays", loss.holidays),
                ("time off", loss.off),
                ("busy", loss.busy),
            )
            if minutes
        )
        why = f" — {'; '.join(loss.reasons)}" if loss.reasons else ""
        lost = (
            f"{duration_text(loss.lost)} of {duration_text(loss.budget)} lost"
            if loss.lost
            else f"nothing of {duration_text(loss.budget)} lost"
        )
        lines.append(f"  week of {loss.week.isoformat()}: {lost} (windows taken: {taken}){why}")
    if len(shown) < len(losses):
        lost_in_all = sum(loss.lost for loss in losses)
        lines.append(
            f"  … and {len(losses) - len(shown)} more weeks; {duration_text(lost_in_all)} lost "
            "in all (plan2cal check lists every week)"
        )
    return lines


def holiday_lines(holidays_found: Sequence[Holiday]) -> list[str]:
    """The holidays inside the plan, one line each."""
    if not holidays_found:
        return []
    return [
        "Public holidays in the plan's range:",
        *(
            f"  {holiday.day.isoformat()} {holiday.day.strftime('%a')}  {holiday.name} "
            f"({holiday.region})"
            for holiday in holidays_found
        ),
    ]
