"""The command line: options → one library call → what it returns, printed. The only module
that imports click, reads the clock or looks at the environment."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from plan2cal.agenda import LONGEST_AGENDA_DAYS, agenda_lines
from plan2cal.availability import holiday_lines, loss_lines
from plan2cal.controllers import (
    Environment,
    PushRequest,
    RunOptions,
    ScheduleRun,
    Workspace,
    agenda,
    done_change,
    find_budget,
    log_change,
    look,
    record,
    require_no_miss,
    run_schedule,
    set_baseline,
    undo_change,
    write_report,
)
from plan2cal.durations import parse_duration
from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.export.formats import FORMATS
from plan2cal.fit import UnknownTargetError
from plan2cal.model import (
    check_date_in_range,
    check_hours_per_week,
    check_timezone,
    plan_json_schema,
)
from plan2cal.progress import LONGEST_LOG_ENTRY
from plan2cal.report import (
    ASCII_MARKS,
    UNICODE_MARKS,
    TimelineMarks,
    check_report,
    first_run_summary,
    heading,
    progress_lines,
    rerun_summary,
    shortfall_lines,
    slip_report,
    timeline_lines,
    warning_lines,
)
from plan2cal.schedule import Schedule
from plan2cal.version import __version__

if TYPE_CHECKING:
    # init's readers and writer are imported by init alone, not by every run.
    from plan2cal.init.questions import Answers


class _DateType(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04", param, ctx
            )
        try:
            return check_date_in_range(day)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class _Hours(click.ParamType):  # type: ignore[type-arg]
    name = "HOURS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            hours = float(value)
        except (TypeError, ValueError):
            self.fail(f"'{value}' is not a number of hours", param, ctx)
        try:
            return check_hours_per_week(hours)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class _Path(click.Path):
    """click's Path, refusing a NUL character, which no file name can hold (os.stat would raise
    ValueError before click could say which argument is wrong)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\0" in value:
            self.fail(
                f"{value!r} contains a NUL character, which no file name can hold", param, ctx
            )
        return super().convert(value, param, ctx)


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # FloatRange lets NaN through: every comparison with it is false.
    if math.isnan(value):
        raise click.BadParameter("must be a number of seconds, not nan")
    return value


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            check_timezone(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


class _Commands(click.Group):
    """Turns plan2cal's errors into one message on stderr and the exit code of their class."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Plan2CalError as exc:
            if ctx.params.get("debug"):
                raise
            _say(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            _say(
                f"Error: unexpected failure: {exc!r}. Rerun with --debug to see where it "
                "happened, and please report it.",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plan2cal")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """Turn a phased roadmap into dated work sessions and milestones.

    The first run of `schedule` pins the start, weekly budget, time zone, output formats and
    folder in the progress file beside the plan; every later command uses them, and giving an
    option again changes the pin.

    \b
    Example:
      plan2cal schedule plans/ai-pm-transition.yaml

    \b
    Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 plan or input invalid,
    4 unschedulable (or, with --strict, a missed date), 5 progress or state file damaged,
    6 output cannot be written, 7 a calendar server refused or failed (the next push resumes).
    """


_TOMBSTONE_DAYS = click.option(
    "--tombstone-days",
    type=click.IntRange(min=0, max=3650),
    default=30,
    show_default=True,
    help="Days to keep writing removed events as cancelled.",
)


def _with_options(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


_PLAN = [
    # A folder, a pipe or a missing file is reported by the reader, as an invalid plan (exit 3).
    click.argument("plan_file", metavar="PLAN", type=_Path(path_type=Path)),
    click.option(
        "--progress",
        "progress_file",
        type=_Path(dir_okay=False, path_type=Path),
        help="Progress file [default: <plan stem>.progress.yaml beside the plan].",
    ),
    click.option(
        "--today",
        type=_DateType(),
        help="Run as if today were this day (to try a rerun weeks ahead) [default: today].",
    ),
    click.option(
        "--wait",
        "lock_timeout",
        type=click.FloatRange(min=0, max=3600),
        default=60.0,
        show_default=True,
        callback=_finite,
        help="Seconds to wait for another plan2cal run on the same plan.",
    ),
]

_PACE = [
    click.option(
        "--start",
        type=_DateType(),
        help="First day of work [default: pinned, else defaults.start, else next Monday].",
    ),
    click.option(
        "--hours-per-week",
        type=_Hours(),
        help="Weekly budget in hours [default: pinned, else defaults.hours_per_week, else 10].",
    ),
    click.option(
        "--timezone",
        callback=_zone,
        help="IANA zone of the windows [default: pinned, else defaults.timezone, else this "
        "machine's zone].",
    ),
]

_OUTPUT_FOLDER = click.option(
    "-o",
    "--output",
    # A file in the folder's place is an output that cannot be written (exit 6), not usage.
    type=_Path(path_type=Path),
    metavar="DIRECTORY",
    help="Folder of the output files and their state [default: pinned, else out].",
)

_AVAILABILITY = [
    click.option(
        "--holidays",
        "holidays",
        multiple=True,
        metavar="COUNTRY[-SUBDIV]",
        help="Public holidays with no work, e.g. DE-BE; repeat for several, 'none' for none "
        "[default: pinned, else the plan's holidays].",
    ),
    click.option(
        "--busy",
        "busy",
        multiple=True,
        type=_Path(path_type=Path),
        metavar="FILE",
        help="An .ics file whose events are busy time; repeat for several (with the plan's "
        "busy: files).",
    ),
    click.option(
        "--busy-from-server",
        "busy_servers",
        multiple=True,
        metavar="URL|siblings",
        help="A CalDAV calendar whose events are busy time, read with the push target's user "
        "and password on its host; 'siblings' for every other calendar beside the pushed one. "
        "Repeat for several; not pinned.",
    ),
    click.option(
        "--horizon-years",
        type=click.IntRange(min=1, max=1000),
        default=30,
        show_default=True,
        help="Give up when the work would not end within this many years.",
    ),
]

_SETTINGS = [*_PACE, _OUTPUT_FOLDER, *_AVAILABILITY]


_STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Exit with code 4 when the schedule misses a deadline or a fixed milestone's date "
    "(the misses are printed either way).",
)


def _environment(options: dict[str, Any]) -> Environment:
    def waiting(path: Path) -> None:
        _say(f"Waiting for another plan2cal run on {_shown(path)} …", err=True)

    return Environment(
        today=options.get("today") or dt.date.today(),
        now=_now(),
        fallback_zone=_system_zone(),
        lock_timeout=options.get("lock_timeout", 60.0),
        on_wait=waiting,
        environ=dict(os.environ),
        netrc_file=Path.home() / ".netrc",
    )


def _run_options(
    options: dict[str, Any], formats: tuple[str, ...] | None = None, push: bool | None = None
) -> RunOptions:
    return RunOptions(
        start=options.get("start"),
        hours_per_week=options.get("hours_per_week"),
        timezone=options.get("timezone"),
        formats=formats,
        output=options.get("output"),
        jira_keys=options.get("jira_keys"),
        progress_file=options.get("progress_file"),
        push_url=options.get("url"),
        push_user=options.get("user"),
        ca_cert=options.get("ca_cert"),
        push=push,
        holidays=tuple(options["holidays"]) if options.get("holidays") else None,
        busy=tuple(options.get("busy") or ()),
        busy_servers=tuple(options.get("busy_servers") or ()),
    )


# C0 controls but tab and newline, DEL and the C1 controls: plan text is printed, and an
# escape sequence in a title must not reach the terminal as one.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """``text`` with any control character in it shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _say(text: str, err: bool = False) -> None:
    """Print one message, any control character in it shown as ``\\xNN``; a message on
    stderr first stops a spinner."""
    if err:
        for spinner in _TURNING:
            spinner.stop()
    click.echo(_printable(text), err=err)


def _echo(lines: list[str], err: bool = False) -> None:
    for line in lines:
        _say(line, err=err)


def _width() -> int:
    """The width of the terminal stdout writes to; 80 for a pipe or a file (COLUMNS, when set,
    says otherwise for either)."""
    if not os.environ.get("COLUMNS") and not sys.stdout.isatty():
        return 80
    return shutil.get_terminal_size().columns


def _timeline_marks() -> TimelineMarks:
    """Unicode blocks when stdout takes UTF-8, else plain ASCII."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return UNICODE_MARKS if encoding == "utf8" else ASCII_MARKS


def _colour() -> bool | None:
    """False when NO_COLOR is set (https://no-color.org: any non-empty value), else None: click
    then styles only a terminal and strips the styles from a pipe or a file."""
    return False if os.environ.get("NO_COLOR") else None


def _say_styled(text: str, **style: Any) -> None:
    """Print one line in a style (bold, a colour), on a terminal only; control characters in
    the text are shown as in _say, before the style's own escape sequences are added."""
    plain = _printable(text)
    click.echo(click.style(plain, **style) if style else plain, color=_colour())


def _count(number: int, noun: str) -> str:
    """``1 wait``, ``2 waits``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shown(path: Path) -> str:
    """A path as the person would type it from here: relative when below this folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _availability_lines(schedule: Schedule, limit: int | None = None) -> list[str]:
    """The weeks that holidays, time off and busy events took time from."""
    lines = loss_lines(schedule.losses, limit)
    return ["", *lines] if lines else []


def _notes(workspace: Workspace, *, writes: bool) -> None:
    for key in workspace.unknown_progress():
        _say(
            f"Note: {_shown(workspace.progress_file)} has progress for '{key}', which the plan "
            "no longer has; it is kept there but not used.",
            err=True,
        )
    for note in workspace.notes:
        _say(f"Note: {note}.", err=True)
    if not writes and workspace.changes:
        _say(
            "Note: " + "; ".join(workspace.changes) + " for this command only; plan2cal "
            "schedule pins it.",
            err=True,
        )


@cli.command()
@_with_options(_PLAN + _SETTINGS)
@click.option(
    "--format",
    "formats",
    type=click.Choice([*FORMATS, "all"]),
    multiple=True,
    help="What to write; repeat for several [default: pinned, else ics]. jira: Jira CSV and "
    "its importer configuration; csv: a tasks CSV for spreadsheets; vdir: a folder with one "
    ".ics file per event, for khal and vdirsyncer; html: the report plan2cal report writes; "
    "mermaid: a Markdown page with a Mermaid Gantt chart, for GitHub, GitLab and Notion; "
    "all: every format.",
)
@click.option(
    "--jira-keys",
    type=_Path(dir_okay=False, exists=True, path_type=Path),
    help="A CSV exported from Jira: rows for issues it holds get their Issue Key (pinned).",
)
@_STRICT
@_with_options([_TOMBSTONE_DAYS])
@click.option(
    "--push/--no-push",
    default=None,
    help="Push the events to the calendar plan2cal push pinned, after writing the files "
    "[default: push once a calendar is pinned].",
)
def schedule(**options: Any) -> None:
    """Schedule PLAN and write its calendar (and the other pinned formats) to the output folder.

    Prints each phase's start, end (its milestone), nominal end, the difference and its hours.
    The .ics has one event per work session and an all-day milestone per phase; import it into
    Google Calendar, Apple Calendar, Outlook or Thunderbird.

    The first run pins the start, budget, zone, formats and output folder in the progress
    file; every later run uses them. Give an option again to change it (a new budget applies
    from today on).

    A deadline or fixed milestone the schedule misses is printed with the days late; with
    --strict the run then exits with code 4 (after writing the outputs).

    After a slip, record what got done (plan2cal done / log) and run it again: the time logged
    shows in the past, the rest moves to the future, events keep their UIDs and get a
    higher SEQUENCE, events that no longer exist are written as cancelled, and every format
    the last run wrote is written again. All files change together, or none. Once plan2cal
    push has pinned a calendar, the run then pushes the events there too.

    \b
    Example:
      plan2cal schedule plans/ai-pm-transition.yaml
      plan2cal schedule plans/ai-pm-transition.yaml --hours-per-week 12 --format ics --format jira
      plan2cal schedule plans/ai-pm-transition.yaml --format vdir
    """
    chosen = options["formats"]
    formats = tuple(FORMATS) if "all" in chosen else (tuple(dict.fromkeys(chosen)) or None)
    with _progress_bar(f"Scheduling {_shown(options['plan_file'])}") as bar:
        run = run_schedule(
            options["plan_file"],
            _run_options(options, formats, options["push"]),
            _environment(options),
            tombstone_days=options["tombstone_days"],
            horizon_years=options["horizon_years"],
            push=PushRequest(on_progress=bar),
        )
    workspace, result = run.workspace, run.schedule
    _notes(workspace, writes=True)
    previous = run.previous
    if previous is not None and previous.last_run is not None:
        _echo(rerun_summary(result, previous.baseline, previous.last_run))
    else:
        _echo(first_run_summary(result, run.nominal))
    _echo(_availability_lines(result, limit=10))
    _say("")
    calendar = run.outputs.calendar
    if calendar is not None:
        counts = [
            f"{count} {label}"
            for count, label in (
                (calendar.added, "new"),
                (calendar.changed, "changed"),
                (calendar.cancelled, "cancelled"),
            )
            if count
        ] or ["nothing changed"]
        kinds = [f"{calendar.sessions} sessions", f"{calendar.milestones} milestones"]
        kinds += [_count(calendar.waits, "wait")] if calendar.waits else []
        kinds += [_count(calendar.notes, "logged-time note")] if calendar.notes else []
        _say(
            f"Wrote {_shown(calendar.path)} ({', '.join(kinds)}: {', '.join(counts)}; "
            f"{calendar.size / 1024:.0f} KB)."
        )
        if calendar.too_big_for_google:
            _say(
                "Note: Google Calendar imports files of up to about 1 MB; import this one "
                "in parts or subscribe to it instead.",
                err=True,
            )
    for table in run.outputs.tables:
        _say(f"Wrote {', '.join(_shown(path) for path in table.paths)}.")
        for line in table.settings:
            _say(f"  {table.format}: {line}")
    if run.outputs.report is not None:
        _say(f"Wrote {_shown(run.outputs.report)} (the HTML report).")
    vdir = run.outputs.vdir
    if vdir is not None:
        _say(
            f"Wrote {_shown(vdir.folder)}{os.sep} (one file per event: {vdir.written} written, "
            f"{vdir.removed} removed, {vdir.unchanged} unchanged)."
        )
    _pinned(run)
    _push_report(run)
    if options["strict"]:
        require_no_miss(result)


def _pinned(run: ScheduleRun) -> None:
    """What the run pinned in the progress file: all of it the first time, else the changes."""
    workspace, settings = run.workspace, run.workspace.settings
    if run.pinned_now:
        holidays = workspace.pinned.holidays
        _say(
            f"Pinned in {_shown(workspace.progress_file)} for later runs: start "
            f"{settings.start.isoformat()}, {settings.hours_per_week:g} h a week, "
            f"{settings.timezone}, formats {', '.join(settings.formats)}, output "
            f"{_shown(settings.output)}"
            + (f", holidays {', '.join(holidays)}" if holidays else "")
            + "."
        )
    elif workspace.changes and run.written:
        _say(f"Pinned in {_shown(workspace.progress_file)}: " + "; ".join(workspace.changes) + ".")


_PUSH_TARGET = [
    click.option(
        "--url",
        metavar="URL",
        help="The calendar collection to push to (pinned; with --create, the calendar home "
        "to make it under) [default: pinned].",
    ),
    click.option(
        "--user",
        help="The user on the server (pinned). The password comes from PLAN2CAL_PASSWORD, "
        "~/.netrc or the keyring, never from the command line.",
    ),
    click.option(
        "--ca-cert",
        type=_Path(exists=True, dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Trust this certificate authority (PEM) for the server's TLS certificate "
        "(pinned) [default: the system's authorities].",
    ),
]


@cli.command()
@_with_options(_PLAN + _SETTINGS + _PUSH_TARGET)
@click.option(
    "--create",
    metavar="NAME",
    help="Make a calendar called NAME under --url (a calendar home) and push to it.",
)
@click.option("--force", is_flag=True, help="Overwrite events someone edited on the server.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="List what would be created, updated, deleted and in conflict; change nothing.",
)
@_with_options([_TOMBSTONE_DAYS])
def push(**options: Any) -> None:
    """Schedule PLAN as schedule does and push its events into a CalDAV calendar.

    Each event is one resource in the calendar collection, updated in place after a slip;
    events the plan no longer has are deleted, events plan2cal did not write are never
    touched, and an event someone edited on the server is left alone (and reported) unless
    --force. The files of the pinned formats are written first, as by schedule.

    The URL, the user and the CA file are pinned in the progress file, so the next push needs
    no options, and every later plan2cal schedule pushes there too (--no-push skips it). The
    password comes from PLAN2CAL_PASSWORD, ~/.netrc (machine HOST login USER password …) or
    the keyring (service plan2cal:HOST), and is never written anywhere.

    \b
    Example:
      PLAN2CAL_PASSWORD=… plan2cal push plans/ai-pm-transition.yaml \\
          --url https://cal.example.org/dav/calendars/alice/roadmap/ --user alice
      plan2cal push plans/ai-pm-transition.yaml --url http://127.0.0.1:5232/alice/ \\
          --user alice --create "AI PM roadmap"
      plan2cal push plans/ai-pm-transition.yaml --dry-run
    """
    if options["create"] is not None and options["url"] is None:
        raise click.UsageError("--create needs --url: the calendar home to make it under")
    with _progress_bar(f"Scheduling {_shown(options['plan_file'])}") as bar:
        run = run_schedule(
            options["plan_file"],
            _run_options(options, push=True),
            _environment(options),
            tombstone_days=options["tombstone_days"],
            horizon_years=options["horizon_years"],
            push=PushRequest(
                create=options["create"],
                force=options["force"],
                dry_run=options["dry_run"],
                on_progress=bar,
            ),
        )
    _notes(run.workspace, writes=run.written)
    result = run.pushed
    if result is not None and result.dry_run:
        for label, changes in (
            ("create", result.created),
            ("update", result.updated),
            ("delete", result.deleted),
        ):
            for change in changes:
                _say(f"  would {label}: {change.summary}")
        for conflict in result.conflicts:
            _say(f"  conflict: {conflict.summary}: {conflict.reason}")
    _pinned(run)
    _push_report(run)


def _push_report(run: ScheduleRun) -> None:
    """The push's summary line, what it pinned, and its error last (exit code 7)."""
    if run.pushed is not None:
        _say(run.pushed.summary())
    if run.push_pinned and run.workspace.progress.settings.push is None:
        target = run.workspace.pinned.push
        assert target is not None
        who = f" as {target.user}" if target.user else ""
        _say(
            f"Pinned in {_shown(run.workspace.progress_file)}: push to {target.url}{who}; "
            "plan2cal push and plan2cal schedule push there from now on (--no-push skips it)."
        )
    if run.push_error is not None:
        raise run.push_error
    if run.pushed is not None:
        error = run.pushed.conflict_error()
        if error is not None:
            raise error


class _Spinner:
    """Says on stderr that a long run is still working: after ``delay`` seconds, on a terminal
    only (never in a pipe, a file or a test's output), a turning bar with the label and the
    seconds so far, redrawn in place; the line is cleared when the run ends."""

    FRAMES = "|/-\\"

    def __init__(
        self, label: str, stream: Any = None, delay: float = 1.0, interval: float = 0.1
    ) -> None:
        self._label = label
        self._stream = stream if stream is not None else sys.stderr
        self._delay = delay
        self._interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> _Spinner:
        """Start the clock; nothing at all happens when the stream is not a terminal."""
        isatty = getattr(self._stream, "isatty", None)
        if isatty is not None and isatty():
            self._thread = threading.Thread(target=self._turn, daemon=True)
            self._thread.start()
        return self

    def _turn(self) -> None:
        begun = time.monotonic()
        if self._stopped.wait(self._delay):
            return
        width = 0
        for frame in itertools.cycle(self.FRAMES):
            seconds = time.monotonic() - begun
            text = f"{frame} {self._label} … {seconds:.0f} s"
            self._stream.write("\r" + text.ljust(width))
            self._stream.flush()
            width = max(width, len(text))
            if self._stopped.wait(self._interval):
                break
        self._stream.write("\r" + " " * width + "\r")
        self._stream.flush()

    def stop(self) -> None:
        """Stop turning and clear the line; safe to call twice."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


# The spinners turning now: a message on stderr stops them first, so lines never mix.
_TURNING: list[_Spinner] = []


@contextlib.contextmanager
def _working(label: str) -> Iterator[_Spinner]:
    """A spinner on stderr for the time of the block, if it takes more than a second."""
    spinner = _Spinner(label).start()
    _TURNING.append(spinner)
    try:
        yield spinner
    finally:
        spinner.stop()
        _TURNING.remove(spinner)


class _ProgressBar:
    """The push's progress on stderr, only when stderr is a terminal (never in a pipe); it
    takes over from the run's spinner."""

    def __init__(self, spinner: _Spinner | None = None) -> None:
        self._bar: Any = None
        self._shown = 0
        self._spinner = spinner

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total == 0 or not sys.stderr.isatty():
                return
            if self._spinner is not None:
                self._spinner.stop()
            self._bar = click.progressbar(
                length=total, label="Pushing", file=sys.stderr, show_pos=True
            )
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@contextlib.contextmanager
def _progress_bar(label: str) -> Iterator[_ProgressBar]:
    """A spinner while the run schedules and writes, then the push's progress bar."""
    with _working(label) as spinner:
        bar = _ProgressBar(spinner)
        try:
            yield bar
        finally:
            bar.close()


@cli.command()
@_with_options(_PLAN + _SETTINGS)
def check(**options: Any) -> None:
    """Validate PLAN and print what the schedule will assume.

    Shows the weekly capacity and its blocks, each task's id and effort (and which were derived),
    and the warnings a schedule would give. Writes nothing.

    \b
    Example:
      plan2cal check plans/ai-pm-transition.yaml
    """
    with _working(f"Checking {_shown(options['plan_file'])}"):
        seen = look(
            options["plan_file"],
            _run_options(options),
            _environment(options),
            options["horizon_years"],
        )
    _notes(seen.workspace, writes=False)
    _echo(check_report(seen.schedule, seen.nominal))
    blocked = seen.workspace.blocked
    if blocked is not None and blocked.regions:
        found = blocked.holidays_between(seen.schedule.start, seen.schedule.end)
        _echo(["", *(holiday_lines(found) or ["No public holiday falls inside the plan."])])
    _echo(_availability_lines(seen.schedule))


@cli.command()
@_with_options(_PLAN)
@click.argument("task")
@click.option("--on", "day", type=_DateType(), help="The day it was finished [default: today].")
def done(**options: Any) -> None:
    """Record that TASK of PLAN is finished.

    \b
    Example:
      plan2cal done plans/ai-pm-transition.yaml google-pm-certificate --on 2027-02-10
    """
    env = _environment(options)
    on = options["day"] or env.today
    _recorded(options, env, done_change(options["task"], on), on)


@cli.command()
@_with_options(_PLAN)
@click.argument("task")
@click.argument("duration")
@click.option("--on", "day", type=_DateType(), help="The day of the work [default: today].")
@click.option(
    "--remaining",
    help="Re-estimate the task: the time still to do after this entry (e.g. 15h).",
)
def log(**options: Any) -> None:
    """Record DURATION of work on TASK of PLAN (90m, 1h30m, 2h or a number of hours).

    With --remaining, the task's estimate is replaced by what you now expect is left; a task
    over its estimate otherwise keeps the rest of its estimate ahead of it.

    \b
    Example:
      plan2cal log plans/ai-pm-transition.yaml start-ml-course 1h30m
      plan2cal log plans/ai-pm-transition.yaml google-pm-certificate 10h --remaining 15h
    """
    try:
        minutes = parse_duration(options["duration"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DURATION") from None
    remaining = None
    if options["remaining"] is not None:
        try:
            remaining = parse_duration(options["remaining"])
        except ValueError as exc:
            raise click.BadParameter(
                f"{exc}; a task with nothing left is done: plan2cal done", param_hint="--remaining"
            ) from None
    if minutes > LONGEST_LOG_ENTRY:
        raise click.BadParameter(
            f"'{options['duration']}' is more than one log entry may hold "
            f"({LONGEST_LOG_ENTRY // 60}h); split it over the days of the work (--on)",
            param_hint="DURATION",
        )
    env = _environment(options)
    on = options["day"] or env.today
    _recorded(options, env, log_change(options["task"], minutes, on, remaining), on)


@cli.command()
@_with_options(_PLAN)
@click.argument("task")
def undo(**options: Any) -> None:
    """Remove the last entry recorded for TASK: its done date, else its last log entry.

    \b
    Example:
      plan2cal undo plans/ai-pm-transition.yaml start-ml-course
    """
    _recorded(options, _environment(options), undo_change(options["task"]), None)


def _recorded(options: dict[str, Any], env: Environment, change: Any, on: dt.date | None) -> None:
    result = record(
        options["plan_file"],
        options["task"],
        change,
        env,
        progress_file=options["progress_file"],
        on=on,
    )
    for warning in result.warnings:
        _say(f"Note: {warning}.", err=True)
    message = result.message.rstrip(".")
    _say(f"{message} in {_shown(result.progress_file)}.")


@cli.command()
@_with_options(_PLAN + _SETTINGS)
@_STRICT
def status(**options: Any) -> None:
    """Show progress and slip of PLAN: milestones against the baseline and the last run.

    Per phase and task, the time logged against the estimates, with the estimate error; a
    timeline of the phases by week, with today and the baseline's end; the deadlines and fixed
    milestones the schedule misses, with the days late (--strict: exit 4 when there is one).
    Writes nothing; the last run and the baseline come from the state beside the outputs.

    \b
    Example:
      plan2cal status plans/ai-pm-transition.yaml
    """
    with _working(f"Scheduling {_shown(options['plan_file'])}"):
        seen = look(
            options["plan_file"],
            _run_options(options),
            _environment(options),
            options["horizon_years"],
            nominal=False,
        )
    _notes(seen.workspace, writes=False)
    result, state = seen.schedule, seen.state
    title, assumed = heading(result)
    _echo([f"{title}: as of {seen.workspace.today.isoformat()}", assumed, ""])
    _echo([*progress_lines(result), ""])
    baseline = state.baseline if state else None
    _echo([*timeline_lines(result, baseline, width=_width(), marks=_timeline_marks()), ""])
    _echo(slip_report(result, state.baseline if state else None, state.last_run if state else None))
    if state is None:
        _say("(No earlier run: run plan2cal schedule to set the baseline.)")
    _echo(_availability_lines(result, limit=10))
    _echo(warning_lines(result))
    if options["strict"]:
        require_no_miss(result)


# How agenda styles each kind of line on a terminal (agenda.agenda_lines).
_AGENDA_STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True},
    "day": {"bold": True, "fg": "cyan"},
    "done": {"fg": "green"},
    "milestone": {"fg": "magenta", "bold": True},
    "late": {"fg": "red", "bold": True},
}


@cli.command(name="agenda")
@_with_options(_PLAN + _SETTINGS)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=LONGEST_AGENDA_DAYS),
    default=7,
    show_default=True,
    help="How many days to show, from today.",
)
def agenda_command(**options: Any) -> None:
    """Show the coming sessions of PLAN, day by day.

    Each day lists its work sessions with their times in the plan's zone, the task (with its
    session number) and its phase; the time logged and the tasks finished that day, marked
    logged and done; waits, deadlines and milestones. Uses the pinned settings and the
    progress recorded so far, as schedule would; writes nothing.

    \b
    Example:
      plan2cal agenda plans/ai-pm-transition.yaml
      plan2cal agenda plans/ai-pm-transition.yaml --days 14
    """
    with _working(f"Scheduling {_shown(options['plan_file'])}"):
        workspace, seen = agenda(
            options["plan_file"],
            _run_options(options),
            _environment(options),
            options["days"],
            options["horizon_years"],
        )
    _notes(workspace, writes=False)
    # On a terminal, each entry fits on one line; a pipe or a file gets the whole text.
    width = _width() if sys.stdout.isatty() else None
    for kind, line in agenda_lines(seen, width):
        _say_styled(line, **_AGENDA_STYLES.get(kind, {}))


@cli.command()
@_with_options([*_PLAN, *_PACE, *_AVAILABILITY])
@click.option(
    "-o",
    "--output",
    "report_file",
    type=_Path(path_type=Path),
    metavar="FILE",
    help="Where to write the report; a folder gets <plan>.html in it [default: <plan>.html "
    "in the pinned output folder, else in out].",
)
def report(**options: Any) -> None:
    """Write one self-contained HTML report of PLAN as of today.

    A Gantt chart of the phases and their tasks by week, with the baseline behind the
    current bars, a today line, each phase's milestone against its nominal date, done work
    shaded and late work marked; the hours of each week against the budget, with the hours
    lost to holidays, time off and busy events; a burn-up of planned against done hours; and
    tables of the milestones (baseline, last run, now), the tasks past their deadline and the
    sessions of the next 14 days. Inline CSS and SVG only: it opens offline, fetches nothing,
    and prints one A4 landscape page per section.

    Reads the progress file and the state of the last run (the baseline) and changes
    neither; an option such as --hours-per-week is for this report only. `plan2cal schedule
    --format html` writes the same report with every run.

    \b
    Example:
      plan2cal report plans/ai-pm-transition.yaml
      plan2cal report plans/ai-pm-transition.yaml -o ~/roadmap.html --today 2027-01-18
    """
    result = write_report(
        options["plan_file"],
        _run_options(options),
        _environment(options),
        options["report_file"],
        options["horizon_years"],
    )
    _notes(result.workspace, writes=False)
    _say(
        f"Wrote {_shown(result.path)} (report as of {result.schedule.today.isoformat()}, "
        f"ends {result.schedule.end.isoformat()}; {result.size / 1024:.0f} KB)."
    )


@cli.command()
@_with_options(_PLAN + _SETTINGS)
@click.option("--by", type=_DateType(), required=True, help="The date to make.")
@click.option("--milestone", help="A phase or task id [default: the end of the plan].")
def fit(**options: Any) -> None:
    """Find the smallest weekly budget (in half hours) that finishes PLAN by a date.

    Uses the real scheduler with the pinned settings, the progress recorded so far and today;
    the work stays what the plan says, and only the pace changes. When no budget the windows
    allow can make the date, says so (exit 4) with the earliest possible date, the hours
    missing by the date, and the tasks that end after it with their hours: what to cut or
    shrink.

    \b
    Example:
      plan2cal fit plans/ai-pm-transition.yaml --by 2027-08-01
    """
    try:
        with _working(f"Finding the budget for {_shown(options['plan_file'])}"):
            workspace, answer = find_budget(
                options["plan_file"],
                _run_options(options),
                _environment(options),
                options["by"],
                options["milestone"],
                options["horizon_years"],
            )
    except UnknownTargetError as exc:
        raise click.BadParameter(str(exc), param_hint="--milestone") from None
    _notes(workspace, writes=False)
    now = workspace.settings.hours_per_week
    if answer.budget is None:
        shortfall = shortfall_lines(answer)
        _echo(shortfall)
        levers = "cut or shrink the tasks above, " if shortfall else ""
        raise UnschedulableError(
            f"no budget the windows allow finishes {answer.target} by {answer.by.isoformat()}: "
            f"at the most they hold, {answer.most:g} h a week, the earliest is "
            f"{answer.earliest.isoformat()}; {levers}widen the windows, or move the date"
        )
    assert answer.end_at_budget is not None
    _say(
        f"{answer.budget:g} h a week finishes {answer.target} on "
        f"{answer.end_at_budget.isoformat()}, by {answer.by.isoformat()} "
        f"(now {now:g} h a week; at most {answer.most:g} h, which finishes on "
        f"{answer.earliest.isoformat()})."
    )


@cli.command()
@_with_options(_PLAN + _SETTINGS)
def baseline(**options: Any) -> None:
    """Make the current schedule of PLAN the baseline that slips are measured against.

    \b
    Example:
      plan2cal baseline plans/ai-pm-transition.yaml
    """
    with _working(f"Scheduling {_shown(options['plan_file'])}"):
        workspace, result = set_baseline(
            options["plan_file"],
            _run_options(options),
            _environment(options),
            options["horizon_years"],
        )
    ends = ", ".join(f"{phase.key} {phase.end.isoformat()}" for phase in result.phases)
    _say(f"Baseline set in {_shown(workspace.state_path)}: {ends}.")


# Notes init prints; the plan file lists more (writer.LISTED_NOTES).
_SHOWN_NOTES = 20


@cli.command("init")
@click.option(
    "--from",
    "source",
    type=_Path(dir_okay=False, path_type=Path),
    help="A roadmap guide (plain text) or a Markdown plan with '- [ ]' tasks.",
)
@click.option(
    "-o",
    "--output",
    "plan_file",
    type=_Path(dir_okay=False, path_type=Path),
    help="The plan file to write [default: <source stem>.yaml, or <plan id>.yaml].",
)
@click.option("--force", is_flag=True, help="Replace an existing plan file.")
@click.option(
    "--ask/--no-ask",
    default=None,
    help="Without --from: ask the questions [default: when run in a terminal].",
)
@click.option(
    "--today",
    type=_DateType(),
    help="The day checked boxes without a date were done [default: today].",
)
def init(**options: Any) -> None:
    """Write a plan file from a roadmap guide, a Markdown plan, or a few questions.

    A guide in the layout of the career guides (phases with "8 weeks- first task", skills,
    "This Week / This Month / Next 90 Days") or Markdown ("## Phase (3 weeks)", "- [ ] task
    (12h) after: id", "- [x] done task (done 2027-01-10)") becomes a YAML plan that schedules
    as it is; checked boxes go into the progress file as done. Without --from, it asks the
    plan's name, start, hours a week, evening and weekend windows and time zone, and writes a
    plan with one example phase. Lines it cannot place are listed, never guessed silently.

    \b
    Example:
      plan2cal init --from transition-guide.txt -o plan.yaml
      plan2cal init --from study-plan.md
      plan2cal init -o roadmap.yaml
    """
    from plan2cal.init.questions import default_answers
    from plan2cal.init.start import init_plan

    today = options["today"] or dt.date.today()
    zone = _local_zone()
    source = options["source"]
    answers = None
    if source is None:
        answers = _answers(options["ask"], default_answers(today, zone))
    written = init_plan(
        source,
        options["plan_file"],
        today=today,
        zone=zone,
        answers=answers,
        force=options["force"],
    )
    notes = sorted(written.draft.notes, key=lambda note: note.line)
    for note in notes[:_SHOWN_NOTES]:
        where = f"{_shown(source)}:{note.line}: " if source is not None and note.line else ""
        _say(f"Note: {where}{note.text}.", err=True)
    if len(notes) > _SHOWN_NOTES:
        _say(
            f"Note: {len(notes) - _SHOWN_NOTES:,} more lines were not read as they stand; the "
            f"plan lists them at its top.",
            err=True,
        )
    tasks = written.draft.tasks()
    _say(
        f"Wrote {_shown(written.plan_file)}: {_count(len(written.draft.phases), 'phase')}, "
        f"{_count(len(tasks), 'task')}, from {written.draft.source}."
    )
    if written.progress_file is not None:
        _say(
            f"Recorded {_count(len(written.done), 'task')} as done in "
            f"{_shown(written.progress_file)}."
        )
    unsized = sum(1 for task in tasks if task.minutes is None and task.every is None)
    if unsized:
        verb = "has" if unsized == 1 else "have"
        _say(f"{_count(unsized, 'task')} {verb} no estimate: look for '# hours:' in the plan.")
    _say(f"Next: plan2cal schedule {_shown(written.plan_file)}")


def _answers(ask: bool | None, defaults: Answers) -> Answers:
    """The answers typed at the terminal, or the defaults when nobody can answer."""
    from plan2cal.init.questions import QUESTIONS, Answers, Question, shown_default, starter_draft

    if ask is None:
        ask = sys.stdin.isatty()
    if not ask:
        _say(
            "Note: not a terminal, so the defaults were taken (--ask asks anyway); edit the "
            "plan's defaults: to change them.",
            err=True,
        )
        return defaults
    values: dict[str, Any] = {}
    for question in QUESTIONS:

        def read(text: str, question: Question = question) -> object:
            try:
                return question.read(text)
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None

        values[question.field] = click.prompt(
            question.prompt,
            default=shown_default(defaults, question.field),
            value_proc=read,
        )
    answers = Answers(**values)
    try:
        starter_draft(answers)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return answers


def _local_zone() -> str:
    """This machine's IANA zone as tzlocal finds it (TZ, /etc/timezone, the registry on
    Windows), else as schedule finds it."""
    import tzlocal

    try:
        name = tzlocal.get_localzone_name()
    except Exception:  # tzlocal raises errors of its own on a broken setup
        name = None
    if name:
        try:
            check_timezone(name)
            return name
        except ValueError:
            pass
    return _system_zone()


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the plan file.

    Editors use it to check and complete plan files, e.g. with the comment
    `# yaml-language-server: $schema=plan2cal.schema.json` at the top of a YAML plan.

    \b
    Example:
      plan2cal schema > plans/plan2cal.schema.json
    """
    _say(json.dumps(plan_json_schema(), indent=2, sort_keys=True))


def _now() -> dt.datetime:
    """This moment in UTC to the second; SOURCE_DATE_EPOCH, when set, for reproducible files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        check_date_in_range(moment.date())
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970 up to 2199, not '{epoch}'"
        ) from None
    return moment


def _system_zone() -> str:
    """This machine's IANA zone name, from TZ or /etc/localtime; UTC when neither tells."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError, IndexError):
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    for name in candidates:
        # /usr/share/zoneinfo/posix/Europe/Berlin is Europe/Berlin under another folder.
        name = name.removeprefix("posix/").removeprefix("right/")
        if name:
            try:
                check_timezone(name)
                return name
            except ValueError:
                continue
    return "UTC"


def main() -> None:
    """Entry point of the ``plan2cal`` command."""
    try:
        cli(prog_name="plan2cal")
    except BrokenPipeError:
        # The reader went away (``plan2cal check … | head``): stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
