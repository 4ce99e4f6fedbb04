"""The progress file: what got done, read strictly and rewritten atomically without losing an entry.

The file sits beside the plan as ``<plan stem>.progress.yaml`` and is keyed by task id::

    # plan2cal progress: what got done. Edit freely; plan2cal done / log / undo keep every entry.
    google-pm-certificate:
      log:
        - {date: 2027-01-12, duration: 6h}
        - {date: 2027-01-19, duration: 1h30m}
      done: 2027-02-10
      note: finished the capstone early

People edit it by hand, so it is read like a plan file: every problem names the file, the line and
the field, and a misspelt key gets a "did you mean". ``record_done``, ``record_log`` and
``undo_last`` read the whole file first, so a file that does not read is never overwritten, then
write it back whole and atomically. A rewrite keeps every task, entry and note, the file's task
order (new task ids go at the end) and the header line; other comments and the original layout are
not kept, and durations come back in the canonical form (``90m`` becomes ``1h30m``). The ``note``
field is the place for remarks. Progress for ids the plan no longer has is kept, for the caller to
report.

This module is a library: dates are passed in, nothing is printed and the clock is never read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from plan2cal.diagnostics import LineMap, Location, closest, location_text, suggest
from plan2cal.durations import duration_text
from plan2cal.errors import Plan2CalError, PlanError, ProgressError
from plan2cal.files import write_atomic
from plan2cal.load import read_document
from plan2cal.model import SLUG_PATTERN, Duration

HEADER = (
    "# plan2cal progress: what got done."
    " Edit freely; plan2cal done / log / undo keep every entry.\n"
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownTaskError(Plan2CalError):
    """A task id given on the command line is not in the plan (exit code 2, a usage error)."""

    exit_code = 2


def _calendar_date(value: object) -> object:
    # YAML reads 2027-01-12 as a date; a quoted "2027-01-12" is a string. Anything else (a number,
    # a date and time) is refused rather than guessed at: pydantic would read 20270112 as seconds.
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{value}' is a date and time; write the date alone, e.g. 2027-01-04")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a real date") from None
    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04")


def _at_least_a_minute(minutes: int) -> int:
    # parse_duration rounds to whole minutes; 0.001 (hours) would be written back as 0m, which
    # is not a duration, and the next read would fail on a file plan2cal wrote itself.
    if minutes < 1:
        raise ValueError("must be at least one minute")
    return minutes


CalendarDate = Annotated[dt.date, BeforeValidator(_calendar_date)]
LoggedTime = Annotated[Duration, AfterValidator(_at_least_a_minute)]
# No max_length, unlike a plan's explicit ids: an id derived from a long task name can be longer.
TaskId = Annotated[str, Field(pattern=SLUG_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogEntry(_Strict):
    """Time spent on a task on one day; ``duration`` is in minutes once read."""

    date: CalendarDate
    duration: LoggedTime


class TaskProgress(_Strict):
    """What happened to one task: the day it was done, the time logged on it, a remark."""

    log: list[LogEntry] = Field(default_factory=list)
    done: CalendarDate | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_entry(cls, value: object) -> object:
        # ``ml-course:`` with nothing under it is a task with no progress yet.
        return {} if value is None else value

    @field_validator("log", mode="before")
    @classmethod
    def _empty_log(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def spent(self) -> int:
        """Minutes logged on the task, all entries summed."""
        return sum(entry.duration for entry in self.log)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to keep: no done date, no log entry, no note."""
        return self.done is None and not self.log and self.note is None


class Progress(_Strict):
    """The whole progress file: task id → its progress, in the file's order."""

    tasks: dict[TaskId, TaskProgress] = Field(default_factory=dict)

    def spent(self, task_id: str) -> int:
        """Minutes logged on ``task_id``; 0 when it has no entry."""
        task = self.tasks.get(task_id)
        return task.spent if task is not None else 0

    def done_on(self, task_id: str) -> dt.date | None:
        """The day ``task_id`` was done, or None while it is not."""
        task = self.tasks.get(task_id)
        return task.done if task is not None else None

    def unknown(self, known_ids: Iterable[str]) -> list[str]:
        """Task ids with progress that the plan does not have, in file order."""
        known = set(known_ids)
        return [task_id for task_id in self.tasks if task_id not in known]


_FILE = TypeAdapter(dict[TaskId, TaskProgress])


def progress_path(plan_path: Path, override: Path | None = None) -> Path:
    """``override`` if given, else beside the plan: ``x.yaml`` → ``x.progress.yaml``."""
    if override is not None:
        return override
    return plan_path.with_name(f"{plan_path.stem}.progress.yaml")


def check_task_id(task_id: str, known_ids: Sequence[str]) -> None:
    """Raise UnknownTaskError, with a "did you mean", unless ``task_id`` is one of the plan's."""
    if task_id in known_ids:
        return
    hint = suggest(task_id, tuple(known_ids))
    if not hint:
        shown = ", ".join(known_ids[:10]) + (", …" if len(known_ids) > 10 else "")
        hint = f"; its task ids are {shown}" if known_ids else "; the plan has no tasks"
    raise UnknownTaskError(f"unknown task '{task_id}' in the plan{hint}")


def load_progress(path: Path) -> Progress:
    """Read and validate a progress file; a missing or empty file is no progress at all.

    Raises ProgressError naming ``file:line: field`` for anything it cannot read.
    """
    _check_suffix(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Progress()
    except OSError as exc:
        raise ProgressError(f"cannot read {path}: {exc.strerror or exc}") from None
    if _has_no_content(raw):
        return Progress()
    try:
        # Reads the file again: read_document takes a path, and the file is small.
        data, lines = read_document(path)
    except PlanError as exc:
        # The syntax, encoding and duplicate-key messages already say file:line: field.
        raise ProgressError(str(exc)) from None
    if data is None:
        return Progress()
    if not isinstance(data, dict):
        line = lines().get((), 1)
        raise ProgressError(
            f"{path}:{line}: the progress file must map each task id to its progress, "
            "e.g. 'ml-course:' then '  done: 2027-02-10' on the next line"
        )
    try:
        return Progress(tasks=_FILE.validate_python(data))
    except ValidationError as exc:
        raise ProgressError(_describe(path, exc, lines())) from None


def record_done(path: Path, task_id: str, on: dt.date) -> Progress:
    """Mark ``task_id`` done on ``on`` and rewrite the file; done again replaces the date."""
    progress = load_progress(path)
    task = progress.tasks.get(task_id, TaskProgress())
    return _save(path, progress, task_id, task.model_copy(update={"done": on}))


def record_log(path: Path, task_id: str, minutes: int, on: dt.date) -> Progress:
    """Add ``minutes`` spent on ``task_id`` on ``on`` and rewrite the file.

    Each call adds an entry, also on a day already logged, so ``undo_last`` takes back exactly
    one. ``minutes`` below one is a caller's mistake: ValueError.
    """
    if minutes < 1:
        raise ValueError(f"a log entry needs at least one minute, not {minutes}")
    progress = load_progress(path)
    task = progress.tasks.get(task_id, TaskProgress())
    # duration_text, not the int: a number given to Duration is read as hours.
    entry = LogEntry(date=on, duration=duration_text(minutes))
    return _save(path, progress, task_id, task.model_copy(update={"log": [*task.log, entry]}))


def undo_last(path: Path, task_id: str) -> tuple[Progress, str]:
    """Take back the task's last entry: its done date if set, else its last log entry.

    Returns the new progress and a sentence saying what was removed. A task left with nothing
    (no date, no entry, no note) leaves the file. ProgressError when there is nothing to undo.
    """
    progress = load_progress(path)
    task = progress.tasks.get(task_id, TaskProgress())
    if task.done is not None:
        removed = f"Removed the done date {task.done.isoformat()} from '{task_id}'."
        task = task.model_copy(update={"done": None})
    elif task.log:
        last = task.log[-1]
        removed = (
            f"Removed the {duration_text(last.duration)} logged for '{task_id}' "
            f"on {last.date.isoformat()}."
        )
        task = task.model_copy(update={"log": task.log[:-1]})
    else:
        raise ProgressError(
            f"{path}: '{task_id}' has nothing to undo: it is not done and has no time logged"
        )
    return _save(path, progress, task_id, task), removed


def _dump_progress(progress: Progress) -> str:
    """The file's text: the header, then each task with its log, done date and note."""
    data: dict[str, dict[str, Any]] = {}
    for task_id, task in progress.tasks.items():
        if task.is_empty:
            continue
        fields: dict[str, Any] = {}
        if task.log:
            fields["log"] = [
                _FlowMapping(date=entry.date, duration=duration_text(entry.duration))
                for entry in task.log
            ]
        if task.done is not None:
            fields["done"] = task.done
        if task.note is not None:
            fields["note"] = task.note
        data[task_id] = fields
    if not data:
        return HEADER
    body = yaml.dump(
        data,
        Dumper=_ProgressDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        # One line per note, however long: the file is read by people and diffed.
        width=1_000_000,
    )
    return HEADER + body


def _save(path: Path, progress: Progress, task_id: str, task: TaskProgress) -> Progress:
    tasks = dict(progress.tasks)
    if task.is_empty:
        tasks.pop(task_id, None)
    else:
        tasks[task_id] = task  # an existing id keeps its place; a new one goes last
    updated = Progress(tasks=tasks)
    write_atomic(path, _dump_progress(updated).encode("utf-8"))
    return updated


class _FlowMapping(dict[str, Any]):
    """A mapping written on one line, ``{date: 2027-01-12, duration: 6h}``."""


class _ProgressDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key ("  log:\n    - …"), as people write them by hand.
        super().increase_indent(flow, False)


def _represent_flow_mapping(dumper: yaml.SafeDumper, value: _FlowMapping) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


_ProgressDumper.add_representer(_FlowMapping, _represent_flow_mapping)


def _check_suffix(path: Path) -> None:
    # read_document picks the parser by suffix, and what plan2cal writes is YAML.
    if path.suffix.lower() in (".json", ".toml"):
        raise ProgressError(
            f"{path}: the progress file is YAML; give it a .yaml name, e.g. "
            f"{path.with_suffix('.yaml').name}"
        )


def _has_no_content(raw: bytes) -> bool:
    """True for an empty file or one with only blank lines and comments, such as the header."""
    text = raw.decode("utf-8-sig", errors="replace")
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _describe(path: Path, exc: ValidationError, lines: LineMap) -> str:
    errors = exc.errors(include_url=False)
    # "duraton" is both an unknown field and a missing "duration": say it once, as the typo.
    misspelt = {
        (*error["loc"][:-1], closest(str(error["loc"][-1]), _siblings(error["loc"])))
        for error in errors
        if error["type"] == "extra_forbidden"
    }
    messages = []
    for error in errors:
        loc: Location = tuple(error["loc"])
        if error["type"] == "missing" and loc in misspelt:
            continue
        key_error = bool(loc) and loc[-1] == "[key]"
        if key_error:
            loc = loc[:-1]
        if loc:
            # The line map has every mapping key as text; YAML may have read an id as a number.
            loc = (str(loc[0]), *loc[1:])
        messages.append(_line(path, loc, _message(error, loc, key_error), lines))
    if len(messages) == 1:
        return messages[0]
    return "the progress file is not valid:\n" + "\n".join(f"  {m}" for m in messages)


def _line(path: Path, loc: Location, text: str, lines: LineMap) -> str:
    where = location_text(loc)
    for size in range(len(loc), 0, -1):
        if loc[:size] in lines:
            return f"{path}:{lines[loc[:size]]}: {where}: {text}"
    return f"{path}: {where}: {text}"


def _message(error: Any, loc: Location, key_error: bool) -> str:
    kind = error["type"]
    if key_error:
        if kind == "string_pattern_mismatch":
            return (
                f"'{error['input']}' is not a valid task id: use lower-case letters, digits "
                "and hyphens"
            )
        return "a task id must be text; put it in quotes"
    if kind == "extra_forbidden":
        field = str(loc[-1])
        return f"unknown field '{field}'" + suggest(field, _siblings(loc))
    if kind == "missing":
        return "this field is required"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if len(loc) > 1:
            return "a log entry is a mapping such as {date: 2027-01-12, duration: 1h30m}"
        return "a task's progress is a mapping with done, log and note"
    if kind == "list_type":
        return "the log is a list of entries such as - {date: 2027-01-12, duration: 1h30m}"
    if kind == "string_type":
        return "must be text; put it in quotes"
    message = str(error["msg"])
    return (message[0].lower() + message[1:]).replace("input should be", "must be")


def _siblings(loc: Location) -> list[str]:
    # (task, field) is a TaskProgress field; (task, "log", n, field) a LogEntry field.
    model: type[BaseModel] = TaskProgress if len(loc) == 2 else LogEntry
    return list(model.model_fields)
