"""plan2cal: turn a phased roadmap into dated work sessions, milestones and tracker imports."""

from __future__ import annotations

from plan2cal.errors import Plan2CalError, PlanError, ProgressError, UnschedulableError
from plan2cal.export.ics import build_calendar, ics_bytes
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule
from plan2cal.version import __version__

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
