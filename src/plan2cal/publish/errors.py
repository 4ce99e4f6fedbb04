"""The errors of publishing: a calendar server refused or failed (exit code 7, DESIGN §7).

Each kind is its own class so that a caller (and a test) can tell them apart; the command line
maps them all to exit code 7. Every message names the server and what it answered, never a
password: the URL is shown without user information and no request header is ever quoted.
"""

from __future__ import annotations

from plan2cal.errors import PublishError

__all__ = [
    "AuthenticationError",
    "CertificateError",
    "ConflictError",
    "NotACalendarError",
    "PublishError",
    "ServerRefusedError",
    "ServerUnreachableError",
]


class AuthenticationError(PublishError):
    """The server refused the user or the password (401), or denied access (403)."""


class NotACalendarError(PublishError):
    """The URL is not a calendar collection: nothing there, a plain folder, or no WebDAV."""


class CertificateError(PublishError):
    """The server's TLS certificate cannot be verified against the trusted authorities."""


class ServerUnreachableError(PublishError):
    """The server could not be reached, or stopped answering, after bounded retries."""


class ServerRefusedError(PublishError):
    """The server answered a request with an error that retrying does not mend."""


class ConflictError(PublishError):
    """A push left events as the server holds them: edited there since the last push, or
    refused one by one. The other events were pushed; ``--force`` overwrites edited ones."""
