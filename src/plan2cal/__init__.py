"""plan2cal: turn a phased roadmap into dated work sessions, milestones and tracker imports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plan2cal.errors import Plan2CalError, PlanError, ProgressError, UnschedulableError
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule
from plan2cal.version import __version__

if TYPE_CHECKING:
    from plan2cal.export.ics import build_calendar, ics_bytes

__all__ = [
    "Plan",
    "Plan2CalError",
    "PlanError",
    "ProgressError",
    "Schedule",
    "UnschedulableError",
    "__version__",
    "availability_for",
    "build_calendar",
    "build_schedule",
    "ics_bytes",
    "load_plan",
]


def __getattr__(name: str) -> Any:
    """The calendar writers on first use (PEP 562): importing icalendar takes a sixth of a
    second, which commands that write no calendar need not pay."""
    if name in ("build_calendar", "ics_bytes"):
        from plan2cal.export import ics

        return getattr(ics, name)
    raise AttributeError(f"module 'plan2cal' has no attribute {name!r}")
