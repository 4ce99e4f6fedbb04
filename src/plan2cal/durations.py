"""Durations as people write them and as plan2cal prints them; every length is whole minutes.

Scheduling works on a 15-minute grid (``QUANTUM``): efforts, budgets and sessions are whole
quarter-hours, while logged time may be any number of minutes.
"""

from __future__ import annotations

import math
import re

QUANTUM = 15

_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*h)?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in)?)?\s*$", re.IGNORECASE
)
_HINT = "write 90m, 1h30m, 2h or a number of hours"


def parse_duration(value: object) -> int:
    """Read ``90m``, ``1h30m``, ``2h`` or a number of hours as whole minutes (more than zero)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("expected a duration such as 90m, 1h30m, 2h or a number of hours")
    minutes = _minutes(value)
    if not math.isfinite(minutes):
        raise ValueError(f"'{value}' is not a duration; {_HINT}")
    if not minutes > 0:
        raise ValueError(f"'{value}' must be longer than zero")
    if round(minutes) < 1:
        raise ValueError(f"'{value}' is shorter than a minute")
    return round(minutes)


def _minutes(value: int | float | str) -> float:
    if not isinstance(value, str):
        return float(value) * 60
    text = value.strip()
    try:
        return float(text) * 60
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not text or match is None or not (match["h"] or match["m"]):
        raise ValueError(f"'{value}' is not a duration; {_HINT}")
    if match["h"] and match["m"] and float(match["m"]) >= 60:
        # 1h90m is a slip, not 2h30m: say so rather than guess.
        raise ValueError(
            f"'{value}' has {match['m']} minutes after the hours; keep the minutes under 60, "
            "e.g. 2h30m"
        )
    return float(match["h"] or 0) * 60 + float(match["m"] or 0)


def duration_text(minutes: int) -> str:
    """``90`` → ``1h30m``, ``120`` → ``2h``, ``30`` → ``30m``: the form plan files use."""
    hours, mins = divmod(minutes, 60)
    return f"{hours}h{mins:02d}m" if hours and mins else (f"{hours}h" if hours else f"{mins}m")


def decimal_hours(minutes: int) -> str:
    """Minutes as decimal hours without trailing zeros, for trackers: ``90`` → ``1.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def estimate_error(logged: int, estimate: int) -> str:
    """How far the time logged is from the estimate, in whole percent of the estimate, signed:
    ``+82 %``, ``-20 %``, ``+0 %``; ``-`` for an estimate of nothing (a wait)."""
    if estimate <= 0:
        return "-"
    return f"{round((logged - estimate) * 100 / estimate):+d} %"
