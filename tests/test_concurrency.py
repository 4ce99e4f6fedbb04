"""Runs at the same time and runs killed half way, through the real command in child processes
(DESIGN §8): no progress entry is lost, the calendar and its state always come from one run,
and the run after a kill finishes or undoes what the killed one left."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from icalendar import Calendar

from conftest import BUNDLED_PLAN, DEMO_PLAN
from plan2cal.progress import load_progress

TODAY = "2026-12-01"


def plan2cal(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m plan2cal ARGS`` in ``cwd`` as a person would, with the real clock."""
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [sys.executable, "-m", "plan2cal", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(*args: object, cwd: Path) -> subprocess.Popen[str]:
    """Start ``python -m plan2cal ARGS`` without waiting for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "plan2cal", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def same_run(folder: Path, plan_id: str) -> None:
    """The .ics and the state describe the same events: UID, start, end and SEQUENCE."""
    calendar = Calendar.from_ical((folder / f"{plan_id}.ics").read_bytes())
    state = json.loads((folder / f"{plan_id}.state.json").read_text(encoding="utf-8"))
    written = {}
    for event in calendar.walk("VEVENT"):
        start_at = event.decoded("DTSTART")
        text = (
            start_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if isinstance(start_at, dt.datetime)
            else start_at.isoformat()
        )
        written[str(event["UID"])] = (text, int(event["SEQUENCE"]))
    recorded = {uid: (r["start"], r["sequence"]) for uid, r in state["events"].items()}
    assert written == recorded


def leftovers(folder: Path) -> list[str]:
    """Temporary, kept-old and journal files left in ``folder``."""
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.name.endswith((".plan2cal-tmp", ".plan2cal-old", ".journal", ".rollback"))
    )


def test_twenty_parallel_logs_keep_twenty_entries(tmp_path: Path) -> None:
    """Twenty ``log`` runs at once all succeed and all twenty entries are in the file."""
    (tmp_path / "plan.yaml").write_text(DEMO_PLAN, encoding="utf-8")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(
                lambda _: plan2cal("log", "plan.yaml", "a", "1h", "--today", TODAY, cwd=tmp_path),
                range(20),
            )
        )

    assert [result.returncode for result in results] == [0] * 20, [r.stderr for r in results]
    progress = load_progress(tmp_path / "plan.progress.yaml")
    assert len(progress.tasks["a"].log) == 20
    assert progress.spent("a") == 20 * 60


def test_two_schedules_at_once_leave_a_calendar_and_state_of_one_run(tmp_path: Path) -> None:
    """Twenty times over, two runs with different budgets at once: both succeed, and the .ics
    and the state left behind belong together."""
    for attempt in range(20):
        folder = tmp_path / f"try-{attempt}"
        folder.mkdir()
        (folder / "plan.yaml").write_text(DEMO_PLAN, encoding="utf-8")
        runs = [
            start("schedule", "plan.yaml", "--today", TODAY, "--hours-per-week", hours, cwd=folder)
            for hours in ("6", "12")
        ]
        assert [run.wait(timeout=120) for run in runs] == [0, 0]
        same_run(folder / "out", "demo")
        assert leftovers(folder / "out") == []


@pytest.mark.parametrize("seed", range(5))
def test_a_run_killed_at_a_random_moment_is_finished_by_the_next(tmp_path: Path, seed: int) -> None:
    """kill -9 at a random point of a rerun of the bundled plan, then run again: it succeeds,
    the calendar and state belong together, and nothing temporary is left."""
    plan = tmp_path / "plans" / BUNDLED_PLAN.name
    plan.parent.mkdir()
    plan.write_bytes(BUNDLED_PLAN.read_bytes())
    assert (
        plan2cal("schedule", plan, "--today", TODAY, "--format", "all", cwd=tmp_path).returncode
        == 0
    )
    assert (
        plan2cal(
            "log", plan, "google-pm-certificate", "9h", "--today", "2026-12-20", cwd=tmp_path
        ).returncode
        == 0
    )

    victim = start("schedule", plan, "--today", "2026-12-21", cwd=tmp_path)
    time.sleep(random.Random(seed).uniform(0.2, 1.5))
    victim.kill()
    victim.wait(timeout=60)

    again = plan2cal("schedule", plan, "--today", "2026-12-21", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    out = tmp_path / "out"
    same_run(out, "ai-pm-transition")
    assert leftovers(out) == [] and leftovers(plan.parent) == []
    assert (
        load_progress(plan.with_name("ai-pm-transition.progress.yaml")).spent(
            "google-pm-certificate"
        )
        == 9 * 60
    )
