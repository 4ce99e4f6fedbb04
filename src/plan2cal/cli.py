"""The command line: options → library calls → files → one summary. The only module with click."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from plan2cal import __version__
from plan2cal.controllers import Workspace, export_calendar, make_schedule, open_workspace
from plan2cal.durations import duration_text, parse_duration
from plan2cal.errors import Plan2CalError, UnschedulableError
from plan2cal.export.formats import FORMATS, TABLE_FORMATS, Options
from plan2cal.export.ics import SIZE_WARNING
from plan2cal.files import write_atomic
from plan2cal.fit import UnknownTargetError, fit_budget
from plan2cal.load import load_plan
from plan2cal.model import check_timezone, plan_json_schema
from plan2cal.progress import (
    UnknownTaskError,
    check_task_id,
    progress_path,
    record_done,
    record_log,
    undo_last,
)
from plan2cal.report import (
    check_report,
    moved_lines,
    progress_lines,
    schedule_summary,
    slip_report,
    warning_lines,
)
from plan2cal.state import rebaseline, write_state


class _DateType(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04", param, ctx
            )


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            check_timezone(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


class _Commands(click.Group):
    """Turns plan2cal's errors into one line on stderr and the exit code of their class."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Plan2CalError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(
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

    \b
    Example:
      plan2cal schedule plans/ai-pm-transition.yaml --start 2027-01-04

    \b
    Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 plan invalid,
    4 unschedulable, 5 progress or state file problem.
    """


def _plan_argument(function: Any) -> Any:
    function = click.option(
        "--progress",
        "progress_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Progress file [default: <plan stem>.progress.yaml beside the plan].",
    )(function)
    return click.argument(
        "plan_file", metavar="PLAN", type=click.Path(dir_okay=False, path_type=Path)
    )(function)


def _schedule_options(function: Any) -> Any:
    options = [
        click.option(
            "--start",
            type=_DateType(),
            help="First day of work [default: defaults.start, else next Monday].",
        ),
        click.option(
            "--hours-per-week",
            type=click.FloatRange(min=0, min_open=True, max=168),
            help="Weekly budget in hours [default: defaults.hours_per_week].",
        ),
        click.option(
            "--timezone",
            callback=_zone,
            help="IANA zone of the windows [default: defaults.timezone, else this machine's zone].",
        ),
        click.option(
            "--today",
            type=_DateType(),
            help="Work before this day is history; the rest is placed from it [default: today].",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("out"),
            show_default=True,
            help="Folder of the output files and their state.",
        ),
        click.option(
            "--horizon-years",
            type=click.IntRange(min=1, max=1000),
            default=30,
            show_default=True,
            help="Give up when the work would not end within this many years.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return _plan_argument(function)


def _workspace(options: dict[str, Any]) -> Workspace:
    return open_workspace(
        options["plan_file"],
        today=options["today"] or dt.date.today(),
        output=options["output"],
        start=options["start"],
        hours_per_week=options["hours_per_week"],
        timezone=options["timezone"],
        progress_file=options["progress_file"],
        fallback_zone=_system_zone(),
    )


def _echo(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _warn_unknown(workspace: Workspace) -> None:
    for key in workspace.unknown_progress():
        click.echo(
            f"Note: {workspace.progress_file} has progress for '{key}', which the plan no longer "
            "has; it is kept there but not used.",
            err=True,
        )


@cli.command()
@_schedule_options
@click.option(
    "--format",
    "formats",
    type=click.Choice([*FORMATS, "all"]),
    multiple=True,
    help="What to write; repeat for several [default: ics]. jira: Jira CSV and its importer "
    "configuration; csv: a tasks CSV for spreadsheets.",
)
@click.option(
    "--jira-keys",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A CSV exported from Jira: rows for issues it holds get their Issue Key.",
)
@click.option(
    "--tombstone-days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Days to keep writing removed events as cancelled.",
)
def schedule(**options: Any) -> None:
    """Schedule PLAN and write OUTPUT/<plan>.ics.

    Prints each phase's start, end (its milestone), nominal end, the difference and its hours,
    then any warnings. The .ics has one event per work session and an all-day milestone per
    phase; import it into Google Calendar, Apple Calendar, Outlook or Thunderbird. DTSTAMP is
    taken from SOURCE_DATE_EPOCH when it is set, so the file is reproducible.

    After a slip, record what got done (plan2cal done / log) and run it again: finished work
    stays where it happened, the rest moves to the future, events keep their UIDs and get a
    higher SEQUENCE, and events that no longer exist are written as cancelled.

    \b
    Example:
      plan2cal schedule plans/ai-pm-transition.yaml --start 2027-01-04 --hours-per-week 8
    """
    workspace = _workspace(options)
    _warn_unknown(workspace)
    result = make_schedule(workspace, options["horizon_years"])
    chosen = set(FORMATS) if "all" in options["formats"] else set(options["formats"] or ["ics"])
    # Render every file before writing any, so that a failure writes nothing.
    export_options = Options(jira_keys=options["jira_keys"])
    tables = {
        name: TABLE_FORMATS[name](result, export_options)
        for name in TABLE_FORMATS
        if name in chosen
    }
    written = (
        export_calendar(workspace, result, _dtstamp(), options["tombstone_days"])
        if "ics" in chosen
        else None
    )
    output: Path = options["output"]
    paths = {
        name: {output / f"{result.plan}.{suffix}": data for suffix, data in rendered.files.items()}
        for name, rendered in tables.items()
    }
    for files in paths.values():
        for path, data in files.items():
            write_atomic(path, data)
    _echo(schedule_summary(result))
    previous = workspace.state
    if written is not None and previous is not None and previous.last_run is not None:
        _echo(["", *moved_lines(result, previous.last_run)])
        _echo(["", *slip_report(result, previous.baseline, previous.last_run)])
    click.echo("")
    if written is not None:
        revisions = written.revisions
        click.echo(
            f"Wrote {written.ics_path} ({len(result.sessions)} sessions, "
            f"{len(result.phases) + len(result.milestones)} milestones, "
            f"{revisions.added} new, {revisions.changed} changed, {revisions.cancelled} "
            f"cancelled; {written.size / 1024:.0f} KB)."
        )
        if written.size > SIZE_WARNING:
            click.echo(
                "Note: Google Calendar imports files of up to about 1 MB; import this one "
                "in parts or subscribe to it instead.",
                err=True,
            )
    for name, rendered in tables.items():
        click.echo(f"Wrote {', '.join(str(path) for path in paths[name])}.")
        for line in rendered.settings:
            click.echo(f"  {name}: {line}")


@cli.command()
@_schedule_options
def check(**options: Any) -> None:
    """Validate PLAN and print what the schedule will assume.

    Shows the weekly capacity and its blocks, each task's id and effort (and which were derived),
    and the warnings a schedule would give. Writes nothing.

    \b
    Example:
      plan2cal check plans/ai-pm-transition.yaml
    """
    workspace = _workspace(options)
    _warn_unknown(workspace)
    _echo(check_report(make_schedule(workspace, options["horizon_years"])))


def _check_task(plan_file: Path, task: str) -> None:
    plan = load_plan(plan_file)
    try:
        check_task_id(task, [item.key for _, item in plan.task_list()])
    except UnknownTaskError as exc:
        raise click.BadParameter(str(exc), param_hint="TASK") from None


@cli.command()
@_plan_argument
@click.argument("task")
@click.option("--on", "day", type=_DateType(), help="The day it was finished [default: today].")
def done(plan_file: Path, progress_file: Path | None, task: str, day: dt.date | None) -> None:
    """Record that TASK of PLAN is finished.

    \b
    Example:
      plan2cal done plans/ai-pm-transition.yaml google-pm-certificate --on 2027-02-10
    """
    _check_task(plan_file, task)
    path = progress_path(plan_file, progress_file)
    on = day or dt.date.today()
    record_done(path, task, on)
    click.echo(f"Recorded {task} as done on {on.isoformat()} in {path}.")


@cli.command()
@_plan_argument
@click.argument("task")
@click.argument("duration")
@click.option("--on", "day", type=_DateType(), help="The day of the work [default: today].")
def log(
    plan_file: Path, progress_file: Path | None, task: str, duration: str, day: dt.date | None
) -> None:
    """Record DURATION of work on TASK of PLAN (90m, 1h30m, 2h or hours).

    \b
    Example:
      plan2cal log plans/ai-pm-transition.yaml start-ml-course 6h
    """
    try:
        minutes = parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DURATION") from None
    _check_task(plan_file, task)
    path = progress_path(plan_file, progress_file)
    on = day or dt.date.today()
    progress = record_log(path, task, minutes, on)
    click.echo(
        f"Logged {duration_text(minutes)} on {task} on {on.isoformat()} in {path} "
        f"({duration_text(progress.spent(task))} in all)."
    )


@cli.command()
@_plan_argument
@click.argument("task")
def undo(plan_file: Path, progress_file: Path | None, task: str) -> None:
    """Remove the last entry recorded for TASK: its done date, else its last log entry.

    \b
    Example:
      plan2cal undo plans/ai-pm-transition.yaml start-ml-course
    """
    path = progress_path(plan_file, progress_file)
    _, removed = undo_last(path, task)
    click.echo(removed)


@cli.command()
@_schedule_options
def status(**options: Any) -> None:
    """Show progress and slip of PLAN: milestones against the baseline and the last run.

    Writes nothing; the last run and the baseline come from the state beside the outputs.

    \b
    Example:
      plan2cal status plans/ai-pm-transition.yaml
    """
    workspace = _workspace(options)
    _warn_unknown(workspace)
    result = make_schedule(workspace, options["horizon_years"])
    state = workspace.state
    _echo([f"{result.title}: as of {workspace.today.isoformat()}", "", *progress_lines(result), ""])
    _echo(slip_report(result, state.baseline if state else None, state.last_run if state else None))
    if state is None:
        click.echo("(No earlier run: run plan2cal schedule to set the baseline.)")
    _echo(warning_lines(result))


@cli.command()
@_schedule_options
@click.option("--by", type=_DateType(), required=True, help="The date to make.")
@click.option("--milestone", help="A phase or task id [default: the end of the plan].")
def fit(**options: Any) -> None:
    """Find the smallest weekly budget (in half hours) that finishes PLAN by a date.

    Uses the real scheduler with the progress recorded so far and today. When no budget the
    windows allow can make the date, says so and gives the earliest possible date.

    \b
    Example:
      plan2cal fit plans/ai-pm-transition.yaml --by 2027-08-01
    """
    workspace = _workspace(options)
    try:
        answer = fit_budget(
            workspace.plan,
            workspace.availability,
            workspace.start,
            workspace.actuals,
            options["by"],
            options["milestone"],
            options["horizon_years"],
        )
    except UnknownTargetError as exc:
        raise click.BadParameter(str(exc), param_hint="--milestone") from None
    now = workspace.availability.hours_per_week
    if answer.budget is None:
        raise UnschedulableError(
            f"no budget the windows allow finishes {answer.target} by {answer.by.isoformat()}: "
            f"at the most they hold, {answer.most:g} h a week, the earliest is "
            f"{answer.earliest.isoformat()}; widen the windows, or move the date"
        )
    assert answer.end_at_budget is not None
    click.echo(
        f"{answer.budget:g} h a week finishes {answer.target} on "
        f"{answer.end_at_budget.isoformat()}, by {answer.by.isoformat()} "
        f"(now {now:g} h a week; at most {answer.most:g} h, which finishes on "
        f"{answer.earliest.isoformat()})."
    )


@cli.command()
@_schedule_options
def baseline(**options: Any) -> None:
    """Make the current schedule of PLAN the baseline that slips are measured against.

    \b
    Example:
      plan2cal baseline plans/ai-pm-transition.yaml
    """
    workspace = _workspace(options)
    result = make_schedule(workspace, options["horizon_years"])
    write_state(workspace.state_path, rebaseline(workspace.state, result))
    ends = ", ".join(f"{phase.key} {phase.end.isoformat()}" for phase in result.phases)
    click.echo(f"Baseline set in {workspace.state_path}: {ends}.")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the plan file.

    Editors use it to check and complete plan files, e.g. with the comment
    `# yaml-language-server: $schema=plan2cal.schema.json` at the top of a YAML plan.

    \b
    Example:
      plan2cal schema > plans/plan2cal.schema.json
    """
    click.echo(json.dumps(plan_json_schema(), indent=2, sort_keys=True))


def _dtstamp() -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(
            f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not '{epoch}'"
        ) from None


def _system_zone() -> str:
    """This machine's IANA zone name, from TZ or /etc/localtime; UTC when neither tells."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError, IndexError):
        candidates.append(str(Path("/etc/localtime").resolve()).split("zoneinfo/", 1)[1])
    for name in candidates:
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
