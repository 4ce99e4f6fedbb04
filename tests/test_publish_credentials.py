"""Where a push's password comes from: PLAN2CAL_PASSWORD, ~/.netrc, then the keyring; never
the command line, and never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from plan2cal.errors import PlanError, UsageError
from plan2cal.publish import Credentials, find_credentials, keyring_service

URL = "https://dav.example.org/alice/plan/"
SECRET = "s3cret-that-must-not-show"


class MemoryKeyring(KeyringBackend):
    """A keyring that holds its passwords in a dict, for tests."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The keyring for the test, the machine's own put back afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def netrc(tmp_path: Path, text: str) -> Path:
    """A netrc file with ``text``, readable only by its owner as netrc wants."""
    path = tmp_path / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_the_environment_variable_comes_first(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    """PLAN2CAL_PASSWORD wins over a netrc entry and the keyring."""
    memory_keyring.set_password(keyring_service(URL), "alice", "from keyring")
    file = netrc(tmp_path, "machine dav.example.org login alice password from-netrc\n")

    found = find_credentials(URL, "alice", environ={"PLAN2CAL_PASSWORD": SECRET}, netrc_file=file)

    assert found == Credentials("alice", SECRET, "PLAN2CAL_PASSWORD")


def test_netrc_gives_the_user_and_the_password_of_the_host(tmp_path: Path) -> None:
    """A netrc entry for the URL's host supplies both; one for another user is not used."""
    file = netrc(tmp_path, "machine dav.example.org login alice password from-netrc\n")

    assert find_credentials(URL, None, environ={}, netrc_file=file) == Credentials(
        "alice", "from-netrc", str(file)
    )
    with pytest.raises(UsageError, match=r"no password for bob at dav\.example\.org"):
        find_credentials(URL, "bob", environ={}, netrc_file=file, use_keyring=False)


def test_the_keyring_is_asked_last_under_the_hosts_service(memory_keyring: MemoryKeyring) -> None:
    """With nothing in the environment or netrc, the keyring's ``plan2cal:<host>`` entry."""
    memory_keyring.set_password("plan2cal:dav.example.org", "alice", SECRET)

    found = find_credentials(URL, "alice", environ={}, netrc_file=None)

    assert found == Credentials("alice", SECRET, "the keyring")
    assert SECRET not in repr(found)


def test_a_user_without_a_password_is_told_where_to_put_one(memory_keyring: MemoryKeyring) -> None:
    """The message names all three places; without a user nothing is asked at all."""
    with pytest.raises(UsageError) as caught:
        find_credentials(URL, "alice", environ={}, netrc_file=None)

    message = str(caught.value)
    assert "PLAN2CAL_PASSWORD" in message and "~/.netrc" in message
    assert "keyring set plan2cal:dav.example.org alice" in message
    assert find_credentials(URL, None, environ={}, netrc_file=None) is None


def test_a_password_in_the_url_is_refused_without_repeating_it() -> None:
    """user:password@host in the URL would land in shell history and settings: refused."""
    with pytest.raises(UsageError, match="must not contain a user or a password") as caught:
        find_credentials(f"https://alice:{SECRET}@dav.example.org/", None, environ={})

    assert SECRET not in str(caught.value)
    assert "https://dav.example.org/" in str(caught.value)


def test_the_password_variable_needs_a_user(tmp_path: Path) -> None:
    """PLAN2CAL_PASSWORD alone names no user; netrc's login for the host can."""
    with pytest.raises(UsageError, match="no user is given"):
        find_credentials(URL, None, environ={"PLAN2CAL_PASSWORD": SECRET}, netrc_file=None)

    file = netrc(tmp_path, "machine dav.example.org login alice password other\n")
    found = find_credentials(URL, None, environ={"PLAN2CAL_PASSWORD": SECRET}, netrc_file=file)
    assert found == Credentials("alice", SECRET, "PLAN2CAL_PASSWORD")


def test_a_broken_netrc_is_named_by_line_without_its_tokens(tmp_path: Path) -> None:
    """The parser's message can quote a token, which can be a password: only the line shows."""
    # A password without its keyword: Python's netrc quotes it as a "bad follower token".
    file = netrc(tmp_path, f"machine dav.example.org login alice {SECRET}\n")

    with pytest.raises(PlanError, match=r"netrc:\d+: this netrc file cannot be read") as caught:
        find_credentials(URL, "alice", environ={}, netrc_file=file)

    assert SECRET not in str(caught.value)
