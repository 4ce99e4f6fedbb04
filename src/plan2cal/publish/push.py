"""Push a schedule's events into a CalDAV calendar and keep it in step after every rerun.

One resource per event at ``<collection>/<URL-encoded UID>.ics`` (DESIGN §9, issue 9), in two
phases:

1. **Read** (``_plan``): one PROPFIND lists the collection's resources and ETags; resources
   not known from the push state, or whose ETag changed since plan2cal wrote them, are read
   with calendar-multiget. plan2cal's own are recognised by ``X-PLAN2CAL-PLAN``; the others
   are remembered (path and ETag) and never touched. Each event then needs nothing (its bytes
   and its ETag are what the last push left), a create, an update, or a delete (cancelled,
   or no longer in the schedule). An event someone edited on the server since plan2cal wrote
   it — its ETag changed and so did its content — is a conflict, left alone unless ``force``.
2. **Write** (``_Writer``): the steps run on a few threads sharing one connection pool;
   creates carry ``If-None-Match: *``, updates and deletes ``If-Match``. A 412 reads the
   server's copy and decides again; a 409 (or Xandikos' 412) ``no-uid-conflict`` finds the
   UID with a calendar-query and updates it where it lives. A refusal that concerns one
   event (a 400 for its content) is reported with it, as a conflict, and the push goes on;
   one that concerns them all (401, 403, a server failing) stops it. Each confirmed write
   goes into the push state, saved every second and whenever the push stops, so a push cut
   off by a network failure raises ``ServerUnreachableError`` and the next one finishes the
   job: a confirmation that was lost shows as a resource already holding what would be sent,
   which is recorded, not written again.

SEQUENCE is never touched here: the bytes are ``export.ics.event_ics``'s, exactly the file's.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from plan2cal.files import write_atomic
from plan2cal.publish.credentials import strip_userinfo
from plan2cal.publish.errors import ConflictError, PublishError
from plan2cal.publish.push_state import (
    CollectionState,
    PushedEvent,
    PushState,
    load_push_state,
    push_state_bytes,
)
from plan2cal.publish.resources import Resource, plan_marker, read_resource
from plan2cal.publish.webdav import Connection, Fetched, Listing, WebDav, answer_of

ProgressCallback = Callable[[int, int], None]
_SAVE_EVERY = 1.0  # seconds between saves of the push state while writing
_NAMED = 3  # conflicts named in the error line; the rest are counted


@dataclass(frozen=True)
class Change:
    """One event created, updated or deleted (or that would be, in a dry run)."""

    uid: str
    summary: str
    path: str


@dataclass(frozen=True)
class Conflict:
    """An event plan2cal did not write over, and why; ``edited`` when someone changed it on
    the server (``force`` overwrites those), False when the server refused it."""

    uid: str
    summary: str
    path: str
    reason: str
    edited: bool = True


@dataclass(frozen=True)
class PushResult:
    """What a push did (or, with ``dry_run``, would do) to one calendar collection."""

    url: str
    created: tuple[Change, ...]
    updated: tuple[Change, ...]
    deleted: tuple[Change, ...]
    conflicts: tuple[Conflict, ...]
    unchanged: int
    seconds: float
    requests: int
    dry_run: bool = False

    @property
    def writes(self) -> int:
        """The PUTs and DELETEs made (or planned)."""
        return len(self.created) + len(self.updated) + len(self.deleted)

    def summary(self) -> str:
        """One line: ``pushed to URL: 8 created, 251 updated, 12 deleted, 0 conflicts in 1.9 s``."""
        verb = "would push to" if self.dry_run else "pushed to"
        conflicts = len(self.conflicts)
        return (
            f"{verb} {self.url}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted, {conflicts} conflict{'' if conflicts == 1 else 's'}"
            f" in {self.seconds:.1f} s"
        )

    def conflict_error(self) -> ConflictError | None:
        """The error to end a push with when it left events unwritten (exit code 7), in one
        line naming the first few; None when every event went through."""
        if not self.conflicts or self.dry_run:
            return None
        count = len(self.conflicts)
        shown = [f"'{c.summary or c.uid}' ({c.reason})" for c in self.conflicts[:_NAMED]]
        more = f" and {count - _NAMED} more" if count > _NAMED else ""
        events = "1 event was" if count == 1 else f"{count} events were"
        hint = ""
        if any(conflict.edited for conflict in self.conflicts):
            hint = "; push again with --force to overwrite what was edited on the server"
        return ConflictError(f"{events} not pushed to {self.url}: {', '.join(shown)}{more}{hint}")


def push_events(
    url: str,
    resources: Sequence[Resource],
    *,
    plan_id: str,
    state_file: Path,
    connection: Connection | None = None,
    force: bool = False,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
) -> PushResult:
    """Make the calendar collection at ``url`` hold exactly the plan's live events.

    ``resources`` are the run's events (``calendar_resources``), cancelled ones included: those
    are deleted. ``state_file`` is the push state (``push_state_path``), read and written
    here; the caller holds the plan's lock. ``force`` overwrites or deletes events someone
    edited on the server. ``dry_run`` reads the server and the state and changes neither.
    ``on_progress(done, total)`` is called from this thread, first with ``done=0`` once the
    writes to make are known, then as each completes.

    Raises a PublishError subclass (exit code 7) when the server cannot be reached or
    refuses; what was confirmed before is saved in the push state.
    """
    started = time.perf_counter()
    url = url if url.endswith("/") else url + "/"
    connection = connection or Connection()
    state = load_push_state(state_file, plan_id)
    collection = state.collections.get(url, CollectionState())
    with WebDav(url, connection) as dav:
        token = dav.collection_token(url)
        if token is not None and token == collection.token:
            # Nothing changed there since the last push: the push state is the listing.
            members = {event.path: event.etag for event in collection.events.values()}
            listing = Listing(url, members | collection.foreign)
        else:
            listing = dav.list_members(url)
        plan = _plan(dav, listing, collection, resources, plan_marker(plan_id), force)
        if dry_run:
            return plan.result(url, time.perf_counter() - started, dav.stats.requests, dry_run=True)
        state.collections[url] = plan.collection
        writer = _Writer(dav, url, plan_marker(plan_id), force, plan.collection, state, state_file)
        outcomes = writer.run(plan.steps, on_progress)
        result = plan.result(url, 0.0, 0, outcomes=outcomes)
        if result.conflicts:
            # Read the collection again next time, to report the conflicts again.
            plan.collection.token = None
        else:
            plan.collection.token = dav.collection_token(url) if result.writes else token
        writer.save()
    seconds = time.perf_counter() - started
    return dataclasses.replace(result, seconds=seconds, requests=dav.stats.requests)


def check_calendar(url: str, connection: Connection | None = None) -> None:
    """Raise the PublishError a push to ``url`` would meet first: a wrong password, a URL that
    is no calendar collection, a certificate that cannot be verified, no answer."""
    with WebDav(url, connection or Connection()) as dav:
        dav.collection_token(url if url.endswith("/") else url + "/")


def make_calendar(home_url: str, name: str, connection: Connection | None = None) -> str:
    """Create a calendar called ``name`` under the calendar home ``home_url``; its URL.

    The collection's last segment is ``name`` made a slug (``plan2cal: My plan`` →
    ``plan2cal-my-plan``). A calendar already there is kept and its URL returned.
    """
    home = home_url if home_url.endswith("/") else home_url + "/"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "plan2cal"
    url = home + slug + "/"
    with WebDav(url, connection or Connection()) as dav:
        dav.make_calendar(url, name)
    return url


# --- reading: what each event needs ----------------------------------------------------------


@dataclass(frozen=True)
class _Remote:
    """One of plan2cal's resources as the server holds it now."""

    path: str
    etag: str | None
    fingerprint: str
    summary: str


@dataclass(frozen=True)
class _Step:
    """One write to make."""

    kind: Literal["create", "update", "delete"]
    uid: str
    summary: str
    path: str
    etag: str | None  # If-Match for an update or a delete
    resource: Resource | None
    record: PushedEvent | None  # what plan2cal last wrote there, if it knows

    def change(self) -> Change:
        return Change(self.uid, self.summary, self.path)


_Kind = Literal["created", "updated", "deleted", "unchanged", "conflict"]


@dataclass(frozen=True)
class _Outcome:
    """What one step ended in: the event's new record (None once deleted), or a conflict."""

    step: _Step
    kind: _Kind
    record: PushedEvent | None = None
    conflict: Conflict | None = None


@dataclass
class _Plan:
    steps: list[_Step]
    conflicts: list[Conflict]
    unchanged: int
    collection: CollectionState  # the push state updated with what the read found

    def result(
        self,
        url: str,
        seconds: float,
        requests: int,
        *,
        outcomes: Sequence[_Outcome] | None = None,
        dry_run: bool = False,
    ) -> PushResult:
        done: dict[str, list[Change]] = {"created": [], "updated": [], "deleted": []}
        conflicts = list(self.conflicts)
        unchanged = self.unchanged
        if outcomes is None:
            for step in self.steps:
                done[f"{step.kind}d"].append(step.change())
        else:
            for outcome in outcomes:
                if outcome.conflict is not None:
                    conflicts.append(outcome.conflict)
                elif outcome.kind == "unchanged":
                    unchanged += 1
                else:
                    done[outcome.kind].append(outcome.step.change())
        return PushResult(
            url=strip_userinfo(url),
            created=tuple(done["created"]),
            updated=tuple(done["updated"]),
            deleted=tuple(done["deleted"]),
            conflicts=tuple(conflicts),
            unchanged=unchanged,
            seconds=seconds,
            requests=requests,
            dry_run=dry_run,
        )


def _plan(
    dav: WebDav,
    listing: Listing,
    known: CollectionState,
    resources: Sequence[Resource],
    marker: str,
    force: bool,
) -> _Plan:
    """Compare the schedule with the collection and the push state: the writes to make."""
    records = known.events
    by_path = {record.path: uid for uid, record in records.items()}
    remote: dict[str, _Remote] = {}
    foreign: dict[str, str | None] = {}
    unread: list[str] = []
    for path, etag in listing.members.items():
        uid = by_path.get(path)
        if uid is not None and etag is not None and etag == records[uid].etag:
            remote[uid] = _Remote(path, etag, records[uid].fingerprint, records[uid].summary)
        elif uid is None and etag is not None and known.foreign.get(path) == etag:
            foreign[path] = etag  # not plan2cal's, and unchanged since it was last read
        else:
            unread.append(path)
    for fetched in dav.multiget(listing.url, unread):
        read = read_resource(fetched.data)
        if read.plan == marker and read.uid:
            remote[read.uid] = _Remote(fetched.path, fetched.etag, read.fingerprint, read.summary)
        else:
            foreign[fetched.path] = fetched.etag

    collection_path = dav.path_of(listing.url)
    steps: list[_Step] = []
    conflicts: list[Conflict] = []
    events: dict[str, PushedEvent] = {}
    unchanged = 0
    wanted = {resource.uid for resource in resources}

    def remove(uid: str, current: _Remote, record: PushedEvent | None) -> None:
        if not force and _edited(current, record):
            conflicts.append(
                Conflict(
                    uid,
                    current.summary,
                    current.path,
                    "edited on the server since the last push, so it was not deleted",
                )
            )
            return
        steps.append(
            _Step("delete", uid, current.summary, current.path, current.etag, None, record)
        )

    for resource in resources:
        uid = resource.uid
        current = remote.get(uid)
        record = records.get(uid)
        if resource.data is None:
            if current is not None:
                remove(uid, current, record)
            continue
        if current is None:
            path = collection_path + uid + ".ics"
            steps.append(_Step("create", uid, resource.summary, path, None, resource, record))
            continue
        digest = resource.digest
        if (
            record is not None
            and record.digest == digest
            and record.path == current.path
            and current.etag is not None
            and record.etag == current.etag
        ):
            events[uid] = record
            unchanged += 1
            continue
        sent = read_resource(resource.data).fingerprint
        if current.fingerprint == sent:
            # The server holds these bytes already: a confirmation lost by an interrupted push,
            # or the server rewrote the resource. Record it; nothing to send.
            events[uid] = PushedEvent(current.path, current.etag, digest, sent, resource.summary)
            unchanged += 1
            continue
        if not force and _edited(current, record):
            conflicts.append(
                Conflict(
                    uid,
                    current.summary,
                    current.path,
                    "edited on the server since the last push, so it was not overwritten",
                )
            )
            if record is not None:
                events[uid] = record
            continue
        steps.append(
            _Step("update", uid, resource.summary, current.path, current.etag, resource, record)
        )
    for uid, current in remote.items():
        if uid not in wanted:
            remove(uid, current, records.get(uid))
    # Keep the records of events still on the server until their step confirms a change.
    for step in steps:
        if step.record is not None and step.kind != "create":
            events[step.uid] = step.record
    for conflict in conflicts:
        if conflict.uid in records and conflict.uid not in events:
            events[conflict.uid] = records[conflict.uid]
    return _Plan(steps, conflicts, unchanged, CollectionState(events, foreign))


def _edited(current: _Remote, record: PushedEvent | None) -> bool:
    """True when someone changed the resource since plan2cal wrote it.

    Without a record (the push state was lost, or the event arrived another way) the resource
    carries plan2cal's marker and is taken as plan2cal's own: there is nothing to compare with.
    """
    if record is None:
        return False
    if current.etag is not None and current.etag == record.etag:
        return False
    return current.fingerprint != record.fingerprint


# --- writing ---------------------------------------------------------------------------------


@dataclass
class _Writer:
    """Runs the steps on a few threads, records each confirmed write, saves as it goes."""

    dav: WebDav
    url: str
    marker: str
    force: bool
    collection: CollectionState
    state: PushState
    state_file: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, steps: Sequence[_Step], on_progress: ProgressCallback | None) -> list[_Outcome]:
        """Every step's outcome; on a failure, the state is saved and the error raised."""
        outcomes: list[_Outcome] = []
        total = len(steps)
        if on_progress is not None:
            on_progress(0, total)
        if not steps:
            return outcomes
        saved = time.monotonic()
        pool = ThreadPoolExecutor(max_workers=self.dav.connection.workers)
        futures: list[Future[_Outcome]] = [pool.submit(self._step, step) for step in steps]
        recorded: set[int] = set()
        try:
            for future in as_completed(futures):
                outcome = future.result()
                recorded.add(id(future))
                self._record(outcome)
                outcomes.append(outcome)
                if on_progress is not None:
                    on_progress(len(outcomes), total)
                if time.monotonic() - saved > _SAVE_EVERY:
                    self.save()
                    saved = time.monotonic()
        except BaseException as exc:
            pool.shutdown(wait=True, cancel_futures=True)
            for future in futures:
                if id(future) in recorded or not future.done() or future.cancelled():
                    continue
                if future.exception() is None:
                    outcome = future.result()
                    self._record(outcome)
                    outcomes.append(outcome)
            self.save()
            if isinstance(exc, PublishError):
                written = sum(
                    1 for outcome in outcomes if outcome.kind not in {"unchanged", "conflict"}
                )
                raise type(exc)(
                    f"{exc} ({written} of {total} changes were made before it stopped)"
                ) from None
            raise
        pool.shutdown(wait=True)
        return outcomes

    def _record(self, outcome: _Outcome) -> None:
        uid = outcome.step.uid
        if outcome.kind == "deleted":
            self.collection.events.pop(uid, None)
        elif outcome.record is not None:
            self.collection.events[uid] = outcome.record

    def save(self) -> None:
        """Write the push state as it stands."""
        write_atomic(self.state_file, push_state_bytes(self.state))

    # Each step runs on a worker thread; it only talks to the server and returns its outcome.

    def _step(self, step: _Step) -> _Outcome:
        if step.kind == "delete":
            return self._delete(step)
        assert step.resource is not None and step.resource.data is not None
        response = self.dav.put(step.path, step.resource.data, etag=step.etag)
        return self._after_put(step, step.path, response, retry=True)

    def _after_put(
        self, step: _Step, path: str, response: httpx.Response, *, retry: bool
    ) -> _Outcome:
        status = response.status_code
        kind: _Kind = "created" if step.kind == "create" else "updated"
        if 200 <= status < 300:
            return _Outcome(step, kind, self._written(step, path, response.headers.get("ETag")))
        if _uid_conflict(response) and retry:
            # The UID lives at another path of the collection (RFC 4791 §5.3.2.1).
            found = self.dav.find_uid(self.url, step.uid)
            if found is not None:
                return self._settle(step, found)
        elif status == 412 and retry:
            current = self.dav.get(path)
            if current is None:  # deleted meanwhile: create it again
                again = self.dav.put(path, self._data(step), etag=None)
                return self._after_put(step, path, again, retry=False)
            return self._settle(step, current)
        elif status == 404 and step.kind == "update" and retry:
            again = self.dav.put(path, self._data(step), etag=None)
            return self._after_put(step, path, again, retry=False)
        elif status == 412:
            return self._conflict(step, path, "changed on the server while plan2cal wrote it")
        return self._refused(step, path, f"PUT {path}", response)

    def _settle(self, step: _Step, current: Fetched) -> _Outcome:
        """Decide again from the server's copy, after a 412 or a UID found elsewhere."""
        read = read_resource(current.data)
        if read.plan != self.marker:
            return self._conflict(
                step,
                current.path,
                "its UID is held by a resource plan2cal did not write",
                edited=False,
            )
        sent = read_resource(self._data(step)).fingerprint
        if read.fingerprint == sent:
            record = PushedEvent(
                current.path,
                current.etag,
                step.resource.digest if step.resource else "",
                sent,
                step.summary,
            )
            return _Outcome(step, "unchanged", record)
        remote = _Remote(current.path, current.etag, read.fingerprint, read.summary)
        if not self.force and _edited(remote, step.record):
            return self._conflict(step, current.path, "edited on the server since the last push")
        response = self.dav.put(current.path, self._data(step), etag=current.etag)
        updated = _Step(
            "update", step.uid, step.summary, current.path, current.etag, step.resource, step.record
        )
        return self._after_put(updated, current.path, response, retry=False)

    def _delete(self, step: _Step) -> _Outcome:
        response = self.dav.delete(step.path, step.etag)
        status = response.status_code
        if 200 <= status < 300 or status == 404:  # 404: gone already, which is the aim
            return _Outcome(step, "deleted")
        if status == 412:
            current = self.dav.get(step.path)
            if current is None:
                return _Outcome(step, "deleted")
            read = read_resource(current.data)
            remote = _Remote(current.path, current.etag, read.fingerprint, read.summary)
            if not self.force and _edited(remote, step.record):
                return self._conflict(step, step.path, "edited on the server since the last push")
            again = self.dav.delete(step.path, current.etag)
            if 200 <= again.status_code < 300 or again.status_code == 404:
                return _Outcome(step, "deleted")
            if again.status_code == 412:
                return self._conflict(
                    step, step.path, "changed on the server while plan2cal deleted it"
                )
            response = again
        return self._refused(step, step.path, f"DELETE {step.path}", response)

    def _refused(self, step: _Step, path: str, what: str, response: httpx.Response) -> _Outcome:
        """A refusal that concerns this event only (400 for its content, Nextcloud's 400 for a
        UID in its trash bin, 415…) is reported with it and the push goes on; one that concerns
        every request (401, 403, a server failing) stops the push."""
        status = response.status_code
        if status in {401, 403} or status >= 500:
            raise self.dav.refused(what, response)
        return self._conflict(
            step, path, f"the server refused it ({answer_of(response)})", edited=False
        )

    def _written(self, step: _Step, path: str, etag: str | None) -> PushedEvent:
        data = self._data(step)
        assert step.resource is not None
        return PushedEvent(
            path, etag, step.resource.digest, read_resource(data).fingerprint, step.summary
        )

    def _conflict(self, step: _Step, path: str, reason: str, *, edited: bool = True) -> _Outcome:
        return _Outcome(
            step, "conflict", step.record, Conflict(step.uid, step.summary, path, reason, edited)
        )

    @staticmethod
    def _data(step: _Step) -> bytes:
        assert step.resource is not None and step.resource.data is not None
        return step.resource.data


def _uid_conflict(response: httpx.Response) -> bool:
    """A 409 or 412 for a UID already stored at another path of the collection.

    Radicale answers 409 with ``no-uid-conflict``; Xandikos 412 with the same precondition.
    """
    if response.status_code == 409:
        return True
    return response.status_code == 412 and b"no-uid-conflict" in response.content
