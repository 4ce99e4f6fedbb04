"""When work can happen: the weekly budget spread over the weekday windows, as dated work blocks.

All lengths here are in minutes and on the 15-minute grid.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from plan2cal.durations import QUANTUM, duration_text
from plan2cal.errors import UnschedulableError
from plan2cal.model import WEEKDAYS

if TYPE_CHECKING:
    from plan2cal.availability import Blocked, Intervals, WeekLoss

UTC = dt.UTC
DAY = 24 * 60  # minutes

Windows = dict[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class Availability:
    """The resolved working pattern: budget, zone, windows and session limits, and what
    holidays, time off and busy calendars take away (``blocked``; None: nothing)."""

    hours_per_week: float
    timezone: str
    windows: Windows
    session_min: int
    session_max: int
    blocked: Blocked | None = None

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

    @property
    def longest_block(self) -> int:
        """The length of the week's longest block: no session can ever be longer."""
        return max(length for day in self.blocks for _, length in day)

    def day_minutes(self, weekday: int) -> int:
        """Minutes of work on that weekday."""
        return sum(length for _, length in self.blocks[weekday])


def week_pattern(availability: Availability) -> WeekPattern:
    """Lay the most work the budget and the windows allow into blocks, spread over the week.

    A block lies inside one window, starts on the quarter-hour grid from the window's opening,
    is between ``session_min`` and ``session_max`` long, and is a quarter-hour away from the
    next block in the same window. Of all the weekly totals such blocks can make, the week
    holds the largest that is not over the budget (``weekly_minutes``). That total is spread
    as evenly as the days allow: over every day that can hold a block, or, when the budget is
    too small to give each of them ``session_min``, over fewer days spread across the week;
    a day whose even share its windows cannot hold exactly gets the nearest share they can.
    """
    smin, smax = availability.session_min, availability.session_max
    budget = availability.budget
    if budget < smin:
        raise UnschedulableError(
            f"the weekly budget of {availability.hours_per_week:g} h is less than the shortest "
            f"session ({duration_text(smin)}); raise hours_per_week or lower session.min"
        )
    blocks, capacity = _lay_week(budget, availability.windows, smin, smax)
    if not capacity:
        raise UnschedulableError(
            "no window can hold a session: give defaults.windows at least one time range as "
            f'long as session.min ({duration_text(smin)}), e.g. mon-fri: "19:00-21:00"'
        )
    return WeekPattern(blocks=blocks, window_capacity=capacity)


def _lay_week(
    budget: int, windows: Windows, smin: int, smax: int
) -> tuple[tuple[tuple[tuple[int, int], ...], ...], int]:
    """The week's blocks for ``budget`` minutes in ``windows`` (week_pattern's rules), and the
    most the windows hold; no blocks, and 0, when no window can hold a session."""
    # Bit n of a day's set: the day's windows can hold blocks of n quarter-hours in all.
    day_sets = {day: _day_totals(spans, smin, smax) for day, spans in windows.items()}
    capacity = {day: _largest(totals) for day, totals in day_sets.items()}
    usable = [day for day in range(7) if capacity.get(day, 0) >= smin]
    if not usable or budget < smin:
        return ((),) * 7, 0
    week = 1
    for day in usable:
        week = _sums(week, day_sets[day], budget // QUANTUM)
    weekly = _largest(week)
    allotment = _allot(weekly, usable, capacity, day_sets, smin)
    blocks = tuple(
        tuple(_layout(allotment.get(day, 0), windows.get(day, ()), smin, smax)) for day in range(7)
    )
    return blocks, sum(capacity.values())


def _allot(
    weekly: int,
    usable: list[int],
    capacity: dict[int, int],
    day_sets: dict[int, int],
    smin: int,
) -> dict[int, int]:
    """Day → minutes, adding up to ``weekly``, each a total its day's windows can hold."""
    for count in range(len(usable), 0, -1):
        chosen = [usable[(i * len(usable)) // count] for i in range(count)]
        allotment = _spread(weekly, {day: capacity[day] for day in chosen})
        if sum(allotment.values()) == weekly and all(
            minutes >= smin and day_sets[day] >> (minutes // QUANTUM) & 1
            for day, minutes in allotment.items()
        ):
            return allotment
    # No even share fits the windows exactly (say 45 min where a day holds 30 or 60): the
    # shares nearest to the even spread over every usable day that add up to the total.
    return _nearest(weekly, _spread(weekly, {day: capacity[day] for day in usable}), day_sets)


def _nearest(weekly: int, ideal: dict[int, int], day_sets: dict[int, int]) -> dict[int, int]:
    """The day totals, each from its day's set, adding up to ``weekly`` with the least squared
    distance from ``ideal``; on a tie earlier days get more."""
    days = list(ideal)
    target = weekly // QUANTUM
    infinite = float("inf")
    # best[i][n]: the least distance for days[i:] to hold n quarter-hours.
    best = [[infinite] * (target + 1) for _ in range(len(days) + 1)]
    best[len(days)][0] = 0
    for i in range(len(days) - 1, -1, -1):
        options = _members(day_sets[days[i]], target)
        want = ideal[days[i]] // QUANTUM
        for n in range(target + 1):
            best[i][n] = min(
                (best[i + 1][n - x] + (x - want) ** 2 for x in options if x <= n),
                default=infinite,
            )
    allotment: dict[int, int] = {}
    left = target
    for i, day in enumerate(days):
        want = ideal[day] // QUANTUM
        x = min(
            (x for x in reversed(_members(day_sets[day], left))),
            key=lambda x: best[i + 1][left - x] + (x - want) ** 2,
        )
        if x:
            allotment[day] = x * QUANTUM
        left -= x
    return allotment


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


@functools.cache
def _window_totals(room: int, smin: int, smax: int) -> int:
    """The totals, as a set of quarter-hours, that blocks can fill in ``room`` minutes of one
    window: ``k`` blocks of ``smin``..``smax`` with a quarter-hour between each two."""
    totals = 1  # no block at all
    k = 1
    while k * smin + (k - 1) * QUANTUM <= room:
        for minutes in range(k * smin, min(k * smax, room - (k - 1) * QUANTUM) + 1, QUANTUM):
            totals |= 1 << (minutes // QUANTUM)
        k += 1
    return totals


def _rooms(spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    # Windows may start off the grid (19:10); blocks start at the window's opening.
    return [(start, (end - start) // QUANTUM * QUANTUM) for start, end in spans]


def _day_totals(spans: tuple[tuple[int, int], ...], smin: int, smax: int) -> int:
    totals = 1
    for _, room in _rooms(spans):
        totals = _sums(totals, _window_totals(room, smin, smax))
    return totals


def _sums(a: int, b: int, limit: int | None = None) -> int:
    """The set of sums of a member of ``a`` and one of ``b`` (sets of quarter-hours as bits)."""
    result = 0
    n = 0
    while a:
        if a & 1:
            result |= b << n
        a >>= 1
        n += 1
    return result if limit is None else result & ((1 << (limit + 1)) - 1)


def _largest(totals: int) -> int:
    return (totals.bit_length() - 1) * QUANTUM


def _members(totals: int, limit: int) -> list[int]:
    """The members of a set of quarter-hours up to ``limit``, ascending."""
    return [n for n in range(min(limit, totals.bit_length() - 1) + 1) if totals >> n & 1]


def _layout(
    minutes: int, spans: tuple[tuple[int, int], ...], smin: int, smax: int
) -> list[tuple[int, int]]:
    """Lay a day's minutes into blocks inside the windows, earliest first, longest first.

    Each block is as long as it can be (up to ``smax``) while what is left can still be laid
    out after it: in the rest of its window after a quarter-hour break, or in later windows.
    ``minutes`` must be a total the windows can hold.
    """
    rooms = _rooms(spans)
    later = [1] * (len(rooms) + 1)  # later[i]: what windows i, i+1, … can hold
    for i in range(len(rooms) - 1, -1, -1):
        later[i] = _sums(_window_totals(rooms[i][1], smin, smax), later[i + 1])
    blocks: list[tuple[int, int]] = []
    left = minutes
    for i, (start, room) in enumerate(rooms):
        used = 0
        while left:
            size = next(
                (
                    size
                    for size in range(min(smax, left, room - used), smin - 1, -QUANTUM)
                    if _sums(_window_totals(room - used - size - QUANTUM, smin, smax), later[i + 1])
                    >> ((left - size) // QUANTUM)
                    & 1
                ),
                0,
            )
            if not size:
                break
            blocks.append((start + used, size))
            left -= size
            used += size + QUANTUM
    assert not left, "the day's share must be a total its windows can hold"
    return blocks


def work_blocks(
    pattern: WeekPattern, zone: ZoneInfo, start: dt.date, until: dt.date
) -> Iterator[tuple[dt.datetime, int]]:
    """Yield ``(UTC start, minutes)`` for every block from ``start`` to ``until``, in order.

    The blocks of dated_work_blocks, without their dates.
    """
    for _, begin, length in dated_work_blocks(pattern, zone, start, until):
        yield begin, length


def dated_work_blocks(
    pattern: WeekPattern,
    zone: ZoneInfo,
    start: dt.date,
    until: dt.date,
    availability: Availability | None = None,
    losses: list[WeekLoss] | None = None,
    week_windows: Callable[[], Windows] | None = None,
) -> Iterator[tuple[dt.date, dt.datetime, int]]:
    """Yield ``(local date, UTC start, minutes)`` for every block from ``start`` to ``until``,
    in order.

    Lengths are real minutes. On a day the clocks go back, a block in or across the repeated
    hour starts at the first occurrence of its wall-clock start (fold=0) and lasts its real
    length, so it ends earlier on the wall clock than the pattern says, never later: it stays
    inside its window and a quarter-hour or more before the next block. On a day the clocks
    go forward, a block that starts or ends in the skipped hour, or spans it, is left out: it
    would not be as long as it says, or not inside its window.

    With an ``availability`` whose ``blocked`` is set, a week that holidays, time off or busy
    events take window time from is laid anew (_blocked_work_blocks); ``losses`` collects what
    each such week lost. With ``week_windows``, each week is laid in the windows it returns
    when the week's first block is asked for (phases and tasks with windows of their own).
    """
    if availability is not None and (availability.blocked is not None or week_windows is not None):
        from plan2cal.availability import Blocked

        blocked = availability.blocked or Blocked(availability.timezone)
        yield from _blocked_work_blocks(
            pattern, availability, blocked, zone, start, until, losses, week_windows
        )
        return
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
                yield day, base + dt.timedelta(minutes=minute), length
        else:
            for begin, length in _blocks_on_changing_day(midnight, blocks, zone):
                yield day, begin, length
        day += one_day


def _day_blocks(
    day: dt.date, blocks: tuple[tuple[int, int], ...], zone: ZoneInfo
) -> Iterator[tuple[dt.datetime, int]]:
    """One day's blocks (local start minute, length) as ``(UTC start, minutes)``."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    offset = midnight.utcoffset()
    if offset is not None and offset == (midnight + dt.timedelta(days=1)).utcoffset():
        base = midnight.replace(tzinfo=UTC) - offset
        for minute, length in blocks:
            yield base + dt.timedelta(minutes=minute), length
    else:
        yield from _blocks_on_changing_day(midnight, blocks, zone)


def _blocked_work_blocks(
    pattern: WeekPattern,
    availability: Availability,
    blocked: Blocked,
    zone: ZoneInfo,
    start: dt.date,
    until: dt.date,
    losses: list[WeekLoss] | None,
    week_windows: Callable[[], Windows] | None = None,
) -> Iterator[tuple[dt.date, dt.datetime, int]]:
    """dated_work_blocks when something is blocked, one calendar week (Monday to Sunday) at a
    time (DESIGN §4 rule 3).

    A week that nothing blocked keeps the ordinary blocks. In a week that lost window time,
    the free windows are what is left of each day's windows once holidays and days off (the
    whole day), hours off and busy events (with the margin, widened to the quarter-hour grid)
    are taken out; the budget that an ordinary week gives the week's scheduled days is laid
    into them by week_pattern's rules, spread over what remains. What they cannot hold is
    lost: it is not made up in another week. A block that still touches a busy interval (the
    wall clock repeats an hour on the day the clocks go back) is left out.
    """
    from plan2cal.availability import WeekLoss, minute_of

    one_day = dt.timedelta(days=1)
    epoch_day = dt.date(1970, 1, 1).toordinal()
    off_hours = blocked.off_hours
    whole_days = blocked.has_days_off
    layouts: dict[tuple[tuple[int, tuple[tuple[int, int], ...]], ...], WeekPattern] = {}
    default_pattern = pattern
    windows = availability.windows
    day = start
    while day <= until:
        last = min(day + dt.timedelta(days=6 - day.weekday()), until)
        if week_windows is not None:
            windows = week_windows()
            if windows is availability.windows:
                pattern = default_pattern
            else:
                shape = tuple(sorted(windows.items()))
                if shape not in layouts:
                    laid, capacity = _lay_week(
                        availability.budget,
                        windows,
                        availability.session_min,
                        availability.session_max,
                    )
                    layouts[shape] = WeekPattern(blocks=laid, window_capacity=capacity)
                pattern = layouts[shape]
        # First a cheap look, a day wider on each side than any zone's offset: most weeks of
        # a long plan have nothing blocked, and keep the ordinary blocks.
        near_begin = (day.toordinal() - epoch_day - 1) * DAY
        near_end = (last.toordinal() - epoch_day + 2) * DAY
        busy = blocked.busy_between(near_begin, near_end)
        if not (
            (whole_days and blocked.any_day_off(day, last))
            or busy.touches(near_begin, near_end)
            or off_hours.touches(near_begin, near_end)
        ):
            yield from dated_work_blocks(pattern, zone, day, last)
            day = last + one_day
            continue
        days = [day + dt.timedelta(days=n) for n in range((last - day).days + 1)]
        # What a week's windows lose depends on the week and its windows alone: kept on the
        # Blocked, for the next schedule of the same plan (``fit`` makes dozens).
        cached = blocked.weeks.get((day, last))
        if cached is not None and cached[0] == windows:
            free, taken, reasons = cached[1]
        else:
            free, taken, reasons = _free_windows(blocked, busy, windows, days, zone)
            blocked.weeks[(day, last)] = (windows, (free, taken, reasons))
        if not any(taken.values()):
            yield from dated_work_blocks(pattern, zone, day, last)
            day = last + one_day
            continue
        budget = sum(pattern.day_minutes(d.weekday()) for d in days)
        laid, _ = _lay_week(budget, free, availability.session_min, availability.session_max)
        placed = 0
        for d in days:
            for begin, length in _day_blocks(d, laid[d.weekday()], zone):
                low = minute_of(begin)
                if busy.touches(low, low + length) or off_hours.touches(low, low + length):
                    continue
                placed += length
                yield d, begin, length
        if losses is not None:
            losses.append(
                WeekLoss(
                    week=day - dt.timedelta(days=day.weekday()),
                    budget=budget,
                    placed=min(placed, budget),
                    holidays=taken["holiday"],
                    off=taken["off"],
                    busy=taken["busy"],
                    reasons=tuple(reasons),
                )
            )
        day = last + one_day


def _free_windows(
    blocked: Blocked, busy: Intervals, windows: Windows, days: list[dt.date], zone: ZoneInfo
) -> tuple[Windows, dict[str, int], list[str]]:
    """What is left of the windows of ``days`` (one week) once holidays, days off, hours off
    and busy events are taken out; the window minutes each took; the days' reasons."""
    from plan2cal.availability import minute_of

    free: Windows = {}
    taken = {"holiday": 0, "off": 0, "busy": 0}
    reasons: list[str] = []
    midnights = [
        minute_of(dt.datetime(d.year, d.month, d.day, tzinfo=zone))
        for d in [*days, days[-1] + dt.timedelta(days=1)]
    ]
    week_begin, week_end = midnights[0], midnights[-1]
    off_hours = blocked.off_hours
    whole = [blocked.day_off(d) for d in days]
    if not (
        any(whole) or busy.touches(week_begin, week_end) or off_hours.touches(week_begin, week_end)
    ):
        return free, taken, reasons
    for index, d in enumerate(days):
        spans = windows.get(d.weekday(), ())
        room = sum(end - begin for begin, end in spans)
        why = whole[index]
        if why is not None:
            if room:
                taken[why[0]] += room
                if why[1] not in reasons:
                    reasons.append(why[1])
            continue
        low, high = midnights[index], midnights[index + 1]
        after_off = _subtract(spans, _local_cuts(off_hours, low, high, d, zone))
        after_busy = _subtract(after_off, _local_cuts(busy, low, high, d, zone))
        kept_off = sum(end - begin for begin, end in after_off)
        taken["off"] += room - kept_off
        taken["busy"] += kept_off - sum(end - begin for begin, end in after_busy)
        if after_busy:
            free[d.weekday()] = tuple(after_busy)
    return free, taken, reasons


def _local_cuts(
    intervals: Intervals, low: int, high: int, day: dt.date, zone: ZoneInfo
) -> list[tuple[int, int]]:
    """The intervals that touch the day ``[low, high)`` as wall-clock minutes of ``day``,
    widened to the quarter-hour grid and cut to the day."""
    from plan2cal.availability import moment_of

    cuts = []
    # A day of 24 hours has one offset throughout: wall minutes are UTC minutes less its
    # midnight. Only on the two days a year the clocks change is each moment converted.
    steady = high - low == DAY
    for begin, end in intervals.overlapping(low, high):
        if steady:
            first = begin - low
            last = end - low
        else:
            first = _wall_minute(moment_of(max(begin, low)), day, zone)
            last = _wall_minute(moment_of(min(end, high)), day, zone) if end < high else DAY
        first = max(0, first) // QUANTUM * QUANTUM
        last = min(DAY, -(-last // QUANTUM) * QUANTUM)
        if last > first:
            cuts.append((first, last))
    return cuts


def _wall_minute(moment: dt.datetime, day: dt.date, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return (local.date() - day).days * DAY + local.hour * 60 + local.minute


def _subtract(
    spans: tuple[tuple[int, int], ...] | list[tuple[int, int]], cuts: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """What is left of sorted, disjoint ``spans`` once the ``cuts`` are taken out."""
    if not cuts:
        return list(spans)
    cuts = sorted(cuts)
    left = []
    for begin, end in spans:
        at = begin
        for low, high in cuts:
            if high <= at or low >= end:
                continue
            if low > at:
                left.append((at, low))
            at = max(at, high)
        if at < end:
            left.append((at, end))
    return left


def holds_a_session(windows: Windows, smin: int, smax: int) -> bool:
    """Whether any of the windows can hold a session of ``smin``."""
    return any(_largest(_day_totals(spans, smin, smax)) >= smin for spans in windows.values())


def merge_windows(patterns: list[Windows]) -> Windows:
    """The union of several weekday windows: overlapping or touching spans joined."""
    merged: Windows = {}
    for day in range(7):
        spans = sorted(span for windows in patterns for span in windows.get(day, ()))
        joined: list[tuple[int, int]] = []
        for begin, end in spans:
            if joined and begin <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((begin, end))
        if joined:
            merged[day] = tuple(joined)
    return merged


def window_spans(
    windows: Windows, zone: ZoneInfo, day: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The day's windows as ``(UTC start, UTC end)``, in order; wall times read with fold=0.

    On a day the clocks go forward a window across the gap is that much shorter; one that
    would end before it starts is left out.
    """
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    spans = []
    for low, high in windows.get(day.weekday(), ()):
        begin = (midnight + dt.timedelta(minutes=low)).astimezone(UTC)
        end = (midnight + dt.timedelta(minutes=high)).astimezone(UTC)
        if end > begin:
            spans.append((begin, end))
    return spans


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
            total = sum(length for _, length in blocks)
            lines.append(f"{WEEKDAYS[day]}  {ranges}  ({duration_text(total)})")
    return lines


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
