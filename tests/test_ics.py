"""plan2cal.export.ics: the .ics file, checked byte for byte, by independent readers and by rule.

Goldens live in tests/golden/. To regenerate them on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_ics.py`` and review the diff before committing.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import itertools
import re
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED_PLAN, DEMO_PLAN
from goldens import GOLDEN, bundled_schedule, golden_bytes
from plan2cal import __version__
from plan2cal.export.events import Revision, calendar_events
from plan2cal.export.ics import build_calendar, ics_bytes
from plan2cal.model import Plan
from plan2cal.schedule import Schedule, availability_for, build_schedule
from readers import ReadEvent, read_with_ical, read_with_khal, read_with_vobject

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
# SOURCE_DATE_EPOCH=1767225600, the stamp the run_cli fixture sets.
STAMP = dt.datetime(2026, 1, 1, tzinfo=UTC)
DEMO_START = dt.date(2026, 12, 7)  # a Monday
UID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@plan2cal$"
)
# RFC 5545 §3.3.11: CONTROL = %x00-08 / %x0A-1F / %x7F; TAB is allowed in TEXT.
FORBIDDEN_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
TEXT_PROPERTIES = ("SUMMARY", "DESCRIPTION", "NAME", "X-WR-CALNAME", "X-PLAN2CAL-ITEM")

LAUNCH = {"id": "launch", "name": "Launch, v1", "date": "2026-12-31", "description": "Ship it"}

requires_bundled_plan = pytest.mark.skipif(
    not BUNDLED_PLAN.exists(), reason=f"{BUNDLED_PLAN} is not written yet"
)


# ---------------------------------------------------------------------------- helpers


def demo_data(**changes: Any) -> dict[str, Any]:
    """The conftest DEMO_PLAN as a dict, with top-level keys replaced."""
    data: dict[str, Any] = yaml.safe_load(DEMO_PLAN)
    data.update(copy.deepcopy(changes))
    return data


def schedule_of(
    data: dict[str, Any], start: dt.date = DEMO_START, hours_per_week: float | None = None
) -> Schedule:
    """Validate a plan dict and schedule it from ``start``."""
    plan = Plan.model_validate(data)
    return build_schedule(plan, availability_for(plan, hours_per_week=hours_per_week), start)


def demo_schedule() -> Schedule:
    return schedule_of(demo_data())


def unfolded_lines(data: bytes) -> list[str]:
    """The logical content lines: CRLF + space joins a fold (RFC 5545 §3.1)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def header_of(data: bytes) -> dict[str, str]:
    """Calendar properties (before the first VEVENT), name with parameters → raw value."""
    header: dict[str, str] = {}
    for line in unfolded_lines(data):
        if line == "BEGIN:VEVENT":
            break
        name, _, value = line.partition(":")
        header[name] = value
    return header


def events_of(data: bytes) -> list[dict[str, str]]:
    """Each VEVENT as name (with parameters) → raw value, read without icalendar."""
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfolded_lines(data):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            assert name not in current, f"{name} twice in one event"
            current[name] = value
    return events


def unescape(value: str) -> str:
    """Undo RFC 5545 §3.3.11 TEXT escaping."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def uid_by_item(data: bytes) -> dict[tuple[str, int | None], str]:
    """(task id, session ordinal) or (milestone item, None) → UID."""
    result: dict[tuple[str, int | None], str] = {}
    for event in events_of(data):
        # A session's item is "<task id>#<ordinal>"; a milestone's is "phase:<id>" and so on.
        item, _, ordinal = event["X-PLAN2CAL-ITEM"].partition("#")
        result[(item, int(ordinal) if ordinal else None)] = event["UID"]
    return result


def assert_same_bytes(actual: bytes, expected: bytes, label: str) -> None:
    """Fail with a line diff (not two 100 KB reprs) when the bytes differ."""
    if actual == expected:
        return
    diff = difflib.unified_diff(
        expected.decode("utf-8", "replace").split("\r\n"),
        actual.decode("utf-8", "replace").split("\r\n"),
        f"{label} (expected)",
        f"{label} (actual)",
        lineterm="",
        n=2,
    )
    # Control characters are shown as \xNN; everything else as it is in the file.
    shown = [
        re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", line)
        for line in itertools.islice(diff, 80)
    ]
    pytest.fail(f"{label} differs:\n" + "\n".join(shown), pytrace=False)


def assert_equivalent(fast: bytes, reference: bytes, label: str) -> None:
    """Byte for byte, except where icalendar's own folding splits a ``\\\\`` escape.

    icalendar 7.3.2 carries the second backslash of ``\\\\`` to the next line when the pair
    ends at octet 74 (its fix for collective/icalendar#1501 treats it as an escape prefix).
    ics_bytes may fold those lines correctly instead; their unfolded content must still agree.
    """
    if escapes_split_by_folds(reference) and fast != reference:
        assert unfolded_lines(fast) == unfolded_lines(reference), label
        assert escapes_split_by_folds(fast) == [], label
    else:
        assert_same_bytes(fast, reference, label)


def line_problems(data: bytes) -> list[str]:
    """CRLF everywhere, no physical line over 75 octets, no character split by a fold."""
    problems: list[str] = []
    if not data.endswith(b"\r\n"):
        problems.append("file does not end with CRLF")
    for number, line in enumerate(data.split(b"\r\n")[:-1], 1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {number}: bare CR or LF: {line!r}")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets: {line!r}")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number}: a fold splits a UTF-8 character: {line!r}")
    return problems


def escapes_split_by_folds(data: bytes) -> list[str]:
    """TEXT lines where a fold falls between a backslash and the character it escapes.

    Clients that unescape before unfolding drop such events (collective/icalendar#1501).
    """
    found: list[str] = []
    for logical in re.split(r"\r\n(?! )", data.decode("utf-8")):
        if not logical.startswith(TEXT_PROPERTIES):
            continue
        pieces = logical.split("\r\n ")
        seen = ""
        for piece in pieces[:-1]:
            seen += piece
            run = len(seen) - len(seen.rstrip("\\"))
            if run % 2:  # an odd run of backslashes ends in an unfinished escape
                found.append(logical)
                break
    return found


# ---------------------------------------------------------------------------- strategies

TRICKY_PIECES = [
    ",", ";", "\\", "\\n", "\\N", "\n", "\r", "\r\n", "\t", ":", "^", '"', " ",
    "\x00", "\x0b", "\x1b", "\x7f",
    "é", "€", "漢字", "😀", "👩🏼‍🎓", "\u2028", "\u00a0",
]  # fmt: skip

pieces = st.one_of(
    st.sampled_from(TRICKY_PIECES),
    st.text(st.characters(codec="utf-8"), max_size=4),
    # Runs of ASCII push the next tricky piece across the 75-octet fold at every offset.
    st.integers(0, 80).map(lambda n: "a" * n),
)
tricky_text = st.lists(pieces, min_size=1, max_size=25).map("".join).filter(bool)
links = st.text(
    st.sampled_from(["a", "Z", "0", "/", "?", "=", "&", "%", ",", ";", "\\", "é", "😀", "\x00"]),
    max_size=90,
).map(lambda path: "https://example.org/" + path)
zones = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
)
days = st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31))
stamps = st.datetimes(
    dt.datetime(2000, 1, 1),
    dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, BERLIN, ZoneInfo("America/St_Johns")]),
)
revisions = st.builds(
    Revision, sequence=st.integers(0, 2**31 - 1), last_modified=st.none() | stamps
)


@st.composite
def plan_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Small plans whose every text field is full of characters that need care in iCalendar."""

    def optional(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(st.none() | strategy)

    phases = []
    for p in range(draw(st.integers(1, 3))):
        tasks = []
        for t in range(draw(st.integers(1, 3))):
            task = {
                "id": f"t{p}-{t}",
                "name": draw(tricky_text),
                "hours": draw(st.sampled_from([0.5, 1, 1.75, 3])),
                "description": optional(tricky_text),
                "link": optional(links),
            }
            tasks.append({k: v for k, v in task.items() if v is not None})
        phase = {"id": f"p{p}", "name": draw(tricky_text), "tasks": tasks}
        if (description := optional(tricky_text)) is not None:
            phase["description"] = description
        phases.append(phase)
    milestones = [
        {"id": f"m{m}", "name": draw(tricky_text), "date": draw(days)}
        | ({"description": d} if (d := optional(tricky_text)) is not None else {})
        for m in range(draw(st.integers(0, 2)))
    ]
    return {
        "plan": draw(st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)),
        "title": draw(tricky_text),
        "defaults": {
            "timezone": draw(zones),
            "hours_per_week": draw(st.sampled_from([2, 5, 10])),
        },
        "phases": phases,
        "milestones": milestones,
    }


generated = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------- 1. equivalence


def test_ics_bytes_equal_icalendar_for_the_demo_plan() -> None:
    """The fast writer gives the demo plan exactly the bytes icalendar would write."""
    schedule = demo_schedule()
    assert_same_bytes(ics_bytes(schedule, STAMP), build_calendar(schedule, STAMP).to_ical(), "demo")


def test_ics_bytes_equal_icalendar_with_revisions() -> None:
    """SEQUENCE and LAST-MODIFIED from the state file are written the same both ways."""
    schedule = demo_schedule()
    uids = [event.uid for event in calendar_events(schedule)]
    moments = [
        None,
        dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN),
        dt.datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    ]
    given_revisions = {
        uid: Revision(sequence=i * 7, last_modified=moments[i % len(moments)])
        for i, uid in enumerate(uids[::2])
    }
    assert_same_bytes(
        ics_bytes(schedule, STAMP, given_revisions),
        build_calendar(schedule, STAMP, given_revisions).to_ical(),
        "demo with revisions",
    )


def test_revisions_set_sequence_and_last_modified() -> None:
    """A revision's SEQUENCE and LAST-MODIFIED (in UTC) reach its event; others get SEQUENCE:0."""
    schedule = demo_schedule()
    first = calendar_events(schedule)[0].uid
    revision = Revision(3, dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN))
    events = events_of(ics_bytes(schedule, STAMP, {first: revision}))
    changed = [event for event in events if event["UID"] == first]
    assert len(changed) == 1
    assert changed[0]["SEQUENCE"] == "3"
    assert changed[0]["LAST-MODIFIED"] == "20261102T090000Z"  # 10:00 CET
    others = [event for event in events if event["UID"] != first]
    assert {event["SEQUENCE"] for event in others} == {"0"}
    assert not any("LAST-MODIFIED" in event for event in others)


def test_ics_bytes_read_naive_times_as_utc_like_icalendar(monkeypatch: pytest.MonkeyPatch) -> None:
    """A naive DTSTAMP or LAST-MODIFIED means UTC both ways, whatever the machine's zone."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is needed to change the process's local zone")
    schedule = demo_schedule()
    first = calendar_events(schedule)[0].uid
    naive = dt.datetime(2026, 11, 2, 10, 0)
    revision = {first: Revision(1, naive)}
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        fast = ics_bytes(schedule, naive, revision)
        reference = build_calendar(schedule, naive, revision).to_ical()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert_same_bytes(fast, reference, "naive stamps, TZ=America/New_York")


@generated
@given(data=plan_dicts(), start=days, stamp=stamps, draw=st.data())
def test_ics_bytes_equal_icalendar_for_generated_plans(
    data: dict[str, Any], start: dt.date, stamp: dt.datetime, draw: st.DataObject
) -> None:
    """Escaping, control characters, multi-byte text and folding agree with icalendar."""
    schedule = schedule_of(data, start)
    uids = [event.uid for event in calendar_events(schedule)]
    given_revisions = draw.draw(st.dictionaries(st.sampled_from(uids), revisions))
    assert_equivalent(
        ics_bytes(schedule, stamp, given_revisions),
        build_calendar(schedule, stamp, given_revisions).to_ical(),
        "generated plan",
    )


# ---------------------------------------------------------------------------- 2. readers

NASTY_TASKS = [
    # (name in the plan, SUMMARY a client must show without the " (1/1)")
    ("Commas, semicolons; and a back\\slash", "Commas, semicolons; and a back\\slash"),
    ("Two\nlines and\r\nWindows and\rold Mac", "Two\nlines and\nWindows and\nold Mac"),
    ("Bell\x07, NUL\x00, VT\x0b and DEL\x7f go", "Bell, NUL, VT and DEL go"),
    ("Tab\tstays", "Tab\tstays"),
    ("Ünïcödé 漢字 and emoji 😀👩🏼‍🎓 " * 4, "Ünïcödé 漢字 and emoji 😀👩🏼‍🎓 " * 4),
    # 8 octets of "SUMMARY:" + 65 = 73: the escape "\," sits at octets 74-75, on the fold.
    ("a" * 65 + ",b", "a" * 65 + ",b"),
    ("a" * 66 + "\\c", "a" * 66 + "\\c"),
    # The escaped backslash "\\\\" fills octets 73-74; the fold comes right after it.
    ("a" * 64 + "\\c", "a" * 64 + "\\c"),
    # "€" is 3 octets and would end at octet 75.
    ("a" * 64 + "€€€", "a" * 64 + "€€€"),
]


def nasty_plan() -> dict[str, Any]:
    """One 30-minute session a day for each task with a nasty name."""
    tasks = [
        {"id": f"nasty-{i}", "name": name, "hours": 0.5, "description": f"About {name}"}
        for i, (name, _) in enumerate(NASTY_TASKS)
    ]
    return {
        "plan": "nasty",
        "title": "Nasty text",
        "defaults": {
            "timezone": "Europe/Berlin",
            "hours_per_week": 3.5,
            "windows": {"mon-sun": "19:00-19:30"},
        },
        "phases": [{"id": "only", "name": "Only phase", "tasks": tasks}],
    }


READERS = {
    "vobject": lambda path, tmp_path: read_with_vobject(path.read_bytes()),
    "ical": lambda path, tmp_path: read_with_ical(path.read_bytes()),
    "khal": read_with_khal,
}


def write_ics(tmp_path: Path, schedule: Schedule) -> Path:
    path = tmp_path / f"{schedule.plan}.ics"
    path.write_bytes(ics_bytes(schedule, STAMP))
    return path


def check_against_schedule(events: list[ReadEvent], schedule: Schedule, reader: str) -> None:
    """Every session and milestone of the schedule is there once, with its times in UTC."""
    assert len(events) == len(schedule.sessions) + len(schedule.phases) + len(schedule.milestones)
    assert len({event.uid for event in events}) == len(events), "UIDs are not unique"
    for event in events:
        assert UID_PATTERN.match(event.uid), event.uid
    timed = sorted((e.start, e.end) for e in events if not e.all_day)
    assert timed == sorted((s.start, s.end) for s in schedule.sessions)
    all_day = [event for event in events if event.all_day]
    assert sorted(event.start for event in all_day) == sorted(
        [phase.end for phase in schedule.phases] + [m.date for m in schedule.milestones]
    )
    for event in all_day:
        assert isinstance(event.end, dt.date) and not isinstance(event.end, dt.datetime)
        assert event.end == event.start + dt.timedelta(days=1), event  # DTEND is exclusive
        assert event.summary.startswith("Milestone: ")
    if reader != "khal":  # khal has no format field for TRANSP
        assert {e.transp for e in events if e.all_day} == {"TRANSPARENT"}
        assert {e.transp for e in events if not e.all_day} == {"OPAQUE"}
        assert {e.dtstamp for e in events} == {STAMP}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_sees_the_demo_schedule(reader: str, tmp_path: Path) -> None:
    """vobject, ical and khal read the demo plan's 22 events with the hand-computed UTC times."""
    schedule = demo_schedule()
    events = READERS[reader](write_ics(tmp_path, schedule), tmp_path)
    assert len(events) == 22  # 20 sessions, 2 phase milestones
    check_against_schedule(events, schedule, reader)
    by_summary = {event.summary: event for event in events}

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)

    # Mon 7 Dec 19:00-21:00 CET (UTC+1).
    assert (by_summary["Task A (1/2)"].start, by_summary["Task A (1/2)"].end) == (
        at(7, 18),
        at(7, 20),
    )
    # Sat 12 Dec from 09:00 CET: Task B's last hour (45 min on Tuesday after A and a break).
    assert (by_summary["Task B (4/4)"].start, by_summary["Task B (4/4)"].end) == (
        at(12, 8),
        at(12, 9),
    )
    # Sat 26 Dec from 09:00 CET: Y's last 1h15m; X took all of Thursday's time that was usable.
    assert by_summary["Y (2/2)"].start == at(26, 8)
    for name, first in (("Phase One", 21), ("Phase Two", 28)):
        milestone = by_summary[f"Milestone: {name}"]
        assert (milestone.start, milestone.end) == (
            dt.date(2026, 12, first),
            dt.date(2026, 12, first + 1),
        )


@requires_bundled_plan
@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_sees_the_bundled_schedule(reader: str, tmp_path: Path) -> None:
    """The bundled plan reads back whole: first session 19:00 CET, 17:00Z after the DST change."""
    schedule = bundled_schedule()
    events = READERS[reader](write_ics(tmp_path, schedule), tmp_path)
    check_against_schedule(events, schedule, reader)
    starts = {event.start for event in events}
    # Mon 4 Jan 2027, 19:00 CET = 18:00Z; Mon 29 Mar 2027, 19:00 CEST = 17:00Z.
    assert min(e.start for e in events if not e.all_day) == dt.datetime(2027, 1, 4, 18, tzinfo=UTC)
    assert dt.datetime(2027, 3, 29, 17, tzinfo=UTC) in starts


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_gets_tricky_text_back(reader: str, tmp_path: Path) -> None:
    """Commas, semicolons, backslashes, newlines, emoji and folded text read back exactly."""
    schedule = schedule_of(nasty_plan(), dt.date(2027, 1, 4))
    events = READERS[reader](write_ics(tmp_path, schedule), tmp_path)
    summaries = {event.summary for event in events if not event.all_day}
    assert summaries == {f"{shown} (1/1)" for _, shown in NASTY_TASKS}
    if reader != "khal":
        descriptions = {event.description for event in events if not event.all_day}
        for _, shown in NASTY_TASKS:
            assert any(d and d.endswith(f"\n\nAbout {shown}".rstrip()) for d in descriptions), shown


# ---------------------------------------------------------------------------- 3. content rules


def test_calendar_properties() -> None:
    """METHOD:PUBLISH, VERSION, PRODID and the calendar name in NAME and X-WR-CALNAME."""
    header = header_of(ics_bytes(demo_schedule(), STAMP))
    assert header["BEGIN"] == "VCALENDAR"
    assert header["VERSION"] == "2.0"
    assert header["PRODID"] == f"-//plan2cal//plan2cal {__version__}//EN"
    assert header["METHOD"] == "PUBLISH"
    assert header["NAME"] == header["X-WR-CALNAME"] == "plan2cal: Demo roadmap"
    assert header["X-WR-TIMEZONE"] == "Europe/Berlin"


def test_calendar_name_is_escaped_text() -> None:
    """NAME and X-WR-CALNAME escape a title's commas, semicolon, backslash and newline as TEXT."""
    title = "Plan, v2; from C:\\new\nsecond line"
    header = header_of(ics_bytes(schedule_of(demo_data(title=title)), STAMP))
    for name in ("NAME", "X-WR-CALNAME"):
        assert header[name] == "plan2cal: Plan\\, v2\\; from C:\\\\new\\nsecond line"
        assert unescape(header[name]) == f"plan2cal: {title}"


def test_all_times_are_utc() -> None:
    """Sessions and stamps end in Z, milestones are dates; no TZID, VTIMEZONE or floating time."""
    data = ics_bytes(schedule_of(demo_data(milestones=[LAUNCH])), STAMP)
    assert b"TZID" not in data and b"VTIMEZONE" not in data
    for event in events_of(data):
        times = {k: v for k, v in event.items() if k.startswith(("DTSTART", "DTEND", "DTSTAMP"))}
        assert re.fullmatch(r"\d{8}T\d{6}Z", times.pop("DTSTAMP")), event
        if "DTSTART;VALUE=DATE" in times:
            assert set(times) == {"DTSTART;VALUE=DATE", "DTEND;VALUE=DATE"}, event
            assert all(re.fullmatch(r"\d{8}", v) for v in times.values()), event
        else:
            assert set(times) == {"DTSTART", "DTEND"}, event
            assert all(re.fullmatch(r"\d{8}T\d{6}Z", v) for v in times.values()), event


@pytest.mark.parametrize(
    "case",
    ["demo", "nasty", pytest.param("bundled", marks=requires_bundled_plan)],
)
def test_lines_are_crlf_and_at_most_75_octets(case: str) -> None:
    """Every line ends in CRLF, none is longer than 75 octets and no fold splits a character."""
    schedule = {
        "demo": demo_schedule,
        "nasty": lambda: schedule_of(nasty_plan(), dt.date(2027, 1, 4)),
        "bundled": bundled_schedule,
    }[case]()
    assert line_problems(ics_bytes(schedule, STAMP)) == []


@generated
@given(data=plan_dicts(), start=days)
def test_lines_are_crlf_and_at_most_75_octets_for_generated_plans(
    data: dict[str, Any], start: dt.date
) -> None:
    """Whatever the text, lines stay CRLF, at most 75 octets and whole UTF-8."""
    assert line_problems(ics_bytes(schedule_of(data, start), STAMP)) == []


def test_folding_never_splits_a_backslash_escape() -> None:
    """No fold falls inside \\, \\; \\n or \\\\, at any offset (collective/icalendar#1501)."""
    tasks = [
        {"id": f"t{i}", "name": "a" * n + escaped + "b" * 20, "hours": 0.5}
        for i, (n, escaped) in enumerate(itertools.product(range(60, 70), [",", ";", "\n", "\\"]))
    ]
    data = demo_data(phases=[{"id": "p", "name": "P", "tasks": tasks}])
    assert escapes_split_by_folds(ics_bytes(schedule_of(data), STAMP)) == []


def test_dtstamp_is_the_injected_stamp() -> None:
    """Every DTSTAMP is the stamp passed in, converted to UTC; nothing reads the clock."""
    stamp = dt.datetime(2027, 2, 3, 4, 5, 6, 789, tzinfo=BERLIN)
    events = events_of(ics_bytes(demo_schedule(), stamp))
    assert {event["DTSTAMP"] for event in events} == {"20270203T030506Z"}


def retitled_demo() -> dict[str, Any]:
    """The demo plan with every name and description changed and the derived ids made explicit."""
    data = demo_data()
    one, two = data["phases"]
    one["name"], one["description"] = "Phase One, renamed", "Now with a description"
    one["tasks"] = [
        {"id": "a", "name": "Task A: another title", "hours": 3, "description": "new"},
        {"id": "task-b", "name": "Something else entirely"},
        {"id": "task-c", "name": "Task C; renamed", "weight": 2, "link": "https://example.org/c"},
    ]
    two["name"] = "Phase Two 😀"
    two["tasks"] = [{"id": key, "name": f"Renamed {key}"} for key in ("x", "y", "z")]
    return data


@pytest.mark.parametrize(
    ("label", "data", "start", "hours"),
    [
        ("a later start on a Wednesday", demo_data(), dt.date(2027, 2, 3), None),
        ("fewer hours per week", demo_data(), DEMO_START, 6.0),
        ("new titles and descriptions", retitled_demo(), DEMO_START, None),
    ],
)
def test_uids_survive_a_reschedule(
    label: str, data: dict[str, Any], start: dt.date, hours: float | None
) -> None:
    """The same task id and session ordinal keep their UID when dates, budget or text change."""
    before = uid_by_item(ics_bytes(demo_schedule(), STAMP))
    after = uid_by_item(ics_bytes(schedule_of(data, start, hours), STAMP))
    common = before.keys() & after.keys()
    # Every phase milestone and every task's first session exist in both runs.
    assert {("phase:one", None), ("phase:two", None)} <= common
    assert {(task, 1) for task in ("a", "task-b", "task-c", "x", "y", "z")} <= common
    assert {key: before[key] for key in common} == {key: after[key] for key in common}, label
    # Different items never share a UID.
    assert len(set(after.values())) == len(after)


def test_uids_differ_between_plans() -> None:
    """Two plans with the same tasks but different plan ids share no UID."""
    ours = ics_bytes(demo_schedule(), STAMP)
    theirs = ics_bytes(schedule_of(demo_data(plan="demo-copy")), STAMP)
    assert not set(uid_by_item(ours).values()) & set(uid_by_item(theirs).values())
    assert {e["X-PLAN2CAL-PLAN"] for e in events_of(ours)} != {
        e["X-PLAN2CAL-PLAN"] for e in events_of(theirs)
    }


def test_no_uid_line_comes_before_the_first_event() -> None:
    """No calendar-level UID: vdirsyncer takes the first UID line as every event's identity
    (specs/icalendar-clients.md §0.2), so the first UID of the file is the first event's."""
    data = ics_bytes(bundled_schedule(), STAMP)
    head = data.split(b"BEGIN:VEVENT", 1)[0]
    assert b"\r\nUID:" not in head and not head.startswith(b"UID:")
    assert "UID" not in header_of(data)


def test_uids_hold_no_date_and_no_title() -> None:
    """A UID is a version-5 UUID @plan2cal: ASCII, short, free of dates and plan text."""
    data = ics_bytes(schedule_of(demo_data(milestones=[LAUNCH])), STAMP)
    for event in events_of(data):
        uid = event["UID"]
        assert UID_PATTERN.match(uid), uid
        assert uuid.UUID(uid.removesuffix("@plan2cal")).version == 5
        day = event.get("DTSTART", event.get("DTSTART;VALUE=DATE", ""))[:8]
        assert day not in uid and f"{day[:4]}-{day[4:6]}-{day[6:]}" not in uid


def test_session_description_names_phase_effort_and_link() -> None:
    """A session's DESCRIPTION says its phase, the task's effort and sessions, and its link."""
    data = demo_data()
    data["phases"][0]["tasks"][0] |= {
        "link": "https://example.org/a?x=1,2;3",
        "description": "Read chapter 1, then 2.",
    }
    events = events_of(ics_bytes(schedule_of(data), STAMP))
    task_a = [e for e in events if e["X-PLAN2CAL-ITEM"].startswith("a#")]
    assert len(task_a) == 2
    for event in task_a:
        description = unescape(event["DESCRIPTION"])
        assert "Phase: Phase One" in description
        assert "Effort: 3h in 2 sessions" in description
        assert "Link: https://example.org/a?x=1,2;3" in description
        assert description.endswith("Read chapter 1, then 2.")
        assert event["URL"] == "https://example.org/a?x=1,2;3"
    task_b = next(e for e in events if e["X-PLAN2CAL-ITEM"].startswith("task-b#"))
    # Task B has no hours: 23 quarter hours of the 17 h its phase leaves, by weight 1:2.
    assert "Effort: 5h45m in 4 sessions (shared from the phase's weeks)" in unescape(
        task_b["DESCRIPTION"]
    )
    assert "URL" not in task_b


def test_control_characters_are_stripped() -> None:
    """No C0 control character (but TAB) or DEL reaches any line, whichever field it came in."""
    dirty = "x\x00y\x01z\x0b\x1b[31m\x7f\x1c!"
    data = {
        "plan": "dirty",
        "title": f"Title {dirty}",
        "defaults": {"timezone": "Europe/Berlin"},
        "phases": [
            {
                "id": "p",
                "name": f"Phase {dirty}",
                "description": f"Phase text {dirty}",
                "tasks": [
                    {
                        "id": "t",
                        "name": f"Task {dirty}",
                        "hours": 1,
                        "description": f"Task text {dirty}",
                        "link": "https://example.org/a\x00b\x1bc\x7fd",
                    }
                ],
            }
        ],
        "milestones": [
            {"id": "m", "name": f"Done {dirty}", "date": "2027-02-01", "description": dirty}
        ],
    }
    ics = ics_bytes(schedule_of(data, dt.date(2027, 1, 4)), STAMP)
    dirty_lines = [line for line in ics.split(b"\r\n") if FORBIDDEN_CONTROL.search(line)]
    assert dirty_lines == []
    summaries = {unescape(e["SUMMARY"]) for e in events_of(ics)}
    assert "Task xyz[31m! (1/1)" in summaries


def test_milestones_are_transparent_all_day_events() -> None:
    """Phase ends and fixed milestones: VALUE=DATE, exclusive DTEND the next day, TRANSPARENT."""
    events = events_of(ics_bytes(schedule_of(demo_data(milestones=[LAUNCH])), STAMP))
    milestones = [e for e in events if "DTSTART;VALUE=DATE" in e]
    assert sorted(unescape(e["SUMMARY"]) for e in milestones) == [
        "Milestone: Launch, v1",
        "Milestone: Phase One",
        "Milestone: Phase Two",
    ]
    for event in milestones:
        start = dt.datetime.strptime(event["DTSTART;VALUE=DATE"], "%Y%m%d").date()
        end = dt.datetime.strptime(event["DTEND;VALUE=DATE"], "%Y%m%d").date()
        assert end == start + dt.timedelta(days=1), event
        assert event["TRANSP"] == "TRANSPARENT"
    launch = next(e for e in milestones if e["X-PLAN2CAL-ITEM"] == "milestone:launch")
    assert (launch["DTSTART;VALUE=DATE"], launch["DTEND;VALUE=DATE"]) == ("20261231", "20270101")
    assert {e["TRANSP"] for e in events if "DTSTART" in e} == {"OPAQUE"}
    assert {e["STATUS"] for e in events} == {"CONFIRMED"}


def test_dst_change_moves_utc_times() -> None:
    """19:00 Europe/Berlin is 18:00Z before 28 March 2027 and 17:00Z from that day on."""
    data = {
        "plan": "dst",
        "title": "DST",
        "defaults": {
            "timezone": "Europe/Berlin",
            "hours_per_week": 7,
            "windows": {"mon-sun": "19:00-20:00"},
        },
        "phases": [{"id": "p", "name": "P", "tasks": [{"id": "t", "name": "T", "hours": 10}]}],
    }
    events = events_of(ics_bytes(schedule_of(data, dt.date(2027, 3, 22)), STAMP))
    starts = {e["DTSTART"]: e["DTEND"] for e in events if "DTSTART" in e}
    assert starts["20270327T180000Z"] == "20270327T190000Z"  # Saturday, CET (UTC+1)
    assert starts["20270328T170000Z"] == "20270328T180000Z"  # Sunday, CEST (UTC+2) from 03:00
    assert starts["20270329T170000Z"] == "20270329T180000Z"
    assert not any(start.endswith("T180000Z") and start > "20270328" for start in starts)


# ---------------------------------------------------------------------------- 4. golden files


def check_golden(data: bytes, name: str) -> None:
    """Compare with tests/golden/NAME byte for byte, or rewrite it when asked to.

    Unlike goldens.check_golden, a difference is shown by assert_same_bytes: split at CRLF,
    control characters escaped, labelled with the path from the project root.
    """
    expected = golden_bytes(data, name)
    assert_same_bytes(data, expected, str((GOLDEN / name).relative_to(GOLDEN.parent.parent)))


@requires_bundled_plan
def test_bundled_plan_matches_golden(run_cli: Any, tmp_path: Path) -> None:
    """`plan2cal schedule plans/ai-pm-transition.yaml --start 2027-01-04` writes the golden."""
    progress = tmp_path / "progress.yaml"  # never beside the repository's own plan
    result = run_cli(
        "schedule",
        BUNDLED_PLAN,
        "--start",
        "2027-01-04",
        "--today",
        "2026-12-01",
        "-o",
        tmp_path,
        "--progress",
        progress,
    )
    assert result.exit_code == 0, result.output
    check_golden((tmp_path / "ai-pm-transition.ics").read_bytes(), "ai-pm-transition.ics")


def test_demo_plan_matches_golden(run_cli: Any, write_plan: Any, tmp_path: Path) -> None:
    """`plan2cal schedule demo.yaml --start 2026-12-07` writes the golden bytes."""
    plan = write_plan(DEMO_PLAN, "demo.yaml")
    result = run_cli(
        "schedule", plan, "--start", "2026-12-07", "--today", "2026-12-01", "-o", tmp_path / "out"
    )
    assert result.exit_code == 0, result.output
    check_golden((tmp_path / "out" / "demo.ics").read_bytes(), "demo.ics")
