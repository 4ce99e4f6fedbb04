"""The progress file: what got done, and the settings pinned by the first run that wrote outputs.

The file sits beside the plan as ``<plan stem>.progress.yaml``::

    # plan2cal progress: what got done. Edit freely; plan2cal done / log / undo keep every entry.
    settings:
      start: 2026-12-07
      timezone: Europe/Berlin
      budget:
        - {from: 2026-12-07, hours_per_week: 10}
      formats: [ics]
      output: ../out
      push: {url: "https://cal.example.org/dav/alice/roadmap/", user: alice}
    tasks:
      google-pm-certificate:
        log:
          - {date: 2027-01-12, duration: 6h}
          - {date: 2027-01-19, duration: 1h30m}
        done: 2027-02-10
        note: finished the capstone early

The settings live here rather than in the state beside the outputs because every command finds
this file from the plan's path alone: ``done`` and ``log`` need the start to judge a date,
``status`` and ``fit`` the budget and the output folder, and none of them should need a flag to
agree with the last ``schedule``. Paths in the settings are relative to this file's folder.

A file written before settings existed (task ids at the top level) still reads; the next write
moves its tasks under ``tasks:``.

People edit it by hand, so it is read like a plan file: every problem names the file, the line and
the field, and a misspelt key gets a "did you mean". Writers read the whole file first, so a file
that does not read is never overwritten, then write it back whole and atomically. A rewrite keeps
every task, entry and note, the file's task order (new task ids go at the end) and the header
line; other comments and the original layout are not kept, and durations come back in the
canonical form (``90m`` becomes ``1h30m``). The ``note`` field is the place for remarks. Progress
for ids the plan no longer has is kept, for the caller to report.

This module is a library: dates are passed in, nothing is printed and the clock is never read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Collection, Iterable, Sequence
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

from plan2cal.diagnostics import LineMap, Location, closest, problem_line, suggest
from plan2cal.durations import duration_text
from plan2cal.errors import PlanError, ProgressError, UsageError
from plan2cal.files import write_atomic
from plan2cal.load import read_document, read_input_bytes
from plan2cal.model import (
    SLUG_PATTERN,
    Duration,
    StrictModel,
    check_date_in_range,
    check_hours_per_week,
    check_timezone,
)

HEADER = (
    "# plan2cal progress: what got done."
    " Edit freely; plan2cal done / log / undo keep every entry.\n"
)
# Longest single log entry. An entry is usually a day's work, but catching up ("25h in
# January, logged on the 31st") is common, so the bound only keeps absurd numbers out.
LONGEST_LOG_ENTRY = 1000 * 60

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECTIONS = ("settings", "tasks")


class UnknownTaskError(UsageError):
    """A task id given on the command line is not in the plan (exit code 2, a usage error)."""


def _calendar_date(value: object) -> object:
    # YAML reads 2027-01-12 as a date; a quoted "2027-01-12" is a string. Anything else (a number,
    # a date and time) is refused rather than guessed at: pydantic would read 20270112 as seconds.
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{value}' is a date and time; write the date alone, e.g. 2027-01-04")
    if isinstance(value, dt.date):
        return check_date_in_range(value)
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a real date") from None
        return check_date_in_range(day)
    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04")


def _bounded_log_entry(minutes: int) -> int:
    # parse_duration rounds to whole minutes; 0.001 (hours) would be written back as 0m, which
    # is not a duration, and the next read would fail on a file plan2cal wrote itself.
    if minutes < 1:
        raise ValueError("must be at least one minute")
    if minutes > LONGEST_LOG_ENTRY:
        raise ValueError(
            f"{duration_text(minutes)} is more than one log entry may hold "
            f"({duration_text(LONGEST_LOG_ENTRY)}); split it over the days of the work"
        )
    return minutes


def _hours_per_week(value: float) -> float:
    check_hours_per_week(value)
    return value


def _not_true_or_false(value: object) -> object:
    # A lax float field reads true as 1.0: a budget of "true" would silently become 1 h a week.
    if isinstance(value, bool):
        raise ValueError("must be a number of hours, not true or false")
    return value


def _file_name(value: str) -> str:
    # No file name holds a NUL ("\0" in double quotes); every later use of the path would fail.
    if "\0" in value:
        raise ValueError(f"{value!r} contains a NUL character, which no file name can hold")
    return value


def _known_zone(value: str) -> str:
    check_timezone(value)
    return value


CalendarDate = Annotated[dt.date, BeforeValidator(_calendar_date)]
LoggedTime = Annotated[Duration, AfterValidator(_bounded_log_entry)]
WeeklyHours = Annotated[float, AfterValidator(_hours_per_week), BeforeValidator(_not_true_or_false)]
PinnedPath = Annotated[str, AfterValidator(_file_name)]
ZoneName = Annotated[str, AfterValidator(_known_zone)]
# No max_length, unlike a plan's explicit ids: an id derived from a long task name can be longer.
TaskId = Annotated[str, Field(pattern=SLUG_PATTERN)]


class LogEntry(StrictModel):
    """Time spent on a task on one day; ``duration`` is in minutes once read.

    ``remaining``, when given, re-estimates the task: the minutes still to do after this entry.
    """

    date: CalendarDate
    duration: LoggedTime
    remaining: Duration | None = None


class TaskProgress(StrictModel):
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

    @property
    def remaining(self) -> int | None:
        """Minutes still to do by the last re-estimate, less the time logged after it; None
        when the task was never re-estimated (its plan estimate less the time logged holds)."""
        for index in range(len(self.log) - 1, -1, -1):
            estimate = self.log[index].remaining
            if estimate is not None:
                later = sum(entry.duration for entry in self.log[index + 1 :])
                return max(0, estimate - later)
        return None


class BudgetChange(StrictModel):
    """The weekly budget from a day on; earlier weeks keep the budget they had."""

    model_config = ConfigDict(populate_by_name=True)

    since: CalendarDate = Field(alias="from")
    hours_per_week: WeeklyHours


def _calendar_url(value: str) -> str:
    # The URL is printed in every push summary and sent in every request: no spaces or control
    # characters, no password (it would sit in this file in clear), a sane length.
    if len(value) > _LONGEST_URL:
        raise ValueError(f"a calendar URL of {len(value)} characters is too long")
    if not re.fullmatch(r"https?://[^\s/@?#]+(/[^\s?#]*)?", value) or any(
        ord(char) < 32 or ord(char) == 127 for char in value
    ):
        raise ValueError(
            f"{value!r} is not a calendar URL: write https://host/path/ without a user or a "
            "password"
        )
    return value


def _user_name(value: str) -> str:
    if not value or len(value) > _LONGEST_USER or any(ord(char) < 32 for char in value):
        raise ValueError(f"{value!r} is not a user name")
    return value


_LONGEST_URL = 2000
_LONGEST_USER = 256


class PushTarget(StrictModel):
    """The calendar ``push`` keeps in step: its collection URL, the user, and the certificate
    authority to trust (a file, relative to the progress file's folder). Never a password."""

    url: Annotated[str, AfterValidator(_calendar_url)]
    user: Annotated[str, AfterValidator(_user_name)] | None = None
    ca_cert: PinnedPath | None = None


class Settings(StrictModel):
    """What the first run that wrote outputs pinned, so every later command agrees with it.

    ``output`` and ``jira_keys`` are paths relative to the progress file's folder.
    """

    start: CalendarDate | None = None
    timezone: ZoneName | None = None
    budget: list[BudgetChange] = Field(default_factory=list)
    formats: list[Annotated[str, Field(pattern=r"^[a-z]+$")]] = Field(default_factory=list)
    output: PinnedPath | None = None
    jira_keys: PinnedPath | None = None
    push: PushTarget | None = None  # set by the first push; schedule then pushes too
    # Public holiday regions (DE-BE); None: never pinned, [] pinned as none.
    holidays: list[Annotated[str, Field(max_length=60)]] | None = Field(None, max_length=20)

    @field_validator("budget")
    @classmethod
    def _in_order(cls, value: list[BudgetChange]) -> list[BudgetChange]:
        for before, after in itertools.pairwise(value):
            if after.since <= before.since:
                raise ValueError("budget changes must be in date order, one a day at most")
        return value

    @property
    def hours_per_week(self) -> float | None:
        """The budget now: the last change's."""
        return self.budget[-1].hours_per_week if self.budget else None

    @property
    def first_hours_per_week(self) -> float | None:
        """The budget of the first run: the effort basis of a plan that names none."""
        return self.budget[0].hours_per_week if self.budget else None

    @property
    def is_empty(self) -> bool:
        """True when nothing is pinned."""
        return self == Settings()


class Progress(StrictModel):
    """The whole progress file: pinned settings, and task id → its progress in file order."""

    settings: Settings = Settings()
    tasks: dict[TaskId, TaskProgress] = Field(default_factory=dict)

    def spent(self, task_id: str) -> int:
        """Minutes logged on ``task_id``; 0 when it has no entry."""
        task = self.tasks.get(task_id)
        return task.spent if task is not None else 0

    def remaining(self, task_id: str) -> int | None:
        """The re-estimated minutes left of ``task_id``, or None without a re-estimate."""
        task = self.tasks.get(task_id)
        return task.remaining if task is not None else None

    def done_on(self, task_id: str) -> dt.date | None:
        """The day ``task_id`` was done, or None while it is not."""
        task = self.tasks.get(task_id)
        return task.done if task is not None else None

    def unknown(self, known_ids: Iterable[str]) -> list[str]:
        """Task ids with progress that the plan does not have, in file order."""
        known = set(known_ids)
        return [task_id for task_id in self.tasks if task_id not in known]


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


def load_progress(path: Path, formats: Collection[str] = ()) -> Progress:
    """Read and validate a progress file; a missing or empty file is no progress at all.

    ``formats``, when given, are the output format names a pinned setting may name. Raises
    ProgressError naming ``file:line: field`` for anything it cannot read.
    """
    _check_suffix(path)
    # os.path.exists, not Path.exists: a name too long to exist holds no progress yet.
    if not os.path.exists(path):
        return Progress()
    try:
        raw = read_input_bytes(path)
    except PlanError as exc:
        raise ProgressError(str(exc)) from None
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
    legacy = not set(data) & set(_SECTIONS)
    if legacy:
        return Progress(tasks=_validated(path, _TASKS, data, (), lines))
    _check_sections(path, data, lines())
    settings = _validated(path, _SETTINGS, data.get("settings") or {}, ("settings",), lines)
    for index, name in enumerate(settings.formats):
        if formats and name not in formats:
            where = ("settings", "formats", index)
            known = ", ".join(formats)
            raise ProgressError(
                problem_line(path, where, f"'{name}' is not an output format; use {known}", lines())
            )
    return Progress(
        settings=settings,
        tasks=_validated(path, _TASKS, data.get("tasks") or {}, ("tasks",), lines),
    )


def _validated(
    path: Path, adapter: TypeAdapter[Any], data: object, section: Location, lines: Any
) -> Any:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise ProgressError(_describe(path, exc, lines(), section)) from None


_TASKS: TypeAdapter[dict[str, TaskProgress]] = TypeAdapter(dict[TaskId, TaskProgress])
_SETTINGS: TypeAdapter[Settings] = TypeAdapter(Settings)


def _check_sections(path: Path, data: dict[Any, Any], lines: LineMap) -> None:
    for key in data:
        if key not in _SECTIONS:
            line = lines.get((str(key),), 1)
            raise ProgressError(
                f"{path}:{line}: {key}: unknown section '{key}'"
                + (suggest(str(key), _SECTIONS) or "; the file has settings: and tasks:")
            )
    for key in _SECTIONS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            line = lines.get((key,), 1)
            raise ProgressError(f"{path}:{line}: {key}: must be a mapping")


def with_done(progress: Progress, task_id: str, on: dt.date) -> Progress:
    """``task_id`` marked done on ``on``; done again replaces the date."""
    task = progress.tasks.get(task_id, TaskProgress())
    return _with_task(progress, task_id, task.model_copy(update={"done": on}))


def with_log(
    progress: Progress,
    task_id: str,
    minutes: int,
    on: dt.date,
    remaining: int | None = None,
) -> Progress:
    """``minutes`` more spent on ``task_id`` on ``on``, as a new entry; ``remaining``, when
    given, re-estimates what is left of the task after it.

    Each call adds an entry, also on a day already logged, so ``without_last`` takes back
    exactly one. ``minutes`` below one is a caller's mistake: ValueError.
    """
    if minutes < 1:
        raise ValueError(f"a log entry needs at least one minute, not {minutes}")
    task = progress.tasks.get(task_id, TaskProgress())
    # duration_text, not the int: a number given to Duration is read as hours.
    entry = LogEntry(
        date=on,
        duration=duration_text(minutes),
        remaining=duration_text(remaining) if remaining else None,
    )
    return _with_task(progress, task_id, task.model_copy(update={"log": [*task.log, entry]}))


def without_last(progress: Progress, task_id: str) -> tuple[Progress, str]:
    """Take back the task's last entry: its done date if set, else its last log entry.

    Returns the new progress and a sentence saying what was removed. A task left with nothing
    (no date, no entry, no note) leaves the file. UsageError when there is nothing to undo.
    """
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
        raise UsageError(f"'{task_id}' has nothing to undo: it is not done and has no time logged")
    return _with_task(progress, task_id, task), removed


def with_settings(progress: Progress, settings: Settings) -> Progress:
    """The progress with other pinned settings."""
    return progress.model_copy(update={"settings": settings})


def record_done(path: Path, task_id: str, on: dt.date) -> Progress:
    """Mark ``task_id`` done on ``on`` in the file at ``path`` (read, change, write atomically)."""
    return _save(path, with_done(load_progress(path), task_id, on))


def record_log(path: Path, task_id: str, minutes: int, on: dt.date) -> Progress:
    """Add ``minutes`` spent on ``task_id`` on ``on`` to the file at ``path``."""
    if minutes < 1:
        raise ValueError(f"a log entry needs at least one minute, not {minutes}")
    return _save(path, with_log(load_progress(path), task_id, minutes, on))


def undo_last(path: Path, task_id: str) -> tuple[Progress, str]:
    """Take back the task's last entry in the file at ``path``; see ``without_last``."""
    progress, removed = without_last(load_progress(path), task_id)
    return _save(path, progress), removed


def progress_bytes(progress: Progress) -> bytes:
    """The file's text: the header, the pinned settings, then each task with its entries."""
    data: dict[str, Any] = {}
    settings = _dump_settings(progress.settings)
    if settings:
        data["settings"] = settings
    tasks: dict[str, dict[str, Any]] = {}
    for task_id, task in progress.tasks.items():
        if task.is_empty:
            continue
        fields: dict[str, Any] = {}
        if task.log:
            fields["log"] = [_dump_entry(entry) for entry in task.log]
        if task.done is not None:
            fields["done"] = task.done
        if task.note is not None:
            fields["note"] = task.note
        tasks[task_id] = fields
    if tasks:
        data["tasks"] = tasks
    if not data:
        return HEADER.encode()
    body = yaml.dump(
        data,
        Dumper=_ProgressDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        # One line per note, however long: the file is read by people and diffed.
        width=1_000_000,
    )
    return (HEADER + body).encode("utf-8")


def _dump_entry(entry: LogEntry) -> _FlowMapping:
    fields = _FlowMapping(date=entry.date, duration=duration_text(entry.duration))
    if entry.remaining is not None:
        fields["remaining"] = duration_text(entry.remaining)
    return fields


def _dump_settings(settings: Settings) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if settings.start is not None:
        fields["start"] = settings.start
    if settings.timezone is not None:
        fields["timezone"] = settings.timezone
    if settings.budget:
        fields["budget"] = [
            _FlowMapping({"from": change.since, "hours_per_week": _number(change.hours_per_week)})
            for change in settings.budget
        ]
    if settings.formats:
        fields["formats"] = _FlowList(settings.formats)
    if settings.output is not None:
        fields["output"] = settings.output
    if settings.jira_keys is not None:
        fields["jira_keys"] = settings.jira_keys
    if settings.push is not None:
        fields["push"] = _FlowMapping(settings.push.model_dump(exclude_none=True))
    if settings.holidays is not None:
        fields["holidays"] = _FlowList(settings.holidays)
    return fields


def _number(value: float) -> float | int:
    """10.0 → 10, as a person writes it; 7.5 stays."""
    return int(value) if value.is_integer() else value


def _with_task(progress: Progress, task_id: str, task: TaskProgress) -> Progress:
    tasks = dict(progress.tasks)
    if task.is_empty:
        tasks.pop(task_id, None)
    else:
        tasks[task_id] = task  # an existing id keeps its place; a new one goes last
    return progress.model_copy(update={"tasks": tasks})


def _save(path: Path, progress: Progress) -> Progress:
    write_atomic(path, progress_bytes(progress))
    return progress


class _FlowMapping(dict[str, Any]):
    """A mapping written on one line, ``{date: 2027-01-12, duration: 6h}``."""


class _FlowList(list[str]):
    """A list written on one line, ``[ics, jira]``."""


class _ProgressDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        # Equal dates would come out as &id001 / *id001, which plan2cal refuses to read back.
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key ("  log:\n    - …"), as people write them by hand.
        super().increase_indent(flow, False)


def _represent_flow_mapping(dumper: yaml.SafeDumper, value: _FlowMapping) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_ProgressDumper.add_representer(_FlowMapping, _represent_flow_mapping)
_ProgressDumper.add_representer(_FlowList, _represent_flow_list)


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


def _describe(path: Path, exc: ValidationError, lines: LineMap, section: Location) -> str:
    """Each error as ``file:line: field: message``; ``section`` is where the data sat."""
    errors = exc.errors(include_url=False)
    # "duraton" is both an unknown field and a missing "duration": say it once, as the typo.
    misspelt = {
        (*error["loc"][:-1], closest(str(error["loc"][-1]), _siblings(section, error["loc"])))
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
        if loc and section != ("settings",):
            # The line map has every mapping key as text; YAML may have read an id as a number.
            loc = (str(loc[0]), *loc[1:])
        text = _message(error, loc, key_error, section)
        messages.append(problem_line(path, (*section, *loc), text, lines))
    if len(messages) == 1:
        return messages[0]
    return "the progress file is not valid:\n" + "\n".join(f"  {m}" for m in messages)


def _message(error: Any, loc: Location, key_error: bool, section: Location) -> str:
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
        return f"unknown field '{field}'" + suggest(field, _siblings(section, loc))
    if kind == "missing":
        return "this field is required"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if section == ("settings",):
            return "must be a mapping"
        if len(loc) > 1:
            return "a log entry is a mapping such as {date: 2027-01-12, duration: 1h30m}"
        return "a task's progress is a mapping with done, log and note"
    if kind == "list_type":
        if section == ("settings",):
            return "must be a list"
        return "the log is a list of entries such as - {date: 2027-01-12, duration: 1h30m}"
    if kind == "string_type":
        return "must be text; put it in quotes"
    if kind == "string_pattern_mismatch" and section == ("settings",):
        return f"'{error['input']}' is not an output format name"
    message = str(error["msg"])
    return (message[0].lower() + message[1:]).replace("input should be", "must be")


def _siblings(section: Location, loc: Location) -> list[str]:
    if section == ("settings",):
        # (field) is a Settings field; (budget, n, field) a BudgetChange field.
        if len(loc) == 1:
            return list(Settings.model_fields)
        if loc[0] == "push":
            return list(PushTarget.model_fields)
        return ["from", "hours_per_week"]
    # (task, field) is a TaskProgress field; (task, "log", n, field) a LogEntry field.
    model: type[BaseModel] = TaskProgress if len(loc) == 2 else LogEntry
    return list(model.model_fields)
