"""The rerun after a slip, end to end through the command line (DESIGN §4 rule 5).

One scenario throughout: four sequential phases of 94, 56, 85 and 26 hours at 10 h a week on
weekday evenings in Berlin from Monday 2026-12-07. By 2027-02-15 the first phase's four tasks
have 45, 6, 0 and 2 of their 60, 20, 8 and 6 hours done. What was done stays where it happened,
everything left moves to the future, the milestones move and the terminal says so, and the
calendar moves its events in place (specs/icalendar-clients.md §0.3–0.4).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from plan2cal.load import load_plan
from plan2cal.report import difference_text
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule
from readers import ical_calendar, vobject_calendar

Run = Callable[..., Result]
WritePlan = Callable[..., Path]

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
START = dt.date(2026, 12, 7)
TODAY = dt.date(2027, 2, 15)
# The DTSTAMP of each run, through SOURCE_DATE_EPOCH: the morning of its --today.
FIRST_STAMP = dt.datetime(2026, 12, 7, 8, tzinfo=UTC)
RERUN_STAMP = dt.datetime(2027, 2, 15, 8, tzinfo=UTC)

PLAN = """\
plan: career
title: Career change
defaults:
  timezone: Europe/Berlin
  hours_per_week: 10
  windows: {mon-fri: "19:00-21:00"}
  start: 2026-12-07
phases:
  - id: foundation
    name: Foundation
    tasks:
      - {id: certificate, name: PM certificate, hours: 60}
      - {id: shadowing, name: Shadow project managers, hours: 20}
      - {id: reading, name: Reading list, hours: 8}
      - {id: network, name: Networking, hours: 6}
  - id: skills
    name: Skills
    tasks:
      - {id: ml-course, name: ML course, hours: 30}
      - {id: agile, name: Agile practice, hours: 16}
      - {id: tools, name: Tools, hours: 10}
  - id: practice
    name: Practice
    tasks:
      - {id: side-project, name: Side project, hours: 40}
      - {id: portfolio, name: Portfolio, hours: 25}
      - {id: mentoring, name: Mentoring, hours: 20}
  - id: search
    name: Job search
    tasks:
      - {id: applications, name: Applications, hours: 16}
      - {id: interviews, name: Interviews, hours: 10}
"""
PHASE_NAMES = {
    "foundation": "Foundation",
    "skills": "Skills",
    "practice": "Practice",
    "search": "Job search",
}
PHASE_ONE = ("certificate", "shadowing", "reading", "network")
PHASE_TWO = ("ml-course", "agile", "tools")
# What got done before 2027-02-15: (task, day, duration); reading has nothing.
LOGS = (
    ("certificate", "2026-12-20", "20h"),
    ("certificate", "2027-01-24", "25h"),
    ("shadowing", "2027-02-01", "6h"),
    ("network", "2027-02-12", "2h"),
)
SPENT_HOURS = {"certificate": 45, "shadowing": 6, "network": 2}
REMAINING_PHASE_ONE = {"certificate": 15, "shadowing": 14, "reading": 8, "network": 4}
REMAINING_HOURS = 41 + 56 + 85 + 26  # 208


def _epoch(moment: dt.datetime) -> str:
    return str(int(moment.timestamp()))


def _local_day(moment: dt.datetime | dt.date) -> dt.date:
    assert isinstance(moment, dt.datetime), moment
    return moment.astimezone(BERLIN).date()


def _hours(minutes: int) -> float:
    return minutes / 60


@dataclass(frozen=True)
class Seen:
    """One VEVENT as an independent reader saw it; times aware in UTC, all-day times dates."""

    uid: str
    item: str
    summary: str
    description: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    status: str
    transp: str
    sequence: int
    dtstamp: dt.datetime
    last_modified: dt.datetime | None
    removed: str | None

    @property
    def task(self) -> str | None:
        """The task id of a work session, None for a milestone."""
        task, mark, _ = self.item.partition("#")
        return task if mark else None

    @property
    def live(self) -> bool:
        """True unless the event is a cancelled tombstone."""
        return self.status != "CANCELLED"

    @property
    def done(self) -> bool:
        """True for a session shown as it happened."""
        return self.summary.startswith("Done: ")

    @property
    def content(self) -> tuple[object, ...]:
        """What a calendar shows: a change to any of it is a new revision."""
        return (self.summary, self.description, self.start, self.end, self.status, self.transp)


def _utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None, f"floating time {value}"
        return value.astimezone(UTC)
    return value


def _read_vobject(data: bytes) -> list[Seen]:
    events = []
    for event in vobject_calendar(data).contents.get("vevent", []):
        contents = event.contents

        def value(name: str, contents: dict[str, Any] = contents) -> Any:
            return contents[name][0].value if name in contents else None

        events.append(
            Seen(
                uid=value("uid"),
                item=value("x-plan2cal-item"),
                summary=value("summary"),
                description=value("description"),
                start=_utc(value("dtstart")),
                end=_utc(value("dtend")),
                status=value("status"),
                transp=value("transp"),
                sequence=int(value("sequence")),
                dtstamp=_utc(value("dtstamp")),
                last_modified=_utc(value("last-modified")),
                removed=value("x-plan2cal-removed"),
            )
        )
    return events


def _enum_text(value: Any) -> str:
    """An `ical` enum member or plain string as its iCalendar text."""
    return "" if value is None else str(getattr(value, "value", value))


def _read_ical(data: bytes) -> list[Seen]:
    events = []
    for event in ical_calendar(data).events:
        extras = {extra.name.lower(): extra.value for extra in event.extras}
        events.append(
            Seen(
                uid=event.uid,
                item=extras["x-plan2cal-item"],
                summary=event.summary or "",
                description=event.description or "",
                start=_utc(event.dtstart),
                end=_utc(event.dtend),
                status=_enum_text(event.status),
                transp=_enum_text(event.transparency),
                sequence=event.sequence or 0,
                dtstamp=_utc(event.dtstamp),
                last_modified=_utc(event.last_modified),
                removed=extras.get("x-plan2cal-removed"),
            )
        )
    return events


READERS = {"vobject": _read_vobject, "ical": _read_ical}


def read_events(data: bytes, reader: str = "vobject") -> dict[str, Seen]:
    """The events of an .ics keyed by their X-PLAN2CAL-ITEM (``task#k``, ``phase:x``)."""
    events = READERS[reader](data)
    by_item = {event.item: event for event in events}
    assert len(by_item) == len(events), "two events share an item"
    return by_item


def live_sessions(events: dict[str, Seen]) -> list[Seen]:
    """The work sessions ahead: not tombstones, not the past shown as done, in time order."""
    return sorted(
        (e for e in events.values() if e.task and e.live and not e.done),
        key=lambda e: (e.start, e.item),
    )


def done_sessions(events: dict[str, Seen]) -> list[Seen]:
    """The past shown as done (``Done: …``), not tombstones, in time order."""
    return sorted(
        (e for e in events.values() if e.task and e.live and e.done),
        key=lambda e: (e.start, e.item),
    )


def minutes_of(event: Seen) -> int:
    """Length of a timed event in minutes."""
    assert isinstance(event.start, dt.datetime) and isinstance(event.end, dt.datetime)
    return int((event.end - event.start).total_seconds()) // 60


def milestone_dates(events: dict[str, Seen]) -> dict[str, dt.date]:
    """Phase id → the date of its milestone event."""
    dates = {}
    for event in events.values():
        if event.item.startswith("phase:") and event.live:
            assert isinstance(event.start, dt.date)
            dates[event.item.removeprefix("phase:")] = event.start
    return dates


def library_schedule(plan_path: Path, today: dt.date, done: dict[str, dt.date]) -> Schedule:
    """The scenario's schedule built by the library with the hours this file logs."""
    plan = load_plan(plan_path)
    logged: dict[str, list[tuple[dt.date, int]]] = {}
    for task, day, duration in LOGS:
        logged.setdefault(task, []).append((dt.date.fromisoformat(day), int(duration[:-1]) * 60))
    assert {task: sum(m for _, m in days) for task, days in logged.items()} == {
        task: hours * 60 for task, hours in SPENT_HOURS.items()
    }
    actuals = Actuals(today=today, done=done, logged=logged)
    return build_schedule(plan, availability_for(plan), START, actuals=actuals)


@dataclass(frozen=True)
class Scenario:
    """The plan, its output folder, the first run's calendar and the rerun's result."""

    plan: Path
    out: Path
    first_ics: bytes
    first: Result
    rerun: Result

    @property
    def ics(self) -> Path:
        """The calendar both runs write."""
        return self.out / "career.ics"

    @property
    def state(self) -> Path:
        """The state file beside it."""
        return self.out / "career.state.json"


def schedule_ok(run_cli: Run, plan: Path, today: dt.date | str, *options: str) -> Result:
    """Run ``schedule`` into the plan's ``out`` folder and check it succeeded."""
    result = run_cli("schedule", plan, "--today", str(today), "-o", plan.parent / "out", *options)
    assert result.exit_code == 0, result.output
    return result


def first_run(write_plan: WritePlan, run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the plan and run the first schedule on its start day; returns the plan's path."""
    plan = write_plan(PLAN)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(FIRST_STAMP))
    schedule_ok(run_cli, plan, START)
    return plan


@pytest.fixture
def scenario(write_plan: WritePlan, run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """First run on 2026-12-07, the logs of what got done, then the rerun on 2027-02-15."""
    plan = write_plan(PLAN)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(FIRST_STAMP))
    first = schedule_ok(run_cli, plan, START)
    out = plan.parent / "out"
    first_ics = (out / "career.ics").read_bytes()
    for task, day, duration in LOGS:
        logged = run_cli("log", plan, task, duration, "--on", day, "--today", TODAY)
        assert logged.exit_code == 0, logged.output
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(RERUN_STAMP))
    rerun = schedule_ok(run_cli, plan, TODAY)
    return Scenario(plan, out, first_ics, first, rerun)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        # Lock files stay beside the files they guard; they hold nothing.
        if path.is_file() and path.suffix != ".lock"
    }


# --- the rescheduled work ------------------------------------------------------------------------


def test_rerun_writes_the_schedule_the_library_builds_from_the_same_progress(
    scenario: Scenario,
) -> None:
    """The .ics sessions are exactly those build_schedule places with the logged hours."""
    schedule = library_schedule(scenario.plan, TODAY, {})

    events = read_events(scenario.ics.read_bytes())
    written = {(e.task, e.start, e.end) for e in [*live_sessions(events), *done_sessions(events)]}

    assert written == {(s.task, s.start, s.end) for s in schedule.sessions}
    assert len(written) == len(schedule.sessions)


def test_rerun_places_exactly_the_41_hours_left_of_phase_one_from_today(
    scenario: Scenario,
) -> None:
    """Phase one keeps 15 + 14 + 8 + 4 hours, all on or after 2027-02-15; the past holds only
    what was logged."""
    schedule = library_schedule(scenario.plan, TODAY, {})
    per_task: dict[str, int] = {}
    for session in schedule.sessions:
        if session.done:
            assert session.logged and _local_day(session.start) < TODAY, session
            continue
        assert _local_day(session.start) >= TODAY, session
        per_task[session.task] = per_task.get(session.task, 0) + session.minutes

    assert {task: _hours(per_task[task]) for task in PHASE_ONE} == REMAINING_PHASE_ONE
    assert sum(per_task[task] for task in PHASE_ONE) == 41 * 60
    remaining = {task.key: task.remaining for task in schedule.tasks if task.key in PHASE_ONE}
    assert {key: _hours(minutes) for key, minutes in remaining.items()} == REMAINING_PHASE_ONE


def test_rerun_shows_the_logged_past_as_done_and_no_planned_past_session(
    scenario: Scenario,
) -> None:
    """The one log that fits its evening (network, 2 h on Friday 12 February) is a done session
    there; logs bigger than their day's window are all-day notes; nothing else lies before today."""
    events = read_events(scenario.ics.read_bytes())
    past = done_sessions(events)
    assert [(e.task, e.start, e.end) for e in past] == [
        (
            "network",
            dt.datetime(2027, 2, 12, 18, tzinfo=UTC),
            dt.datetime(2027, 2, 12, 20, tzinfo=UTC),
        )
    ]
    notes = sorted(
        (e.start, e.summary) for e in events.values() if e.item.startswith("logged:") and e.live
    )
    assert notes == [
        (dt.date(2026, 12, 20), "Logged: PM certificate 20h"),
        (dt.date(2027, 1, 24), "Logged: PM certificate 25h"),
        (dt.date(2027, 2, 1), "Logged: Shadow project managers 6h"),
    ]
    assert all(_local_day(e.start) >= TODAY for e in live_sessions(events))


def test_rerun_finishes_phase_one_before_any_phase_two_session(scenario: Scenario) -> None:
    """Phase two still waits for the whole of phase one's remaining work."""
    sessions = live_sessions(read_events(scenario.ics.read_bytes()))
    phase_one = [e for e in sessions if e.task in PHASE_ONE]
    phase_two = [e for e in sessions if e.task in PHASE_TWO]

    assert phase_one and phase_two
    assert max(e.end for e in phase_one) <= min(e.start for e in phase_two)


def test_rerun_places_all_208_remaining_hours_on_or_after_today(scenario: Scenario) -> None:
    """No session starts before today (Berlin time) and their hours add up to what is left."""
    sessions = live_sessions(read_events(scenario.ics.read_bytes()))

    assert all(isinstance(e.start, dt.datetime) and _local_day(e.start) >= TODAY for e in sessions)
    assert sum(minutes_of(e) for e in sessions) == REMAINING_HOURS * 60
    schedule = library_schedule(scenario.plan, TODAY, {})
    assert sum(task.remaining for task in schedule.tasks) == REMAINING_HOURS * 60


def test_rerun_says_how_far_each_milestone_moved_and_when_the_plan_now_ends(
    scenario: Scenario,
) -> None:
    """Each phase milestone moved later, by the days the terminal's 'Moved' line gives for it."""
    before = milestone_dates(read_events(scenario.first_ics))
    schedule = library_schedule(scenario.plan, TODAY, {})
    after = {phase.key: phase.end for phase in schedule.phases}
    assert milestone_dates(read_events(scenario.ics.read_bytes())) == after
    output = scenario.rerun.stdout

    rows = slip_rows(output)
    for key, name in PHASE_NAMES.items():
        slip = (after[key] - before[key]).days
        assert slip > 0, (key, before[key], after[key])
        assert rows[name][1:3] == [after[key].isoformat(), before[key].isoformat()], rows[name]
        assert re.match(rf"\+{slip} d\b", rows[name][3]), rows[name]
    ends = [line for line in output.splitlines() if line.startswith("The plan ends on")]
    assert ends == [
        f"The plan ends on {schedule.end.isoformat()} (last run {max(before.values())}, "
        f"{difference_text((schedule.end - max(before.values())).days)}; baseline "
        f"{max(before.values())}, {difference_text((schedule.end - max(before.values())).days)})."
    ], output


@pytest.mark.parametrize("reader", READERS)
def test_rerun_moves_events_in_place_with_a_higher_sequence(
    scenario: Scenario, reader: str
) -> None:
    """Same UIDs; a changed event gets SEQUENCE 1 and LAST-MODIFIED = the new DTSTAMP."""
    before = read_events(scenario.first_ics, reader)
    after = read_events(scenario.ics.read_bytes(), reader)
    retimed = 0

    for item, event in after.items():
        old = before.get(item)
        if old is None:
            assert (event.sequence, event.last_modified) == (0, RERUN_STAMP), event
            assert event.dtstamp == RERUN_STAMP, event
            continue
        assert event.uid == old.uid, item
        if event.content == old.content:
            # Unchanged: the same SEQUENCE, and DTSTAMP and LAST-MODIFIED of the first run.
            assert (event.sequence, event.last_modified) == (0, FIRST_STAMP), event
            assert event.dtstamp == FIRST_STAMP, event
        else:
            assert (event.sequence, event.last_modified) == (1, RERUN_STAMP), event
            assert event.dtstamp == RERUN_STAMP, event
        if event.live and event.task and event.start != old.start:
            retimed += 1
    # Every first-phase session that survives now lies after today, so all of those moved.
    assert retimed >= sum(1 for e in after.values() if e.task in PHASE_ONE and e.live) > 0


@pytest.mark.parametrize("reader", READERS)
def test_rerun_cancels_the_sessions_that_no_longer_exist(scenario: Scenario, reader: str) -> None:
    """Every vanished event comes back as a STATUS:CANCELLED tombstone at its old time."""
    before = read_events(scenario.first_ics, reader)
    after = read_events(scenario.ics.read_bytes(), reader)
    live = {item for item, event in after.items() if event.live}
    cancelled = {item for item, event in after.items() if not event.live}

    assert cancelled == set(before) - live
    for item in cancelled:
        tombstone, old = after[item], before[item]
        assert tombstone.uid == old.uid
        assert (tombstone.start, tombstone.end) == (old.start, old.end)
        assert tombstone.summary == f"Cancelled: {old.summary}"
        assert tombstone.transp == "TRANSPARENT"
        assert (tombstone.sequence, tombstone.last_modified) == (1, RERUN_STAMP)
        assert tombstone.removed == TODAY.isoformat()
    # The certificate had 30 two-hour sessions; its 15 hours left need fewer, so the ordinals
    # beyond the new count are exactly the ones cancelled.
    count = sum(1 for item in live if item.startswith("certificate#"))
    assert 0 < count < 30
    assert {f"certificate#{k}" for k in range(count + 1, 31)} == {
        item for item in cancelled if item.startswith("certificate#")
    }


def test_rerun_with_no_new_progress_changes_nothing(scenario: Scenario, run_cli: Run) -> None:
    """Same today, same progress: the .ics and the state file are the same bytes."""
    ics, state = scenario.ics.read_bytes(), scenario.state.read_bytes()

    again = schedule_ok(run_cli, scenario.plan, TODAY)

    assert scenario.ics.read_bytes() == ics
    assert scenario.state.read_bytes() == state
    assert ": nothing changed;" in again.stdout


def finish_certificate(scenario: Scenario, run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> Result:
    """Mark the certificate done on Friday 2027-02-19 and rerun on Monday 2027-02-22."""
    recorded = run_cli(
        "done", scenario.plan, "certificate", "--on", "2027-02-19", "--today", "2027-02-22"
    )
    assert recorded.exit_code == 0, recorded.output
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(dt.datetime(2027, 2, 22, 8, tzinfo=UTC)))
    return schedule_ok(run_cli, scenario.plan, "2027-02-22")


def test_done_task_with_logs_shows_what_was_logged_not_what_was_planned(
    scenario: Scenario, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Done on 19 February with 45 h logged: the certificate's past is its two logged days (all-day
    notes, as no evening holds them), not the sessions the last run planned for 15–19 February;
    none follow."""
    shown = read_events(scenario.ics.read_bytes())
    planned = [e for e in live_sessions(shown) if e.task == "certificate"]
    assert any(_local_day(e.start) <= dt.date(2027, 2, 19) for e in planned)

    finish_certificate(scenario, run_cli, monkeypatch)

    after = read_events(scenario.ics.read_bytes())
    assert not [e for e in live_sessions(after) if e.task == "certificate"]
    assert not [e for e in done_sessions(after) if e.task == "certificate"]
    notes = sorted(
        e.start for e in after.values() if e.item.startswith("logged:certificate:") and e.live
    )
    assert notes == [dt.date(2026, 12, 20), dt.date(2027, 1, 24)]
    # The planned sessions that did not happen are cancelled, never shown as done.
    for event in planned:
        assert after[event.item].status == "CANCELLED" or not after[event.item].done


def test_done_task_frees_its_remaining_hours(
    scenario: Scenario, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the other tasks' 193 hours are placed from the new today, and the end is no later."""
    end_before = max(milestone_dates(read_events(scenario.ics.read_bytes())).values())

    finish_certificate(scenario, run_cli, monkeypatch)

    after = read_events(scenario.ics.read_bytes())
    future = [e for e in live_sessions(after) if e.task != "certificate"]
    assert all(_local_day(e.start) >= dt.date(2027, 2, 22) for e in future)
    assert sum(minutes_of(e) for e in future) == (REMAINING_HOURS - 15) * 60
    assert max(milestone_dates(after).values()) <= end_before


def test_finished_phase_lets_the_later_phases_run_in_order(
    scenario: Scenario, run_cli: Run
) -> None:
    """With all of phase one done, phases two to four follow each other and hold all 167 h."""
    for task in PHASE_ONE:
        recorded = run_cli("done", scenario.plan, task, "--on", "2027-02-12", "--today", TODAY)
        assert recorded.exit_code == 0, recorded.output

    schedule_ok(run_cli, scenario.plan, TODAY)

    events = read_events(scenario.ics.read_bytes())
    sessions = live_sessions(events)
    assert all(minutes_of(e) > 0 for e in sessions), [e for e in sessions if not minutes_of(e)]
    assert sum(minutes_of(e) for e in sessions) == (56 + 85 + 26) * 60
    phase_of = {
        "ml-course": 2, "agile": 2, "tools": 2,
        "side-project": 3, "portfolio": 3, "mentoring": 3,
        "applications": 4, "interviews": 4,
    }  # fmt: skip
    for earlier, later in itertools.pairwise(sessions):
        assert phase_of[str(earlier.task)] <= phase_of[str(later.task)], (earlier.item, later.item)
    assert milestone_dates(events)["foundation"] == dt.date(2027, 2, 12)


def test_lost_state_file_is_rebuilt_from_the_calendar_with_identical_output(
    scenario: Scenario, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the state file the rerun reads SEQUENCE, tombstones and done work from the .ics."""
    finish_certificate(scenario, run_cli, monkeypatch)
    ics = scenario.ics.read_bytes()
    scenario.state.unlink()

    schedule_ok(run_cli, scenario.plan, "2027-02-22")

    assert scenario.ics.read_bytes() == ics
    assert scenario.state.exists()
    schedule_ok(run_cli, scenario.plan, "2027-02-22")
    assert scenario.ics.read_bytes() == ics


@pytest.mark.parametrize(
    ("options", "old_ones_kept"),
    [((), False), (("--tombstone-days", "30"), False), (("--tombstone-days", "1000"), True)],
    ids=["default", "30-days", "1000-days"],
)
def test_tombstones_are_dropped_after_tombstone_days(
    scenario: Scenario, run_cli: Run, options: tuple[str, ...], old_ones_kept: bool
) -> None:
    """33 days after 2027-02-15 its tombstones are gone at 30 days, and kept at 1000."""
    old = {
        item: event
        for item, event in read_events(scenario.ics.read_bytes()).items()
        if not event.live
    }
    assert old and all(e.removed == TODAY.isoformat() for e in old.values())
    later = dt.date(2027, 3, 20)

    schedule_ok(run_cli, scenario.plan, later, *options)

    after = read_events(scenario.ics.read_bytes())
    tombstones = {item: event for item, event in after.items() if not event.live}
    if old_ones_kept:
        for item, event in old.items():
            assert tombstones[item] == event, item  # untouched: same SEQUENCE, same stamps
    else:
        assert not set(old) & set(tombstones)
        for event in tombstones.values():
            assert event.removed is not None
            assert (later - dt.date.fromisoformat(event.removed)).days <= 30, event


# --- files that do not read ----------------------------------------------------------------------


def _damage(state: dict[str, Any], kind: str) -> str:
    """The state file's text damaged as a hand edit or a bad disk might."""
    first_uid = next(iter(state["events"]))
    if kind == "not-json":
        return json.dumps(state)[:200]
    if kind == "wrong-version":
        state["version"] = 99
    elif kind == "a-list":
        return json.dumps([state])
    elif kind == "events-a-list":
        state["events"] = list(state["events"].values())
    elif kind == "record-missing-fields":
        state["events"][first_uid] = {"item": state["events"][first_uid]["item"]}
    elif kind == "sequence-not-a-number":
        state["events"][first_uid]["sequence"] = "three"
    elif kind == "start-not-a-time":
        state["events"][first_uid]["start"] = "soon"
    elif kind == "milestones-a-list":
        state["baseline"]["milestones"] = list(state["baseline"]["milestones"])
    return json.dumps(state)


@pytest.mark.parametrize("command", ["schedule", "status"])
@pytest.mark.parametrize(
    "kind",
    [
        "not-json",
        "wrong-version",
        "a-list",
        "events-a-list",
        "record-missing-fields",
        "sequence-not-a-number",
        "start-not-a-time",
        "milestones-a-list",
    ],
)
def test_corrupt_state_file_exits_5_and_is_left_as_it_is(
    write_plan: WritePlan,
    run_cli: Run,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    command: str,
) -> None:
    """A state file that does not read stops the run with exit 5 naming it; nothing is written."""
    plan = first_run(write_plan, run_cli, monkeypatch)
    out = plan.parent / "out"
    state = out / "career.state.json"
    state.write_text(_damage(json.loads(state.read_text()), kind), encoding="utf-8")
    files = snapshot(plan.parent)

    result = run_cli(command, plan, "--today", TODAY, "-o", out)

    assert result.exit_code == 5, (result.exit_code, result.output)
    assert result.stderr.startswith(f"Error: {state}"), result.stderr
    assert "Traceback" not in result.output
    assert snapshot(plan.parent) == files


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("certificate:\n  log:\n    - {date: 2027-01-24, duraton: 45h}\n", 3),
        ("certificate:\n  log:\n    - {date: 2027-01-24, duration: 45h}\n  done: 2027-02-30\n", 4),
        ("certificate:\n  done: 2027-02-10\n  note: read: twice\n", 3),
    ],
    ids=["misspelt-field", "impossible-date", "yaml-syntax"],
)
def test_malformed_progress_file_exits_5_naming_its_line_and_writes_nothing(
    write_plan: WritePlan,
    run_cli: Run,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    line: int,
) -> None:
    """A progress file with a mistake stops the rerun with ``file:line`` and changes no file."""
    plan = first_run(write_plan, run_cli, monkeypatch)
    progress = plan.with_name("plan.progress.yaml")
    progress.write_text(text, encoding="utf-8")
    files = snapshot(plan.parent)

    result = run_cli("schedule", plan, "--today", TODAY, "-o", plan.parent / "out")

    assert result.exit_code == 5, result.output
    assert f"{progress}:{line}" in result.stderr, result.stderr
    assert result.stdout == ""
    assert snapshot(plan.parent) == files


def test_progress_for_a_task_the_plan_no_longer_has_is_reported_and_kept(
    write_plan: WritePlan, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing a task with logged hours: a note on stderr, the entry stays in the progress file."""
    plan = first_run(write_plan, run_cli, monkeypatch)
    logged = run_cli("log", plan, "network", "2h", "--on", "2027-02-12", "--today", TODAY)
    assert logged.exit_code == 0, logged.output
    progress = plan.with_name("plan.progress.yaml")
    kept = progress.read_bytes()
    write_plan(PLAN.replace("      - {id: network, name: Networking, hours: 6}\n", ""))

    result = schedule_ok(run_cli, plan, TODAY)

    assert "'network'" in result.stderr and "no longer has" in result.stderr, result.stderr
    assert progress.read_bytes() == kept
    events = read_events((plan.parent / "out" / "career.ics").read_bytes())
    assert not [e for e in live_sessions(events) if e.task == "network"]
    assert [e for e in events.values() if e.task == "network" and not e.live]


# --- status and baseline -------------------------------------------------------------------------


def slip_rows(output: str) -> dict[str, list[str]]:
    """The rows of the milestone table: phase name → its cells."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Milestone "))
    rows = {}
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells
    return rows


def test_status_shows_progress_per_phase_and_the_slip_and_writes_nothing(
    scenario: Scenario, run_cli: Run
) -> None:
    """Tasks and hours done per phase; milestones against the baseline and the last run."""
    files = snapshot(scenario.plan.parent)
    baseline = milestone_dates(read_events(scenario.first_ics))
    now = milestone_dates(read_events(scenario.ics.read_bytes()))

    result = run_cli("status", scenario.plan, "--today", TODAY, "-o", scenario.out)

    assert result.exit_code == 0, result.output
    progress = {
        line.split("  ")[0]: line for line in result.stdout.splitlines() if " tasks " in line
    }
    assert re.search(r"0/4 tasks\s+53h\s+94h\s+41h\s+-$", progress["Foundation"])
    assert re.search(r"0/3 tasks\s+0m\s+56h\s+56h\s+-$", progress["Skills"])
    logged = result.stdout.split("Time logged against the estimates:\n")[1].split("\n\n")[0]
    assert [" ".join(line.split()) for line in logged.splitlines()] == [
        "certificate 45h logged against 60h (75 %); not done, 15h left",
        "shadowing 6h logged against 20h (30 %); not done, 14h left",
        "network 2h logged against 6h (33 %); not done, 4h left",
    ]
    rows = slip_rows(result.stdout)
    for key, name in PHASE_NAMES.items():
        cells = rows[name]
        assert cells[1:4] == [now[key].isoformat(), now[key].isoformat(), "+0 d"], cells
        assert cells[4] == baseline[key].isoformat()
        assert cells[5].startswith(f"+{(now[key] - baseline[key]).days} d")
    assert snapshot(scenario.plan.parent) == files


def test_baseline_resets_the_slip_shown_by_status(scenario: Scenario, run_cli: Run) -> None:
    """After ``baseline`` every milestone is +0 d against the baseline."""
    reset = run_cli("baseline", scenario.plan, "--today", TODAY, "-o", scenario.out)
    assert reset.exit_code == 0, reset.output
    assert "Baseline set in" in reset.stdout

    result = run_cli("status", scenario.plan, "--today", TODAY, "-o", scenario.out)

    assert result.exit_code == 0, result.output
    now = milestone_dates(read_events(scenario.ics.read_bytes()))
    rows = slip_rows(result.stdout)
    for key, name in PHASE_NAMES.items():
        day = now[key].isoformat()
        assert rows[name][1:] == [day, day, "+0 d", day, "+0 d"]
