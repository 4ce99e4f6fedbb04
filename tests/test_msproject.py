"""plan2cal.export.msproject: the MSPDI file byte for byte, against the schema order, by MPXJ.

Goldens live in tests/golden/. To regenerate them on purpose, run
``PLAN2CAL_UPDATE_GOLDEN=1 pytest tests/test_msproject.py`` and review the diff before committing.
"""

from __future__ import annotations

import copy
import datetime as dt
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from goldens import bundled_schedule, check_golden, schedule_of
from plan2cal.export.formats import TABLE_FORMATS, Options
from plan2cal.export.msproject import (
    NAMESPACE,
    duration_text,
    msproject_bytes,
    task_uids,
    working_minutes,
)
from plan2cal.schedule import Actuals, Schedule

NS = f"{{{NAMESPACE}}}"
FORMULA = '=HYPERLINK("http://example.com","x")'

# The schema's xsd:sequence orders (specs/import-formats.md §6.1), as MPXJ 16.10's JAXB classes
# generated from Microsoft's schema list them (XmlType.propOrder with each XmlElement's name).
# Packed by hand (fmt: off): one name a line would make 150 lines of names.
# fmt: off
PROJECT_ORDER = [
    "SaveVersion", "UID", "Name", "GUID", "Title", "Subject", "Category", "Company", "Manager",
    "Author", "CreationDate", "Revision", "LastSaved", "ScheduleFromStart", "StartDate",
    "FinishDate", "FYStartDate", "CriticalSlackLimit", "CurrencyDigits", "CurrencySymbol",
    "CurrencyCode", "CurrencySymbolPosition", "CalendarUID", "DefaultStartTime",
    "DefaultFinishTime", "MinutesPerDay", "MinutesPerWeek", "DaysPerMonth", "DefaultTaskType",
    "DefaultFixedCostAccrual", "DefaultStandardRate", "DefaultOvertimeRate", "DurationFormat",
    "WorkFormat", "EditableActualCosts", "HonorConstraints", "EarnedValueMethod",
    "InsertedProjectsLikeSummary", "MultipleCriticalPaths", "NewTasksEffortDriven",
    "NewTasksEstimated", "SplitsInProgressTasks", "SpreadActualCost", "SpreadPercentComplete",
    "TaskUpdatesResource", "FiscalYearStart", "WeekStartDay", "MoveCompletedEndsBack",
    "MoveRemainingStartsBack", "MoveRemainingStartsForward", "MoveCompletedEndsForward",
    "BaselineForEarnedValue", "AutoAddNewResourcesAndTasks", "StatusDate", "CurrentDate",
    "MicrosoftProjectServerURL", "Autolink", "NewTaskStartDate", "NewTasksAreManual",
    "DefaultTaskEVMethod", "ProjectExternallyEdited", "ExtendedCreationDate", "ActualsInSync",
    "RemoveFileProperties", "AdminProject", "BaselineCalendar",
    "UpdateManuallyScheduledTasksWhenEditingLinks",
    "KeepTaskOnNearestWorkingTimeWhenMadeAutoScheduled", "OutlineCodes", "WBSMasks",
    "ExtendedAttributes", "Calendars", "Tasks", "Resources", "Assignments",
]
TASK_ORDER = [
    "UID", "GUID", "ID", "Name", "Active", "Manual", "Type", "IsNull", "CreateDate", "Contact",
    "WBS", "WBSLevel", "OutlineNumber", "OutlineLevel", "Priority", "Start", "Finish",
    "Duration", "DurationFormat", "Work", "Stop", "Resume", "ResumeValid", "EffortDriven",
    "Recurring", "OverAllocated", "Estimated", "Milestone", "Summary", "DisplayAsSummary",
    "Critical", "IsSubproject", "IsSubprojectReadOnly", "SubprojectName", "ExternalTask",
    "ExternalTaskProject", "EarlyStart", "EarlyFinish", "LateStart", "LateFinish",
    "StartVariance", "FinishVariance", "WorkVariance", "FreeSlack", "TotalSlack", "StartSlack",
    "FinishSlack", "FixedCost", "FixedCostAccrual", "PercentComplete", "PercentWorkComplete",
    "Cost", "OvertimeCost", "OvertimeWork", "ActualStart", "ActualFinish", "ActualDuration",
    "ActualCost", "ActualOvertimeCost", "ActualWork", "ActualOvertimeWork", "RegularWork",
    "RemainingDuration", "RemainingCost", "RemainingWork", "RemainingOvertimeCost",
    "RemainingOvertimeWork", "ACWP", "CV", "ConstraintType", "CalendarUID", "ConstraintDate",
    "Deadline", "LevelAssignments", "LevelingCanSplit", "LevelingDelay", "LevelingDelayFormat",
    "PreLeveledStart", "PreLeveledFinish", "Hyperlink", "HyperlinkAddress",
    "HyperlinkSubAddress", "IgnoreResourceCalendar", "Notes", "HideBar", "Rollup", "BCWS",
    "BCWP", "PhysicalPercentComplete", "EarnedValueMethod", "PredecessorLink",
    "ActualWorkProtected", "ActualOvertimeWorkProtected", "ExtendedAttribute", "Baseline",
    "OutlineCode", "IsPublished", "StatusManager", "CommitmentStart", "CommitmentFinish",
    "CommitmentType", "StartText", "FinishText", "DurationText", "ManualStart", "ManualFinish",
    "ManualDuration", "TimephasedData", "Project",
]
PREDECESSOR_ORDER = [
    "PredecessorUID", "Type", "CrossProject", "CrossProjectName", "LinkLag", "LagFormat",
]
CALENDAR_ORDER = [
    "UID", "GUID", "Name", "IsBaseCalendar", "IsBaselineCalendar", "BaseCalendarUID",
    "WeekDays", "Exceptions", "WorkWeeks",
]
WEEKDAY_ORDER = [
    "DayType", "DayWorking", "TimePeriod", "WorkingTimes",
]
# fmt: on
# Elements the schema lets repeat (maxOccurs unbounded) inside a Task.
REPEATABLE = {"PredecessorLink", "ExtendedAttribute", "Baseline", "OutlineCode", "TimephasedData"}

# A small plan with markup, non-ASCII, a formula-like name, a deadline, a link, progress
# candidates, and a fixed milestone whose id repeats a task's (milestone ids may).
SMALL: dict[str, Any] = {
    "plan": "launch",
    "title": 'Launch <&> "Ünïcode" roadmap',
    "defaults": {
        "timezone": "Europe/Berlin",
        "hours_per_week": 6,
        "windows": {"mon-thu": "19:00-21:00", "sat": "09:00-13:00"},
    },
    "phases": [
        {
            "id": "build",
            "name": "Build & test",
            "weeks": 2,
            "description": "Phase notes <b>not markup</b> & more",
            "tasks": [
                {
                    "id": "spec",
                    "name": 'Spec <draft> & "review"',
                    "hours": 3,
                    "priority": "highest",
                    "deadline": "2027-01-08",
                    "description": "Line one\nLine two & <more>",
                },
                {
                    "id": "code",
                    "name": "Code für Ärzte — 日本語 🚀",
                    "hours": 4,
                    "after": ["spec"],
                    "priority": "low",
                    "link": "https://example.com/a?b=1&c=2",
                },
                {"id": "formula", "name": FORMULA, "hours": 1, "priority": "lowest"},
            ],
        },
        {
            "id": "ship",
            "name": "Ship",
            "weeks": 1,
            "tasks": [{"id": "release", "name": "Release", "hours": 2, "priority": "high"}],
        },
    ],
    "milestones": [
        {"id": "release", "name": "Launch day", "date": "2027-02-26", "description": "Go"}
    ],
}


# ---------------------------------------------------------------------------- helpers


def small_data(**changes: Any) -> dict[str, Any]:
    """SMALL as a fresh dict, with top-level keys replaced."""
    data = copy.deepcopy(SMALL)
    data.update(copy.deepcopy(changes))
    return data


def root_of(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def local(element: ET.Element) -> str:
    """The tag without its namespace."""
    return element.tag.removeprefix(NS)


def child_names(element: ET.Element) -> list[str]:
    return [local(child) for child in element]


def text(element: ET.Element, tag: str) -> str | None:
    found = element.find(NS + tag)
    return found.text if found is not None else None


def tasks_of(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{NS}Tasks/{NS}Task")


def predecessors(task: ET.Element) -> list[int]:
    return [
        int(text(link, "PredecessorUID") or "") for link in task.findall(NS + "PredecessorLink")
    ]


def by_name(root: ET.Element) -> dict[str, ET.Element]:
    return {text(task, "Name") or "": task for task in tasks_of(root)}


def assert_schema_order(names: list[str], order: list[str], where: str) -> None:
    """Every name is in the sequence, in its order, and only repeatable ones repeat."""
    unknown = [name for name in names if name not in order]
    assert not unknown, f"{where}: not in the schema: {unknown}"
    positions = [order.index(name) for name in names]
    for i in range(1, len(names)):
        previous, current = names[i - 1], names[i]
        in_order = positions[i - 1] < positions[i]
        repeated = positions[i - 1] == positions[i] and current in REPEATABLE
        assert in_order or repeated, f"{where}: {current} after {previous}"


def local_times(schedule: Schedule) -> dict[str, tuple[str, str]]:
    """Task id → first session start and last session end, local, as MSPDI dateTimes."""
    zone = ZoneInfo(schedule.availability.timezone)
    spans: dict[str, list[dt.datetime]] = defaultdict(list)
    for session in schedule.sessions:
        spans[session.task] += [session.start, session.end]
    return {
        key: (
            min(times).astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
            max(times).astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"),
        )
        for key, times in spans.items()
    }


def hours_of(duration: str | None) -> float:
    """``PT2H45M0S`` → 2.75."""
    assert duration is not None and duration.startswith("PT") and duration.endswith("M0S")
    hours, minutes = duration[2:-3].split("H")
    return int(hours) + int(minutes) / 60


# ---------------------------------------------------------------------------- 1. the file


def test_bundled_plan_matches_golden() -> None:
    """The bundled plan scheduled from 2027-01-04 gives the golden bytes."""
    check_golden(msproject_bytes(bundled_schedule()), "ai-pm-transition.msproject.xml")


def test_rendering_twice_gives_the_same_bytes() -> None:
    """Two renders of equal schedules are byte-identical."""
    assert msproject_bytes(schedule_of(small_data())) == msproject_bytes(schedule_of(small_data()))


def test_file_is_utf8_with_a_declaration_and_the_project_namespace() -> None:
    """The file opens with an XML declaration, decodes as UTF-8 and its root is MSPDI's Project."""
    data = msproject_bytes(schedule_of(small_data()))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
    data.decode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert root_of(data).tag == f"{{{NAMESPACE}}}Project"
    assert NAMESPACE == "http://schemas.microsoft.com/project"


def test_render_msproject_writes_one_file_with_opening_advice() -> None:
    """The registry entry point gives the ``msproject.xml`` file and says how to merge it."""
    schedule = schedule_of(small_data())
    rendered = TABLE_FORMATS["msproject"].render(schedule, Options())
    assert rendered.files == {"msproject.xml": msproject_bytes(schedule)}
    assert any("Merge" in line for line in rendered.settings)


# ---------------------------------------------------------------------------- 2. schema order


def test_project_elements_follow_the_schema_order() -> None:
    """Project's children are in the schema's sequence and carry the mandatory ones."""
    root = root_of(msproject_bytes(bundled_schedule()))
    names = child_names(root)
    assert_schema_order(names, PROJECT_ORDER, "Project")
    assert {"SaveVersion", "CurrencyCode", "CalendarUID", "Calendars", "Tasks"} <= set(names)
    assert text(root, "SaveVersion") == "14"


@pytest.mark.parametrize("which", ["bundled", "small"])
def test_task_and_calendar_elements_follow_the_schema_order(which: str) -> None:
    """Every Task, PredecessorLink, Calendar and WeekDay lists its children in schema order."""
    schedule = bundled_schedule() if which == "bundled" else schedule_of(small_data())
    root = root_of(msproject_bytes(schedule))
    for task in tasks_of(root):
        where = f"Task {text(task, 'Name')}"
        assert_schema_order(child_names(task), TASK_ORDER, where)
        for link in task.findall(NS + "PredecessorLink"):
            assert_schema_order(child_names(link), PREDECESSOR_ORDER, where)
    for calendar in root.findall(f"{NS}Calendars/{NS}Calendar"):
        assert_schema_order(child_names(calendar), CALENDAR_ORDER, "Calendar")
        for day in calendar.findall(f"{NS}WeekDays/{NS}WeekDay"):
            assert_schema_order(child_names(day), WEEKDAY_ORDER, "WeekDay")


def test_schema_order_check_catches_a_swap() -> None:
    """The order check itself fails when two task elements are swapped."""
    with pytest.raises(AssertionError, match="ID after Name"):
        assert_schema_order(["UID", "Name", "ID"], TASK_ORDER, "Task")
    with pytest.raises(AssertionError, match="Notes after Notes"):
        assert_schema_order(["UID", "Notes", "Notes"], TASK_ORDER, "Task")


# ---------------------------------------------------------------------------- 3. outline


def test_phases_are_summary_tasks_with_their_tasks_beneath() -> None:
    """Each phase is an OutlineLevel 1 summary numbered p; its tasks follow as level 2, p.t."""
    schedule = bundled_schedule()
    tasks = tasks_of(root_of(msproject_bytes(schedule)))
    expected: list[tuple[str, str, str, str]] = []
    for p, phase in enumerate(schedule.phases, start=1):
        expected.append((phase.name, str(p), "1", "1"))
        own = [task for task in schedule.tasks if task.phase == phase.key]
        expected += [(task.name, f"{p}.{t}", "2", "0") for t, task in enumerate(own, start=1)]
    actual = [
        (text(t, "Name"), text(t, "OutlineNumber"), text(t, "OutlineLevel"), text(t, "Summary"))
        for t in tasks
    ]
    assert actual == expected
    assert [text(t, "ID") for t in tasks] == [str(i) for i in range(1, len(tasks) + 1)]


def test_fixed_milestone_is_a_zero_length_milestone_task() -> None:
    """A plan milestone is a top-level Milestone 1 task of zero Duration on its date."""
    root = root_of(msproject_bytes(schedule_of(small_data())))
    milestone = by_name(root)["Launch day"]
    assert text(milestone, "Milestone") == "1"
    assert text(milestone, "Summary") == "0"
    assert text(milestone, "Duration") == "PT0H0M0S"
    assert text(milestone, "OutlineNumber") == "3"
    assert text(milestone, "OutlineLevel") == "1"
    assert text(milestone, "Start") == text(milestone, "Finish") == "2027-02-26T09:00:00"
    assert text(milestone, "Work") is None
    others = [t for t in tasks_of(root) if t is not milestone]
    assert {text(t, "Milestone") for t in others} == {"0"}


# ---------------------------------------------------------------------------- 4. links and UIDs


def test_predecessors_follow_after_and_phase_order() -> None:
    """A task's ``after`` and a phase's previous phase become FS links to existing UIDs."""
    root = root_of(msproject_bytes(schedule_of(small_data())))
    named = by_name(root)
    uid = {name: int(text(task, "UID") or "") for name, task in named.items()}
    links = {name: predecessors(task) for name, task in named.items()}
    assert links["Code für Ärzte — 日本語 🚀"] == [uid['Spec <draft> & "review"']]
    assert links["Ship"] == [uid["Build & test"]]
    assert links["Build & test"] == []
    assert links["Release"] == []
    for link in root.iter(NS + "PredecessorLink"):
        assert [text(link, tag) for tag in ("Type", "LinkLag", "LagFormat")] == ["1", "0", "7"]


def test_every_predecessor_uid_names_a_task_in_the_file() -> None:
    """In the bundled plan each PredecessorUID is the UID of a task in the file, not itself."""
    tasks = tasks_of(root_of(msproject_bytes(bundled_schedule())))
    uids = [int(text(task, "UID") or "") for task in tasks]
    assert len(set(uids)) == len(uids)
    assert all(1 <= uid <= 2**31 - 1 for uid in uids)
    linked = 0
    for task, uid in zip(tasks, uids, strict=True):
        for before in predecessors(task):
            assert before in uids and before != uid
            linked += 1
    assert linked >= 6  # six task `after`s and three phase links in the plan


def test_uids_survive_an_added_task_and_a_moved_start() -> None:
    """Adding a task earlier in the plan and starting later keep every other task's UID."""
    before = {
        text(t, "Name"): text(t, "UID")
        for t in tasks_of(root_of(msproject_bytes(schedule_of(small_data()))))
    }
    data = small_data()
    data["phases"][0]["tasks"].insert(0, {"id": "kickoff", "name": "Kick-off", "hours": 1})
    moved = schedule_of(data, start=dt.date(2027, 3, 10))
    after = {text(t, "Name"): text(t, "UID") for t in tasks_of(root_of(msproject_bytes(moved)))}
    assert after.pop("Kick-off") not in before.values()
    assert after == before


def test_milestone_uid_differs_from_the_task_with_the_same_id() -> None:
    """A milestone whose id repeats a task's id still gets a UID of its own."""
    named = by_name(root_of(msproject_bytes(schedule_of(small_data()))))
    assert text(named["Launch day"], "UID") != text(named["Release"], "UID")


def test_colliding_ids_take_the_next_free_uid_in_plan_order() -> None:
    """Two ids whose CRC-32 folds to one UID: the later one in plan order gets that UID + 1."""
    # Found by search: both fold to 1705063934.
    assert task_uids(["task-5908649", "task-8606006"]) == {
        "task-5908649": 1705063934,
        "task-8606006": 1705063935,
    }
    assert task_uids(["task-8606006", "task-5908649"]) == {
        "task-8606006": 1705063934,
        "task-5908649": 1705063935,
    }
    assert task_uids(["other", "spec"])["spec"] == task_uids(["spec"])["spec"]


def test_colliding_ids_in_a_plan_still_link_to_the_right_task() -> None:
    """With colliding ids in one plan the UIDs stay distinct and the link names the right one."""
    data = small_data()
    data["phases"][1]["tasks"] = [
        {"id": "task-5908649", "name": "First", "hours": 1},
        {"id": "task-8606006", "name": "Second", "hours": 1, "after": ["task-5908649"]},
    ]
    named = by_name(root_of(msproject_bytes(schedule_of(data))))
    assert text(named["First"], "UID") == "1705063934"
    assert text(named["Second"], "UID") == "1705063935"
    assert predecessors(named["Second"]) == [1705063934]


# ---------------------------------------------------------------------------- 5. times and work


def test_work_is_the_effort_of_each_task_and_phase() -> None:
    """Work is each task's effort, and each phase's the sum of its tasks', as PT#H#M0S."""
    schedule = bundled_schedule()
    tasks = tasks_of(root_of(msproject_bytes(schedule)))
    expected = []
    for phase in schedule.phases:
        expected.append(duration_text(phase.effort))
        expected += [duration_text(t.effort) for t in schedule.tasks if t.phase == phase.key]
    assert [text(t, "Work") for t in tasks] == expected
    assert duration_text(165) == "PT2H45M0S"


def test_start_and_finish_are_the_local_session_times() -> None:
    """A task's Start and Finish are its first session's start and last session's end, local."""
    schedule = bundled_schedule()
    named = by_name(root_of(msproject_bytes(schedule)))
    expected = local_times(schedule)
    for task in schedule.tasks:
        element = named[task.name]
        assert (text(element, "Start"), text(element, "Finish")) == expected[task.key], task.key
        assert text(element, "ManualStart") == text(element, "Start")
    # Local wall-clock time in winter and in summer (CEST) alike: inside a window of its day.
    windows = schedule.availability.windows
    months = set()
    for task in schedule.tasks:
        for value in (text(named[task.name], "Start"), text(named[task.name], "Finish")):
            moment = dt.datetime.fromisoformat(value or "")
            minute = moment.hour * 60 + moment.minute
            spans = windows.get(moment.weekday(), ())
            assert any(begin <= minute <= end for begin, end in spans), (task.key, value)
            months.add(moment.month)
    assert {1, 7} <= months
    # The relationships habit's half hour opens the first evening, then the enrolment.
    habit = named["Build relationships with data science team in your organization"]
    assert text(habit, "Start") == "2027-01-04T19:00:00"
    first = named["Enroll in Google Project Management Certificate"]
    assert text(first, "Start") == "2027-01-04T19:45:00"


def test_working_minutes_counts_only_window_time() -> None:
    """Window time between two wall-clock times: parts of the end days, whole days between."""
    windows = {0: ((1140, 1260),), 5: ((540, 720),)}  # Monday 19-21, Saturday 9-12
    monday = dt.datetime(2027, 1, 4, 19, 30)
    next_monday = dt.datetime(2027, 1, 11, 20, 0)
    assert working_minutes(windows, monday, next_monday) == 90 + 180 + 60
    assert working_minutes(windows, monday, monday) == 0
    # 28 March 2027 is the spring DST change in Berlin; wall-clock windows are unaffected.
    assert working_minutes(windows, dt.datetime(2027, 3, 27), dt.datetime(2027, 3, 30)) == 180 + 120


def test_duration_spans_the_sessions_and_never_undercuts_the_work() -> None:
    """Duration is the calendar's working time from Start to Finish, so at least the Work;
    the same for a task done within one day (the small plan has such tasks)."""
    one_session = 0
    for schedule in (bundled_schedule(), schedule_of(small_data())):
        windows = schedule.availability.windows
        for task in tasks_of(root_of(msproject_bytes(schedule))):
            if text(task, "Work") is None:
                continue  # a wait or a milestone: calendar time, no work
            start = dt.datetime.fromisoformat(text(task, "Start") or "")
            finish = dt.datetime.fromisoformat(text(task, "Finish") or "")
            duration = hours_of(text(task, "Duration"))
            assert duration * 60 == working_minutes(windows, start, finish)
            assert duration >= hours_of(text(task, "Work"))
            assert text(task, "DurationFormat") == "5"
            if start.date() == finish.date():
                one_session += 1
                assert duration == hours_of(text(task, "Work"))
    assert one_session


def test_tasks_are_manual_and_pinned_while_phases_roll_up() -> None:
    """Tasks and milestones are Manual 1 with Start No Earlier Than their Start; phases are auto."""
    for task in tasks_of(root_of(msproject_bytes(schedule_of(small_data())))):
        if text(task, "Summary") == "1":
            assert text(task, "Manual") == "0"
            assert text(task, "ConstraintType") is None
        else:
            assert text(task, "Manual") == "1"
            assert text(task, "ConstraintType") == "4"
            assert text(task, "ConstraintDate") == text(task, "Start")


def test_deadline_link_and_notes_are_carried() -> None:
    """A deadline is a Deadline at the day's end, a link a Hyperlink, a description Notes."""
    named = by_name(root_of(msproject_bytes(schedule_of(small_data()))))
    spec = named['Spec <draft> & "review"']
    assert text(spec, "Deadline") == "2027-01-08T21:00:00"
    assert text(spec, "Notes") == "Line one\nLine two & <more>"
    code = named["Code für Ärzte — 日本語 🚀"]
    assert text(code, "HyperlinkAddress") == "https://example.com/a?b=1&c=2"
    assert text(named["Build & test"], "Notes") == "Phase notes <b>not markup</b> & more"


# ---------------------------------------------------------------------------- 6. fields


def test_priorities_map_to_project_values() -> None:
    """highest … lowest become 1000, 750, 500, 250, 0; phases and milestones 500."""
    named = by_name(root_of(msproject_bytes(schedule_of(small_data()))))
    priorities = {name: text(task, "Priority") for name, task in named.items()}
    assert priorities == {
        "Build & test": "500",
        'Spec <draft> & "review"': "1000",
        "Code für Ärzte — 日本語 🚀": "250",
        FORMULA: "0",
        "Ship": "500",
        "Release": "750",
        "Launch day": "500",
    }


def test_percent_complete_follows_progress() -> None:
    """A done task is 100 %, a started one spent/effort rounded down, its phase by effort."""
    actuals = Actuals(
        today=dt.date(2027, 1, 6), done={"spec": dt.date(2027, 1, 5)}, spent={"code": 60}
    )
    named = by_name(root_of(msproject_bytes(schedule_of(small_data(), actuals=actuals))))
    percent = {name: text(task, "PercentComplete") for name, task in named.items()}
    assert percent['Spec <draft> & "review"'] == "100"
    assert percent["Code für Ärzte — 日本語 🚀"] == "25"
    assert percent[FORMULA] == "0"
    assert percent["Build & test"] == str(100 * (180 + 60) // (180 + 240 + 60))
    assert percent["Launch day"] is None


def test_calendar_holds_the_plan_windows_with_sunday_as_day_type_1() -> None:
    """The base calendar's WeekDays are the windows, DayType 1 = Sunday … 7 = Saturday."""
    data = small_data(
        defaults={
            "timezone": "UTC",
            "hours_per_week": 6,
            "windows": {"sun": ["08:00-10:00", "20:00-24:00"], "tue": "18:30-21:00"},
        }
    )
    root = root_of(msproject_bytes(schedule_of(data)))
    assert text(root, "CalendarUID") == "1"
    (calendar,) = root.findall(f"{NS}Calendars/{NS}Calendar")
    assert text(calendar, "UID") == "1" and text(calendar, "IsBaseCalendar") == "1"
    days = {}
    for day in calendar.findall(f"{NS}WeekDays/{NS}WeekDay"):
        times = [
            (text(w, "FromTime"), text(w, "ToTime"))
            for w in day.findall(f"{NS}WorkingTimes/{NS}WorkingTime")
        ]
        days[text(day, "DayType")] = (text(day, "DayWorking"), times)
    assert days == {
        "1": ("1", [("08:00:00", "10:00:00"), ("20:00:00", "00:00:00")]),
        "2": ("0", []),
        "3": ("1", [("18:30:00", "21:00:00")]),
        "4": ("0", []),
        "5": ("0", []),
        "6": ("0", []),
        "7": ("0", []),
    }


def test_minutes_per_day_and_week_come_from_the_weekly_budget() -> None:
    """MinutesPerWeek is the weekly budget and MinutesPerDay its share of each day used."""
    root = root_of(msproject_bytes(bundled_schedule()))  # 10 h over Mon-Thu and Saturday
    assert text(root, "MinutesPerWeek") == "600"
    assert text(root, "MinutesPerDay") == "120"
    assert text(root, "DaysPerMonth") == "20"
    assert text(root, "DefaultStartTime") == "09:00:00"
    assert text(root, "DefaultFinishTime") == "21:00:00"
    assert text(root, "StartDate") == "2027-01-04T19:00:00"


# ---------------------------------------------------------------------------- 7. text


def test_markup_characters_and_non_ascii_survive() -> None:
    """``<&>"``, umlauts, CJK and emoji come back unchanged from names, title and notes."""
    data = msproject_bytes(schedule_of(small_data()))
    root = root_of(data)
    assert text(root, "Title") == 'Launch <&> "Ünïcode" roadmap'
    names = set(by_name(root))
    assert {'Spec <draft> & "review"', "Code für Ärzte — 日本語 🚀", "Build & test"} <= names
    assert b"Spec &lt;draft&gt; &amp;" in data
    assert "日本語 🚀".encode() in data  # written as UTF-8, not as character references


def test_formula_like_name_is_kept_as_text() -> None:
    """``=HYPERLINK(...)`` stays the task name verbatim: XML is not a spreadsheet."""
    named = by_name(root_of(msproject_bytes(schedule_of(small_data()))))
    assert FORMULA in named
    assert text(named[FORMULA], "HyperlinkAddress") is None


def test_long_names_are_cut_to_512_characters() -> None:
    """A name longer than the schema's 512 characters is cut to exactly 512."""
    data = small_data()
    data["phases"][0]["tasks"][2]["name"] = "é" * 600
    named = by_name(root_of(msproject_bytes(schedule_of(data))))
    assert "é" * 512 in named


def test_a_link_too_long_for_the_schema_moves_to_the_notes() -> None:
    """A URL over 512 characters is not cut into a broken link: it goes into Notes instead."""
    data = small_data()
    url = "https://example.com/" + "a" * 600
    data["phases"][0]["tasks"][0]["link"] = url
    spec = by_name(root_of(msproject_bytes(schedule_of(data))))['Spec <draft> & "review"']
    assert text(spec, "HyperlinkAddress") is None
    assert text(spec, "Notes") == f"Line one\nLine two & <more>\n\n{url}"


def test_characters_xml_cannot_hold_are_dropped() -> None:
    """Control characters in a name or description are dropped, so the file still parses."""
    data = small_data()
    data["phases"][0]["tasks"][0]["name"] = "Bell\x07 and\x1b escape\r\nnext line"
    data["phases"][0]["tasks"][0]["description"] = "nul\x00 here\ufffe"
    spec = by_name(root_of(msproject_bytes(schedule_of(data))))["Bell and escape next line"]
    assert text(spec, "Notes") == "nul here"


# ---------------------------------------------------------------------------- 8. MPXJ


@pytest.fixture(scope="module")
def mpxj_reader() -> Any:
    """MPXJ's UniversalProjectReader class in a started JVM, or a skip without mpxj or Java."""
    pytest.importorskip("mpxj")  # puts MPXJ's jars on the class path before the JVM starts
    jpype = pytest.importorskip("jpype")
    if not jpype.isJVMStarted():
        try:
            jpype.startJVM()
        except (OSError, jpype.JVMNotFoundException) as exc:
            pytest.skip(f"no Java for MPXJ: {exc}")
    return jpype.JClass("org.mpxj.reader.UniversalProjectReader")


def mpxj_tasks(reader: Any, data: bytes, tmp_path: Path) -> list[Any]:
    path = tmp_path / "plan.msproject.xml"
    path.write_bytes(data)
    project = reader().read(str(path))
    assert str(project.getProjectProperties().getFileType()) == "MSPDI"
    return list(project.getTasks())


@pytest.mark.parametrize("which", ["bundled", "small"])
def test_mpxj_reads_tasks_names_times_and_links(
    mpxj_reader: Any, tmp_path: Path, which: str
) -> None:
    """MPXJ reads every task with its name, work, duration, flags and predecessors as written."""
    schedule = bundled_schedule() if which == "bundled" else schedule_of(small_data())
    data = msproject_bytes(schedule)
    written = tasks_of(root_of(data))
    read = mpxj_tasks(mpxj_reader, data, tmp_path)
    assert (
        len(read)
        == len(written)
        == len(schedule.phases) + len(schedule.tasks) + len(schedule.milestones)
    )
    for task, element in zip(read, written, strict=True):
        name = text(element, "Name")
        assert str(task.getName()) == name
        assert int(task.getUniqueID()) == int(text(element, "UID") or "")
        assert str(task.getDuration().getUnits()) == "h"
        assert float(task.getDuration().getDuration()) == hours_of(text(element, "Duration"))
        if text(element, "Work") is not None:
            assert float(task.getWork().getDuration()) == hours_of(text(element, "Work")), name
        assert bool(task.getSummary()) == (text(element, "Summary") == "1")
        assert bool(task.getMilestone()) == (text(element, "Milestone") == "1")
        assert str(task.getStart()) == (text(element, "Start") or "")[:16]
        manual = "MANUALLY_SCHEDULED" if text(element, "Manual") == "1" else "AUTO_SCHEDULED"
        assert str(task.getTaskMode()) == manual
        links = [
            (int(r.getPredecessorTask().getUniqueID()), str(r.getType()))
            for r in task.getPredecessors()
        ]
        assert links == [(uid, "FS") for uid in predecessors(element)], name
    efforts = {t.name: t.effort / 60 for t in schedule.tasks}
    assert {
        str(t.getName()): float(t.getWork().getDuration())
        for t in read
        if str(t.getName()) in efforts
    } == efforts
