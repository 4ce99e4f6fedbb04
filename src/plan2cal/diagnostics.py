"""Where a problem in an input file is, and how to say it: ``file:line: field: message``.

Shared by every reader of a hand-edited file (the plan, the progress file): a field's location as
text, the line that reports it, and the "did you mean" for a misspelt key or id.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

# A field's place in a parsed file: keys and list indexes, ("phases", 1, "tasks", 3, "hours").
Location = tuple[str | int, ...]
# The line each location starts on, 1-based.
LineMap = dict[Location, int]

# A quoted input longer than this is cut short in a message, so that a 10,000-character value
# does not make a 10,000-character error.
QUOTED_LENGTH = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def location_text(loc: Location) -> str:
    """``("phases", 1, "tasks", 3, "hours")`` → ``phases[1].tasks[3].hours``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problem_line(
    path: Path | str, loc: Location, message: str, lines: LineMap, *, root: str = "plan"
) -> str:
    """``file:line: field: message``, the line being that of the nearest enclosing known field.

    ``root`` names the field when ``loc`` is the whole file. Without any known line, the line
    number is left out: ``file: field: message``.
    """
    field = location_text(loc) or root
    for size in range(len(loc), -1, -1):
        line = lines.get(loc[:size])
        if line is not None:
            return f"{path}:{line}: {field}: {message}"
    return f"{path}: {field}: {message}"


def quoted(value: object) -> str:
    """``value`` as text in single quotes, cut to ``QUOTED_LENGTH`` characters with an ellipsis.

    Control characters are shown escaped (``\\x00``), so that a message never carries them to
    the terminal.
    """
    text = str(value)
    if len(text) > QUOTED_LENGTH:
        text = text[: QUOTED_LENGTH - 1] + "…"
    return "'" + _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text) + "'"


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``word`` was most likely meant to be, if any is close enough."""
    # Swapped letters are the commonest slip in a hand-typed key, and difflib scores "dnoe"
    # as close to "note" as to "done": a candidate with exactly the same letters wins.
    letters = sorted(word)
    for candidate in candidates:
        if len(candidate) == len(word) and sorted(candidate) == letters:
            return candidate
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, candidates: Sequence[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest candidate, or an empty string."""
    match = closest(word, candidates)
    return f"; did you mean '{match}'?" if match else ""
