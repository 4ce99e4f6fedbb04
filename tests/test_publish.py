"""plan2cal.publish.push against real CalDAV servers: Radicale and Xandikos, started by the tests.

The scenario of issue 9: push the bundled plan, add someone else's event, slip and push again,
push once more; then each way a push can fail, each with its own error (exit code 7) and a
next push that recovers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import trustme

from conftest import CALDAV_PASSWORD, CALDAV_USER
from plan2cal.errors import Plan2CalError
from plan2cal.publish import (
    AuthenticationError,
    CertificateError,
    Connection,
    Credentials,
    NotACalendarError,
    PublishError,
    PushResult,
    Resource,
    ServerRefusedError,
    ServerUnreachableError,
    make_calendar,
    push_events,
)
from plan2cal.publish.resources import plan_marker, read_resource
from publishing import (
    FOREIGN_EVENT,
    Run,
    bundled_plan,
    demo_plan,
    first_run,
    put_raw,
    server_events,
    slipped_run,
)
from servers import CalDavServer, radicale, static_files

# The bundled plan on Radicale; the same steps on the small demo plan on Xandikos, which
# commits every write to git and would take half a minute more for the bundled plan.
SCENARIOS = [("radicale_server", "bundled_runs"), ("xandikos_server", "demo_runs")]


@pytest.fixture(scope="module")
def bundled_runs() -> tuple[Run, Run]:
    """The bundled plan's first run and its rerun after the slip."""
    plan = bundled_plan()
    first = first_run(plan)
    return first, slipped_run(plan, first)


@pytest.fixture(scope="module")
def demo_runs() -> tuple[Run, Run]:
    """The demo plan's first run and its rerun after a slip."""
    plan = demo_plan()
    first = first_run(plan)
    return first, slipped_run(plan, first, first.schedule.start.replace(day=12))


def connection_for(
    server: CalDavServer, *, workers: int = 4, retries: int = 3, backoff: float = 0.25
) -> Connection:
    """A connection with the server's own credentials (none for Xandikos)."""
    credentials = (
        Credentials(server.user, server.password) if server.user and server.password else None
    )
    return Connection(credentials, retries=retries, backoff=backoff, workers=workers)


def auth_of(server: CalDavServer) -> tuple[str, str] | None:
    """The (user, password) pair for a raw request."""
    return (server.user, server.password) if server.user and server.password else None


def push_run(
    server: CalDavServer,
    url: str,
    run: Run,
    state: Path,
    *,
    connection: Connection | None = None,
    force: bool = False,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> PushResult:
    """Push one run's resources, with the server's credentials unless told otherwise."""
    return push_events(
        url,
        run.resources,
        plan_id=run.schedule.plan,
        state_file=state,
        connection=connection or connection_for(server),
        force=force,
        dry_run=dry_run,
        on_progress=on_progress,
    )


def assert_holds(server: CalDavServer, url: str, run: Run, foreign: int = 0) -> None:
    """The collection holds exactly the run's live events, as the .ics file says them, plus
    ``foreign`` events of someone else's."""
    on_server = server_events(url, auth_of(server))
    ours = {uid: view for uid, (_, view) in on_server.items() if view.marker is not None}
    assert len(on_server) - len(ours) == foreign
    assert set(ours) == set(run.live)
    assert ours == run.file_events


# --- the scenario ----------------------------------------------------------------------------


@pytest.mark.parametrize(("server_fixture", "runs_fixture"), SCENARIOS)
def test_a_slip_moves_the_pushed_events_in_place_and_leaves_other_events_alone(
    server_fixture: str, runs_fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Push, add a foreign event, slip and push: moved events moved with the file's SEQUENCE,
    removed ones gone, no UID twice, the foreign event untouched; a further push writes
    nothing, even with the push state lost."""
    server: CalDavServer = request.getfixturevalue(server_fixture)
    first, slipped = request.getfixturevalue(runs_fixture)
    url = server.new_calendar("scenario")
    state = tmp_path / "plan.push.json"

    result = push_run(server, url, first, state)

    assert (len(result.created), result.writes, result.conflicts) == (
        len(first.live),
        len(first.live),
        (),
    )
    assert_holds(server, url, first)

    foreign_url = url + "dentist.ics"
    assert put_raw(foreign_url, FOREIGN_EVENT, auth_of(server)).status_code == 201
    foreign_before = httpx.get(foreign_url, auth=auth_of(server))

    result = push_run(server, url, slipped, state)

    moved = {
        uid
        for uid in first.live.keys() & slipped.live.keys()
        if first.live[uid].data != slipped.live[uid].data
    }
    assert {change.uid for change in result.updated} == moved
    assert {change.uid for change in result.created} == slipped.live.keys() - first.live.keys()
    assert {change.uid for change in result.deleted} == first.live.keys() - slipped.live.keys()
    assert result.conflicts == ()
    assert slipped.revisions.changed > 0 and slipped.revisions.cancelled > 0  # a real slip
    assert_holds(server, url, slipped, foreign=1)
    assert all(view.sequence == 1 for uid, view in slipped.file_events.items() if uid in moved)
    foreign_after = httpx.get(foreign_url, auth=auth_of(server))
    assert (foreign_after.content, foreign_after.headers["ETag"]) == (
        foreign_before.content,
        foreign_before.headers["ETag"],
    )

    etags = {uid: etag for uid, (etag, _) in server_events(url, auth_of(server)).items()}
    result = push_run(server, url, slipped, state)

    assert (result.writes, result.conflicts, result.unchanged) == (0, (), len(slipped.live))
    assert {uid: etag for uid, (etag, _) in server_events(url, auth_of(server)).items()} == etags

    # With the push state lost, the server's copies (as this server rewrites them) are
    # recognised as what would be sent: still nothing to write.
    state.unlink()
    result = push_run(server, url, slipped, state)

    assert (result.writes, result.conflicts, result.unchanged) == (0, (), len(slipped.live))


def test_a_push_with_nothing_new_sends_one_request(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """The progress callback counts from 0 to every write; then, while the collection's
    change token stays the one recorded, a push asks for it and nothing else; a dry run after
    a slip lists the changes and makes none."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("quiet")
    state = tmp_path / "plan.push.json"
    progress: list[tuple[int, int]] = []
    push_run(radicale_server, url, first, state, on_progress=lambda *done: progress.append(done))

    again = push_run(radicale_server, url, first, state)
    dry = push_run(radicale_server, url, slipped, state, dry_run=True)

    total = len(first.live)
    assert progress == [(done, total) for done in range(total + 1)]
    assert (again.writes, again.requests) == (0, 1)
    assert dry.dry_run and dry.writes > 0
    assert dry.summary().startswith(f"would push to {url}: ")
    assert_holds(radicale_server, url, first)


def test_the_summary_line_counts_each_kind_of_change() -> None:
    """The line the command line prints, in the issue's words."""
    result = PushResult("https://dav.example.org/cal/", (), (), (), (), 3, 1.94, 2)

    assert result.summary() == (
        "pushed to https://dav.example.org/cal/: 0 created, 0 updated, 0 deleted, 0 conflicts "
        "in 1.9 s"
    )


# --- conflicts and UIDs that live elsewhere --------------------------------------------------


def moved_uid(first: Run, slipped: Run) -> str:
    """An event the slip moves (present in both runs, with new bytes)."""
    return next(
        uid
        for uid in first.live
        if uid in slipped.live and first.live[uid].data != slipped.live[uid].data
    )


def edited(data: bytes) -> bytes:
    """An event as a person edits it in their calendar app: a new title and a bumped SEQUENCE."""
    text = data.decode()
    summary = next(line for line in text.split("\r\n") if line.startswith("SUMMARY:"))
    text = text.replace(summary, "SUMMARY:Moved by hand to a better evening")
    return text.replace("SEQUENCE:0", "SEQUENCE:7").encode()


def test_an_event_edited_on_the_server_is_reported_and_kept_unless_forced(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """A slip does not overwrite an event someone edited since the push: it is a conflict,
    reported again by the next push, and overwritten only with force."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("edited")
    state = tmp_path / "plan.push.json"
    push_run(radicale_server, url, first, state)
    uid = moved_uid(first, slipped)
    path = url + uid.replace("@", "%40") + ".ics"
    current = httpx.get(path, auth=auth_of(radicale_server))
    data = first.live[uid].data
    assert data is not None
    put_raw(path, edited(data), auth_of(radicale_server), current.headers["ETag"])

    result = push_run(radicale_server, url, slipped, state)
    again = push_run(radicale_server, url, slipped, state)

    assert [conflict.uid for conflict in result.conflicts] == [uid]
    assert "edited on the server" in result.conflicts[0].reason
    assert [conflict.uid for conflict in again.conflicts] == [uid]
    assert again.writes == 0
    kept = server_events(url, auth_of(radicale_server))[uid][1]
    assert kept.summary == "Moved by hand to a better evening"

    forced = push_run(radicale_server, url, slipped, state, force=True)

    assert [change.uid for change in forced.updated] == [uid]
    assert_holds(radicale_server, url, slipped)


def test_an_edit_made_while_pushing_is_caught_by_its_precondition(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """An event edited between the read and its write fails If-Match (412): plan2cal reads
    the server's copy and leaves the edit, reporting a conflict."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("race")
    state = tmp_path / "plan.push.json"
    push_run(radicale_server, url, first, state)
    uid = moved_uid(first, slipped)
    path = url + uid.replace("@", "%40") + ".ics"
    data = first.live[uid].data
    assert data is not None

    def edit_once(done: int, total: int) -> None:
        if done == 0:
            etag = httpx.get(path, auth=auth_of(radicale_server)).headers["ETag"]
            put_raw(path, edited(data), auth_of(radicale_server), etag)

    result = push_run(
        radicale_server,
        url,
        slipped,
        state,
        on_progress=edit_once,
        connection=connection_for(radicale_server, workers=1),
    )

    assert [conflict.uid for conflict in result.conflicts] == [uid]
    assert server_events(url, auth_of(radicale_server))[uid][1].summary.startswith("Moved by hand")


def test_an_event_stored_at_another_address_is_updated_where_it_lives(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """An event of the plan that another client stored under its own name (as vdirsyncer
    does) is found, before the push or through the server's no-uid-conflict (409) during it,
    and updated there: never a second copy."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("elsewhere")
    auth = auth_of(radicale_server)
    uids = list(first.live)
    known, racing = uids[0], uids[-1]  # pushed first, and last
    assert (
        put_raw(url + "copied-before.ics", first.live[known].data or b"", auth).status_code == 201
    )

    def copy_while_pushing(done: int, total: int) -> None:
        if done == 1:
            assert (
                put_raw(
                    url + "copied-during.ics", edited(first.live[racing].data or b""), auth
                ).status_code
                == 201
            )

    pushed = push_run(
        radicale_server,
        url,
        first,
        tmp_path / "plan.push.json",
        on_progress=copy_while_pushing,
        connection=connection_for(radicale_server, workers=1),
    )

    state = json.loads((tmp_path / "plan.push.json").read_text())
    paths = {uid: event["path"] for uid, event in state["collections"][url]["events"].items()}
    assert paths[known].endswith("/copied-before.ics")
    assert paths[racing].endswith("/copied-during.ics")
    assert {known, racing}.isdisjoint(change.uid for change in pushed.created)
    assert racing in {change.uid for change in pushed.updated}  # an older copy: brought up to date
    assert_holds(radicale_server, url, first)

    result = push_run(radicale_server, url, slipped, tmp_path / "plan.push.json")

    assert result.conflicts == ()
    assert_holds(radicale_server, url, slipped)


# --- failures, and the push after them -------------------------------------------------------


def test_a_wrong_password_is_refused_without_showing_it(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """401: an AuthenticationError (exit code 7) that names the user and where the password
    came from, never the password; nothing is written; the right password then works."""
    first, _ = demo_runs
    url = radicale_server.new_calendar("password")
    wrong = "hunter2-not-the-password"
    state = tmp_path / "plan.push.json"

    with pytest.raises(AuthenticationError) as caught:
        push_run(
            radicale_server,
            url,
            first,
            state,
            connection=Connection(Credentials(CALDAV_USER, wrong, "PLAN2CAL_PASSWORD")),
        )

    message = str(caught.value)
    assert caught.value.exit_code == 7
    assert wrong not in message and wrong not in repr(caught.value)
    assert f"refused the user '{CALDAV_USER}' (401" in message
    assert "PLAN2CAL_PASSWORD" in message
    assert not state.exists()
    assert push_run(radicale_server, url, first, state).writes == len(first.live)
    assert CALDAV_PASSWORD not in state.read_text()


def test_a_url_that_is_not_a_calendar_is_named_with_the_calendars_there(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """The calendar home, a missing collection and a plain web server are each refused with a
    NotACalendarError saying what is there instead; the calendar's own URL then works."""
    first, _ = demo_runs
    url = radicale_server.new_calendar("right-one")
    state = tmp_path / "plan.push.json"
    web = static_files(tmp_path).start()
    try:
        for wrong, expected in (
            (radicale_server.home, f"the calendars there: .*{url}"),
            (radicale_server.home + "missing/", r"there is nothing at .*404 Not Found"),
            (web.origin + "/", "does not speak WebDAV"),
        ):
            with pytest.raises(NotACalendarError, match=expected) as caught:
                push_run(radicale_server, wrong, first, state)
            assert caught.value.exit_code == 7
    finally:
        web.stop()
    assert not state.exists()
    assert push_run(radicale_server, url, first, state).writes == len(first.live)


def test_a_server_stopped_half_way_is_finished_by_the_next_push(
    scratch_folder: Path, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """The server dies during the push: ServerUnreachableError (exit code 7) says so, the push
    state keeps what was confirmed, and the next push, once the server is back, creates the
    rest: every event once."""
    first, _ = demo_runs
    server = radicale(scratch_folder, users={CALDAV_USER: CALDAV_PASSWORD}).start()
    caldav = CalDavServer(server, f"{server.origin}/{CALDAV_USER}/", CALDAV_USER, CALDAV_PASSWORD)
    try:
        url = caldav.new_calendar("interrupted")
        state = tmp_path / "plan.push.json"
        quick = connection_for(caldav, retries=2, backoff=0.05)

        def stop_half_way(done: int, total: int) -> None:
            if done == 5:
                server.stop()

        with pytest.raises(ServerUnreachableError) as caught:
            push_run(caldav, url, first, state, on_progress=stop_half_way, connection=quick)

        assert caught.value.exit_code == 7
        assert "the next push finishes the job" in str(caught.value)
        recorded = json.loads(state.read_text())["collections"][url]["events"]
        assert 5 <= len(recorded) < len(first.live)
        server.start()

        result = push_run(caldav, url, first, state)

        # A write the server made but could not confirm is recognised, not made again.
        assert len(result.created) <= len(first.live) - len(recorded)
        assert len(result.created) + result.unchanged == len(first.live)
        assert_holds(caldav, url, first)
    finally:
        server.stop()


def test_an_unknown_certificate_is_refused_and_accepted_with_its_authority(
    scratch_folder: Path, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """TLS is verified: a self-signed authority is a CertificateError (exit code 7) naming the
    CA option, and the same push with that authority's certificate goes through."""
    first, _ = demo_runs
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    certificate, key, ca_file = (tmp_path / name for name in ("cert.pem", "key.pem", "ca.pem"))
    issued.cert_chain_pems[0].write_to_path(certificate)
    issued.private_key_pem.write_to_path(key)
    authority.cert_pem.write_to_path(ca_file)
    server = radicale(
        scratch_folder, users={CALDAV_USER: CALDAV_PASSWORD}, certificate=(certificate, key)
    ).start()
    try:
        home = f"{server.origin}/{CALDAV_USER}/"
        credentials = Credentials(CALDAV_USER, CALDAV_PASSWORD)
        state = tmp_path / "plan.push.json"

        with pytest.raises(CertificateError, match="--ca-cert") as caught:
            make_calendar(home, "TLS", Connection(credentials))
        assert caught.value.exit_code == 7

        trusted = Connection(credentials, ca_file=ca_file)
        url = make_calendar(home, "plan2cal: TLS", trusted)
        result = push_events(
            url, first.resources, plan_id=first.schedule.plan, state_file=state, connection=trusted
        )

        assert url == f"{home}plan2cal-tls/"
        assert result.writes == len(first.live)
        assert set(server_events(url, (CALDAV_USER, CALDAV_PASSWORD), ca_file)) == set(first.live)
    finally:
        server.stop()


def test_make_calendar_creates_once_and_then_finds_it(
    radicale_server: CalDavServer, tmp_path: Path
) -> None:
    """MKCALENDAR under the calendar home; a second call keeps the calendar and its URL."""
    connection = connection_for(radicale_server)

    url = make_calendar(radicale_server.home, "plan2cal: Demo roadmap", connection)
    again = make_calendar(radicale_server.home, "plan2cal: Demo roadmap", connection)

    assert url == again == f"{radicale_server.home}plan2cal-demo-roadmap/"
    body = httpx.request(
        "PROPFIND", url, headers={"Depth": "0"}, auth=auth_of(radicale_server)
    ).text
    assert "plan2cal: Demo roadmap" in body and "calendar" in body


def test_a_leftover_of_the_plan_is_deleted_even_without_a_push_state(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """Events of the plan that the schedule no longer has are found by their marker and
    deleted, though the push state that wrote them is lost; other events stay."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("leftovers")
    push_run(radicale_server, url, first, tmp_path / "old.push.json")
    put_raw(url + "dentist.ics", FOREIGN_EVENT, auth_of(radicale_server))
    gone = first.live.keys() - slipped.live.keys()
    assert gone

    result = push_run(radicale_server, url, slipped, tmp_path / "new.push.json")

    assert {change.uid for change in result.deleted} == gone
    assert_holds(radicale_server, url, slipped, foreign=1)


def test_an_event_the_server_refuses_is_reported_and_the_others_pushed(
    radicale_server: CalDavServer, demo_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    """A 400 for one resource (Radicale refuses an event without a UID; Nextcloud a UID in its
    trash bin) concerns that event only: it is reported with the server's answer, and every
    other event is pushed."""
    first, _ = demo_runs
    url = radicale_server.new_calendar("refused")
    no_uid = FOREIGN_EVENT.replace(b"UID:dentist-appointment@example.org\r\n", b"")
    broken = Resource("broken@plan2cal", "Broken", no_uid)

    result = push_events(
        url,
        [*first.resources, broken],
        plan_id=first.schedule.plan,
        state_file=tmp_path / "plan.push.json",
        connection=connection_for(radicale_server),
    )

    assert [(c.uid, c.reason[:34]) for c in result.conflicts] == [
        ("broken@plan2cal", "the server refused it (400 Bad Req")
    ]
    assert_holds(radicale_server, url, first)


def test_resources_carry_the_plans_marker_and_are_read_back(demo_runs: tuple[Run, Run]) -> None:
    """Each resource's bytes name the plan; read_resource finds its UID and title."""
    first, _ = demo_runs
    marker = plan_marker(first.schedule.plan)
    for uid, resource in first.live.items():
        assert resource.data is not None
        read = read_resource(resource.data)
        assert (read.uid, read.plan, read.summary) == (uid, marker, resource.summary)


def test_every_kind_of_failure_has_exit_code_seven() -> None:
    """The command line maps every PublishError to exit code 7 (DESIGN §7)."""
    kinds: list[type[PublishError]] = [
        AuthenticationError,
        CertificateError,
        NotACalendarError,
        ServerRefusedError,
        ServerUnreachableError,
    ]
    assert {kind("x").exit_code for kind in kinds} == {7}
    assert all(issubclass(kind, Plan2CalError) for kind in kinds)
