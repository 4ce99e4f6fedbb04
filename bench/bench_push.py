"""Time ``plan2cal.publish.push`` against a local Radicale, started here on 127.0.0.1.

Cases, each into a fresh calendar collection:

- the bundled plan: the first push, a push with nothing new, and the rerun after a slip (eight
  weeks on, 90 minutes logged on the first task);
- "raw PUTs": the same first-push bytes sent one by one with bare httpx and no plan2cal logic,
  the floor the server sets. Radicale does most of the work of a PUT itself (it parses the
  event, and on a create reads every resource of the collection to check the UID), so a push
  is bound by the server and the floor shows what is plan2cal's own share;
- a synthetic plan of about 5,000 events (bench.py's generator): the first push and a push
  with nothing new, into ``memory_caldav.py`` (a collection held in memory, constant time per
  request, in its own process), which leaves plan2cal's own time per event; with
  ``--radicale-large N``, also a first push of about N events into Radicale, whose create grows
  with the collection (so the whole push with its square: 1,122 events took 270 s here).

Radicale runs as its own process with htpasswd auth, its store in /dev/shm where there is one
(so that the disk's fsync is not measured). Prints one table: events, writes, requests, wall
seconds and milliseconds per event.

    python bench/bench_push.py                   # bundled plan, raw floor, 5,000 events
    python bench/bench_push.py --large 0         # skip the large plan
    python bench/bench_push.py --large 1000 --workers 1 4 --radicale-large 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

from bench import synthetic_plan  # noqa: E402

from plan2cal.model import Plan  # noqa: E402
from plan2cal.publish import Connection, Credentials, push_events  # noqa: E402
from publishing import Run, bundled_plan, first_run, slipped_run  # noqa: E402
from servers import CalDavServer, radicale  # noqa: E402

USER, PASSWORD = "bench", "bench-password"


def row(label: str, events: int, writes: int | str, requests: int | str, seconds: float) -> None:
    """One line of the table."""
    per_event = seconds / events * 1000 if events else 0.0
    print(f"{label:<50}{events:>8}{writes:>8}{requests:>10}{seconds:>10.2f}{per_event:>10.1f}")


def timed_push(
    server: CalDavServer | None, url: str, run: Run, state: Path, workers: int
) -> tuple[int, int, float]:
    """Push a run (with the bench user's password where there is a ``server``); (writes,
    requests, seconds)."""
    credentials = Credentials(USER, PASSWORD) if server is not None else None
    connection = Connection(credentials, workers=workers)
    began = time.perf_counter()
    result = push_events(
        url, run.resources, plan_id=run.schedule.plan, state_file=state, connection=connection
    )
    seconds = time.perf_counter() - began
    assert not result.conflicts, result.conflicts
    return result.writes, result.requests, seconds


def raw_puts(url: str, run: Run) -> float:
    """Seconds to PUT every live event once, sequentially, with bare httpx."""
    with httpx.Client(auth=(USER, PASSWORD), timeout=60) as client:
        began = time.perf_counter()
        for uid, resource in run.live.items():
            response = client.put(
                url + quote(uid, safe="") + ".ics",
                content=resource.data,
                headers={"If-None-Match": "*", "Content-Type": "text/calendar; charset=utf-8"},
            )
            assert response.status_code == 201, response.status_code
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--large", type=int, default=5000, help="events of the large plan (0: skip)"
    )
    parser.add_argument("--workers", type=int, nargs="*", default=[4], help="parallel requests")
    parser.add_argument(
        "--radicale-large",
        type=int,
        default=0,
        help="events of a large plan pushed into Radicale too (0: skip; it grows quadratically)",
    )
    args = parser.parse_args()
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="plan2cal-bench-", dir=shm if shm.is_dir() else None))
    server = radicale(folder / "radicale", users={USER: PASSWORD}).start()
    caldav = CalDavServer(server, f"{server.origin}/{USER}/", USER, PASSWORD)
    try:
        plan = bundled_plan()
        first = first_run(plan)
        slipped = slipped_run(plan, first)
        print(f"Radicale at {server.origin}, store in {folder}")
        print(
            f"{'case':<50}{'events':>8}{'writes':>8}{'requests':>10}{'wall s':>10}{'ms/event':>10}"
        )
        for workers in args.workers:
            url = caldav.new_calendar(f"bundled-{workers}")
            state = folder / f"bundled-{workers}.push.json"
            label = f"bundled, {workers} worker{'s' if workers > 1 else ''}"
            row(
                f"{label}: first push",
                len(first.live),
                *timed_push(caldav, url, first, state, workers),
            )
            row(
                f"{label}: nothing new",
                len(first.live),
                *timed_push(caldav, url, first, state, workers),
            )
            row(
                f"{label}: rerun after a slip",
                len(slipped.resources),
                *timed_push(caldav, url, slipped, state, workers),
            )
            row(
                f"{label}: nothing new again",
                len(slipped.live),
                *timed_push(caldav, url, slipped, state, workers),
            )
        url = caldav.new_calendar("raw")
        row(
            "bundled: raw PUTs (server floor)",
            len(first.live),
            len(first.live),
            len(first.live),
            raw_puts(url, first),
        )
        if args.radicale_large:
            large = first_run(large_plan(args.radicale_large))
            url = caldav.new_calendar("large")
            state = folder / "large.push.json"
            row(
                f"Radicale, {len(large.live)} events: first push",
                len(large.live),
                *timed_push(caldav, url, large, state, args.workers[-1]),
            )
        if args.large:
            large = first_run(large_plan(args.large))
            for workers in args.workers:
                memory = subprocess.Popen(
                    [sys.executable, str(ROOT / "bench" / "memory_caldav.py")],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                try:
                    assert memory.stdout is not None
                    url = memory.stdout.readline().strip()
                    state = folder / f"memory-{workers}.push.json"
                    label = f"in memory, {len(large.live)} events, {workers} workers"
                    for case in ("first push", "nothing new"):
                        row(
                            f"{label}: {case}",
                            len(large.live),
                            *timed_push(None, url, large, state, workers),
                        )
                finally:
                    memory.kill()
                    memory.wait()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def large_plan(events: int) -> Plan:
    """bench.py's synthetic plan with about ``events`` events (its tasks average ~13 sessions
    at 10 h a week and 2 h at most a sitting)."""
    tasks = max(20, round(events / 13.3 / 20) * 20)
    data = synthetic_plan(tasks)
    return Plan.model_validate(json.loads(json.dumps(data)))


if __name__ == "__main__":
    began = dt.datetime.now()
    main()
    print(f"(bench took {(dt.datetime.now() - began).total_seconds():.0f} s)")
