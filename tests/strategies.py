"""Hypothesis strategies and session checks shared by the property tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from plan2cal.durations import QUANTUM
from plan2cal.model import WEEKDAYS

Windows = dict[int, tuple[tuple[int, int], ...]]


def _clock(quarter: int) -> str:
    minutes = quarter * QUANTUM
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def window_specs(draw: st.DrawFn, per_day: int = 3) -> dict[str, list[str]]:
    """Up to ``per_day`` non-overlapping windows per weekday on the 15-minute grid, to 24:00."""
    windows: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        quarters = sorted(draw(st.lists(st.integers(0, 96), max_size=2 * per_day, unique=True)))
        spans = [
            f"{_clock(a)}-{_clock(b)}" for a, b in zip(quarters[::2], quarters[1::2], strict=False)
        ]
        if spans:
            windows[day] = spans
    return windows


def wall_minutes(zone: ZoneInfo, moment: dt.datetime, day: dt.date) -> int:
    """Wall-clock minutes from local midnight of ``day`` to ``moment`` in ``zone``."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    return int((local - dt.datetime.combine(day, dt.time())).total_seconds()) // 60


def real_moment(zone: ZoneInfo, day: dt.date, minute: int) -> dt.datetime:
    """``minute`` wall-clock minutes after midnight of ``day`` in UTC; a repeated time is read
    as its first occurrence (fold=0)."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return (midnight + dt.timedelta(minutes=minute)).astimezone(dt.UTC)


def window_holding(
    windows: Windows, zone: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> tuple[int, int] | None:
    """The window of the local weekday of ``start`` that holds ``start``–``end`` entirely.

    Held both on the wall clock and in real time, with the window's repeated wall times taken
    at their first occurrence: a session in a fall-back hour counts, one across a
    spring-forward gap or past the window's close does not.
    """
    day = start.astimezone(zone).date()
    begin, finish = wall_minutes(zone, start, day), wall_minutes(zone, end, day)
    for low, high in windows.get(day.weekday(), ()):
        on_the_wall = low <= begin and finish <= high
        if on_the_wall and real_moment(zone, day, low) <= start <= end <= real_moment(
            zone, day, high
        ):
            return low, high
    return None
