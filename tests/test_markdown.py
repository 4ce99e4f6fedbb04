"""Reading a Markdown roadmap: phases with their weeks, tasks with estimates, ``after:`` and
nested descriptions, checked boxes as done, and notes for what does not fit."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
import yaml

from plan2cal.errors import PlanError
from plan2cal.init.markdown import looks_like_markdown, read_markdown
from plan2cal.init.writer import plan_text
from plan2cal.model import Plan

TODAY = dt.date(2027, 2, 1)

STUDY_PLAN = textwrap.dedent(
    """\
    # Learn Rust

    Evenings and Saturday mornings.

    ## Basics (3 weeks)
    - [x] Read chapters 1-6 of the book (12h) (done 2027-01-10)
    - [X] Install the toolchain
    - [ ] Write the guessing game after: read-chapters-1-6-of-the-book
      - follow chapter 2
      - [ ] add a score counter

    ## Ownership
    weeks: 2
    - [ ] Rustlings exercises (1h30m)
    * [ ] Blog post about borrowing after: rustlings

    ## Project (2 months)
    - [ ] Build a CLI tool (20h) after: rustlings-exercises, basics
    """
)


def _plan(text: str) -> tuple[Plan, dict[str, dt.date]]:
    draft = read_markdown(text, "study.md", TODAY)
    written, _ = plan_text(draft)
    return Plan.model_validate(yaml.safe_load(written)), draft.done()


def test_phases_weeks_and_tasks_are_read() -> None:
    """``##`` headings are phases, with weeks from ``(N weeks)``, ``weeks: N`` or months."""
    plan, _ = _plan(STUDY_PLAN)
    assert plan.title == "Learn Rust"
    assert [(phase.name, phase.weeks) for phase in plan.phases] == [
        ("Basics", 3),
        ("Ownership", 2),
        ("Project", 9),  # 2 × 4⅓ = 8.7 weeks
    ]
    assert [task.name for task in plan.phases[0].tasks] == [
        "Read chapters 1-6 of the book",
        "Install the toolchain",
        "Write the guessing game",
    ]


def test_estimates_and_after_are_taken_off_the_name() -> None:
    """``(12h)`` and ``(1h30m)`` become hours, ``after:`` ids (or their first words) resolve."""
    plan, _ = _plan(STUDY_PLAN)
    tasks = {task.key: task for _, task in plan.task_list()}
    assert tasks["read-chapters-1-6-of-the-book"].hours == 12 * 60
    assert tasks["rustlings-exercises"].hours == 90
    assert tasks["install-the-toolchain"].hours is None
    assert [link.id for link in tasks["write-the-guessing-game"].after] == [
        "read-chapters-1-6-of-the-book"
    ]
    assert [link.id for link in tasks["blog-post-about-borrowing"].after] == ["rustlings-exercises"]
    assert [link.id for link in tasks["build-a-cli-tool"].after] == [
        "rustlings-exercises",
        "basics",
    ]


def test_nested_items_become_the_description() -> None:
    """Indented items under a task are its description, one line each."""
    plan, _ = _plan(STUDY_PLAN)
    task = plan.phases[0].tasks[2]
    assert task.description == "- follow chapter 2\n- add a score counter"


def test_checked_boxes_are_done_on_their_date_or_today() -> None:
    """``- [x] … (done D)`` is done on D, a box checked without a date on the day init runs."""
    _, done = _plan(STUDY_PLAN)
    assert done == {
        "read-chapters-1-6-of-the-book": dt.date(2027, 1, 10),
        "install-the-toolchain": TODAY,
    }


def test_what_does_not_fit_is_noted_with_its_line() -> None:
    """An unknown ``after:`` id, a future done date, a box under no phase, a plain bullet and a
    phase without a length each give a note on their line."""
    text = textwrap.dedent(
        """\
        # Plan
        - [ ] before any phase
        ## One
        - [ ] a (2h) after: nowhere
        - [x] b (done 2099-01-01)
        - plain item
        ## Two
        - [ ] c
        - [ ] d (3h)
        """
    )
    draft = read_markdown(text, "plan.md", TODAY)
    notes = {note.line: note.text for note in draft.notes}
    assert "under no '## phase' heading" in notes[2]
    assert "'nowhere' names no task or phase" in notes[4]
    assert "after today" in notes[5]
    assert "no checkbox" in notes[6]
    assert "gives no length" in notes[7]
    assert draft.done() == {"b": TODAY}
    two = draft.phases[1]
    assert (two.name, two.weeks) == ("Two", 1)  # one task without an estimate: a week
    written, _ = plan_text(draft)
    Plan.model_validate(yaml.safe_load(written))


def test_phase_of_estimated_tasks_needs_no_length() -> None:
    """A phase whose tasks all have estimates is valid without weeks and draws no note."""
    draft = read_markdown("# P\n## Only\n- [ ] a (2h)\n- [ ] b (30m)\n", "p.md", TODAY)
    assert draft.phases[0].weeks is None
    assert draft.notes == []
    written, _ = plan_text(draft)
    Plan.model_validate(yaml.safe_load(written))


def test_markdown_is_recognised_by_headings_or_checkboxes() -> None:
    """A heading or a checkbox item makes a file Markdown; a guide's plain lines do not."""
    assert looks_like_markdown("# Title\ntext")
    assert looks_like_markdown("  - [ ] task")
    assert not looks_like_markdown("Title\nYour Learning Roadmap\n8 weeks- task\n- task")


def test_after_links_in_a_cycle_are_refused_naming_the_cycle() -> None:
    """``after:`` links that wait for each other are an input error (exit 3) naming the cycle,
    found before any file is written."""
    text = "# P\n## One (2 weeks)\n- [ ] a after: b\n- [ ] b after: a\n"
    draft = read_markdown(text, "cycle.md", TODAY)
    with pytest.raises(PlanError) as caught:
        plan_text(draft)
    assert caught.value.exit_code == 3
    assert str(caught.value).startswith("cycle.md: the plan has a dependency cycle: ")
    assert "a → b → a" in str(caught.value) or "b → a → b" in str(caught.value)
