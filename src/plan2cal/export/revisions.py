"""The calendar's revision state: what the last run wrote, per UID a content hash, SEQUENCE and
LAST-MODIFIED, the sessions shown, the tombstones of removed events, and the baseline and
last-run milestone dates.

The state file (``<output>/<plan>.state.json``) is machine-managed, versioned JSON, written in
the same transaction as the outputs and last of them. When it is missing it is rebuilt from the
previous .ics, which carries every event's item, revision and the baseline milestone dates; when
it is damaged, plan2cal stops with exit code 5 and leaves it in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from plan2cal.diagnostics import quoted
from plan2cal.errors import OutputError, PlanError, ProgressError
from plan2cal.export.events import EventData, Revision, plan_namespace
from plan2cal.load import read_input_bytes
from plan2cal.schedule import Schedule, TaskPlan

STATE_VERSION = 1
# The largest state or calendar read back. 100,000 tasks make about 60 MB of state; the bound
# only keeps a file that is not plan2cal's from filling the memory.
MAX_STATE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class EventRecord:
    """One event as last written: enough to keep its revision and to write its tombstone."""

    item: str
    summary: str
    start: str
    end: str
    content: str
    sequence: int
    last_modified: str
    cancelled_on: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Milestone dates and the end of the plan at one run."""

    taken: str
    milestones: dict[str, str]
    end: str
    planned: dict[str, int] = field(default_factory=dict)  # day → minutes of sessions planned
    # First and last day of each task (its id) and phase ("phase:<id>"): the HTML report's
    # baseline bars. Absent from state files written before it.
    spans: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class State:
    """The whole state file."""

    plan: str
    events: dict[str, EventRecord]
    baseline: Snapshot | None = None
    last_run: Snapshot | None = None


def state_path(output: Path, plan_id: str) -> Path:
    """Where the state of a plan's outputs lives: beside them."""
    return output / f"{plan_id}.state.json"


def load_state(path: Path, ics_path: Path, plan_id: str) -> State | None:
    """Read the state file; rebuild it from ``ics_path`` when missing; None when neither exists.

    A folder, a pipe or a device where the state file goes is an output in the way (OutputError),
    as it is for every other output; it is never opened, so a pipe cannot hang the run.
    """
    kind = _file_kind(path)
    if kind is None:
        return state_from_ics(ics_path, plan_id) if _file_kind(ics_path) == "file" else None
    if kind != "file":
        raise OutputError(f"cannot use {path}: {kind} is where the state file goes; move it away")
    try:
        raw = json.loads(_read(path).decode("utf-8"))
        if not isinstance(raw, dict):
            raise TypeError("the file must hold one JSON object")
        if raw.get("version") != STATE_VERSION:
            raise ValueError(f"version {raw.get('version')!r}, expected {STATE_VERSION}")
        state = State(
            plan=str(raw["plan"]),
            events={uid: EventRecord(**record) for uid, record in raw["events"].items()},
            baseline=Snapshot(**raw["baseline"]) if raw.get("baseline") else None,
            last_run=Snapshot(**raw["last_run"]) if raw.get("last_run") else None,
        )
        _check_state(state)
        return state
    except json.JSONDecodeError as exc:
        problem = f"line {exc.lineno}: {exc.msg}"
    except RecursionError:
        problem = "nested too deeply to be a state file"
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    except PlanError as exc:
        problem = str(exc)
    raise ProgressError(
        f"{path}: the state file is damaged ({problem}). It was left as it is: repair it, or "
        f"move it away and plan2cal rebuilds it from {ics_path}"
    )


def _file_kind(path: Path) -> str | None:
    """None when nothing is at ``path``, "file" for a regular file, else what is there."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        # A name that cannot exist (too long, a loop of links) holds no state either; writing
        # the outputs there fails later with a message that names it.
        return None
    if stat.S_ISREG(mode):
        return "file"
    return "a folder" if stat.S_ISDIR(mode) else "a pipe, a device or a socket"


def _read(path: Path) -> bytes:
    """The bytes of a regular file, bounded (PlanError otherwise)."""
    return read_input_bytes(path, MAX_STATE_BYTES)


def _check_state(state: State) -> None:
    """Raise TypeError or ValueError unless every field has the form state_bytes gives it."""
    for uid, record in state.events.items():
        _check_record(uid, record)
    for name, snapshot in (("baseline", state.baseline), ("last_run", state.last_run)):
        if snapshot is None:
            continue
        if not isinstance(snapshot.milestones, dict) or not isinstance(snapshot.planned, dict):
            raise TypeError(f"{name}: milestones and planned must be mappings")
        if not isinstance(snapshot.spans, dict):
            raise TypeError(f"{name}: spans must be a mapping")
        for key, span in snapshot.spans.items():
            if not isinstance(span, list) or len(span) != 2:
                raise TypeError(f"{name}.spans[{key!r}] must be a first and a last day")
            for day in span:
                _check_day(f"{name}.spans[{key!r}]", day)
        for key, day in snapshot.milestones.items():
            _check_day(f"{name}.milestones[{key!r}]", day)
        if snapshot.end:
            _check_day(f"{name}.end", snapshot.end)
        for day, minutes in snapshot.planned.items():
            _check_day(f"{name}.planned", day)
            # Not negative, and bounded so that a hand-edited 400-digit number cannot reach
            # the slip report's sums; a day's sessions are far below the bound.
            if type(minutes) is not int or not 0 <= minutes < 2**31:
                raise TypeError(f"{name}: planned must map days to whole minutes, not negative")


def _check_record(uid: str, record: EventRecord) -> None:
    """Raise TypeError or ValueError unless the event record has the form state_bytes gives it:
    text fields, a SEQUENCE, dates or UTC times, and a work session ("task#3") as two times in
    order, which the scheduler keeps as the history of a done task."""
    item, start, end, modified = record.item, record.start, record.end, record.last_modified
    for name, value in (
        ("item", item),
        ("summary", record.summary),
        ("start", start),
        ("end", end),
        ("content", record.content),
        ("last_modified", modified),
    ):
        if type(value) is not str:
            raise TypeError(f"events[{uid!r}].{name} must be text")
    if type(record.sequence) is not int or not 0 <= record.sequence < 2**31:
        # RFC 5545 §3.8.7.4: SEQUENCE is an INTEGER, at most 2147483647.
        raise TypeError(f"events[{uid!r}].sequence must be a whole number below 2^31")
    stamp = _moment_utc(modified)  # ValueError if it is not an ISO date or time
    if modified and (stamp is None or stamp.tzinfo is None):
        raise ValueError(f"events[{uid!r}].last_modified {modified!r} is not a UTC time")
    if "#" in item:
        began, ended = _time(uid, start), _time(uid, end)
        if ended <= began:
            raise ValueError(f"events[{uid!r}] ends before it starts")
    else:
        for text in (start, end):
            if text and "T" in text:
                _time(uid, text)
            elif text:
                dt.date.fromisoformat(text)
    if record.cancelled_on is not None:
        dt.date.fromisoformat(record.cancelled_on)


def _time(uid: str, text: str) -> dt.datetime:
    """A session's start or end: a UTC time such as 2027-01-04T18:00:00Z."""
    moment = dt.datetime.fromisoformat(text) if "T" in text else None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            f"events[{uid!r}]: {text!r} is not a UTC time such as 2027-01-04T18:00:00Z"
        )
    return moment


def state_bytes(state: State) -> bytes:
    """The state file's content: versioned JSON, one event a line."""
    # Built by hand rather than with dataclasses.asdict, which copies deeply and is slow for
    # tens of thousands of events; one event a line keeps the file readable and diffable.
    document = {
        "version": STATE_VERSION,
        "plan": state.plan,
        "baseline": vars(state.baseline) if state.baseline else None,
        "last_run": vars(state.last_run) if state.last_run else None,
    }
    head = json.dumps(document, sort_keys=True)[:-1]
    events = ",\n".join(
        f"{json.dumps(uid)}: {json.dumps(vars(record))}" for uid, record in state.events.items()
    )
    return f'{head}, "events": {{\n{events}\n}}}}\n'.encode()


def state_from_ics(ics_path: Path, plan_id: str) -> State | None:
    """Rebuild the state from a calendar plan2cal wrote before (when the state file is lost).

    Only this plan's events count (``X-PLAN2CAL-PLAN``); other events in the file are ignored.
    The baseline comes from the phase milestones' ``X-PLAN2CAL-BASELINE``; the hours the
    baseline planned per day are not in the calendar and start empty.
    """
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(_read(ics_path))
    except (OSError, ValueError, RecursionError, PlanError) as exc:
        # quoted: icalendar's messages repeat the file's bytes, control characters included.
        raise ProgressError(
            f"{ics_path}: cannot rebuild the state from this calendar ({quoted(exc)}); move it "
            "away to start afresh"
        ) from None
    namespace = str(plan_namespace(plan_id))
    events: dict[str, EventRecord] = {}
    milestones: dict[str, str] = {}
    baseline: dict[str, str] = {}
    for component in calendar.walk("VEVENT"):
        item = str(component.get("X-PLAN2CAL-ITEM", ""))
        if not item or str(component.get("X-PLAN2CAL-PLAN", "")) != namespace:
            continue
        try:
            start, end = component.decoded("DTSTART"), component.decoded("DTEND")
            modified = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
            data = EventData(
                uid=str(component["UID"]),
                item=item,
                summary=str(component.get("SUMMARY", "")),
                start=start,
                end=end,
                description=str(component.get("DESCRIPTION", "")),
                transparent=str(component.get("TRANSP", "OPAQUE")) == "TRANSPARENT",
                url=str(component["URL"]) if "URL" in component else None,
                cancelled=str(component.get("STATUS", "")) == "CANCELLED",
            )
            removed = str(component.get("X-PLAN2CAL-REMOVED", "")) or None
            stamp = timestamp_text(modified.dt) if modified is not None else ""
            sequence = int(component.get("SEQUENCE", 0))
            # A broken DTSTART or DTEND decodes to text, not a date: refuse it here, where the
            # event can be named, rather than when a later run compares or cancels it.
            for name, value in (("DTSTART", start), ("DTEND", end)):
                if not isinstance(value, dt.date):
                    raise ValueError(f"{name} is not a date or a time")
            if not 0 <= sequence < 2**31:
                raise ValueError(f"SEQUENCE {sequence} is not from 0 to 2147483647")
            if removed is not None:
                _check_day("X-PLAN2CAL-REMOVED", removed)
            record = _record(data, sequence, stamp, removed)
            _check_record(data.uid, record)
            if item.startswith(("phase:", "milestone:")) and not data.cancelled:
                # A fixed milestone's event is on its date; the day it was reached is lost.
                key = item.removeprefix("phase:")
                milestones[key] = timestamp_text(start)
                if "X-PLAN2CAL-BASELINE" in component:
                    day = str(component["X-PLAN2CAL-BASELINE"])
                    _check_day("X-PLAN2CAL-BASELINE", day)
                    baseline[key] = day
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProgressError(
                f"{ics_path}: cannot rebuild the state from event "
                f"{quoted(component.get('UID', '?'))} ({quoted(exc)}); move the calendar away "
                "to start afresh"
            ) from None
        events[data.uid] = record
    if not events:
        return None
    last_run = Snapshot(taken="", milestones=milestones, end=_last_phase_end(milestones))
    base = (
        Snapshot(taken="", milestones=baseline, end=_last_phase_end(baseline))
        if baseline
        else last_run
    )
    return State(plan=plan_id, events=events, baseline=base, last_run=last_run)


def _last_phase_end(milestones: Mapping[str, str]) -> str:
    """The end of the plan in a snapshot: its last phase milestone (not a fixed one)."""
    return max(
        (day for key, day in milestones.items() if not key.startswith("milestone:")), default=""
    )


def _check_day(name: str, text: object) -> None:
    """Raise ValueError unless ``text`` is a date as ``2027-01-04``; the message names ``name``."""
    try:
        dt.date.fromisoformat(text)  # type: ignore[arg-type]  # TypeError for what is not text
    except (ValueError, TypeError):
        raise ValueError(f"{name} {quoted(text)} is not a date such as 2027-01-04") from None


def timestamp_text(value: dt.date) -> str:
    """A date as ``2027-01-04``; a time as UTC ``2027-01-04T18:00:00Z``: the state's forms."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _moment(text: str) -> dt.datetime | dt.date:
    if "T" in text:
        return dt.datetime.fromisoformat(text)  # "…Z" reads as UTC since Python 3.11
    return dt.date.fromisoformat(text)


def _record(
    data: EventData,
    sequence: int,
    modified: str,
    cancelled_on: str | None,
    content: str | None = None,
) -> EventRecord:
    return EventRecord(
        item=data.item,
        summary=data.summary,
        start=timestamp_text(data.start),
        end=timestamp_text(data.end),
        content=content or data.content_hash(),
        sequence=sequence,
        last_modified=modified,
        cancelled_on=cancelled_on,
    )


def session_history(state: State | None) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Task id → the work sessions the last run showed for it (not its tombstones)."""
    history: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    if state is None:
        return history
    for record in state.events.values():
        task, hash_mark, _ = record.item.partition("#")
        if hash_mark and record.cancelled_on is None:
            start, end = _moment(record.start), _moment(record.end)
            assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
            history.setdefault(task, []).append((start, end))
    return history


@dataclass(frozen=True)
class Revisions:
    """The outcome of comparing a run with the state: what to write and the new state."""

    events: list[EventData]
    revisions: dict[str, Revision]
    state: State
    changed: int
    added: int
    cancelled: int  # events removed by this run (older tombstones are written but not counted)


def revise(
    previous: State | None,
    schedule: Schedule,
    events: Sequence[EventData],
    now: dt.datetime,
    tombstone_days: int,
) -> Revisions:
    """Give each event its SEQUENCE and LAST-MODIFIED, and turn removed events into tombstones.

    Unchanged: same SEQUENCE and LAST-MODIFIED. Changed: SEQUENCE + 1, LAST-MODIFIED = now.
    Removed: a STATUS:CANCELLED copy with SEQUENCE + 1, kept ``tombstone_days`` after the day it
    was removed (specs/icalendar-clients.md §0.4), so that calendars drop it instead of keeping
    a stale event.
    """
    stamp = timestamp_text(now)
    known = previous.events if previous is not None else {}
    records: dict[str, EventRecord] = {}
    revisions: dict[str, Revision] = {}
    changed = added = 0
    for data in events:
        old = known.get(data.uid)
        content = data.content_hash()
        if old is None:
            record = _record(data, 0, stamp, None, content)
            added += 1
        elif old.content == content and old.cancelled_on is None:
            record = old
        else:
            record = _record(data, old.sequence + 1, stamp, None, content)
            changed += 1
        records[data.uid] = record
        revisions[data.uid] = Revision(record.sequence, _moment_utc(record.last_modified))
    tombstones: list[EventData] = []
    cancelled = 0
    today = schedule.today
    for uid, old in known.items():
        if uid in records:
            continue
        if old.cancelled_on is not None:
            removed = dt.date.fromisoformat(old.cancelled_on)
            if (today - removed).days > tombstone_days:
                continue  # kept long enough: calendars have had their chance to drop it
        tombstone = EventData(
            uid=uid,
            item=old.item,
            summary=f"Cancelled: {old.summary.removeprefix('Cancelled: ')}",
            start=_moment(old.start),
            end=_moment(old.end),
            description="Removed from the plan by a reschedule.",
            transparent=True,
            cancelled=True,
            removed_on=dt.date.fromisoformat(old.cancelled_on) if old.cancelled_on else today,
        )
        if old.cancelled_on is not None:
            record = old
        else:
            record = _record(tombstone, old.sequence + 1, stamp, today.isoformat())
            cancelled += 1
        tombstones.append(tombstone)
        records[uid] = record
        revisions[uid] = Revision(record.sequence, _moment_utc(record.last_modified))
    current = snapshot_of(schedule)
    baseline = previous.baseline if previous is not None and previous.baseline else current
    new_state = State(plan=schedule.plan, events=records, baseline=baseline, last_run=current)
    # The phase milestones carry their baseline date, so a state rebuilt from the calendar
    # keeps the baseline; it is not part of what a calendar shows, so not of the content hash.
    marked = [_with_baseline(event, baseline) for event in events]
    ordered = sorted([*marked, *tombstones], key=lambda event: event.sort_key)
    return Revisions(ordered, revisions, new_state, changed, added, cancelled)


def _with_baseline(event: EventData, baseline: Snapshot) -> EventData:
    """A phase or fixed milestone's event with its date in the baseline (the day a fixed
    milestone was reached), so that a state rebuilt from the calendar keeps it."""
    if event.item.startswith("phase:"):
        day = baseline.milestones.get(event.item.removeprefix("phase:"))
    elif event.item.startswith("milestone:"):
        day = baseline.milestones.get(event.item)
    else:
        return event
    return dataclasses.replace(event, baseline=dt.date.fromisoformat(day)) if day else event


@lru_cache(maxsize=64)  # most events share a handful of LAST-MODIFIED stamps
def _moment_utc(text: str) -> dt.datetime | None:
    if not text:
        return None
    moment = _moment(text)
    return moment if isinstance(moment, dt.datetime) else None


def snapshot_of(schedule: Schedule) -> Snapshot:
    """The schedule's milestone dates, end and planned minutes per day, as of its today."""
    local = ZoneInfo(schedule.availability.timezone)
    planned: dict[str, int] = {}
    for session in schedule.sessions:
        day = session.start.astimezone(local).date().isoformat()
        planned[day] = planned.get(day, 0) + session.minutes
    # Fixed milestones under "milestone:<id>", the day each is reached (later than its date
    # when missed); phase ids are slugs, so the two never collide.
    milestones = {phase.key: phase.end.isoformat() for phase in schedule.phases}
    for key, reached in schedule.milestones_reached().items():
        milestones[f"milestone:{key}"] = reached.isoformat()
    spans = {
        f"phase:{phase.key}": [phase.start.isoformat(), phase.end.isoformat()]
        for phase in schedule.phases
    }
    for task in schedule.tasks:
        first = task_first_day(task, local)
        if first is not None:
            spans[task.key] = [first.isoformat(), task.end_date.isoformat()]
    return Snapshot(
        taken=schedule.today.isoformat(),
        milestones=milestones,
        end=schedule.end.isoformat(),
        planned=planned,
        spans=spans,
    )


def task_first_day(task: TaskPlan, zone: ZoneInfo) -> dt.date | None:
    """The local day a task's work (or wait) begins; None for a task with neither."""
    if task.wait is not None:
        return task.wait.first_day
    return task.start.astimezone(zone).date() if task.start is not None else None


def rebaseline(state: State | None, schedule: Schedule) -> State:
    """The state with its baseline reset to this schedule."""
    snapshot = snapshot_of(schedule)
    if state is None:
        return State(plan=schedule.plan, events={}, baseline=snapshot, last_run=None)
    return dataclasses.replace(state, baseline=snapshot)


def milestone_dates(snapshot: Snapshot | None) -> Mapping[str, dt.date]:
    """Phase id → milestone date recorded in a snapshot."""
    if snapshot is None:
        return {}
    return {key: dt.date.fromisoformat(day) for key, day in snapshot.milestones.items()}
