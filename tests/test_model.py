"""The plan models: windows, slugs, deadlines, session limits and the JSON Schema of the file."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from click.testing import Result
from pydantic import ValidationError

from conftest import BUNDLED_PLAN, ROOT
from plan2cal.model import (
    FIRST_DATE,
    LAST_DATE,
    MAX_HOURS_PER_WEEK,
    MAX_OFFSET,
    MAX_PHASE_WEEKS,
    MAX_SESSION_MINUTES,
    MAX_TASK_MINUTES,
    Defaults,
    SessionLimits,
    Task,
    check_date_in_range,
    check_hours_per_week,
    check_timezone,
    parse_windows,
    plan_json_schema,
    resolve_date,
    slugify,
)

COMMITTED_SCHEMA = ROOT / "plans" / "plan2cal.schema.json"
EVENING = (19 * 60, 21 * 60)

# --- windows --------------------------------------------------------------------------------------


def test_weekday_range_covers_each_day_from_first_to_last() -> None:
    """``mon-fri`` gives the same window on Monday through Friday and nothing at the weekend."""
    assert parse_windows({"mon-fri": "19:00-21:00"}) == {day: (EVENING,) for day in range(5)}


def test_weekday_range_wraps_around_the_weekend() -> None:
    """``fri-mon`` means Friday, Saturday, Sunday and Monday, not an empty or reversed range."""
    assert parse_windows({"fri-mon": "09:00-10:00"}) == {
        0: ((540, 600),),
        4: ((540, 600),),
        5: ((540, 600),),
        6: ((540, 600),),
    }


def test_single_day_takes_a_list_of_ranges_sorted_by_time() -> None:
    """A list of ranges gives several windows on one day, earliest first."""
    assert parse_windows({"sat": ["14:00-16:00", "09:00-11:00"], "sun": "10:00-11:30"}) == {
        5: ((540, 660), (840, 960)),
        6: ((600, 690),),
    }


def test_windows_that_touch_do_not_overlap() -> None:
    """A window may start at the minute the one before it ends."""
    assert parse_windows({"mon": ["09:00-11:00", "11:00-12:00"]}) == {
        0: ((540, 660), (660, 720)),
    }


def test_window_may_end_at_midnight_written_as_24_00() -> None:
    """``22:00-24:00`` runs to the end of the day: 1320 to 1440 minutes."""
    assert parse_windows({"sun": "22:00-24:00"}) == {6: ((1320, 1440),)}


@pytest.mark.parametrize("text", ["24:30-25:00", "19:00-24:15", "19:60-21:00"])
def test_window_with_a_time_that_does_not_exist_fails(text: str) -> None:
    """Hours past 24, minutes past 59 and anything after 24:00 are refused."""
    with pytest.raises(ValueError, match="has a time that does not exist"):
        parse_windows({"mon": text})


def test_overlapping_windows_on_one_day_fail_and_name_the_day() -> None:
    """A range and a single day that both cover Wednesday evening overlap on Wednesday."""
    with pytest.raises(ValueError, match=r"^windows: two windows on wed overlap$"):
        parse_windows({"mon-fri": "19:00-21:00", "wed": "20:00-22:00"})


@pytest.mark.parametrize("text", ["21:00-19:00", "19:00-19:00"])
def test_window_that_ends_before_it_starts_fails_and_says_how_to_fix_it(text: str) -> None:
    """A window cannot cross midnight or be empty; the message says to split it over two days."""
    with pytest.raises(ValueError, match="ends before it starts") as caught:
        parse_windows({"mon": text})

    assert "split it into two days" in str(caught.value)


@pytest.mark.parametrize(("key", "guess"), [("thur", "thu"), ("satur", "sat"), ("mon-fir", "fri")])
def test_misspelt_weekday_fails_with_did_you_mean(key: str, guess: str) -> None:
    """A weekday that is not one of mon…sun is refused with the closest real one."""
    with pytest.raises(ValueError, match=f"did you mean '{guess}'") as caught:
        parse_windows({key: "09:00-10:00"})

    assert f"'{key}' is not a weekday or range" in str(caught.value)


def test_window_text_that_is_not_a_range_fails() -> None:
    """A window must read ``HH:MM-HH:MM``."""
    with pytest.raises(ValueError, match=r"'evenings' is not a time range such as 19:00-21:00"):
        parse_windows({"mon": "evenings"})


def test_defaults_model_checks_its_windows() -> None:
    """A bad window in ``defaults.windows`` fails validation of the model itself."""
    with pytest.raises(ValidationError, match="ends before it starts"):
        Defaults.model_validate({"windows": {"mon": "21:00-19:00"}})


# --- slugs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Task B", "task-b"),
        ("Shadow current project managers", "shadow-current-project-managers"),
        ("  Hello,  World!  ", "hello-world"),
        ("Café Déjà Vu", "cafe-deja-vu"),
        ("Über_alles 2.0", "uber-alles-2-0"),
        ("***", "task"),
        ("日本語", "task"),
    ],
)
def test_slugify_makes_lower_case_ascii_words_joined_by_hyphens(name: str, slug: str) -> None:
    """Names become ids: accents dropped, punctuation runs to one hyphen, nothing left → task."""
    assert slugify(name) == slug


def test_task_without_id_takes_its_key_from_its_name() -> None:
    """A task's key is its id when given, else the slug of its name."""
    assert Task.model_validate({"name": "Read The Book"}).key == "read-the-book"
    assert Task.model_validate({"id": "book", "name": "Read The Book"}).key == "book"


# --- deadlines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "start", "expected"),
    [
        ("+10d", dt.date(2027, 1, 4), dt.date(2027, 1, 14)),
        ("+2w", dt.date(2027, 1, 4), dt.date(2027, 1, 18)),
        ("+1mo", dt.date(2027, 1, 4), dt.date(2027, 2, 4)),
        ("+1mo", dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        ("+1mo", dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        ("+12mo", dt.date(2027, 3, 15), dt.date(2028, 3, 15)),
    ],
)
def test_relative_deadline_resolves_from_the_start(
    offset: str, start: dt.date, expected: dt.date
) -> None:
    """``+Nd``, ``+Nw`` and ``+Nmo`` count from the start; months clip to the month's last day."""
    assert resolve_date(offset, start) == expected


def test_absolute_deadline_resolves_to_itself() -> None:
    """A deadline that is a date does not depend on the start."""
    assert resolve_date(dt.date(2027, 3, 1), dt.date(2030, 1, 1)) == dt.date(2027, 3, 1)


def test_task_deadline_reads_dates_and_offsets_and_refuses_other_text() -> None:
    """A task deadline is a date or an offset; anything else fails with both forms named."""
    assert Task.model_validate({"name": "x", "deadline": "2027-03-01"}).deadline == dt.date(
        2027, 3, 1
    )
    assert Task.model_validate({"name": "x", "deadline": "+3mo"}).deadline == "+3mo"
    with pytest.raises(ValidationError, match=r"neither a date .* nor an offset"):
        Task.model_validate({"name": "x", "deadline": "soon"})


# --- limits shared with the command line and the progress file -----------------------------------


def test_dates_in_range_pass_through_and_others_say_the_range() -> None:
    """check_date_in_range returns a date within 1970-01-01..2199-12-31 and refuses the rest."""
    assert (dt.date(1970, 1, 1), dt.date(2199, 12, 31)) == (FIRST_DATE, LAST_DATE)
    for day in (FIRST_DATE, dt.date(2027, 1, 4), LAST_DATE):
        assert check_date_in_range(day) is day
    for day in (dt.date(1969, 12, 31), dt.date(2200, 1, 1), dt.date.min, dt.date.max):
        with pytest.raises(
            ValueError,
            match=rf"^{day.isoformat()} is outside the dates plan2cal handles, "
            "1970-01-01 to 2199-12-31$",
        ):
            check_date_in_range(day)


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        (float("nan"), "must be a finite number of hours, not nan"),
        (float("inf"), "must be a finite number of hours, not inf"),
        (0, "must be more than 0 and at most 168 hours, not 0"),
        (-3, "must be more than 0 and at most 168 hours, not -3"),
        (168.25, "must be more than 0 and at most 168 hours, not 168.25"),
        (True, "must be a number of hours, not 'True'"),
    ],
)
def test_a_weekly_budget_out_of_range_says_why(hours: float, problem: str) -> None:
    """check_hours_per_week names NaN and infinity as such, not as "more than 168"."""
    with pytest.raises(ValueError, match=f"^the weekly budget {re.escape(problem)}$"):
        check_hours_per_week(hours)


def test_a_weekly_budget_in_range_passes_through() -> None:
    """Any finite budget above 0 and up to a whole week is returned as given."""
    assert [check_hours_per_week(h) for h in (0.25, 10, MAX_HOURS_PER_WEEK)] == [0.25, 10, 168]


@pytest.mark.parametrize("name", ["UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "EST5EDT"])
def test_iana_zone_names_are_accepted(name: str) -> None:
    """Real zone names give their zone."""
    assert check_timezone(name).key == name


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("localtime", ""),
        ("posixrules", ""),
        ("Factory", ""),
        ("posix/Europe/Berlin", "; did you mean 'Europe/Berlin'?"),
        ("right/UTC", ""),
        ("/usr/share/zoneinfo/UTC", ""),
        ("Europe/Berln", "; did you mean 'Europe/Berlin'?"),
        ("EUROPE/BERLIN", "; did you mean 'Europe/Berlin'?"),
        ("", ""),
    ],
)
def test_names_that_are_not_zones_are_refused_with_a_suggestion(name: str, hint: str) -> None:
    """Zone-database files that are not zones, copies, paths and typos are all refused."""
    message = (
        f"unknown time zone '{name}'; use an IANA name such as Europe/Berlin or America/New_York"
    )

    with pytest.raises(ValueError) as caught:
        check_timezone(name)

    assert str(caught.value).startswith(message)
    if hint:
        assert str(caught.value) == message + hint


def test_duration_bounds_are_exposed_in_minutes() -> None:
    """The effort and session bounds are public, in the minutes the models hold."""
    assert (MAX_TASK_MINUTES, MAX_SESSION_MINUTES) == (100_000 * 60, 24 * 60)
    assert MAX_OFFSET == {"d": 36_500, "w": 5_200, "mo": 1_200}


def test_models_hold_the_bounds_the_loader_reports() -> None:
    """The bounds hold for data validated directly, not only for files."""
    with pytest.raises(ValidationError, match="must be at most 100,000 hours"):
        Task.model_validate({"name": "x", "hours": 100_001})
    with pytest.raises(ValidationError, match="must be a finite number, not nan"):
        Defaults.model_validate({"hours_per_week": float("nan")})
    with pytest.raises(ValidationError, match="too far from the start"):
        Task.model_validate({"name": "x", "deadline": "+" + "9" * 5000 + "d"})
    assert Task.model_validate({"name": "x", "hours": 100_000}).hours == MAX_TASK_MINUTES


# --- session limits -------------------------------------------------------------------------------


def test_session_reads_its_limits_from_max_and_min() -> None:
    """``max`` and ``min`` are durations in minutes, with defaults of 2h and 30m."""
    assert SessionLimits.model_validate(
        {"max": "90m", "min": "45m"}
    ) == SessionLimits.model_validate({"max": 90 / 60, "min": 0.75})
    session = SessionLimits.model_validate({})
    assert (session.longest, session.shortest) == (120, 30)


def test_session_min_longer_than_max_fails() -> None:
    """A shortest session longer than the longest one is refused."""
    with pytest.raises(ValidationError, match="session min must not be longer than session max"):
        SessionLimits.model_validate({"max": "1h", "min": "2h"})


@pytest.mark.parametrize(("field", "value"), [("max", "100m"), ("min", "20m")])
def test_session_limit_off_the_quarter_hour_grid_fails(field: str, value: str) -> None:
    """Session limits must be multiples of 15 minutes, the scheduler's grid."""
    with pytest.raises(ValidationError, match=f"session {field} must be a multiple of 15 minutes"):
        SessionLimits.model_validate({field: value})


# --- the JSON Schema ------------------------------------------------------------------------------


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _branches(node: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return [branch for sub in node["anyOf"] for branch in _branches(sub, root)]
    return [node]


def _schema_problems(
    node: dict[str, Any], value: object, root: dict[str, Any], where: str
) -> list[str]:
    """Keys the schema would refuse or miss, for mappings and lists (scalars are not checked)."""
    if isinstance(value, dict):
        objects = [b for b in _branches(node, root) if b.get("type") == "object"]
        if not objects:
            return [f"{where}: the schema allows no mapping here"]
        schema = objects[0]
        properties = schema.get("properties", {})
        problems = [
            f"{where}.{key}: required" for key in schema.get("required", []) if key not in value
        ]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                problems += _schema_problems(properties[key], item, root, f"{where}.{key}")
            elif extra is False:
                problems.append(f"{where}.{key}: not in the schema")
            elif isinstance(extra, dict):
                problems += _schema_problems(extra, item, root, f"{where}.{key}")
        return problems
    if isinstance(value, list):
        arrays = [b for b in _branches(node, root) if b.get("type") == "array"]
        if not arrays:
            return [f"{where}: the schema allows no list here"]
        problems = []
        for index, item in enumerate(value):
            items = arrays[0].get("items", {})
            problems += _schema_problems(items, item, root, f"{where}[{index}]")
        return problems
    return []


def test_schema_describes_every_key_of_the_bundled_plan() -> None:
    """Every mapping key in plans/ai-pm-transition.yaml is a property the schema allows."""
    if not BUNDLED_PLAN.exists():
        pytest.skip(f"{BUNDLED_PLAN} is not in this checkout")
    data = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    schema = plan_json_schema()

    assert _schema_problems(schema, data, schema, "plan") == []


def test_schema_key_check_catches_a_misspelt_key() -> None:
    """The key walker used above does find a key the schema does not allow."""
    schema = plan_json_schema()
    data = {"plan": "x", "title": "X", "phases": [{"name": "P", "tasks": ["a", {"nmae": "b"}]}]}

    assert _schema_problems(schema, data, schema, "plan") == [
        "plan.phases[0].tasks[1].name: required",
        "plan.phases[0].tasks[1].nmae: not in the schema",
    ]


def test_schema_validates_the_bundled_plan_with_jsonschema() -> None:
    """An independent validator accepts the bundled plan against plan_json_schema()."""
    jsonschema = pytest.importorskip("jsonschema")
    if not BUNDLED_PLAN.exists():
        pytest.skip(f"{BUNDLED_PLAN} is not in this checkout")
    data = json.loads(
        json.dumps(yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8")), default=str)
    )

    jsonschema.validate(data, plan_json_schema())


def test_schema_allows_a_bare_string_as_a_task() -> None:
    """In the schema a phase's task may be a non-empty string as well as a Task mapping."""
    schema = plan_json_schema()
    items = schema["$defs"]["Phase"]["properties"]["tasks"]["items"]

    assert {"type": "string", "minLength": 1} in items["anyOf"]
    assert {"$ref": "#/$defs/Task"} in items["anyOf"]


def test_schema_allows_a_duration_as_a_number_or_a_string() -> None:
    """A task's hours may be a positive number of hours or text such as 1h30m, and nothing else."""
    schema = plan_json_schema()
    hours = _branches(schema["$defs"]["Task"]["properties"]["hours"], schema)
    number = next(b for b in hours if b.get("type") == "number")
    text = next(b for b in hours if b.get("type") == "string")

    assert number["exclusiveMinimum"] == 0
    assert {b.get("type") for b in hours} == {"number", "string", "null"}
    for written in ["90m", "1h30m", "2h", "1.5h", "90 min"]:
        assert re.match(text["pattern"], written), written
    for written in ["abc", "-1h", "2 days"]:
        assert not re.match(text["pattern"], written), written


def test_schema_names_session_limits_by_their_keys_in_the_file() -> None:
    """The schema says ``max`` and ``min`` (the aliases) and forbids unknown keys."""
    session = plan_json_schema()["$defs"]["SessionLimits"]

    assert set(session["properties"]) == {"max", "min"}
    assert session["additionalProperties"] is False


def test_schema_states_the_bounds_of_numbers_texts_and_lists() -> None:
    """Editors see the limits: maximums, maximum lengths and counts, and the date range."""
    defs = plan_json_schema()["$defs"]
    task, phase = defs["Task"]["properties"], defs["Phase"]["properties"]
    hours = next(b for b in task["hours"]["anyOf"][0]["anyOf"] if b.get("type") == "number")
    weeks = next(b for b in phase["weeks"]["anyOf"] if b.get("type") == "number")

    assert hours["maximum"] == 100_000
    assert weeks["maximum"] == MAX_PHASE_WEEKS
    assert task["weight"]["maximum"] == 1_000
    assert task["name"]["maxLength"] == 2_000
    assert phase["tasks"]["maxItems"] == 100_000
    assert "2199-12-31" in defs["Milestone"]["properties"]["date"]["description"]
    assert "+36500d" in json.dumps(task["deadline"])


def test_schema_declares_its_dialect_and_title() -> None:
    """The schema says which JSON Schema draft it is and what it describes."""
    schema = plan_json_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "plan2cal plan"
    assert set(schema["required"]) == {"plan", "title", "phases"}


def test_committed_schema_file_equals_the_schema_command_output(
    run_cli: Callable[..., Result],
) -> None:
    """plans/plan2cal.schema.json is exactly what ``plan2cal schema`` prints today."""
    if not COMMITTED_SCHEMA.exists():
        pytest.skip(f"{COMMITTED_SCHEMA.relative_to(ROOT)} is not committed yet")

    result = run_cli("schema")

    assert result.exit_code == 0
    assert COMMITTED_SCHEMA.read_text(encoding="utf-8") == result.stdout, (
        "regenerate it: plan2cal schema > plans/plan2cal.schema.json"
    )
