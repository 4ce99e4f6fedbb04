"""What ``plan2cal init`` reads out of a guide or a Markdown roadmap, before it becomes YAML.

A draft is plain data: phases with their weeks, tasks with their ids, names and whatever the
source said about them, the tasks already checked off, and the lines that could not be placed.
The readers (``guide.py``, ``markdown.py``, ``questions.py``) build drafts; ``writer.py`` turns
one into a plan file with comments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from plan2cal.model import MAX_ID_LENGTH, slugify

# A month is 52 weeks / 12 months = 4⅓ weeks (the Gregorian year is 52.18 weeks; the third
# is what people mean by "four and a bit"). Phases are whole weeks, so months are rounded.
WEEKS_PER_MONTH = Fraction(13, 3)
# Ids stay short enough to read in a calendar UID and a tracker column: words are cut at a
# hyphen once the slug passes this length (MAX_ID_LENGTH is the hard limit of the model).
ID_LENGTH = 48
# The first lines shown when a file holds no phase.
SHOWN_LINES = 5


@dataclass(frozen=True)
class Note:
    """A line of the source that was not read as it stands, and why; ``line`` is 1-based."""

    line: int
    text: str


@dataclass
class DraftTask:
    """One task as read: its id and name, and what the source said of it."""

    id: str
    name: str
    line: int = 0
    minutes: int | None = None
    hours_note: str | None = None  # where a given estimate came from, written beside it
    description: str | None = None
    after: list[str] = field(default_factory=list)
    deadline: str | None = None
    priority: str | None = None
    done: dt.date | None = None
    weight: float | None = None
    weight_note: str | None = None
    skills: list[str] = field(default_factory=list)  # names of the skills merged into it
    every: str | None = None  # a habit's rhythm (a practice the source names), else None


@dataclass
class DraftPhase:
    """One phase as read: name, whole weeks (and how they were found), tasks."""

    id: str
    name: str
    weeks: int | None
    line: int = 0
    weeks_note: str | None = None  # a month conversion or a figure that was not given
    description: str | None = None
    mode: str | None = None
    mode_note: str | None = None
    tasks: list[DraftTask] = field(default_factory=list)


@dataclass
class Draft:
    """A whole plan as read from one source, ready to be written."""

    plan_id: str
    title: str
    source: str  # the file it came from, or a few words on how it was made
    phases: list[DraftPhase] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # comment lines at the top
    hours_per_week: float | None = None
    timezone: str | None = None
    windows: dict[str, str] | None = None
    start: dt.date | None = None

    def tasks(self) -> list[DraftTask]:
        """Every task, in file order."""
        return [task for phase in self.phases for task in phase.tasks]

    def done(self) -> dict[str, dt.date]:
        """Task id → the day it was checked off, for the tasks the source marks done."""
        return {task.id: task.done for task in self.tasks() if task.done is not None}


def short_slug(text: str, fallback: str = "task") -> str:
    """``text`` as an id: slugify's lower-case words, cut at a hyphen to about ID_LENGTH."""
    slug = slugify(text)
    if slug == "task" and fallback != "task":
        slug = fallback
    if len(slug) > ID_LENGTH:
        cut = slug.rfind("-", 0, ID_LENGTH + 1)
        slug = slug[: cut if cut > 0 else ID_LENGTH]
    return slug[:MAX_ID_LENGTH].strip("-") or fallback


class IdMaker:
    """Hands out unique slugs: a second "Read the book" becomes ``read-the-book-2``."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def make(self, text: str, fallback: str = "task") -> str:
        """A new unique id for ``text``."""
        base = short_slug(text, fallback)
        slug, n = base, 1
        while slug in self.taken:
            n += 1
            slug = f"{base}-{n}"
        self.taken.add(slug)
        return slug


def weeks_from_months(months: Fraction) -> int:
    """Whole weeks for ``months`` at 4⅓ weeks a month, halves rounded up, at least one."""
    weeks = months * WEEKS_PER_MONTH
    return max(1, int(weeks + Fraction(1, 2)))


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# "8 weeks", "2.5 months", "six weeks", "10 wks", "3 mo": the number and the unit of a length.
LENGTH = (
    r"\b(?P<n>\d{1,4}(?:[.,]\d{1,2})?|" + "|".join(_NUMBER_WORDS) + r")\s*-?\s*"
    r"(?P<unit>weeks?|wks?|w|months?|mos?)\b"
)
_LENGTH = re.compile(LENGTH, re.IGNORECASE)


def read_length(number: str, unit: str) -> tuple[int, str | None] | None:
    """Whole weeks for a number and unit matched by LENGTH, and a note when months were
    converted; None for a length of nothing."""
    text = number.lower().replace(",", ".")
    value = Fraction(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else Fraction(text)
    if value <= 0:
        return None
    if unit.lower().startswith("m"):
        weeks = weeks_from_months(value)
        shown = f"{float(value):g} month{'s' if value != 1 else ''}"
        return weeks, f"{shown} in the source; a month is 4⅓ weeks, rounded to whole weeks"
    if value.denominator != 1:
        weeks = max(1, int(value + Fraction(1, 2)))
        return weeks, f"{float(value):g} weeks in the source, rounded to whole weeks"
    return int(value), None


def find_length(text: str) -> re.Match[str] | None:
    """The first length ("8 weeks", "3 months") in ``text``."""
    return _LENGTH.search(text)
