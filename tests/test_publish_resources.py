"""One event per resource: event_ics says what the .ics file says, read_resource reads it back,
and the push state file keeps what a push confirmed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plan2cal.errors import ProgressError
from plan2cal.export.ics import PRODID, event_ics
from plan2cal.publish.push_state import (
    CollectionState,
    PushedEvent,
    PushState,
    load_push_state,
    push_state_bytes,
    push_state_path,
)
from plan2cal.publish.resources import plan_marker, read_resource, resource_name
from publishing import FIRST_NOW, Run, bundled_plan, first_run, slipped_run
from readers import vobject_calendar


@pytest.fixture(scope="module")
def runs() -> tuple[Run, Run]:
    """The bundled plan's first run and its rerun after a slip (with tombstones)."""
    plan = bundled_plan()
    first = first_run(plan)
    return first, slipped_run(plan, first)


def vevents(data: bytes) -> dict[str, bytes]:
    """UID → the bytes of each VEVENT block, BEGIN to END, as written."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.DOTALL)
    uids = [re.findall(rb"\r\nUID:(.*?)\r\n", block) for block in blocks]
    return {uid.decode(): block for (uid,), block in zip(uids, blocks, strict=True)}


def test_each_resource_holds_the_files_event_byte_for_byte(runs: tuple[Run, Run]) -> None:
    """The VEVENT of each resource is the file's VEVENT for that UID, SEQUENCE and all."""
    for run in runs:
        in_file = vevents(run.ics)
        for uid, resource in run.live.items():
            assert resource.data is not None
            assert vevents(resource.data) == {uid: in_file[uid]}


def test_a_resource_is_version_prodid_calscale_and_one_event(runs: tuple[Run, Run]) -> None:
    """No METHOD and no calendar-level property (RFC 4791 §4.1); CRLF; valid for vobject."""
    _, slipped = runs
    for resource in slipped.live.values():
        assert resource.data is not None
        head = resource.data.split(b"BEGIN:VEVENT")[0]
        frame = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", ""]
        assert head == "\r\n".join(frame).encode()
        assert resource.data.endswith(b"END:VEVENT\r\nEND:VCALENDAR\r\n")
        assert resource.data.count(b"BEGIN:VEVENT") == 1
        assert all(len(line) <= 75 for line in resource.data.split(b"\r\n"))
    vobject_calendar(next(iter(slipped.live.values())).data or b"")


def test_a_cancelled_event_has_no_resource_but_is_listed_for_deletion(
    runs: tuple[Run, Run],
) -> None:
    """The tombstones of the file become deletions: a resource without bytes."""
    _, slipped = runs
    assert slipped.cancelled
    assert slipped.cancelled == {event.uid for event in slipped.revisions.events if event.cancelled}


def test_event_ics_is_the_function_the_resources_come_from(runs: tuple[Run, Run]) -> None:
    """calendar_resources renders each event with export.ics.event_ics, nothing else."""
    first, _ = runs
    event = next(event for event in first.revisions.events if not event.cancelled)
    revision = first.revisions.revisions[event.uid]

    assert event_ics(first.schedule.plan, event, FIRST_NOW, revision) == first.live[event.uid].data


def test_the_fingerprint_ignores_what_servers_change_and_sees_what_people_change(
    runs: tuple[Run, Run],
) -> None:
    """Reordered properties, other folding, lower-case names, a new DTSTAMP or another
    program's X- property keep the fingerprint; a new title or time changes it."""
    first, _ = runs
    data = next(iter(first.live.values())).data or b""
    lines = data.decode().replace("\r\n ", "").split("\r\n")
    event = lines.index("BEGIN:VEVENT")
    body = lines[event + 1 : lines.index("END:VEVENT")]
    rewritten = [
        *lines[: event + 1],
        *reversed(body),
        "X-MOZ-LASTACK:20270101T000000Z",
        *lines[lines.index("END:VEVENT") :],
    ]
    rewritten = [re.sub(r"^DTSTAMP:.*", "dtstamp:20990101T000000Z", line) for line in rewritten]
    same = "\n".join(rewritten).encode()
    other_title = data.replace(b"SUMMARY:", b"SUMMARY:Renamed ")

    original = read_resource(data)
    assert read_resource(same).fingerprint == original.fingerprint
    assert read_resource(same).uid == original.uid
    assert read_resource(other_title).fingerprint != original.fingerprint
    assert original.plan == plan_marker(first.schedule.plan)


def test_a_resource_is_named_after_its_url_encoded_uid() -> None:
    """``<uid>.ics`` with the UID percent-encoded, ``@`` included."""
    assert resource_name("93aafd77@plan2cal") == "93aafd77%40plan2cal.ics"


def test_the_push_state_round_trips_and_names_no_password(tmp_path: Path) -> None:
    """What is saved is what is loaded: per collection, the events, foreign paths and token."""
    state = PushState(
        "demo",
        {
            "https://dav.example.org/alice/plan/": CollectionState(
                {
                    "u@plan2cal": PushedEvent(
                        "/alice/plan/u@plan2cal.ics", '"e1"', "d", "f", "A (1/2)"
                    )
                },
                {"/alice/plan/dentist.ics": '"e2"'},
                "token-1",
            )
        },
    )
    path = push_state_path(tmp_path, "demo")
    path.write_bytes(push_state_bytes(state))

    assert path.name == "demo.push.json"
    assert load_push_state(path, "demo") == state
    assert load_push_state(tmp_path / "missing.push.json", "demo") == PushState("demo")


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"[]",
        b'{"version": 9}',
        b'{"version": 1, "plan": "x", "collections": {"u": {"events": {"a": {"path": 1}}, '
        b'"foreign": {}}}}',
    ],
    ids=["truncated", "not an object", "other version", "wrong type"],
)
def test_a_damaged_push_state_stops_with_exit_code_five(tmp_path: Path, content: bytes) -> None:
    """A push state that cannot be read is left as it is and named, with the way out."""
    path = tmp_path / "demo.push.json"
    path.write_bytes(content)

    with pytest.raises(ProgressError, match="the push state is damaged") as caught:
        load_push_state(path, "demo")

    assert caught.value.exit_code == 5
    assert "move it away" in str(caught.value)
    assert path.read_bytes() == content
