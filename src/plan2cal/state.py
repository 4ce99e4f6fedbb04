"""What the last export emitted: per UID a content hash, SEQUENCE and LAST-MODIFIED, the
sessions shown, the tombstones of removed events, and the baseline milestone dates.

The state file (``<output>/<plan>.state.json``) is machine-managed, versioned JSON, written
atomically after the calendar. When it is missing it is rebuilt from the previous .ics; when it
is corrupt, plan2cal stops with exit code 5 and leaves it in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from plan2cal.errors import ProgressError
from plan2cal.export.ics import EventData, Revision
from plan2cal.files import write_atomic
from plan2cal.schedule import Schedule

STATE_VERSION = 1


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


def load_state(path: Path, ics_path: Path) -> State | None:
    """Read the state file; rebuild it from ``ics_path`` when missing; None when neither exists."""
    if not path.exists():
        return state_from_ics(ics_path) if ics_path.exists() else None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
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
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    raise ProgressError(
        f"{path}: the state file is corrupt ({problem}). It was left as it is: repair it, or "
        f"move it away and plan2cal rebuilds it from {ics_path}"
    )


def _check_state(state: State) -> None:
    """Raise TypeError or ValueError unless every field has the form write_state gives it."""
    for uid, record in state.events.items():
        for name in ("item", "summary", "start", "end", "content", "last_modified"):
            if not isinstance(getattr(record, name), str):
                raise TypeError(f"events[{uid!r}].{name} must be text")
        if type(record.sequence) is not int or record.sequence < 0:
            raise TypeError(f"events[{uid!r}].sequence must be a whole number")
        for text in (record.start, record.end, record.last_modified):
            if text:
                _moment(text)  # ValueError if it is not an ISO date or time
        if record.cancelled_on is not None:
            dt.date.fromisoformat(record.cancelled_on)
    for name, snapshot in (("baseline", state.baseline), ("last_run", state.last_run)):
        if snapshot is None:
            continue
        if not isinstance(snapshot.milestones, dict) or not isinstance(snapshot.planned, dict):
            raise TypeError(f"{name}: milestones and planned must be mappings")
        for day in [*snapshot.milestones.values(), *([snapshot.end] if snapshot.end else [])]:
            dt.date.fromisoformat(day)
        if not all(type(minutes) is int for minutes in snapshot.planned.values()):
            raise TypeError(f"{name}: planned must map days to whole minutes")


def write_state(path: Path, state: State) -> None:
    """Write the state file atomically."""
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
    write_atomic(path, f'{head}, "events": {{\n{events}\n}}}}\n'.encode())


def state_from_ics(ics_path: Path) -> State | None:
    """Rebuild the state from a calendar plan2cal wrote before (when the state file is lost)."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(ics_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ProgressError(
            f"{ics_path}: cannot rebuild the state from this calendar ({exc}); move it away to "
            "start afresh"
        ) from None
    events: dict[str, EventRecord] = {}
    milestones: dict[str, str] = {}
    stamp = ""
    for component in calendar.walk("VEVENT"):
        item = str(component.get("X-PLAN2CAL-ITEM", ""))
        if not item:
            continue
        start, end = component.decoded("DTSTART"), component.decoded("DTEND")
        modified = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
        stamp = _text(modified.dt) if modified is not None else stamp
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
        events[data.uid] = _record(data, int(component.get("SEQUENCE", 0)), stamp, removed)
        if item.startswith("phase:") and not data.cancelled:
            milestones[item.removeprefix("phase:")] = _text(start)
    if not events:
        return None
    snapshot = Snapshot(taken="", milestones=milestones, end=max(milestones.values(), default=""))
    return State(plan="", events=events, baseline=snapshot, last_run=snapshot)


def _text(value: dt.date) -> str:
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
        start=_text(data.start),
        end=_text(data.end),
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
    stamp = _text(now)
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
    current = _snapshot(schedule, today)
    baseline = previous.baseline if previous is not None and previous.baseline else current
    new_state = State(plan=schedule.plan, events=records, baseline=baseline, last_run=current)
    ordered = sorted([*events, *tombstones], key=lambda event: event.sort_key)
    return Revisions(ordered, revisions, new_state, changed, added, cancelled)


@lru_cache(maxsize=64)  # most events share a handful of LAST-MODIFIED stamps
def _moment_utc(text: str) -> dt.datetime | None:
    if not text:
        return None
    moment = _moment(text)
    return moment if isinstance(moment, dt.datetime) else None


def _snapshot(schedule: Schedule, today: dt.date) -> Snapshot:
    zone = schedule.availability.timezone
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    planned: dict[str, int] = {}
    for session in schedule.sessions:
        day = session.start.astimezone(local).date().isoformat()
        planned[day] = planned.get(day, 0) + session.minutes
    return Snapshot(
        taken=today.isoformat(),
        milestones={phase.key: phase.end.isoformat() for phase in schedule.phases},
        end=schedule.end.isoformat(),
        planned=planned,
    )


def rebaseline(state: State | None, schedule: Schedule) -> State:
    """The state with its baseline reset to this schedule."""
    snapshot = _snapshot(schedule, schedule.today)
    if state is None:
        return State(plan=schedule.plan, events={}, baseline=snapshot, last_run=None)
    return dataclasses.replace(state, baseline=snapshot)


def milestone_dates(snapshot: Snapshot | None) -> Mapping[str, dt.date]:
    """Phase id → milestone date recorded in a snapshot."""
    if snapshot is None:
        return {}
    return {key: dt.date.fromisoformat(day) for key, day in snapshot.milestones.items()}
