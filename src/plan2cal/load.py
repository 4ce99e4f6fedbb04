"""Read a plan file (YAML, TOML or JSON) into a Plan, naming file, line and field in every error.

Every file is read under hard limits, so that no file, however hostile, can hang or exhaust the
machine (DESIGN §8); each refusal is a PlanError that says where and why:

- only a regular file is read (a folder, a pipe or a device is refused before any read), and
  only up to ``MAX_FILE_BYTES``;
- the text is UTF-8, without NUL or other control characters;
- containers nest at most ``MAX_DEPTH`` deep, and a file holds at most ``MAX_VALUES`` values
  (counted before a JSON or TOML file is parsed, as a YAML file is read);
- YAML anchors and aliases are refused (see ``_YamlReader``), as are tags other than the plain
  scalar, list and mapping ones, and numbers too long to convert.

The same limits hold for every file read through ``read_document``, the progress file included.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import stat
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ValidationError

from plan2cal.diagnostics import (
    LineMap,
    Location,
    location_text,
    problem_line,
    quoted,
    suggest,
)
from plan2cal.errors import PlanError
from plan2cal.model import (
    AfterLink,
    Defaults,
    HolidayRegion,
    Milestone,
    Phase,
    Plan,
    PlanProblems,
    SessionLimits,
    Task,
    TimeOff,
)

# 25 times the benchmark's largest plan (20,000 tasks, 1.4 MB of JSON); 100,000 tasks written as
# indented JSON take 12 MB. A hand-written plan is about 20 KB.
MAX_FILE_BYTES = 32 * 1024 * 1024
# Lists and mappings inside each other: a plan needs 7 (plan → phases → phase → tasks → task →
# after → {id, lag}), so 32 is generous, and far below where a recursive parser runs out of stack.
MAX_DEPTH = 32
# Keys and values together. This bounds a file's memory to a few hundred MB and its reading to a
# few seconds (YAML, the slowest, reads about 170,000 a second); 100,000 tasks with an id, a name
# and hours are 700,000.
MAX_VALUES = 1_000_000
# A message lists this many problems and counts the rest; a broken generated file can have
# thousands, and the first few say what is wrong.
MAX_REPORTED_PROBLEMS = 20


class LineLookup(Protocol):
    """Builds a document's line map when asked; ``wanted`` may narrow it to those fields."""

    def __call__(self, wanted: Collection[Location] | None = None) -> LineMap: ...


# Which model a nested field holds, so an unknown key can be matched against its siblings.
_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (Plan, "defaults"): Defaults,
    (Plan, "phases"): Phase,
    (Plan, "milestones"): Milestone,
    (Defaults, "session"): SessionLimits,
    (Phase, "tasks"): Task,
    (Phase, "after"): AfterLink,
    (Task, "after"): AfterLink,
    (Plan, "off"): TimeOff,
    (Plan, "holidays"): HolidayRegion,
}

_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a plan needs no more than 7"
_TOO_MANY = f"the file holds more than {MAX_VALUES:,} keys and values, the most plan2cal reads"
# C0 control characters other than tab, line feed and carriage return, and DEL: none of YAML,
# TOML and JSON allows them unescaped, and none belongs in a calendar or a CSV file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Python refuses to convert integers longer than this (sys.int_info.default_max_str_digits).
_LONG_NUMBER = re.compile(r"\d{4301,}")


def load_plan(path: str | Path, *, start: dt.date | None = None) -> Plan:
    """Read and validate a plan file; raise PlanError with ``file:line: field: message`` lines.

    ``start`` is the plan's first day when it comes from elsewhere than the file (the command
    line, or the one pinned at the first run): relative deadlines are resolved against it, and
    must fall in the range of dates plan2cal handles, as the file's own dates must.
    """
    path = Path(path)
    data, lines = read_document(path, text_keys=True)
    if not isinstance(data, dict):
        raise PlanError(
            f"{path}: the plan must be a mapping with plan, title and phases at the top"
        )
    try:
        return Plan.model_validate(data, context={"start": start})
    except ValidationError as exc:
        raise PlanError(_describe(path, exc, lines)) from None


def locate(path: Path, where: Location, message: str) -> str:
    """``file:line: field: message`` for a problem the library found in a plan it had read
    (Plan2CalError.where); the file is read again, as only an error needs its lines."""
    try:
        _, lines = read_document(path, text_keys=True)
        found = lines([where])
    except PlanError:  # changed since it was read: say the field without its line
        found = {}
    return problem_line(path, where, message, found)


def read_document(path: Path, *, text_keys: bool = False) -> tuple[Any, LineLookup]:
    """Parse a YAML, TOML or JSON file into plain data and a way to find each field's line.

    Raises PlanError, naming the file and the line, for a file that cannot be read, is not text,
    is not valid, or passes one of the module's limits. With ``text_keys``, a YAML key that is
    not text (``1:``, ``null:``, ``2027-01-04:``) is refused too: a plan's keys are all names.

    The line map is built only when asked for: for large JSON files it costs more than the
    parse itself. Given the fields an error names, a JSON map looks for those alone.
    """
    raw = read_input_bytes(path)
    text = _decode(path, raw)
    if not text.strip():
        raise PlanError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return _read_toml(path, text)
    if suffix == ".json":
        return _read_json(path, text)
    return _read_yaml(path, text, text_keys=text_keys)


def read_input_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; PlanError otherwise.

    A pipe, a device or a folder is refused before anything is read, so that neither a FIFO
    with no writer nor /dev/zero can hang the run.
    """
    shown = str(path).replace("\0", "\\0")
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It changes
        # nothing for a regular file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except ValueError:
        raise PlanError(f"cannot read {shown}: the path contains a NUL character") from None
    except OSError as exc:
        raise PlanError(f"cannot read {shown}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise PlanError(f"cannot read {shown}: it is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise PlanError(
                f"cannot read {shown}: it is not a regular file (a pipe, a device or a socket)"
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise PlanError(f"cannot read {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise PlanError(
            f"{shown}: the file is larger than {limit // (1024 * 1024)} MB, the most plan2cal reads"
        )
    return b"".join(chunks)


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _decode(path: Path, raw: bytes) -> str:
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            raise PlanError(f"{path}:1: the file is {name} text; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts exc.start from after the byte order mark.
        line = raw.removeprefix(codecs.BOM_UTF8)[: exc.start].count(b"\n") + 1
        raise PlanError(f"{path}:{line}: the file is not UTF-8 text") from None
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        character = f"U+{ord(control.group()):04X}"
        if control.group() == "\0":
            hint = (
                "; it looks like UTF-16 text: save it as UTF-8"
                if raw.count(b"\0") * 3 > len(raw)
                else "; a plan file is text"
            )
            raise PlanError(f"{path}:{line}: the file contains a NUL byte ({character}){hint}")
        raise PlanError(
            f"{path}:{line}: the file contains a control character ({character}); remove it"
        )
    return text


# --- YAML -----------------------------------------------------------------------------------------


def _libyaml_parser() -> type[Any] | None:
    """libyaml's parser, when PyYAML was built with it: the same events, six times faster."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # a PyYAML built without libyaml
        return None
    return CParser


_FAST_PARSER = _libyaml_parser()


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own parser, for installations without libyaml."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


class _ScalarConstructor(yaml.constructor.SafeConstructor):
    """SafeConstructor whose impossible dates (2027-02-30) are errors with a line."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _ScalarError(f"{quoted(node.value)} is not a real date ({exc})") from None


class _ScalarError(Exception):
    """A scalar that has a type but cannot be read as it: the message says why."""


_TAG = "tag:yaml.org,2002:"
# The plain types a plan holds; !!binary, !!set, !!omap, !!python/… and local tags are refused.
_SCALAR_TAGS = {
    f"{_TAG}{name}": getattr(_ScalarConstructor, f"construct_yaml_{name}")
    for name in ("null", "bool", "int", "float", "str", "timestamp")
}
_PLAIN_CACHED = 32  # the longest plain scalar worth remembering
_TIMESTAMP = f"{_TAG}timestamp"
_SCALAR_KINDS = {f"{_TAG}int": "a whole number", f"{_TAG}float": "a number"}


class _Frame:
    """A list or mapping being filled, with its location and, for a mapping, the pending key."""

    __slots__ = ("key", "key_text", "loc", "seen", "value")

    def __init__(self, value: list[Any] | dict[Any, Any], loc: Location) -> None:
        self.value = value
        self.loc = loc
        self.key: Any = _NO_KEY
        self.key_text = ""
        self.seen: set[str] = set()


_NO_KEY = object()


class _YamlReader:
    """Builds plain data and its line map straight from the parser's events, under the limits.

    There is no node tree: memory is the data itself plus one line number per value, and
    nothing is recursive, so nesting is limited by MAX_DEPTH alone.

    Anchors and aliases are refused rather than expanded under a cap. A plan has no use for
    them that writing the value out does not serve, a cap would still let a small file cost
    the cap in time and memory, and a value shared between fields would make "the line of
    this field" ambiguous. Refusing them at the anchor also refuses every "billion laughs"
    file before the first alias is read.
    """

    def __init__(self, path: Path, text: str, *, text_keys: bool) -> None:
        self.path = path
        self.text = text
        self.text_keys = text_keys
        parser = _FAST_PARSER if _FAST_PARSER is not None else _PyParser
        self.events: Any = parser(text)
        self.resolver = yaml.resolver.Resolver()
        self.constructor = _ScalarConstructor()
        self.lines: LineMap = {}
        self.values = 0
        # Plain scalars already read: keys and values repeat, and resolving one takes two
        # regular expressions. Only text, numbers, booleans and null are kept: those YAML
        # writes again without an anchor however often one object appears.
        self.plain: dict[str, Any] = {}

    def read(self) -> Any:
        try:
            return self._stream()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            where = f"{self.path}:{line}" if line else str(self.path)
            problem = exc.problem or exc.context or "invalid YAML"
            if "nesting depth" in problem:  # libyaml's own limit, far beyond MAX_DEPTH
                raise PlanError(f"{where}: {_TOO_DEEP}") from None
            if mark and "\t" in _line_text(self.text, mark.line)[: mark.column + 1]:
                problem += "; indent with spaces, not tabs"
            raise PlanError(f"{where}: YAML syntax error: {problem}") from None
        except yaml.reader.ReaderError as exc:
            line = self.text.count("\n", 0, exc.position) + 1
            code = ord(exc.character) if isinstance(exc.character, str) else exc.character
            raise PlanError(
                f"{self.path}:{line}: the file contains a character YAML does not allow "
                f"(U+{code:04X}); remove it"
            ) from None
        except yaml.YAMLError as exc:
            raise PlanError(f"{self.path}: YAML syntax error: {exc}") from None
        finally:
            self.events.dispose()

    def _stream(self) -> Any:
        events = self.events
        events.get_event()  # StreamStartEvent
        if events.check_event(yaml.StreamEndEvent):
            raise PlanError(f"{self.path}: the file is empty")
        events.get_event()  # DocumentStartEvent
        data = self._document()
        events.get_event()  # DocumentEndEvent
        if not events.check_event(yaml.StreamEndEvent):
            line = events.peek_event().start_mark.line + 1
            raise PlanError(
                f"{self.path}:{line}: the file holds a second YAML document; a plan is one "
                "document, so remove the '---' line and what follows it"
            )
        return data

    def _document(self) -> Any:
        stack: list[_Frame] = []
        get_event = self.events.get_event
        lines = self.lines
        while True:
            event = get_event()
            kind = event.__class__
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                if not stack:
                    return done.value
                continue
            line = event.start_mark.line + 1
            frame = stack[-1] if stack else None
            if frame is None:
                loc: Location = ()
            elif frame.value.__class__ is list:
                loc = (*frame.loc, len(frame.value))
            elif frame.key is _NO_KEY:
                self._key(frame, event, line)
                continue
            else:
                loc = (*frame.loc, frame.key_text)
            self._check_node(event, loc, line)
            value: Any
            if kind is yaml.ScalarEvent:
                value = self._scalar(event, loc, line)
            else:
                self._check_collection_tag(event, loc, line)
                if len(stack) >= MAX_DEPTH:
                    raise self._error(loc, line, _TOO_DEEP)
                value = [] if kind is yaml.SequenceStartEvent else {}
            if frame is None:
                lines[()] = line
            elif frame.value.__class__ is list:
                lines[loc] = line
                frame.value.append(value)
            else:
                frame.value[frame.key] = value
                frame.key = _NO_KEY
            if kind is not yaml.ScalarEvent:
                stack.append(_Frame(value, loc))
            elif frame is None:
                return value

    def _key(self, frame: _Frame, event: yaml.Event, line: int) -> None:
        self._check_node(event, frame.loc, line)
        if not isinstance(event, yaml.ScalarEvent):
            raise self._error(frame.loc, line, "a key must be text, not a list or a mapping")
        text = event.value
        loc = (*frame.loc, text)
        if event.tag is None and self._tag(event) == f"{_TAG}merge":
            raise self._error(
                loc, line, "YAML merge keys (<<) are not supported; write the keys out in full"
            )
        key = self._scalar(event, loc, line)
        if key is False and text == "off" and not frame.loc:
            # YAML 1.1 reads a plain off as false; the plan's time off is the one such key.
            key = text
        if self.text_keys and not isinstance(key, str):
            raise self._error(
                loc,
                line,
                f"YAML reads the key {quoted(text)} as {_kind(key)}, not text; put it in quotes",
            )
        if text in frame.seen or key in frame.value:
            raise self._error(loc, line, "this key appears twice; keep one")
        frame.seen.add(text)
        frame.key, frame.key_text = key, text
        self.lines[loc] = line

    def _check_node(self, event: yaml.Event, loc: Location, line: int) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self._error(loc, line, _TOO_MANY)
        if event.__class__ is yaml.AliasEvent or getattr(event, "anchor", None) is not None:
            name = getattr(event, "anchor", None)
            raise self._error(
                loc,
                line,
                f"YAML anchors and aliases (&{name}, *{name}) are not supported; write the "
                "value out in full",
            )

    def _check_collection_tag(self, event: yaml.Event, loc: Location, line: int) -> None:
        tag = getattr(event, "tag", None)
        plain = f"{_TAG}seq" if isinstance(event, yaml.SequenceStartEvent) else f"{_TAG}map"
        if tag not in (None, "!", plain):
            raise self._error(loc, line, _unsupported_tag(tag))

    def _tag(self, event: yaml.ScalarEvent) -> str:
        if event.tag is None or event.tag == "!":
            # The stubs leave Resolver.resolve untyped; it returns the tag as a str.
            tag = self.resolver.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, event.value, event.implicit
            )
            return str(tag)
        return str(event.tag)

    def _scalar(self, event: yaml.ScalarEvent, loc: Location, line: int) -> Any:
        if event.tag is None:
            if not event.implicit[0]:
                return event.value  # quoted: text, without asking the resolver
            known = self.plain.get(event.value, _NO_KEY)
            if known is not _NO_KEY:
                return known
        tag = self._tag(event)
        construct = _SCALAR_TAGS.get(tag)
        if construct is None:
            raise self._error(loc, line, _unsupported_tag(tag))
        # No marks: a constructor's own error is caught below and given the line.
        node = yaml.ScalarNode(tag, event.value, None, None, event.style)
        try:
            value = construct(self.constructor, node)
        except _ScalarError as exc:
            raise self._error(loc, line, str(exc)) from None
        except (ValueError, OverflowError, KeyError, yaml.constructor.ConstructorError):
            # An int beyond Python's 4,300 digits, a sexagesimal float beyond a float's range,
            # "!!int abc", "!!bool maybe".
            kind = _SCALAR_KINDS.get(tag, tag.removeprefix(_TAG))
            raise self._error(
                loc, line, f"{quoted(event.value)} cannot be read as {kind}"
            ) from None
        if (
            event.tag is None
            and tag != _TIMESTAMP  # one date object per field: the progress dumper would alias it
            and len(event.value) <= _PLAIN_CACHED
            and len(self.plain) < 100_000
        ):
            self.plain[event.value] = value
        return value

    def _error(self, loc: Location, line: int, message: str) -> PlanError:
        return PlanError(f"{self.path}:{line}: {location_text(loc) or 'plan'}: {message}")


def _line_text(text: str, index: int) -> str:
    """Line ``index`` (0-based) of ``text``, or an empty string past its end."""
    start = 0
    for _ in range(index):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]


def _unsupported_tag(tag: object) -> str:
    shown = str(tag).replace(_TAG, "!!")
    return f"the YAML tag {shown} is not supported; write a plain value"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def _read_yaml(path: Path, text: str, *, text_keys: bool = False) -> tuple[Any, LineLookup]:
    reader = _YamlReader(path, text, text_keys=text_keys)
    data = reader.read()

    def lines(wanted: Collection[Location] | None = None) -> LineMap:
        return reader.lines  # built while reading, whole

    return data, lines


# --- JSON -----------------------------------------------------------------------------------------


def _read_json(path: Path, text: str) -> tuple[Any, LineLookup]:
    _check_count(path, _without_strings(text), ",:[{")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path}:{exc.lineno}: JSON syntax error: {exc.msg}") from None
    except _DuplicateKeyError as exc:
        _json_lines(path, text)  # raises the error with the key's line
        raise PlanError(
            f"{path}: {quoted(exc.key)} appears twice in one object; keep one"
        ) from None
    except RecursionError:
        _json_lines(path, text)  # raises the error with the line that nests too deep
        raise PlanError(f"{path}: {_TOO_DEEP}") from None
    except ValueError:
        raise _long_number(path, text) from None
    if _too_deep(data) is not None:
        _json_lines(path, text)

    def lines(wanted: Collection[Location] | None = None) -> LineMap:
        return _json_lines(path, text, wanted)

    return data, lines


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


# Strings, punctuation, and any other run of characters (numbers, true, false, null).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def _json_lines(path: Path, text: str, wanted: Collection[Location] | None = None) -> LineMap:
    """Where each field of a valid JSON text starts; a duplicate key or too deep a nesting
    raises its PlanError, with the line, as soon as the scan reaches it.

    With ``wanted``, only those fields (and what encloses them) are looked for: any other list
    or object is stepped over by the C decoder, so that naming the line of one bad task in a
    large generated plan does not cost a token-by-token scan of all of it.
    """
    lines: LineMap = {}
    inside = None if wanted is None else {loc[:size] for loc in wanted for size in range(len(loc))}
    skip = json.JSONDecoder().raw_decode
    # Per open container: its location, its list index or pending key, and for an object the
    # keys seen so far (None for an array).
    locs: list[Location] = []
    slots: list[Any] = []  # the next list index, or the current key (None: a key comes next)
    seen: list[set[str] | None] = []
    line, last, position = 1, 0, 0
    while (match := _JSON_TOKEN.search(text, position)) is not None:
        start, position = match.span()
        line += text.count("\n", last, start)
        last = start
        token = match.group()
        first = token[0]
        if first in ",:}]":
            if first == ",":
                if seen[-1] is None:
                    slots[-1] += 1
                else:
                    slots[-1] = None
            elif first in "}]":
                locs.pop()
                slots.pop()
                seen.pop()
            continue
        if seen and seen[-1] is not None and slots[-1] is None:
            key = json.loads(token) if "\\" in token else token[1:-1]
            loc = (*locs[-1], key)
            if key in seen[-1]:
                raise PlanError(
                    f"{path}:{line}: {location_text(loc)}: this key appears twice; keep one"
                )
            seen[-1].add(key)
            slots[-1] = key
            lines[loc] = line
            continue
        if not locs:
            loc = ()
            lines[loc] = line
        elif seen[-1] is None:
            loc = (*locs[-1], slots[-1])
            lines[loc] = line
        else:
            loc = (*locs[-1], slots[-1])
        if first in "{[":
            if inside is not None and loc not in inside:
                position = skip(text, start)[1]  # nothing wanted in it: step over it
                continue
            if len(locs) >= MAX_DEPTH:
                raise PlanError(f"{path}:{line}: {location_text(loc) or 'plan'}: {_TOO_DEEP}")
            locs.append(loc)
            slots.append(0 if first == "[" else None)
            seen.append(None if first == "[" else set())
    return lines


# A JSON string once its escaped quotes and backslashes are gone: linear even on broken text.
_JSON_STRING = re.compile(r'"[^"]*"')


def _check_count(path: Path, text: str, marks: str) -> None:
    """Refuse a JSON or TOML file with more than MAX_VALUES keys and values, before parsing it.

    Every value but the first follows one of ``marks`` (a comma, a key's colon or equals sign,
    an opening bracket or brace), so their count bounds the number of values from above. The
    text may be invalid: this stays linear in its length.
    """
    if sum(text.count(mark) for mark in marks) + 1 > MAX_VALUES:
        raise PlanError(f"{path}: {_TOO_MANY}")


def _without_strings(text: str) -> str:
    """JSON text with its strings taken out, so that their commas and colons are not counted."""
    return _JSON_STRING.sub("", text.replace("\\\\", "").replace('\\"', ""))


def _too_deep(data: Any) -> Location | None:
    """The location of the first list or mapping nested deeper than MAX_DEPTH, if any."""
    stack: list[tuple[Any, Location]] = [(data, ())] if isinstance(data, dict | list) else []
    while stack:
        value, loc = stack.pop()
        if len(loc) >= MAX_DEPTH:
            return loc
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, dict | list):
                stack.append((item, (*loc, key)))
    return None


def _long_number(path: Path, text: str) -> PlanError:
    """The error for a number longer than Python converts, at its line when it can be found."""
    match = _LONG_NUMBER.search(text)
    where = f"{path}:{text.count(chr(10), 0, match.start()) + 1}" if match else str(path)
    return PlanError(f"{where}: a number has more than 4,300 digits; write a smaller one")


# --- TOML -----------------------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"^\s*\[(\[)?([^\[\]#]*)\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")
# Strings of the four kinds, and comments: what a scan for brackets must skip.
_TOML_STRING = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*',
    re.DOTALL,
)
_TOML_TOKEN = re.compile(f"{_TOML_STRING.pattern}|[\\[\\]{{}}\\n]", re.DOTALL)


# A key of 1,000 dotted parts or more, where a key may start: at the start of a line, in a
# table header, or in an inline table. Shorter ones that nest too deep are named with their
# field once tomllib has read them, which costs it a fraction of a second.
_TOML_DOTTED_PARTS_READ = 1000
_TOML_LONG_DOTTED_KEY = re.compile(
    r"(?:^|[\[{,])[ \t]*(?:(?:[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')[ \t]*\.[ \t]*)"
    f"{{{_TOML_DOTTED_PARTS_READ - 1},}}",
    re.MULTILINE,
)


def _read_toml(path: Path, text: str) -> tuple[Any, LineLookup]:
    # Strings are counted too: TOML's comments and literal strings make leaving them out
    # unreliable, and only a file of prose far larger than a plan can be over-counted.
    _check_count(path, text, ",=[{")
    dotted = _TOML_LONG_DOTTED_KEY.search(text)
    if dotted is not None:
        # tomllib takes time quadratic in a dotted key's parts (4 s for 14,000) before any
        # depth could be checked on its result; such a key nests far deeper than MAX_DEPTH.
        raise PlanError(f"{path}:{text.count(chr(10), 0, dotted.start()) + 1}: {_TOO_DEEP}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        where = f"{path}:{match.group(1)}" if match else str(path)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PlanError(f"{where}: TOML syntax error: {message}") from None
    except RecursionError:
        raise PlanError(f"{path}:{_toml_deep_line(text)}: {_TOO_DEEP}") from None
    except ValueError:
        raise _long_number(path, text) from None
    deep = _too_deep(data)
    if deep is not None:
        raise PlanError(problem_line(path, deep, _TOO_DEEP, _toml_lines(text)))

    def lines(wanted: Collection[Location] | None = None) -> LineMap:
        return _toml_lines(text)

    return data, lines


def _toml_deep_line(text: str) -> int:
    """The line on which brackets and braces first nest deeper than MAX_DEPTH."""
    depth, line = 0, 1
    for match in _TOML_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif token in "]}":
            depth -= 1
        line += token.count("\n")
    return 1


def _toml_lines(text: str) -> LineMap:
    """Where each table, array-of-tables entry and key starts (inline tables map to their key)."""
    lines: LineMap = {(): 1}
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


# --- messages -------------------------------------------------------------------------------------


def _describe(path: Path, exc: ValidationError, lines: LineLookup) -> str:
    problems: list[tuple[Location, str | Any]] = []
    for error in exc.errors(include_url=False):
        found = error.get("ctx", {}).get("error")
        if isinstance(found, PlanProblems):
            problems += found.problems
        else:
            problems.append((tuple(error["loc"]), error))
    # Only the problems shown are worded and looked up: a generated file can have a million.
    shown = problems[:MAX_REPORTED_PROBLEMS]
    found_lines = lines([loc for loc, _ in shown])
    messages = [
        problem_line(path, loc, text if isinstance(text, str) else _message(text, loc), found_lines)
        for loc, text in shown
    ]
    if len(problems) == 1:
        return messages[0]
    if len(problems) > len(messages):
        messages.append(f"… and {len(problems) - len(messages)} more")
    return "the plan is not valid:\n" + "\n".join(f"  {m}" for m in messages)


def _message(error: Any, loc: Location) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        field = str(loc[-1])
        return f"unknown field {quoted(field)}" + suggest(field, _siblings(loc[:-1]))
    if kind == "missing":
        return "this field is required"
    if kind.startswith(("date_", "datetime_")):
        return f"{quoted(error['input'])} is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if (kind == "string_pattern_mismatch" and loc and loc[-1] in ("id", "plan", "after")) or (
        kind == "string_pattern_mismatch" and len(loc) > 1 and isinstance(loc[-1], int)
    ):
        return (
            f"{quoted(error['input'])} is not a valid id: use lower-case letters, digits and "
            "hyphens"
        )
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "link":
        return f"{quoted(error['input'])} is not a web address starting with http:// or https://"
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
