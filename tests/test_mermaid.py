"""plan2cal.export.mermaid: the Markdown file with a Mermaid gantt chart, read back by Mermaid's
own parser in node (tests/node/check-mermaid.mjs).

The golden is tests/golden/ai-pm-transition.mermaid.md. To regenerate it on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_mermaid.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import ROOT
from goldens import START, bundled_schedule, check_golden, schedule_of
from plan2cal.export.formats import TABLE_FORMATS, Options
from plan2cal.export.mermaid import (
    MAX_TEXT_SIZE,
    chart_size,
    gantt_lines,
    mermaid_bytes,
    mermaid_text,
)
from plan2cal.schedule import Actuals, Schedule

NODE_FOLDER = ROOT / "tests" / "node"
CHECKER = NODE_FOLDER / "check-mermaid.mjs"


def mermaid_reads(text: str) -> subprocess.CompletedProcess[str]:
    """Run Mermaid's parser on TEXT (Markdown or a bare chart); skip when node or the npm
    packages are missing (.ci/run installs them with npm ci --prefix tests/node)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: Mermaid's parser runs in node")
    if not (NODE_FOLDER / "node_modules" / "mermaid").is_dir():
        pytest.skip("Mermaid is not installed: run npm ci --prefix tests/node")
    # Mermaid builds its dates in the process's zone: UTC keeps each day the day written.
    return subprocess.run(
        [node, str(CHECKER)],
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        timeout=120,
        check=False,
    )


def chart_of(data: bytes) -> dict[str, Any]:
    """What Mermaid understood of the file's one chart; fails with its message if it did not."""
    result = mermaid_reads(data.decode())
    assert result.returncode == 0, result.stderr
    (chart,) = json.loads(result.stdout)
    return dict(chart)


def local_day(moment: dt.datetime | None, schedule: Schedule) -> dt.date | None:
    """A session time as the plan's local date."""
    zone = ZoneInfo(schedule.availability.timezone)
    return moment.astimezone(zone).date() if moment else None


def expected_bars(schedule: Schedule) -> list[tuple[str, str, str, str, str, bool]]:
    """(section, name, id, first day, last day, milestone) for every bar the chart should
    have, from the schedule itself; a habit's bar is its span, named with its rhythm."""
    bars = []
    for phase in schedule.phases:
        for task in schedule.tasks:
            if task.phase != phase.key:
                continue
            first = task.wait.first_day if task.wait else local_day(task.start, schedule)
            if task.habit is not None:
                first = task.habit.first_day
            first = min(first or task.end_date, task.end_date)
            name = f"{task.name} ({task.habit.rhythm.text})" if task.habit else task.name
            bars.append(
                (
                    phase.name,
                    name,
                    f"task_{task.key}",
                    first.isoformat(),
                    task.end_date.isoformat(),
                    False,
                )
            )
        end = phase.end.isoformat()
        bars.append((phase.name, f"{phase.name} complete", f"phase_{phase.key}", end, end, True))
    for milestone in schedule.milestones:
        day = milestone.date.isoformat()
        bars.append(("Milestones", milestone.name, f"milestone_{milestone.key}", day, day, True))
    return bars


def read_bars(chart: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool]]:
    """The same tuples from what Mermaid read."""
    return [
        (bar["section"], bar["name"], bar["id"], bar["first"], bar["last"], bar["milestone"])
        for bar in chart["tasks"]
    ]


def test_bundled_plan_matches_golden() -> None:
    """The bundled plan's Markdown file equals tests/golden/ai-pm-transition.mermaid.md."""
    check_golden(mermaid_bytes(bundled_schedule()), "ai-pm-transition.mermaid.md")


def test_mermaid_reads_every_phase_task_and_milestone_with_its_real_dates() -> None:
    """Mermaid's parser finds the plan's title, a section per phase, and each task's bar from
    its first to its last day, each phase's milestone on its end, the fixed milestones."""
    schedule = bundled_schedule()
    chart = chart_of(mermaid_bytes(schedule))
    assert chart["title"] == schedule.title
    assert chart["sections"] == [phase.name for phase in schedule.phases] + (
        ["Milestones"] if schedule.milestones else []
    )
    assert read_bars(chart) == expected_bars(schedule)


def test_the_thesis_plan_with_waits_and_fixed_milestones_reads_back() -> None:
    """The thesis plan's waits, parallel phases and fixed milestones read back as scheduled."""
    from plan2cal.load import load_plan
    from plan2cal.schedule import availability_for, build_schedule

    plan = load_plan(ROOT / "plans" / "phd-thesis.yaml")
    assert plan.defaults.start is not None
    schedule = build_schedule(plan, availability_for(plan), plan.defaults.start)
    assert schedule.milestones and schedule.waits
    chart = chart_of(mermaid_bytes(schedule))
    assert read_bars(chart) == expected_bars(schedule)


NASTY_NAMES = [
    "Project Management: Calculating Budget Costs",
    "Learn C# and F#; then #rust; too",
    "100% done; #35; stays literal",
    "%% not a comment",
    "Title research",
    "section 2 draft",
    "2027-01-04 kickoff",
    "Click tracking: part 1",
    "dateFormat review",
    "excludes weekends",
    'Quotes "and" <angle> & ampersands',
]


def test_names_mermaid_would_misread_are_escaped_and_read_back_whole() -> None:
    """Colons, hashes, semicolons, percent signs and names that start like a gantt statement
    are written so that Mermaid reads each name, phase name and title exactly."""
    data: dict[str, Any] = {
        "plan": "nasty",
        "title": "Plan: #1; 100%",
        "defaults": {"hours_per_week": 10, "windows": {"mon-fri": "18:00-20:00"}},
        "phases": [
            {
                "id": "one",
                "name": "Phase: one; #1",
                "weeks": 2,
                "tasks": [
                    {"id": f"t{index}", "name": name, "hours": 2}
                    for index, name in enumerate(NASTY_NAMES)
                ],
            }
        ],
        "milestones": [{"id": "m", "name": "Review: done; #2", "date": "2027-03-01"}],
    }
    schedule = schedule_of(data)
    chart = chart_of(mermaid_bytes(schedule))
    assert chart["title"] == "Plan: #1; 100%"
    assert chart["sections"] == ["Phase: one; #1", "Milestones"]
    assert [bar["name"] for bar in chart["tasks"]] == [
        *NASTY_NAMES,
        "Phase: one; #1 complete",
        "Review: done; #2",
    ]
    assert read_bars(chart) == expected_bars(schedule)


def test_the_checker_fails_on_an_unescaped_colon_in_a_task_name() -> None:
    """Mermaid cuts a name at its first ':' and takes the rest as the id; the check says so and
    exits non-zero, so a chart that escapes nothing cannot pass."""
    chart = (
        "gantt\n    dateFormat YYYY-MM-DD\n    section One\n"
        "    Project Management: Budget Costs :task_a, 2027-01-04, 2027-01-08\n"
    )
    result = mermaid_reads(chart)
    assert result.returncode == 1
    assert "Project Management" in result.stderr and "cut the name short" in result.stderr
    fixed = chart.replace("Management:", mermaid_text("Management:"))
    assert mermaid_reads(fixed).returncode == 0


def test_the_checker_fails_on_a_chart_that_does_not_parse() -> None:
    """A task line without a name is a parse error, reported with the parser's message."""
    result = mermaid_reads("gantt\n    dateFormat YYYY-MM-DD\n    :a, 2027-01-04, 2027-01-08\n")
    assert result.returncode == 1
    assert "Parse error" in result.stderr


def test_done_logged_and_late_tasks_carry_mermaids_tags() -> None:
    """A done task is 'done', a task with time logged 'active', a task past its deadline
    'crit'; the others carry no tag."""
    data: dict[str, Any] = {
        "plan": "tags",
        "title": "Tags",
        "defaults": {"hours_per_week": 6, "windows": {"mon-fri": "18:00-20:00"}},
        "phases": [
            {
                "id": "one",
                "name": "One",
                "tasks": [
                    {"id": "a", "name": "A", "hours": 2},
                    {"id": "b", "name": "B", "hours": 10},
                    {"id": "c", "name": "C", "hours": 20, "deadline": "2027-01-12"},
                    {"id": "d", "name": "D", "hours": 2},
                ],
            }
        ],
    }
    actuals = Actuals(
        dt.date(2027, 1, 6),
        done={"a": dt.date(2027, 1, 4)},
        logged={"a": [(dt.date(2027, 1, 4), 120)], "b": [(dt.date(2027, 1, 5), 60)]},
    )
    schedule = schedule_of(data, START, actuals)
    assert [miss.key for miss in schedule.misses] == ["c"]
    bars = {bar["id"]: bar for bar in chart_of(mermaid_bytes(schedule))["tasks"]}
    tags = {key: (bar["done"], bar["active"], bar["crit"]) for key, bar in bars.items()}
    assert tags["task_a"] == (True, False, False)
    assert tags["task_b"] == (False, True, False)
    assert tags["task_c"] == (False, False, True)
    assert tags["task_d"] == (False, False, False)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a: b", "a#58; b"),
        ("C#; x", "C#35;#59; x"),
        ("50 %", "50 #37;"),
        ("Title page", "#84;itle page"),
        ("  two\n lines ", "two lines"),
        ("Entitled work", "Entitled work"),
    ],
)
def test_text_is_escaped_only_where_mermaid_would_misread_it(name: str, expected: str) -> None:
    """Entity codes replace the characters the gantt lexer stops at and a keyword's first
    letter; ordinary text, even with a keyword inside a word, is left as it is."""
    assert mermaid_text(name) == expected


def test_the_file_is_markdown_with_one_mermaid_block() -> None:
    """A heading with the plan's title, one line on the schedule, then one fenced block."""
    text = mermaid_bytes(bundled_schedule()).decode()
    lines = text.splitlines()
    assert lines[0] == "# From Software Engineer to AI Project Manager"
    assert lines.count("```mermaid") == 1 and lines.count("```") == 1
    assert lines[lines.index("```mermaid") + 1] == "gantt"
    assert f"from {START.isoformat()} at 10 h a week (Europe/Berlin)" in lines[2]
    assert text.endswith("```\n")


def test_a_path_in_the_output_folder_is_named_after_the_plan() -> None:
    """The format writes <plan>.mermaid.md."""
    assert TABLE_FORMATS["mermaid"].suffixes == ("mermaid.md",)


def test_the_readme_chart_reads_as_the_bundled_plans_first_bars() -> None:
    """The chart shown in the README parses, and its bars are the golden's first ones."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```mermaid\n")
    block = readme[start : readme.index("```\n", start + 10) + 4]
    shown = read_bars(chart_of(block.encode()))
    golden = read_bars(chart_of((ROOT / "tests/golden/ai-pm-transition.mermaid.md").read_bytes()))
    assert shown and all(bar in golden for bar in shown)


def test_blank_names_fall_back_to_their_ids_and_still_parse() -> None:
    """A name of blanks (the plan allows one space) would leave Mermaid a line without a name;
    the task, phase and title then show their ids."""
    data: dict[str, Any] = {
        "plan": "blank",
        "title": " ",
        "defaults": {"hours_per_week": 10, "windows": {"mon-fri": "18:00-20:00"}},
        "phases": [{"id": "one", "name": " ", "tasks": [{"id": "a", "name": " ", "hours": 2}]}],
    }
    chart = chart_of(mermaid_bytes(schedule_of(data)))
    assert chart["title"] == "blank"
    assert chart["sections"] == ["one"]
    assert [bar["name"] for bar in chart["tasks"]] == ["task_a", "one complete"]


def test_a_chart_too_long_for_mermaid_to_draw_is_reported() -> None:
    """Past Mermaid's 50,000 characters the format's notes say the sites will not draw it,
    counting characters as Mermaid does (a character outside the BMP counts twice)."""
    name = "Read chapter 𝄞 " + "x" * 180
    data: dict[str, Any] = {
        "plan": "long",
        "title": "Long",
        "defaults": {"hours_per_week": 40, "windows": {"mon-sun": "08:00-20:00"}},
        "phases": [
            {
                "id": "one",
                "name": "One",
                "tasks": [{"id": f"t{i}", "name": f"{name} {i}", "hours": 1} for i in range(260)],
            }
        ],
    }
    schedule = schedule_of(data)
    chart = chart_of(mermaid_bytes(schedule))
    assert chart["size"] == chart_size(gantt_lines(schedule)) > MAX_TEXT_SIZE
    notes = TABLE_FORMATS["mermaid"].render(schedule, Options()).settings
    assert any(f"{chart['size']:,} characters" in note for note in notes)
    small = TABLE_FORMATS["mermaid"].render(bundled_schedule(), Options()).settings
    assert not any("characters" in note for note in small)
