"""One error hierarchy: each class carries the exit code the command line returns for it."""

from __future__ import annotations


class Plan2CalError(Exception):
    """Base of every error plan2cal reports to a user; the message is a full sentence."""

    exit_code = 1


class PlanError(Plan2CalError):
    """The plan file cannot be read or is invalid (exit code 3)."""

    exit_code = 3


class UnschedulableError(Plan2CalError):
    """The plan is valid but cannot be scheduled: a cycle, or no capacity (exit code 4)."""

    exit_code = 4


class ProgressError(Plan2CalError):
    """The progress or state file is unreadable or invalid (exit code 5)."""

    exit_code = 5
