"""The state file: SEQUENCE and LAST-MODIFIED per event, tombstones, and safe writes
(specs/icalendar-clients.md §0.3–0.4, STYLE habit 11)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from plan2cal.export.events import EventData, calendar_events
from plan2cal.export.ics import ics_bytes
from plan2cal.export.revisions import (
    Revisions,
    load_state,
    revise,
    session_history,
    state_bytes,
    state_from_ics,
)
from plan2cal.model import Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

UTC = dt.UTC
MONDAY = dt.date(2027, 1, 4)
FIRST = dt.datetime(2027, 1, 4, 8, tzinfo=UTC)
SECOND = dt.datetime(2027, 1, 11, 8, tzinfo=UTC)
THIRD = dt.datetime(2027, 1, 18, 8, tzinfo=UTC)
DAY = dt.timedelta(days=1)

SMALL_PLAN = {
    "plan": "small",
    "title": "Small",
    "defaults": {
        "timezone": "Europe/Berlin",
        "hours_per_week": 10,
        "windows": {"mon-fri": "19:00-21:00"},
    },
    "phases": [
        {
            "id": "only",
            "name": "Only phase",
            "tasks": [
                {"id": "a", "name": "Task A", "hours": 4},
                {"id": "b", "name": "Task B", "hours": 2},
            ],
        }
    ],
    "milestones": [{"id": "fixed", "name": "Fixed day", "date": "2027-02-01"}],
}


@pytest.fixture
def schedule() -> Schedule:
    """Task A in two 2 h sessions, task B in one, a phase milestone and a fixed one."""
    plan = Plan.model_validate(SMALL_PLAN)
    return build_schedule(plan, availability_for(plan), MONDAY)


def on(schedule: Schedule, day: dt.date) -> Schedule:
    """The same schedule as if run on ``day``: revise dates tombstones by the schedule's today."""
    return dataclasses.replace(schedule, today=day)


def by_item(events: list[EventData]) -> dict[str, EventData]:
    """Events keyed by their item (``a#1``, ``phase:only``)."""
    return {event.item: event for event in events}


def moved(event: EventData, days: int = 1) -> EventData:
    """The event ``days`` later."""
    shift = dt.timedelta(days=days)
    return dataclasses.replace(event, start=event.start + shift, end=event.end + shift)


def first_run(schedule: Schedule) -> Revisions:
    """The revisions of a first export, with no state before it."""
    return revise(None, schedule, calendar_events(schedule), FIRST, 30)


def test_new_events_get_sequence_0_and_last_modified_now(schedule: Schedule) -> None:
    """With no state every event is new: SEQUENCE 0, LAST-MODIFIED the run's time."""
    events = calendar_events(schedule)

    result = revise(None, schedule, events, FIRST, 30)

    assert {uid: (r.sequence, r.last_modified) for uid, r in result.revisions.items()} == {
        event.uid: (0, FIRST) for event in events
    }
    assert (result.added, result.changed, result.cancelled) == (len(events), 0, 0)
    assert [dataclasses.replace(event, baseline=None) for event in result.events] == sorted(
        events, key=lambda event: event.sort_key
    )
    # A first run is its own baseline: each phase milestone carries its own date.
    marked = {e.item: e.baseline for e in result.events if e.item.startswith("phase:")}
    assert marked == {f"phase:{p.key}": p.end for p in schedule.phases}


def test_unchanged_events_keep_sequence_and_last_modified(schedule: Schedule) -> None:
    """Revising the same events a week later changes no revision and no record."""
    first = first_run(schedule)

    second = revise(
        first.state, on(schedule, MONDAY + 7 * DAY), calendar_events(schedule), SECOND, 30
    )

    assert second.revisions == first.revisions
    assert second.state.events == first.state.events
    assert (second.added, second.changed, second.cancelled) == (0, 0, 0)


def test_changed_event_gets_the_next_sequence_and_last_modified_now(schedule: Schedule) -> None:
    """Each change raises SEQUENCE by one and stamps the run; the other events stay as they were."""
    first = first_run(schedule)
    events = by_item(calendar_events(schedule))
    uid = events["a#2"].uid
    once = {**events, "a#2": moved(events["a#2"])}
    twice = {**events, "a#2": moved(events["a#2"], 2)}

    second = revise(first.state, schedule, list(once.values()), SECOND, 30)
    third = revise(second.state, schedule, list(twice.values()), THIRD, 30)

    assert (second.revisions[uid].sequence, second.revisions[uid].last_modified) == (1, SECOND)
    assert (third.revisions[uid].sequence, third.revisions[uid].last_modified) == (2, THIRD)
    assert (second.changed, third.changed) == (1, 1)
    others = {key: value for key, value in third.revisions.items() if key != uid}
    assert others == {key: value for key, value in first.revisions.items() if key != uid}


def test_removed_event_becomes_a_cancelled_tombstone(schedule: Schedule) -> None:
    """An event missing from a run is written cancelled: same UID and times, SEQUENCE + 1."""
    first = first_run(schedule)
    events = by_item(calendar_events(schedule))
    gone = events.pop("a#2")
    today = MONDAY + 7 * DAY

    result = revise(first.state, on(schedule, today), list(events.values()), SECOND, 30)

    tombstone = by_item(result.events)["a#2"]
    assert tombstone.cancelled and tombstone.transparent
    assert (tombstone.uid, tombstone.start, tombstone.end) == (gone.uid, gone.start, gone.end)
    assert tombstone.summary == f"Cancelled: {gone.summary}"
    assert tombstone.removed_on == today
    revision = result.revisions[gone.uid]
    assert (revision.sequence, revision.last_modified) == (1, SECOND)
    assert result.state.events[gone.uid].cancelled_on == today.isoformat()
    assert result.cancelled == 1
    assert "a" in session_history(result.state)
    assert (gone.start, gone.end) not in session_history(result.state)["a"]


@pytest.mark.parametrize(("days", "kept"), [(0, True), (30, True), (31, False)])
def test_tombstone_is_kept_tombstone_days_after_its_removal(
    schedule: Schedule, days: int, kept: bool
) -> None:
    """A tombstone is written unchanged for 30 days after the run that removed it, then dropped."""
    first = first_run(schedule)
    events = by_item(calendar_events(schedule))
    uid = events.pop("b#1").uid
    removed_on = MONDAY + 7 * DAY
    second = revise(first.state, on(schedule, removed_on), list(events.values()), SECOND, 30)

    later = on(schedule, removed_on + days * DAY)
    third = revise(second.state, later, list(events.values()), THIRD, 30)

    assert (uid in third.revisions) is kept
    assert (uid in third.state.events) is kept
    assert (uid in {event.uid for event in third.events}) is kept
    if kept:
        assert third.revisions[uid] == second.revisions[uid]
        assert third.state.events[uid] == second.state.events[uid]
        assert by_item(third.events)["b#1"].removed_on == removed_on


def test_event_back_after_cancellation_gets_a_higher_sequence_than_its_tombstone(
    schedule: Schedule,
) -> None:
    """The tombstone had SEQUENCE 1; the event written again gets 2 and is live."""
    first = first_run(schedule)
    events = by_item(calendar_events(schedule))
    back = events["b#1"]
    without = [event for item, event in events.items() if item != "b#1"]
    second = revise(first.state, schedule, without, SECOND, 30)

    third = revise(second.state, schedule, list(events.values()), THIRD, 30)

    assert second.revisions[back.uid].sequence == 1
    assert (third.revisions[back.uid].sequence, third.revisions[back.uid].last_modified) == (
        2,
        THIRD,
    )
    assert not by_item(third.events)["b#1"].cancelled
    assert third.state.events[back.uid].cancelled_on is None
    assert third.cancelled == 0


def three_runs(schedule: Schedule) -> Revisions:
    """A first run, one with a moved and a removed session, and a third a week after that."""
    first = first_run(schedule)
    events = by_item(calendar_events(schedule))
    events["a#1"] = moved(events["a#1"], 7)
    del events["b#1"]
    second = revise(first.state, on(schedule, MONDAY + 7 * DAY), list(events.values()), SECOND, 30)
    return revise(second.state, on(schedule, MONDAY + 14 * DAY), list(events.values()), THIRD, 30)


def test_state_round_trips_through_state_bytes_and_load_state(
    schedule: Schedule, tmp_path: Path
) -> None:
    """What state_bytes writes, load_state reads back equal: events, baseline and last run."""
    state = three_runs(schedule).state
    path = tmp_path / "small.state.json"

    path.write_bytes(state_bytes(state))

    assert load_state(path, tmp_path / "small.ics", "small") == state
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_state_from_ics_rebuilds_the_records_revise_made(
    schedule: Schedule, tmp_path: Path
) -> None:
    """From the calendar alone: each UID's SEQUENCE, content hash, times and removal day."""
    result = three_runs(schedule)
    ics = tmp_path / "small.ics"
    ics.write_bytes(ics_bytes(schedule, THIRD, result.revisions, result.events))

    rebuilt = state_from_ics(ics, "small")

    assert rebuilt is not None
    assert rebuilt.events == result.state.events
    assert [r.cancelled_on for r in rebuilt.events.values() if r.cancelled_on] == [
        (MONDAY + 7 * DAY).isoformat()
    ]
    # The order of a task's sessions is the file's; the scheduler sorts them.
    assert {k: sorted(v) for k, v in session_history(rebuilt).items()} == {
        k: sorted(v) for k, v in session_history(result.state).items()
    }


def test_no_state_file_and_no_calendar_is_no_state(tmp_path: Path) -> None:
    """A first run has nothing to compare with."""
    assert load_state(tmp_path / "x.state.json", tmp_path / "x.ics", "x") is None


# --- a crash in the middle of a write ------------------------------------------------------------

CRASH_PLAN = """\
plan: small
title: Small
defaults:
  timezone: Europe/Berlin
  hours_per_week: 10
  windows: {mon-fri: "19:00-21:00"}
  start: 2027-01-04
phases:
  - id: only
    name: Only phase
    tasks:
      - {id: a, name: Task A, hours: 6}
      - {id: b, name: Task B, hours: 4}
"""


@pytest.mark.parametrize("failing", ["small.ics", "small.state.json"])
def test_crash_while_writing_leaves_the_previous_file_and_no_temporary_file(
    write_plan: WritePlan,
    run_cli: Run,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    """The rename of one output fails: exit non-zero naming it, its old bytes stay, no .tmp left."""
    plan = write_plan(CRASH_PLAN)
    out = plan.parent / "out"
    first = run_cli("schedule", plan, "--today", "2027-01-04", "-o", out)
    assert first.exit_code == 0, first.output
    logged = run_cli("log", plan, "a", "1h", "--on", "2027-01-05", "--today", "2027-01-05")
    assert logged.exit_code == 0, logged.output
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    real_replace = os.replace

    def crash(source: str | Path, target: str | Path) -> None:
        if Path(target).name == failing:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr("plan2cal.files.os.replace", crash)
    result = run_cli("schedule", plan, "--today", "2027-01-11", "-o", out)
    monkeypatch.setattr("plan2cal.files.os.replace", real_replace)

    assert result.exit_code != 0
    assert result.stderr.startswith("Error: "), result.stderr
    assert str(out / failing) in result.stderr
    assert "Traceback" not in result.output
    # Nothing new but the lock file that the first run left for later runs.
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".lock") == sorted(before)
    assert (out / failing).read_bytes() == before[failing]
    if failing == "small.ics":
        assert (out / "small.state.json").read_bytes() == before["small.state.json"]
    # The next run, with nothing in the way, succeeds from what was left.
    again = run_cli("schedule", plan, "--today", "2027-01-11", "-o", out)
    assert again.exit_code == 0, again.output
