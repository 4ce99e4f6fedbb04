"""Real servers for the publishing tests: Radicale, Xandikos and a static HTTP server.

Each runs as its own process on 127.0.0.1 and a free port, with its data in a temporary
folder, from the Python that runs the tests (so from the test extras, never the internet).
A process of its own, rather than a thread, so that a test can stop a server half way through
a push the way a crash or a restart would, and so that the server's work does not share a GIL
with the client it serves.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"the server did not listen on {port} within 30 s:\n{log.read_text()[-3000:]}"
    )


@dataclass
class Server:
    """A server process that can be stopped and started again on the same port and data."""

    name: str
    command: list[str]
    port: int
    folder: Path
    scheme: str = "http"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"{self.scheme}://{HOST}:{self.port}"

    def start(self) -> Server:
        """Start the process and wait until it listens."""
        log = self.folder / f"{self.name}.log"
        with log.open("ab") as sink:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        _wait_until_listening(self.process, self.port, log)
        return self

    def stop(self) -> None:
        """Kill the process, as a crash would: no clean shutdown of open connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class CalDavServer:
    """A running CalDAV server and the account the tests use on it."""

    server: Server
    home: str  # the calendar home: collections are made under it
    user: str | None = None
    password: str | None = None

    def new_calendar(self, name: str) -> str:
        """Create an empty calendar collection called ``name``; its URL."""
        url = f"{self.home}{name}/"
        auth = (self.user, self.password) if self.user and self.password else None
        response = httpx.request("MKCALENDAR", url, auth=auth, timeout=30)
        assert response.status_code == 201, (response.status_code, response.text)
        return url


def radicale(
    folder: Path,
    *,
    users: dict[str, str] | None = None,
    certificate: tuple[Path, Path] | None = None,
) -> Server:
    """Radicale with its store in ``folder``: htpasswd users (plain, for tests) or no auth;
    TLS with ``certificate`` (certificate file, key file)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    auth = "[auth]\ntype = none\n"
    if users is not None:
        htpasswd = folder / "htpasswd"
        htpasswd.write_text("".join(f"{user}:{password}\n" for user, password in users.items()))
        # delay = 0: Radicale waits a second after a wrong password by default.
        auth = (
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {htpasswd}\n"
            "htpasswd_encryption = plain\ndelay = 0\n"
        )
    tls = ""
    if certificate is not None:
        tls = f"ssl = True\ncertificate = {certificate[0]}\nkey = {certificate[1]}\n"
    config = folder / "config"
    config.write_text(
        textwrap.dedent(
            f"""\
            [server]
            hosts = {HOST}:{port}
            max_connections = 16
            """
        )
        + tls
        + auth
        + textwrap.dedent(
            f"""\
            [rights]
            type = owner_only
            [storage]
            filesystem_folder = {folder / "collections"}
            [web]
            type = none
            [logging]
            level = warning
            """
        )
    )
    command = [sys.executable, "-m", "radicale", "--config", str(config)]
    return Server("radicale", command, port, folder, "https" if certificate else "http")


def xandikos(folder: Path) -> Server:
    """Xandikos with its store in ``folder``, one user at ``/user/`` (it has no auth of its
    own: it expects a proxy in front for that)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "xandikos.web",
        "--defaults",
        "--no-detect-systemd",
        "-d",
        str(folder / "store"),
        "--state-dir",
        str(folder / "state"),
        "-l",
        HOST,
        "-p",
        str(port),
    ]
    return Server("xandikos", command, port, folder)


def static_files(folder: Path) -> Server:
    """``python -m http.server`` serving ``folder``: a published .ics as any static host."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "http.server",
        "--bind",
        HOST,
        "--directory",
        str(folder),
        str(port),
    ]
    return Server("http", command, port, folder)
