"""The plan file as strict pydantic models: phases, tasks, milestones, default availability.

Every number, date, text and list has a documented bound (the constants below, each with its
reason), so that a valid plan can always be scheduled and exported without an overflow, and no
file can make the scheduler hang (DESIGN §8). The command line and the progress file reuse them:
``check_date_in_range``, ``check_hours_per_week``, ``check_timezone``.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import itertools
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from plan2cal.diagnostics import Location, location_text, quoted, suggest
from plan2cal.durations import duration_text, parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("highest", "high", "medium", "low", "lowest")
SLUG_PATTERN = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"

# --- limits ---------------------------------------------------------------------------------------
# Dates: from the Unix epoch, which DTSTAMP and SOURCE_DATE_EPOCH count from, to the end of 2199,
# far enough for any plan and far enough from 9999-12-31 that no offset or horizon overflows.
FIRST_DATE = dt.date(1970, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
# Relative deadlines reach at most 100 years past the start, in each unit.
MAX_OFFSET = {"d": 36_500, "w": 5_200, "mo": 1_200}
# One task's effort: fifty years of full-time work, so surely a typo; the scheduler's horizon
# check still needs room to report work that cannot end in time.
MAX_TASK_HOURS = 100_000
# One sitting of work, and so session max and min: a day.
MAX_SESSION_HOURS = 24
# The weekly budget: a week has 168 hours.
MAX_HOURS_PER_WEEK = 168
# A phase's nominal length: about 19 years.
MAX_PHASE_WEEKS = 1_000
# A task's share of its phase: shares are relative, so a thousand to one is already extreme.
MAX_WEIGHT = 1_000
# Ids, as before. Names and titles: four times what trackers keep (Microsoft Project, 512), as
# each exporter cuts to its own format's limit. A description: a few pages.
MAX_ID_LENGTH = 80
MAX_NAME_LENGTH = 2_000
MAX_DESCRIPTION_LENGTH = 10_000
MAX_LINK_LENGTH = 2_000
# The benchmark schedules 20,000 tasks in 1,000 phases; five times that is allowed.
MAX_TASKS = 100_000
MAX_PHASES = 10_000
MAX_MILESTONES = 10_000
# Ids one task, phase or milestone waits for; past this, wait for their phase instead.
MAX_AFTER = 1_000
# A wait (``wait: 2w``) or a lag after a prerequisite (``lag: 10d``): ten years, in days. A
# longer one is surely a typo; a chain of long waits still ends in the scheduler's horizon error.
MAX_WAIT_DAYS = 3_650
# Weekday keys in windows, and windows on one day (96 quarter-hours fill a day).
MAX_WINDOW_KEYS = 100
MAX_WINDOWS_PER_DAY = 96

# Availability: holiday regions, time-off entries and busy calendars a plan may name, the
# longest time-off range (ten years) and the widest gap kept around busy events (a day).
MAX_HOLIDAY_REGIONS = 20
MAX_OFF_ENTRIES = 10_000
MAX_OFF_DAYS = 3_650
MAX_BUSY_FILES = 100
MAX_BUSY_MARGIN_HOURS = 24

MAX_TASK_MINUTES = MAX_TASK_HOURS * 60
MAX_SESSION_MINUTES = MAX_SESSION_HOURS * 60
DAY_MINUTES = 24 * 60

_OFFSET = re.compile(r"^\+(?P<n>\d+)(?P<unit>d|w|mo)$")
_CALENDAR_DAYS = re.compile(r"^(?P<n>\d+)\s*(?P<unit>d|w)$")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Time zone files that are not zones: this machine's zone, the POSIX default rules, "unknown".
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
# A "did you mean" compares an unknown id with every id, at a few microseconds each: at most 20
# of them, and fewer in a large plan, so that 200,000 comparisons (about half a second) suffice.
_MAX_SUGGESTIONS = 20
_SUGGESTION_BUDGET = 200_000


def slugify(text: str) -> str:
    """Turn a task or phase name into an id: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "task"


def check_date_in_range(day: dt.date) -> dt.date:
    """Return ``day`` if it is within FIRST_DATE..LAST_DATE, else raise ValueError saying so."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(
            f"{day.isoformat()} is outside the dates plan2cal handles, "
            f"{FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"
        )
    return day


def check_hours_per_week(hours: float) -> float:
    """Return ``hours`` if it is a usable weekly budget, else raise ValueError saying why."""
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise ValueError(f"the weekly budget must be a number of hours, not {quoted(hours)}")
    if not math.isfinite(hours):
        raise ValueError(f"the weekly budget must be a finite number of hours, not {hours}")
    if not 0 < hours <= MAX_HOURS_PER_WEEK:
        raise ValueError(
            f"the weekly budget must be more than 0 and at most {MAX_HOURS_PER_WEEK} hours, "
            f"not {hours:g}"
        )
    return hours


def _no_datetime(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date such as 2027-01-04, not a date and time")
    return value


def _parse_deadline(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (2027-03-01) or an offset from the start (+2w)")
    if isinstance(value, dt.date):
        return check_date_in_range(value)
    if isinstance(value, str):
        text = value.strip()
        offset = _OFFSET.match(text)
        if offset:
            limit = MAX_OFFSET[offset["unit"]]
            # Compare the digits' count first: int() of a 5,000-digit string is refused.
            if len(offset["n"]) > len(str(limit)) or int(offset["n"]) > limit:
                raise ValueError(
                    f"{quoted(value)} is too far from the start; at most 100 years: "
                    f"+{MAX_OFFSET['d']}d, +{MAX_OFFSET['w']}w or +{MAX_OFFSET['mo']}mo"
                )
            return text
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{quoted(value)} is neither a date (2027-03-01) nor an offset from the start "
                "(+10d, +2w, +3mo)"
            ) from None
        return check_date_in_range(day)
    return value


def resolve_date(value: dt.date | str, start: dt.date) -> dt.date:
    """A deadline as a date: itself, or the plan start plus its ``+Nd``/``+Nw``/``+Nmo`` offset.

    The offset is at most 100 years (MAX_OFFSET), so this never overflows for a start within
    FIRST_DATE..LAST_DATE. Whether the result is in that range too is checked by ``Plan`` when
    the start is known at validation (``load_plan(path, start=…)``).
    """
    if isinstance(value, dt.date):
        return value
    from dateutil.relativedelta import relativedelta

    match = _OFFSET.match(value)
    assert match is not None, value  # the model validated the text
    n = int(match["n"])
    if match["unit"] == "d":
        return start + dt.timedelta(days=n)
    if match["unit"] == "w":
        return start + dt.timedelta(weeks=n)
    # Calendar months, clipped to the month's last day (31 Jan + 1mo = 28 Feb).
    return start + relativedelta(months=n)


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _task_from_text(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


def _duration(value: object) -> int:
    # parse_duration reads numbers as floats: an integer of hundreds of digits overflows, and
    # a long string is not worth a regular expression.
    if isinstance(value, str) and len(value) > 40:
        raise ValueError(f"{quoted(value)} is not a duration; write 90m, 1h30m, 2h or a number")
    try:
        return parse_duration(value)
    except OverflowError:
        raise ValueError(f"{quoted(value)} is far too long a duration") from None


def _calendar_days(value: object) -> int:
    """A wait or a lag as whole days: ``10d`` or ``2w``; 0 to MAX_WAIT_DAYS."""
    hint = "write it in days or weeks, such as 10d or 2w"
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"{quoted(value)} is not a length of calendar time; {hint}")
    text = value.strip().lower()
    if text.startswith("-"):
        raise ValueError(f"{quoted(value)} is negative; a wait cannot end before it starts")
    match = _CALENDAR_DAYS.match(text) if len(text) <= 20 else None
    if match is None:
        raise ValueError(f"{quoted(value)} is not a length of calendar time; {hint}")
    days = int(match["n"]) * (7 if match["unit"] == "w" else 1)
    if days > MAX_WAIT_DAYS:
        raise ValueError(
            f"{quoted(value)} is longer than {MAX_WAIT_DAYS:,} days (ten years), the longest "
            "wait plan2cal takes"
        )
    return days


def _some_days(days: int) -> int:
    if not days:
        raise ValueError("a wait must be at least one day (1d)")
    return days


def _at_most(hours: int) -> Callable[[int], int]:
    def check(minutes: int) -> int:
        if minutes > hours * 60:
            raise ValueError(f"must be at most {hours:,} hours")
        return minutes

    return check


def _duration_schema(max_hours: int | None = None) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0, "description": "hours"}
    if max_hours is not None:
        number["maximum"] = max_hours
    return {
        "anyOf": [
            number,
            {
                "type": "string",
                "pattern": r"^\s*(\d+(\.\d+)?|(\d+(\.\d+)?\s*[hH])?\s*"
                r"(\d+(\.\d+)?\s*[mM]([iI][nN])?)?)\s*$",
            },
        ],
        "examples": ["90m", "1h30m", "2h", 6],
    }


_DEADLINE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {
            "type": "string",
            "pattern": r"^\+\d+(d|w|mo)$",
            "description": "offset from the start: at most "
            f"+{MAX_OFFSET['d']}d, +{MAX_OFFSET['w']}w or +{MAX_OFFSET['mo']}mo",
        },
    ]
}

_CALENDAR_DAYS_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\s*\d+\s*[dDwW]\s*$",
    "description": f"days (10d) or weeks (2w), at most {MAX_WAIT_DAYS:,} days",
    "examples": ["10d", "2w"],
}

# Minutes, read from 90m, 1h30m, 2h or a number of hours; without an upper bound of its own.
Duration = Annotated[int, BeforeValidator(_duration), WithJsonSchema(_duration_schema())]
TaskEffort = Annotated[
    int,
    BeforeValidator(_duration),
    AfterValidator(_at_most(MAX_TASK_HOURS)),
    WithJsonSchema(_duration_schema(MAX_TASK_HOURS)),
]
SessionLength = Annotated[
    int,
    BeforeValidator(_duration),
    AfterValidator(_at_most(MAX_SESSION_HOURS)),
    WithJsonSchema(_duration_schema(MAX_SESSION_HOURS)),
]
Deadline = Annotated[
    dt.date | str, BeforeValidator(_parse_deadline), WithJsonSchema(_DEADLINE_SCHEMA)
]
PlanDate = Annotated[dt.date, BeforeValidator(_no_datetime), AfterValidator(check_date_in_range)]
# Whole days of calendar time: a lag after a prerequisite (0 allowed) and a wait (1 day or more).
Lag = Annotated[int, BeforeValidator(_calendar_days), WithJsonSchema(_CALENDAR_DAYS_SCHEMA)]
WaitLength = Annotated[
    int,
    BeforeValidator(_calendar_days),
    AfterValidator(_some_days),
    WithJsonSchema(_CALENDAR_DAYS_SCHEMA),
]

# --- habits ---------------------------------------------------------------------------------------
# A habit's rhythm: an amount of time a week or a day ("30m a week", "20m a day", "1h per week",
# "2h weekly"). A day's amount counts for every day of the week, so 20m a day is 2h20m a week.
_EVERY = re.compile(
    r"^\s*(?P<amount>[0-9.hHmMiInN ]+?)\s*(?:(?:a|per|each|every)\s+|/\s*)(?P<per>week|day)\s*$"
    r"|^\s*(?P<amount2>[0-9.hHmMiInN ]+?)\s+(?P<adverb>weekly|daily)\s*$",
    re.IGNORECASE,
)
_EVERY_HINT = "write an amount a week or a day, such as 30m a week, 1h a week or 20m a day"
# ``until:`` as an offset from the habit's start: +6w, +10d.
_UNTIL_OFFSET = re.compile(r"^\+(?P<n>\d{1,5})(?P<unit>d|w)$")


def parse_every(value: object) -> tuple[int, Literal["week", "day"]]:
    """``30m a week`` → ``(30, "week")``: minutes and the period they are due in."""
    if isinstance(value, int | float) and not isinstance(value, bool) and not value:
        raise ValueError("0 is no time at all; a habit takes some time every week or day")
    if isinstance(value, bool) or not isinstance(value, str) or len(value) > 60:
        raise ValueError(f"{quoted(value)} is not a rhythm; {_EVERY_HINT}")
    match = _EVERY.match(value)
    if match is None:
        raise ValueError(f"{quoted(value)} is not a rhythm; {_EVERY_HINT}")
    amount = match["amount"] if match["amount"] is not None else match["amount2"]
    if match["per"] is not None:
        per: Literal["week", "day"] = "week" if match["per"].lower() == "week" else "day"
    else:
        per = "week" if match["adverb"].lower() == "weekly" else "day"
    try:
        minutes = parse_duration(amount)
    except ValueError as exc:
        message = str(exc)
        if "longer than zero" in message or "shorter than a minute" in message:
            raise ValueError(
                f"{quoted(value)} is no time at all; a habit takes some time every {per}"
            ) from None
        raise ValueError(f"{quoted(value)} is not a rhythm; {_EVERY_HINT}") from None
    limit = MAX_HOURS_PER_WEEK * 60 if per == "week" else DAY_MINUTES
    if minutes > limit:
        raise ValueError(
            f"{quoted(value)} is more than a {per} has ({duration_text(limit)}); {_EVERY_HINT}"
        )
    return minutes, per


def _check_every(value: object) -> object:
    parse_every(value)
    return value.strip() if isinstance(value, str) else value


def _parse_until(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (2027-03-01), an id or an offset (+6w), not a time")
    if isinstance(value, dt.date):
        return check_date_in_range(value)
    if not isinstance(value, str):
        return value  # pydantic says what it expected
    text = value.strip()
    offset = _UNTIL_OFFSET.match(text)
    if offset:
        if int(offset["n"]) == 0:
            raise ValueError(f"{quoted(value)} ends the habit before it starts; use +1w or more")
        if int(offset["n"]) * (7 if offset["unit"] == "w" else 1) > MAX_OFFSET["d"]:
            raise ValueError(f"{quoted(value)} is more than 100 years")
        return text
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return check_date_in_range(dt.date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"{quoted(value)} is not a real date") from None
    if re.match(SLUG_PATTERN, text) and len(text) <= MAX_ID_LENGTH:
        return text
    raise ValueError(
        f"{quoted(value)} is not a phase or task id, a date (2027-03-01) or an offset from the "
        "habit's start (+6w, +10d)"
    )


def until_offset_days(value: str) -> int | None:
    """Days of an ``until: +6w`` offset; None for an id."""
    offset = _UNTIL_OFFSET.match(value)
    if offset is None:
        return None
    return int(offset["n"]) * (7 if offset["unit"] == "w" else 1)


_EVERY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\s*\S.*\s(a|per|each|every)\s+(week|day)\s*$|^.*\s(weekly|daily)\s*$",
    "description": "a habit's rhythm instead of hours: time a week or a day",
    "examples": ["30m a week", "1h a week", "20m a day"],
}
_UNTIL_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": r"^\+\d+(d|w)$", "description": "from the habit's start"},
        {"type": "string", "pattern": SLUG_PATTERN, "description": "a phase or task id"},
    ]
}
Every = Annotated[str, BeforeValidator(_check_every), WithJsonSchema(_EVERY_SCHEMA)]
Until = Annotated[dt.date | str, BeforeValidator(_parse_until), WithJsonSchema(_UNTIL_SCHEMA)]

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=MAX_ID_LENGTH)]
IdList = Annotated[list[Slug], BeforeValidator(_as_list), Field(max_length=MAX_AFTER)]
# Control characters written as escapes ("\0", "\u0007") are allowed: the exporters strip them.
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)]


def _plain_number(value: object) -> object:
    # Lax float fields take true as 1.0, turn a 400-digit integer into "not a valid number" and,
    # with a validator before them, let NaN through to fail as "not greater than 0".
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str):
        try:
            value = float(value)  # YAML reads 1e3, with no dot, as text
        except ValueError:
            return value  # pydantic says it is not a number
    if isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"{quoted(value)} is far too large a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return value


def _positive_at_most(maximum: float) -> Any:
    """Above 0 and at most ``maximum``; _plain_number has refused true, NaN and infinity."""
    return Field(gt=0, le=maximum)


# The bounds sit inside each type, so that pydantic applies them also where it is optional, and
# before the validator, on the float itself, so that the JSON Schema shows them.
HoursPerWeek = Annotated[
    float, _positive_at_most(MAX_HOURS_PER_WEEK), BeforeValidator(_plain_number)
]
Weeks = Annotated[float, _positive_at_most(MAX_PHASE_WEEKS), BeforeValidator(_plain_number)]
Weight = Annotated[float, _positive_at_most(MAX_WEIGHT), BeforeValidator(_plain_number)]


class StrictModel(BaseModel):
    """Base of every model read from a file: unknown keys are errors, and models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


def _link_from_text(value: object) -> object:
    return {"id": value} if isinstance(value, str) else value


_SLUG_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": SLUG_PATTERN,
    "maxLength": MAX_ID_LENGTH,
}
_LINK_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {**_SLUG_SCHEMA, "description": "a task, phase or fixed milestone id"},
        {
            "type": "object",
            "properties": {
                "id": {**_SLUG_SCHEMA, "description": "a task, phase or fixed milestone id"},
                "lag": {
                    **_CALENDAR_DAYS_SCHEMA,
                    "description": "calendar time to wait after it is done: days (10d) or "
                    f"weeks (2w), at most {MAX_WAIT_DAYS:,} days",
                },
            },
            "required": ["id"],
            "additionalProperties": False,
        },
    ],
    "examples": ["send-draft", {"id": "send-draft", "lag": "2w"}],
}


class AfterLink(StrictModel):
    """One prerequisite in an ``after:`` list: what must be done first, and how long after it
    the work may start. A bare id in the file is a link with no lag."""

    id: Slug
    lag: Lag = 0


# ``after:`` of a task or phase: ids, or {id, lag} mappings; a single id may stand alone.
AfterList = Annotated[
    list[Annotated[AfterLink, BeforeValidator(_link_from_text), WithJsonSchema(_LINK_SCHEMA)]],
    BeforeValidator(_as_list),
    Field(max_length=MAX_AFTER),
]


class SessionLimits(StrictModel):
    """How long one sitting of work may be."""

    longest: SessionLength = Field(
        120, alias="max", description="longest session (default 2h; at most 24h)"
    )
    shortest: SessionLength = Field(
        30, alias="min", description="shortest session (default 30m; at most 24h)"
    )

    @model_validator(mode="after")
    def _check(self) -> SessionLimits:
        for name, minutes in (("max", self.longest), ("min", self.shortest)):
            if minutes % 15:
                raise ValueError(f"session {name} must be a multiple of 15 minutes")
        if self.shortest > self.longest:
            raise ValueError("session min must not be longer than session max")
        return self


class Defaults(StrictModel):
    """Availability and start, each overridable on the command line."""

    start: PlanDate | None = Field(
        None, description="the plan's first day, 1970-01-01 to 2199-12-31 (default: next Monday)"
    )
    hours_per_week: HoursPerWeek | None = Field(
        None, description="weekly budget in hours (default 10); more than 0, at most 168"
    )
    timezone: str | None = Field(
        None, max_length=64, description="IANA time zone name, e.g. Europe/Berlin"
    )
    windows: dict[str, str | Annotated[list[str], Field(max_length=MAX_WINDOWS_PER_DAY)]] | None = (
        Field(
            None,
            max_length=MAX_WINDOW_KEYS,
            description='weekday or range ("mon-fri") -> "HH:MM-HH:MM" or a list of them',
        )
    )
    session: SessionLimits = SessionLimits()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            check_timezone(value)
        return value

    @field_validator("windows")
    @classmethod
    def _valid_windows(
        cls, value: dict[str, str | list[str]] | None
    ) -> dict[str, str | list[str]] | None:
        if value is not None:
            parse_windows(value)
        return value


# --- availability: holidays, time off, busy calendars ---------------------------------------


def holiday_regions() -> dict[str, list[str]]:
    """Country code → its subdivision codes, as the ``holidays`` package knows them."""
    import holidays

    return {code: list(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


def check_holiday_region(country: str, subdiv: str | None) -> tuple[str, str | None]:
    """``(country, subdiv)`` as the ``holidays`` package spells them; ValueError with a "did
    you mean" for a country or subdivision it does not know."""
    regions = holiday_regions()
    by_case = {code.upper(): code for code in regions}
    code = by_case.get(country.upper())
    if code is None:
        raise ValueError(
            f"unknown holiday country {quoted(country)}; use an ISO 3166 code such as DE or US"
            + _code_hint(country.upper(), list(by_case))
        )
    if subdiv is None:
        return code, None
    subdivs = {name.upper(): name for name in regions[code]}
    found = subdivs.get(subdiv.upper())
    if found is None:
        known = ", ".join(regions[code][:40]) or "none"
        raise ValueError(
            f"{code} has no holiday subdivision {quoted(subdiv)}"
            + (_code_hint(subdiv.upper(), list(subdivs)) or f"; it has {known}")
        )
    return code, found


def _code_hint(code: str, codes: list[str]) -> str:
    """A "did you mean" for a mistyped code: the closest, else those that start alike (two
    letters are too short for a similarity score to find DE from DX)."""
    hint = suggest(code, codes)
    if hint or not code:
        return hint
    alike = [candidate for candidate in codes if candidate[:1] == code[:1]][:8]
    if not alike:
        return ""
    names = ", ".join(quoted(candidate) for candidate in alike)
    return f"; did you mean one of {names}?"


def _region_from_text(value: object) -> object:
    # "DE-BE" or "DE": the country, then the subdivision after the first hyphen.
    if isinstance(value, str):
        country, _, subdiv = value.strip().partition("-")
        return {"country": country, "subdiv": subdiv} if subdiv else {"country": country}
    return value


class HolidayRegion(StrictModel):
    """Where the public holidays come from: a country and optionally one of its subdivisions."""

    country: str = Field(max_length=8, description="ISO 3166 country code, e.g. DE")
    subdiv: str | None = Field(None, max_length=40, description="subdivision code, e.g. BE")

    @model_validator(mode="after")
    def _known(self) -> HolidayRegion:
        country, subdiv = check_holiday_region(self.country, self.subdiv)
        object.__setattr__(self, "country", country)
        object.__setattr__(self, "subdiv", subdiv)
        return self

    @property
    def code(self) -> str:
        """``DE-BE``, or ``DE`` for a whole country."""
        return f"{self.country}-{self.subdiv}" if self.subdiv else self.country


_REGION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "description": "country, or country-subdivision: DE, DE-BE"},
        {
            "type": "object",
            "properties": {
                "country": {"type": "string", "description": "ISO 3166 code, e.g. DE"},
                "subdiv": {"type": "string", "description": "subdivision code, e.g. BE"},
            },
            "required": ["country"],
            "additionalProperties": False,
        },
    ]
}

HolidayList = Annotated[
    list[
        Annotated[HolidayRegion, BeforeValidator(_region_from_text), WithJsonSchema(_REGION_SCHEMA)]
    ],
    BeforeValidator(lambda value: [value] if isinstance(value, str | dict) else value),
    Field(max_length=MAX_HOLIDAY_REGIONS),
]

_TIME_OFF_TEXT = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:\s+(\S.*?))?\s*$")


def _off_from_value(value: object) -> object:
    """A bare date is a day off; ``"2027-03-05 18:00-22:00"`` is part of one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"from": value}
    if isinstance(value, str):
        match = _TIME_OFF_TEXT.match(value) if len(value) <= 60 else None
        if match is None:
            raise ValueError(
                f"{quoted(value)} is not time off; write a date (2027-03-05), a date and hours "
                "(2027-03-05 18:00-22:00) or {from: 2026-12-24, to: 2027-01-01, reason: …}"
            )
        day, hours = match.groups()
        return {"from": day, "time": hours} if hours else {"from": day}
    return value


class TimeOff(StrictModel):
    """Days (``from`` to ``to``, both included) or part of one day (``time``) with no work."""

    first: PlanDate = Field(alias="from", description="first day off")
    last: PlanDate | None = Field(None, alias="to", description="last day off (default: from)")
    time: str | None = Field(
        None, max_length=20, description='part of the day only, "HH:MM-HH:MM" (one day)'
    )
    reason: Name | None = None

    @model_validator(mode="after")
    def _check(self) -> TimeOff:
        if self.last is not None and self.last < self.first:
            raise ValueError(
                f"the range ends ({self.last.isoformat()}) before it starts "
                f"({self.first.isoformat()}); swap from and to"
            )
        if (self.last - self.first).days + 1 > MAX_OFF_DAYS if self.last else False:
            raise ValueError(f"a time-off range is at most {MAX_OFF_DAYS:,} days long")
        if self.time is not None:
            if self.last is not None and self.last != self.first:
                raise ValueError("hours of time off (time:) apply to a single day; drop 'to'")
            try:
                parse_windows({"mon": self.time})
            except ValueError:
                raise ValueError(
                    f"time {quoted(self.time)} is not hours of one day such as 18:00-22:00"
                ) from None
        return self

    @property
    def end(self) -> dt.date:
        """The last day off."""
        return self.last or self.first

    @property
    def minutes(self) -> tuple[int, int] | None:
        """The part of the day off, as minutes after midnight; None for whole days."""
        if self.time is None:
            return None
        return parse_windows({"mon": self.time})[0][0]


OffList = Annotated[
    list[Annotated[TimeOff, BeforeValidator(_off_from_value)]],
    Field(max_length=MAX_OFF_ENTRIES),
]
BusyMargin = Annotated[
    int,
    BeforeValidator(_duration),
    AfterValidator(_at_most(MAX_BUSY_MARGIN_HOURS)),
    WithJsonSchema(_duration_schema(MAX_BUSY_MARGIN_HOURS)),
]


def _overlapping_off(entries: list[TimeOff]) -> list[tuple[Location, str]]:
    """A problem for each time-off entry that overlaps an earlier one."""
    problems: list[tuple[Location, str]] = []
    spans = []
    for index, entry in enumerate(entries):
        day_minutes = entry.minutes or (0, 24 * 60)
        begin = entry.first.toordinal() * 1440 + day_minutes[0]
        end = entry.end.toordinal() * 1440 + (day_minutes[1] if entry.minutes else 24 * 60)
        spans.append((begin, end, index))
    spans.sort()
    reach = -1
    reach_index = -1
    for begin, end, index in spans:
        if begin < reach:
            first, second = sorted((index, reach_index))
            problems.append(
                (
                    ("off", second),
                    f"overlaps off[{first}] ({_off_text(entries[first])}); merge them into one "
                    "entry",
                )
            )
        if end > reach:
            reach, reach_index = end, index
    return problems


def _off_text(entry: TimeOff) -> str:
    if entry.time is not None:
        return f"{entry.first.isoformat()} {entry.time}"
    if entry.end != entry.first:
        return f"{entry.first.isoformat()} to {entry.end.isoformat()}"
    return entry.first.isoformat()


DEFAULT_HOURS_PER_WEEK = 10.0
DEFAULT_WINDOWS: dict[str, str | list[str]] = {"mon-fri": "19:00-21:00", "sat": "09:00-13:00"}


def check_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name, or a ValueError that says what was wrong.

    Only real zone names are accepted: not ``localtime``, ``posixrules`` or ``Factory``, which
    are files in the zone database but not zones, not the ``posix/`` and ``right/`` copies, and
    not a path. A near miss gets a "did you mean".
    """
    known = name in _bundled_zone_names() or name in _zone_names()
    if known and name not in _NOT_ZONES and not name.startswith(("posix/", "right/")):
        try:
            return ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    candidates = sorted(_zone_names())
    by_case = {candidate.lower(): candidate for candidate in candidates}
    hint = (
        f"; did you mean '{by_case[name.lower()]}'?"
        if name.lower() in by_case
        else suggest(name, candidates)
    )
    raise ValueError(
        f"unknown time zone {quoted(name)}; use an IANA name such as Europe/Berlin or "
        f"America/New_York{hint}"
    )


@functools.cache
def _bundled_zone_names() -> frozenset[str]:
    """The zone names the tzdata package lists: read in a fraction of a millisecond."""
    try:
        zones = importlib.resources.files("tzdata").joinpath("zones")
        return frozenset(zones.read_text(encoding="utf-8").split())
    except (ImportError, OSError):
        return frozenset()


@functools.cache
def _zone_names() -> frozenset[str]:
    """Every zone name this machine knows, less the files that are not zones (0.1 s, once)."""
    names = _bundled_zone_names() | zoneinfo.available_timezones() | {"UTC"}
    return frozenset(
        name
        for name in names
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def _weekday_span(key: str) -> list[int]:
    parts = [p.strip().lower() for p in key.split("-")]
    for part in parts:
        if part not in WEEKDAYS:
            raise ValueError(
                f"windows: {quoted(key)} is not a weekday or range (mon, tue, … sun, or mon-fri)"
                + suggest(part, WEEKDAYS)
            )
    if len(parts) == 1:
        return [WEEKDAYS.index(parts[0])]
    if len(parts) != 2:
        raise ValueError(f"windows: {quoted(key)} is not a weekday or range such as mon-fri")
    first, last = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[1])
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_windows(windows: dict[str, str | list[str]]) -> dict[int, tuple[tuple[int, int], ...]]:
    """Weekday (0 = Monday) → sorted ``(start, end)`` minutes after midnight; overlaps fail."""
    days: dict[int, list[tuple[int, int]]] = {}
    for key, spec in windows.items():
        texts = [spec] if isinstance(spec, str) else spec
        for text in texts:
            match = _WINDOW.match(text) if isinstance(text, str) else None
            if match is None:
                raise ValueError(
                    f"windows: {quoted(key)}: {quoted(text)} is not a time range such as "
                    "19:00-21:00"
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(
                    f"windows: {quoted(key)}: {quoted(text)} has a time that does not exist"
                )
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                raise ValueError(
                    f"windows: {quoted(key)}: {quoted(text)} ends before it starts; a window "
                    "cannot cross midnight, so split it into two days"
                )
            for day in _weekday_span(key):
                days.setdefault(day, []).append((start, end))
    result: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, spans in sorted(days.items()):
        spans.sort()
        for (_, end_a), (start_b, _) in itertools.pairwise(spans):
            if start_b < end_a:
                raise ValueError(f"windows: two windows on {WEEKDAYS[day]} overlap")
        result[day] = tuple(spans)
    return result


def _valid_window_spec(value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    parse_windows(value)
    return value


# Windows of a phase or a task of its own: the defaults' syntax, checked the same way.
WindowSpec = Annotated[
    dict[str, str | Annotated[list[str], Field(max_length=MAX_WINDOWS_PER_DAY)]],
    Field(max_length=MAX_WINDOW_KEYS),
    AfterValidator(_valid_window_spec),
]


class Task(StrictModel):
    """One piece of work; a bare string in the file is a task with only a name."""

    id: Slug | None = Field(None, description="stable id; derived from the name when absent")
    name: Name
    hours: TaskEffort | None = Field(
        None, description="effort, at most 100,000 hours; when absent the phase's weeks decide"
    )
    every: Every | None = Field(
        None,
        description="a habit instead of hours: time every week or day (30m a week, 20m a day), "
        "from when the task is ready until its phase ends or until:",
    )
    until: Until | None = Field(
        None,
        description="when a habit ends instead of with its phase: a phase or task id (when it "
        "ends), a date, or +6w from the habit's start",
    )
    weight: Weight = Field(
        1, description="share of the phase's unsized budget; more than 0, at most 1,000"
    )
    priority: Literal["highest", "high", "medium", "low", "lowest"] = "medium"
    after: AfterList = Field(
        default_factory=list,
        description="task, phase or fixed milestone ids done first, each with an optional lag",
    )
    wait: WaitLength | None = Field(
        None,
        description="a pure wait instead of work (a review, a delivery): calendar time in days "
        "(10d) or weeks (2w), no hours and no sessions",
    )
    deadline: Deadline | None = None
    description: Description | None = None
    link: str | None = Field(None, max_length=MAX_LINK_LENGTH, pattern=r"^https?://\S+$")
    windows: WindowSpec | None = Field(
        None, description="when this task's sessions may be, instead of its phase's or defaults'"
    )

    @property
    def key(self) -> str:
        """The task's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)

    @property
    def habit(self) -> bool:
        """Whether the task is ongoing (``every:``) rather than work to finish."""
        return self.every is not None


class Phase(StrictModel):
    """A stage of the roadmap: nominal weeks and the tasks done in it."""

    id: Slug | None = None
    name: Name
    weeks: Weeks | None = Field(
        None, description="nominal length at the weekly budget; more than 0, at most 1,000"
    )
    tasks: list[Annotated[Task, BeforeValidator(_task_from_text)]] = Field(
        min_length=1, max_length=MAX_TASKS
    )
    after: AfterList | None = Field(
        None,
        description="task, phase or fixed milestone ids, each with an optional lag; default: "
        "the previous phase",
    )
    mode: Literal["sequential", "interleave"] = "sequential"
    deadline: Deadline | None = None
    description: Description | None = None
    windows: WindowSpec | None = Field(
        None, description="when this phase's sessions may be, instead of the defaults' windows"
    )

    @model_validator(mode="after")
    def _sized_without_weeks(self) -> Phase:
        if self.weeks is None:
            for task in self.tasks:
                if task.hours is None and task.wait is None and not task.habit:
                    raise ValueError(
                        f"the phase has no weeks, so each task needs hours (or a wait); "
                        f"{quoted(task.key)} has none"
                    )
            if all(task.habit for task in self.tasks):
                raise ValueError(
                    "a phase of habits only needs weeks: they say how long its habits last"
                )
        return self

    @property
    def habits_only(self) -> bool:
        """Whether every task of the phase is a habit: it then lasts its weeks."""
        return all(task.habit for task in self.tasks)

    @property
    def key(self) -> str:
        """The phase's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)


class Milestone(StrictModel):
    """A fixed-date milestone, checked against the work it waits for."""

    id: Slug | None = None
    name: Name
    date: PlanDate = Field(description="1970-01-01 to 2199-12-31")
    description: Description | None = None
    after: IdList = Field(default_factory=list, description="task or phase ids due by the date")

    @property
    def key(self) -> str:
        """The milestone's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)


def _habit_problems(
    task: Task, where: Location, ids: dict[str, Location], habits: set[str]
) -> list[tuple[Location, str]]:
    """What is wrong with a task's habit fields: ``every`` with hours, a wait or a weight;
    ``until`` without ``every``, or naming an unknown id, the habit itself or another habit."""
    problems: list[tuple[Location, str]] = []
    if task.every is not None:
        if task.hours is not None:
            problems.append(
                (
                    (*where, "every"),
                    "a task is either work to finish (hours) or a habit (every), not both; "
                    "split it into a task with the hours and a habit",
                )
            )
        if task.wait is not None:
            problems.append(
                ((*where, "every"), "a task is either a wait or a habit (every), not both")
            )
        if task.deadline is not None:
            problems.append(
                (
                    (*where, "deadline"),
                    "a habit goes on rather than finishes, so it has no deadline; end it with "
                    "until: (a date, +6w, or a phase or task id)",
                )
            )
        if "weight" in task.model_fields_set:
            problems.append(
                (
                    (*where, "weight"),
                    "weight shares a phase's weeks among tasks without hours; a habit takes "
                    "the time its every: says instead, so remove the weight",
                )
            )
    if task.until is None:
        return problems
    if task.every is None:
        problems.append(
            (
                (*where, "until"),
                "until: ends a habit; give the task an every: (30m a week) or remove until",
            )
        )
    elif isinstance(task.until, str) and until_offset_days(task.until) is None:
        ref = task.until
        if ref == task.key:
            problems.append(((*where, "until"), f"the habit '{ref}' cannot run until itself"))
        elif ref in habits:
            problems.append(
                (
                    (*where, "until"),
                    f"'{ref}' is a habit too, which goes on rather than ends; name a phase, a "
                    "task, a date or +6w",
                )
            )
        elif ref not in ids:
            problems.append(
                ((*where, "until"), f"unknown phase or task id '{ref}'" + suggest(ref, list(ids)))
            )
    return problems


def until_before_start(task: Task, start: dt.date) -> str | None:
    """The problem with a habit whose ``until:`` date is before the plan's start, if it is."""
    if isinstance(task.until, dt.date) and task.until < start:
        return (
            f"{task.until.isoformat()} is before the plan's start {start.isoformat()}: the "
            "habit would never run; give a later date, or +6w from its start"
        )
    return None


class PlanProblems(ValueError):
    """Cross-field problems, each with the location in the file it belongs to."""

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class Plan(StrictModel):
    """A whole roadmap file."""

    plan: Slug = Field(description="slug id of the plan; part of every calendar UID")
    title: Name
    defaults: Defaults = Defaults()
    phases: list[Phase] = Field(
        min_length=1, max_length=MAX_PHASES, description="at most 100,000 tasks in all"
    )
    milestones: list[Milestone] = Field(default_factory=list, max_length=MAX_MILESTONES)
    holidays: HolidayList = Field(
        default_factory=list,
        description="public holidays with no work: DE-BE, {country: DE, subdiv: BE}, or a list",
    )
    off: OffList = Field(
        default_factory=list,
        description="time off: dates, ranges {from, to, reason} or hours of a day",
    )
    busy: list[Annotated[str, Field(min_length=1, max_length=4096)]] = Field(
        default_factory=list,
        max_length=MAX_BUSY_FILES,
        description=".ics files of busy time, relative to the plan file",
    )
    busy_margin: BusyMargin = Field(0, description="gap kept around busy events, e.g. 15m")

    @model_validator(mode="before")
    @classmethod
    def _count_tasks(cls, data: Any) -> Any:
        # Before the tasks are built: 10,000 phases of 100,000 tasks each would take minutes.
        phases = data.get("phases") if isinstance(data, dict) else None
        if not isinstance(phases, list) or len(phases) > MAX_PHASES:
            return data  # the field's own check says what is wrong
        total = 0
        for index, phase in enumerate(phases):
            tasks = phase.get("tasks") if isinstance(phase, dict) else None
            total += len(tasks) if isinstance(tasks, list) else 0
            if total > MAX_TASKS:
                raise PlanProblems(
                    [
                        (
                            ("phases", index, "tasks"),
                            f"the plan has more than {MAX_TASKS:,} tasks, the most plan2cal "
                            "schedules",
                        )
                    ]
                )
        return data

    @model_validator(mode="after")
    def _check_ids(self) -> Plan:
        problems: list[tuple[Location, str]] = []
        seen: dict[str, Location] = {}

        def claim(key: str, where: Location, kind: str) -> None:
            if key in seen:
                first = location_text(seen[key])
                problems.append(
                    (
                        where,
                        f"duplicate id '{key}' (already used by {first}); {kind} ids "
                        "must be unique across phases and tasks",
                    )
                )
            else:
                seen[key] = where

        for p, phase in enumerate(self.phases):
            claim(phase.key, ("phases", p, "id"), "phase")
            for t, task in enumerate(phase.tasks):
                claim(task.key, ("phases", p, "tasks", t, "id"), "task")
        milestone_keys: dict[str, int] = {}
        for m, milestone in enumerate(self.milestones):
            if milestone.key in milestone_keys:
                problems.append(
                    (("milestones", m, "id"), f"duplicate milestone id '{milestone.key}'")
                )
            milestone_keys[milestone.key] = m
        known = list(seen)
        suggestions = min(_MAX_SUGGESTIONS, max(1, _SUGGESTION_BUDGET // len(known)))
        # Tasks and phases may also wait for a fixed milestone: the plan's milestones are then
        # named in the message, and suggested.
        kinds = "task, phase or milestone" if milestone_keys else "task or phase"
        linkable = [*known, *milestone_keys]

        def check_refs(refs: list[str], where: Location, own: str, linked: bool) -> None:
            for i, ref in enumerate(refs):
                if ref == own:
                    problems.append(((*where, i), f"'{ref}' cannot come after itself"))
                elif linked and ref in milestone_keys and ref in seen:
                    problems.append(
                        (
                            (*where, i),
                            f"'{ref}' is both the id of {location_text(seen[ref])} and of a "
                            "fixed milestone; give the milestone an id of its own",
                        )
                    )
                elif ref not in seen and not (linked and ref in milestone_keys):
                    names = (linkable, kinds) if linked else (known, "task or phase")
                    hint = suggest(ref, names[0]) if len(problems) < suggestions else ""
                    problems.append(((*where, i), f"unknown {names[1]} id '{ref}'{hint}"))

        habits = {task.key for _, task in self.task_list() if task.habit}

        def not_a_habit(refs: list[str], where: Location) -> None:
            for i, ref in enumerate(refs):
                if ref in habits:
                    problems.append(
                        (
                            (*where, i),
                            f"'{ref}' is a habit, which goes on rather than finishes; wait for "
                            "its phase or for a task instead",
                        )
                    )

        for p, phase in enumerate(self.phases):
            phase_refs = [link.id for link in phase.after or []]
            check_refs(phase_refs, ("phases", p, "after"), phase.key, True)
            not_a_habit(phase_refs, ("phases", p, "after"))
            own = {task.key for task in phase.tasks}
            for i, ref in enumerate(phase_refs):
                if ref in own:
                    problems.append(
                        (
                            ("phases", p, "after", i),
                            f"the phase cannot wait for its own task '{ref}'; put the 'after' on "
                            "the tasks that need it",
                        )
                    )
            for t, task in enumerate(phase.tasks):
                where: Location = ("phases", p, "tasks", t)
                check_refs([link.id for link in task.after], (*where, "after"), task.key, True)
                if task.wait is not None and task.hours is not None:
                    problems.append(
                        (
                            (*where, "wait"),
                            "a task is either work (hours) or a wait, not both; split it into "
                            "a task with the hours and a wait after it",
                        )
                    )
                not_a_habit([link.id for link in task.after], (*where, "after"))
                problems += _habit_problems(task, where, seen, habits)
        for m, milestone in enumerate(self.milestones):
            check_refs(milestone.after, ("milestones", m, "after"), "", False)
            not_a_habit(milestone.after, ("milestones", m, "after"))
        if problems:
            raise PlanProblems(problems)
        return self

    @model_validator(mode="after")
    def _check_off(self) -> Plan:
        problems = _overlapping_off(self.off)
        if problems:
            raise PlanProblems(problems)
        return self

    @model_validator(mode="after")
    def _check_deadlines(self, info: ValidationInfo) -> Plan:
        # Relative deadlines can be placed only once the start is known: the caller's, which
        # overrides the file's, or the file's own.
        start = (info.context or {}).get("start") or self.defaults.start
        if start is None:
            return self
        problems: list[tuple[Location, str]] = []

        def check(deadline: dt.date | str | None, where: Location) -> None:
            if not isinstance(deadline, str):
                return
            try:
                check_date_in_range(resolve_date(deadline, start))
            except (ValueError, OverflowError):
                problems.append(
                    (
                        where,
                        f"{deadline} from the start {start.isoformat()} falls outside the dates "
                        f"plan2cal handles, {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}",
                    )
                )

        for p, phase in enumerate(self.phases):
            check(phase.deadline, ("phases", p, "deadline"))
            for t, task in enumerate(phase.tasks):
                check(task.deadline, ("phases", p, "tasks", t, "deadline"))
                problem = until_before_start(task, start)
                if problem is not None:
                    problems.append((("phases", p, "tasks", t, "until"), problem))
        if problems:
            raise PlanProblems(problems)
        return self

    def task_list(self) -> list[tuple[Phase, Task]]:
        """Every task with its phase, in file order."""
        return [(phase, task) for phase in self.phases for task in phase.tasks]


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of the plan file, for editors and ``plan2cal schema``."""
    schema = Plan.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "plan2cal plan"
    # A task may be written as a bare string: its name.
    tasks = schema["$defs"]["Phase"]["properties"]["tasks"]
    tasks["items"] = {"anyOf": [{"type": "string", "minLength": 1}, tasks["items"]]}
    # A day off may be written as a date, or a date and hours.
    off = schema["properties"]["off"]
    day_text = {
        "type": "string",
        "pattern": r"^\s*\d{4}-\d{2}-\d{2}(\s+\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})?\s*$",
        "description": "a date (2027-03-05), or a date and hours (2027-03-05 18:00-22:00)",
    }
    off["items"] = {"anyOf": [day_text, off["items"]]}
    # One holiday region may stand alone, without a list.
    holidays = schema["properties"]["holidays"]
    regions = holidays.pop("items")
    holidays.pop("type", None)
    holidays["anyOf"] = [*regions["anyOf"], {"type": "array", "items": regions, "maxItems": 20}]
    holidays.pop("maxItems", None)
    return schema
