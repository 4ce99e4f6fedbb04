"""One error hierarchy: each class carries the exit code the command line returns for it.

The codes are those of DESIGN §7 and the README's table: 2 usage, 3 invalid input, 4 cannot be
scheduled, 5 a damaged progress or state file, 6 an output that cannot be written, 7 a calendar
server refused or failed (its kinds are in ``publish/errors.py``).
"""

from __future__ import annotations


class Plan2CalError(Exception):
    """Base of every error plan2cal reports to a user; the message is a full sentence.

    ``where``: the field of the plan file the problem is in, as a location such as
    ``("phases", 0, "tasks", 3, "every")``, when the library finds it after the file was read
    (the scheduler knows the budget, the file does not); the caller that knows the file puts
    its ``file:line: field:`` in front of the message.
    """

    exit_code = 1

    def __init__(self, message: str = "", *, where: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.where = where


class UsageError(Plan2CalError):
    """A command asked for something that cannot be done: nothing to undo, a date in the
    future, a task the plan does not have (exit code 2, as click's own usage errors)."""

    exit_code = 2


class PlanError(Plan2CalError):
    """The plan file, or another input file or value, cannot be read or is invalid (exit 3)."""

    exit_code = 3


class UnschedulableError(Plan2CalError):
    """The plan is valid but cannot be scheduled: a cycle, no capacity, the horizon (exit 4)."""

    exit_code = 4


class MissedDatesError(UnschedulableError):
    """``--strict``: the schedule misses a deadline or a fixed milestone's date (exit 4), so
    that a script can fail on it; the outputs are written all the same."""


class ProgressError(Plan2CalError):
    """The progress or state file is damaged; it is left as it is (exit code 5)."""

    exit_code = 5


class OutputError(Plan2CalError):
    """An output cannot be written: a read-only or full folder, a folder in the way, a lock
    held too long. Nothing else was changed (exit code 6)."""

    exit_code = 6


class PublishError(Plan2CalError):
    """A calendar server refused or failed: a wrong password, a URL that is no calendar, a
    certificate that cannot be verified, a server that stopped answering, or events edited
    there that a push did not overwrite. What was confirmed is recorded and the next push
    resumes from there (exit code 7)."""

    exit_code = 7
