"""What the last pushes left on each calendar server: the push state, ``<plan>.push.json``.

Why a file of its own beside ``<plan>.state.json`` rather than a section of it: the state file
is written once per run, last in the output transaction (DESIGN §8); the push state is written
while a push goes on, as writes are confirmed, so that a push cut off half way resumes where it
stopped. Mixing the two would make every confirmation rewrite the calendar's revisions, or
make a push wait for the transaction. The push state also answers a different question (what
is on a server, per collection URL), and losing it costs nothing but time: the next push reads
the collection back and recognises plan2cal's events by their ``X-PLAN2CAL-PLAN`` marker.

Per collection URL, per UID: the resource's path, the ETag the server gave after plan2cal's
write, the digest of the bytes sent (unchanged bytes are not sent again) and the fingerprint of
their content (to tell an edit by someone else from the server's own rewriting), plus the
resources plan2cal did not write, with their ETags, so that they are not read again while they
stay the same. No user name or password is ever stored here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from plan2cal.errors import ProgressError

PUSH_STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class PushedEvent:
    """One event as plan2cal last wrote it to a collection."""

    path: str  # the resource's decoded path on the server
    etag: str | None  # its ETag after the write; None when the server gave none
    digest: str  # Resource.digest of the bytes sent
    fingerprint: str  # read_resource(bytes sent).fingerprint
    summary: str


@dataclass
class CollectionState:
    """What plan2cal knows of one calendar collection."""

    events: dict[str, PushedEvent] = field(default_factory=dict)  # by UID
    foreign: dict[str, str | None] = field(default_factory=dict)  # path → ETag, not plan2cal's
    # The collection's change token (getctag or sync-token) when it held exactly the above.
    token: str | None = None


@dataclass
class PushState:
    """The whole push state of a plan: one entry per collection URL pushed to."""

    plan: str
    collections: dict[str, CollectionState] = field(default_factory=dict)


def push_state_path(output: Path, plan_id: str) -> Path:
    """Where a plan's push state lives: beside its state file, ``<output>/<plan>.push.json``."""
    return output / f"{plan_id}.push.json"


def load_push_state(path: Path, plan_id: str) -> PushState:
    """Read the push state; an empty one when the file does not exist.

    A damaged file raises ProgressError (exit code 5) and is left as it is.
    """
    if not path.exists():
        return PushState(plan_id)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(raw, dict):
            raise TypeError("the file must hold one JSON object")
        if raw.get("version") != PUSH_STATE_VERSION:
            raise ValueError(f"version {raw.get('version')!r}, expected {PUSH_STATE_VERSION}")
        collections = {}
        for url, collection in raw["collections"].items():
            events = {str(uid): _event(record) for uid, record in collection["events"].items()}
            foreign = {
                str(path): _text_or_none(etag) for path, etag in collection["foreign"].items()
            }
            token = _text_or_none(collection.get("token"))
            collections[str(url)] = CollectionState(events, foreign, token)
        return PushState(str(raw["plan"]), collections)
    except json.JSONDecodeError as exc:
        problem = f"line {exc.lineno}: {exc.msg}"
    except RecursionError:
        problem = "nested too deeply to be a push state"
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    raise ProgressError(
        f"{path}: the push state is damaged ({problem}). It was left as it is: move it away, "
        "and the next push reads the calendar back to rebuild it"
    )


def _event(record: object) -> PushedEvent:
    if not isinstance(record, dict):
        raise TypeError("each event must be an object")
    texts = {}
    for name in ("path", "digest", "fingerprint", "summary"):
        value = record.get(name)
        if not isinstance(value, str):
            raise TypeError(f"{name} must be text")
        texts[name] = value
    return PushedEvent(etag=_text_or_none(record.get("etag")), **texts)


def _text_or_none(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("an ETag must be text or null")
    return value


def push_state_bytes(state: PushState) -> bytes:
    """The push state's content: versioned JSON, one event a line, for readable diffs."""
    blocks = []
    for url, collection in sorted(state.collections.items()):
        events = ",\n".join(
            f"{json.dumps(uid)}: {json.dumps(_record(event))}"
            for uid, event in sorted(collection.events.items())
        )
        frame = {"token": collection.token, "foreign": collection.foreign}
        head = json.dumps(frame, sort_keys=True)
        blocks.append(f'{json.dumps(url)}: {head[:-1]}, "events": {{\n{events}\n}}}}')
    top = json.dumps({"version": PUSH_STATE_VERSION, "plan": state.plan})[:-1]
    body = ",\n".join(blocks)
    return f'{top}, "collections": {{\n{body}\n}}}}\n'.encode()


def _record(event: PushedEvent) -> dict[str, str | None]:
    return {
        "path": event.path,
        "etag": event.etag,
        "digest": event.digest,
        "fingerprint": event.fingerprint,
        "summary": event.summary,
    }
