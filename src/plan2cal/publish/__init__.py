"""Publishing a schedule where calendars read it: a CalDAV collection, or a vdir folder.

The command line calls, in this order:

- ``calendar_resources(plan_id, revisions.events, revisions.revisions, now)``: the run's events
  (as ``export.revisions.revise`` gives them for the .ics) as one resource each;
- ``find_credentials(url, user, environ=os.environ, netrc_file=Path.home() / ".netrc")``;
- ``make_calendar(home_url, name, connection)`` once, for ``--create NAME``;
- ``push_events(url, resources, plan_id=…, state_file=push_state_path(output, plan_id),
  connection=Connection(credentials, ca_file), force=…, dry_run=…, on_progress=…)``, under the
  plan's lock; it returns a ``PushResult`` whose ``summary()`` is the line to print;
- for ``--format vdir``: ``vdir_changes(folder, resources, plan_id)``, whose writes and
  removals go into the run's transaction (``files.commit(writes, removals=…)``), or
  ``write_vdir(changes)`` on its own.

Every failure of a server is a ``PublishError`` (exit code 7), one class per kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The names below load their module when first used: the CalDAV client (httpx, TLS) costs a
# tenth of a second to import, and most runs never push.
_HOME = {
    "Credentials": "credentials",
    "find_credentials": "credentials",
    "keyring_service": "credentials",
    "AuthenticationError": "errors",
    "CertificateError": "errors",
    "ConflictError": "errors",
    "NotACalendarError": "errors",
    "PublishError": "errors",
    "ServerRefusedError": "errors",
    "ServerUnreachableError": "errors",
    "Change": "push",
    "Conflict": "push",
    "PushResult": "push",
    "check_calendar": "push",
    "make_calendar": "push",
    "push_events": "push",
    "push_state_path": "push_state",
    "Resource": "resources",
    "calendar_resources": "resources",
    "VdirChanges": "vdir",
    "vdir_changes": "vdir",
    "write_vdir": "vdir",
    "Connection": "webdav",
}

if TYPE_CHECKING:
    from plan2cal.publish.credentials import Credentials, find_credentials, keyring_service
    from plan2cal.publish.errors import (
        AuthenticationError,
        CertificateError,
        ConflictError,
        NotACalendarError,
        PublishError,
        ServerRefusedError,
        ServerUnreachableError,
    )
    from plan2cal.publish.push import (
        Change,
        Conflict,
        PushResult,
        check_calendar,
        make_calendar,
        push_events,
    )
    from plan2cal.publish.push_state import push_state_path
    from plan2cal.publish.resources import Resource, calendar_resources
    from plan2cal.publish.vdir import VdirChanges, vdir_changes, write_vdir
    from plan2cal.publish.webdav import Connection


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AuthenticationError",
    "CertificateError",
    "Change",
    "Conflict",
    "ConflictError",
    "Connection",
    "Credentials",
    "NotACalendarError",
    "PublishError",
    "PushResult",
    "Resource",
    "ServerRefusedError",
    "ServerUnreachableError",
    "VdirChanges",
    "calendar_resources",
    "check_calendar",
    "find_credentials",
    "keyring_service",
    "make_calendar",
    "push_events",
    "push_state_path",
    "vdir_changes",
    "write_vdir",
]
