"""The weekly budget as a week of blocks, and those blocks as dated UTC intervals across DST."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from plan2cal.errors import UnschedulableError
from plan2cal.worktime import (
    Availability,
    dated_work_blocks,
    describe_pattern,
    week_pattern,
    window_spans,
    work_blocks,
)

EVENING = (19 * 60, 21 * 60)  # 19:00-21:00 as minutes after midnight
BERLIN = ZoneInfo("Europe/Berlin")


def availability(
    hours: float,
    windows: dict[int, tuple[tuple[int, int], ...]],
    *,
    session_min: int = 30,
    session_max: int = 120,
    timezone: str = "Europe/Berlin",
) -> Availability:
    """An Availability with windows keyed by weekday (0 = Monday) in minutes after midnight."""
    return Availability(
        hours_per_week=hours,
        timezone=timezone,
        windows=windows,
        session_min=session_min,
        session_max=session_max,
    )


def weekdays(
    days: range | list[int], *spans: tuple[int, int]
) -> dict[int, tuple[tuple[int, int], ...]]:
    """The same windows on each of ``days``."""
    return {day: tuple(spans) for day in days}


def test_budget_is_spread_evenly_over_the_available_days() -> None:
    """10 h over five 19:00-21:00 evenings gives each evening one 2 h block at 19:00."""
    pattern = week_pattern(availability(10, weekdays(range(5), EVENING)))
    # 600 min / 5 days = 120 min a day, exactly one window each.
    assert [pattern.day_minutes(day) for day in range(7)] == [120, 120, 120, 120, 120, 0, 0]
    assert pattern.blocks[:5] == (((19 * 60, 120),),) * 5
    assert pattern.weekly_minutes == 600


def test_budget_larger_than_the_windows_is_capped_at_their_capacity() -> None:
    """A 30 h budget over one 2 h Monday window yields only that window's 2 h."""
    pattern = week_pattern(availability(30, weekdays([0], EVENING)))
    assert pattern.window_capacity == 120
    assert pattern.weekly_minutes == 120
    assert pattern.blocks[0] == ((19 * 60, 120),)


def test_small_budget_goes_to_fewer_days_each_at_least_session_min() -> None:
    """1 h with a 30 min minimum over five evenings becomes two 30 min blocks, not five 15 min."""
    pattern = week_pattern(availability(1, weekdays(range(5), EVENING), session_min=30))
    used = [day for day in range(7) if pattern.blocks[day]]
    # 60 min cannot give 3+ days 30 min each; two days spread across the week (Mon, Wed).
    assert used == [0, 2]
    assert all(pattern.day_minutes(day) == 30 for day in used)
    assert pattern.weekly_minutes == 60


def test_blocks_never_exceed_session_max_and_stay_inside_the_windows() -> None:
    """A long Saturday window is cut into blocks of at most session.max that end by its close."""
    window = (9 * 60, 17 * 60)
    pattern = week_pattern(availability(12, weekdays([5], window), session_max=120))
    saturday = pattern.blocks[5]
    assert len(saturday) > 1
    for start, length in saturday:
        assert length <= 120
        assert window[0] <= start and start + length <= window[1]
    # 09:00-11:00, 11:15-13:15, 13:30-15:30, 15:45-17:00 = 120+120+120+75 minutes.
    assert pattern.weekly_minutes == 435


def test_blocks_in_one_window_are_separated_by_a_quarter_hour_break() -> None:
    """Consecutive blocks inside one window leave exactly 15 minutes between them."""
    pattern = week_pattern(availability(4, weekdays([5], (9 * 60, 13 * 60)), session_max=60))
    saturday = pattern.blocks[5]
    # Four blocks and three breaks hold at most 240 - 45 = 195 min of the 4 h budget, longest
    # first: 09:00-10:00, 10:15-11:15, 11:30-12:15, 12:30-13:00. Three hour-long blocks would
    # leave 15 min at 12:45, too short for a session, and hold only 180.
    assert saturday == ((9 * 60, 60), (10 * 60 + 15, 60), (11 * 60 + 30, 45), (12 * 60 + 30, 30))
    assert pattern.weekly_minutes == 195
    for (start_a, length_a), (start_b, _) in itertools.pairwise(saturday):
        assert start_b - (start_a + length_a) == 15


def test_no_block_is_shorter_than_session_min_when_a_day_has_split_windows() -> None:
    """Budget split over two short windows never leaves a block below session.min."""
    # Monday 19:00-19:30 and 20:00-20:45; a 45 min budget with a 30 min minimum must not become
    # 30 min + 15 min: either one 45 min block in the second window or 30 min only.
    windows = weekdays([0], (19 * 60, 19 * 60 + 30), (20 * 60, 20 * 60 + 45))
    pattern = week_pattern(availability(0.75, windows, session_min=30))
    assert pattern.blocks[0], "the day can hold a session, so it should be used"
    assert all(length >= 30 for _, length in pattern.blocks[0])


def test_a_split_day_holds_a_budget_the_first_window_alone_cannot() -> None:
    """45 min over 19:00-19:30 and 20:00-20:45 is one 45 min block in the second window."""
    windows = weekdays([0], (19 * 60, 19 * 60 + 30), (20 * 60, 20 * 60 + 45))
    pattern = week_pattern(availability(0.75, windows, session_min=30))
    assert pattern.blocks[0] == ((20 * 60, 45),)


@pytest.mark.parametrize("days", [[0], list(range(5))])
def test_an_hour_and_a_quarter_over_two_evening_windows_is_laid_out_whole(days: list[int]) -> None:
    """1.25 h with windows 19:00-20:00 and 20:30-21:00 lays out all 75 minutes of the week."""
    windows = weekdays(days, (19 * 60, 20 * 60), (20 * 60 + 30, 21 * 60))
    pattern = week_pattern(availability(1.25, windows, session_min=30))
    assert pattern.weekly_minutes == 75
    assert all(length >= 30 for day in pattern.blocks for _, length in day)
    if days == [0]:
        # 75 does not fit the first window: 45 there, 30 in the second.
        assert pattern.blocks[0] == ((19 * 60, 45), (20 * 60 + 30, 30))
    else:
        # Too little for five days of 30 min: Monday 45 and Wednesday 30, spread out.
        assert [pattern.day_minutes(day) for day in range(7)] == [45, 0, 30, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("hours", "lines"),
    [
        (
            5,
            [
                "mon  19:00-20:00  (1h)",
                "tue  19:00-20:00  (1h)",
                "wed  19:00-20:00  (1h)",
                "thu  19:00-20:00  (1h)",
                "sat  09:00-10:00  (1h)",
            ],
        ),
        (
            7.5,
            [
                "mon  19:00-20:30  (1h30m)",
                "tue  19:00-20:30  (1h30m)",
                "wed  19:00-20:30  (1h30m)",
                "thu  19:00-20:30  (1h30m)",
                "sat  09:00-10:30  (1h30m)",
            ],
        ),
        (
            13,
            [
                "mon  19:00-21:00  (2h)",
                "tue  19:00-21:00  (2h)",
                "wed  19:00-21:00  (2h)",
                "thu  19:00-21:00  (2h)",
                "sat  09:00-11:00, 11:15-12:00  (2h45m)",
            ],
        ),
    ],
)
def test_the_bundled_windows_at_other_budgets(hours: float, lines: list[str]) -> None:
    """The guide's evenings and Saturday morning at 5, 7.5 and 13 h a week, as ``check`` shows."""
    windows = {**weekdays(range(4), EVENING), 5: ((9 * 60, 12 * 60),)}
    pattern = week_pattern(availability(hours, windows))
    assert describe_pattern(pattern) == lines
    # 13 h is more than the windows hold: 4 × 2 h and Saturday's 2 h 45 m with its break.
    assert pattern.weekly_minutes == min(hours * 60, 4 * 120 + 165)


def test_budget_below_session_min_is_unschedulable() -> None:
    """A 15 min weekly budget with a 30 min shortest session cannot be laid out."""
    with pytest.raises(UnschedulableError, match="less than the shortest session"):
        week_pattern(availability(0.25, weekdays(range(5), EVENING), session_min=30))


def test_no_windows_is_unschedulable() -> None:
    """Without a single window there is nowhere to put work."""
    with pytest.raises(UnschedulableError, match="no window can hold a session"):
        week_pattern(availability(10, {}))


def test_windows_shorter_than_session_min_are_unschedulable() -> None:
    """A 20 min window cannot hold a 30 min session, so it counts as no window."""
    with pytest.raises(UnschedulableError, match="no window"):
        week_pattern(availability(10, weekdays(range(7), (19 * 60, 19 * 60 + 20))))


def _utc_hours(start: dt.date, until: dt.date) -> dict[dt.date, list[tuple[int, int]]]:
    """Every evening's block in Berlin as (UTC hour, minutes), keyed by local date."""
    pattern = week_pattern(availability(14, weekdays(range(7), EVENING)))
    result: dict[dt.date, list[tuple[int, int]]] = {}
    for begin, length in work_blocks(pattern, BERLIN, start, until):
        result.setdefault(begin.astimezone(BERLIN).date(), []).append((begin.hour, length))
    return result


def test_evening_blocks_stay_at_local_time_across_spring_forward() -> None:
    """Berlin evenings stay at 19:00 local: 18:00 UTC before 2027-03-28, 17:00 UTC from it."""
    blocks = _utc_hours(dt.date(2027, 3, 26), dt.date(2027, 3, 29))
    # 14 h over 7 days = 2 h each evening. CET is UTC+1, CEST (from 28 March 02:00) UTC+2.
    assert blocks == {
        dt.date(2027, 3, 26): [(18, 120)],
        dt.date(2027, 3, 27): [(18, 120)],
        dt.date(2027, 3, 28): [(17, 120)],
        dt.date(2027, 3, 29): [(17, 120)],
    }


def test_evening_blocks_stay_at_local_time_across_fall_back() -> None:
    """Berlin evenings stay at 19:00 local: 17:00 UTC before 2027-10-31, 18:00 UTC from it."""
    blocks = _utc_hours(dt.date(2027, 10, 30), dt.date(2027, 11, 1))
    assert blocks == {
        dt.date(2027, 10, 30): [(17, 120)],
        dt.date(2027, 10, 31): [(18, 120)],
        dt.date(2027, 11, 1): [(18, 120)],
    }


def test_window_spanning_the_spring_forward_gap_is_skipped() -> None:
    """A Sunday 01:00-04:00 block does not exist whole on 2027-03-28 and is left out that day."""
    pattern = week_pattern(
        availability(3, weekdays([6], (60, 4 * 60)), session_min=30, session_max=180)
    )
    assert pattern.blocks[6] == ((60, 180),)
    blocks = list(work_blocks(pattern, BERLIN, dt.date(2027, 3, 22), dt.date(2027, 4, 5)))
    # Only Sunday 4 April remains: 01:00 CEST = 23:00 UTC on the 3rd, three real hours long.
    assert blocks == [(dt.datetime(2027, 4, 3, 23, 0, tzinfo=dt.UTC), 180)]


def test_work_blocks_cover_start_and_until_inclusive_in_order() -> None:
    """Blocks are yielded in time order for every day from start through until."""
    pattern = week_pattern(availability(10, weekdays(range(5), EVENING)))
    # Thursday 2027-01-07 to Tuesday 2027-01-12: Thu, Fri, Mon, Tue evenings.
    blocks = list(work_blocks(pattern, BERLIN, dt.date(2027, 1, 7), dt.date(2027, 1, 12)))
    days = [begin.astimezone(BERLIN).date().day for begin, _ in blocks]
    assert days == [7, 8, 11, 12]
    assert [begin for begin, _ in blocks] == sorted(begin for begin, _ in blocks)


def test_block_ending_inside_the_spring_forward_gap_is_skipped() -> None:
    """A New York block from 01:45 to 02:45 on 2026-03-08 ends at a time that does not exist."""
    new_york = ZoneInfo("America/New_York")
    pattern = week_pattern(
        availability(2, weekdays([6], (105, 4 * 60)), session_max=60, timezone="America/New_York")
    )
    # Sunday 01:45-02:45 and, after a quarter-hour break, 03:00-04:00.
    assert pattern.blocks[6] == ((105, 60), (180, 60))
    blocks = list(work_blocks(pattern, new_york, dt.date(2026, 3, 8), dt.date(2026, 3, 8)))
    # Clocks jump from 02:00 EST to 03:00 EDT: 01:45 EST plus one hour is 03:45 EDT, which would
    # overlap the 03:00 EDT (07:00 UTC) block. Only that second block is whole and real.
    assert blocks == [(dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), 60)]


def test_block_in_the_repeated_fall_back_hour_uses_its_first_occurrence() -> None:
    """Berlin 02:00-03:00 on 2027-10-31 happens twice: the block takes the first, one real hour."""
    pattern = week_pattern(availability(1, weekdays([6], (2 * 60, 3 * 60))))
    assert pattern.blocks[6] == ((2 * 60, 60),)
    blocks = list(work_blocks(pattern, BERLIN, dt.date(2027, 10, 24), dt.date(2027, 11, 7)))
    # 02:00 CEST (UTC+2) is 00:00 UTC; the hour ends at 02:00 CET, the second 02:00.
    assert blocks == [
        (dt.datetime(2027, 10, 24, 0, 0, tzinfo=dt.UTC), 60),
        (dt.datetime(2027, 10, 31, 0, 0, tzinfo=dt.UTC), 60),
        (dt.datetime(2027, 11, 7, 1, 0, tzinfo=dt.UTC), 60),
    ]
    begin, length = blocks[1]
    end = begin + dt.timedelta(minutes=length)
    assert (begin.astimezone(BERLIN).fold, end.astimezone(BERLIN).fold) == (0, 1)


def test_block_across_the_fall_back_hour_keeps_its_real_length_and_ends_in_its_window() -> None:
    """A Sunday 01:00-04:00 block lasts three real hours on 2027-10-31, ending at 03:00 local."""
    pattern = week_pattern(
        availability(3, weekdays([6], (60, 4 * 60)), session_min=30, session_max=180)
    )
    blocks = list(work_blocks(pattern, BERLIN, dt.date(2027, 10, 31), dt.date(2027, 10, 31)))
    # 01:00 CEST is 23:00 UTC the day before; 180 real minutes later it is 03:00 CET, an hour
    # before the window closes: the repeated hour is used once.
    assert blocks == [(dt.datetime(2027, 10, 30, 23, 0, tzinfo=dt.UTC), 180)]
    end = blocks[0][0] + dt.timedelta(minutes=180)
    assert end.astimezone(BERLIN).replace(tzinfo=None) == dt.datetime(2027, 10, 31, 3, 0)


def test_blocks_after_one_across_the_fall_back_hour_keep_their_break() -> None:
    """New York 00:30-04:00 on 2027-11-07 in hour blocks: the first occurrence of 01:xx is used."""
    new_york = ZoneInfo("America/New_York")
    pattern = week_pattern(
        availability(3, weekdays([6], (30, 4 * 60)), session_max=60, timezone="America/New_York")
    )
    assert pattern.blocks[6] == ((30, 60), (105, 60), (180, 60))
    blocks = list(work_blocks(pattern, new_york, dt.date(2027, 11, 7), dt.date(2027, 11, 7)))
    # 00:30 and 01:45 EDT (UTC-4), then 03:00 EST (UTC-5): 04:30, 05:45 and 08:00 UTC.
    assert blocks == [
        (dt.datetime(2027, 11, 7, 4, 30, tzinfo=dt.UTC), 60),
        (dt.datetime(2027, 11, 7, 5, 45, tzinfo=dt.UTC), 60),
        (dt.datetime(2027, 11, 7, 8, 0, tzinfo=dt.UTC), 60),
    ]


def test_dated_work_blocks_give_each_block_its_local_date() -> None:
    """An evening block in Tokyo starts on the previous UTC day but carries its local date."""
    tokyo = ZoneInfo("Asia/Tokyo")
    pattern = week_pattern(availability(2, weekdays([0], (8 * 60, 10 * 60)), timezone="Asia/Tokyo"))
    blocks = list(dated_work_blocks(pattern, tokyo, dt.date(2027, 1, 4), dt.date(2027, 1, 10)))
    assert blocks == [(dt.date(2027, 1, 4), dt.datetime(2027, 1, 3, 23, 0, tzinfo=dt.UTC), 120)]


def test_window_spans_are_the_days_windows_in_utc_across_a_spring_forward() -> None:
    """A day's raw windows as UTC intervals; across the skipped hour a window is an hour short."""
    windows = {6: ((60, 4 * 60), (19 * 60, 21 * 60))}
    spans = window_spans(windows, BERLIN, dt.date(2027, 3, 28))
    assert spans == [
        (
            dt.datetime(2027, 3, 28, 0, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 28, 2, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2027, 3, 28, 17, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 28, 19, 0, tzinfo=dt.UTC),
        ),
    ]
    assert window_spans(windows, BERLIN, dt.date(2027, 3, 29)) == []
