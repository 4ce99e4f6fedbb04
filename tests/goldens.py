"""Golden-file checks and the schedules the export tests compare against them."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import BUNDLED_PLAN
from plan2cal.load import load_plan
from plan2cal.model import Plan
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule

GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("PLAN2CAL_UPDATE_GOLDEN") == "1"
START = dt.date(2027, 1, 4)  # a Monday


def golden_bytes(data: bytes, name: str) -> bytes:
    """The bytes of tests/golden/NAME; with PLAN2CAL_UPDATE_GOLDEN=1, write DATA there and skip."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_bytes(data)
        pytest.skip(f"rewrote {path}; review the diff before committing it")
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with PLAN2CAL_UPDATE_GOLDEN=1", pytrace=False)
    return path.read_bytes()


def check_golden(data: bytes, name: str) -> None:
    """Compare with tests/golden/NAME byte for byte, or rewrite it when asked to."""
    expected = golden_bytes(data, name)
    if data != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(),
            data.decode().splitlines(),
            f"{name} (expected)",
            f"{name} (actual)",
            lineterm="",
            n=2,
        )
        pytest.fail(f"{name} differs:\n" + "\n".join(list(diff)[:80]), pytrace=False)


def bundled_schedule(actuals: Actuals | None = None) -> Schedule:
    """The bundled plan scheduled from Monday 2027-01-04."""
    plan = load_plan(BUNDLED_PLAN)
    return build_schedule(plan, availability_for(plan), START, actuals=actuals)


def schedule_of(
    data: dict[str, Any], start: dt.date = START, actuals: Actuals | None = None
) -> Schedule:
    """A plan dict validated and scheduled from ``start`` (Monday 2027-01-04 unless given)."""
    plan = Plan.model_validate(data)
    return build_schedule(plan, availability_for(plan), start, actuals=actuals)
