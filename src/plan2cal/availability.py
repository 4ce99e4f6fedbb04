"""The time that cannot be used: public holidays, time off and the busy times of the person's
own calendars, as blocked days and blocked intervals (DESIGN §10).

Intervals are in whole minutes since the Unix epoch, UTC, sorted and merged, so that the
scheduler finds those that touch a week with two bisections. Busy calendars are read with a
content-line scanner for plain one-off events (most of a large calendar) and with icalendar and
recurring-ical-events for everything that recurs (RRULE, RDATE, EXDATE, RECURRENCE-ID) or uses
a zone the zone database does not know; recurrences are expanded a year at a time, as far as
the schedule reaches.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from plan2cal.diagnostics import quoted
from plan2cal.durations import duration_text
from plan2cal.errors import PlanError
from plan2cal.model import HolidayRegion, TimeOff, check_timezone

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
DAY_MINUTES = 24 * 60
# A busy calendar is read whole; a person's calendar of ten years is a few megabytes.
MAX_BUSY_BYTES = 64 * 1024 * 1024
# Recurring busy events are expanded this many days at a time, as the schedule reaches them.
EXPANSION_DAYS = 366
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
        self.starts: list[int] = []
        self.ends: list[int] = []
        for begin, end in sorted(span for span in spans if span[1] > span[0]):
            if self.ends and begin <= self.ends[-1]:
                if end > self.ends[-1]:
                    self.ends[-1] = end
            else:
                self.starts.append(begin)
                self.ends.append(end)

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

    path: Path
    fixed: list[tuple[int, int]]
    recurring: Any = None  # an icalendar.Calendar, or None when nothing recurs
    events: int = 0


_PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"]*"|[^;:]*)')
_RECURRENCE = frozenset({"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "EXRULE"})


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
    raw = read_input_bytes(path, MAX_BUSY_BYTES)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanError(f"{shown}:{line}: a busy calendar must be UTF-8 text") from None
    local = ZoneInfo(zone)
    components = _components(text, shown)
    fixed: list[tuple[int, int]] = []
    recurring: dict[str, list[list[str]]] = {}
    zones: list[list[str]] = []
    later: list[tuple[str, _Event]] = []
    recurring_uids: set[str] = set()
    count = 0
    for name, lines, props in components:
        if name == "VTIMEZONE":
            zones.append(lines)
            continue
        count += 1
        uid = props.value("UID") or f"\0{count}"
        if any(key in props.values for key in _RECURRENCE):
            recurring_uids.add(uid)
        later.append((uid, _Event(lines, props)))
    for uid, event in later:
        if uid in recurring_uids:
            recurring.setdefault(uid, []).append(event.lines)
            continue
        if not _blocks(event.props.value, ignore_plan):
            continue
        span = _simple_span(event.props, local, shown)
        if span is None:  # a zone only the file defines: icalendar reads it
            recurring.setdefault(uid, []).append(event.lines)
        elif span[1] > span[0]:
            fixed.append(span)
    calendar = _recurring_calendar(zones, recurring, shown) if recurring else None
    return BusyCalendar(path, fixed, calendar, count)


@dataclass
class _Props:
    """A component's properties: name → list of ``(parameters, value, line)``."""

    values: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    def value(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0][1] if found else None


@dataclass
class _Event:
    lines: list[str]
    props: _Props


def _components(text: str, shown: str) -> list[tuple[str, list[str], _Props]]:
    """The VEVENT and VTIMEZONE components right inside the VCALENDAR, with their unfolded
    lines and properties; PlanError at the line of the first thing that is not iCalendar."""
    found: list[tuple[str, list[str], _Props]] = []
    stack: list[str] = []
    current: list[str] | None = None
    props = _Props()
    number = 0
    logical: list[tuple[int, str]] = []
    for number, physical in enumerate(text.splitlines(), 1):
        if physical[:1] in (" ", "\t") and logical:
            start, before = logical[-1]
            logical[-1] = (start, before + physical[1:])
        elif physical.strip():
            logical.append((number, physical))
    if not logical or logical[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise PlanError(
            f"{shown}:1: not an iCalendar file; a busy calendar starts with BEGIN:VCALENDAR"
        )
    for number, line in logical:
        colon = _value_colon(line)
        if colon < 0:
            raise PlanError(f"{shown}:{number}: {quoted(line)} is not an iCalendar content line")
        head = line[:colon]
        semicolon = head.find(";")
        name = (head if semicolon < 0 else head[:semicolon]).upper()
        value = line[colon + 1 :]
        if name == "BEGIN":
            kind = value.strip().upper()
            stack.append(kind)
            if len(stack) == 2 and kind in ("VEVENT", "VTIMEZONE"):
                current, props = [line], _Props()
            elif current is not None:
                current.append(line)
            if len(stack) > 8:
                raise PlanError(f"{shown}:{number}: components nested too deep")
            continue
        if name == "END":
            kind = value.strip().upper()
            if not stack or stack[-1] != kind:
                expected = f"END:{stack[-1]}" if stack else "nothing after END:VCALENDAR"
                raise PlanError(f"{shown}:{number}: END:{kind} where {expected} was expected")
            stack.pop()
            if current is not None:
                current.append(line)
                if len(stack) == 1:
                    found.append((kind, current, props))
                    current = None
            continue
        if not stack:
            raise PlanError(f"{shown}:{number}: content after END:VCALENDAR")
        if current is not None:
            current.append(line)
            if len(stack) == 2:
                params = "" if semicolon < 0 else head[semicolon:]
                props.values.setdefault(name, []).append((params, value, number))
    if stack:
        raise PlanError(f"{shown}:{number}: the file ends inside {stack[-1]}; is it cut short?")
    return found


def _value_colon(line: str) -> int:
    """Where the value starts: the first colon outside a quoted parameter value."""
    quoted_part = False
    for index, char in enumerate(line):
        if char == '"':
            quoted_part = not quoted_part
        elif char == ":" and not quoted_part:
            return index
    return -1


def _blocks(value: Any, ignore_plan: str | None) -> bool:
    """Whether an event with these properties takes time."""
    status = (value("STATUS") or "").strip().upper()
    transparency = (value("TRANSP") or "").strip().upper()
    if status == "CANCELLED" or transparency == "TRANSPARENT":
        return False
    return not (ignore_plan is not None and (value("X-PLAN2CAL-PLAN") or "") == ignore_plan)


def _params(text: str) -> dict[str, str]:
    return {key.upper(): raw.strip('"') for key, raw in _PARAM.findall(text)}


def _simple_span(props: _Props, local: ZoneInfo, shown: str) -> tuple[int, int] | None:
    """A one-off event as minutes; None when its zone is one only the file defines."""
    starts = props.values.get("DTSTART")
    if not starts:
        line = props.values.get("UID", [("", "", 0)])[0][2]
        where = f":{line}" if line else ""
        raise PlanError(f"{shown}{where}: an event without DTSTART")
    params, value, line = starts[0]
    begin = _moment(params, value, local, shown, line)
    if begin is None:
        return None
    if "DTEND" in props.values:
        params, value, line = props.values["DTEND"][0]
        end = _moment(params, value, local, shown, line)
        if end is None:
            return None
    elif "DURATION" in props.values:
        _, value, line = props.values["DURATION"][0]
        end = begin + _duration(value, shown, line)
    elif _is_date(params, starts[0][1]):
        end = _day_after(local, begin)  # RFC 5545 §3.6.1: an all-day event lasts its day
    else:
        end = begin  # a moment: blocks only its margin
    return minute_of(begin), -(-int((end - EPOCH).total_seconds()) // 60)


def _day_after(local: ZoneInfo, begin: dt.datetime) -> dt.datetime:
    """The local midnight a day after the all-day event that starts at ``begin``."""
    day = begin.astimezone(local).date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=local).astimezone(UTC)


def _is_date(params: str, value: str) -> bool:
    return "VALUE=DATE" in params.upper().replace("VALUE=DATE-TIME", "") or len(value.strip()) == 8


def _moment(params: str, value: str, local: ZoneInfo, shown: str, line: int) -> dt.datetime | None:
    """A DTSTART or DTEND value as an aware UTC datetime; a date is local midnight."""
    text = value.strip()
    try:
        if _is_date(params, text):
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            return dt.datetime(day.year, day.month, day.day, tzinfo=local).astimezone(UTC)
        if len(text) not in (15, 16) or text[8] != "T":
            raise ValueError
        wall = dt.datetime(
            int(text[:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
        )
    except (ValueError, IndexError):
        raise PlanError(
            f"{shown}:{line}: {quoted(value)} is not an iCalendar date or date-time"
        ) from None
    if text.endswith("Z"):
        return wall.replace(tzinfo=UTC)
    tzid = _params(params).get("TZID")
    if tzid is None:
        return wall.replace(tzinfo=local).astimezone(UTC)  # floating: the plan's zone
    try:
        zone = check_timezone(tzid.removeprefix("/"))
    except ValueError:
        return None
    return wall.replace(tzinfo=zone).astimezone(UTC)


_ISO_DURATION = re.compile(
    r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


def _duration(value: str, shown: str, line: int) -> dt.timedelta:
    match = _ISO_DURATION.match(value.strip().upper())
    if match is None or value.strip().upper() in ("P", "PT"):
        raise PlanError(f"{shown}:{line}: {quoted(value)} is not an iCalendar DURATION")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    length = dt.timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    return -length if sign == "-" else length


def _recurring_calendar(
    zones: list[list[str]], events: dict[str, list[list[str]]], shown: str
) -> Any:
    import icalendar

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plan2cal//busy//EN"]
    for component in zones:
        lines += component
    for group in events.values():
        for component in group:
            lines += component
    lines.append("END:VCALENDAR")
    try:
        return icalendar.Calendar.from_ical("\r\n".join(lines) + "\r\n")
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
        instances = recurring_ical_events.of(busy.recurring).between(first, last)
        for count, event in enumerate(instances):
            if count >= MAX_INSTANCES_PER_STEP:
                raise PlanError(
                    f"{display}: its recurring events have more than "
                    f"{MAX_INSTANCES_PER_STEP:,} instances in a year"
                )
            if not _blocks(lambda name, e=event: _text(e.get(name)), ignore_plan):
                continue
            begin = _aware(event.get("DTSTART").dt, zone)
            end_prop = event.get("DTEND")
            if end_prop is not None:
                end = _aware(end_prop.dt, zone)
            elif event.get("DURATION") is not None:
                end = begin + event.get("DURATION").dt
            elif not isinstance(event.get("DTSTART").dt, dt.datetime):
                end = _day_after(zone, begin)
            else:
                end = begin
            spans.append((minute_of(begin), -(-int((end - EPOCH).total_seconds()) // 60)))
    except PlanError:
        raise
    except Exception as exc:  # the library's own errors have no common base
        raise PlanError(f"{display}: cannot expand its recurring events ({quoted(exc)})") from None
    return spans


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
        import holidays

        self.zone = zone
        self._local = ZoneInfo(zone)
        self.regions = tuple(regions)
        self._holidays = [
            holidays.country_holidays(region.country, subdiv=region.subdiv)
            for region in self.regions
        ]
        self.off_days: dict[dt.date, str] = {}
        partial: list[tuple[int, int]] = []
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
                partial.append(
                    (
                        minute_of(midnight + dt.timedelta(minutes=minutes[0])),
                        minute_of(midnight + dt.timedelta(minutes=minutes[1])),
                    )
                )
        self.off_hours = Intervals(partial)
        self.margin = margin
        self.calendars = tuple(calendars)
        self._ignore = ignore_plan
        self._fixed = [
            (begin - margin, end + margin)
            for busy, _ in self.calendars
            for begin, end in busy.fixed
            if end > begin or margin
        ]
        self._expanded: tuple[dt.date, dt.date] | None = None
        self._recurring: list[tuple[int, int]] = []
        self.busy = Intervals(self._fixed)

    @property
    def is_empty(self) -> bool:
        """True when nothing is blocked: the scheduler then takes its ordinary path."""
        return not (self.regions or self.off_days or len(self.off_hours) or self.calendars)

    def day_off(self, day: dt.date) -> tuple[Kind, str] | None:
        """Why no work happens on ``day`` at all, or None."""
        for calendar in self._holidays:
            name = calendar.get(day)
            if name is not None:
                return "holiday", str(name)
        reason = self.off_days.get(day)
        if reason is not None:
            return "off", reason
        return None

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
        high = max(last, low + dt.timedelta(days=EXPANSION_DAYS))
        if self._expanded is not None:
            high = max(high, self._expanded[1] + dt.timedelta(days=EXPANSION_DAYS))
        self._extend(low, high)
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


def read_blocked(
    zone: str,
    *,
    regions: Sequence[HolidayRegion] = (),
    off: Sequence[TimeOff] = (),
    busy_files: Sequence[tuple[Path, str]] = (),
    margin: int = 0,
    ignore_plan: str | None = None,
) -> Blocked | None:
    """Read the busy calendars (``(path, name to show)``) and gather what is blocked; None
    when nothing is."""
    calendars = [
        (read_busy_calendar(path, zone, ignore_plan, display), display)
        for path, display in busy_files
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


def iter_days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every day from ``first`` to ``last``."""
    for n in range((last - first).days + 1):
        yield first + dt.timedelta(days=n)
