"""The plan file as strict pydantic models: phases, tasks, milestones, default availability."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from plan2cal.diagnostics import Location, location_text, suggest
from plan2cal.durations import parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("highest", "high", "medium", "low", "lowest")
SLUG_PATTERN = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"

_OFFSET = re.compile(r"^\+(?P<n>\d+)(?P<unit>d|w|mo)$")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def slugify(text: str) -> str:
    """Turn a task or phase name into an id: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "task"


def _parse_deadline(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (2027-03-01) or an offset from the start (+2w)")
    if isinstance(value, str):
        text = value.strip()
        if _OFFSET.match(text):
            return text
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{value}' is neither a date (2027-03-01) nor an offset from the start "
                "(+10d, +2w, +3mo)"
            ) from None
    return value


def resolve_date(value: dt.date | str, start: dt.date) -> dt.date:
    """A deadline as a date: itself, or the plan start plus its ``+Nd``/``+Nw``/``+Nmo`` offset."""
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


_DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "description": "hours"},
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
        {"type": "string", "pattern": r"^\+\d+(d|w|mo)$", "description": "offset from the start"},
    ]
}

Duration = Annotated[int, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
Deadline = Annotated[
    dt.date | str, BeforeValidator(_parse_deadline), WithJsonSchema(_DEADLINE_SCHEMA)
]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
IdList = Annotated[list[Slug], BeforeValidator(_as_list)]


class StrictModel(BaseModel):
    """Base of every model read from a file: unknown keys are errors, and models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class SessionLimits(StrictModel):
    """How long one sitting of work may be."""

    longest: Duration = Field(120, alias="max", description="longest session (default 2h)")
    shortest: Duration = Field(30, alias="min", description="shortest session (default 30m)")

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

    start: dt.date | None = None
    hours_per_week: float | None = Field(
        None, gt=0, le=168, description="weekly budget in hours (default 10)"
    )
    timezone: str | None = Field(None, description="IANA time zone name, e.g. Europe/Berlin")
    windows: dict[str, str | list[str]] | None = Field(
        None, description='weekday or range ("mon-fri") -> "HH:MM-HH:MM" or a list of them'
    )
    session: SessionLimits = SessionLimits()

    @field_validator("start", mode="before")
    @classmethod
    def _no_datetime(cls, value: object) -> object:
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date such as 2027-01-04, not a date and time")
        return value

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


DEFAULT_HOURS_PER_WEEK = 10.0
DEFAULT_WINDOWS: dict[str, str | list[str]] = {"mon-fri": "19:00-21:00", "sat": "09:00-13:00"}


def check_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name, or a ValueError that says what was wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}'; use an IANA name such as Europe/Berlin or "
            "America/New_York"
        ) from None


def _weekday_span(key: str) -> list[int]:
    parts = [p.strip().lower() for p in key.split("-")]
    for part in parts:
        if part not in WEEKDAYS:
            raise ValueError(
                f"windows: '{key}' is not a weekday or range (mon, tue, … sun, or mon-fri)"
                + suggest(part, WEEKDAYS)
            )
    if len(parts) == 1:
        return [WEEKDAYS.index(parts[0])]
    if len(parts) != 2:
        raise ValueError(f"windows: '{key}' is not a weekday or range such as mon-fri")
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
                    f"windows: {key}: '{text}' is not a time range such as 19:00-21:00"
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(f"windows: {key}: '{text}' has a time that does not exist")
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                raise ValueError(
                    f"windows: {key}: '{text}' ends before it starts; a window cannot cross "
                    "midnight, so split it into two days"
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


class Task(StrictModel):
    """One piece of work; a bare string in the file is a task with only a name."""

    id: Slug | None = Field(None, description="stable id; derived from the name when absent")
    name: str = Field(min_length=1)
    hours: Duration | None = Field(None, description="effort; when absent the phase's weeks decide")
    weight: float = Field(1, gt=0, description="share of the phase's unsized budget")
    priority: Literal["highest", "high", "medium", "low", "lowest"] = "medium"
    after: IdList = Field(default_factory=list, description="task or phase ids done first")
    deadline: Deadline | None = None
    description: str | None = None
    link: str | None = Field(None, pattern=r"^https?://\S+$")

    @property
    def key(self) -> str:
        """The task's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)


class Phase(StrictModel):
    """A stage of the roadmap: nominal weeks and the tasks done in it."""

    id: Slug | None = None
    name: str = Field(min_length=1)
    weeks: float | None = Field(None, gt=0, description="nominal length at the weekly budget")
    tasks: list[Annotated[Task, BeforeValidator(_task_from_text)]] = Field(min_length=1)
    after: IdList | None = Field(None, description="task or phase ids; default: the previous phase")
    mode: Literal["sequential", "interleave"] = "sequential"
    deadline: Deadline | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _sized_without_weeks(self) -> Phase:
        if self.weeks is None:
            for task in self.tasks:
                if task.hours is None:
                    raise ValueError(
                        f"the phase has no weeks, so each task needs hours; '{task.key}' has none"
                    )
        return self

    @property
    def key(self) -> str:
        """The phase's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)


class Milestone(StrictModel):
    """A fixed-date milestone, checked against the work it waits for."""

    id: Slug | None = None
    name: str = Field(min_length=1)
    date: dt.date
    description: str | None = None
    after: IdList = Field(default_factory=list, description="task or phase ids due by the date")

    @property
    def key(self) -> str:
        """The milestone's id, given or derived from its name."""
        return self.id if self.id is not None else slugify(self.name)


class PlanProblems(ValueError):
    """Cross-field problems, each with the location in the file it belongs to."""

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class Plan(StrictModel):
    """A whole roadmap file."""

    plan: Slug = Field(description="slug id of the plan; part of every calendar UID")
    title: str = Field(min_length=1)
    defaults: Defaults = Defaults()
    phases: list[Phase] = Field(min_length=1)
    milestones: list[Milestone] = Field(default_factory=list)

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
        known = list(seen)

        def check_refs(refs: list[str] | None, where: Location, own: str) -> None:
            for i, ref in enumerate(refs or []):
                if ref == own:
                    problems.append(((*where, i), f"'{ref}' cannot come after itself"))
                elif ref not in seen:
                    problems.append(
                        ((*where, i), f"unknown task or phase id '{ref}'" + suggest(ref, known))
                    )

        for p, phase in enumerate(self.phases):
            check_refs(phase.after, ("phases", p, "after"), phase.key)
            own = {task.key for task in phase.tasks}
            for i, ref in enumerate(phase.after or []):
                if ref in own:
                    problems.append(
                        (
                            ("phases", p, "after", i),
                            f"the phase cannot wait for its own task '{ref}'; put the 'after' on "
                            "the tasks that need it",
                        )
                    )
            for t, task in enumerate(phase.tasks):
                check_refs(task.after, ("phases", p, "tasks", t, "after"), task.key)
        for m, milestone in enumerate(self.milestones):
            check_refs(milestone.after, ("milestones", m, "after"), "")
        milestone_keys: dict[str, int] = {}
        for m, milestone in enumerate(self.milestones):
            if milestone.key in milestone_keys:
                problems.append(
                    (("milestones", m, "id"), f"duplicate milestone id '{milestone.key}'")
                )
            milestone_keys[milestone.key] = m
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
    return schema
