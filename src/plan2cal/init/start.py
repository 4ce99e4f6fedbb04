"""``plan2cal init``: a plan file (and, for checked boxes, its progress file) from a guide, a
Markdown roadmap or a few answers, written without overwriting anything by accident."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from plan2cal.errors import OutputError, PlanError, UsageError
from plan2cal.files import FileWrite, commit, remove_stale_temporaries
from plan2cal.init.draft import SHOWN_LINES, Draft
from plan2cal.init.guide import is_guide, read_guide
from plan2cal.init.markdown import looks_like_markdown, read_markdown
from plan2cal.init.questions import Answers, default_answers, starter_draft
from plan2cal.init.writer import plan_text
from plan2cal.load import read_input_bytes
from plan2cal.locking import hold_locks
from plan2cal.progress import Progress, load_progress, progress_bytes, progress_path, with_done

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
# What plan files are written in (load.py reads each); a YAML plan's comments would otherwise
# pass for Markdown headings.
PLAN_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
_PLAN_KEY = re.compile(r"^plan\s*[:=]", re.MULTILINE)
_PHASES_KEY = re.compile(r"^(?:phases\s*[:=]|\[\[phases\]\])", re.MULTILINE)
EXPECTED = (
    "expected a roadmap guide (a 'Your Learning Roadmap' heading, then each phase's name and "
    "a line such as '8 weeks- first task', then '- task' lines) or Markdown ('## Phase "
    "(8 weeks)' headings over '- [ ] task' lines)"
)


@dataclass(frozen=True)
class Written:
    """What ``init`` wrote: the plan, the progress file when tasks were already done, the
    draft it came from (for its notes) and the tasks recorded as done."""

    plan_file: Path
    progress_file: Path | None
    draft: Draft
    done: dict[str, dt.date]


def source_text(path: Path) -> str:
    """The text of a guide or Markdown file; PlanError for a file that is not text or empty."""
    raw = read_input_bytes(path)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PlanError(f"{path}:1: the file is UTF-16 text; save it as UTF-8. {EXPECTED}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanError(f"{path}:{line}: the file is not UTF-8 text; {EXPECTED}") from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise PlanError(f"{path}:{line}: the file is not text (it holds NUL bytes); {EXPECTED}")
    if not text.strip():
        raise PlanError(f"{path}: the file is empty; {EXPECTED}")
    return text


def read_source(path: Path, today: dt.date, timezone: str | None = None) -> Draft:
    """A draft from a guide or a Markdown roadmap at ``path``; ``today`` dates the boxes
    checked without a date, ``timezone`` becomes the plan's.

    PlanError (exit 3) when the file holds no phase, showing the first lines it could not
    place.
    """
    text = source_text(path)
    if path.suffix.lower() in PLAN_SUFFIXES or (
        _PLAN_KEY.search(text) and _PHASES_KEY.search(text)
    ):
        raise PlanError(
            f"{path} is a plan file already, not a guide or a Markdown roadmap; check it with "
            f"'plan2cal check {path}' or schedule it with 'plan2cal schedule {path}'"
        )
    markdown = not is_guide(text) and (
        path.suffix.lower() in MARKDOWN_SUFFIXES or looks_like_markdown(text)
    )
    draft = read_markdown(text, path.name, today) if markdown else read_guide(text, path.name)
    if not draft.phases:
        kind = "Markdown roadmap" if markdown else "roadmap guide"
        shown = [
            f"  line {note.line}: {note.text}"
            for note in sorted(draft.notes, key=lambda note: note.line)[:SHOWN_LINES]
        ]
        lines = ("\nFirst lines it could not place:\n" + "\n".join(shown)) if shown else ""
        raise PlanError(f"{path}: no phase found, so this is no {kind}; {EXPECTED}.{lines}")
    draft.timezone = timezone
    return draft


def write_plan(
    draft: Draft, plan_file: Path, *, force: bool, lock_timeout: float = 60.0
) -> Written:
    """Write the draft as ``plan_file``, and its done tasks into the progress file beside it.

    An existing plan is replaced only with ``force`` (OutputError, exit 6, otherwise). An
    existing progress file keeps every entry: the done tasks are added to it. Both files are
    written in one transaction under the progress file's lock, the progress file first, so a
    run killed between the two leaves no plan that claims progress it does not have.
    """
    text, _ = plan_text(draft)
    progress_file = progress_path(plan_file)
    done = draft.done()
    with hold_locks([progress_file], timeout=lock_timeout):
        if plan_file.exists() and not force:
            raise OutputError(
                f"{plan_file} exists already; pass --force to replace it, or choose another "
                "file with -o"
            )
        if plan_file.is_dir():
            raise OutputError(f"cannot write {plan_file}: it is a folder; name a file with -o")
        remove_stale_temporaries([progress_file, plan_file])
        writes = []
        if done:
            progress = load_progress(progress_file) if progress_file.exists() else Progress()
            for task_id, day in done.items():
                progress = with_done(progress, task_id, day)
            writes.append(FileWrite(progress_file, progress_bytes(progress)))
        writes.append(FileWrite(plan_file, text.encode("utf-8")))
        commit(writes)
    return Written(plan_file, progress_file if done else None, draft, done)


def default_plan_file(source: Path | None, draft: Draft) -> Path:
    """Where the plan goes without ``-o``: ``<source stem>.yaml``, or ``<plan id>.yaml``,
    in the current folder."""
    return Path(f"{source.stem if source is not None else draft.plan_id}.yaml")


def init_plan(
    source: Path | None,
    plan_file: Path | None,
    *,
    today: dt.date,
    zone: str,
    answers: Answers | None = None,
    force: bool = False,
) -> Written:
    """What ``plan2cal init`` does: a draft from ``source`` (or from ``answers``, else the
    defaults), written to ``plan_file`` (or its default) with the progress of checked boxes.

    UsageError when the plan would replace its own source, whatever ``force`` says.
    """
    if source is not None:
        draft = read_source(source, today, zone)
    else:
        try:
            draft = starter_draft(answers or default_answers(today, zone))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    target = plan_file or default_plan_file(source, draft)
    if source is not None and os.path.realpath(target) == os.path.realpath(source):
        raise UsageError(f"{target} is the source itself; choose another plan file with -o")
    return write_plan(draft, target, force=force)
