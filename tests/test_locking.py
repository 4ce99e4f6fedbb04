"""One run at a time: a second run waits and says so, gives up with a clear message, and never
loses another run's work; a killed holder frees the lock."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from plan2cal.errors import OutputError
from plan2cal.files import FileWrite, commit, recover
from plan2cal.locking import hold_locks, lock_path

FORK = multiprocessing.get_context("fork")


def start(target: Callable[..., None], *args: object) -> multiprocessing.process.BaseProcess:
    """Run ``target(*args)`` in a forked child process."""
    process = FORK.Process(target=target, args=args)
    process.start()
    return process


def hold(path: Path, ready: Event, seconds: float, released: Path | None = None) -> None:
    """Hold the lock of ``path`` for ``seconds``; touch ``released`` just before letting go."""
    with hold_locks([path], timeout=5):
        ready.set()
        time.sleep(seconds)
        if released is not None:
            released.touch()


def test_the_lock_file_lives_beside_the_path_in_a_created_folder(tmp_path: Path) -> None:
    """``out/x.state.json`` is locked through ``out/.x.state.json.lock``; ``out`` is created."""
    path = tmp_path / "out" / "x.state.json"

    with hold_locks([path], timeout=1):
        assert lock_path(path) == tmp_path / "out" / ".x.state.json.lock"
        assert lock_path(path).exists()


def test_a_second_run_waits_says_so_once_and_then_proceeds(tmp_path: Path) -> None:
    """While another process holds the lock, on_wait is called once after about a second, and
    the lock is ours only after the holder let it go."""
    path, released = tmp_path / "progress.yaml", tmp_path / "released"
    ready = FORK.Event()
    holder = start(hold, path, ready, 1.8, released)
    assert ready.wait(10)
    waits: list[tuple[Path, float]] = []
    started = time.monotonic()

    with hold_locks([path], timeout=10, on_wait=lambda p: waits.append((p, time.monotonic()))):
        assert released.exists()

    holder.join(10)
    assert [p for p, _ in waits] == [path]
    assert 0.9 <= waits[0][1] - started < 1.6


def test_no_notice_when_the_lock_is_free(tmp_path: Path) -> None:
    """A run that does not wait is silent."""
    waits: list[Path] = []

    with hold_locks([tmp_path / "a", tmp_path / "b"], timeout=1, on_wait=waits.append):
        pass

    assert waits == []


@pytest.mark.parametrize("timeout", [0.3, 1.5])
def test_a_lock_held_too_long_ends_in_a_clear_error(tmp_path: Path, timeout: float) -> None:
    """After the timeout the run fails with exit code 6, naming the path and what to do, never
    suggesting to delete the lock file; on_wait came first if it waited a second."""
    path = tmp_path / "out" / "demo.state.json"
    ready = FORK.Event()
    holder = start(hold, path, ready, 30)
    assert ready.wait(10)
    waits: list[Path] = []
    started = time.monotonic()
    try:
        with (
            pytest.raises(OutputError) as caught,
            hold_locks([path], timeout=timeout, on_wait=waits.append),
        ):
            pass  # pragma: no cover - the lock is never ours
    finally:
        holder.kill()
        holder.join(10)

    assert timeout <= time.monotonic() - started < timeout + 1
    assert caught.value.exit_code == 6
    assert str(caught.value) == (
        f"another plan2cal run is still using {path} after {timeout:g} seconds (it holds "
        f"{lock_path(path)}); let it finish, then run this command again"
    )
    assert "delete" not in str(caught.value)
    assert waits == ([path] if timeout > 1 else [])


def test_a_holder_killed_with_sigkill_frees_the_lock(tmp_path: Path) -> None:
    """The system releases the lock of a process killed with ``kill -9``; the next run gets it
    at once although the lock file is still there."""
    path = tmp_path / "progress.yaml"
    ready = FORK.Event()
    holder = start(hold, path, ready, 60)
    assert ready.wait(10)

    os.kill(holder.pid or 0, signal.SIGKILL)
    holder.join(10)
    started = time.monotonic()
    with hold_locks([path], timeout=5):
        assert lock_path(path).exists()

    assert time.monotonic() - started < 0.5


def take_both(first: Path, second: Path, rounds: int) -> None:
    """Take two locks ``rounds`` times, in the order given."""
    for _ in range(rounds):
        with hold_locks([first, second], timeout=20):
            time.sleep(0.001)


def test_two_runs_taking_two_locks_in_either_order_never_deadlock(tmp_path: Path) -> None:
    """Locks are taken in one fixed order whatever order the caller names them in."""
    a, b = tmp_path / "progress.yaml", tmp_path / "out" / "demo.state.json"
    runs = [start(take_both, a, b, 100), start(take_both, b, a, 100)]

    for run in runs:
        run.join(60)

    assert [run.exitcode for run in runs] == [0, 0]


def append_entry(progress: Path, out: Path, entry: int) -> None:
    """One run: read the progress file and add an entry; write it with an output of the same
    run in one transaction, as ``schedule`` writes its .ics and its state."""
    journal = out / ".demo.plan2cal-journal"
    with hold_locks([progress, out / "demo.state.json"], timeout=60):
        recover(journal, [progress, out / "demo.ics"])
        old = progress.read_bytes() if progress.exists() else b""
        new = old + f"- entry {entry}\n".encode()
        time.sleep(0.005)  # widen the window a lost update would need
        commit([FileWrite(out / "demo.ics", new), FileWrite(progress, new)], journal=journal)


def test_twenty_runs_at_once_keep_all_twenty_entries(tmp_path: Path) -> None:
    """Twenty processes each read, extend and write back the same file under the lock: every
    entry is kept, and the other output is always from the same run as the progress file."""
    progress, out = tmp_path / "progress.yaml", tmp_path / "out"
    runs = [start(append_entry, progress, out, entry) for entry in range(20)]

    for run in runs:
        run.join(120)

    assert [run.exitcode for run in runs] == [0] * 20
    lines = progress.read_text().splitlines()
    assert sorted(lines) == sorted(f"- entry {entry}" for entry in range(20))
    assert (out / "demo.ics").read_bytes() == progress.read_bytes()


def test_a_lock_that_cannot_be_created_is_an_output_error(tmp_path: Path) -> None:
    """A file where the lock's folder should be is reported with exit code 6, not a traceback."""
    (tmp_path / "out").write_bytes(b"")

    with (
        pytest.raises(OutputError, match=r"^cannot lock .*out/demo\.state\.json: "),
        hold_locks([tmp_path / "out" / "demo.state.json"], timeout=1),
    ):
        pass  # pragma: no cover
