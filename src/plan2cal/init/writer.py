"""A draft as a plan file: YAML with the schema comment, and a comment wherever the person has
something to fill in.

PyYAML's emitter drops comments, so the file is written line by line here; every scalar goes
through ``yaml.safe_dump`` (which quotes what needs quoting), and the text is read back and
compared with the data it was meant to hold, then validated as a plan, before anyone sees it.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import yaml
from pydantic import ValidationError

from plan2cal.durations import duration_text
from plan2cal.errors import PlanError, UnschedulableError
from plan2cal.graph import check_acyclic, dependency_graph
from plan2cal.init.draft import Draft, DraftPhase, DraftTask, Note
from plan2cal.model import (
    DEFAULT_HOURS_PER_WEEK,
    DEFAULT_WINDOWS,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    Plan,
)

# The notes listed at the top of a plan: enough for any real guide, and a hostile file of a
# million stray lines does not make a plan of a million comment lines.
LISTED_NOTES = 100
SCHEMA_COMMENT = "# yaml-language-server: $schema=plan2cal.schema.json"
_WIDTH = 96
# Text that YAML reads back as the same text when written bare: a letter, then letters, digits
# and punctuation that is no indicator here (no ": ", no " #", nothing at the start), and not
# one of the words YAML 1.1 reads as true, false or null.
_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9 _./()'&+,-]*[A-Za-z0-9_.)'])?")
_BREAKS = frozenset("\n\r\x85\u2028\u2029")
_NOT_TEXT = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})
# What a block scalar cannot hold as it is: YAML 1.1's non-printable characters (§5.1: C0 and C1
# controls but tab and line feed, surrogates, U+FFFE and U+FFFF), the line breaks other than a
# line feed (CR, NEL, LS, PS) and the byte order mark. Such text goes in double quotes.
_NOT_IN_BLOCK = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def scalar(value: object) -> str:
    """``value`` as one line of YAML that reads back as exactly ``value``."""
    if isinstance(value, str) and _PLAIN.fullmatch(value) and value.lower() not in _NOT_TEXT:
        return value  # most names and ids: no need to ask the emitter
    breaks = isinstance(value, str) and not _BREAKS.isdisjoint(value)
    if not breaks:
        text = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_flow_style=True)
        return text.removesuffix("\n").removesuffix("\n...")
    # Text with line breaks (YAML 1.1 counts NEL, LS and PS too): double quotes and escapes,
    # all on one line; the emitter would break a quoted line there.
    text = yaml.safe_dump(value, default_style='"', width=1_000_000, allow_unicode=False)
    return text.removesuffix("\n").removesuffix("\n...")


def _text_value(value: str, indent: str) -> list[str]:
    """``value`` after ``key:``: a plain or quoted scalar on the line, or a literal block for
    text of several lines that a block can hold exactly."""
    if "\n" not in value:
        return [" " + scalar(value)]
    lines = value.split("\n")
    blockable = (
        _NOT_IN_BLOCK.search(value) is None
        and lines[0][:1] not in (" ", "\t", "")
        and all(line == line.rstrip() for line in lines)
        and not value.endswith("\n")
    )
    if not blockable:
        return [" " + scalar(value)]
    return [" |-"] + [f"{indent}  {line}" if line else "" for line in lines]


def _comment(text: str, indent: str = "") -> list[str]:
    width = max(40, _WIDTH - len(indent) - 2)
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width)] or [f"{indent}#"]


def _clip(text: str, limit: int, what: str, notes: list[Note], line: int) -> str:
    if len(text) <= limit:
        return text
    notes.append(Note(line, f"{what} is longer than {limit:,} characters; cut short"))
    return text[: limit - 1] + "…"


def plan_text(draft: Draft) -> tuple[str, dict[str, Any]]:
    """The plan file's text and the data it holds. Raises PlanError when the draft does not
    make a valid plan (a bug of the reader rather than of the source, but said as an error)."""
    notes = draft.notes
    data: dict[str, Any] = {
        "plan": draft.plan_id,
        "title": _clip(draft.title, MAX_NAME_LENGTH, "the title", notes, 1),
    }
    out = [SCHEMA_COMMENT, "#"]
    out += _comment(f"Written by plan2cal init from {draft.source}.")
    for line in draft.header:
        out += _comment(line)
    out += [
        "#",
        *_comment(
            "`hours:` is written only where the source gives an estimate. Each `# hours:` comment "
            "marks a task whose effort is yours to estimate (90m, 12h, or a number of hours); "
            "without one, the task shares what is left of its phase's weeks."
        ),
    ]
    out += ["#", f"plan: {scalar(data['plan'])}", f"title: {scalar(data['title'])}"]
    out += _defaults(draft, data)
    out += ["", "phases:"]
    data["phases"] = []
    for phase in draft.phases:
        out += _phase(phase, data["phases"], notes)
    if notes:
        listed = _comment(
            "Lines of the source that were not read as they stand; check them and add by hand "
            "what belongs in the plan:"
        )
        ordered = sorted(notes, key=_by_line)
        listed += [f"#   line {note.line}: {note.text}" for note in ordered[:LISTED_NOTES]]
        if len(ordered) > LISTED_NOTES:
            listed.append(f"#   … and {len(ordered) - LISTED_NOTES:,} more lines after these")
        out[2:2] = [*listed, "#"]
    text = "\n".join(out) + "\n"
    _check(text, data, draft.source)
    return text, data


def _by_line(note: Note) -> int:
    return note.line


def _defaults(draft: Draft, data: dict[str, Any]) -> list[str]:
    defaults: dict[str, Any] = {}
    out = ["defaults:"]
    if draft.start is not None:
        defaults["start"] = draft.start
        out.append(f"  start: {draft.start.isoformat()}")
    else:
        out.append("  # start: 2027-01-04   # without it, the first run starts next Monday")
    hours = draft.hours_per_week if draft.hours_per_week is not None else DEFAULT_HOURS_PER_WEEK
    defaults["hours_per_week"] = hours
    out.append(f"  hours_per_week: {scalar(_number(hours))}")
    if draft.timezone is not None:
        defaults["timezone"] = draft.timezone
        out.append(f"  timezone: {scalar(draft.timezone)}")
    windows = draft.windows if draft.windows is not None else dict(DEFAULT_WINDOWS)
    defaults["windows"] = windows
    out.append("  windows:  # when you can work, by weekday or range; HH:MM-HH:MM")
    out += [f"    {scalar(day)}: {scalar(span)}" for day, span in windows.items()]
    data["defaults"] = {
        key: _number(value) if key == "hours_per_week" else value for key, value in defaults.items()
    }
    return out


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _phase(phase: DraftPhase, phases: list[dict[str, Any]], notes: list[Note]) -> list[str]:
    item: dict[str, Any] = {"id": phase.id, "name": phase.name}
    out = ([""] if phases else []) + [f"  - id: {scalar(phase.id)}"]
    name = _clip(phase.name, MAX_NAME_LENGTH, f"the name of phase '{phase.id}'", notes, phase.line)
    item["name"] = name
    out += _keyed("name", name, "    ")
    if phase.weeks is not None:
        item["weeks"] = phase.weeks
        out += _comment(phase.weeks_note, "    ") if phase.weeks_note else []
        out.append(f"    weeks: {phase.weeks}")
    if phase.mode is not None:
        item["mode"] = phase.mode
        out += _comment(phase.mode_note, "    ") if phase.mode_note else []
        out.append(f"    mode: {phase.mode}")
    if phase.description:
        text = _clip(
            phase.description,
            MAX_DESCRIPTION_LENGTH,
            f"the description of '{phase.id}'",
            notes,
            phase.line,
        )
        item["description"] = text
        out += _keyed("description", text, "    ")
    out.append("    tasks:")
    item["tasks"] = []
    for task in phase.tasks:
        out += _task(task, phase, item["tasks"], notes)
    phases.append(item)
    return out


def _foldable(value: str) -> bool:
    """True when a folded block (``>-``) holds ``value`` exactly once wrapped at spaces: one
    line of printable text, single spaces only, none at either end."""
    return (
        value == value.strip()
        and "  " not in value
        and _NOT_IN_BLOCK.search(value) is None
        and "\t" not in value
        and value[:1] not in ("#", "")
    )


def _keyed(key: str, value: str, indent: str) -> list[str]:
    """``key: value`` at ``indent``; a long one-line value folded over lines of _WIDTH."""
    if "\n" in value or len(indent) + len(key) + len(value) + 2 <= _WIDTH:
        lines = _text_value(value, indent)
        return [f"{indent}{key}:{lines[0]}", *lines[1:]]
    if _foldable(value):
        lines = textwrap.wrap(
            value,
            max(40, _WIDTH - len(indent) - 2),
            break_long_words=False,
            break_on_hyphens=False,
        )
        return [f"{indent}{key}: >-", *(f"{indent}  {line}" for line in lines)]
    dumped = yaml.safe_dump(
        {key: value},
        allow_unicode=True,
        # PyYAML's width is where it starts looking for a space to break at.
        width=max(40, _WIDTH - len(indent) - 12),
        default_flow_style=False,
        sort_keys=False,
    ).removesuffix("\n")
    return [f"{indent}{line}" if line else "" for line in dumped.split("\n")]


def _task(
    task: DraftTask, phase: DraftPhase, tasks: list[dict[str, Any]], notes: list[Note]
) -> list[str]:
    name = _clip(task.name, MAX_NAME_LENGTH, f"the name of task '{task.id}'", notes, task.line)
    item: dict[str, Any] = {"id": task.id, "name": name}
    out = [f"      - id: {scalar(task.id)}", *_keyed("name", name, "        ")]
    if task.every is not None:
        item["every"] = task.every
        out.append(
            f"        every: {scalar(task.every)}   # a practice, not a deliverable: a slice of "
            "every week of its phase; set your own amount"
        )
    elif task.minutes is not None:
        item["hours"] = duration_text(task.minutes)
        note = f"  # {task.hours_note}" if task.hours_note else ""
        out.append(f"        hours: {item['hours']}{note}")
    else:
        share = f"its phase's {phase.weeks} weeks" if phase.weeks else "its phase"
        out.append(f"        # hours:   # your estimate; without it, a share of {share}")
    if task.weight is not None and task.minutes is None and task.every is None:
        item["weight"] = _number(task.weight)
        note = f"  # {task.weight_note}" if task.weight_note else ""
        out.append(f"        weight: {scalar(item['weight'])}{note}")
    if task.priority is not None:
        item["priority"] = task.priority
        out.append(f"        priority: {task.priority}")
    if task.deadline is not None and task.every is None:
        item["deadline"] = task.deadline
        out.append(f"        deadline: {scalar(task.deadline)}")
    if task.after:
        item["after"] = list(task.after)
        out.append(f"        after: [{', '.join(scalar(key) for key in task.after)}]")
    if task.description:
        text = _clip(
            task.description,
            MAX_DESCRIPTION_LENGTH,
            f"the description of '{task.id}'",
            notes,
            task.line,
        )
        item["description"] = text
        out += _keyed("description", text, "        ")
    tasks.append(item)
    return out


def _check(text: str, data: dict[str, Any], source: str) -> None:
    """Read the text back: it must hold ``data`` exactly and be a valid plan."""
    # libyaml's safe loader where PyYAML has it: the same reading, many times faster.
    read_back = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if read_back != data:
        raise AssertionError(f"the plan text does not read back as written:\n{text}")
    try:
        plan = Plan.model_validate(read_back)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise PlanError(f"the plan made from {data['title']!r} is not valid: {problems}") from None
    try:
        check_acyclic(dependency_graph(plan))
    except UnschedulableError as exc:
        # The links came from the source ("after: id" in Markdown): it is the input to fix.
        raise PlanError(f"{source}: {exc}") from None
