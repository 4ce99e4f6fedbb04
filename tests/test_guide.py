"""Reading a roadmap guide: the example guide gives the bundled plan's structure, a second guide
in another wording reads as well, and what cannot be placed is reported with its line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BUNDLED_PLAN
from plan2cal.errors import PlanError
from plan2cal.init.draft import Draft
from plan2cal.init.guide import heading_kind, read_guide, shares_resource
from plan2cal.init.start import read_source
from plan2cal.init.writer import plan_text
from plan2cal.load import load_plan

DATA = Path(__file__).resolve().parent / "data" / "init"
EXAMPLE_GUIDE = DATA / "ai-pm-transition-guide.txt"
SECOND_GUIDE = DATA / "teacher-to-ux-guide.txt"


def _written(draft: Draft, tmp_path: Path) -> dict[str, Any]:
    """The draft written as a plan file, loaded back through plan2cal's loader, as plain data."""
    text, _ = plan_text(draft)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    load_plan(path)  # raises on an invalid plan
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def bundled() -> dict[str, Any]:
    """The bundled plan as plain data (no model: its task fields change on main)."""
    data = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def example(tmp_path: Path) -> dict[str, Any]:
    """The example guide read and written as a plan."""
    draft = read_guide(EXAMPLE_GUIDE.read_text(encoding="utf-8"), EXAMPLE_GUIDE.name)
    return _written(draft, tmp_path)


def _skills_of(task: dict[str, Any]) -> list[str]:
    """The skills named in a task's description (``Skill: X.`` at a line's start)."""
    return re.findall(r"(?:^|\n)Skill: ([^.,\n]+)", str(task.get("description") or ""))


def test_example_guide_phases_equal_the_bundled_plans(
    example: dict[str, Any], bundled: dict[str, Any]
) -> None:
    """The example guide gives the bundled plan's phases: the same names, weeks and order."""
    ours = [(phase["name"], phase["weeks"]) for phase in example["phases"]]
    theirs = [(phase["name"], phase["weeks"]) for phase in bundled["phases"]]
    assert ours == theirs


def test_example_guide_action_items_equal_the_bundled_plans(
    example: dict[str, Any], bundled: dict[str, Any]
) -> None:
    """The nine "Start Your Journey Now" actions open the first phase, in the guide's order,
    with the bundled plan's names, and its deadlines and priorities wherever it gives them (a
    task the bundled plan keeps as a habit has no deadline)."""
    tasks = example["phases"][0]["tasks"]
    ours = [task for task in tasks if "deadline" in task]
    assert len(ours) == 9
    assert tasks[: len(ours)] == ours
    theirs = {task["name"]: task for task in bundled["phases"][0]["tasks"]}
    order = list(theirs)
    assert [order.index(task["name"]) for task in ours] == list(range(len(ours)))
    compared = 0
    for task in ours:
        bundled_task = theirs[task["name"]]
        if "deadline" in bundled_task:
            assert (task["deadline"], task["priority"]) == (
                bundled_task["deadline"],
                bundled_task["priority"],
            ), task["name"]
            compared += 1
    assert compared >= 6


def _guide_list_items() -> set[str]:
    """The task texts of the example guide's roadmap and action lists, read independently of
    the code under test: what follows the first "- " on a roadmap or action line."""
    lines = EXAMPLE_GUIDE.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("Your Learning Roadmap"), lines.index("Reality Check")
    actions, faq = lines.index("Start Your Journey Now"), lines.index("Frequently Asked Questions")
    chosen = lines[start:end] + lines[actions:faq]
    return {line.split("- ", 1)[1] for line in chosen if "- " in line and line[0] in "-0123456789"}


def test_example_guide_roadmap_tasks_are_the_bundled_plans(
    example: dict[str, Any], bundled: dict[str, Any]
) -> None:
    """Every task read from the roadmap or the actions has the name of a bundled task of the
    same phase, in the bundled plan's order; a task added for a skill whose name the bundled
    plan also has sits in the same phase."""
    items = _guide_list_items()
    assert len(items) == 25
    for ours, theirs in zip(example["phases"], bundled["phases"], strict=True):
        names = [task["name"] for task in theirs["tasks"]]
        from_lists = [task["name"] for task in ours["tasks"] if task["name"] in items]
        assert from_lists, ours["name"]
        assert all(name in names for name in from_lists), set(from_lists) - set(names)
        positions = [names.index(name) for name in from_lists]
        assert positions == sorted(positions), ours["name"]
        elsewhere = {
            task["name"]
            for phase in bundled["phases"]
            if phase is not theirs
            for task in phase["tasks"]
        }
        assert not {task["name"] for task in ours["tasks"]} & elsewhere, ours["name"]


def test_example_guide_roadmap_lines_all_become_tasks(example: dict[str, Any]) -> None:
    """Each ``N weeks- task`` and ``- task`` line of the roadmap is a task of its phase."""
    lines = EXAMPLE_GUIDE.read_text(encoding="utf-8").splitlines()
    start = lines.index("Your Learning Roadmap")
    end = lines.index("Reality Check")
    expected = [
        line.split("- ", 1)[1]
        for line in lines[start:end]
        if "- " in line and line[0] in "-0123456789"
    ]
    ours = [task["name"] for phase in example["phases"] for task in phase["tasks"]]
    assert len(expected) == 16
    assert all(name in ours for name in expected)


def test_example_guide_merges_skills_where_the_bundled_plan_does(
    example: dict[str, Any], bundled: dict[str, Any]
) -> None:
    """A skill is merged into the roadmap tasks that the bundled plan describes with the same
    skill, and only where the bundled plan does."""
    bundled_skills = {
        task["name"]: _skills_of(task) for phase in bundled["phases"] for task in phase["tasks"]
    }
    merged = {
        task["name"]: _skills_of(task)
        for phase in example["phases"]
        for task in phase["tasks"]
        if task["name"] in bundled_skills and _skills_of(task)
    }
    for name, skills in merged.items():
        assert skills == bundled_skills[name], name
    items = _guide_list_items()
    roadmap_with_skills = {name for name, skills in bundled_skills.items() if skills} & items
    assert len(roadmap_with_skills) == 4
    assert roadmap_with_skills <= set(merged)


def test_example_guide_adds_each_unmerged_skill_once(example: dict[str, Any]) -> None:
    """Every skill of the guide appears in the plan: merged, or as one task of its own whose
    name is its advice's first sentence and whose description is its advice."""
    tasks = [task for phase in example["phases"] for task in phase["tasks"]]
    found = {skill for task in tasks for skill in _skills_of(task)}
    assert found == {
        "Stakeholder Management",
        "Budget Management",
        "Project Management Fundamentals",
        "AI/ML Domain Knowledge",
        "Agile/Scrum Certification",
        "AI Ethics and Governance",
    }
    own = [task for task in tasks if task["id"] == "budget-management"]
    assert len(own) == 1
    assert (
        own[0]["name"]
        == "Take LinkedIn Learning's 'Project Management: Calculating Budget Costs' course"
    )
    assert own[0]["description"].startswith("Skill: Budget Management. Take LinkedIn")


def test_example_guide_leaves_prose_out_of_the_tasks(example: dict[str, Any]) -> None:
    """Nothing of the Reality Check, the transferable skills or the FAQ becomes a task."""
    names = {task["name"] for phase in example["phases"] for task in phase["tasks"]}
    prose = [
        "Greater influence on project direction and strategy",
        "Python Proficiency",
        "Managing stakeholders with conflicting priorities",
    ]
    assert not names & set(prose)
    assert example["phases"][0]["description"].startswith("Your background as a Software Engineer")


def test_example_guide_marks_every_missing_estimate(tmp_path: Path) -> None:
    """The guide gives no hours, so each task carries a ``# hours:`` comment and no hours; a
    practice it names is a habit instead, whose ``every:`` says where the amount goes."""
    draft = read_guide(EXAMPLE_GUIDE.read_text(encoding="utf-8"), EXAMPLE_GUIDE.name)
    text, data = plan_text(draft)
    tasks = [task for phase in data["phases"] for task in phase["tasks"]]
    habits = [task for task in tasks if "every" in task]
    marked = [line for line in text.splitlines() if line.strip().startswith("# hours:")]
    assert len(marked) == len(tasks) - len(habits)
    assert not any("hours" in task for task in tasks)
    every = [line for line in text.splitlines() if line.strip().startswith("every: ")]
    assert len(every) == len(habits) == 4
    assert all("set your own amount" in line for line in every)


def test_example_guide_gives_every_task_name_of_the_bundled_plan(
    example: dict[str, Any], bundled: dict[str, Any]
) -> None:
    """Phase by phase, the example guide gives exactly the bundled plan's task names; the
    practices its skills name are habits in both."""
    for ours, theirs in zip(example["phases"], bundled["phases"], strict=True):
        assert sorted(t["name"] for t in ours["tasks"]) == sorted(
            t["name"] for t in theirs["tasks"]
        ), ours["name"]
        their_habits = {t["name"] for t in theirs["tasks"] if "every" in t}
        our_habits = {t["name"] for t in ours["tasks"] if "every" in t}
        assert our_habits <= their_habits, ours["name"]
    practices = {t["name"] for p in example["phases"] for t in p["tasks"] if "every" in t}
    assert practices == {
        "Practice with tools like Jira, Asana, or Monday.com",
        "Stay updated with AI regulations",
        "Practice through role-playing scenarios and seek opportunities to lead meetings in "
        "your current role",
        "Practice facilitating ceremonies",
    }


def test_second_guide_reads_months_dashes_bullets_and_crlf(tmp_path: Path) -> None:
    """A guide with Windows line endings, months, en dashes, ``•``/``*`` bullets, other heading
    wordings and no skills section gives its own phases, weeks and tasks."""
    raw = SECOND_GUIDE.read_bytes()
    assert b"\r\n" in raw and "–".encode() in raw
    draft = read_source(SECOND_GUIDE, today=dt.date(2027, 1, 1))
    data = _written(draft, tmp_path)
    assert [(phase["name"], phase["weeks"]) for phase in data["phases"]] == [
        ("Discovery and Research", 4),  # 1 month × 4⅓ = 4.3
        ("Prototyping", 9),  # 2 months × 4⅓ = 8.7
        ("Portfolio and Job Search", 6),
    ]
    prototyping = [task["name"] for task in data["phases"][1]["tasks"]]
    assert prototyping == [
        "Learn Figma through the official tutorials",
        "Redesign the enrolment form of your school",
        "Run three usability tests on the redesign",
    ]
    text, _ = plan_text(draft)
    assert "2 months in the source; a month is 4⅓ weeks" in text
    actions = [(t["name"], t["deadline"]) for t in data["phases"][0]["tasks"] if "deadline" in t]
    assert actions == [
        ("Sign up for a Figma account", "+1w"),
        ("Finish the first course of the Google UX Design Certificate", "+1mo"),
        ("Join a local UX meetup", "+90d"),
    ]
    assert not any(
        task["name"].startswith("Seeing people")
        for t in [data]
        for phase in t["phases"]
        for task in phase["tasks"]
    )


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Skills You’ll Need to Learn", "skills"),
        ("Skills you will need to learn:", "skills"),
        ("YOUR LEARNING ROADMAP", "roadmap"),
        ("Your Learning Road Map", "roadmap"),
        ("Start your journey now", "actions"),
        ("Frequently Asked Question", "faq"),
        ("Foundation Building", None),
        ("Read 'Crucial Conversations' and practise your skills you need to learn.", None),
    ],
)
def test_headings_are_recognised_despite_small_differences(line: str, kind: str | None) -> None:
    """A heading is found in another case, with a curly apostrophe, a colon or a word changed;
    a phase name or a sentence is no heading."""
    assert heading_kind(line) == kind


def test_resources_are_shared_by_name_not_by_common_words() -> None:
    """Two texts share a resource through a quoted title or adjacent capitalised words; a
    title inside quotes is not split into words, and a sentence's first word does not count."""
    assert shares_resource(
        "Get Certified ScrumMaster or Professional Scrum Master", "Get Scrum Master certification"
    )
    assert shares_resource(
        "followed by 'AI For Everyone' course", "Complete 'AI For Everyone' course"
    )
    assert not shares_resource(
        "Take LinkedIn Learning's 'Project Management: Calculating Budget Costs' course",
        "Complete Google Project Management Certificate",
    )
    assert not shares_resource("Complete the course.", "Complete Google Project Management")


def test_unplaced_lines_are_noted_with_their_line(tmp_path: Path) -> None:
    """A bullet before any phase, a phase without a length and a phase without tasks are each
    reported with their line; the phase without a length gets a week a task, said in a comment."""
    text = "\n".join(
        [
            "My Guide",  # 1
            "Your Learning Roadmap",  # 2
            "- stray item",  # 3
            "Start",  # 4
            "- first task",  # 5
            "- second task",  # 6
            "Empty Phase",  # 7
            "3 weeks",  # 8
            "Next",  # 9
            "2 weeks- last task",  # 10
        ]
    )
    draft = read_guide(text, "guide.txt")
    lines = {note.line: note.text for note in draft.notes}
    assert lines[3].startswith("not read as part of a roadmap")
    assert "gives no length" in lines[4]
    assert "no tasks" in lines[7]
    assert [(phase.name, phase.weeks) for phase in draft.phases] == [("Start", 2), ("Next", 2)]
    written, _ = plan_text(draft)
    assert "the guide gives no length for this phase (line 4)" in written
    assert "#   line 3: not read as part of a roadmap: '- stray item'" in written


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b"GIF89a\x00\x00\x00\x00", "not text"),
        (b"\xff\xfeH\x00i\x00", "UTF-16"),
        (b"Shopping list\nmilk\neggs\nbread\n", "no phase found"),
        (b"# Notes\n\nJust some text.\n\n- a list\n", "no phase found"),
    ],
    ids=["empty", "blank", "png", "nul", "utf16", "no-roadmap", "markdown-without-phase"],
)
def test_bad_sources_are_refused_saying_what_was_expected(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Each kind of file that is no roadmap raises PlanError (exit 3) naming the problem and
    the layout that was expected."""
    path = tmp_path / "source.txt"
    path.write_bytes(content)
    with pytest.raises(PlanError) as caught:
        read_source(path, today=dt.date(2027, 1, 1))
    assert message in str(caught.value)
    assert "expected a roadmap guide" in str(caught.value)
    assert caught.value.exit_code == 3


def test_no_phase_error_shows_the_first_lines_it_could_not_place(tmp_path: Path) -> None:
    """The error for a file without a phase lists its first unplaced lines with their numbers."""
    path = tmp_path / "list.txt"
    path.write_text("Shopping list\nmilk\neggs\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        read_source(path, today=dt.date(2027, 1, 1))
    assert "line 2: not read as part of a roadmap: 'milk'" in str(caught.value)
    assert "line 3: not read as part of a roadmap: 'eggs'" in str(caught.value)


def test_roadmap_without_its_heading_is_found_by_its_first_length_line() -> None:
    """A phase name followed by ``N weeks- task`` starts the roadmap even without its heading,
    and a note says where; the line before it stays unplaced."""
    text = "My Guide\nSome intro.\nPhase One\n2 weeks- a\n- b\nPhase Two\n1 month- c\n"
    draft = read_guide(text, "guide.txt")
    assert [(phase.name, phase.weeks) for phase in draft.phases] == [
        ("Phase One", 2),
        ("Phase Two", 4),
    ]
    assert [task.name for task in draft.tasks()] == ["a", "b", "c"]
    notes = {note.line: note.text for note in draft.notes}
    assert notes == {
        2: "not read as part of a roadmap: 'Some intro.'",
        3: "no 'Your Learning Roadmap' heading; the roadmap is read from here",
    }


def test_unmerged_skills_go_to_a_phase_of_the_same_name_else_where_weeks_fit() -> None:
    """A skill naming a phase's word goes there; a skill of several quoted titles becomes one
    task a title; the rest go to the phase with the most weeks per task."""
    text = "\n".join(
        [
            "Guide",
            "Skills You'll Need to Learn",
            "Reading List",
            "Read 'Book One', 'Book Two' and 'Book Three'. Take notes.",
            "Design Basics",
            "Sketch every day.",
            "Your Learning Roadmap",
            "Short",
            "1 week- a",
            "Long",
            "9 weeks- b",
            "Design Practice",
            "2 weeks- c",
        ]
    )
    draft = read_guide(text, "guide.txt")
    placed = {task.name: phase.name for phase in draft.phases for task in phase.tasks}
    assert placed["Sketch every day"] == "Design Practice"
    books = ["Read 'Book One'", "Read 'Book Two'", "Read 'Book Three'"]
    assert [placed[name] for name in books] == ["Long", "Long", "Long"]  # 9 weeks for 4 tasks
    descriptions = {task.name: task.description for task in draft.tasks()}
    assert descriptions["Read 'Book Two'"] == (
        "Skill: Reading List. Read 'Book One', 'Book Two' and 'Book Three'. Take notes."
    )


def test_a_span_of_weeks_or_months_is_a_length() -> None:
    """``Weeks 1-8`` is a phase of 8 weeks and ``Months 3–4: task`` one of 2 months (9 weeks),
    with the text after the span as the first task."""
    text = "G\nYour Learning Roadmap\nA\nWeeks 1-8\n- a\nB\nMonths 3–4: b\n- c\n"
    draft = read_guide(text, "guide.txt")
    assert [(phase.name, phase.weeks) for phase in draft.phases] == [("A", 8), ("B", 9)]
    assert [task.name for task in draft.tasks()] == ["a", "b", "c"]


def test_example_guide_saved_as_markdown_reads_the_same(tmp_path: Path) -> None:
    """The example guide with Markdown heading marks and bold phase names, saved as .md, gives
    the same phases, weeks and tasks as the plain text."""
    plain = read_guide(EXAMPLE_GUIDE.read_text(encoding="utf-8"), EXAMPLE_GUIDE.name)
    lines = EXAMPLE_GUIDE.read_text(encoding="utf-8").splitlines()
    marked = ["# " + lines[0]]
    for line in lines[1:]:
        if heading_kind(line) is not None:
            marked.append("## " + line)
        elif plain.phases and line in {phase.name for phase in plain.phases}:
            marked.append(f"**{line}**")
        else:
            marked.append(line)
    path = tmp_path / "guide.md"
    path.write_text("\n".join(marked), encoding="utf-8")
    again = read_source(path, today=dt.date(2027, 1, 1))

    def shape(draft: Draft) -> list[tuple[str, int | None, list[str]]]:
        return [(p.name, p.weeks, [t.name for t in p.tasks]) for p in draft.phases]

    assert shape(again) == shape(plain)


def test_a_source_with_more_phases_than_a_plan_holds_stops_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading stops with PlanError at the line that passes the plan's phase limit."""
    monkeypatch.setattr("plan2cal.init.guide.MAX_PHASES", 3)
    text = "G\nYour Learning Roadmap\n" + "".join(f"P{n}\n1 week- t\n" for n in range(10))
    with pytest.raises(PlanError) as caught:
        read_guide(text, "g.txt")
    assert str(caught.value) == "g.txt:9: more than 3 phases, the most a plan holds"
