"""Temporary: names the input-hardening branch provides; replaced at merge."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from plan2cal.model import Location, location_text

EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_date_in_range(day: dt.date) -> dt.date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(
            f"{day.isoformat()} is outside the dates plan2cal works with, 1970-01-01 to 2199-12-31"
        )
    return day


def line_message(path: object, loc: Location, text: str, lines: dict[Location, int]) -> str:
    where = location_text(loc)
    for size in range(len(loc), 0, -1):
        if loc[:size] in lines:
            return f"{path}:{lines[loc[:size]]}: {where}: {text}"
    return f"{path}: {where}: {text}"
