"""Make docs/report.png, the README's picture of the HTML report.

The bundled plan is copied to a temporary folder, started on 2026-12-07, given some work
done and logged, rescheduled on 2027-01-18 (so that it has slipped against its baseline) and
reported; headless Chromium (Debian's ``chromium``) takes the top 1600 × 1000 pixels.

    python docs/screenshot.py          # writes docs/report.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "plans" / "ai-pm-transition.yaml"
TARGET = ROOT / "docs" / "report.png"
LATER = ("--today", "2027-01-18")


def plan2cal(*args: str | Path) -> None:
    """Run ``plan2cal ARGS`` as this Python's module; stop on failure."""
    subprocess.run(
        [sys.executable, "-m", "plan2cal", *map(str, args)], check=True, stdout=subprocess.DEVNULL
    )


def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        plan = folder / PLAN.name
        shutil.copy(PLAN, plan)
        plan2cal(
            "schedule", plan, "-o", folder / "out", "--start", "2026-12-07", "--today", "2026-12-07"
        )
        plan2cal("done", plan, "enroll-google-pm-cert", "--on", "2026-12-08", *LATER)
        plan2cal("done", plan, "informational-interviews", "--on", "2026-12-20", *LATER)
        plan2cal("log", plan, "linkedin-headline", "1h", "--on", "2026-12-21", *LATER)
        plan2cal("done", plan, "linkedin-headline", "--on", "2026-12-21", *LATER)
        plan2cal("log", plan, "pm-cert-course-1", "3h", "--on", "2027-01-05", *LATER)
        plan2cal("log", plan, "read-ai-for-everyone-book", "2h", "--on", "2027-01-10", *LATER)
        plan2cal("log", plan, "google-pm-certificate", "4h", "--on", "2027-01-12", *LATER)
        plan2cal("schedule", plan, *LATER)
        report = folder / "report.html"
        plan2cal("report", plan, "-o", report, *LATER)
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1600,1000",
                f"--screenshot={TARGET}",
                report.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"Wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
