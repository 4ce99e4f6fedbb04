"""Headless Chromium for the HTML report's tests: the rendered DOM, the console's messages,
and a screenshot; Debian's ``chromium`` package, run as a command (no driver, no download)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

# Chromium as root (CI) needs --no-sandbox; --disable-gpu keeps it off the GPU process, which
# a machine without a display lacks; containers often have a tiny /dev/shm. No first-run
# tasks, no network: the report needs none.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """The path of Debian's chromium; the test is skipped, saying why, when it is absent."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "chromium is not installed here (apt-get install chromium; .ci/run installs it)"
        )
    return found


@dataclass(frozen=True)
class Page:
    """What Chromium made of a file: its DOM after loading, and the console's messages."""

    dom: str
    console: list[str]


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOME=str(profile))
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )


def load(page: Path, profile: Path) -> Page:
    """Open ``page`` headless: the DOM it rendered (--dump-dom) and every line Chromium logged
    from the page's console (with --enable-logging, as ``INFO:CONSOLE`` lines on stderr)."""
    done = _run(["--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()], profile)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Page(done.stdout, console)


def screenshot(page: Path, png: Path, profile: Path, width: int = 1600, height: int = 1000) -> None:
    """A PNG of the top ``width`` × ``height`` pixels of ``page``."""
    _run([f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()], profile)
    assert png.exists(), f"chromium wrote no screenshot to {png}"


def pdf(page: Path, out: Path, profile: Path) -> bytes:
    """``page`` printed to PDF as Chromium prints it (its @page rules, no header or footer)."""
    _run(["--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()], profile)
    return out.read_bytes()
