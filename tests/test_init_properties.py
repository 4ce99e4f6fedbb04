"""Round trips of ``plan2cal init`` over generated sources: a guide or a Markdown roadmap with
random phases and tasks, in random layouts, gives back every phase, weeks figure and task name,
and always a valid plan."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan2cal.init.draft import Draft, DraftPhase, DraftTask
from plan2cal.init.guide import heading_kind, is_prose, name_and_length, read_guide
from plan2cal.init.markdown import read_markdown
from plan2cal.init.writer import plan_text
from plan2cal.model import Plan

TODAY = dt.date(2027, 3, 1)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

_WORD = st.from_regex(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9'&/+]{0,9}", fullmatch=True)
_TASK_WORD = st.from_regex(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9'&/+:,.!-]{0,9}", fullmatch=True)


def _phase_name(words: list[str]) -> str | None:
    """A name a guide could hold as a phase: no heading, no sentence, no length in it."""
    name = " ".join(words)
    if heading_kind(name) is not None or is_prose(name) or name_and_length(name) is not None:
        return None
    if name.split()[0].isdigit() or name.lower().split()[0] in {"a", "an", "one", "two"}:
        return None
    return name


_PHASE_NAME = st.lists(_WORD, min_size=1, max_size=4).map(_phase_name).filter(bool)
_TASK_NAME = st.lists(_TASK_WORD, min_size=1, max_size=7).map(" ".join)


@st.composite
def guide_phases(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Phases with unique names, a length in weeks or months, and one to five tasks."""
    names = draw(st.lists(_PHASE_NAME, min_size=1, max_size=5, unique_by=str.lower))
    return [
        {
            "name": name,
            "n": draw(st.integers(1, 40)),
            "unit": draw(st.sampled_from(["weeks", "week", "months", "wks"])),
            "tasks": draw(st.lists(_TASK_NAME, min_size=1, max_size=5)),
        }
        for name in names
    ]


def _weeks(n: int, unit: str) -> int:
    """Whole weeks as the guide reader must read them: 4⅓ weeks a month, halves up."""
    if unit.startswith("month"):
        return max(1, int(Fraction(n) * Fraction(13, 3) + Fraction(1, 2)))
    return n


def _valid(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    Plan.model_validate(data)
    assert isinstance(data, dict)
    return data


@PROPERTY_SETTINGS
@given(
    phases=guide_phases(),
    bullet=st.sampled_from(["- ", "• ", "* ", "– ", "-"]),
    dash=st.sampled_from(["- ", "– ", "— ", "-", ": "]),
    blank=st.sampled_from(["", "\n", "\n\n"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    actions=st.lists(_TASK_NAME, max_size=3),
)
def test_generated_guides_round_trip(
    phases: list[dict[str, Any]],
    bullet: str,
    dash: str,
    blank: str,
    newline: str,
    actions: list[str],
) -> None:
    """Every phase, weeks figure and task name of a generated guide comes back, in order."""
    lines = ["My Generated Transition Guide", blank, "Your Learning Roadmap", "Step by step."]
    for phase in phases:
        first, *rest = phase["tasks"]
        lines += [blank, phase["name"], f"{phase['n']} {phase['unit']}{dash}{first}"]
        lines += [f"{bullet}{task}" for task in rest]
    if actions:
        lines += ["Start Your Journey Now", "This Week", *(f"{bullet}{name}" for name in actions)]
    text = newline.join("\n".join(lines).split("\n"))
    draft = read_guide(text, "guide.txt")
    written, _ = plan_text(draft)
    data = _valid(written)
    assert [(p["name"], p["weeks"]) for p in data["phases"]] == [
        (phase["name"], _weeks(phase["n"], phase["unit"])) for phase in phases
    ]
    for ours, theirs in zip(data["phases"], phases, strict=True):
        names = [task["name"] for task in ours["tasks"] if "deadline" not in task]
        assert names == [name.strip() for name in theirs["tasks"]]
    first = [task for task in data["phases"][0]["tasks"] if "deadline" in task]
    assert [(task["name"], task["deadline"]) for task in first] == [
        (name.strip(), "+1w") for name in actions
    ]


@st.composite
def markdown_phases(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Phases with weeks (in the heading or on a line of their own) and checkbox tasks, each
    with or without an estimate, checked or not."""
    names = draw(st.lists(_PHASE_NAME, min_size=1, max_size=4, unique_by=str.lower))
    return [
        {
            "name": name,
            "weeks": draw(st.integers(1, 30)),
            "inline": draw(st.booleans()),
            "tasks": draw(
                st.lists(
                    st.tuples(_TASK_NAME, st.none() | st.integers(1, 200), st.booleans()),
                    min_size=1,
                    max_size=5,
                )
            ),
        }
        for name in names
    ]


@PROPERTY_SETTINGS
@given(phases=markdown_phases(), newline=st.sampled_from(["\n", "\r\n"]))
def test_generated_markdown_round_trips(phases: list[dict[str, Any]], newline: str) -> None:
    """Every phase, weeks figure, task name, estimate and checked box of generated Markdown
    comes back."""
    lines = ["# Generated study plan", ""]
    for phase in phases:
        heading = f"## {phase['name']}"
        lines.append(f"{heading} ({phase['weeks']} weeks)" if phase["inline"] else heading)
        if not phase["inline"]:
            lines.append(f"weeks: {phase['weeks']}")
        for name, hours, checked in phase["tasks"]:
            estimate = f" ({hours}h)" if hours else ""
            lines.append(f"- [{'x' if checked else ' '}] {name}{estimate}")
        lines.append("")
    draft = read_markdown(newline.join(lines), "plan.md", TODAY)
    written, _ = plan_text(draft)
    data = _valid(written)
    assert [(p["name"], p["weeks"]) for p in data["phases"]] == [
        (phase["name"], phase["weeks"]) for phase in phases
    ]
    for ours, theirs in zip(data["phases"], phases, strict=True):
        assert [(task["name"], task.get("hours")) for task in ours["tasks"]] == [
            (name.strip(), f"{hours}h" if hours else None) for name, hours, _ in theirs["tasks"]
        ]
    checked_ids = [
        task["id"]
        for ours, theirs in zip(data["phases"], phases, strict=True)
        for task, (_, _, checked) in zip(ours["tasks"], theirs["tasks"], strict=True)
        if checked
    ]
    assert draft.done() == dict.fromkeys(checked_ids, TODAY)


@PROPERTY_SETTINGS
@given(
    name=st.text(min_size=1, max_size=60),
    description=st.text(max_size=200),
    title=st.text(min_size=1, max_size=40),
)
def test_any_text_is_written_so_that_it_reads_back(name: str, description: str, title: str) -> None:
    """Names, titles and descriptions of any characters (quotes, colons, line breaks, control
    characters, YAML words such as 'yes') read back from the plan exactly as they were."""
    task = DraftTask("t", name, description=description or None)
    draft = Draft("p", title, "test", phases=[DraftPhase("one", "One", 2, tasks=[task])])
    text, _ = plan_text(draft)
    data = yaml.safe_load(text)
    assert data["title"] == title
    assert data["phases"][0]["tasks"][0]["name"] == name
    assert data["phases"][0]["tasks"][0].get("description") == (description or None)
