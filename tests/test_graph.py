"""Dependency order between phases and tasks, and cycles reported by name."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest

from plan2cal.errors import UnschedulableError
from plan2cal.graph import (
    check_acyclic,
    dependency_graph,
    dependency_links,
    phase_order,
    phase_prerequisites,
)
from plan2cal.model import Plan
from plan2cal.schedule import availability_for, build_schedule

MONDAY = dt.date(2027, 1, 4)


def make_plan(phases: list[dict[str, Any]], milestones: list[dict[str, Any]] | None = None) -> Plan:
    """A plan of the given phases with 10 h a week on weekday evenings in UTC."""
    return Plan.model_validate(
        {
            "plan": "graph",
            "title": "Graph",
            "defaults": {
                "hours_per_week": 10,
                "timezone": "UTC",
                "windows": {"mon-fri": "19:00-21:00"},
            },
            "phases": phases,
            "milestones": milestones or [],
        }
    )


def phase(key: str, *tasks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A phase of one nominal week with the given tasks."""
    return {"id": key, "name": key.title(), "weeks": 1, "tasks": list(tasks), **extra}


def task(key: str, hours: float = 2, **extra: Any) -> dict[str, Any]:
    """A task with explicit hours."""
    return {"id": key, "name": key.upper(), "hours": hours, **extra}


def cycle_message(plan: Plan) -> str:
    """The message of the UnschedulableError that the plan's cycle raises."""
    with pytest.raises(UnschedulableError) as info:
        check_acyclic(dependency_graph(plan))
    return str(info.value)


def cycle_nodes(message: str) -> list[str]:
    """The ``a → b → … → a`` chain in an error message, as a list of ids."""
    match = re.search(r"([a-z0-9-]+(?: → [a-z0-9-]+)+)", message)
    assert match is not None, message
    return match.group(1).split(" → ")


def test_phases_default_to_file_order() -> None:
    """Without ``after`` each phase waits for the one written before it."""
    plan = make_plan([phase("one", task("a")), phase("two", task("b")), phase("three", task("c"))])
    assert phase_prerequisites(plan) == {"one": [], "two": ["one"], "three": ["two"]}
    schedule = build_schedule(plan, availability_for(plan), MONDAY)
    finish = {t.key: t.finish for t in schedule.tasks}
    start = {t.key: t.start for t in schedule.tasks}
    assert finish["a"] <= start["b"] and finish["b"] <= start["c"]


def test_tasks_wait_for_their_phase_prerequisites_and_own_after() -> None:
    """A task waits for its phase's prerequisites and its own ``after``; a phase for its tasks."""
    plan = make_plan(
        [
            phase("one", task("a"), task("b")),
            phase("two", task("c", after=["a"]), task("d")),
        ]
    )
    assert dependency_graph(plan) == {
        "one": ["a", "b"],
        "a": [],
        "b": [],
        "two": ["c", "d"],
        "c": ["one", "a"],
        "d": ["one"],
    }


def test_empty_after_makes_a_phase_start_at_once() -> None:
    """``after: []`` frees a later phase from waiting, so its work starts on the first day."""
    plan = make_plan([phase("one", task("a", hours=6)), phase("two", task("b", hours=2), after=[])])
    assert phase_prerequisites(plan)["two"] == []
    schedule = build_schedule(plan, availability_for(plan), MONDAY)
    by_key = {t.key: t for t in schedule.tasks}
    # Phases with ready work take turns block by block: Mon a, Tue b, Wed a, Thu a.
    assert by_key["b"].start < by_key["a"].finish
    assert by_key["b"].start.date() == dt.date(2027, 1, 5)


def test_phase_order_puts_each_phase_after_what_it_waits_for() -> None:
    """A phase listed above the phase it waits for, directly or through a task, comes after it."""
    plan = make_plan(
        [
            phase("early", task("a"), after=["b"]),
            phase("mid", task("b"), after=[]),
            phase("late", task("c"), after=["early"]),
            phase("free", task("d"), after=[]),
        ]
    )
    order = phase_order(plan)
    assert sorted(order) == ["early", "free", "late", "mid"]
    assert order.index("mid") < order.index("early") < order.index("late")


def test_acyclic_plan_passes_the_check() -> None:
    """A plan whose links all point backwards has no cycle."""
    plan = make_plan([phase("one", task("a"), task("b", after=["a"])), phase("two", task("c"))])
    check_acyclic(dependency_graph(plan))


def test_cycle_across_tasks_and_phases_is_unschedulable() -> None:
    """A task waiting for a task of a later phase closes a loop through both phases."""
    # a (phase one) after b; phase two waits for phase one, so b waits for one, which waits for a.
    plan = make_plan([phase("one", task("a", after=["b"])), phase("two", task("b"))])
    message = cycle_message(plan)
    assert message.startswith("the plan has a dependency cycle: ")
    nodes = cycle_nodes(message)
    assert nodes[0] == nodes[-1]
    assert sorted(nodes[:-1]) == ["a", "b", "one"]


def test_build_schedule_reports_the_cycle() -> None:
    """build_schedule checks for cycles before placing any work."""
    plan = make_plan([phase("one", task("a", after=["b"])), phase("two", task("b"))])
    with pytest.raises(UnschedulableError, match="dependency cycle"):
        build_schedule(plan, availability_for(plan), MONDAY)


def test_cycle_arrows_point_from_each_node_to_the_one_that_comes_next() -> None:
    """In ``x → y`` of the printed cycle, y waits for x, so the chain reads in working order."""
    plan = make_plan(
        [
            phase("one", task("a", after=["c"]), task("b", after=["a"])),
            phase("two", task("c", after=["b"]), after=[]),
        ]
    )
    graph = dependency_graph(plan)
    nodes = cycle_nodes(cycle_message(plan))
    assert sorted(nodes[:-1]) == ["a", "b", "c"]
    # a waits for c, b for a, c for b: in working order the loop is a → b → c → a.
    for before, after in itertools.pairwise(nodes):
        assert before in graph[after], f"{after} does not wait for {before} in {nodes}"


def test_cycle_of_phases_names_only_the_phases_and_tasks_in_it() -> None:
    """Two phases waiting for each other are named, and an uninvolved phase is not."""
    plan = make_plan(
        [
            phase("zero", task("z")),
            phase("one", task("a"), after=["two"]),
            phase("two", task("b"), after=["one"]),
        ]
    )
    nodes = cycle_nodes(cycle_message(plan))
    assert nodes[0] == nodes[-1]
    assert set(nodes) == {"one", "two", "a", "b"}
    assert "zero" not in nodes and "z" not in nodes


def test_links_carry_their_lags_and_a_named_milestone_becomes_a_node() -> None:
    """``after`` links keep their lag in days (the longer one when named twice); a fixed
    milestone that an ``after`` names is a node waiting for its own ``after``."""
    plan = make_plan(
        [
            phase("one", task("a"), task("b", after=[{"id": "a", "lag": "2w"}, "gate"])),
            phase("two", task("c", after=["a"]), after=[{"id": "one", "lag": "3d"}]),
        ],
        [
            {"id": "gate", "name": "Gate", "date": "2027-02-01", "after": ["a"]},
            {"id": "unnamed", "name": "Unnamed", "date": "2027-03-01", "after": ["c"]},
        ],
    )
    links = dependency_links(plan)
    assert links["b"] == {"a": 14, "gate": 0}
    assert links["c"] == {"one": 3, "a": 0}
    assert links["gate"] == {"a": 0}
    assert "unnamed" not in links
    assert dependency_graph(plan)["b"] == ["a", "gate"]


def test_a_cycle_through_a_milestone_is_named() -> None:
    """A milestone that waits for work which waits for the milestone is a cycle."""
    plan = make_plan(
        [phase("one", task("a", after=["gate"]))],
        [{"id": "gate", "name": "Gate", "date": "2027-02-01", "after": ["a"]}],
    )
    assert sorted(cycle_nodes(cycle_message(plan))[:-1]) == ["a", "gate"]


def test_phase_order_sees_through_a_milestone() -> None:
    """A phase after a milestone that waits for another phase comes after that phase."""
    plan = make_plan(
        [
            phase("late", task("a"), after=["gate"]),
            phase("early", task("b"), after=[]),
        ],
        [{"id": "gate", "name": "Gate", "date": "2027-02-01", "after": ["early"]}],
    )
    assert phase_order(plan) == ["early", "late"]
