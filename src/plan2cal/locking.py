"""One run at a time: exclusive locks on the files a command reads, changes and writes back.

Each locked path ``dir/name`` has a lock file beside it, ``dir/.name.lock``, held with the
operating system's own file lock (``flock`` through the ``filelock`` package). The system
releases it when its holder ends in any way, ``kill -9`` included, so a lock file left on disk
means nothing and is never removed by hand.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from plan2cal.errors import OutputError

LOCK_SUFFIX = ".lock"
WAIT_NOTICE = 1.0  # seconds of waiting after which on_wait is called
_POLL = 0.05  # seconds between tries while another run holds a lock
_LOCK_MODE = 0o666  # as filelock creates them: the umask (or a default ACL) applies


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``.<name>.lock`` in the same folder."""
    return path.parent / f".{path.name}{LOCK_SUFFIX}"


@contextmanager
def hold_locks(
    paths: Sequence[Path],
    *,
    timeout: float,
    on_wait: Callable[[Path], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on each of ``paths`` for the duration of the ``with`` block.

    The locks are taken in one order whatever the order given (sorted by lock file), so runs
    that lock overlapping sets never deadlock. ``on_wait(path)`` is called once, after about
    a second of waiting for ``path``; after ``timeout`` seconds in all, ``OutputError`` says which
    path another run still holds. Missing folders of the lock files are created.
    """
    started = time.monotonic()
    waited = False
    ordered = sorted({Path(os.path.realpath(lock_path(path))): path for path in paths}.items())
    with ExitStack() as held:
        for lock_file, path in ordered:
            lock = FileLock(lock_file)
            try:
                lock_file.parent.mkdir(parents=True, exist_ok=True)
                _create(lock_file)
            except OSError as exc:
                raise OutputError(f"cannot lock {path}: {exc.strerror or exc}") from None
            while True:
                now = time.monotonic() - started
                budget = timeout - now if waited or on_wait is None else WAIT_NOTICE - now
                try:
                    _acquire(lock, path, max(0.0, min(budget, timeout - now)))
                    break
                except Timeout:
                    if time.monotonic() - started >= timeout:
                        raise OutputError(_held_too_long(path, lock_file, timeout)) from None
                    if on_wait is not None and not waited:
                        waited = True
                        on_wait(path)
            held.callback(lock.release)
        yield


def _create(lock_file: Path) -> None:
    """Create the lock file if it is missing; OSError where none can be made.

    filelock takes a file that cannot be created (ENOENT in /proc, say) for one another run is
    replacing, and retries until the timeout, then the message would blame another run. Not
    following a link and not blocking, as filelock opens it.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    os.close(os.open(lock_file, flags, _LOCK_MODE))


def _acquire(lock: FileLock, path: Path, timeout: float) -> None:
    try:
        lock.acquire(timeout=timeout, poll_interval=_POLL)
    except Timeout:
        raise
    except OSError as exc:
        raise OutputError(f"cannot lock {path}: {exc.strerror or exc}") from None


def _held_too_long(path: Path, lock_file: Path, timeout: float) -> str:
    return (
        f"another plan2cal run is still using {path} after {timeout:g} seconds (it holds "
        f"{lock_file}); let it finish, then run this command again"
    )
