"""The vdir target: one file per event, only changed files rewritten, only plan2cal's files
removed; read by khal, and carried into Radicale by vdirsyncer through a slip. Also the .ics
as a subscription: vdirsyncer's http storage syncs it from a static server."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import CALDAV_PASSWORD, CALDAV_USER
from plan2cal.publish import vdir_changes, write_vdir
from plan2cal.publish.vdir import vdir_file_name
from publishing import (
    FOREIGN_EVENT,
    Run,
    demo_plan,
    events_in,
    first_run,
    server_events,
    slipped_run,
    write_file,
)
from readers import khal_config, khal_executable, private_env
from servers import CalDavServer, static_files


@pytest.fixture(scope="module")
def demo_runs() -> tuple[Run, Run]:
    """The demo plan's first run and its rerun after a slip."""
    plan = demo_plan()
    first = first_run(plan)
    return first, slipped_run(plan, first, first.schedule.start.replace(day=12))


def write_run(folder: Path, run: Run) -> None:
    """Write a run's events into the vdir as the run's transaction would."""
    write_vdir(vdir_changes(folder, run.resources, run.schedule.plan))


def folder_events(folder: Path) -> dict[str, bytes]:
    """File name → bytes of every file in the folder, hidden ones included."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# --- the folder -------------------------------------------------------------------------------


def test_each_live_event_is_one_file_named_after_its_uid(
    tmp_path: Path, demo_runs: tuple[Run, Run]
) -> None:
    """The folder holds the run's live events, one ``<uid>.ics`` each, with the bytes a push
    sends; nothing else is left beside them."""
    first, _ = demo_runs
    write_run(tmp_path, first)

    expected = {vdir_file_name(uid): resource.data for uid, resource in first.live.items()}
    assert folder_events(tmp_path) == expected
    assert all(name.endswith("@plan2cal.ics") for name in expected)


def test_a_rerun_rewrites_moved_events_removes_dropped_ones_and_touches_nothing_else(
    tmp_path: Path, demo_runs: tuple[Run, Run]
) -> None:
    """After a slip, moved events are rewritten in place and dropped or cancelled ones
    removed; someone else's event, another plan's event, a note and a hidden file stay."""
    first, slipped = demo_runs
    write_run(tmp_path, first)
    other_plan = (first.live[next(iter(first.live))].data or b"").replace(
        b"X-PLAN2CAL-PLAN:", b"X-PLAN2CAL-PLAN:another-"
    )
    keep = {
        "dentist.ics": FOREIGN_EVENT,
        "other-plan.ics": other_plan,
        "notes.txt": b"not an event",
        ".hidden.ics": b"not listed",
    }
    for name, data in keep.items():
        write_file(tmp_path / name, data)
    changes = vdir_changes(tmp_path, slipped.resources, slipped.schedule.plan)
    write_vdir(changes)

    expected = {vdir_file_name(uid): resource.data for uid, resource in slipped.live.items()}
    assert folder_events(tmp_path) == expected | keep
    assert {path.name for path in changes.removals} == {
        vdir_file_name(uid) for uid in first.live.keys() - slipped.live.keys()
    }


def test_an_unchanged_event_keeps_its_file(tmp_path: Path, demo_runs: tuple[Run, Run]) -> None:
    """A rerun with nothing new writes nothing: vdirsyncer and khal go by modification time."""
    first, _ = demo_runs
    write_run(tmp_path, first)
    for path in tmp_path.iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))

    changes = vdir_changes(tmp_path, first.resources, first.schedule.plan)
    write_vdir(changes)

    assert (changes.writes, changes.removals, changes.unchanged) == ((), (), len(first.live))
    assert {path.stat().st_mtime for path in tmp_path.iterdir()} == {1_000_000_000}


def test_an_event_under_another_name_is_updated_there_and_a_second_copy_removed(
    tmp_path: Path, demo_runs: tuple[Run, Run]
) -> None:
    """A file of the plan that vdirsyncer named after a server's copy is updated in place;
    a second file with the same UID would double the event, and goes."""
    first, slipped = demo_runs
    uid = next(uid for uid in first.live if uid in slipped.live)
    write_file(tmp_path / "a-from-server.ics", first.live[uid].data or b"")
    write_file(tmp_path / "b-copy.ics", first.live[uid].data or b"")

    write_run(tmp_path, slipped)

    assert (tmp_path / "a-from-server.ics").read_bytes() == slipped.live[uid].data
    assert not (tmp_path / "b-copy.ics").exists()
    assert not (tmp_path / vdir_file_name(uid)).exists()


# --- real clients -----------------------------------------------------------------------------


def run_tool(command: list[str], home: Path, stdin: str = "") -> str:
    """Run a tool of this Python's environment with a private HOME; its stdout, or a failure
    with its stderr."""
    env = private_env(home)
    result = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, (
        f"{command[0]} exited {result.returncode}:\n{result.stderr[-3000:]}"
    )
    return result.stdout


def khal_events(tmp_path: Path) -> list[tuple[str, str, str]]:
    """(uid, start, title) of every event khal lists from its calendar folder."""
    config = khal_config(tmp_path)
    output = run_tool(
        [
            str(khal_executable()),
            "-c",
            str(config),
            "list",
            "--format",
            "{uid}\x1f{start-long}\x1f{title}\x1e",
            "--day-format",
            "",
            "2026-01-01",
            "2029-12-31",
        ],
        tmp_path / "khal" / "home",
    )
    events = []
    for record in output.split("\x1e"):
        if record.strip():
            uid, start, title = record.strip("\n").split("\x1f")
            events.append((uid, start, title))
    return events


def test_khal_reads_the_folder_before_and_after_a_slip(
    tmp_path: Path, demo_runs: tuple[Run, Run]
) -> None:
    """khal lists each live event once, at the time the .ics says, before and after the slip."""
    first, slipped = demo_runs
    folder = tmp_path / "khal" / "calendar"  # the calendar of readers.khal_config
    for run in (first, slipped):
        write_run(folder, run)

        listed = khal_events(tmp_path)

        expected = {
            (
                uid,
                # khal's start-long: a time as "2027-01-04 18:00" (UTC here), a day as is.
                f"{event.start:%Y-%m-%d %H:%M}"
                if isinstance(event.start, dt.datetime)
                else event.start.isoformat(),
                event.summary,
            )
            for uid, event in run.file_events.items()
        }
        assert sorted(listed) == sorted(expected)


def vdirsyncer(config: Path, home: Path, *args: str) -> str:
    """Run vdirsyncer from this Python's environment with ``config``."""
    return run_tool(
        [str(Path(sys.executable).parent / "vdirsyncer"), "-c", str(config), *args], home
    )


def test_vdirsyncer_carries_the_folder_into_radicale_through_a_slip(
    tmp_path: Path, radicale_server: CalDavServer, demo_runs: tuple[Run, Run]
) -> None:
    """First run, sync, slip, rerun, sync: Radicale holds the slipped events once each, at
    their new times, as the .ics file says them."""
    first, slipped = demo_runs
    url = radicale_server.new_calendar("vdirsyncer")
    folder = tmp_path / "vdir"
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(
        textwrap.dedent(
            f"""\
            [general]
            status_path = "{tmp_path / "status"}/"

            [pair plan]
            a = "plan_folder"
            b = "plan_server"
            collections = null
            conflict_resolution = "a wins"

            [storage plan_folder]
            type = "filesystem"
            path = "{folder}"
            fileext = ".ics"

            [storage plan_server]
            type = "caldav"
            url = "{url}"
            username = "{CALDAV_USER}"
            password = "{CALDAV_PASSWORD}"
            """
        )
    )
    write_run(folder, first)
    vdirsyncer(config, tmp_path / "home", "discover")

    for run in (first, slipped):
        write_run(folder, run)
        vdirsyncer(config, tmp_path / "home", "sync")

        on_server = server_events(url, (CALDAV_USER, CALDAV_PASSWORD))
        assert {uid: view for uid, (_, view) in on_server.items()} == run.file_events


def test_vdirsyncer_subscribes_to_the_published_file_and_syncs_it_twice(
    tmp_path: Path, demo_runs: tuple[Run, Run]
) -> None:
    """The .ics served by a plain static server syncs through vdirsyncer's http storage,
    before and after a rerun (tombstones and all), without the 409 a calendar-level UID
    once caused."""
    first, slipped = demo_runs
    site = tmp_path / "site"
    write_file(site / "plan.ics", first.ics)
    server = static_files(site).start()
    try:
        config = tmp_path / "vdirsyncer.conf"
        config.write_text(
            textwrap.dedent(
                f"""\
                [general]
                status_path = "{tmp_path / "status"}/"

                [pair subscription]
                a = "subscribed"
                b = "published"
                collections = null
                conflict_resolution = "b wins"

                [storage subscribed]
                type = "filesystem"
                path = "{tmp_path / "subscribed"}"
                fileext = ".ics"

                [storage published]
                type = "http"
                url = "{server.origin}/plan.ics"
                """
            )
        )
        (tmp_path / "subscribed").mkdir()
        vdirsyncer(config, tmp_path / "home", "discover")
        for run in (first, slipped):
            write_file(site / "plan.ics", run.ics)

            vdirsyncer(config, tmp_path / "home", "sync")

            # The http storage renames every UID to a hash of the event (vdirsyncer's own
            # choice), so compare what a calendar shows.
            synced = [
                (view.summary, view.start, view.end)
                for path in (tmp_path / "subscribed").iterdir()
                for view in events_in(path.read_bytes()).values()
            ]
            published = [(v.summary, v.start, v.end) for v in events_in(run.ics).values()]
            assert sorted(synced) == sorted(published)
    finally:
        server.stop()
