"""Habits: ongoing tasks (``every: 30m a week``) that take a slice of every week.

The arithmetic the scheduler and the reports share: how much of a week a habit is due (its
amount, prorated in a week its span only partly covers), how long its next session may be, and
what a habit's past looks like against its rhythm ("kept 5 of 8 weeks"). The scheduler places
the sessions (schedule.build_schedule, "Habits"); nothing here reads a plan file or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from plan2cal.durations import QUANTUM, duration_text


@dataclass(frozen=True, slots=True)
class Rhythm:
    """A habit's amount: ``minutes`` every ``per`` (a day's amount is due every day)."""

    minutes: int
    per: Literal["week", "day"]

    @property
    def weekly(self) -> int:
        """Minutes a whole week asks for."""
        return self.minutes * 7 if self.per == "day" else self.minutes

    @property
    def text(self) -> str:
        """``30m a week``, ``20m a day``."""
        return f"{duration_text(self.minutes)} a {self.per}"

    def target(self, smin: int, smax: int) -> int:
        """The length a session aims at: a week's amount in one sitting, a day's amount each
        day, never shorter than ``smin`` (the floor) nor longer than ``smax``."""
        aim = self.minutes if self.per == "day" else self.weekly
        aim = -(-aim // QUANTUM) * QUANTUM
        return min(smax, max(smin, aim))


@dataclass(frozen=True, slots=True)
class HabitSpan:
    """A habit as scheduled: its rhythm, the days it runs and how its past went.

    ``first_day`` to ``last_day``, both included (``last_day`` before ``first_day``: it never
    runs). ``ends``: why it ends, for people ("with phase 'Foundation'", "on 2027-03-01", "when
    marked done"). The past is each week before the week of ``today`` that the span touches
    and that is due some time: ``weeks_due`` of them, ``weeks_kept`` with at least the week's
    amount logged; ``due_so_far`` and ``logged_so_far`` in minutes over those weeks.
    """

    rhythm: Rhythm
    first_day: dt.date
    last_day: dt.date
    ends: str
    weeks_due: int = 0
    weeks_kept: int = 0
    due_so_far: int = 0
    logged_so_far: int = 0

    def kept_text(self) -> str:
        """``kept 5 of 8 weeks (2h30m of 4h)``; ``nothing due yet`` before its first week
        ends."""
        if not self.weeks_due:
            return "nothing due yet"
        noun = "week" if self.weeks_due == 1 else "weeks"
        return (
            f"kept {self.weeks_kept} of {self.weeks_due} {noun} "
            f"({duration_text(self.logged_so_far) if self.logged_so_far else '0m'} of "
            f"{duration_text(self.due_so_far)})"
        )


def monday_of(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def days_in_week(monday: dt.date, first: dt.date, last: dt.date | None) -> int:
    """How many days of the week starting ``monday`` lie in ``first``..``last`` (None: open)."""
    low = max(monday, first)
    high = monday + dt.timedelta(days=6)
    if last is not None and last < high:
        high = last
    return max(0, (high - low).days + 1)


def week_quota(rhythm: Rhythm, days: int, smin: int) -> int:
    """Minutes a habit is due in a week of which ``days`` lie in its span, on the 15-minute grid.

    A whole week is due its amount, and at least ``smin`` (the floor: 10m a week is one
    ``smin`` session). A week the span only partly covers is due that share of the amount,
    rounded to the grid; a share shorter than ``smin`` cannot be one session and is due
    nothing, so that a part-week is never due more than its share.
    """
    if days <= 0:
        return 0
    if days >= 7:
        return max(smin, round(rhythm.weekly / QUANTUM) * QUANTUM)
    share = round(rhythm.weekly * days / 7 / QUANTUM) * QUANTUM
    return share if share >= smin else 0


def session_length(left: int, room: int, target: int, smin: int, smax: int) -> int:
    """How much of ``room`` a habit with ``left`` minutes still due this week takes now.

    It aims at ``target``; it never leaves a rest shorter than ``smin`` (it takes the rest too
    when the room holds it, or leaves exactly ``smin``), and never takes less than ``smin``.
    0: the room cannot hold a session of it.
    """
    if left <= 0 or room < smin:
        return 0
    use = min(left, target, room, smax)
    rest = left - use
    if 0 < rest < smin:
        use = left if left <= min(room, smax) else left - smin
    return use if use >= smin or use == left else 0


def past_weeks(
    rhythm: Rhythm,
    first: dt.date,
    last: dt.date,
    today: dt.date,
    logged: Iterable[tuple[dt.date, int]],
    smin: int,
) -> tuple[int, int, int, int]:
    """``(weeks due, weeks kept, minutes due, minutes logged)`` over the weeks of the span that
    end before ``today``'s week starts; a week is kept when its logged time reaches what it was
    due. Time logged outside those weeks does not count."""
    by_week: dict[dt.date, int] = {}
    for day, minutes in logged:
        by_week[monday_of(day)] = by_week.get(monday_of(day), 0) + minutes
    weeks_due = weeks_kept = due = done = 0
    monday = monday_of(first)
    stop = min(monday_of(today), monday_of(last) + dt.timedelta(days=7))
    while monday < stop:
        quota = week_quota(rhythm, days_in_week(monday, first, last), smin)
        if quota:
            weeks_due += 1
            due += quota
            got = by_week.get(monday, 0)
            done += min(got, quota)
            if got >= quota:
                weeks_kept += 1
        monday += dt.timedelta(days=7)
    return weeks_due, weeks_kept, due, done


def week_ordinal(start: dt.date, day: dt.date, position: int) -> int:
    """A habit session's ordinal: its week counted from the plan's start (× 1,000) and its
    place in that week, so that a rerun keeps each week's sessions, and their calendar UIDs,
    where they were. A week holds at most 672 sessions (168 h of quarter-hours)."""
    return ((monday_of(day) - monday_of(start)).days // 7 + 1) * 1000 + position
