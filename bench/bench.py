"""Time ``plan2cal schedule`` as a whole process on synthetic plans of growing size.

"first" is a run with no earlier output; "rerun" the same run again, which reads the state
file and compares every event with it.

Each plan has P sequential phases of 20 tasks, efforts uniform in 2–40 h (fixed seed), 10 h a
week on weekday evenings and Saturday mornings. Prints wall time and peak memory (max RSS of the
child) per size, and the time per task so that linear growth is visible.

    python bench/bench.py                 # 1,000 and 5,000 tasks, plus the bundled plan
    python bench/bench.py --tasks 200 1000 5000 --repeat 3
    python bench/bench.py --tasks --csv-tasks 5000 20000   # only the Jira CSV case
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "plans" / "ai-pm-transition.yaml"


def synthetic_plan(tasks: int, seed: int = 7) -> dict[str, object]:
    """A plan of ``tasks // 20`` sequential phases × 20 tasks with efforts in 2–40 h."""
    rng = random.Random(seed)
    phases = []
    for p in range(tasks // 20):
        phases.append(
            {
                "id": f"phase-{p}",
                "name": f"Phase {p}",
                "tasks": [
                    {
                        "id": f"t{p}-{t}",
                        "name": f"Task {t} of phase {p}",
                        "hours": rng.randint(8, 160) / 4,
                    }
                    for t in range(20)
                ],
            }
        )
    return {
        "plan": f"bench-{tasks}",
        "title": f"Benchmark, {tasks} tasks",
        "defaults": {
            "start": "2027-01-04",
            "hours_per_week": 10,
            "timezone": "Europe/Berlin",
            "windows": {"mon-fri": "19:00-21:00", "sat": "09:00-13:00"},
        },
        "phases": phases,
    }


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one child process."""
    began = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    # wait4 gives this child's own resource use; ru_maxrss is in kilobytes on Linux.
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{' '.join(command)} failed ({child.returncode}):\n{errors}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument(
        "--csv-tasks",
        type=int,
        nargs="*",
        default=[5000, 20000],
        help="sizes for the Jira CSV case (schedule and write only jira.csv)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best counts")
    args = parser.parse_args()
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    exe = [sys.executable, "-m", "plan2cal"]
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out"
        print(f"{'plan':<22}{'events':>10}{'first s':>9}{'rerun s':>9}{'ms/task':>9}{'peak MB':>9}")
        cases: list[tuple[str, Path, int]] = []
        if BUNDLED.exists():
            cases.append(("bundled plan", BUNDLED, 0))
        for size in sorted(args.tasks):
            path = Path(work) / f"bench-{size}.json"
            path.write_text(json.dumps(synthetic_plan(size)))
            cases.append((f"{size} tasks", path, size))
        for label, path, size in cases:
            # The progress file (and the settings the first run pins in it) lives in the
            # temporary folder too, never beside the repository's own plan.
            progress = Path(work) / f"{path.stem}.progress.yaml"
            command = [
                *exe,
                "schedule",
                str(path),
                "--progress",
                str(progress),
                "-o",
                str(out),
                "--horizon-years",
                "1000",
                "--start",
                "2027-01-04",
                "--today",
                "2027-01-04",
            ]
            firsts, reruns, peak = [], [], 0.0
            for _ in range(args.repeat):
                shutil.rmtree(out, ignore_errors=True)
                progress.unlink(missing_ok=True)
                wall, peak = run(command, env)  # no state yet: every event is new
                firsts.append(wall)
                wall, peak = run(command, env)  # state present: compare, keep SEQUENCE
                reruns.append(wall)
            ics = next(out.glob("*.ics"))
            events = ics.read_bytes().count(b"BEGIN:VEVENT")
            per_task = f"{min(firsts) / size * 1000:.2f}" if size else "-"
            print(
                f"{label:<22}{events:>10}{min(firsts):>9.2f}{min(reruns):>9.2f}{per_task:>9}"
                f"{peak:>9.0f}"
            )
        if args.csv_tasks:
            print(f"\n{'Jira CSV':<22}{'rows':>10}{'wall s':>9}{'':>9}{'ms/task':>9}{'peak MB':>9}")
        for size in sorted(args.csv_tasks):
            path = Path(work) / f"bench-{size}.json"
            path.write_text(json.dumps(synthetic_plan(size)))
            command = [
                *exe,
                "schedule",
                str(path),
                "--progress",
                str(Path(work) / f"{path.stem}.csv.progress.yaml"),
                "-o",
                str(out / "csv"),
                "--horizon-years",
                "1000",
                "--start",
                "2027-01-04",
                "--today",
                "2027-01-04",
                "--format",
                "jira",
            ]
            best, peak = min(run(command, env) for _ in range(args.repeat))
            rows = (out / "csv" / f"bench-{size}.jira.csv").read_bytes().count(b"\r\n") - 1
            print(
                f"{str(size) + ' tasks':<22}{rows:>10}{best:>9.2f}{'':>9}"
                f"{best / size * 1000:>9.2f}{peak:>9.0f}"
            )


if __name__ == "__main__":
    main()
