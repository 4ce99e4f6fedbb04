"""Time ``plan2cal schedule`` as a whole process on synthetic plans of growing size.

"first" is a run with no earlier output; "rerun" the same run again, which reads the state
file and compares every event with it.

Each plan has P sequential phases of 20 tasks, efforts uniform in 2–40 h (fixed seed), 10 h a
week on weekday evenings and Saturday mornings; "side by side" has every phase ``after:
[]``, so that all of them are ready at once, and the thesis plan's 12 h a week on weekday
mornings and Sunday afternoons, where a day can hold more than one session. Prints wall
time and peak memory (max RSS of the child) per size, the time per task so that linear
growth is visible, and "switch/day": how often the work changes task within a day, averaged
over the days with sessions (read from the .ics the run wrote, so that any version of
plan2cal can be measured: ``PYTHONPATH=../base/src python bench/bench.py`` times the code
there on these plans). The bundled plan and plans/phd-thesis.yaml are measured too; a
version that cannot read a plan shows "-".

    python bench/bench.py                 # 1,000 and 5,000 tasks, plus the bundled plans
    python bench/bench.py --tasks 200 1000 5000 --repeat 3
    python bench/bench.py --tasks --csv-tasks 5000 20000   # only the Jira CSV case
    python bench/bench.py --tasks --csv-tasks --busy-tasks 1000  # only the busy calendar case
    python bench/bench.py --tasks --csv-tasks --busy-tasks --report-tasks 1000  # only the report

The busy calendar case writes a calendar of 10,000 events, 50 of them weekly series
over two years, and times ``schedule`` with ``--busy`` against the same run without it, for the
bundled plan (target: under 0.5 s added) and a plan of 1,000 tasks (target: under twice the
time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "plans" / "ai-pm-transition.yaml"
THESIS = ROOT / "plans" / "phd-thesis.yaml"


def synthetic_plan(tasks: int, seed: int = 7, side_by_side: bool = False) -> dict[str, object]:
    """A plan of ``tasks // 20`` phases × 20 tasks with efforts in 2–40 h; the phases run in
    turn, or all side by side (``after: []``, with the thesis plan's windows and budget)."""
    rng = random.Random(seed)
    phases = []
    for p in range(tasks // 20):
        phases.append(
            {
                "id": f"phase-{p}",
                "name": f"Phase {p}",
                **({"after": []} if side_by_side else {}),
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
            "hours_per_week": 12 if side_by_side else 10,
            "timezone": "Europe/Berlin",
            "windows": (
                {"mon-fri": "08:00-10:00", "sun": "13:00-17:00"}
                if side_by_side
                else {"mon-fri": "19:00-21:00", "sat": "09:00-13:00"}
            ),
        },
        "phases": phases,
    }


def switches_per_day(ics: bytes) -> float:
    """Changes of task between consecutive work sessions of one local day, averaged over the
    days with sessions; the day in the calendar's X-WR-TIMEZONE, tombstones left out."""
    text = ics.decode().replace("\r\n ", "").replace("\r\n", "\n")
    zone = ZoneInfo(text.split("X-WR-TIMEZONE:", 1)[1].split("\n", 1)[0])
    by_day: dict[object, list[tuple[str, str]]] = defaultdict(list)
    for block in text.split("BEGIN:VEVENT")[1:]:
        fields = dict(line.split(":", 1) for line in block.split("\n") if ":" in line)
        task, mark, _ = fields.get("X-PLAN2CAL-ITEM", "").partition("#")
        if not mark or fields.get("STATUS") == "CANCELLED":
            continue
        start = dt.datetime.strptime(fields["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        by_day[start.astimezone(zone).date()].append((fields["DTSTART"], task))
    if not by_day:
        return 0.0
    changes = 0
    for sessions in by_day.values():
        tasks = [task for _, task in sorted(sessions)]
        changes += sum(1 for before, after in itertools.pairwise(tasks) if before != after)
    return changes / len(by_day)


def busy_calendar(events: int = 10_000, series: int = 50, seed: int = 3) -> bytes:
    """An .ics of ``events`` busy events from 2027-01-04 over two years, in Europe/Berlin,
    08:00 to 22:00, 30 to 90 minutes long; the first ``series`` are weekly for two years."""
    import icalendar

    rng = random.Random(seed)
    zone = ZoneInfo("Europe/Berlin")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//plan2cal//bench//EN")
    calendar.add("version", "2.0")
    first = dt.date(2027, 1, 4)
    for n in range(events):
        event = icalendar.Event()
        event.add("uid", f"busy-{n}@bench")
        event.add("summary", f"Busy {n}")
        event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        day = first + dt.timedelta(days=rng.randrange(7 if n < series else 730))
        begin = dt.datetime(
            day.year, day.month, day.day, rng.randrange(8, 22), rng.choice((0, 15, 30, 45))
        ).replace(tzinfo=zone)
        event.add("dtstart", begin)
        event.add("dtend", begin + dt.timedelta(minutes=rng.choice((30, 60, 90))))
        if n < series:
            event.add("rrule", {"freq": "weekly", "count": 104})
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """User and system seconds of one child process."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(command)} failed:\n{errors}")
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user and system) and peak resident megabytes of one child
    process. CPU time is the steadier figure on a machine that is busy with other work."""
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
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{errors}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
    parser.add_argument(
        "--busy-tasks",
        type=int,
        nargs="*",
        default=[1000],
        help="sizes for the busy calendar case, beside the bundled plan (none: skip it)",
    )
    parser.add_argument(
        "--report-tasks",
        type=int,
        nargs="*",
        default=[1000],
        help="sizes for the HTML report case, beside the bundled plan (none: skip it)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best counts")
    args = parser.parse_args()
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    # An installed plan2cal runs from compiled bytecode (pip compiles it); without this, a
    # machine that sets PYTHONDONTWRITEBYTECODE compiles every module on every run and the
    # figures measure the compiler.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    exe = [sys.executable, "-m", "plan2cal"]
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out"
        print(
            f"{'plan':<22}{'events':>10}{'first s':>9}{'rerun s':>9}{'ms/task':>9}{'peak MB':>9}"
            f"{'cpu 1st':>9}{'cpu re':>9}{'switch/day':>12}"
        )
        cases: list[tuple[str, Path, int]] = []
        for label, plan in (("bundled plan", BUNDLED), ("thesis plan", THESIS)):
            if plan.exists():
                cases.append((label, plan, 0))
        for size in sorted(args.tasks):
            path = Path(work) / f"bench-{size}.json"
            path.write_text(json.dumps(synthetic_plan(size)))
            cases.append((f"{size} tasks", path, size))
        for size in sorted(args.tasks)[:1]:
            path = Path(work) / f"bench-{size}-side.json"
            path.write_text(json.dumps(synthetic_plan(size, side_by_side=True)))
            cases.append((f"{size} side by side", path, size))
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
            firsts, reruns, first_cpu, rerun_cpu, peak = [], [], [], [], 0.0
            try:
                for _ in range(args.repeat):
                    shutil.rmtree(out, ignore_errors=True)
                    progress.unlink(missing_ok=True)
                    wall, cpu, peak = run(command, env)  # no state yet: every event is new
                    firsts.append(wall)
                    first_cpu.append(cpu)
                    wall, cpu, peak = run(command, env)  # state present: compare, keep SEQUENCE
                    reruns.append(wall)
                    rerun_cpu.append(cpu)
            except RuntimeError:
                if size:
                    raise
                print(f"{label:<22}{'-':>10}")  # this version cannot read the plan
                continue
            data = next(out.glob("*.ics")).read_bytes()
            events = data.count(b"BEGIN:VEVENT")
            per_task = f"{min(firsts) / size * 1000:.2f}" if size else "-"
            print(
                f"{label:<22}{events:>10}{min(firsts):>9.2f}{min(reruns):>9.2f}{per_task:>9}"
                f"{peak:>9.0f}{min(first_cpu):>9.2f}{min(rerun_cpu):>9.2f}"
                f"{switches_per_day(data):>12.2f}"
            )
        if args.busy_tasks is not None and (args.busy_tasks or BUNDLED.exists()):
            bench_busy(Path(work), exe, env, args.busy_tasks, args.repeat)
        if args.report_tasks is not None and (args.report_tasks or BUNDLED.exists()):
            bench_report(Path(work), exe, env, args.report_tasks, args.repeat)
        if args.csv_tasks:
            print(
                f"\n{'Jira CSV':<22}{'rows':>10}{'wall s':>9}{'':>9}{'ms/task':>9}{'peak MB':>9}"
                f"{'cpu s':>9}"
            )
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
            runs = [run(command, env) for _ in range(args.repeat)]
            best, peak = min(wall for wall, _, _ in runs), max(mb for _, _, mb in runs)
            cpu = min(cpu for _, cpu, _ in runs)
            rows = (out / "csv" / f"bench-{size}.jira.csv").read_bytes().count(b"\r\n") - 1
            print(
                f"{str(size) + ' tasks':<22}{rows:>10}{best:>9.2f}{'':>9}"
                f"{best / size * 1000:>9.2f}{peak:>9.0f}{cpu:>9.2f}"
            )


def _cases(work: Path, sizes: list[int], kind: str) -> list[tuple[str, Path]]:
    """The bundled plan (when there is one) and a synthetic plan of each size, as files."""
    cases: list[tuple[str, Path]] = []
    if BUNDLED.exists():
        cases.append(("bundled plan", BUNDLED))
    for size in sorted(sizes):
        path = work / f"bench-{kind}-{size}.json"
        path.write_text(json.dumps(synthetic_plan(size)))
        cases.append((f"{size} tasks", path))
    return cases


def bench_busy(
    work: Path, exe: list[str], env: dict[str, str], sizes: list[int], repeat: int
) -> None:
    """``schedule`` with and without a busy calendar of 10,000 events (first runs, best of
    ``repeat``): the time it adds and the ratio."""
    busy = work / "busy.ics"
    busy.write_bytes(busy_calendar())
    # CPU seconds (user + system) of the child: on a shared machine wall time measures the
    # neighbours as much as the run.
    print(
        f"\n{'busy calendar (CPU s)':<22}{'sessions':>10}{'plain':>9}{'busy':>9}{'added':>9}"
        f"{'ratio':>7}"
    )
    cases = _cases(work, sizes, "busy")
    for label, path in cases:
        times = {}
        sessions = 0
        for extra in ((), ("--busy", str(busy))):
            progress = work / f"{path.stem}.busy.progress.yaml"
            out = work / "busy-out"
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
                *extra,
            ]
            walls = []
            for _ in range(repeat):
                shutil.rmtree(out, ignore_errors=True)
                progress.unlink(missing_ok=True)
                walls.append(cpu_seconds(command, env))
            times[bool(extra)] = min(walls)
            sessions = next(out.glob("*.ics")).read_bytes().count(b"BEGIN:VEVENT")
        plain, with_busy = times[False], times[True]
        print(
            f"{label:<22}{sessions:>10}{plain:>9.2f}{with_busy:>9.2f}{with_busy - plain:>9.2f}"
            f"{with_busy / plain:>7.2f}"
        )


def bench_report(
    work: Path, exe: list[str], env: dict[str, str], sizes: list[int], repeat: int
) -> None:
    """``plan2cal report`` after a first ``schedule`` (best of ``repeat``, CPU seconds), the
    report's size, and what ``--format html`` adds to a ``schedule`` run."""
    print(
        f"\n{'HTML report (CPU s)':<22}{'tasks':>10}{'report':>9}{'KB':>9}{'sched':>9}"
        f"{'+html':>9}{'added':>9}"
    )
    cases = _cases(work, sizes, "report")
    for label, path in cases:
        progress = work / f"{path.stem}.report.progress.yaml"
        out = work / "report-out"
        dates = ["--horizon-years", "1000", "--start", "2027-01-04", "--today", "2027-01-04"]
        common = ["--progress", str(progress), "-o", str(out), *dates]
        schedule = [*exe, "schedule", str(path), *common]
        report = [*exe, "report", str(path), "--progress", str(progress), *dates]
        costs: dict[str, list[float]] = {"schedule": [], "html": [], "report": []}
        for _ in range(repeat):
            # The same run with and without the report beside the .ics: what html adds.
            with_ics = ["--format", "ics"]
            for name, extra in (("html", [*with_ics, "--format", "html"]), ("schedule", with_ics)):
                shutil.rmtree(out, ignore_errors=True)
                progress.unlink(missing_ok=True)
                costs[name].append(cpu_seconds([*schedule, *extra], env))
            # The plain schedule ran last: the pinned formats are the .ics alone.
            costs["report"].append(cpu_seconds(report, env))
        html = next(out.glob("*.html")).read_bytes()
        tasks = html.count(b'class="row row-task')
        best = {name: min(values) for name, values in costs.items()}
        print(
            f"{label:<22}{tasks:>10}{best['report']:>9.2f}{len(html) / 1024:>9.0f}"
            f"{best['schedule']:>9.2f}{best['html']:>9.2f}"
            f"{best['html'] - best['schedule']:>9.2f}"
        )


if __name__ == "__main__":
    main()
