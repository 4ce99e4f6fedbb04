"""Read a study plan kept as Markdown with checkboxes into a draft plan::

    # Learn Rust

    ## Basics (3 weeks)
    - [x] Read chapters 1-6 of the book (12h) (done 2027-01-10)
    - [ ] Write the guessing game after: read-chapters-1-6-of-the-book
      - nested items and indented text become the task's description

    ## Projects
    weeks: 4
    - [ ] Build a CLI tool (20h)

``#`` is the title, ``##`` a phase with ``(N weeks)`` (or months) in its heading or a
``weeks: N`` line under it. A task's line may end in an estimate ``(12h)``, ``(90m)``,
``(1h30m)``, ``after: id, id`` and, when checked, ``(done YYYY-MM-DD)``, in any order. A
checked box is a task done: on the date it gives, else on the day ``init`` runs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re

from plan2cal.durations import parse_duration
from plan2cal.init.draft import LENGTH, Draft, DraftPhase, DraftTask, IdMaker, Note, read_length
from plan2cal.init.guide import check_size, clean_line, name_and_length
from plan2cal.model import MAX_TASK_MINUTES, check_date_in_range, slugify

_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+•]|\d{1,3}[.)])\s+(?P<text>.*)$")
_BOX = re.compile(r"^\[(?P<mark>[ xX✓✔]?)\]\s*(?P<text>.*)$")
_LENGTH_FIELD = re.compile(
    r"^(?:\*\*|__)?(?P<key>weeks|months|length|duration)(?:\*\*|__)?\s*:\s*(?P<value>.+)$",
    re.IGNORECASE,
)
_LENGTH_VALUE = re.compile(r"^" + LENGTH + r"\s*$", re.IGNORECASE)
_ESTIMATE = re.compile(
    r"\s*\(\s*(?P<d>\d{1,6}(?:\.\d{1,2})?\s*h(?:\s*\d{1,2}\s*m(?:in)?)?|\d{1,7}\s*m(?:in)?)\s*\)\s*$",
    re.IGNORECASE,
)
_DONE = re.compile(r"\s*\(\s*done(?:\s+on)?\s*:?\s*(?P<date>[0-9-]{6,12})\s*\)\s*$", re.IGNORECASE)
_AFTER = re.compile(r"\s+after:\s*(?P<ids>[\w.-]+(?:\s*,\s*[\w.-]+)*)\s*$", re.IGNORECASE)


def looks_like_markdown(text: str) -> bool:
    """True when ``text`` has a Markdown heading or a checkbox item."""
    return any(
        _HEADING.match(line) or (_ITEM.match(line) and "[" in line[:12])
        for line in text.splitlines()
        if line.startswith(("#", "-", "*", "+", " ", "\t"))
    )


def read_markdown(text: str, source: str, today: dt.date) -> Draft:
    """A draft plan from Markdown; ``today`` dates the checked boxes that give no date."""
    reader = _Reader(source, today)
    for number, raw in enumerate(text.splitlines(), start=1):
        reader.read(number, raw.replace("\t", "    ").rstrip())
        check_size(source, number, len(reader.draft.phases), reader.task_count)
    return reader.finish()


class _Reader:
    def __init__(self, source: str, today: dt.date) -> None:
        self.draft = Draft(plan_id="plan", title="", source=source)
        self.today = today
        self.phase: DraftPhase | None = None
        self.task: DraftTask | None = None
        self.task_indent = 0
        self.task_count = 0
        self.description: list[str] = []

    def note(self, line: int, text: str) -> None:
        self.draft.notes.append(Note(line, text))

    def read(self, number: int, line: str) -> None:
        heading = _HEADING.match(line)
        if heading is not None:
            self._close_task()
            self._heading(number, len(heading["level"]), heading["text"])
            return
        if not line.strip():
            if self.task is not None and self.description:
                self.description.append("")
            return
        item = _ITEM.match(line)
        indent = len(line) - len(line.lstrip())
        if self.task is not None and indent > self.task_indent:
            # Nested items and indented text belong to the task above.
            self.description.append(
                line[self.task_indent :].strip()
                if item is None
                else " " * max(0, indent - self.task_indent - 2) + "- " + _unboxed(item["text"])
            )
            return
        if item is None:
            self._close_task()
            self._prose(number, clean_line(line))
            return
        self._close_task()
        self._item(number, indent, item["text"].strip())

    def _heading(self, number: int, level: int, text: str) -> None:
        text = clean_line(text)
        if level == 1 and not self.draft.title:
            self.draft.title = text
            return
        if level > 2 and self.phase is not None:
            return  # a sub-heading inside a phase groups its tasks; they stay in the phase
        self._close_task()
        found = name_and_length(text)
        name, weeks, note = found if found is not None else (text, None, None)
        if not name:
            self.note(number, "a heading without a name")
            self.phase = None
            return
        self.phase = DraftPhase("", name, weeks, number, weeks_note=note)
        self.draft.phases.append(self.phase)

    def _prose(self, number: int, line: str) -> None:
        field = _LENGTH_FIELD.match(line)
        if field is not None and self.phase is not None:
            value = _LENGTH_VALUE.match(field["value"].strip())
            if value is None and field["value"].strip().replace(".", "", 1).isdigit():
                unit = "months" if field["key"].lower() == "months" else "weeks"
                value = _LENGTH_VALUE.match(f"{field['value'].strip()} {unit}")
            length = read_length(value["n"], value["unit"]) if value is not None else None
            if length is None:
                self.note(number, f"'{line}' is no length; write 'weeks: 8' or '2 months'")
            elif self.phase.weeks is not None:
                self.note(number, f"a second length for '{self.phase.name}'; the first is kept")
            else:
                self.phase.weeks, self.phase.weeks_note = length
            return
        if self.phase is not None:
            self.phase.description = " ".join(filter(None, [self.phase.description, line]))
        # Text under the title introduces the plan.

    def _item(self, number: int, indent: int, text: str) -> None:
        box = _BOX.match(text)
        if self.phase is None:
            self.note(number, f"'{text[:60]}' is under no '## phase' heading; left out")
            return
        if box is None:
            self.note(number, f"'{text[:60]}' has no checkbox; read as a task ('- [ ] …')")
            checked, text = False, text
        else:
            checked, text = bool(box["mark"].strip()), box["text"].strip()
        task = DraftTask("", "", number)
        text = self._tail(task, number, text, checked)
        if not text:
            self.note(number, "a task without a name; left out")
            return
        task.name = text
        if checked and task.done is None:
            task.done = self.today
        self.phase.tasks.append(task)
        self.task_count += 1
        self.task, self.task_indent, self.description = task, indent, []

    def _tail(self, task: DraftTask, number: int, text: str, checked: bool) -> str:
        """Take the estimate, ``after:`` and done date off the end of a task's text."""
        while True:
            done = _DONE.search(text)
            if done is not None:
                text = text[: done.start()]
                task.done = self._done_date(number, done["date"], checked)
                continue
            estimate = _ESTIMATE.search(text)
            if estimate is not None:
                text = text[: estimate.start()]
                try:
                    minutes = parse_duration(estimate["d"])
                except ValueError as exc:
                    self.note(number, f"{exc}; the estimate is left out")
                    continue
                if minutes > MAX_TASK_MINUTES:
                    self.note(number, f"the estimate '{estimate['d']}' is far too long; left out")
                    continue
                task.minutes = minutes
                continue
            after = _AFTER.search(text)
            if after is not None:
                text = text[: after.start()]
                ids = [part.strip() for part in after["ids"].split(",") if part.strip()]
                task.after = ids
                continue
            return text.strip()

    def _done_date(self, number: int, text: str, checked: bool) -> dt.date | None:
        if not checked:
            self.note(number, "a done date on an unchecked box; the task is left open")
            return None
        try:
            day = check_date_in_range(dt.date.fromisoformat(text))
        except ValueError:
            self.note(number, f"'{text}' is not a date (YYYY-MM-DD); done today instead")
            return self.today
        if day > self.today:
            self.note(number, f"{text} is after today; done today instead")
            return self.today
        return day

    def _close_task(self) -> None:
        if self.task is not None:
            text = "\n".join(self.description).strip("\n")
            if text:
                self.task.description = text
        self.task, self.description = None, []

    def finish(self) -> Draft:
        self._close_task()
        draft = self.draft
        if not draft.title:
            draft.title = draft.source
        draft.plan_id = IdMaker().make(draft.title, "plan")
        ids = IdMaker()
        kept = []
        for phase in draft.phases:
            if not phase.tasks:
                self.note(phase.line, f"the phase '{phase.name}' has no tasks; left out")
                continue
            phase.id = ids.make(phase.name, "phase")
            for task in phase.tasks:
                task.id = ids.make(task.name)
            kept.append(phase)
        draft.phases = kept
        self._resolve_after()
        for phase in kept:
            unsized = sum(1 for task in phase.tasks if task.minutes is None)
            if phase.weeks is None and unsized:
                phase.weeks = unsized
                phase.weeks_note = (
                    f"no length under '## {phase.name}' (line {phase.line}); a week a task "
                    "without an estimate, until you set it"
                )
                self.note(phase.line, f"the phase '{phase.name}' gives no length ('(8 weeks)')")
        return draft

    def _resolve_after(self) -> None:
        """Point each ``after:`` at a task or phase id, by its id, its name's slug, or the
        start of one; what matches nothing (or itself) is left out with a note."""
        known = sorted(
            [phase.id for phase in self.draft.phases] + [t.id for t in self.draft.tasks()]
        )
        for task in self.draft.tasks():
            resolved = []
            for given in task.after:
                found = _match(given, known)
                if found is None:
                    self.note(task.line, f"after: '{given}' names no task or phase; left out")
                elif found == task.id:
                    self.note(task.line, f"after: '{given}' is the task itself; left out")
                elif found not in resolved:
                    resolved.append(found)
            task.after = resolved


def _match(given: str, known: list[str]) -> str | None:
    """The id ``given`` names in the sorted ``known``: itself, or the one id it starts."""
    slug = slugify(given)
    at = bisect.bisect_left(known, slug)
    if at < len(known) and known[at] == slug:
        return slug
    starting = known[at : at + 2]
    starting = [key for key in starting if key.startswith(slug)]
    return starting[0] if len(starting) == 1 else None


def _unboxed(text: str) -> str:
    box = _BOX.match(text.strip())
    return box["text"].strip() if box is not None else text.strip()
