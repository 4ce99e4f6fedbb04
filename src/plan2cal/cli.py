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
from plan2cal.errors import Plan2CalError
from plan2cal.export.ics import SIZE_WARNING, ics_bytes
from plan2cal.files import write_atomic
from plan2cal.load import load_plan
from plan2cal.model import check_timezone, plan_json_schema
from plan2cal.report import check_report, schedule_summary
from plan2cal.schedule import Schedule, availability_for, build_schedule


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


def _schedule_options(function: Any) -> Any:
    options = [
        click.argument(
            "plan_file", metavar="PLAN", type=click.Path(dir_okay=False, path_type=Path)
        ),
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
            "--horizon-years",
            type=click.IntRange(min=1, max=1000),
            default=30,
            show_default=True,
            help="Give up when the work would not end within this many years.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _build(
    plan_file: Path,
    start: dt.date | None,
    hours_per_week: float | None,
    timezone: str | None,
    horizon_years: int,
) -> Schedule:
    plan = load_plan(plan_file)
    zone = timezone or plan.defaults.timezone or _system_zone()
    availability = availability_for(plan, hours_per_week=hours_per_week, timezone=zone)
    first_day = start or plan.defaults.start or _next_monday(dt.date.today())
    return build_schedule(plan, availability, first_day, horizon_years=horizon_years)


@cli.command()
@_schedule_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder for the output files.",
)
def schedule(
    plan_file: Path,
    start: dt.date | None,
    hours_per_week: float | None,
    timezone: str | None,
    horizon_years: int,
    output: Path,
) -> None:
    """Schedule PLAN and write OUTPUT/<plan>.ics.

    Prints each phase's start, end (its milestone), nominal end, the difference and its hours,
    then any warnings. The .ics has one event per work session and an all-day milestone per
    phase; import it into Google Calendar, Apple Calendar, Outlook or Thunderbird. DTSTAMP is
    taken from SOURCE_DATE_EPOCH when it is set, so the file is reproducible.

    \b
    Example:
      plan2cal schedule plans/ai-pm-transition.yaml --start 2027-01-04 --hours-per-week 8
    """
    result = _build(plan_file, start, hours_per_week, timezone, horizon_years)
    data = ics_bytes(result, _dtstamp())
    target = output / f"{result.plan}.ics"
    write_atomic(target, data)
    for line in schedule_summary(result):
        click.echo(line)
    click.echo("")
    click.echo(
        f"Wrote {target} ({len(result.sessions)} sessions, "
        f"{len(result.phases) + len(result.milestones)} milestones, "
        f"{len(data) / 1024:.0f} KB)."
    )
    if len(data) > SIZE_WARNING:
        click.echo(
            "Note: Google Calendar imports files of up to about 1 MB; import this one "
            "in parts or subscribe to it instead.",
            err=True,
        )


@cli.command()
@_schedule_options
def check(
    plan_file: Path,
    start: dt.date | None,
    hours_per_week: float | None,
    timezone: str | None,
    horizon_years: int,
) -> None:
    """Validate PLAN and print what the schedule will assume.

    Shows the weekly capacity and its blocks, each task's id and effort (and which were derived),
    and the warnings a schedule would give. Writes nothing.

    \b
    Example:
      plan2cal check plans/ai-pm-transition.yaml
    """
    result = _build(plan_file, start, hours_per_week, timezone, horizon_years)
    for line in check_report(result):
        click.echo(line)


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


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


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
