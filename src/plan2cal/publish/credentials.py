"""Where the password for a calendar server comes from: never the command line.

In order: the ``PLAN2CAL_PASSWORD`` environment variable, a ``~/.netrc`` entry for the server's
host, then the system keyring (the optional ``keyring`` package) under the service
``plan2cal:<host>``. A password is held only in memory: ``Credentials`` leaves it out of its
repr, and nothing in plan2cal writes it to the push state, a log or an error message.

The caller passes the environment and the netrc path in, so this module reads no global state
beyond the keyring, which has none to pass.
"""

from __future__ import annotations

import netrc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from plan2cal.errors import PlanError, UsageError

PASSWORD_VARIABLE = "PLAN2CAL_PASSWORD"
KEYRING_PREFIX = "plan2cal:"


@dataclass(frozen=True)
class Credentials:
    """A user and its password; ``source`` says where the password came from, for messages."""

    user: str
    password: str = field(repr=False)
    source: str = PASSWORD_VARIABLE


def keyring_service(url: str) -> str:
    """The keyring service a server's password is stored under: ``plan2cal:<host>``."""
    return KEYRING_PREFIX + (urlsplit(url).hostname or "")


def find_credentials(
    url: str,
    user: str | None,
    *,
    environ: Mapping[str, str],
    netrc_file: Path | None = None,
    use_keyring: bool = True,
) -> Credentials | None:
    """The credentials for ``url``: ``user`` with the first password found, or None.

    None means no user and no password anywhere: the server is asked without authentication.
    A user without a password anywhere is an error that says where to put one; so is a URL
    that carries a password itself (it would end up in shell history and in the settings).
    """
    parts = urlsplit(url)
    if parts.password is not None or parts.username is not None:
        raise UsageError(
            f"the calendar URL {strip_userinfo(url)} must not contain a user or a password: "
            f"give the user separately and the password in {PASSWORD_VARIABLE}, ~/.netrc or "
            "the keyring"
        )
    host = parts.hostname or ""
    password = environ.get(PASSWORD_VARIABLE)
    if password:
        if user is None:
            from_netrc = _netrc_entry(netrc_file, host)
            if from_netrc is None:
                raise UsageError(
                    f"{PASSWORD_VARIABLE} is set but no user is given for {host}: name the user"
                )
            user = from_netrc[0]
        return Credentials(user, password, PASSWORD_VARIABLE)
    entry = _netrc_entry(netrc_file, host)
    if entry is not None and (user is None or entry[0] == user):
        return Credentials(entry[0], entry[1], str(netrc_file))
    if user is not None and use_keyring:
        stored = _keyring_password(keyring_service(url), user)
        if stored is not None:
            return Credentials(user, stored, "the keyring")
    if user is None:
        return None
    raise UsageError(
        f"no password for {user} at {host}: set {PASSWORD_VARIABLE}, add a line "
        f"'machine {host} login {user} password …' to ~/.netrc, or store it with "
        f"'keyring set {keyring_service(url)} {user}'"
    )


def strip_userinfo(url: str) -> str:
    """``url`` without any ``user:password@`` part, fit for a message."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _netrc_entry(path: Path | None, host: str) -> tuple[str, str] | None:
    if path is None or not path.is_file():
        return None
    try:
        found = netrc.netrc(str(path)).authenticators(host)
    except netrc.NetrcParseError as exc:
        # Only the line: the parser's message can quote a token, and a token can be a password.
        raise PlanError(f"{path}:{exc.lineno}: this netrc file cannot be read") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if found is None:
        return None
    login, _, password = found
    if not login or not password:
        return None
    return login, password


def _keyring_password(service: str, user: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # keyring is optional: without it this source is simply absent
        return None
    try:
        return keyring.get_password(service, user)
    except KeyringError:  # no usable backend on this machine: same as nothing stored
        return None
