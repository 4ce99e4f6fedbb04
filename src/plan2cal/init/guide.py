"""Read a career-roadmap guide (plain text, one heading or item a line) into a draft plan.

The layout is that of ``shared/examples/ai-pm-transition-guide.txt``: a title line, then
sections under headings. Three of them hold the work:

* "Skills You'll Need to Learn": a skill's name on a line, its advice on the next;
* "Your Learning Roadmap": a phase's name, then ``8 weeks- first task`` and ``- task`` lines;
* "Start Your Journey Now": "This Week", "This Month" and "Next 90 Days" lists of actions.

The prose sections (Overview, Your Transferable Skills, Reality Check, Frequently Asked
Questions) are recognised so that their lines are not mistaken for work: the overview becomes
the first phase's description, the others are left out and named in the plan's header. Any
other line that cannot be placed is kept as a note with its line number.

Headings may differ a little in wording ("Skills you need to learn", "Learning Roadmap:"),
lines may be blank, bulleted with ``-``, ``*``, ``•`` or a dash, and lengths may be given in
weeks or months.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from plan2cal.errors import PlanError
from plan2cal.init.draft import (
    LENGTH,
    Draft,
    DraftPhase,
    DraftTask,
    IdMaker,
    Note,
    read_length,
    short_slug,
)
from plan2cal.model import MAX_PHASES, MAX_TASKS

# The headings of the guide's sections, by kind, in the wordings seen or likely.
_HEADINGS = {
    "overview": ("overview", "introduction"),
    "transferable": ("your transferable skills", "transferable skills"),
    "skills": (
        "skills youll need to learn",
        "skills you need to learn",
        "skills you will need to learn",
        "skills to learn",
    ),
    "roadmap": ("your learning roadmap", "learning roadmap", "your roadmap", "roadmap"),
    "reality": ("reality check",),
    "actions": ("start your journey now", "start your journey", "your action plan", "action plan"),
    "faq": ("frequently asked questions", "faq", "faqs"),
    "closing": ("ready to start your transition", "ready to get started"),
}
_PROSE_KINDS = {
    "overview": "Overview",
    "transferable": "Your Transferable Skills",
    "reality": "Reality Check",
    "faq": "Frequently Asked Questions",
    "closing": "the closing call to action",
}
# How close a line must be to a known heading, by difflib's ratio, to be read as it: close
# enough for "Skills You Will Need to Learn" or a typo, far from any sentence.
_HEADING_RATIO = 0.85
_HEADING_WORDS = 8

# Bullets: hyphen, asterisk, bullet, en and em dash; then at least one space or the text.
_BULLET = re.compile(r"^[-*•‣◦–—]\s*(?=\S)")
_LENGTH_LINE = re.compile(r"^" + LENGTH + r"\s*[-–—:•*]*\s*(?P<rest>.*)$", re.IGNORECASE)
# "Weeks 1-8", "Months 3–4: first task": a span of the plan's calendar, as long as its range.
_SPAN_LINE = re.compile(
    r"^(?P<unit>weeks?|months?)\s+(?P<a>\d{1,3})\s*(?:-|–|—|to)\s*(?P<b>\d{1,3})\b"
    r"\s*[-–—:•*]*\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A length at the end of a phase's name: "Foundation (8 weeks)", "Foundation – 2 months".
_LENGTH_IN_NAME = (
    re.compile(r"^(?P<name>.*?\S)\s*[(\[]\s*" + LENGTH + r"\s*[)\]]\s*$", re.IGNORECASE),
    re.compile(r"^(?P<name>.*?\S)\s*[-–—:,]\s*" + LENGTH + r"\s*$", re.IGNORECASE),
)
_SENTENCE_END = re.compile(r"[.!?:;]['’\"”)]*$")

# When each list of "Start Your Journey Now" is due, counted from the plan's start, and how
# urgent it is: the week's actions first, the longer lists after them.
_HORIZON = re.compile(
    r"^(?:(?P<this>this|first)\s+(?P<unit1>day|week|month)"
    r"|(?P<today>today)"
    r"|(?:next|first|within\s+(?:the\s+)?(?:next\s+)?|in\s+the\s+next|over\s+the\s+next)\s+"
    r"(?P<n>\d{1,3})\s+(?P<unit2>days?|weeks?|months?))\b",
    re.IGNORECASE,
)


@dataclass
class _Skill:
    name: str
    line: int
    advice: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.advice)


@dataclass
class _Action:
    name: str
    line: int
    deadline: str | None
    priority: str | None

    @property
    def weight(self) -> float | None:
        """A share of the phase's time small enough to make the deadline: the phase's weeks
        are shared by weight, and an action due within a week or a month is a small step
        next to a roadmap task (a quarter or a half of one's share; longer ones a full one)."""
        if self.deadline in ("+1d", "+1w"):
            return 0.25
        if self.deadline in ("+2w", "+3w", "+4w", "+1mo"):
            return 0.5
        return None


@dataclass
class _Reading:
    """What the sections hold, before it is arranged into phases."""

    title: str | None = None
    overview: list[str] = field(default_factory=list)
    skills: list[_Skill] = field(default_factory=list)
    phases: list[DraftPhase] = field(default_factory=list)
    actions: list[_Action] = field(default_factory=list)
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → first, last line
    notes: list[Note] = field(default_factory=list)
    unplaced: list[tuple[int, str]] = field(default_factory=list)
    task_count: int = 0


def normalise_heading(text: str) -> str:
    """Lower-case letters, digits and single spaces: the wording of a heading without its
    punctuation (``Skills You’ll Need to Learn:`` → ``skills youll need to learn``)."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def heading_kind(line: str) -> str | None:
    """The kind of section ``line`` opens, or None when it is no known heading."""
    if _BULLET.match(line) or len(line.split()) > _HEADING_WORDS:
        return None
    if line.endswith(".") and not line.endswith(".."):
        return None
    return _kind_of_wording(normalise_heading(line.lstrip("#").strip()))


@functools.lru_cache(maxsize=4096)
def _kind_of_wording(wording: str) -> str | None:
    """The kind of heading ``wording`` is closest to, if close enough (cached: a guide repeats
    its short lines, and a hostile file repeats one line a million times)."""
    if not wording:
        return None
    best, best_ratio = None, 0.0
    for kind, variants in _HEADINGS.items():
        for variant in variants:
            # difflib's ratio is at most 2·shorter/(sum of lengths): skip what cannot reach it.
            shorter, total = min(len(wording), len(variant)), len(wording) + len(variant)
            if 2 * shorter < _HEADING_RATIO * total:
                continue
            matcher = difflib.SequenceMatcher(None, wording, variant)
            if matcher.quick_ratio() < _HEADING_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = kind, ratio
    return best if best_ratio >= _HEADING_RATIO else None


def clean_line(raw: str) -> str:
    """A source line without surrounding white space, with no-break spaces as spaces."""
    return raw.replace("\u00a0", " ").replace("\ufeff", "").strip()


def is_prose(line: str) -> bool:
    """A sentence rather than a name: it ends as sentences end, or is long."""
    return bool(_SENTENCE_END.search(line)) or len(line.split()) > 12


def bullet_text(line: str) -> str | None:
    """The text of a bulleted line, or None for a line without a bullet."""
    match = _BULLET.match(line)
    if match is None:
        return None
    # A hyphen joined to a word ("-based") is no bullet; "- task" and "-task" are.
    return line[match.end() :].strip() or None


def name_and_length(line: str) -> tuple[str, int, str | None] | None:
    """A phase's name and whole weeks from ``Foundation (8 weeks)`` or ``Foundation – 2
    months``, with the note of a conversion; None when the line ends in no length."""
    for pattern in _LENGTH_IN_NAME:
        match = pattern.match(line)
        if match is not None:
            length = read_length(match["n"], match["unit"])
            if length is not None:
                return match["name"].rstrip(" -–—:,("), length[0], length[1]
    return None


def horizon(line: str) -> tuple[str, str] | None:
    """The deadline and priority of an action list headed ``line``, or None."""
    match = _HORIZON.match(normalise_heading(line))
    if match is None:
        return None
    if match["today"]:
        return "+1d", "highest"
    if match["this"]:
        unit = match["unit1"].lower()
        offset = {"day": "+1d", "week": "+1w", "month": "+1mo"}[unit]
        return offset, "highest" if unit in ("day", "week") else "high"
    if match["n"] is None:
        return None
    n = int(match["n"])
    if n < 1:
        return None
    unit = match["unit2"].lower().rstrip("s")
    suffix = {"day": "d", "week": "w", "month": "mo"}[unit]
    return f"+{n}{suffix}", "high"


def read_guide(text: str, source: str) -> Draft:
    """A draft plan from the text of a guide; ``source`` names it in notes and comments.

    The result may hold no phase: the caller decides what a file without a roadmap means.
    """
    reading = _Reading()
    kind: str | None = None
    handlers: dict[str, _Section] = {
        "skills": _SkillsReader(reading),
        "roadmap": _RoadmapReader(reading),
        "actions": _ActionsReader(reading),
    }
    previous: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _unmarked(clean_line(raw))
        if not line:
            continue
        found = heading_kind(line)
        if reading.title is None and found is None:
            reading.title = line.lstrip("#").strip()
            continue
        if found is not None and (found != "roadmap" or kind != "roadmap"):
            kind, previous = found, None
            if kind in _PROSE_KINDS:
                first, _ = reading.left_out.get(kind, (number, number))
                reading.left_out[kind] = (first, number)
            continue
        if kind not in handlers and previous is not None and _starts_roadmap(previous[1], line):
            # No roadmap heading, but a phase's name and its "8 weeks- task" line: the roadmap
            # starts here, and the note says so.
            _take_back(reading, kind, previous)
            reading.notes.append(
                Note(
                    previous[0], "no 'Your Learning Roadmap' heading; the roadmap is read from here"
                )
            )
            kind = "roadmap"
            handlers[kind].read(*previous)
        previous = (number, line)
        if kind is None:
            reading.unplaced.append((number, line))
        elif kind in handlers:
            handlers[kind].read(number, line)
            check_size(source, number, len(reading.phases), reading.task_count)
        else:
            first, _ = reading.left_out[kind]
            reading.left_out[kind] = (first, number)
            if kind == "overview":
                reading.overview.append(line)
    for handler in handlers.values():
        handler.finish()
    return _arrange(reading, source)


def _span(line: str) -> dict[str, str] | None:
    """``Weeks 1-8`` read as a length of 8 weeks (with what follows it), or None."""
    match = _SPAN_LINE.match(line)
    if match is None or int(match["b"]) < int(match["a"]):
        return None
    n = int(match["b"]) - int(match["a"]) + 1
    return {"n": str(n), "unit": match["unit"], "rest": match["rest"]}


def check_size(source: str, number: int, phases: int, tasks: int) -> None:
    """PlanError once a source holds more phases or tasks than a plan may (model.py's limits):
    reading on would only make a plan that cannot load."""
    if phases > MAX_PHASES or tasks > MAX_TASKS:
        what = f"{MAX_PHASES:,} phases" if phases > MAX_PHASES else f"{MAX_TASKS:,} tasks"
        raise PlanError(f"{source}:{number}: more than {what}, the most a plan holds")


def _unmarked(line: str) -> str:
    """A line without Markdown's heading marks and bold, for a guide saved as Markdown:
    ``## Your Learning Roadmap`` and ``**Foundation Building**`` read as their words."""
    if line.startswith("#"):
        line = line.lstrip("#").strip()
    for mark in ("**", "__"):
        if len(line) > 4 and line.startswith(mark) and line.endswith(mark):
            line = line[2:-2].strip()
    return line


def is_guide(text: str) -> bool:
    """True when ``text`` has a guide's roadmap heading on a line of its own (with or without
    Markdown's marks): such a file is read as a guide even when it is Markdown."""
    return any(
        heading_kind(_unmarked(clean_line(line))) == "roadmap"
        for line in text.splitlines()
        if len(line) < 80
    )


def _starts_roadmap(name: str, line: str) -> bool:
    """True for a phase's name followed by its length line (``8 weeks- first task``)."""
    return (
        (_LENGTH_LINE.match(line) is not None or _span(line) is not None)
        and bullet_text(name) is None
        and not is_prose(name)
        and _LENGTH_LINE.match(name) is None
    )


def _take_back(reading: _Reading, kind: str | None, previous: tuple[int, str]) -> None:
    """Undo the reading of ``previous`` as a line of a section it turned out not to be in."""
    if kind is None and previous in reading.unplaced:
        reading.unplaced.remove(previous)
    elif kind == "overview" and reading.overview and reading.overview[-1] == previous[1]:
        reading.overview.pop()


class _Section(Protocol):
    """The reader of one kind of section: a line at a time, then once at the end."""

    def read(self, number: int, line: str) -> None: ...

    def finish(self) -> None: ...


class _SkillsReader:
    """A skill's name on a line of its own, its advice on the lines after it."""

    def __init__(self, reading: _Reading) -> None:
        self.reading = reading

    def read(self, number: int, line: str) -> None:
        skills = self.reading.skills
        item = bullet_text(line)
        if item is None and not is_prose(line):
            if skills and not skills[-1].advice:
                self.reading.notes.append(
                    Note(skills[-1].line, f"the skill '{skills[-1].name}' has no advice under it")
                )
            skills.append(_Skill(line, number))
        elif skills:
            skills[-1].advice.append(item if item is not None else line)
        # Prose before the first skill introduces the list.

    def finish(self) -> None:
        skills = self.reading.skills
        if skills and not skills[-1].advice:
            self.reading.notes.append(
                Note(skills[-1].line, f"the skill '{skills[-1].name}' has no advice under it")
            )


class _RoadmapReader:
    """A phase's name, then its length with the first task, then one task a line."""

    def __init__(self, reading: _Reading) -> None:
        self.reading = reading
        self.checked = 0  # phases whose length has been checked

    @property
    def phase(self) -> DraftPhase | None:
        return self.reading.phases[-1] if self.reading.phases else None

    def read(self, number: int, line: str) -> None:
        phase = self.phase
        length = _LENGTH_LINE.match(line) or _span(line)
        if length is not None and phase is not None:
            self._length(phase, number, length["n"], length["unit"])
            rest = length["rest"].strip()
            if rest:
                self._task(phase, number, bullet_text(rest) or rest)
            return
        item = bullet_text(line)
        if item is not None:
            if phase is None:
                self.reading.unplaced.append((number, line))
            else:
                self._task(phase, number, item)
            return
        if is_prose(line):
            if phase is not None:
                phase.description = " ".join(filter(None, [phase.description, line]))
            # Prose before the first phase introduces the roadmap.
            return
        self._start_phase(number, line)

    def _start_phase(self, number: int, line: str) -> None:
        self._check_lengths()
        name, weeks, note = line, None, None
        inside = name_and_length(line)
        if inside is not None:
            name, weeks, note = inside
        phase = DraftPhase(short_slug(name, "phase"), name, weeks, number, weeks_note=note)
        self.reading.phases.append(phase)

    def _length(self, phase: DraftPhase, number: int, n: str, unit: str) -> None:
        length = read_length(n, unit)
        if length is None:
            self.reading.notes.append(Note(number, f"a length of nothing for '{phase.name}'"))
            return
        if phase.weeks is not None:
            self.reading.notes.append(
                Note(number, f"a second length for '{phase.name}'; the first one is kept")
            )
            return
        phase.weeks, phase.weeks_note = length

    def _task(self, phase: DraftPhase, number: int, name: str) -> None:
        phase.tasks.append(DraftTask("", name, number))
        self.reading.task_count += 1

    def _check_lengths(self) -> None:
        """Note each phase read so far that gave no length, once."""
        for phase in self.reading.phases[self.checked :]:
            if phase.weeks is None:
                self.reading.notes.append(
                    Note(phase.line, f"the phase '{phase.name}' gives no length ('8 weeks')")
                )
        self.checked = len(self.reading.phases)

    def finish(self) -> None:
        self._check_lengths()


class _ActionsReader:
    """ "This Week", "This Month", "Next 90 Days": each a heading over a list of actions."""

    def __init__(self, reading: _Reading) -> None:
        self.reading = reading
        self.current: tuple[str, str] | None = None
        self.seen_list = False

    def read(self, number: int, line: str) -> None:
        found = horizon(line)
        if found is not None and bullet_text(line) is None:
            self.current, self.seen_list = found, True
            return
        item = bullet_text(line)
        if item is None and is_prose(line):
            if self.seen_list:
                self.reading.unplaced.append((number, line))
            return  # the section's introduction
        if item is None:
            self.reading.notes.append(
                Note(
                    number,
                    f"'{line}' is no time frame this tool knows (This Week, This Month, "
                    "Next 90 Days); its actions get no deadline",
                )
            )
            self.current, self.seen_list = None, True
            return
        if self.current is None:
            self.reading.notes.append(
                Note(number, f"the action '{item}' is under no time frame; it gets no deadline")
            )
            self.reading.actions.append(_Action(item, number, None, None))
            return
        deadline, priority = self.current
        self.reading.actions.append(_Action(item, number, deadline, priority))

    def finish(self) -> None:
        pass


# --- arranging what was read into phases ------------------------------------------------------

_QUOTED = re.compile(
    r"(?:(?<=^)|(?<=[\s(]))['‘\"“](?P<title>[^'‘’\"“”]+?)[.,]?['’\"”](?=$|[\s.,;:)!?])"
)
# Between two sentences: a full stop (perhaps inside a closing quote), a space, a capital.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['’\"”]))\s+(?=[A-Z])")
_STOP_CAPITALS = frozenset({"i", "a", "an", "the", "your", "you"})


def resources(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The named resources of ``text``: its quoted titles, and the pairs of adjacent words in
    its runs of capitalised words (``Google Project Management`` → google project, project
    management), leaving out each sentence's first word, which is capitalised anyway."""
    titles = {normalise_heading(match["title"]) for match in _QUOTED.finditer(text)}
    bare = _QUOTED.sub(" | ", text)
    pairs: set[tuple[str, str]] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\s\|\s", bare):
        words = sentence.split()
        run: list[str] = []
        for index, word in enumerate(words):
            core = word.strip("()[],;:.!?\"'“”‘’")
            core = re.sub(r"['’]s$", "", core)
            capital = index > 0 and core[:1].isupper() and core.lower() not in _STOP_CAPITALS
            if capital:
                run.append(core.lower())
            if not capital or word[-1:] in ",;:)(":
                pairs.update(itertools.pairwise(run))
                run = []
        pairs.update(itertools.pairwise(run))
    return titles, pairs


def shares_resource(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name the same resource: a quoted title, or two adjacent
    capitalised words ("Google Project Management Certificate", "Scrum Master")."""
    titles_a, pairs_a = resources(a)
    titles_b, pairs_b = resources(b)
    return bool(titles_a & titles_b) or bool(pairs_a & pairs_b)


def _advice(skill: _Skill) -> str:
    return f"Skill: {skill.name}. {skill.text}".strip()


# "Read 'Crucial Conversations' and 'Influence Without Authority'": a verb, then only quoted
# titles joined by commas and "and"; each title is a task of its own.
_TITLE = r"['‘\"“][^'‘’\"“”]+?[’'\"”]"
_TITLES = re.compile(rf"^(?P<verb>[A-Z][a-z]+) (?P<titles>{_TITLE}(?:, {_TITLE})*,? and {_TITLE})$")


def _skill_task_names(skill: _Skill) -> list[str]:
    """Task names for a skill of its own: its advice's first sentence (else its name), one a
    title when that sentence is a verb over several quoted titles."""
    first = _SENTENCE_BREAK.split(skill.text, maxsplit=1)[0].strip()
    first = re.sub(r"\.(['’\"”]?)$", r"\1", first).strip()  # "…Authority.'" → "…Authority'"
    several = _TITLES.match(first)
    if several is None:
        return [first or skill.name]
    titles = re.findall(_TITLE, several["titles"])
    return [f"{several['verb']} {title}" for title in titles]


_SMALL_WORDS = frozenset({"a", "an", "and", "the", "of", "to", "for", "in", "on", "with", "your"})


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - _SMALL_WORDS


def _phase_named_like(name: str, phases: list[DraftPhase]) -> DraftPhase | None:
    """The phase whose name shares the most words with ``name`` (the earliest on a tie), or
    None when no phase's name shares one."""
    wanted = _words(name)
    best = max(phases, key=lambda phase: (len(wanted & _words(phase.name)), -phases.index(phase)))
    return best if wanted & _words(best.name) else None


def _arrange(reading: _Reading, source: str) -> Draft:
    title = reading.title or source
    header: list[str] = []
    main, _, subtitle = title.partition(": ")
    if main.strip() and subtitle.strip():
        # "From X to Y: Your 8-Month Transition Guide": the plan is the move, not the guide.
        title = main.strip()
        header.append(f"Subtitle: {subtitle.strip()}")
    draft = Draft(plan_id=short_slug(title, "plan"), title=title, source=source)
    draft.notes.extend(reading.notes)
    for number, line in reading.unplaced:
        draft.notes.append(Note(number, f"not read as part of a roadmap: '{line[:80]}'"))
    ids = IdMaker()
    phases = []
    for phase in reading.phases:
        if phase.tasks:
            phases.append(phase)
        else:
            draft.notes.append(Note(phase.line, f"the phase '{phase.name}' has no tasks; left out"))
    for phase in phases:
        phase.id = ids.make(phase.name, "phase")
        for task in phase.tasks:
            task.id = ids.make(task.name)
    draft.phases = phases
    if not phases:
        return draft
    roadmap_tasks = [task for phase in phases for task in phase.tasks]
    if reading.actions:
        first = phases[0]
        actions = [
            DraftTask(
                ids.make(action.name),
                action.name,
                action.line,
                deadline=action.deadline,
                priority=action.priority,
                weight=action.weight,
                weight_note=(
                    "a small step next to a roadmap task, so that it makes its deadline"
                    if action.weight is not None
                    else None
                ),
            )
            for action in reading.actions
        ]
        first.tasks[:0] = actions
        first.mode = "interleave"
        first.mode_note = (
            "the action plan's items open this phase; interleaving lets the most urgent of "
            "them go first"
        )
    named = _ResourceIndex(roadmap_tasks)
    roomiest = _Rooms(phases)
    unmerged: list[_Skill] = []
    skill_tasks: dict[int, list[DraftTask]] = {}  # the tasks each skill went into
    for skill in reading.skills:
        merged = named.sharing(_SENTENCE_BREAK.split(skill.text, maxsplit=1)[0])
        for task in merged:
            task.skills.append(skill.name)
            task.description = "\n".join(filter(None, [task.description, _advice(skill)]))
        if not merged:
            unmerged.append(skill)
        skill_tasks[id(skill)] = merged
    # A skill whose name shares a word with a phase's name goes there first (AI Ethics → AI
    # Specialization); the others then fill the phases whose weeks fit them best.
    by_name = {id(skill): _phase_named_like(skill.name, phases) for skill in unmerged}
    for skill in sorted(unmerged, key=lambda skill: by_name[id(skill)] is None):
        names = _skill_task_names(skill)
        for name in names:
            phase = roomiest.take(by_name[id(skill)])
            key = ids.make(skill.name if len(names) == 1 else name)
            task = DraftTask(key, name, skill.line, description=_advice(skill))
            task.skills.append(skill.name)
            phase.tasks.append(task)
            skill_tasks[id(skill)] = [*skill_tasks.get(id(skill), []), task]
    for skill in reading.skills:
        _add_practices(skill, skill_tasks.get(id(skill), []), phases, ids)
    if reading.overview:
        phases[0].description = " ".join(
            filter(None, [" ".join(reading.overview), phases[0].description])
        )
    for phase in phases:
        if phase.weeks is None:
            phase.weeks = max(1, sum(1 for task in phase.tasks if task.minutes is None))
            phase.weeks_note = (
                f"the guide gives no length for this phase (line {phase.line}); "
                "a week a task until you set it"
            )
    header.extend(_header(reading))
    draft.header = header
    return draft


# A later sentence of a skill's advice that names a rhythm to keep ("Practice facilitating
# ceremonies", "Stay updated with AI regulations") becomes a habit; one that adds a resource
# ("Supplement with fast.ai …") a task of its own. Other sentences stay in the description.
_PRACTICE = re.compile(r"^(Practice|Stay (?:updated|current|informed)|Keep up)\b")
_SUPPLEMENT = re.compile(r"^Supplement with\b")
PRACTICE_RHYTHM = "30m a week"


def _add_practices(
    skill: _Skill, tasks: list[DraftTask], phases: list[DraftPhase], ids: IdMaker
) -> None:
    """The habits and extra tasks a skill's later sentences name, in the phase of the last
    task the skill went into; a habit starts after that task when the skill has just one."""
    if not tasks:
        return
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(skill.text)[1:]]
    home = next(phase for phase in phases if any(t is tasks[-1] for t in phase.tasks))
    for sentence in sentences:
        name = re.sub(r"\.(['’\"”]?)$", r"\1", sentence).strip()
        practice = bool(_PRACTICE.match(name))
        if not practice and not _SUPPLEMENT.match(name):
            continue
        task = DraftTask(ids.make(name), name, skill.line, description=_advice(skill))
        task.skills.append(skill.name)
        if practice:
            task.every = PRACTICE_RHYTHM
            if len(tasks) == 1 and tasks[0].id:
                task.after = [tasks[0].id]
        home.tasks.append(task)


class _ResourceIndex:
    """The roadmap tasks by the resources their names hold, so that finding the tasks a skill
    shares a resource with costs a look-up per resource rather than a comparison per task."""

    def __init__(self, tasks: list[DraftTask]) -> None:
        self.order = {id(task): index for index, task in enumerate(tasks)}
        self.by_resource: dict[tuple[str, object], list[DraftTask]] = {}
        for task in tasks:
            for key in _keys(task.name):
                self.by_resource.setdefault(key, []).append(task)

    def sharing(self, text: str) -> list[DraftTask]:
        """The tasks that share a resource with ``text``, in roadmap order."""
        found = {id(task): task for key in _keys(text) for task in self.by_resource.get(key, ())}
        return sorted(found.values(), key=lambda task: self.order[id(task)])


def _keys(text: str) -> set[tuple[str, object]]:
    titles, pairs = resources(text)
    return {("title", title) for title in titles} | {("words", pair) for pair in pairs}


class _Rooms:
    """The phase whose weeks fit one more task best: the most weeks a task once it is added,
    the earliest on a tie (phases without a length count as one week). A heap keeps each
    choice a logarithm of the number of phases."""

    def __init__(self, phases: list[DraftPhase]) -> None:
        self.phases = phases
        self.heap = [self._entry(index) for index in range(len(phases))]
        heapq.heapify(self.heap)

    def _entry(self, index: int) -> tuple[Fraction, int, int]:
        phase = self.phases[index]
        return -Fraction(phase.weeks or 1, len(phase.tasks) + 1), index, len(phase.tasks)

    def take(self, phase: DraftPhase | None = None) -> DraftPhase:
        """``phase``, or else the roomiest one; the caller adds one task to it."""
        if phase is not None:
            index, count = self.phases.index(phase), len(phase.tasks)
            heapq.heappush(self.heap, (-Fraction(phase.weeks or 1, count + 2), index, count + 1))
            return phase
        while True:
            _, index, count = heapq.heappop(self.heap)
            if count == len(self.phases[index].tasks):  # else a stale entry
                break
        phase = self.phases[index]
        heapq.heappush(self.heap, (-Fraction(phase.weeks or 1, count + 2), index, count + 1))
        return phase


def _header(reading: _Reading) -> list[str]:
    lines = []
    if reading.skills:
        lines.append(
            'Each skill of "Skills You\'ll Need to Learn" is merged into the roadmap tasks that '
            "name the same resource, or added as a task (one a title for 'Read X and Y') to the "
            "phase whose name shares a word with the skill's, else to the phase with the most "
            "weeks per task; its advice is the description."
        )
    if reading.actions:
        lines.append(
            'The "Start Your Journey Now" actions open the first phase, due +1w (This Week), '
            "+1mo (This Month) or +90d (Next 90 Days) after the start."
        )
    for kind, (first, last) in sorted(reading.left_out.items(), key=lambda item: item[1]):
        if kind == "overview":
            where = "the first phase's description"
            lines.append(f"{_PROSE_KINDS[kind]} (lines {first}-{last}) is {where}.")
        else:
            lines.append(f"{_PROSE_KINDS[kind]} (lines {first}-{last}) is prose, left out.")
    return lines
