"""Schedule → a Markdown file holding one Mermaid ``gantt`` chart, which GitHub, GitLab and
Notion draw where the file (or its code block) is shown.

Phases are sections, tasks are bars from their first to their last day, each phase ends in a
milestone, and the plan's fixed milestones have a section of their own. Bars carry Mermaid's
tags: ``done`` for a done task, ``active`` for one with time logged, ``crit`` for a task,
phase end or fixed milestone that misses its date.

The syntax follows Mermaid's gantt page (https://mermaid.js.org/syntax/gantt.html) and, where
the page is silent, the gantt lexer of mermaid 11 (``ganttDiagram`` in the package), which
``tests/node/check-mermaid.mjs`` runs on every chart the tests write:

- ``dateFormat YYYY-MM-DD`` and every bar as ``name :tags, id, first day, last day``, with
  ``inclusiveEndDates`` so that the second date is the bar's last day, as people read it
  (without it the end is exclusive). Milestones are ``:milestone, id, day, 0d``.
- Real dates on every bar rather than ``after id``: the chart shows what plan2cal placed, and
  an ``after`` naming no task silently starts the bar on the day it is viewed.
- A task's name is read up to the first ``:`` (the lexer's task text is ``[^:\\n]+``), and
  ``#`` and ``;`` end a task's data; ``%`` at the start of a line begins a comment; a name
  starting with a keyword (``title …``, ``section …``, ``click …``, a date) is read as that
  statement. Such characters are written as the entity codes Mermaid documents for escaping
  (https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters): ``#58;``
  for ``:``, ``#35;`` for ``#``, ``#59;`` for ``;``, ``#37;`` for ``%``; Mermaid turns them
  back into the characters when it draws the chart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from plan2cal.durations import duration_text
from plan2cal.export.sanitize import clean_text
from plan2cal.export.tabular import Item, plan_items
from plan2cal.schedule import Schedule

SUFFIX = "mermaid.md"
SETTINGS = (
    "GitHub and GitLab draw the chart where the file is shown; in Notion, paste the "
    "mermaid block into a code block set to Mermaid",
)

# Characters Mermaid would misread in a name, and the entity code that writes each.
_ESCAPES = {":": "#58;", "#": "#35;", ";": "#59;", "%": "#37;"}
_ESCAPED = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")
# Statements of the gantt lexer that a line starting with a name could be read as (mermaid 11,
# ganttDiagram lexer rules; matched without regard to case, as the lexer does).
_KEYWORD = re.compile(
    r"(?:gantt\b|dateformat\s|inclusiveenddates\b|topaxis\b|axisformat\s|tickinterval\s"
    r"|includes\s|excludes\s|todaymarker\s|weekday\s|weekend\s|title\s|accdescription\s"
    r"|acctitle\s*:|accdescr\s*[:{]|section\s|click\s|call\s|href\s|\d{4}-\d{2}-\d{2}\b)",
    re.IGNORECASE,
)
INDENT = "    "
# Mermaid draws a chart of at most this many characters and shows "Maximum text size in
# diagram exceeded" instead of a longer one. It is its default maxTextSize, one of the "secure"
# settings that a chart's own directives cannot change (mermaid 11, config defaults), so only
# the site showing the page could raise it.
MAX_TEXT_SIZE = 50_000


def mermaid_text(text: str, fallback: str = "-") -> str:
    """Plan text as a Mermaid label: one line, trimmed, with the characters the gantt lexer
    would misread written as entity codes, and the first one too when the text starts with a
    keyword. Text with nothing to show (blank, or control characters only) becomes
    ``fallback``: a task line or a title needs a word before its ``:``."""
    line = " ".join(clean_text(text).split()) or fallback
    escaped = _ESCAPED.sub(lambda match: _ESCAPES[match.group()], line)
    if _KEYWORD.match(line):
        escaped = f"#{ord(line[0])};{escaped[1:]}"
    return escaped


def _bar(name: str, tags: Iterable[str], bar_id: str, first: dt.date, last: dt.date) -> str:
    data = ", ".join([*tags, bar_id, first.isoformat(), last.isoformat()])
    return f"{INDENT}{mermaid_text(name, bar_id)} :{data}"


def _milestone(name: str, critical: bool, bar_id: str, day: dt.date) -> str:
    tags = ["crit", "milestone"] if critical else ["milestone"]
    data = ", ".join([*tags, bar_id, day.isoformat(), "0d"])
    return f"{INDENT}{mermaid_text(name, bar_id)} :{data}"


def _task_tags(item: Item, late: bool) -> list[str]:
    tags = ["crit"] if late else []
    if item.status == "done":
        tags.append("done")
    elif item.status == "in progress":
        tags.append("active")
    return tags


def gantt_lines(schedule: Schedule) -> list[str]:
    """The Mermaid gantt chart of the schedule, one statement a line."""
    late = {(miss.kind, miss.key) for miss in schedule.misses}
    phases = {phase.key: phase for phase in schedule.phases}
    lines = [
        "gantt",
        f"{INDENT}title {mermaid_text(schedule.title, schedule.plan)}",
        f"{INDENT}dateFormat YYYY-MM-DD",
        f"{INDENT}axisFormat %Y-%m-%d",
        f"{INDENT}inclusiveEndDates",
    ]

    def phase_end(key: str) -> str:
        phase = phases[key]
        missed = ("phase", key) in late
        name = " ".join(clean_text(phase.name).split()) or key
        return _milestone(f"{name} complete", missed, f"phase_{key}", phase.end)

    items = plan_items(schedule)  # each phase, then its tasks; the fixed milestones last
    section: str | None = None
    fixed: list[Item] = []
    for item in items:
        if item.kind == "phase":
            if section is not None:
                lines.append(phase_end(section))
            section = item.key
            lines.append(f"{INDENT}section {mermaid_text(item.name, item.key)}")
        elif item.kind == "task":
            assert item.start is not None and item.due is not None
            tags = _task_tags(item, ("task", item.key) in late)
            first = min(item.start, item.due)
            name = f"{item.name} ({item.every})" if item.every else item.name
            lines.append(_bar(name, tags, f"task_{item.key}", first, item.due))
        else:
            fixed.append(item)
    if section is not None:
        lines.append(phase_end(section))
    if fixed:
        lines.append(f"{INDENT}section Milestones")
        for item in fixed:
            assert item.due is not None
            missed = ("milestone", item.key) in late
            lines.append(_milestone(item.name, missed, f"milestone_{item.key}", item.due))
    return lines


def chart_size(lines: list[str]) -> int:
    """The length of the chart as Mermaid counts it (UTF-16 code units, as JavaScript does)."""
    text = "\n".join(lines)
    return len(text.encode("utf-16-le")) // 2


def size_warning(schedule: Schedule) -> str | None:
    """What to tell the user when the chart is too long for Mermaid to draw; None if it fits."""
    size = chart_size(gantt_lines(schedule))
    if size <= MAX_TEXT_SIZE:
        return None
    return (
        f"the chart has {size:,} characters, more than the {MAX_TEXT_SIZE:,} Mermaid draws: "
        "GitHub, GitLab and Notion will show 'Maximum text size in diagram exceeded' instead "
        "of it"
    )


def mermaid_bytes(schedule: Schedule) -> bytes:
    """The Markdown file: a heading, one line on what the chart shows, and the chart."""
    availability = schedule.availability
    work = sum(task.effort for task in schedule.tasks if task.habit is None)
    title = " ".join(clean_text(schedule.title).split()) or schedule.plan
    as_of = f", as of {schedule.today.isoformat()}" if schedule.today > schedule.start else ""
    lines = [
        f"# {title}",
        "",
        f"Scheduled by plan2cal from {schedule.start.isoformat()} at "
        f"{availability.hours_per_week:g} h a week ({availability.timezone}){as_of}: "
        f"{len(schedule.tasks)} tasks, {duration_text(work)} of work, ending on "
        f"{schedule.end.isoformat()}. Each bar runs from a task's first session to its last, "
        "a habit's over the days it runs.",
        "",
        "```mermaid",
        *gantt_lines(schedule),
        "```",
        "",
    ]
    return "\n".join(lines).encode()
