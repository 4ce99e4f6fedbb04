"""Shared fixtures: plan files written to tmp_path and the command line run in-process."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from plan2cal.cli import cli
from servers import CalDavServer, radicale, xandikos

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_PLAN = ROOT / "plans" / "ai-pm-transition.yaml"

DEMO_PLAN = """\
plan: demo
title: Demo roadmap
defaults:
  timezone: Europe/Berlin
  hours_per_week: 10
  windows: {mon-thu: "19:00-21:00", sat: "09:00-13:00"}
phases:
  - id: one
    name: Phase One
    weeks: 2
    tasks:
      - id: a
        name: Task A
        hours: 3
      - Task B
      - name: Task C
        weight: 2
  - id: two
    name: Phase Two
    weeks: 1
    mode: interleave
    tasks: [X, Y, Z]
"""


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[..., Path]:
    """Write plan text (dedented) to a file in tmp_path and return its path."""

    def write(text: str, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``plan2cal ARGS`` in-process with a fixed SOURCE_DATE_EPOCH; stderr kept apart."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session", autouse=True)
def _repository_plans_stay_untouched() -> Iterator[None]:
    """No test may write beside the repository's own plans: a progress file left there would
    pin the settings of the next person who runs the bundled plan."""
    folder = ROOT / "plans"
    before = sorted(path.name for path in folder.iterdir())
    yield
    after = sorted(path.name for path in folder.iterdir())
    assert after == before, f"a test wrote into {folder}: {sorted(set(after) - set(before))}"


# --- calendar servers for the publishing tests (tests/servers.py) -----------------------------

CALDAV_USER = "alice"
CALDAV_PASSWORD = "correct horse battery staple"


def _scratch_folder() -> Path:
    """A folder for a server's data: in memory where the machine offers it (fsync is free)."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="plan2cal-", dir=shm if shm.is_dir() else None))


@pytest.fixture(scope="session")
def radicale_server() -> Iterator[CalDavServer]:
    """Radicale with htpasswd auth for one user, started once for the session."""
    folder = _scratch_folder()
    server = radicale(folder, users={CALDAV_USER: CALDAV_PASSWORD}).start()
    yield CalDavServer(server, f"{server.origin}/{CALDAV_USER}/", CALDAV_USER, CALDAV_PASSWORD)
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def xandikos_server() -> Iterator[CalDavServer]:
    """Xandikos (no auth of its own), started once for the session; skipped if it is missing."""
    pytest.importorskip("xandikos")
    folder = _scratch_folder()
    server = xandikos(folder).start()
    yield CalDavServer(server, f"{server.origin}/user/calendars/")
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def scratch_folder() -> Iterator[Path]:
    """A folder for one test's own server, removed afterwards."""
    folder = _scratch_folder()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
