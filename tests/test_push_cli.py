"""``plan2cal push`` and ``schedule``'s push, as a person uses them, against real servers.

The scenario of issue 9 through the command line: push the bundled plan (a copy, in a folder of
the test's own), add someone else's event, log a slip and rerun ``schedule`` with no option (it
pushes to the pinned calendar), push again with nothing new. Then each failure ends in exit
code 7 with one ``Error:`` line and no traceback, and the next push recovers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from click.testing import CliRunner, Result

import plan2cal.cli
from conftest import BUNDLED_PLAN, CALDAV_PASSWORD, CALDAV_USER, DEMO_PLAN
from plan2cal.cli import cli
from publishing import FOREIGN_EVENT, EventView, events_in, put_raw, server_events
from servers import CalDavServer, radicale

FIRST_DAY = "2027-01-01"  # the runs start on Monday 2027-01-04
SLIP_DAY = "2027-03-01"  # eight weeks on, with 90 minutes logged on one task

Cli = Callable[..., Result]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder of the test's own, as HOME too (so no ~/.netrc of this machine is
    read), with no password in the environment yet."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv("PLAN2CAL_PASSWORD", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    return folder


def plan2cal_cli(password: str | None = CALDAV_PASSWORD) -> Cli:
    """Run ``plan2cal ARGS`` in-process with ``password`` in PLAN2CAL_PASSWORD."""

    def run(*args: object) -> Result:
        env = {"PLAN2CAL_PASSWORD": password} if password else {}
        return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return run


def fails_with_one_line(result: Result, *expected: str) -> str:
    """The result is exit code 7 with one ``Error:`` line on stderr; return that line."""
    assert result.exit_code == 7, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def files_in(folder: Path) -> list[str]:
    """The names in ``folder`` but lock files (a run takes its lock before it can fail)."""
    return sorted(path.name for path in folder.iterdir() if path.suffix != ".lock")


def auth_of(server: CalDavServer) -> tuple[str, str] | None:
    return (server.user, server.password) if server.user and server.password else None


def file_events(ics: Path) -> dict[str, EventView]:
    """UID → event of every live event of the written .ics (tombstones left out)."""
    data = ics.read_bytes()
    cancelled = {
        line.split(":", 1)[1]
        for line in _events_with(data, "STATUS:CANCELLED")
        if line.startswith("UID:")
    }
    return {uid: view for uid, view in events_in(data).items() if uid not in cancelled}


def _events_with(data: bytes, needle: str) -> Iterator[str]:
    for block in data.decode().split("BEGIN:VEVENT")[1:]:
        if needle in block:
            yield from block.splitlines()


def ours_on(server: CalDavServer, url: str) -> dict[str, EventView]:
    """UID → event of every event of the plan's on the server (those with its marker)."""
    return {
        uid: view
        for uid, (_, view) in server_events(url, auth_of(server)).items()
        if view.marker is not None
    }


def summary_counts(stdout: str, url: str) -> tuple[int, int, int, int]:
    """(created, updated, deleted, conflicts) of the ``pushed to URL: …`` line."""
    line = next(line for line in stdout.splitlines() if line.startswith(f"pushed to {url}: "))
    numbers = [int(word) for word in line.replace(",", "").split() if word.isdigit()]
    assert line.endswith(" s") and len(numbers) == 4, line
    created, updated, deleted, conflicts = numbers
    return created, updated, deleted, conflicts


# --- the scenario ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server_fixture", "plan_text"), [("radicale_server", None), ("xandikos_server", DEMO_PLAN)]
)
def test_push_then_a_slip_rerun_moves_the_calendar_with_one_command(
    server_fixture: str, plan_text: str | None, home: Path, request: pytest.FixtureRequest
) -> None:
    """Push (the bundled plan on Radicale, the demo plan on Xandikos), add a foreign event, log
    a slip (one task done after a single session) and run ``schedule`` with no option: it
    pushes to the pinned calendar, moved events moved with the file's SEQUENCE, removed ones
    gone, no UID twice, the foreign event as it was; a further push writes nothing."""
    server: CalDavServer = request.getfixturevalue(server_fixture)
    plan = home / "roadmap.yaml"
    if plan_text is None:
        shutil.copy(BUNDLED_PLAN, plan)
    else:
        plan.write_text(plan_text)
    url = server.new_calendar(f"cli-{server_fixture}")
    run = plan2cal_cli(server.password)
    user = ["--user", server.user] if server.user else []

    first = run("push", plan, "--today", FIRST_DAY, "--url", url, *user)

    assert first.exit_code == 0, first.stderr
    ics = next((home / "out").glob("*.ics"))
    live = file_events(ics)
    assert summary_counts(first.stdout, url) == (len(live), 0, 0, 0)
    assert ours_on(server, url) == live
    assert f"push: {{url: '{url}'" in (home / "roadmap.progress.yaml").read_text()
    assert "Pushing" not in first.stderr  # no progress bar where stderr is no terminal

    foreign_url = url + "dentist.ics"
    assert put_raw(foreign_url, FOREIGN_EVENT, auth_of(server)).status_code == 201
    foreign = httpx.get(foreign_url, auth=auth_of(server))
    task = "start-ml-course" if plan_text is None else "a"
    logged = run("log", plan, task, "1h30m", "--on", "2027-01-05", "--today", SLIP_DAY)
    assert logged.exit_code == 0, logged.stderr
    # Done after that one session: the rest of its sessions leave the calendar.
    finished = run("done", plan, task, "--on", "2027-01-05", "--today", SLIP_DAY)
    assert finished.exit_code == 0, finished.stderr

    rerun = run("schedule", plan, "--today", SLIP_DAY)

    assert rerun.exit_code == 0, rerun.stderr
    slipped = file_events(ics)
    moved = {uid for uid in live.keys() & slipped.keys() if live[uid] != slipped[uid]}
    assert moved and all(slipped[uid].sequence == live[uid].sequence + 1 for uid in moved)
    created, updated, deleted, conflicts = summary_counts(rerun.stdout, url)
    assert (created, updated, deleted, conflicts) == (
        len(slipped.keys() - live.keys()),
        len(moved),
        len(live.keys() - slipped.keys()),
        0,
    )
    assert deleted > 0
    assert ours_on(server, url) == slipped  # server_events fails on a UID seen twice
    after = httpx.get(foreign_url, auth=auth_of(server))
    assert (after.content, after.headers["ETag"]) == (foreign.content, foreign.headers["ETag"])

    etags = server_events(url, auth_of(server))
    again = run("push", plan, "--today", SLIP_DAY)

    assert again.exit_code == 0, again.stderr
    assert summary_counts(again.stdout, url) == (0, 0, 0, 0)
    assert server_events(url, auth_of(server)) == etags


def test_the_password_is_never_written(
    radicale_server: CalDavServer, home: Path, tmp_path: Path
) -> None:
    """The URL and user are pinned and the push state kept; the password is in neither, nor
    in anything printed."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("no-password-kept")

    result = plan2cal_cli()("push", plan, "--url", url, "--user", CALDAV_USER)

    assert result.exit_code == 0, result.stderr
    written = [path.read_text() for path in home.rglob("*") if path.is_file()]
    assert written and all(CALDAV_PASSWORD not in text for text in written)
    assert CALDAV_PASSWORD not in result.stdout + result.stderr


def test_create_makes_the_calendar_and_pins_its_url(
    radicale_server: CalDavServer, home: Path
) -> None:
    """``--create NAME`` under the calendar home makes the collection once and pins its URL,
    so the next push needs no option."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    run = plan2cal_cli()

    made = run(
        "push", plan, "--url", radicale_server.home, "--user", CALDAV_USER, "--create", "Demo CLI"
    )
    again = run("push", plan)

    url = f"{radicale_server.home}demo-cli/"
    assert made.exit_code == 0 and again.exit_code == 0, (made.stderr, again.stderr)
    assert summary_counts(made.stdout, url)[0] > 0
    assert summary_counts(again.stdout, url) == (0, 0, 0, 0)


def test_a_dry_run_lists_the_changes_and_writes_nothing(
    radicale_server: CalDavServer, home: Path
) -> None:
    """``--dry-run`` lists each event it would create and says "would push", and neither the
    server nor any file changes: not even the pin."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("dry-run")

    result = plan2cal_cli()("push", plan, "--url", url, "--user", CALDAV_USER, "--dry-run")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("  would create: ") for line in lines)
    assert lines[-1].startswith(f"would push to {url}: ")
    assert server_events(url, auth_of(radicale_server)) == {}
    assert files_in(home) == ["demo.yaml"]


def test_schedule_pushes_only_once_a_calendar_is_pinned(home: Path) -> None:
    """Without a pinned calendar, ``schedule`` writes its files and pushes nothing, and
    ``schedule --push`` says how to pin one (a usage error, exit code 2)."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    run = plan2cal_cli(None)

    plain = run("schedule", plan)
    asked = run("schedule", plan, "--push")

    assert plain.exit_code == 0 and "pushed to" not in plain.stdout
    assert asked.exit_code == 2 and "plan2cal push" in asked.stderr and "--url" in asked.stderr


# --- failures: each exit code 7 with one line, and the next push recovers --------------------


def test_a_wrong_password_is_one_line_and_nothing_is_pinned(
    radicale_server: CalDavServer, home: Path
) -> None:
    """A wrong password stops the first push before any file is written: one line naming the
    user and where the password came from, never the password; the right one then works."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("cli-password")
    wrong = "hunter2-not-it"

    refused = plan2cal_cli(wrong)("push", plan, "--url", url, "--user", CALDAV_USER)

    line = fails_with_one_line(
        refused, f"refused the user '{CALDAV_USER}' (401", "PLAN2CAL_PASSWORD"
    )
    assert wrong not in refused.stdout + refused.stderr
    assert files_in(home) == ["demo.yaml"], line
    accepted = plan2cal_cli()("push", plan, "--url", url, "--user", CALDAV_USER)
    assert accepted.exit_code == 0, accepted.stderr


def test_a_url_that_is_not_a_calendar_is_one_line_and_not_pinned(
    radicale_server: CalDavServer, home: Path
) -> None:
    """The calendar home instead of a calendar: one line naming the calendars there; nothing
    written, so the right URL is the one pinned afterwards."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("cli-right-one")
    run = plan2cal_cli()

    wrong = run("push", plan, "--url", radicale_server.home, "--user", CALDAV_USER)

    fails_with_one_line(wrong, "is not a calendar collection", url)
    assert not (home / "demo.progress.yaml").exists()
    right = run("push", plan, "--url", url, "--user", CALDAV_USER)
    assert right.exit_code == 0, right.stderr
    assert url in (home / "demo.progress.yaml").read_text()


def test_a_server_stopped_half_way_is_finished_by_the_next_schedule(
    scratch_folder: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server dies during a push: the files are written, one line says the server did not
    answer (exit code 7); once it is back, the next run finishes the job, every event once."""
    server = radicale(scratch_folder, users={CALDAV_USER: CALDAV_PASSWORD}).start()
    caldav = CalDavServer(server, f"{server.origin}/{CALDAV_USER}/", CALDAV_USER, CALDAV_PASSWORD)
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    try:
        url = caldav.new_calendar("cli-interrupted")
        run = plan2cal_cli()
        assert run("schedule", plan, "--today", FIRST_DAY).exit_code == 0

        original = plan2cal.cli._ProgressBar.__call__

        def stop_half_way(bar: plan2cal.cli._ProgressBar, done: int, total: int) -> None:
            if done == 5:
                server.stop()
            original(bar, done, total)

        monkeypatch.setattr(plan2cal.cli._ProgressBar, "__call__", stop_half_way)
        cut = run("push", plan, "--today", FIRST_DAY, "--url", url, "--user", CALDAV_USER)

        fails_with_one_line(cut, "did not answer", "the next push finishes the job")
        monkeypatch.setattr(plan2cal.cli._ProgressBar, "__call__", original)
        server.start()
        resumed = run("schedule", plan, "--today", FIRST_DAY)

        assert resumed.exit_code == 0, resumed.stderr
        live = file_events(next((home / "out").glob("*.ics")))
        created = summary_counts(resumed.stdout, url)[0]
        assert 0 < created <= len(live) - 5
        assert ours_on(caldav, url) == live
    finally:
        server.stop()


def test_a_self_signed_certificate_is_one_line_and_ca_cert_is_pinned(
    scratch_folder: Path, home: Path, tmp_path: Path
) -> None:
    """A server whose certificate no known authority signed: one line naming --ca-cert; with
    it the push goes through, and the next push finds the authority in the pin."""
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    certificate, key, ca_file = (tmp_path / name for name in ("cert.pem", "key.pem", "ca.pem"))
    issued.cert_chain_pems[0].write_to_path(certificate)
    issued.private_key_pem.write_to_path(key)
    authority.cert_pem.write_to_path(ca_file)
    server = radicale(
        scratch_folder, users={CALDAV_USER: CALDAV_PASSWORD}, certificate=(certificate, key)
    ).start()
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    home_url = f"{server.origin}/{CALDAV_USER}/"
    run = plan2cal_cli()
    try:
        unknown = run("push", plan, "--url", home_url, "--user", CALDAV_USER, "--create", "TLS")

        fails_with_one_line(unknown, "cannot be verified", "--ca-cert")
        trusted = run(
            "push",
            plan,
            "--url",
            home_url,
            "--user",
            CALDAV_USER,
            "--create",
            "TLS",
            "--ca-cert",
            ca_file,
        )
        assert trusted.exit_code == 0, trusted.stderr
        again = run("push", plan)
        assert again.exit_code == 0, again.stderr
        assert summary_counts(again.stdout, f"{home_url}tls/") == (0, 0, 0, 0)
        assert "ca_cert:" in (home / "demo.progress.yaml").read_text()
    finally:
        server.stop()


def test_an_event_edited_on_the_server_is_a_conflict_until_forced(
    radicale_server: CalDavServer, home: Path
) -> None:
    """Someone edits a pushed event on the server, then a slip moves it: the push writes every
    other change, keeps the edit and ends in one line naming the event and --force (exit code
    7); the next push says so again; ``--force`` overwrites it with the plan's version."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("cli-conflict")
    run = plan2cal_cli()
    assert (
        run("push", plan, "--today", FIRST_DAY, "--url", url, "--user", CALDAV_USER).exit_code == 0
    )
    ics = home / "out" / "demo.ics"
    before = file_events(ics)
    assert run("log", plan, "a", "1h", "--on", "2027-01-05", "--today", "2027-01-12").exit_code == 0
    assert run("schedule", plan, "--no-push", "--today", "2027-01-12").exit_code == 0
    after = file_events(ics)
    moved = sorted(uid for uid in before.keys() & after.keys() if before[uid] != after[uid])
    edited_uid = moved[-1]
    on_server = server_events(url, auth_of(radicale_server))
    etag, _ = on_server[edited_uid]
    resource = url + edited_uid + ".ics"
    body = httpx.get(resource, auth=auth_of(radicale_server)).content
    edited = body.replace(b"SUMMARY:", b"SUMMARY:Moved by me: ", 1)
    assert put_raw(resource, edited, auth_of(radicale_server), etag).status_code in {200, 204}

    kept = run("push", plan, "--today", "2027-01-12")

    line = fails_with_one_line(kept, "1 event was not pushed", "--force")
    assert f"'{before[edited_uid].summary}'" in line or "Moved by me" in line
    assert summary_counts(kept.stdout, url)[1] == len(moved) - 1
    assert ours_on(radicale_server, url)[edited_uid].summary.startswith("Moved by me: ")
    fails_with_one_line(run("push", plan, "--today", "2027-01-12"), "--force")

    forced = run("push", plan, "--today", "2027-01-12", "--force")

    assert forced.exit_code == 0, forced.stderr
    assert summary_counts(forced.stdout, url) == (0, 1, 0, 0)
    assert ours_on(radicale_server, url) == after


# --- the vdir format --------------------------------------------------------------------------


def test_schedule_writes_a_vdir_and_keeps_it_in_step(home: Path) -> None:
    """``--format vdir`` writes one file per live event beside the .ics, in the same run; a
    slip rewrites moved events, removes dropped ones, and leaves other files alone; a rerun
    with nothing new touches no file."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    run = plan2cal_cli(None)
    first = run("schedule", plan, "--today", FIRST_DAY, "--format", "ics", "--format", "vdir")
    assert first.exit_code == 0, first.stderr
    folder = home / "out" / "demo.vdir"
    assert f"Wrote {Path('out') / 'demo.vdir'}/" in first.stdout
    (folder / "someone-else.ics").write_bytes(FOREIGN_EVENT)
    assert run("log", plan, "a", "1h", "--on", "2027-01-05", "--today", "2027-01-12").exit_code == 0

    rerun = run("schedule", plan, "--today", "2027-01-12")

    assert rerun.exit_code == 0, rerun.stderr
    live = file_events(home / "out" / "demo.ics")
    in_folder: dict[str, EventView] = {}
    for path in folder.iterdir():
        if path.name != "someone-else.ics":
            in_folder.update(events_in(path.read_bytes()))
    assert in_folder == live
    assert (folder / "someone-else.ics").read_bytes() == FOREIGN_EVENT
    assert "removed" in rerun.stdout and ", 0 removed" not in rerun.stdout
    files = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}

    again = run("schedule", plan, "--today", "2027-01-12")

    assert "0 written, 0 removed" in again.stdout
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == files


def test_schedule_writes_its_files_even_when_the_push_cannot_start(
    radicale_server: CalDavServer, home: Path
) -> None:
    """With a calendar pinned but no password anywhere, ``schedule`` still writes the new
    schedule, then says where to put the password (a usage error, exit code 2)."""
    plan = home / "demo.yaml"
    plan.write_text(DEMO_PLAN)
    url = radicale_server.new_calendar("cli-no-password")
    pushed = plan2cal_cli()("push", plan, "--today", FIRST_DAY, "--url", url, "--user", CALDAV_USER)
    assert pushed.exit_code == 0, pushed.stderr
    ics = home / "out" / "demo.ics"
    before = ics.read_bytes()
    run = plan2cal_cli(None)
    assert run("log", plan, "a", "1h", "--on", "2027-01-05", "--today", "2027-01-12").exit_code == 0

    result = run("schedule", plan, "--today", "2027-01-12")

    assert result.exit_code == 2, result.stderr
    assert "Wrote out/demo.ics" in result.stdout and ics.read_bytes() != before
    assert result.stderr.startswith(f"Error: no password for {CALDAV_USER} at 127.0.0.1")
