"""Dependency order between tasks, phases and fixed milestones; a cycle is an error that names it.

A node is a task, a phase (done when all its tasks are) or a fixed milestone that some ``after:``
names (done on its date, and not before the work it waits for). Each link carries a lag in whole
days: the calendar time between a prerequisite being done and the work after it starting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

from plan2cal.errors import UnschedulableError
from plan2cal.model import AfterLink, Milestone, Plan


def phase_links(plan: Plan) -> dict[str, list[AfterLink]]:
    """Phase id → what it waits for: its ``after``, else the previous phase with no lag."""
    result: dict[str, list[AfterLink]] = {}
    previous: str | None = None
    for phase in plan.phases:
        if phase.after is not None:
            result[phase.key] = list(phase.after)
        else:
            result[phase.key] = [AfterLink(id=previous)] if previous is not None else []
        previous = phase.key
    return result


def phase_prerequisites(plan: Plan) -> dict[str, list[str]]:
    """Phase id → the task, phase or milestone ids it waits for: its ``after``, else the
    previous phase."""
    return {key: [link.id for link in links] for key, links in phase_links(plan).items()}


def linked_milestones(plan: Plan) -> dict[str, Milestone]:
    """The fixed milestones that some task's or phase's ``after`` names, by id."""
    if not plan.milestones:
        return {}
    milestones = {milestone.key: milestone for milestone in plan.milestones}
    work = {task.key for _, task in plan.task_list()} | {phase.key for phase in plan.phases}
    named: dict[str, Milestone] = {}
    for phase in plan.phases:
        for link in [*(phase.after or []), *(link for t in phase.tasks for link in t.after)]:
            if link.id in milestones and link.id not in work:
                named[link.id] = milestones[link.id]
    return named


def phase_order(plan: Plan) -> list[str]:
    """Phase ids with every phase after the phases it waits for (a task stands for its phase,
    a fixed milestone for the phases it waits for).

    The plan must be acyclic (check_acyclic on its dependency_graph): a cycle between phases
    is a cycle between their tasks.
    """
    phase_of = {task.key: phase.key for phase in plan.phases for task in phase.tasks}
    waits: dict[str, set[str]] = {
        key: {phase_of.get(dep, dep) for dep in deps}
        for key, deps in phase_prerequisites(plan).items()
    }
    for key, milestone in linked_milestones(plan).items():
        waits[key] = {phase_of.get(dep, dep) for dep in milestone.after}
    phases = {phase.key for phase in plan.phases}
    return [key for key in TopologicalSorter(waits).static_order() if key in phases]


def dependency_links(plan: Plan) -> dict[str, dict[str, int]]:
    """Node id → {node id that must finish first: lag in days}.

    Tasks wait for their own ``after`` and their phase's prerequisites (named twice, the
    longer lag holds); a phase finishes when all its tasks have, so a phase node waits for
    each of its tasks, except its habits, which go on rather than finish (a phase of habits
    only waits for its prerequisites, and the scheduler gives it its weeks); a fixed
    milestone that an ``after`` names waits for its own ``after``.
    """
    before = phase_links(plan)
    graph: dict[str, dict[str, int]] = {}
    for phase in plan.phases:
        phase_key = phase.key
        prerequisites = before[phase_key]
        if phase.habits_only:
            graph[phase_key] = {link.id: link.lag for link in prerequisites}
        else:
            graph[phase_key] = dict.fromkeys(
                (task.key for task in phase.tasks if not task.habit), 0
            )
        for task in phase.tasks:
            links: dict[str, int] = {}
            for link in [*prerequisites, *task.after]:
                links[link.id] = max(link.lag, links.get(link.id, 0))
            graph[task.key] = links
    for key, milestone in linked_milestones(plan).items():
        graph[key] = dict.fromkeys(milestone.after, 0)
    return graph


def dependency_graph(plan: Plan) -> dict[str, list[str]]:
    """Node id → the node ids that must finish first (dependency_links without the lags)."""
    return {node: list(deps) for node, deps in dependency_links(plan).items()}


def check_acyclic(graph: Mapping[str, Iterable[str]]) -> None:
    """Raise UnschedulableError naming a cycle as ``a → b → a`` if the graph has one.

    Kahn's count of what each node waits for first, which is linear and cheap per node (a plan
    may hold 100,000 tasks); graphlib only when a cycle is left to name.
    """
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = {}
    for node, deps in graph.items():
        count = 0
        for dep in deps:
            count += 1
            dependents.setdefault(dep, []).append(node)
        waiting[node] = count
    for dep in dependents:
        waiting.setdefault(dep, 0)
    ready = [node for node, count in waiting.items() if not count]
    settled = 0
    while ready:
        node = ready.pop()
        settled += 1
        for after in dependents.get(node, ()):
            waiting[after] -= 1
            if not waiting[after]:
                ready.append(after)
    if settled == len(waiting):
        return
    try:
        TopologicalSorter({node: list(deps) for node, deps in graph.items()}).prepare()
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
