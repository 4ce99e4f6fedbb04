"""Hypothesis strategies and session checks shared by the property tests."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from plan2cal.durations import QUANTUM
from plan2cal.model import WEEKDAYS
from plan2cal.schedule import Session

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


def assert_session_lengths(
    sessions: list[Session], remaining: dict[str, int], smin: int, smax: int, longest: int
) -> None:
    """Every session placed from today is session.min to session.max long, with two exceptions.

    ``remaining``: task id → its effort left from today. A session may be shorter than
    session.min only when it is the last of its task and either

    - the task's only session, holding its whole remaining effort, which is that short; or
    - the session before it is session.min and the two together are longer than the week
      pattern's ``longest`` block: that rest could never be placed whole.
    """
    own: dict[str, list[Session]] = {}
    for session in sorted(sessions, key=lambda s: s.start):
        own.setdefault(session.task, []).append(session)
    for key, placed in own.items():
        for i, session in enumerate(placed):
            assert session.minutes <= smax, session
            if session.minutes >= smin:
                continue
            assert i == len(placed) - 1, ("a short session before the last", session)
            if i == 0:
                assert session.minutes == remaining[key], ("short, not the whole rest", session)
            else:
                before = placed[i - 1]
                assert before.minutes == smin, ("short last session after a long one", placed)
                assert before.minutes + session.minutes > longest, ("rest fitted a block", placed)


def assert_breaks_in_windows(windows: Windows, zone: ZoneInfo, sessions: list[Session]) -> None:
    """Consecutive sessions in the same window of the same day are 15 minutes apart or more."""
    ordered = sorted(sessions, key=lambda s: s.start)
    for earlier, later in itertools.pairwise(ordered):
        day = earlier.start.astimezone(zone).date()
        if later.start.astimezone(zone).date() != day:
            continue
        window = window_holding(windows, zone, earlier.start, earlier.end)
        if window is not None and window == window_holding(windows, zone, later.start, later.end):
            gap = later.start - earlier.end
            assert gap >= dt.timedelta(minutes=QUANTUM), (earlier, later)
