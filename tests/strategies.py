"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from plan2cal.durations import QUANTUM
from plan2cal.model import WEEKDAYS


def _clock(quarter: int) -> str:
    minutes = quarter * QUANTUM
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def window_specs(draw: st.DrawFn, per_day: int = 3) -> dict[str, list[str]]:
    """Up to ``per_day`` non-overlapping windows per weekday on the 15-minute grid, to 24:00."""
    windows: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        quarters = sorted(draw(st.lists(st.integers(0, 96), max_size=2 * per_day, unique=True)))
        spans = [
            f"{_clock(a)}-{_clock(b)}" for a, b in zip(quarters[::2], quarters[1::2], strict=False)
        ]
        if spans:
            windows[day] = spans
    return windows
