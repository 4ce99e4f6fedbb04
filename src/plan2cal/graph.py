"""Dependency order between tasks and phases; a cycle is an error that names it."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from plan2cal.errors import UnschedulableError
from plan2cal.model import Plan


def phase_prerequisites(plan: Plan) -> dict[str, list[str]]:
    """Phase id → the task or phase ids it waits for: its ``after``, else the previous phase."""
    result: dict[str, list[str]] = {}
    previous: str | None = None
    for phase in plan.phases:
        if phase.after is not None:
            result[phase.key] = list(phase.after)
        else:
            result[phase.key] = [previous] if previous is not None else []
        previous = phase.key
    return result


def phase_order(plan: Plan) -> list[str]:
    """Phase ids with every phase after the phases it waits for (a task stands for its phase).

    The plan must be acyclic (check_acyclic on its dependency_graph): a cycle between phases
    is a cycle between their tasks.
    """
    phase_of = {task.key: phase.key for phase in plan.phases for task in phase.tasks}
    waits = {
        key: {phase_of.get(dep, dep) for dep in deps}
        for key, deps in phase_prerequisites(plan).items()
    }
    return list(TopologicalSorter(waits).static_order())


def dependency_graph(plan: Plan) -> dict[str, list[str]]:
    """Node id → the node ids that must finish first.

    Tasks wait for their own ``after`` and their phase's prerequisites; a phase finishes when all
    its tasks have, so a phase node waits for each of its tasks.
    """
    before = phase_prerequisites(plan)
    graph: dict[str, list[str]] = {}
    for phase in plan.phases:
        graph[phase.key] = [task.key for task in phase.tasks]
        for task in phase.tasks:
            graph[task.key] = list(dict.fromkeys([*before[phase.key], *task.after]))
    return graph


def check_acyclic(graph: dict[str, list[str]]) -> None:
    """Raise UnschedulableError naming a cycle as ``a → b → a`` if the graph has one."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        # graphlib lists the cycle with each node an immediate predecessor of the next, so each
        # arrow already points to what comes next.
        cycle = list(exc.args[1])
        raise UnschedulableError(
            "the plan has a dependency cycle: "
            + " → ".join(cycle)
            + "; remove one of these 'after' links (a phase waits for the previous phase "
            "unless it says otherwise)"
        ) from None
