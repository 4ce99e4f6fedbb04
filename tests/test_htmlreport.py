"""plan2cal.htmlreport and ``plan2cal report``: what the picture holds, where its marks go, and
that the file is self-contained, escaped, reproducible and written without touching the
progress or the state. The browser's view of it is in test_htmlreport_browser.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from conftest import BUNDLED_PLAN, DEMO_PLAN
from goldens import bundled_schedule, schedule_of
from plan2cal.export.revisions import snapshot_of
from plan2cal.htmlreport import ReportInput, build_picture, render_picture, report_html
from plan2cal.htmlreport.picture import GanttRow, Picture, Span, Tick
from plan2cal.schedule import Actuals, Schedule

Run = Callable[..., Result]
WritePlan = Callable[..., Path]
TODAY = dt.date(2027, 2, 15)  # six weeks after START


def picture_of(schedule: Schedule, baseline: Schedule | None = None) -> Picture:
    """The picture of ``schedule`` with ``baseline`` (or itself) as baseline and last run."""
    snapshot = snapshot_of(baseline or schedule)
    return build_picture(ReportInput(schedule, snapshot, snapshot))


def day_to_x(ticks: tuple[Tick, ...]) -> Callable[[dt.date], float]:
    """The axis's own mapping from a day to x, read back from two of its dated ticks."""
    dated = [(dt.date.fromisoformat(t.label), t.x) for t in ticks if t.label]
    (day0, x0), (day1, x1) = dated[0], dated[-1]
    per_day = (x1 - x0) / (day1 - day0).days
    return lambda day: x0 + (day - day0).days * per_day


def slipped_bundled() -> Schedule:
    """The bundled plan as of TODAY with only two small tasks done: the rest slips."""
    actuals = Actuals(
        TODAY,
        done={
            "enroll-google-pm-cert": dt.date(2027, 1, 5),
            "linkedin-headline": dt.date(2027, 1, 7),
        },
    )
    return bundled_schedule(actuals)


def test_gantt_has_each_phase_then_its_tasks_then_the_fixed_milestones() -> None:
    """Rows come in plan order: a phase row, its tasks' rows, and the fixed milestones last."""
    schedule = schedule_of(
        {
            "plan": "p",
            "title": "P",
            "defaults": {"windows": {"mon-fri": "19:00-21:00"}, "timezone": "Europe/Berlin"},
            "phases": [
                {"id": "one", "name": "One", "tasks": [{"id": "a", "name": "A", "hours": 3}]},
                {"id": "two", "name": "Two", "tasks": [{"id": "b", "name": "B", "hours": 2}]},
            ],
            "milestones": [{"id": "exam", "name": "Exam", "date": "2027-03-01"}],
        }
    )
    rows = picture_of(schedule).gantt.rows

    assert [(row.kind, row.label) for row in rows] == [
        ("phase", "One"),
        ("task", "A"),
        ("phase", "Two"),
        ("task", "B"),
        ("milestone", "Exam"),
    ]
    assert all(later.y > earlier.y for earlier, later in itertools.pairwise(rows))


def test_phase_bars_and_milestones_sit_at_their_dates_on_the_axis() -> None:
    """Each phase bar starts at its start day and its milestone mark follows its end day, as the
    axis's own dated ticks place those days."""
    schedule = bundled_schedule()
    gantt = picture_of(schedule).gantt
    x_of = day_to_x(gantt.ticks)
    phases = [row for row in gantt.rows if row.kind == "phase"]

    assert len(phases) == len(schedule.phases)
    for row, phase in zip(phases, schedule.phases, strict=True):
        assert row.bar is not None and row.milestone is not None and row.nominal is not None
        assert row.bar.x == pytest.approx(x_of(phase.start), abs=0.2)
        assert row.bar.x + row.bar.width == pytest.approx(
            x_of(phase.end + dt.timedelta(days=1)), abs=0.3
        )
        assert (
            row.milestone.label
            == f"{phase.end.isoformat()}, nominal {phase.nominal_end.isoformat()}"
        )
        assert row.nominal.x == pytest.approx(x_of(phase.nominal_end), abs=0.2)


def test_baseline_bars_show_where_the_baseline_had_the_work_after_a_slip() -> None:
    """After a slip a phase's ghost bar ends at the baseline's milestone, before its current
    bar ends; a task's ghost spans its baseline days."""
    baseline = bundled_schedule()
    now = slipped_bundled()
    gantt = picture_of(now, baseline).gantt
    x_of = day_to_x(gantt.ticks)
    first = next(row for row in gantt.rows if row.kind == "phase")
    phase_then, phase_now = baseline.phases[0], now.phases[0]

    assert phase_now.end > phase_then.end
    assert first.ghost is not None and first.bar is not None
    assert first.ghost.x + first.ghost.width == pytest.approx(
        x_of(phase_then.end + dt.timedelta(days=1)), abs=0.3
    )
    assert first.ghost.x + first.ghost.width < first.bar.x + first.bar.width
    cert = next(row for row in gantt.rows if row.title.startswith("Complete Google Project"))
    then = next(t for t in baseline.tasks if t.key == "google-pm-certificate")
    assert cert.ghost is not None and then.start is not None
    zone = ZoneInfo(baseline.availability.timezone)
    assert cert.ghost.x == pytest.approx(x_of(then.start.astimezone(zone).date()), abs=0.2)


def test_done_tasks_are_shaded_and_late_ones_marked_in_words() -> None:
    """A done task's bar is covered by its done shading and says "done"; a task past its
    deadline says LATE with the days; the today line sits at today."""
    now = slipped_bundled()
    gantt = picture_of(now).gantt
    rows = {row.title.split(" (")[0]: row for row in gantt.rows if row.kind == "task"}
    done = rows["Update LinkedIn headline to include 'Aspiring AI Project Manager'"]
    late_keys = {miss.key: miss.days_late for miss in now.misses if miss.kind == "task"}

    assert done.status == "done" and done.done is not None and done.bar is not None
    assert (done.done.x, done.done.width) == (done.bar.x, done.bar.width)
    assert late_keys, "the slipped plan misses task deadlines"
    late_rows = [row for row in gantt.rows if row.late and row.kind == "task"]
    assert sorted(
        int(row.status.rpartition("LATE +")[2].removesuffix(" d")) for row in late_rows
    ) == sorted(late_keys.values())
    assert gantt.today is not None
    assert gantt.today.x == pytest.approx(day_to_x(gantt.ticks)(TODAY), abs=0.2)


def test_weekly_load_and_burnup_add_up_to_the_sessions() -> None:
    """The load chart's weeks hold every session's hours, split into done and planned at today,
    and the burn-up's plan line ends at their sum."""
    now = slipped_bundled()
    picture = picture_of(now, bundled_schedule())
    done = sum(s.minutes for s in now.sessions if s.done)
    planned = sum(s.minutes for s in now.sessions if not s.done)

    def hours_in_titles(word: str) -> float:
        found = [re.search(rf"; {word} ([0-9.]+) h", week.title) for week in picture.load.weeks]
        return sum(float(match.group(1)) for match in found if match)

    assert hours_in_titles("done") == pytest.approx(done / 60, abs=0.1 * len(picture.load.weeks))
    assert hours_in_titles("planned") == pytest.approx(
        planned / 60, abs=0.05 * len(picture.load.weeks)
    )
    (plan_line,) = [line for line in picture.burnup.lines if line.name == "plan"]
    assert plan_line.label == f"plan {(done + planned) / 60:.1f}".removesuffix(".0") + " h"
    assert {line.name for line in picture.burnup.lines} == {"baseline", "plan", "done"}


def test_the_next_fourteen_days_are_every_session_from_today_on() -> None:
    """The session table lists the sessions of today and the 13 days after, in order."""
    now = slipped_bundled()
    zone = ZoneInfo(now.availability.timezone)
    until = TODAY + dt.timedelta(days=14)
    expected = [
        s for s in now.sessions if TODAY <= s.start.astimezone(zone).date() < until and not s.done
    ]
    rows = picture_of(now).sessions

    assert len(rows) == len(expected) > 0
    assert [row.day for row in rows] == [
        s.start.astimezone(zone).date().isoformat() for s in expected
    ]


def test_the_header_gives_the_end_against_the_baseline_and_the_nominal_end() -> None:
    """The header names the end date, the baseline's with the difference, and the nominal end."""
    baseline, now = bundled_schedule(), slipped_bundled()
    header = picture_of(now, baseline).header
    days = (now.end - baseline.end).days

    assert header.end == now.end.isoformat()
    assert header.end_lines[0].startswith(f"baseline end {baseline.end.isoformat()} (set ")
    assert f": {days:+d} d" in header.end_lines[0]
    nominal = max(phase.nominal_end for phase in now.phases)
    assert any(line.startswith(f"nominal end {nominal.isoformat()}") for line in header.end_lines)


def test_the_file_fetches_nothing_and_has_no_script() -> None:
    """No script, no link, no external URL in any attribute or style: it opens offline; a
    Content-Security-Policy forbids any fetch."""
    html = report_html(ReportInput(bundled_schedule(), None, None)).decode()

    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"""(src|href)\s*=""", html, re.IGNORECASE)
    assert "@import" not in html
    assert set(re.findall(r"url\(([^)]*)\)", html)) == {"#hatch"}
    assert "Content-Security-Policy\" content=\"default-src 'none'" in html


def test_plan_text_is_escaped() -> None:
    """A task or phase name with markup in it is shown as text, never as markup."""
    schedule = schedule_of(
        {
            "plan": "p",
            "title": "Tom & <b>Jerry</b>",
            "defaults": {"windows": {"mon-fri": "19:00-21:00"}, "timezone": "UTC"},
            "phases": [
                {
                    "id": "one",
                    "name": "<script>alert(1)</script>",
                    "tasks": [{"id": "a", "name": 'x" onload="alert(2)', "hours": 3}],
                },
            ],
        }
    )
    html = report_html(ReportInput(schedule, None, None)).decode()

    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onload="' not in html and "x&#34; onload=&#34;alert(2)" in html
    assert "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" in html


def test_the_same_input_gives_the_same_bytes() -> None:
    """Two renderings of one schedule are identical (no clock, no random ids)."""
    now = slipped_bundled()
    snapshot = snapshot_of(bundled_schedule())

    assert report_html(ReportInput(now, snapshot, snapshot)) == report_html(
        ReportInput(now, snapshot, snapshot)
    )


def test_the_bundled_plans_report_stays_under_one_megabyte() -> None:
    """The bundled plan's report, slipped and with a baseline, is well under 1 MB."""
    html = report_html(ReportInput(slipped_bundled(), snapshot_of(bundled_schedule()), None))

    assert 10_000 < len(html) < 1_000_000


def test_a_habit_row_is_drawn_as_a_thin_band() -> None:
    """The template draws a row of kind habit (kept for tasks with every:) as a thin band
    with its tooltip."""
    picture = picture_of(bundled_schedule())
    phase = picture.gantt.rows[0]
    habit = GanttRow(
        kind="habit",
        y=phase.y + phase.height,
        height=9,
        label="Practice daily",
        title="Practice daily: 30m a week",
        bar=Span(400, 300, "Practice daily: 30m a week until the phase ends"),
    )
    rows = (phase, habit, *picture.gantt.rows[1:])
    html = render_picture(
        dataclasses.replace(picture, gantt=dataclasses.replace(picture.gantt, rows=rows))
    ).decode()

    assert re.search(
        r'<g class="row row-habit">.*?<rect class="bar-habit" x="400" y="[0-9.]+" width="300" '
        r'height="5"><title>Practice daily: 30m a week until the phase ends</title>',
        html,
        re.DOTALL,
    )


def test_each_habit_is_a_thin_band_under_its_phase_over_its_span() -> None:
    """The bundled plan's habits are bands right under their phase row, before its tasks,
    from their first day to their last on the chart's own axis, with rhythm and record."""
    schedule = bundled_schedule()
    picture = picture_of(schedule)
    rows = picture.gantt.rows
    to_x = day_to_x(picture.gantt.ticks)
    habits = [task for task in schedule.tasks if task.habit is not None]
    bands = [row for row in rows if row.kind == "habit"]
    assert len(bands) == len(habits) == 8
    for task in habits:
        assert task.habit is not None
        band = next(row for row in bands if f"({task.key})" in row.title)
        before = rows[rows.index(band) - 1]
        assert before.kind in ("phase", "habit")
        phase_row = next(r for r in reversed(rows[: rows.index(band)]) if r.kind == "phase")
        phase = next(p for p in schedule.phases if p.key == task.phase)
        assert phase_row.label.startswith(phase.name[:20])
        assert band.height < phase_row.height
        assert band.bar is not None
        assert abs(band.bar.x - to_x(task.habit.first_day)) < 1.5
        assert abs(band.bar.x + band.bar.width - to_x(task.habit.last_day)) < 6
        assert f"habit, {task.habit.rhythm.text}" in band.title
    html = render_picture(picture).decode()
    assert html.count('class="bar-habit"') == 8 + 1  # and the legend's swatch


# --------------------------------------------------------------------------- the command line


def scheduled(tmp_path: Path, write_plan: WritePlan, run_cli: Run, *extra: str) -> Path:
    """The demo plan in tmp_path, scheduled once into tmp_path/out; its path."""
    plan = write_plan(DEMO_PLAN + "".join(extra))
    result = run_cli(
        "schedule", plan, "-o", tmp_path / "out", "--start", "2026-12-07", "--today", "2026-12-01"
    )
    assert result.exit_code == 0, result.output
    return plan


def test_report_writes_beside_the_outputs_and_leaves_progress_and_state_alone(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """Without -o the report is <plan>.html in the pinned output folder; the progress file and
    the state keep their bytes."""
    plan = scheduled(tmp_path, write_plan, run_cli)
    assert (
        run_cli("log", plan, "a", "2h", "--on", "2026-12-08", "--today", "2026-12-10").exit_code
        == 0
    )
    progress, state = tmp_path / "plan.progress.yaml", tmp_path / "out" / "demo.state.json"
    before = (progress.read_bytes(), state.read_bytes())

    result = run_cli("report", plan, "--today", "2026-12-10")

    assert result.exit_code == 0, result.output
    report = tmp_path / "out" / "demo.html"
    assert result.output.startswith(f"Wrote {report} (report as of 2026-12-10, ends ")
    assert (progress.read_bytes(), state.read_bytes()) == before
    text = report.read_text(encoding="utf-8")
    assert "Phase One" in text and "Phase Two" in text and "as of 2026-12-10" in text


def test_report_o_names_the_file_or_a_folder_for_it(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """-o FILE writes that file; -o FOLDER writes <plan>.html in it."""
    plan = scheduled(tmp_path, write_plan, run_cli)
    folder = tmp_path / "reports"
    folder.mkdir()

    assert (
        run_cli("report", plan, "-o", tmp_path / "r.html", "--today", "2026-12-01").exit_code == 0
    )
    assert run_cli("report", plan, "-o", folder, "--today", "2026-12-01").exit_code == 0

    assert (tmp_path / "r.html").read_bytes() == (folder / "demo.html").read_bytes()


@pytest.mark.parametrize("target", ["plan.yaml", "plan.progress.yaml", "out/demo.state.json"])
def test_report_never_overwrites_what_it_reads(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run, target: str
) -> None:
    """-o naming the plan, its progress file or the state is an output error (exit 6), and
    that file keeps its bytes."""
    plan = scheduled(tmp_path, write_plan, run_cli)
    victim = tmp_path / target
    before = victim.read_bytes()

    result = run_cli("report", plan, "-o", victim)

    assert result.exit_code == 6
    assert "which the report reads; give -o another file" in result.stderr
    assert victim.read_bytes() == before


def test_report_shows_the_hours_time_off_takes(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """A week of time off shows in the weekly load as hours lost to time off."""
    plan = scheduled(
        tmp_path,
        write_plan,
        run_cli,
        "off:\n  - {from: 2026-12-14, to: 2026-12-18, reason: trip}\n",
    )
    assert run_cli("report", plan, "--today", "2026-12-01").exit_code == 0
    text = (tmp_path / "out" / "demo.html").read_text(encoding="utf-8")

    assert re.search(r"week of 2026-12-14;[^<]*lost [0-9.]+ h to time off [0-9.]+ h \(trip\)", text)


def test_schedule_format_html_writes_the_same_report(
    tmp_path: Path, write_plan: WritePlan, run_cli: Run
) -> None:
    """schedule --format html writes <plan>.html, as report then writes it for the same day."""
    plan = write_plan(DEMO_PLAN)
    out = tmp_path / "out"
    dates = ("--start", "2026-12-07", "--today", "2026-12-01")
    result = run_cli("schedule", plan, "-o", out, *dates, "--format", "html")
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'demo.html'} (the HTML report)." in result.output
    written = (out / "demo.html").read_bytes()

    assert (
        run_cli("report", plan, "-o", tmp_path / "again.html", "--today", "2026-12-01").exit_code
        == 0
    )
    assert (tmp_path / "again.html").read_bytes() == written


def test_report_help_has_an_example(run_cli: Run) -> None:
    """report --help says what it writes and gives an example."""
    result = run_cli("report", "--help")

    assert result.exit_code == 0
    assert (
        "Example:" in result.output
        and "plan2cal report plans/ai-pm-transition.yaml" in result.output
    )
    assert BUNDLED_PLAN.name in result.output


def test_control_characters_in_plan_text_never_reach_the_file() -> None:
    """A title or name with an escape or a bell (YAML can write them) is printed without
    them, and the markup around them stays markup."""
    schedule = schedule_of(
        {
            "plan": "p",
            "title": "Red\x1b[31m alert\x07",
            "defaults": {"windows": {"mon-fri": "19:00-21:00"}, "timezone": "UTC"},
            "phases": [
                {"id": "one", "name": "One\x0b", "tasks": [{"id": "a", "name": "A", "hours": 3}]}
            ],
        }
    )
    html = report_html(ReportInput(schedule, None, None)).decode()

    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", html.replace("\n", ""))
    assert "<h1>Red[31m alert</h1>" in html
    assert '<g class="row row-phase">' in html
