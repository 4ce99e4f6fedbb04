"""Between the command line and the core: one function per command.

Each finds the plan's files, settles the run's settings (the command line, else what the first
run pinned, else the plan, else the defaults), holds the locks a writing command needs, calls
the scheduler, writes through one transaction, and returns what the command line prints. No
click here, and no clock: today, now and this machine's zone come in as arguments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import ValidationError

from plan2cal.agenda import Agenda, build_agenda
from plan2cal.availability import Blocked, read_blocked
from plan2cal.durations import duration_text
from plan2cal.errors import (
    MissedDatesError,
    OutputError,
    Plan2CalError,
    PlanError,
    PublishError,
    UsageError,
)
from plan2cal.export.events import plan_namespace
from plan2cal.export.formats import FORMATS
from plan2cal.export.revisions import State, load_state, rebaseline, state_bytes, state_path
from plan2cal.files import FileWrite, commit, recover, remove_stale_temporaries
from plan2cal.fit import Fit, fit_budget
from plan2cal.load import load_plan, locate
from plan2cal.locking import hold_locks
from plan2cal.model import DEFAULT_HOURS_PER_WEEK, HolidayRegion, Plan
from plan2cal.outputs import (
    OutputRequest,
    Outputs,
    output_paths,
    render_outputs,
    report_path,
    write_outputs,
)
from plan2cal.progress import (
    BudgetChange,
    Progress,
    PushTarget,
    Settings,
    check_task_id,
    load_progress,
    progress_bytes,
    progress_path,
    with_done,
    with_log,
    with_settings,
    without_last,
)
from plan2cal.publish import push_state_path
from plan2cal.report import NominalView
from plan2cal.schedule import Actuals, Schedule, availability_for, build_schedule
from plan2cal.worktime import Availability

if TYPE_CHECKING:
    # The CalDAV client is imported by the runs that talk to a server, not by every run.
    from plan2cal.publish import Connection, PushResult
    from plan2cal.publish.busy import BusySource

DEFAULT_OUTPUT = Path("out")
DEFAULT_FORMATS = ("ics",)


@dataclass(frozen=True)
class Environment:
    """What only the command line knows: the day, the moment, this machine's zone, and how
    long to wait for another run of the same plan."""

    today: dt.date
    now: dt.datetime
    fallback_zone: str = "UTC"
    lock_timeout: float = 60.0
    on_wait: Callable[[Path], None] | None = None
    # Where a push finds its password (publish/credentials.py): never the command line.
    environ: Mapping[str, str] = field(default_factory=dict)
    netrc_file: Path | None = None


@dataclass(frozen=True)
class RunOptions:
    """What the command line said about the run's settings; None where it said nothing."""

    start: dt.date | None = None
    hours_per_week: float | None = None
    timezone: str | None = None
    formats: tuple[str, ...] | None = None
    output: Path | None = None
    jira_keys: Path | None = None
    progress_file: Path | None = None
    push_url: str | None = None
    push_user: str | None = None
    ca_cert: Path | None = None
    push: bool | None = None  # push after writing: True, False, or None for "if pinned"
    holidays: tuple[str, ...] | None = None  # DE-BE, …; ("none",) for none
    busy: tuple[Path, ...] = ()  # busy calendars beside the plan's own
    busy_servers: tuple[str, ...] = ()  # calendar URLs on a server, or "siblings"


@dataclass(frozen=True)
class PushSettings:
    """The calendar a push keeps in step, settled: its URL, the user and a private CA."""

    url: str
    user: str | None = None
    ca_cert: Path | None = None


@dataclass(frozen=True)
class RunSettings:
    """The settings a run uses, settled."""

    start: dt.date
    hours_per_week: float
    timezone: str
    formats: tuple[str, ...]
    output: Path
    jira_keys: Path | None
    effort_basis: float  # the weekly hours that size the tasks without hours (DESIGN §4 rule 1)
    push: PushSettings | None = None  # where a push goes: the command line's, else the pinned
    holidays: tuple[HolidayRegion, ...] = ()
    busy: tuple[Path, ...] = ()  # the command line's busy calendars
    busy_servers: tuple[BusySource, ...] = ()  # the command line's calendars on a server


@dataclass(frozen=True)
class Workspace:
    """A plan with its progress and the settled settings of this run."""

    plan_file: Path
    plan: Plan
    progress_file: Path
    progress: Progress
    today: dt.date
    settings: RunSettings
    pinned: Settings  # what the progress file says once a writing run pins this run's settings
    changes: tuple[str, ...] = ()  # each pinned setting the command line changed
    notes: tuple[str, ...] = ()  # where the plan file disagrees with a pinned setting

    @cached_property
    def availability(self) -> Availability:
        """The weekly budget, zone, windows and session limits of this run, and what holidays,
        time off and the busy calendars take away."""
        plain = availability_for(
            self.plan,
            hours_per_week=self.settings.hours_per_week,
            timezone=self.settings.timezone,
        )
        return dataclasses.replace(plain, blocked=self.blocked)

    @cached_property
    def blocked(self) -> Blocked | None:
        """Holidays, time off and busy calendars (the plan's, relative to it, then the command
        line's files, then the calendars read from a server); None when there are none.
        Reading a busy calendar can fail (PlanError), and so can a server (PublishError)."""
        folder = self.plan_file.parent
        files = [(folder / name, str(folder / name)) for name in self.plan.busy]
        files += [(path, str(path)) for path in self.settings.busy]
        return read_blocked(
            self.settings.timezone,
            regions=self.settings.holidays,
            off=self.plan.off,
            busy_files=files,
            busy_texts=_fetch_busy(self.settings.busy_servers),
            margin=self.plan.busy_margin,
            ignore_plan=str(plan_namespace(self.plan.plan)),
        )

    @property
    def ics_path(self) -> Path:
        """The calendar file of the plan."""
        return self.settings.output / f"{self.plan.plan}.ics"

    @property
    def state_path(self) -> Path:
        """The state file beside the outputs."""
        return state_path(self.settings.output, self.plan.plan)

    @property
    def journal_path(self) -> Path:
        """Where a run that writes several files notes them until all are in place."""
        return self.settings.output / f".{self.plan.plan}.journal"

    @cached_property
    def state(self) -> State | None:
        """What the last run wrote; read only when needed (it can hold 100,000 events)."""
        return load_state(self.state_path, self.ics_path, self.plan.plan)

    @property
    def actuals(self) -> Actuals:
        """What has happened, for the scheduler: each task's done date, log entries (the time
        spent is their sum) and re-estimate from the progress file, and the sessions the last
        run showed, which done tasks without log entries keep."""
        from plan2cal.export.revisions import session_history

        ids = [task.key for _, task in self.plan.task_list()]
        done = {key: day for key in ids if (day := self.progress.done_on(key)) is not None}
        logged = {
            key: [(entry.date, entry.duration) for entry in entries.log]
            for key in ids
            if (entries := self.progress.tasks.get(key)) is not None and entries.log
        }
        remaining = {key: left for key in ids if (left := self.progress.remaining(key)) is not None}
        # Only done tasks keep sessions from the last run, so without any the state is not read.
        history = session_history(self.state) if done else {}
        return Actuals(self.today, done, history=history, logged=logged, remaining=remaining)

    def unknown_progress(self) -> list[str]:
        """Task ids with progress that the plan no longer has."""
        return self.progress.unknown(task.key for _, task in self.plan.task_list())

    def schedule(self, horizon_years: int = 30) -> Schedule:
        """The plan scheduled from its start with its progress as of today."""
        with located(self.plan_file):
            return build_schedule(
                self.plan,
                self.availability,
                self.settings.start,
                actuals=self.actuals,
                effort_basis=self.settings.effort_basis,
                horizon_years=horizon_years,
            )


@contextmanager
def located(plan_file: Path) -> Iterator[None]:
    """Put ``file:line: field:`` in front of an error the library found at a field of the plan
    (Plan2CalError.where), keeping its class and so its exit code."""
    try:
        yield
    except Plan2CalError as exc:
        if not exc.where:
            raise
        raise type(exc)(locate(plan_file, exc.where, str(exc))) from None


def require_no_miss(schedule: Schedule) -> None:
    """``--strict``: raise MissedDatesError (exit 4) naming each date the schedule misses."""
    if schedule.misses:
        count = len(schedule.misses)
        named = "; ".join(
            f"'{miss.key}' due {miss.due.isoformat()}, {miss.days_late} days late"
            for miss in schedule.misses
        )
        raise MissedDatesError(
            f"the schedule misses {count} {'date' if count == 1 else 'dates'} ({named}); "
            "cut or shrink work, widen the windows (plan2cal fit says by how much), or move "
            "the date"
        )


def next_monday(today: dt.date) -> dt.date:
    """The Monday after ``today``."""
    return today + dt.timedelta(days=7 - today.weekday())


def open_workspace(plan_file: Path, options: RunOptions, env: Environment) -> Workspace:
    """Load the plan and its progress file and settle the run's settings."""
    progress_file = progress_path(plan_file, options.progress_file)
    progress = load_progress(progress_file, FORMATS)
    # Relative deadlines are checked against the start they will be resolved from.
    plan = load_plan(plan_file, start=options.start or progress.settings.start)
    settings, pinned, changes, notes = settle(plan, progress.settings, options, env, progress_file)
    return Workspace(
        plan_file=plan_file,
        plan=plan,
        progress_file=progress_file,
        progress=progress,
        today=env.today,
        settings=settings,
        pinned=pinned,
        changes=tuple(changes),
        notes=tuple(notes),
    )


def settle(
    plan: Plan, pinned: Settings, options: RunOptions, env: Environment, progress_file: Path
) -> tuple[RunSettings, Settings, list[str], list[str]]:
    """The run's settings, the settings to pin, the lines saying what the command line changed,
    and notes where the plan file disagrees with a pinned value (DESIGN §4 rule 6).

    Each setting comes from the command line, else from what an earlier run pinned, else from
    the plan file, else from the default. A plan file edited after the pin does not move the
    pin silently: the note says which option changes it.
    """
    defaults = plan.defaults
    changes: list[str] = []
    notes: list[str] = []
    folder = progress_file.parent

    def note(name: str, option: str, said: object, kept: object) -> None:
        if said is not None and kept is not None and said != kept:
            notes.append(
                f"the plan says {name} {said}, but this plan's runs are pinned to {kept}; "
                f"give {option} {said} to change it"
            )

    def change(name: str, before: object, after: object) -> None:
        if before is not None and before != after:
            changes.append(f"{name}: {before} → {after}")

    note("start", "--start", defaults.start, pinned.start)
    start = options.start or pinned.start or defaults.start or next_monday(env.today)
    change("start", pinned.start, start)

    note("timezone", "--timezone", defaults.timezone, pinned.timezone)
    zone = options.timezone or pinned.timezone or defaults.timezone or env.fallback_zone
    change("timezone", pinned.timezone, zone)

    note(
        "hours_per_week",
        "--hours-per-week",
        _hours(defaults.hours_per_week),
        _hours(pinned.hours_per_week),
    )
    hours = (
        options.hours_per_week
        or pinned.hours_per_week
        or defaults.hours_per_week
        or DEFAULT_HOURS_PER_WEEK
    )
    budget = list(pinned.budget)
    if not budget:
        budget = [BudgetChange(since=start, hours_per_week=hours)]
    elif hours != budget[-1].hours_per_week:
        # A budget change applies from today on (or from the start, if that is later): the
        # weeks before keep the budget they had.
        since = max(env.today, start)
        changes.append(
            f"weekly budget: {_hours(budget[-1].hours_per_week)} → {_hours(hours)} from "
            f"{since.isoformat()}"
        )
        if budget[-1].since >= since:
            budget.pop()
        budget.append(BudgetChange(since=since, hours_per_week=hours))

    formats = options.formats or tuple(pinned.formats) or DEFAULT_FORMATS
    if pinned.formats:
        change("formats", ", ".join(pinned.formats), ", ".join(formats))

    pinned_output = _from_pin(folder, pinned.output)
    output = options.output or pinned_output or DEFAULT_OUTPUT
    change("output", pinned_output, output)
    pinned_keys = _from_pin(folder, pinned.jira_keys)
    jira_keys = options.jira_keys or pinned_keys
    change("jira keys", pinned_keys, jira_keys)

    plan_regions = [region.code for region in plan.holidays]
    note(
        "holidays",
        "--holidays",
        # A plan that names no holidays says nothing a pin could disagree with.
        _regions_text(plan_regions) if plan_regions else None,
        None if pinned.holidays is None else _regions_text(pinned.holidays),
    )
    if options.holidays is not None:
        codes = [code for code in options.holidays if code.lower() != "none"]
    elif pinned.holidays is not None:
        codes = list(pinned.holidays)
    else:
        codes = plan_regions
    regions = _holiday_regions(codes)
    codes = list(dict.fromkeys(region.code for region in regions))
    if pinned.holidays is not None:
        change("holidays", _regions_text(pinned.holidays), _regions_text(codes))

    push = _push_settings(pinned.push, options, folder)
    if options.busy_servers:
        from plan2cal.publish.busy import busy_source
    busy_servers = tuple(
        busy_source(
            value,
            push_url=push.url if push else None,
            push_user=push.user if push else None,
            push_ca=push.ca_cert if push else None,
            environ=env.environ,
            netrc_file=env.netrc_file,
        )
        for value in dict.fromkeys(options.busy_servers)
    )
    basis = defaults.hours_per_week or budget[0].hours_per_week
    settings = RunSettings(
        start=start,
        hours_per_week=hours,
        timezone=zone,
        formats=formats,
        output=output,
        jira_keys=jira_keys,
        effort_basis=basis,
        push=push,
        holidays=regions,
        busy=options.busy,
        busy_servers=busy_servers,
    )
    to_pin = Settings(
        start=start,
        timezone=zone,
        budget=budget,
        formats=list(formats),
        output=_to_pin(folder, output),
        jira_keys=_to_pin(folder, jira_keys) if jira_keys else None,
        # The push target is pinned by a run that pushes to it (run_schedule), once the
        # server has answered that it is a calendar: a mistyped URL is never remembered.
        push=pinned.push,
        # Pinned once there are any or the command line named them (none included), so
        # that a plan without holidays pins nothing new.
        holidays=(
            codes if codes or pinned.holidays is not None or options.holidays is not None else None
        ),
    )
    return settings, to_pin, changes, notes


def _push_settings(
    pinned: PushTarget | None, options: RunOptions, folder: Path
) -> PushSettings | None:
    """The push target: the command line's URL, user and CA, else the pinned ones. A URL on
    another host than the pinned one takes nothing else from the pin (another server's user
    or certificate authority would be wrong there)."""
    url = options.push_url or (pinned.url if pinned else None)
    if url is None:
        return None
    same_host = pinned is not None and urlsplit(pinned.url).netloc == urlsplit(url).netloc
    kept = pinned if same_host else None
    user = options.push_user or (kept.user if kept else None)
    ca_cert = options.ca_cert or (_from_pin(folder, kept.ca_cert) if kept else None)
    return PushSettings(url, user, ca_cert)


def _push_pin(push: PushSettings, folder: Path) -> PushTarget:
    """The push target as the progress file keeps it; a URL with a password is refused
    before this (publish/credentials.py), and the CA path is made relative to ``folder``."""
    try:
        return PushTarget(
            url=push.url,
            user=push.user,
            ca_cert=_to_pin(folder, push.ca_cert) if push.ca_cert else None,
        )
    except ValueError as exc:
        raise UsageError(f"cannot push there: {exc}") from None


def _regions_text(codes: Sequence[str]) -> str:
    return ", ".join(codes) or "none"


def _holiday_regions(codes: Sequence[str]) -> tuple[HolidayRegion, ...]:
    """``DE-BE`` codes as regions; PlanError with a "did you mean" for an unknown one."""
    regions = []
    for code in codes:
        country, _, subdiv = code.strip().partition("-")
        try:
            regions.append(
                HolidayRegion.model_validate(
                    {"country": country, "subdiv": subdiv} if subdiv else {"country": country}
                )
            )
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise PlanError(f"holidays {code}: {message}") from None
    return tuple(regions)


def _hours(value: float | None) -> str | None:
    return None if value is None else f"{value:g} h a week"


def _from_pin(folder: Path, text: str | None) -> Path | None:
    """A pinned path (relative to the progress file's folder) as a path from here."""
    if text is None:
        return None
    path = Path(text)
    if path.is_absolute():
        return path
    joined = Path(os.path.normpath(folder / path))
    return joined


def _to_pin(folder: Path, path: Path) -> str:
    """A path to pin: relative to the progress file's folder, so any working folder finds it."""
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return str(path.resolve())


@contextmanager
def _locked(workspace_or_paths: Sequence[Path], env: Environment) -> Iterator[None]:
    with hold_locks(workspace_or_paths, timeout=env.lock_timeout, on_wait=env.on_wait):
        yield


@contextmanager
def writing_workspace(
    plan_file: Path, options: RunOptions, env: Environment
) -> Iterator[Workspace]:
    """A workspace whose progress file and outputs are locked for the whole run.

    The progress file is locked first (it says where the outputs are), then the plan's state
    in the output folder; a transaction a killed run left half done is finished before
    anything is read. The output lock guards runs of one plan with different progress files;
    it is taken only where the folder exists already, so that a failed first run leaves no
    folder behind, and such runs share the progress file's lock until then.
    """
    progress_file = progress_path(plan_file, options.progress_file)
    with _locked([progress_file], env):
        workspace = open_workspace(plan_file, options, env)
        output = workspace.settings.output
        # os.path.isdir, not Path.is_dir: a name too long to exist is no folder, not an error.
        locks = [workspace.state_path] if os.path.isdir(output) else []
        with _locked(locks, env):
            # Every file any format writes: a killed run may have used other formats.
            targets = output_paths(workspace.plan.plan, FORMATS, output)
            push_state = push_state_path(output, workspace.plan.plan)
            recover(workspace.journal_path, [*targets, workspace.progress_file, push_state])
            yield workspace


def _refuse_to_overwrite_inputs(workspace: Workspace, targets: Sequence[Path]) -> None:
    """Raise OutputError when an output would replace the plan, the progress file or the Jira
    export it reads: a plan named ``x.tasks.csv`` in the output folder would be lost."""
    inputs = [workspace.plan_file, workspace.progress_file]
    if workspace.settings.jira_keys is not None:
        inputs.append(workspace.settings.jira_keys)
    taken = {os.path.realpath(path): path for path in inputs}
    for target in targets:
        source = taken.get(os.path.realpath(target))
        if source is not None:
            raise OutputError(
                f"cannot write {target}: it is {source}, which this run reads; choose another "
                "output folder with -o"
            )


# --------------------------------------------------------------------------- the commands


@dataclass(frozen=True)
class PushRequest:
    """How a push goes, beyond the pinned target: what ``push`` is told on its command line."""

    create: str | None = None  # make a calendar of this name under the URL (a calendar home)
    force: bool = False  # overwrite or delete events edited on the server
    dry_run: bool = False  # read the server, change nothing anywhere
    on_progress: Callable[[int, int], None] | None = None
    connection: Connection | None = None  # timeouts, retries, workers: the defaults if None


@dataclass(frozen=True)
class ScheduleRun:
    """What ``schedule`` (or ``push``) did."""

    workspace: Workspace
    schedule: Schedule
    outputs: Outputs
    previous: State | None
    nominal: NominalView | None = None
    pinned_now: bool = False  # True when this run pinned the settings for the first time
    pushed: PushResult | None = None  # what the push did, when the run pushed
    push_error: Plan2CalError | None = None  # why the push failed, after the files were written
    push_pinned: bool = False  # True when this run pinned a new push target
    written: bool = True  # False for a dry run


def run_schedule(
    plan_file: Path,
    options: RunOptions,
    env: Environment,
    *,
    tombstone_days: int = 30,
    horizon_years: int = 30,
    push: PushRequest | None = None,
) -> ScheduleRun:
    """Schedule the plan and write every output of the pinned formats in one transaction;
    then push the calendar's events when the run pushes.

    A run pushes when ``options.push`` says so, or, with ``options.push`` None, when a push
    target is pinned. A new target is checked (and with ``push.create`` made) before anything
    is written, so that a URL that is no calendar is never pinned; a push that fails after the
    files were written is returned in ``push_error``, for the caller to report after them.
    """
    request = push or PushRequest()
    with writing_workspace(plan_file, options, env) as workspace:
        settings = workspace.settings
        workspace, target, connection, failed = _push_target(workspace, options, request, env)
        _refuse_to_overwrite_inputs(
            workspace, output_paths(workspace.plan.plan, settings.formats, settings.output)
        )
        schedule = workspace.schedule(horizon_years)
        previous = workspace.state
        pin = workspace.pinned != workspace.progress.settings
        progress_write = (
            FileWrite(
                workspace.progress_file,
                progress_bytes(with_settings(workspace.progress, workspace.pinned)),
            )
            if pin
            else None
        )
        outputs = render_outputs(
            schedule,
            previous,
            OutputRequest(
                formats=settings.formats,
                folder=settings.output,
                now=env.now,
                tombstone_days=tombstone_days,
                jira_keys=settings.jira_keys,
                progress=progress_write,
                events=target is not None,
                report_settings=report_settings(workspace),
            ),
        )
        if not request.dry_run:
            write_outputs(outputs, workspace.journal_path)
        pushed: PushResult | None = None
        if target is not None:
            assert outputs.resources is not None and connection is not None
            from plan2cal.publish import push_events

            try:
                pushed = push_events(
                    target.url,
                    outputs.resources,
                    plan_id=workspace.plan.plan,
                    state_file=push_state_path(settings.output, workspace.plan.plan),
                    connection=connection,
                    force=request.force,
                    dry_run=request.dry_run,
                    on_progress=request.on_progress,
                )
            except PublishError as exc:
                if request.dry_run:
                    raise
                failed = exc  # the files are written: the caller reports them, then this
    nominal = nominal_fit(workspace, schedule, horizon_years) if previous is None else None
    written = not request.dry_run
    return ScheduleRun(
        workspace,
        schedule,
        outputs,
        previous,
        nominal,
        pinned_now=workspace.progress.settings.is_empty and written,
        pushed=pushed,
        push_error=failed,
        push_pinned=written and workspace.pinned.push != workspace.progress.settings.push,
        written=written,
    )


def _push_target(
    workspace: Workspace, options: RunOptions, request: PushRequest, env: Environment
) -> tuple[Workspace, PushSettings | None, Connection | None, Plan2CalError | None]:
    """Where this run pushes (None when it does not), connected, and the workspace with the
    target to pin; a run asked to push with no target anywhere is a usage error.

    For the pinned target, a problem found before any request (no password anywhere) is
    returned rather than raised: the files are written all the same, and the caller reports it
    after them, as a push that failed.
    """
    settings = workspace.settings
    pushing = options.push if options.push is not None else settings.push is not None
    if not pushing:
        return workspace, None, None, None
    target = settings.push
    if target is None:
        raise UsageError(
            "there is no calendar to push to yet: give its URL once, e.g. plan2cal push "
            f"{workspace.plan_file} --url https://cal.example.org/dav/calendars/me/roadmap/"
        )
    folder = workspace.progress_file.parent
    known = _push_pin(target, folder) == workspace.pinned.push and request.create is None
    try:
        connection, target = _connect(target, request, env, check=not known)
    except Plan2CalError as exc:
        if not known or request.dry_run:
            raise
        return workspace, None, None, exc
    new_pin = _push_pin(target, folder)
    if new_pin != workspace.pinned.push:
        workspace = dataclasses.replace(
            workspace,
            pinned=workspace.pinned.model_copy(update={"push": new_pin}),
            changes=(*workspace.changes, *_push_changes(workspace.pinned.push, new_pin)),
        )
    return workspace, target, connection, None


def _fetch_busy(sources: Sequence[BusySource]) -> list[tuple[bytes, str]]:
    """The busy calendars read from servers; nothing to import or ask when there are none."""
    if not sources:
        return []
    from plan2cal.publish.busy import fetch_busy

    return fetch_busy(sources)


def _connect(
    target: PushSettings, request: PushRequest, env: Environment, *, check: bool
) -> tuple[Connection, PushSettings]:
    """The connection to the push target, with its credentials; with ``request.create`` the
    calendar made first (its URL replaces the calendar home's). With ``check`` (a target not
    pinned yet) the server is asked whether it is a calendar, so that a wrong URL or password
    stops the run before any file is written or the target is pinned."""
    from plan2cal.publish import Connection, check_calendar, find_credentials, make_calendar

    credentials = find_credentials(
        target.url, target.user, environ=env.environ, netrc_file=env.netrc_file
    )
    base = request.connection or Connection()
    connection = dataclasses.replace(base, credentials=credentials, ca_file=target.ca_cert)
    if request.create is not None:
        if request.dry_run:
            raise UsageError("--create makes a calendar: it cannot be part of a dry run")
        url = make_calendar(target.url, request.create, connection)
        return connection, dataclasses.replace(target, url=url)
    if check:
        check_calendar(target.url, connection)
    return connection, target


def _push_changes(before: PushTarget | None, after: PushTarget) -> list[str]:
    """The lines saying what a new push target changed in the pin."""
    if before is None:
        return []
    lines = []
    if before.url != after.url:
        lines.append(f"push to: {before.url} → {after.url}")
    if before.user != after.user:
        lines.append(f"push user: {before.user or 'none'} → {after.user or 'none'}")
    if before.ca_cert != after.ca_cert:
        lines.append(f"push CA: {before.ca_cert or 'the system'} → {after.ca_cert or 'the system'}")
    return lines


def nominal_fit(
    workspace: Workspace, schedule: Schedule, horizon_years: int = 30
) -> NominalView | None:
    """When the plan ends after its phases' own weeks: by how much, and what budget keeps them
    (what ``fit --by`` the nominal end finds). None when it ends in time, or when no phase
    gives weeks of its own: the nominal dates are then the effort's, not the plan's word."""
    if all(phase.weeks is None for phase in workspace.plan.phases):
        return None
    nominal_end = max(phase.nominal_end for phase in schedule.phases)
    if schedule.end <= nominal_end:
        return None
    first = min(phase.nominal_start for phase in schedule.phases)
    answer = _fit(workspace, nominal_end, None, horizon_years)
    return NominalView(
        nominal_weeks=(nominal_end - first).days / 7,
        nominal_end=nominal_end,
        end=schedule.end,
        weeks=(schedule.end - first).days / 7,
        budget=answer.budget,
        most=answer.most,
        earliest=answer.earliest,
    )


def _fit(workspace: Workspace, by: dt.date, target: str | None, horizon_years: int) -> Fit:
    with located(workspace.plan_file):
        return _fit_budget(workspace, by, target, horizon_years)


def _fit_budget(workspace: Workspace, by: dt.date, target: str | None, horizon_years: int) -> Fit:
    return fit_budget(
        workspace.plan,
        workspace.availability,
        workspace.settings.start,
        workspace.actuals,
        by,
        target,
        horizon_years,
        effort_basis=workspace.settings.effort_basis,
    )


@dataclass(frozen=True)
class Look:
    """What a command that writes nothing saw: the workspace, its schedule, the last state."""

    workspace: Workspace
    schedule: Schedule
    state: State | None
    nominal: NominalView | None = None


def look(
    plan_file: Path,
    options: RunOptions,
    env: Environment,
    horizon_years: int = 30,
    *,
    nominal: bool = True,
) -> Look:
    """The schedule as of today with the pinned settings, for ``check`` and ``status``; with
    ``nominal`` False, without the budget that keeps the phases' weeks (a search over
    schedules, which ``status`` does not print)."""
    workspace = open_workspace(plan_file, options, env)
    schedule = workspace.schedule(horizon_years)
    fitted = nominal_fit(workspace, schedule, horizon_years) if nominal else None
    return Look(workspace, schedule, workspace.state, fitted)


def agenda(
    plan_file: Path, options: RunOptions, env: Environment, days: int, horizon_years: int = 30
) -> tuple[Workspace, Agenda]:
    """``agenda``: the coming ``days`` days of the schedule as of today; writes nothing."""
    workspace = open_workspace(plan_file, options, env)
    schedule = workspace.schedule(horizon_years)
    return workspace, build_agenda(schedule, workspace.today, days)


def find_budget(
    plan_file: Path,
    options: RunOptions,
    env: Environment,
    by: dt.date,
    target: str | None,
    horizon_years: int = 30,
) -> tuple[Workspace, Fit]:
    """``fit``: the smallest weekly budget with which the real scheduler makes ``by``."""
    workspace = open_workspace(plan_file, options, env)
    answer = _fit(workspace, by, target, horizon_years)
    return workspace, answer


def set_baseline(
    plan_file: Path, options: RunOptions, env: Environment, horizon_years: int = 30
) -> tuple[Workspace, Schedule]:
    """Make the current schedule the baseline that slips are measured against."""
    with writing_workspace(plan_file, options, env) as workspace:
        _refuse_to_overwrite_inputs(workspace, [workspace.state_path])
        schedule = workspace.schedule(horizon_years)
        writes = []
        if workspace.pinned != workspace.progress.settings:
            progress = with_settings(workspace.progress, workspace.pinned)
            writes.append(FileWrite(workspace.progress_file, progress_bytes(progress)))
        state = rebaseline(workspace.state, schedule)
        writes.append(FileWrite(workspace.state_path, state_bytes(state)))
        commit(writes, journal=workspace.journal_path)
    return workspace, schedule


@dataclass(frozen=True)
class Recorded:
    """What ``done``, ``log`` or ``undo`` changed, and anything worth a warning."""

    progress_file: Path
    progress: Progress
    message: str
    warnings: tuple[str, ...] = ()


def record(
    plan_file: Path,
    task: str,
    change: Callable[[Progress], tuple[Progress, str]],
    env: Environment,
    *,
    progress_file: Path | None = None,
    on: dt.date | None = None,
) -> Recorded:
    """Change the progress of one task under the progress file's lock, and write it atomically.

    ``on``, the day the work happened, must not be after today; before the plan's start (when
    the plan or an earlier run fixed one) it is kept with a warning.
    """
    plan = load_plan(plan_file)
    check_task_id(task, [item.key for _, item in plan.task_list()])
    path = progress_path(plan_file, progress_file)
    warnings: list[str] = []
    if on is not None and on > env.today:
        raise UsageError(
            f"{on.isoformat()} is after today ({env.today.isoformat()}); record work on or "
            "after the day it happened"
        )
    with _locked([path], env):
        remove_stale_temporaries([path])
        progress = load_progress(path)
        start = progress.settings.start or plan.defaults.start
        if on is not None and start is not None and on < start:
            warnings.append(
                f"{on.isoformat()} is before the plan's start {start.isoformat()}; it is kept "
                "and counts as work done before the plan began"
            )
        updated, message = change(progress)
        commit([FileWrite(path, progress_bytes(updated))])
    return Recorded(path, updated, message, tuple(warnings))


def done_change(task: str, on: dt.date) -> Callable[[Progress], tuple[Progress, str]]:
    """The change ``done`` makes."""
    return lambda progress: (with_done(progress, task, on), f"Recorded {task} as done on {on}")


def log_change(
    task: str, minutes: int, on: dt.date, remaining: int | None = None
) -> Callable[[Progress], tuple[Progress, str]]:
    """The change ``log`` makes; ``remaining`` re-estimates what is left of the task."""

    def change(progress: Progress) -> tuple[Progress, str]:
        updated = with_log(progress, task, minutes, on, remaining)
        left = f"; {duration_text(remaining)} left by the new estimate" if remaining else ""
        return updated, (
            f"Logged {duration_text(minutes)} on {task} on {on} "
            f"({duration_text(updated.spent(task))} in all{left})"
        )

    return change


def undo_change(task: str) -> Callable[[Progress], tuple[Progress, str]]:
    """The change ``undo`` makes."""
    return lambda progress: without_last(progress, task)


def report_settings(workspace: Workspace) -> tuple[tuple[str, str], ...]:
    """The run's settings as the HTML report's header shows them: (name, value). Not the
    output folder: the same run into another folder writes the same report."""
    settings = workspace.settings
    holidays = ", ".join(region.code for region in settings.holidays) or "none"
    return (
        ("start", settings.start.isoformat()),
        ("weekly budget", f"{settings.hours_per_week:g} h"),
        ("time zone", settings.timezone),
        ("holidays", holidays),
        ("formats", ", ".join(settings.formats)),
    )


@dataclass(frozen=True)
class Report:
    """What ``report`` wrote: the file, its size, and what it was drawn from."""

    workspace: Workspace
    schedule: Schedule
    path: Path
    size: int


def write_report(
    plan_file: Path,
    options: RunOptions,
    env: Environment,
    target: Path | None = None,
    horizon_years: int = 30,
) -> Report:
    """``report``: the HTML report of the schedule as of today, written (atomically) to
    ``target`` (in a folder: ``<plan>.html`` there), or to ``<plan>.html`` in the output
    folder. Reads the progress and the state
    (the baseline and the last run) and changes neither."""
    from plan2cal.htmlreport import ReportInput, report_html

    workspace = open_workspace(plan_file, options, env)
    if target is None or os.path.isdir(target):
        path = report_path(target or workspace.settings.output, workspace.plan.plan)
    else:
        path = target
    inputs = [workspace.plan_file, workspace.progress_file, workspace.state_path]
    for source in inputs:
        if os.path.realpath(path) == os.path.realpath(source):
            raise OutputError(
                f"cannot write {path}: it is {source}, which the report reads; give -o another file"
            )
    schedule = workspace.schedule(horizon_years)
    state = workspace.state
    data = ReportInput(
        schedule,
        baseline=state.baseline if state else None,
        last_run=state.last_run if state else None,
        settings=report_settings(workspace),
    )
    html = report_html(data)
    commit([FileWrite(path, html)])
    return Report(workspace, schedule, path, len(html))
