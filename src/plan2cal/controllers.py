"""Between the command line and the core: find a plan's files, gather what has happened, run
the scheduler, and write the outputs with their state. No click here; the clock comes in as
arguments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from plan2cal.export.ics import calendar_events, ics_bytes
from plan2cal.files import write_atomic
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.progress import Progress, load_progress, progress_path
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule
from plan2cal.state import (
    Revisions,
    State,
    load_state,
    revise,
    session_history,
    state_path,
    write_state,
)
from plan2cal.worktime import Availability


@dataclass(frozen=True)
class Workspace:
    """A plan with its progress, its outputs' state, and the settings of this run."""

    plan: Plan
    progress_file: Path
    progress: Progress
    availability: Availability
    start: dt.date
    today: dt.date
    ics_path: Path
    state_path: Path

    @cached_property
    def state(self) -> State | None:
        """What the last run wrote; read only when needed (it can hold 100,000 events)."""
        return load_state(self.state_path, self.ics_path)

    @property
    def actuals(self) -> Actuals:
        """What has happened, for the scheduler: progress of the plan's tasks, sessions shown."""
        ids = [task.key for _, task in self.plan.task_list()]
        done = {key: day for key in ids if (day := self.progress.done_on(key)) is not None}
        spent = {key: self.progress.spent(key) for key in ids if self.progress.spent(key)}
        # Only done tasks keep sessions from the last run, so without any the state is not read.
        history = session_history(self.state) if done else {}
        return Actuals(self.today, done, spent, history)

    def unknown_progress(self) -> list[str]:
        """Task ids with progress that the plan no longer has."""
        return self.progress.unknown(task.key for _, task in self.plan.task_list())


def open_workspace(
    plan_file: Path,
    *,
    today: dt.date,
    output: Path,
    start: dt.date | None = None,
    hours_per_week: float | None = None,
    timezone: str | None = None,
    progress_file: Path | None = None,
    fallback_zone: str = "UTC",
) -> Workspace:
    """Load the plan, its progress file and its state; resolve start, budget and zone."""
    plan = load_plan(plan_file)
    zone = timezone or plan.defaults.timezone or fallback_zone
    availability = availability_for(plan, hours_per_week=hours_per_week, timezone=zone)
    progress_at = progress_path(plan_file, progress_file)
    ics = output / f"{plan.plan}.ics"
    state_at = state_path(output, plan.plan)
    return Workspace(
        plan=plan,
        progress_file=progress_at,
        progress=load_progress(progress_at),
        availability=availability,
        start=start or plan.defaults.start or next_monday(today),
        today=today,
        ics_path=ics,
        state_path=state_at,
    )


def next_monday(today: dt.date) -> dt.date:
    """The Monday after ``today``."""
    return today + dt.timedelta(days=7 - today.weekday())


def make_schedule(workspace: Workspace, horizon_years: int = 30) -> Schedule:
    """The schedule of the workspace's plan from its start, with its progress as of today."""
    return build_schedule(
        workspace.plan,
        workspace.availability,
        workspace.start,
        actuals=workspace.actuals,
        horizon_years=horizon_years,
    )


@dataclass(frozen=True)
class Written:
    """What an export wrote."""

    ics_path: Path
    size: int
    revisions: Revisions


def export_calendar(
    workspace: Workspace, schedule: Schedule, dtstamp: dt.datetime, tombstone_days: int
) -> Written:
    """Write the .ics (sessions, milestones, tombstones) and then the state, each atomically."""
    revisions = revise(
        workspace.state, schedule, calendar_events(schedule), dtstamp, tombstone_days
    )
    data = ics_bytes(schedule, dtstamp, revisions.revisions, revisions.events)
    write_atomic(workspace.ics_path, data)
    # The calendar first: if the state write fails, the next run sees changed content and
    # raises SEQUENCE again, which calendars accept; the reverse would lose a revision.
    write_state(workspace.state_path, revisions.state)
    return Written(workspace.ics_path, len(data), revisions)
