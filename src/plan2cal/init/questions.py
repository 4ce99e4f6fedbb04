"""The few questions of ``plan2cal init`` without ``--from``, and the starter plan they make.

Each question has a default and a check that turns the typed answer into its value or raises
ValueError with a sentence to show; the command line asks them (or, when nobody can answer,
takes the defaults). The plan has one example phase, ready to be edited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from plan2cal.init.draft import Draft, DraftPhase, DraftTask, IdMaker
from plan2cal.model import (
    DEFAULT_HOURS_PER_WEEK,
    Defaults,
    check_date_in_range,
    check_hours_per_week,
    check_timezone,
)

EVENING_DAYS = "mon-fri"
WEEKEND_DAYS = "sat-sun"
NO_WINDOW = ("none", "no", "-")


@dataclass(frozen=True)
class Answers:
    """What the person said, or the defaults."""

    name: str
    start: dt.date
    hours_per_week: float
    evening: str | None
    weekend: str | None
    timezone: str


@dataclass(frozen=True)
class Question:
    """One question: the field it fills, what is asked, and how the answer is read."""

    field: str
    prompt: str
    read: Callable[[str], object]


def default_answers(today: dt.date, timezone: str) -> Answers:
    """The answers taken when nobody is asked: start next Monday, 10 h a week, evenings and
    Saturday mornings, this machine's zone."""
    return Answers(
        name="My roadmap",
        start=today + dt.timedelta(days=7 - today.weekday()),
        hours_per_week=DEFAULT_HOURS_PER_WEEK,
        evening="19:00-21:00",
        weekend="09:00-13:00",
        timezone=timezone,
    )


def _name(text: str) -> str:
    name = text.strip()
    if not name:
        raise ValueError("the plan needs a name")
    if len(name) > 200:
        raise ValueError("keep the name under 200 characters; the tasks hold the detail")
    return name


def _start(text: str) -> dt.date:
    try:
        return check_date_in_range(dt.date.fromisoformat(text.strip()))
    except ValueError as exc:
        message = str(exc) if "outside" in str(exc) else f"'{text}' is not a date"
        raise ValueError(f"{message}; write it as YYYY-MM-DD, e.g. 2027-01-04") from None


def _hours(text: str) -> float:
    try:
        hours = float(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a number of hours") from None
    return check_hours_per_week(hours)


def _window(days: str) -> Callable[[str], str | None]:
    def read(text: str) -> str | None:
        span = text.strip()
        if span.lower() in NO_WINDOW:
            return None
        try:
            Defaults.model_validate({"windows": {days: span}})
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(f"{reason}; write HH:MM-HH:MM, or 'none'") from None
        return span

    return read


def _zone(text: str) -> str:
    check_timezone(text.strip())
    return text.strip()


QUESTIONS = (
    Question("name", "Name of the plan", _name),
    Question("start", "First day (YYYY-MM-DD)", _start),
    Question("hours_per_week", "Hours a week", _hours),
    Question(
        "evening", f"Evening window, {EVENING_DAYS} (HH:MM-HH:MM or none)", _window(EVENING_DAYS)
    ),
    Question(
        "weekend", f"Weekend window, {WEEKEND_DAYS} (HH:MM-HH:MM or none)", _window(WEEKEND_DAYS)
    ),
    Question("timezone", "Time zone", _zone),
)


def shown_default(answers: Answers, field: str) -> str:
    """The default of a question as the person would type it."""
    value = getattr(answers, field)
    if value is None:
        return "none"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def starter_draft(answers: Answers) -> Draft:
    """A plan with the answers as its defaults and one example phase to edit.

    ValueError when both windows are 'none': a plan needs some time to work in.
    """
    windows = {
        days: span
        for days, span in ((EVENING_DAYS, answers.evening), (WEEKEND_DAYS, answers.weekend))
        if span is not None
    }
    if not windows:
        raise ValueError("with no evening and no weekend window there is no time to work in")
    ids = IdMaker()
    phase = DraftPhase(
        ids.make("getting-started"),
        "Getting started",
        4,
        description="An example phase: rename it, set its weeks, and list its tasks.",
    )
    phase.tasks = [
        DraftTask(
            ids.make("first-task"),
            "Replace this with your first task",
            description="Give it hours (12h) if you know them; add after: [id] to order tasks.",
        ),
        DraftTask(ids.make("second-task"), "Replace this with your second task"),
    ]
    draft = Draft(
        plan_id=ids.make(answers.name, "plan"),
        title=answers.name,
        source="your answers",
        phases=[phase],
        hours_per_week=answers.hours_per_week,
        timezone=answers.timezone,
        windows=windows,
        start=answers.start,
    )
    draft.header = [
        "Add phases under `phases:`; `plan2cal check PLAN` says what the schedule will assume."
    ]
    return draft
