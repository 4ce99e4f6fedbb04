"""Read a plan file (YAML, TOML or JSON) into a Plan, naming file, line and field in every error."""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from plan2cal.diagnostics import LineMap, Location, location_text, problem_line, suggest
from plan2cal.errors import PlanError
from plan2cal.model import (
    Defaults,
    Milestone,
    Phase,
    Plan,
    PlanProblems,
    SessionLimits,
    Task,
)

# Which model a nested field holds, so an unknown key can be matched against its siblings.
_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (Plan, "defaults"): Defaults,
    (Plan, "phases"): Phase,
    (Plan, "milestones"): Milestone,
    (Defaults, "session"): SessionLimits,
    (Phase, "tasks"): Task,
}


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; raise PlanError with ``file:line: field: message`` lines."""
    path = Path(path)
    data, lines = read_document(path)
    if not isinstance(data, dict):
        raise PlanError(
            f"{path}: the plan must be a mapping with plan, title and phases at the top"
        )
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_describe(path, exc, lines())) from None


def read_document(path: Path) -> tuple[Any, Callable[[], LineMap]]:
    """Parse a YAML, TOML or JSON file into plain data and a way to find each field's line.

    The line map is built only when asked for: for large JSON files it costs more than the
    parse itself.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts exc.start from after the byte order mark.
        line = raw.removeprefix(codecs.BOM_UTF8)[: exc.start].count(b"\n") + 1
        raise PlanError(f"{path}:{line}: the file is not UTF-8 text") from None
    if not text.strip():
        raise PlanError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return _read_toml(path, text)
    if suffix == ".json":
        return _read_json(path, text)
    return _read_yaml(path, text)


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (2027-02-30) are errors with a line, not ValueError."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a real date ({exc})", node.start_mark
            ) from None


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", _PlanLoader.construct_yaml_timestamp)


def _read_yaml(path: Path, text: str) -> tuple[Any, Callable[[], LineMap]]:
    loader = _PlanLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlanError(f"{path}: the file is empty")
        lines: LineMap = {}
        _map_yaml_lines(path, node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise PlanError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    return data, lambda: lines


def _map_yaml_lines(path: Path, node: yaml.Node, loc: Location, lines: LineMap) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise PlanError(
                    f"{path}:{key_node.start_mark.line + 1}: {location_text((*loc, key))}: "
                    "this key appears twice; keep one"
                )
            seen.add(key)
            _map_yaml_lines(path, value_node, (*loc, key), lines)
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_yaml_lines(path, item, (*loc, index), lines)


def _read_json(path: Path, text: str) -> tuple[Any, Callable[[], LineMap]]:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path}:{exc.lineno}: JSON syntax error: {exc.msg}") from None
    except _DuplicateKeyError as exc:
        # The YAML pass names the line of the second occurrence; fall back to the key alone.
        _json_lines(path, text)
        raise PlanError(
            f"{path}: the key '{exc.key}' appears twice in one object; keep one"
        ) from None
    return data, lambda: _json_lines(path, text)


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _json_lines(path: Path, text: str) -> LineMap:
    """Field locations of a JSON file; a duplicate key raises its PlanError with the line."""
    # JSON is YAML flow syntax, so the YAML composer can tell where each field is.
    # JSON allows tabs between tokens, YAML does not; outside strings they are only spacing
    # (json.loads refuses raw tabs inside strings), so spaces keep every line where it is.
    try:
        return _read_yaml(path, text.replace("\t", " "))[1]()
    except PlanError as exc:
        if "appears twice" in str(exc):
            raise
        return {}


_TOML_HEADER = re.compile(r"^\s*\[(\[)?\s*([A-Za-z0-9_.\-\s\"']+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


def _read_toml(path: Path, text: str) -> tuple[Any, Callable[[], LineMap]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        where = f"{path}:{match.group(1)}" if match else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PlanError(f"{where}: TOML syntax error: {message}") from None
    return data, lambda: _toml_lines(text)


def _toml_lines(text: str) -> LineMap:
    """Where each table, array-of-tables entry and key starts (inline tables map to their key)."""
    lines: LineMap = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Location = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header and not _TOML_KEY.match(line):
            names = tuple(part.strip().strip("\"'") for part in header.group(2).split("."))
            loc: list[str | int] = []
            for depth, name in enumerate(names):
                loc.append(name)
                prefix = names[: depth + 1]
                is_last = depth == len(names) - 1
                if header.group(1) and is_last:
                    counters[prefix] = counters.get(prefix, -1) + 1
                    # a new entry resets the counters of arrays nested under it
                    for other in [
                        k for k in counters if k[: len(prefix)] == prefix and k != prefix
                    ]:
                        del counters[other]
                if prefix in counters:
                    loc.append(counters[prefix])
            table = tuple(loc)
            lines.setdefault(table, number)
            continue
        key = _TOML_KEY.match(line)
        if key:
            lines.setdefault((*table, key.group(1).strip('"')), number)
    return lines


def _describe(path: Path, exc: ValidationError, lines: LineMap) -> str:
    messages: list[str] = []
    for error in exc.errors(include_url=False):
        problems = error.get("ctx", {}).get("error")
        if isinstance(problems, PlanProblems):
            for loc, text in problems.problems:
                messages.append(problem_line(path, loc, text, lines))
            continue
        loc = tuple(error["loc"])
        messages.append(problem_line(path, loc, _message(error, loc), lines))
    return (
        "the plan is not valid:\n" + "\n".join(f"  {m}" for m in messages)
        if len(messages) > 1
        else messages[0]
    )


def _message(error: Any, loc: Location) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        field = str(loc[-1])
        return f"unknown field '{field}'" + suggest(field, _siblings(loc[:-1]))
    if kind == "missing":
        return "this field is required"
    if kind.startswith(("date_", "datetime_")):
        return f"'{error['input']}' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if (kind == "string_pattern_mismatch" and loc and loc[-1] in ("id", "plan", "after")) or (
        kind == "string_pattern_mismatch" and len(loc) > 1 and isinstance(loc[-1], int)
    ):
        return f"'{error['input']}' is not a valid id: use lower-case letters, digits and hyphens"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "link":
        return f"'{error['input']}' is not a web address starting with http:// or https://"
    message = str(error["msg"])
    message = message[0].lower() + message[1:]
    return message.replace("input should be", "must be")


def _siblings(loc: Location) -> list[str]:
    model: type[BaseModel] = Plan
    for part in loc:
        if isinstance(part, int):
            continue
        nested = _NESTED.get((model, part))
        if nested is None:
            return []
        model = nested
    return [field.alias or name for name, field in model.model_fields.items()]
