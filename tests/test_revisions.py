"""The state rebuilt from a calendar when the state file is lost: links, other events, the
baseline (specs/icalendar-clients.md §0.3–0.4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from plan2cal.errors import ProgressError
from plan2cal.export.events import calendar_events
from plan2cal.export.ics import ics_bytes
from plan2cal.export.revisions import (
    Revisions,
    State,
    load_state,
    revise,
    state_bytes,
    state_from_ics,
)
from plan2cal.model import Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule

UTC = dt.UTC
MONDAY = dt.date(2027, 1, 4)
FIRST = dt.datetime(2027, 1, 4, 8, tzinfo=UTC)
SECOND = dt.datetime(2027, 1, 11, 8, tzinfo=UTC)
THIRD = dt.datetime(2027, 1, 18, 8, tzinfo=UTC)
LINK = "https://example.org/course?id=7&lang=en"


def plan_of(plan_id: str = "linked", *, phases: int = 2) -> Plan:
    """Two phases on weekday evenings; task a has a link, the others none."""
    tasks = [
        [
            {"id": "a", "name": "Task A", "hours": 4, "link": LINK},
            {"id": "b", "name": "Task B", "hours": 2},
        ],
        [{"id": "c", "name": "Task C", "hours": 3}],
    ]
    return Plan.model_validate(
        {
            "plan": plan_id,
            "title": "Linked",
            "defaults": {
                "timezone": "Europe/Berlin",
                "hours_per_week": 10,
                "windows": {"mon-fri": "19:00-21:00"},
            },
            "phases": [
                {"id": f"p{i + 1}", "name": f"Phase {i + 1}", "tasks": tasks[i]}
                for i in range(phases)
            ],
        }
    )


def schedule_of(plan: Plan, start: dt.date = MONDAY, hours: float | None = None) -> Schedule:
    """The plan scheduled from ``start`` (a Monday), at the plan's budget or ``hours``."""
    return build_schedule(plan, availability_for(plan, hours_per_week=hours), start)


def export(schedule: Schedule, previous: State | None, now: dt.datetime, path: Path) -> Revisions:
    """Revise the schedule's events against ``previous`` and write the .ics as a run does."""
    result = revise(previous, schedule, calendar_events(schedule), now, 30)
    path.write_bytes(ics_bytes(schedule, now, result.revisions, result.events))
    return result


def vevents(ics: bytes) -> bytes:
    """The VEVENT blocks of a calendar, as they are in the file."""
    body = ics.split(b"BEGIN:VEVENT", 1)[1].rsplit(b"END:VEVENT", 1)[0]
    return b"BEGIN:VEVENT" + body + b"END:VEVENT\r\n"


def with_events(ics: bytes, extra: bytes) -> bytes:
    """The calendar with ``extra`` VEVENT lines added before its end."""
    head, _, tail = ics.rpartition(b"END:VCALENDAR")
    return head + extra + b"END:VCALENDAR" + tail


# An appointment the user added to the same calendar file: no X-PLAN2CAL-* properties.
DENTIST = (
    b"BEGIN:VEVENT\r\n"
    b"SUMMARY:Dentist\r\n"
    b"DTSTART:20270105T180000Z\r\n"
    b"DTEND:20270105T190000Z\r\n"
    b"DTSTAMP:20270101T000000Z\r\n"
    b"UID:dentist-1@example.org\r\n"
    b"URL:https://example.org/dentist\r\n"
    b"END:VEVENT\r\n"
)


def test_a_rebuilt_state_keeps_each_events_link_so_a_rerun_changes_nothing(
    tmp_path: Path,
) -> None:
    """Sessions of a task with a link keep its URL in the content hash: no new SEQUENCE."""
    schedule = schedule_of(plan_of())
    ics = tmp_path / "linked.ics"
    first = export(schedule, None, FIRST, ics)
    linked = [e for e in first.events if e.url == LINK]
    assert [e.item for e in linked] == ["a#1", "a#2"]

    rebuilt = state_from_ics(ics, "linked")
    again = revise(rebuilt, schedule, calendar_events(schedule), SECOND, 30)

    assert rebuilt is not None and rebuilt.events == first.state.events
    assert (again.added, again.changed, again.cancelled) == (0, 0, 0)
    assert again.revisions == first.revisions


def test_a_rebuild_ignores_events_plan2cal_did_not_write_and_those_of_other_plans(
    tmp_path: Path,
) -> None:
    """A dentist appointment and another plan's events in the file add no record or milestone."""
    ours = schedule_of(plan_of())
    ics = tmp_path / "linked.ics"
    first = export(ours, None, FIRST, ics)
    # The other plan has the same items (a#1, phase:p1, …) but its own UIDs and namespace.
    other = schedule_of(plan_of("other"), MONDAY + dt.timedelta(weeks=3))
    other_ics = tmp_path / "other.ics"
    export(other, None, FIRST, other_ics)
    ics.write_bytes(with_events(ics.read_bytes(), vevents(other_ics.read_bytes()) + DENTIST))

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None
    assert rebuilt.events == first.state.events
    assert rebuilt.last_run is not None and rebuilt.baseline is not None
    ends = {phase.key: phase.end.isoformat() for phase in ours.phases}
    assert rebuilt.last_run.milestones == ends
    assert rebuilt.baseline.milestones == ends
    assert rebuilt.last_run.end == ours.end.isoformat()


def test_a_calendar_holding_none_of_the_plans_events_rebuilds_no_state(tmp_path: Path) -> None:
    """Another plan's calendar, or only the user's own events, is no state for this plan."""
    ics = tmp_path / "other.ics"
    export(schedule_of(plan_of("other")), None, FIRST, ics)
    only_dentist = tmp_path / "dentist.ics"
    only_dentist.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n" + DENTIST + b"END:VCALENDAR\r\n"
    )

    assert state_from_ics(ics, "linked") is None
    assert state_from_ics(only_dentist, "linked") is None


def test_a_rebuilt_state_keeps_the_baseline_milestones_apart_from_the_last_runs(
    tmp_path: Path,
) -> None:
    """After a slip, the rebuilt baseline is the first run's dates and the last run the new ones."""
    plan = plan_of()
    ics = tmp_path / "linked.ics"
    planned = schedule_of(plan)
    first = export(planned, None, FIRST, ics)
    # Half the budget a week later: both milestones move, the baseline stays.
    slipped = schedule_of(plan, MONDAY + dt.timedelta(weeks=1), hours=5)
    second = export(slipped, first.state, SECOND, ics)
    before = {p.key: p.end.isoformat() for p in planned.phases}
    after = {p.key: p.end.isoformat() for p in slipped.phases}
    assert all(after[key] > before[key] for key in before)

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None and rebuilt.baseline is not None and rebuilt.last_run is not None
    assert rebuilt.baseline.milestones == before == second.state.baseline.milestones
    assert rebuilt.baseline.end == planned.end.isoformat()
    assert rebuilt.last_run.milestones == after
    assert rebuilt.last_run.end == slipped.end.isoformat()
    # The next run marks the milestones with the same baseline as a run with the state file.
    third = revise(rebuilt, slipped, calendar_events(slipped), THIRD, 30)
    marks = {e.item: e.baseline for e in third.events if e.item.startswith("phase:")}
    assert marks == {f"phase:{key}": dt.date.fromisoformat(day) for key, day in before.items()}


def test_a_calendar_without_baseline_marks_takes_its_milestones_as_the_baseline(
    tmp_path: Path,
) -> None:
    """An older calendar with no X-PLAN2CAL-BASELINE lines: the baseline is its own dates."""
    schedule = schedule_of(plan_of())
    ics = tmp_path / "linked.ics"
    export(schedule, None, FIRST, ics)
    lines = ics.read_bytes().split(b"\r\n")
    assert any(line.startswith(b"X-PLAN2CAL-BASELINE:") for line in lines)
    ics.write_bytes(
        b"\r\n".join(line for line in lines if not line.startswith(b"X-PLAN2CAL-BASELINE:"))
    )

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None and rebuilt.baseline is not None
    ends = {phase.key: phase.end.isoformat() for phase in schedule.phases}
    assert rebuilt.baseline.milestones == ends
    assert rebuilt.baseline == rebuilt.last_run


def test_a_phase_removed_from_the_plan_is_no_milestone_of_the_rebuilt_state(
    tmp_path: Path,
) -> None:
    """The cancelled milestone of a dropped phase stays a record, not a milestone date."""
    ics = tmp_path / "linked.ics"
    first = export(schedule_of(plan_of()), None, FIRST, ics)
    shorter = schedule_of(plan_of(phases=1))
    second = export(shorter, first.state, SECOND, ics)

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None and rebuilt.last_run is not None
    assert rebuilt.events == second.state.events
    assert rebuilt.last_run.milestones == {"p1": shorter.phases[0].end.isoformat()}
    dropped = [r for r in rebuilt.events.values() if r.item == "phase:p2"]
    assert [r.cancelled_on for r in dropped] == [MONDAY.isoformat()]


def test_events_written_without_a_revision_take_their_dtstamp_as_last_modified(
    tmp_path: Path,
) -> None:
    """With no LAST-MODIFIED line, the rebuilt record is stamped with the event's DTSTAMP."""
    schedule = schedule_of(plan_of())
    ics = tmp_path / "linked.ics"
    ics.write_bytes(ics_bytes(schedule, FIRST))
    assert b"LAST-MODIFIED" not in ics.read_bytes()

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None
    assert {r.last_modified for r in rebuilt.events.values()} == {"2027-01-04T08:00:00Z"}
    assert {r.sequence for r in rebuilt.events.values()} == {0}


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda ics: ics[: len(ics) // 2], r"cannot rebuild the state from this calendar"),
        (
            lambda ics: ics.replace(b"SEQUENCE:0", b"SEQUENCE:zero", 1),
            r"cannot rebuild the state from event \S+@plan2cal",
        ),
    ],
    ids=["cut-in-half", "bad-sequence"],
)
def test_a_calendar_that_cannot_be_read_is_a_damaged_state_naming_the_file(
    tmp_path: Path, damage: object, message: str
) -> None:
    """A calendar cut short, or an event with a bad SEQUENCE, stops with exit code 5."""
    ics = tmp_path / "linked.ics"
    export(schedule_of(plan_of()), None, FIRST, ics)
    assert callable(damage)
    ics.write_bytes(damage(ics.read_bytes()))

    with pytest.raises(ProgressError, match=message) as raised:
        state_from_ics(ics, "linked")
    assert str(raised.value).startswith(f"{ics}: cannot rebuild the state from ")
    assert str(raised.value).endswith(" away to start afresh")
    assert raised.value.exit_code == 5


def test_a_rebuilt_record_is_the_one_revise_wrote_field_by_field(tmp_path: Path) -> None:
    """Summary, times in UTC, content, SEQUENCE and LAST-MODIFIED of a changed session."""
    schedule = schedule_of(plan_of())
    ics = tmp_path / "linked.ics"
    first = export(schedule, None, FIRST, ics)
    shifted = [
        dataclasses.replace(
            e, start=e.start + dt.timedelta(days=1), end=e.end + dt.timedelta(days=1)
        )
        if e.item == "a#1"
        else e
        for e in calendar_events(schedule)
    ]
    second = revise(first.state, schedule, shifted, SECOND, 30)
    ics.write_bytes(ics_bytes(schedule, SECOND, second.revisions, second.events))

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None
    uid = next(e.uid for e in shifted if e.item == "a#1")
    record = rebuilt.events[uid]
    assert record == second.state.events[uid]
    assert (record.sequence, record.last_modified) == (1, "2027-01-11T08:00:00Z")
    assert record.start.endswith("Z") and record.summary == "Task A (1/2)"


def test_a_tombstone_says_it_was_removed_by_a_reschedule(tmp_path: Path) -> None:
    """The cancelled copy of a dropped session keeps its title after "Cancelled: " and says why."""
    first = export(schedule_of(plan_of()), None, FIRST, tmp_path / "linked.ics")
    second = export(schedule_of(plan_of(phases=1)), first.state, SECOND, tmp_path / "linked.ics")

    tombstone = next(e for e in second.events if e.item == "c#1")

    assert tombstone.cancelled
    assert tombstone.summary == "Cancelled: Task C (1/2)"
    assert tombstone.description == "Removed from the plan by a reschedule."


def test_events_without_a_sequence_line_are_rebuilt_at_sequence_0(tmp_path: Path) -> None:
    """A calendar another tool rewrote without SEQUENCE still rebuilds: every event at 0."""
    ics = tmp_path / "linked.ics"
    first = export(schedule_of(plan_of()), None, FIRST, ics)
    lines = ics.read_bytes().split(b"\r\n")
    ics.write_bytes(b"\r\n".join(line for line in lines if not line.startswith(b"SEQUENCE:")))

    rebuilt = state_from_ics(ics, "linked")

    assert rebuilt is not None and rebuilt.events.keys() == first.state.events.keys()
    assert {record.sequence for record in rebuilt.events.values()} == {0}


def _damaged(state: dict[str, Any], kind: str) -> str:
    """The state file's JSON with one thing wrong, as a hand edit might leave it."""
    record = next(iter(state["events"].values()))
    if kind == "not-json":
        return json.dumps(state)[:-3]
    if kind == "a-list":
        return json.dumps([state])
    if kind == "version":
        state["version"] = 2
    elif kind == "summary":
        record["summary"] = 5
    elif kind == "sequence":
        record["sequence"] = 2**31
    elif kind == "cancelled-on":
        record["cancelled_on"] = "someday"
    elif kind == "milestones":
        state["baseline"]["milestones"] = ["p1"]
    elif kind == "planned":
        state["baseline"]["planned"] = {"2027-01-04": 1.5}
    return json.dumps(state)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("not-json", "(line 1: Expecting ',' delimiter)"),
        ("a-list", "(TypeError: the file must hold one JSON object)"),
        ("version", "(ValueError: version 2, expected 1)"),
        ("summary", ".summary must be text)"),
        ("sequence", ".sequence must be a whole number below 2^31)"),
        ("cancelled-on", "(ValueError: Invalid isoformat string: 'someday')"),
        ("milestones", "(TypeError: baseline: milestones and planned must be mappings)"),
        ("planned", "(TypeError: baseline: planned must map days to whole minutes, not negative)"),
    ],
)
def test_a_damaged_state_file_stops_with_what_is_wrong_and_how_to_start_afresh(
    tmp_path: Path, kind: str, problem: str
) -> None:
    """Exit code 5; the message names the file and the problem, and says the .ics rebuilds it."""
    first = revise(None, schedule_of(plan_of()), calendar_events(schedule_of(plan_of())), FIRST, 30)
    path = tmp_path / "linked.state.json"
    path.write_text(_damaged(json.loads(state_bytes(first.state)), kind), encoding="utf-8")
    ics = tmp_path / "linked.ics"

    with pytest.raises(ProgressError) as raised:
        load_state(path, ics, "linked")

    message = str(raised.value)
    assert raised.value.exit_code == 5
    assert message.startswith(f"{path}: the state file is damaged (")
    assert f"{problem}. It was left as it is: repair it, or move it away and plan2cal " in message
    assert message.endswith(f"rebuilds it from {ics}")
