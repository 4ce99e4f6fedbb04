"""When work can happen: the weekly budget spread over the weekday windows, as dated work blocks.

All lengths here are in minutes and on the 15-minute grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from plan2cal.durations import QUANTUM, duration_text
from plan2cal.errors import UnschedulableError
from plan2cal.model import WEEKDAYS

UTC = dt.UTC

Windows = dict[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class Availability:
    """The resolved working pattern: budget, zone, windows and session limits."""

    hours_per_week: float
    timezone: str
    windows: Windows
    session_min: int
    session_max: int

    @property
    def budget(self) -> int:
        """The weekly budget in minutes, rounded down to the grid."""
        return int(self.hours_per_week * 60) // QUANTUM * QUANTUM


@dataclass(frozen=True, slots=True)
class WeekPattern:
    """The blocks of one ordinary week: weekday → ``(start minute, length)`` in local time."""

    blocks: tuple[tuple[tuple[int, int], ...], ...]
    window_capacity: int

    @property
    def weekly_minutes(self) -> int:
        """Minutes of work an ordinary week holds."""
        return sum(length for day in self.blocks for _, length in day)

    def day_minutes(self, weekday: int) -> int:
        """Minutes of work on that weekday."""
        return sum(length for _, length in self.blocks[weekday])


def week_pattern(availability: Availability) -> WeekPattern:
    """Spread the budget evenly over the weekdays that have room, then lay it out in blocks.

    A day is used only if it can hold a block of at least ``session_min``; when the budget is too
    small to give every such day ``session_min``, it goes to fewer days spread across the week.
    """
    smin, smax = availability.session_min, availability.session_max
    budget = availability.budget
    if budget < smin:
        raise UnschedulableError(
            f"the weekly budget of {availability.hours_per_week:g} h is less than the shortest "
            f"session ({duration_text(smin)}); raise hours_per_week or lower session.min"
        )
    capacity = {
        day: _total(_layout(10**9, spans, smin, smax))
        for day, spans in availability.windows.items()
    }
    usable = [day for day in range(7) if capacity.get(day, 0) >= smin]
    if not usable:
        raise UnschedulableError(
            "no window can hold a session: give defaults.windows at least one time range as "
            f'long as session.min ({duration_text(smin)}), e.g. mon-fri: "19:00-21:00"'
        )
    allotment: dict[int, int] = {}
    for count in range(len(usable), 0, -1):
        chosen = [usable[(i * len(usable)) // count] for i in range(count)]
        allotment = _spread(budget, {day: capacity[day] for day in chosen})
        if all(minutes >= smin for minutes in allotment.values()):
            break
    blocks = tuple(
        tuple(_layout(allotment.get(day, 0), availability.windows.get(day, ()), smin, smax))
        for day in range(7)
    )
    return WeekPattern(blocks=blocks, window_capacity=sum(capacity.values()))


def _spread(budget: int, capacity: dict[int, int]) -> dict[int, int]:
    """Share ``budget`` evenly over the days, one quantum at a time, never past a day's capacity."""
    allotment = dict.fromkeys(capacity, 0)
    left = budget
    while left >= QUANTUM:
        open_days = [day for day in capacity if allotment[day] < capacity[day]]
        if not open_days:
            break
        share = max(QUANTUM, (left // len(open_days)) // QUANTUM * QUANTUM)
        for day in open_days:
            give = min(share, capacity[day] - allotment[day], left)
            allotment[day] += give
            left -= give
            if left < QUANTUM:
                break
    return allotment


def _layout(
    minutes: int, spans: tuple[tuple[int, int], ...], smin: int, smax: int
) -> list[tuple[int, int]]:
    """Lay a day's minutes into blocks of at most ``smax`` inside the windows, earliest first.

    Consecutive blocks are separated by a quarter-hour break when the window has room for it.
    A block is shortened when that leaves the next one at least ``smin`` long.
    """
    blocks: list[tuple[int, int]] = []
    left = minutes
    for start, end in spans:
        # Windows may start off the grid (19:10); blocks start at the window's opening.
        t = start
        while left >= smin and end - t >= smin:
            room = (end - t) // QUANTUM * QUANTUM
            size = min(smax, left, room)
            if size < smin:
                break
            rest = left - size
            if 0 < rest < smin and size - (smin - rest) >= smin:
                size -= smin - rest
            blocks.append((t, size))
            left -= size
            t += size + QUANTUM
    return blocks


def _total(blocks: list[tuple[int, int]]) -> int:
    return sum(length for _, length in blocks)


def work_blocks(
    pattern: WeekPattern, zone: ZoneInfo, start: dt.date, until: dt.date
) -> Iterator[tuple[dt.datetime, int]]:
    """Yield ``(UTC start, minutes)`` for every block from ``start`` to ``until``, in order.

    Lengths are real minutes. On a day the clocks go back, a block in or across the repeated
    hour starts at the first occurrence of its wall-clock start (fold=0) and lasts its real
    length, so it ends earlier on the wall clock than the pattern says, never later: it stays
    inside its window and a quarter-hour or more before the next block. On a day the clocks
    go forward, a block that starts or ends in the skipped hour, or spans it, is left out: it
    would not be as long as it says, or not inside its window.
    """
    day = start
    one_day = dt.timedelta(days=1)
    while day <= until:
        blocks = pattern.blocks[day.weekday()]
        if not blocks:
            day += one_day
            continue
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        offset = midnight.utcoffset()
        if offset is not None and offset == (midnight + one_day).utcoffset():
            # No change of offset that day (true of all but about two days a year): local
            # time less the offset is UTC, with no gap or repeat to check.
            base = midnight.replace(tzinfo=UTC) - offset
            for minute, length in blocks:
                yield base + dt.timedelta(minutes=minute), length
        else:
            yield from _blocks_on_changing_day(midnight, blocks, zone)
        day += one_day


def _blocks_on_changing_day(
    midnight: dt.datetime, blocks: tuple[tuple[int, int], ...], zone: ZoneInfo
) -> Iterator[tuple[dt.datetime, int]]:
    for minute, length in blocks:
        # Wall-clock arithmetic on an aware datetime keeps fold=0: a repeated wall time reads
        # as its first occurrence, a skipped one as if the clocks had not moved yet.
        wall_begin = midnight + dt.timedelta(minutes=minute)
        wall_end = midnight + dt.timedelta(minutes=minute + length)
        begin = wall_begin.astimezone(UTC)
        end = begin + dt.timedelta(minutes=length)
        if (
            _exists(wall_begin, zone)
            and _exists(wall_end, zone)
            and end <= wall_end.astimezone(UTC)
        ):
            yield begin, length


def _exists(wall: dt.datetime, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time happens at all (it does not in a spring-forward gap)."""
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


def describe_pattern(pattern: WeekPattern) -> list[str]:
    """One line per working weekday: its blocks as wall-clock ranges."""
    lines = []
    for day, blocks in enumerate(pattern.blocks):
        if blocks:
            ranges = ", ".join(f"{_clock(s)}-{_clock(s + n)}" for s, n in blocks)
            lines.append(f"{WEEKDAYS[day]}  {ranges}  ({duration_text(_total(list(blocks)))})")
    return lines


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
