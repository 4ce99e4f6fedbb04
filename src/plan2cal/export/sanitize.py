"""Plan text made safe for every output: no control characters, one kind of line break."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Drop the control characters RFC 5545 TEXT forbids (§3.3.11); keep tab and newline.

    The same rule serves the CSVs and XML: no importer wants a bell or an escape character.
    """
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
