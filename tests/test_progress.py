"""The progress file: read strictly, recorded atomically, and never losing an earlier entry."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import plan2cal.files
from plan2cal.errors import Plan2CalError, ProgressError, UsageError
from plan2cal.progress import (
    HEADER,
    LogEntry,
    Progress,
    TaskProgress,
    UnknownTaskError,
    check_task_id,
    load_progress,
    progress_bytes,
    progress_path,
    record_done,
    record_log,
    undo_last,
    with_log,
)

DATA = Path(__file__).resolve().parent / "data"

JAN_12 = dt.date(2027, 1, 12)
JAN_19 = dt.date(2027, 1, 19)
FEB_1 = dt.date(2027, 2, 1)
FEB_10 = dt.date(2027, 2, 10)

# The example from the module docstring, as plan2cal writes it.
WRITTEN = (
    HEADER
    + """\
tasks:
  google-pm-certificate:
    log:
      - {date: 2027-01-12, duration: 6h}
      - {date: 2027-01-19, duration: 1h30m}
    done: 2027-02-10
    note: finished the capstone early
  ml-course:
    log:
      - {date: 2027-02-01, duration: 6h}
"""
)

Record = Callable[[Path], Any]

RECORDS: dict[str, Record] = {
    "done": lambda path: record_done(path, "ml-course", FEB_10),
    "log": lambda path: record_log(path, "ml-course", 45, FEB_10),
    "undo": lambda path: undo_last(path, "ml-course"),
}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the progress file of ``tmp_path/plan.yaml`` goes; nothing is written yet."""
    return tmp_path / "plan.progress.yaml"


def _error(path: Path) -> str:
    with pytest.raises(ProgressError) as caught:
        load_progress(path)
    return str(caught.value)


# --- where the file is ----------------------------------------------------------------------------


def test_progress_file_sits_beside_the_plan_named_after_its_stem() -> None:
    """``plans/x.yaml`` keeps its progress in ``plans/x.progress.yaml``."""
    assert progress_path(Path("plans/x.yaml")) == Path("plans/x.progress.yaml")
    assert progress_path(Path("plans/x.toml")) == Path("plans/x.progress.yaml")


def test_progress_option_moves_the_file_anywhere() -> None:
    """A path given with ``--progress`` is used as it is."""
    assert progress_path(Path("plans/x.yaml"), Path("elsewhere/mine.yml")) == Path(
        "elsewhere/mine.yml"
    )


def test_progress_file_named_json_or_toml_is_refused(tmp_path: Path) -> None:
    """What plan2cal writes is YAML, so a .json or .toml name would not read back."""
    with pytest.raises(ProgressError, match=r"progress\.json: the progress file is YAML"):
        record_done(tmp_path / "progress.json", "a", FEB_10)
    assert not (tmp_path / "progress.json").exists()


# --- reading --------------------------------------------------------------------------------------


def test_missing_file_is_no_progress(path: Path) -> None:
    """Before the first ``done`` or ``log`` there is no file, and no task has progress."""
    progress = load_progress(path)

    assert progress == Progress()
    assert progress.spent("ml-course") == 0
    assert progress.done_on("ml-course") is None


@pytest.mark.parametrize("text", ["", "\n  \n", HEADER, "\ufeff" + HEADER + "\n# only notes\n"])
def test_file_without_entries_is_no_progress(path: Path, text: str) -> None:
    """An empty file, or one with only comments such as the header, is no progress at all."""
    path.write_text(text, encoding="utf-8")
    assert load_progress(path) == Progress()


def test_hand_edited_file_with_comments_and_block_entries_loads() -> None:
    """Comments, block-style and inline log entries, quoted dates and hours as a number all read."""
    progress = load_progress(DATA / "progress_hand_edited.yaml")

    assert progress.tasks == {
        "google-pm-certificate": TaskProgress(
            log=[LogEntry(date=JAN_12, duration="6h"), LogEntry(date=JAN_19, duration="90m")],
            done=FEB_10,
            note="finished the capstone early: two weeks ahead",
        ),
        "ml-course": TaskProgress(log=[LogEntry(date=FEB_1, duration="1h30m")]),
        "old-task-renamed-since": TaskProgress(done=dt.date(2027, 1, 5)),
    }


def test_task_with_nothing_under_it_has_no_progress(path: Path) -> None:
    """``ml-course:`` on its own, or with an empty ``log:``, is a task with nothing recorded."""
    path.write_text("ml-course:\nseo-basics:\n  log:\n", encoding="utf-8")

    progress = load_progress(path)

    assert progress.tasks == {"ml-course": TaskProgress(), "seo-basics": TaskProgress()}
    assert progress.spent("ml-course") == 0


def test_spent_sums_every_log_entry_in_minutes(path: Path) -> None:
    """6h + 1h30m logged is 450 minutes spent; another task's entries do not count."""
    path.write_text(WRITTEN, encoding="utf-8")

    progress = load_progress(path)

    assert progress.spent("google-pm-certificate") == 450
    assert progress.tasks["google-pm-certificate"].spent == 450
    assert progress.spent("ml-course") == 360
    assert progress.spent("not-in-the-file") == 0
    assert progress.done_on("google-pm-certificate") == FEB_10
    assert progress.done_on("ml-course") is None


def test_unknown_lists_ids_the_plan_no_longer_has_in_file_order() -> None:
    """Progress for renamed or removed tasks is reported, in the order the file has it."""
    progress = load_progress(DATA / "progress_hand_edited.yaml")

    assert progress.unknown(["ml-course", "new-task"]) == [
        "google-pm-certificate",
        "old-task-renamed-since",
    ]
    assert progress.unknown(["ml-course", "google-pm-certificate", "old-task-renamed-since"]) == []


# --- malformed files ------------------------------------------------------------------------------

# Each case: the file's text, then what the message must say after "<file>:".
MALFORMED = {
    "yaml syntax": (
        "ml-course:\n  log: [{date: 2027-02-01, duration: 6h}\n",
        "3: YAML syntax error",
    ),
    "top-level list": (
        "- ml-course\n- done\n",
        "1: the progress file must map each task id to its progress",
    ),
    "misspelt key": (
        "ml-course:\n  log: []\n  dnoe: 2027-02-10\n",
        "3: ml-course.dnoe: unknown field 'dnoe'; did you mean 'done'?",
    ),
    "misspelt log key": (
        "ml-course:\n  log:\n    - {date: 2027-02-01, duraton: 6h}\n",
        "3: ml-course.log[0].duraton: unknown field 'duraton'; did you mean 'duration'?",
    ),
    "not a date": (
        "ml-course:\n  done: last tuesday\n",
        "2: ml-course.done: 'last tuesday' is not a date; write it as YYYY-MM-DD",
    ),
    "impossible date": (
        "ml-course:\n  log:\n    - {date: 2027-02-30, duration: 6h}\n",
        "3: ml-course.log[0].date: '2027-02-30' is not a real date",
    ),
    "date and time": (
        "ml-course:\n  done: 2027-02-10T18:00:00\n",
        "2: ml-course.done: '2027-02-10 18:00:00' is a date and time; write the date alone",
    ),
    "bad duration": (
        "ml-course:\n  log:\n    - date: 2027-02-01\n      duration: a while\n",
        "4: ml-course.log[0].duration: 'a while' is not a duration",
    ),
    "zero duration": (
        "ml-course:\n  log:\n    - {date: 2027-02-01, duration: 0m}\n",
        "3: ml-course.log[0].duration: '0m' must be longer than zero",
    ),
    "missing duration": (
        "ml-course:\n  log:\n    - {date: 2027-02-01}\n",
        "3: ml-course.log[0].duration: this field is required",
    ),
    "duplicate task": (
        "ml-course:\n  done: 2027-02-10\nseo:\n  done: 2027-02-11\nml-course:\n  note: x\n",
        "5: ml-course: this key appears twice; keep one",
    ),
    "duplicate field": (
        "ml-course:\n  done: 2027-02-10\n  done: 2027-02-11\n",
        "3: ml-course.done: this key appears twice; keep one",
    ),
    "bad task id": (
        "ml-course:\n  done: 2027-02-10\nML Course:\n  done: 2027-02-11\n",
        "3: ML Course: 'ML Course' is not a valid task id",
    ),
    "numeric task id": (
        "2027:\n  done: 2027-02-10\n",
        "1: 2027: a task id must be text; put it in quotes",
    ),
    "log not a list": (
        "ml-course:\n  log: 6h\n",
        "2: ml-course.log: the log is a list of entries",
    ),
    "note not text": (
        "ml-course:\n  note: 42\n",
        "2: ml-course.note: must be text; put it in quotes",
    ),
}


@pytest.mark.parametrize(("text", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_file_raises_progress_error_naming_file_and_line(
    path: Path, text: str, expected: str
) -> None:
    """Each problem is a ProgressError (exit code 5) that starts ``<file>:<line>:``."""
    path.write_text(text, encoding="utf-8")

    message = _error(path)

    assert message.startswith(f"{path}:{expected}"), message
    assert ProgressError.exit_code == 5


def test_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte(path: Path) -> None:
    """A Latin-1 note on line 3 is reported on line 3."""
    path.write_bytes("ml-course:\n  done: 2027-02-10\n  note: caf\xe9\n".encode("latin-1"))
    assert _error(path) == f"{path}:3: the file is not UTF-8 text"


def test_several_problems_are_reported_together_each_with_its_line(path: Path) -> None:
    """Two bad fields give one message with both lines, so one edit fixes the file."""
    path.write_text("a:\n  done: soon\nb:\n  log:\n    - {date: 2027-02-01, duration: x}\n")

    lines = _error(path).splitlines()

    assert lines == [
        "the progress file is not valid:",
        f"  {path}:2: a.done: 'soon' is not a date; write it as YYYY-MM-DD, e.g. 2027-01-04",
        f"  {path}:5: b.log[0].duration: 'x' is not a duration; write 90m, 1h30m, 2h or a "
        "number of hours",
    ]


@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
@pytest.mark.parametrize("text", [text for text, _ in MALFORMED.values()], ids=MALFORMED.keys())
def test_malformed_file_is_never_overwritten(path: Path, text: str, record: Record) -> None:
    """``done``, ``log`` and ``undo`` on a file that does not read fail and leave its bytes."""
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()

    with pytest.raises(ProgressError):
        record(path)

    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


# --- recording ------------------------------------------------------------------------------------


def test_log_done_and_undo_round_trip_through_the_file(path: Path) -> None:
    """What each call returns is what the next read of the file gives."""
    steps = [
        lambda: record_log(path, "google-pm-certificate", 360, JAN_12),
        lambda: record_log(path, "google-pm-certificate", 90, JAN_19),
        lambda: record_done(path, "google-pm-certificate", FEB_10),
        lambda: record_log(path, "ml-course", 360, FEB_1),
        lambda: undo_last(path, "google-pm-certificate")[0],
        lambda: record_done(path, "google-pm-certificate", FEB_10),
    ]
    for step in steps:
        returned = step()
        assert load_progress(path) == returned

    final = load_progress(path)
    assert final.spent("google-pm-certificate") == 450
    assert final.done_on("google-pm-certificate") == FEB_10
    assert final.spent("ml-course") == 360


def test_written_file_has_the_documented_shape(path: Path) -> None:
    """Header, tasks in first-recorded order, one-line log entries, then done, then note."""
    path.write_text(
        "google-pm-certificate:\n  note: finished the capstone early\n", encoding="utf-8"
    )

    record_log(path, "google-pm-certificate", 360, JAN_12)
    record_done(path, "google-pm-certificate", FEB_10)
    record_log(path, "ml-course", 360, FEB_1)
    record_log(path, "google-pm-certificate", 90, JAN_19)

    assert path.read_text(encoding="utf-8") == WRITTEN


def test_written_file_reads_back_with_plain_yaml_as_plain_data(path: Path) -> None:
    """Any YAML reader gets dates, duration strings and notes, in the file's order."""
    path.write_text(WRITTEN, encoding="utf-8")
    record_log(path, "seo-basics", 65, FEB_1)

    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    assert list(data) == ["tasks"]
    data = data["tasks"]
    assert data == {
        "google-pm-certificate": {
            "log": [
                {"date": JAN_12, "duration": "6h"},
                {"date": JAN_19, "duration": "1h30m"},
            ],
            "done": FEB_10,
            "note": "finished the capstone early",
        },
        "ml-course": {"log": [{"date": FEB_1, "duration": "6h"}]},
        "seo-basics": {"log": [{"date": FEB_1, "duration": "1h05m"}]},
    }
    assert list(data) == ["google-pm-certificate", "ml-course", "seo-basics"]


@pytest.mark.parametrize("minutes", [1, 45, 60, 65, 90, 6000])
def test_logged_minutes_read_back_exactly(path: Path, minutes: int) -> None:
    """A duration written as 1h05m, 100h or 1m is the same number of minutes when read again."""
    record_log(path, "ml-course", minutes, FEB_1)
    assert load_progress(path).spent("ml-course") == minutes


def test_notes_that_look_like_yaml_survive_a_rewrite(path: Path) -> None:
    """A note with a colon, a hash, quotes, a line break or accents comes back as it was."""
    note = "café: 50% done # not a comment\n'quoted' and \"double\""
    path.write_text(yaml.safe_dump({"ml-course": {"note": note}}), encoding="utf-8")

    record_log(path, "ml-course", 30, FEB_1)

    assert load_progress(path).tasks["ml-course"].note == note


def test_every_earlier_entry_survives_each_record(path: Path) -> None:
    """After each ``done`` and ``log``, every task, entry and note read before is still there."""
    path.write_text(
        (DATA / "progress_hand_edited.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    steps = [
        lambda: record_log(path, "ml-course", 120, FEB_10),
        lambda: record_log(path, "ml-course", 120, FEB_10),
        lambda: record_done(path, "ml-course", FEB_10),
        lambda: record_log(path, "brand-new-task", 30, FEB_10),
        lambda: record_log(path, "google-pm-certificate", 15, FEB_10),
    ]
    for step in steps:
        before = load_progress(path)
        step()
        after = load_progress(path)
        assert list(after.tasks)[: len(before.tasks)] == list(before.tasks)
        for task_id, old in before.tasks.items():
            new = after.tasks[task_id]
            assert new.log[: len(old.log)] == old.log
            assert new.note == old.note
            assert old.done is None or new.done == old.done

    final = load_progress(path)
    assert final.done_on("old-task-renamed-since") == dt.date(2027, 1, 5)
    assert final.tasks["google-pm-certificate"].note == (
        "finished the capstone early: two weeks ahead"
    )
    assert final.spent("ml-course") == 90 + 240
    assert final.spent("google-pm-certificate") == 360 + 90 + 15


def test_logging_again_on_a_day_already_logged_adds_an_entry(path: Path) -> None:
    """Two sessions on one day are two entries, not one merged entry."""
    record_log(path, "ml-course", 60, FEB_1)
    progress = record_log(path, "ml-course", 30, FEB_1)

    assert progress.tasks["ml-course"].log == [
        LogEntry(date=FEB_1, duration="1h"),
        LogEntry(date=FEB_1, duration="30m"),
    ]


def test_done_again_replaces_the_date(path: Path) -> None:
    """Marking a done task done on another day moves its date; there is one done date."""
    record_done(path, "ml-course", FEB_1)
    progress = record_done(path, "ml-course", FEB_10)

    assert progress.done_on("ml-course") == FEB_10
    assert path.read_text(encoding="utf-8").count("done:") == 1


def test_log_of_less_than_a_minute_is_a_caller_mistake(path: Path) -> None:
    """Zero minutes is refused before the file is touched."""
    with pytest.raises(ValueError, match="at least one minute"):
        record_log(path, "ml-course", 0, FEB_1)
    assert not path.exists()


# --- undo -----------------------------------------------------------------------------------------


def test_undo_removes_done_first_then_log_entries_last_first(path: Path) -> None:
    """Each undo takes back one thing: the done date, then the newest log entry, and so on."""
    path.write_text(WRITTEN, encoding="utf-8")
    task = "google-pm-certificate"

    progress, said = undo_last(path, task)
    assert said == "Removed the done date 2027-02-10 from 'google-pm-certificate'."
    assert progress.done_on(task) is None
    assert progress.spent(task) == 450

    progress, said = undo_last(path, task)
    assert said == "Removed the 1h30m logged for 'google-pm-certificate' on 2027-01-19."
    assert progress.tasks[task].log == [LogEntry(date=JAN_12, duration="6h")]

    progress, said = undo_last(path, task)
    assert said == "Removed the 6h logged for 'google-pm-certificate' on 2027-01-12."
    assert progress.spent(task) == 0
    assert load_progress(path) == progress


def test_undo_keeps_a_task_with_a_note_and_drops_one_left_empty(path: Path) -> None:
    """A task whose last entry is undone leaves the file unless it still has a note."""
    path.write_text(WRITTEN, encoding="utf-8")

    undo_last(path, "ml-course")
    for _ in range(3):
        undo_last(path, "google-pm-certificate")

    assert load_progress(path).tasks == {
        "google-pm-certificate": TaskProgress(note="finished the capstone early")
    }


def test_undo_with_nothing_left_raises_and_keeps_the_file(path: Path) -> None:
    """Undo on a task with no done date and no log entry is a usage error; the file stays."""
    path.write_text(WRITTEN, encoding="utf-8")
    undo_last(path, "ml-course")
    before = path.read_bytes()

    for task in ("ml-course", "never-recorded"):
        with pytest.raises(UsageError, match=f"'{task}' has nothing to undo"):
            undo_last(path, task)

    assert path.read_bytes() == before


def test_undo_of_everything_leaves_a_header_that_reads_as_no_progress(path: Path) -> None:
    """Undoing the only entry writes the header alone, which loads as an empty Progress."""
    record_log(path, "ml-course", 30, FEB_1)

    progress, _ = undo_last(path, "ml-course")

    assert path.read_text(encoding="utf-8") == HEADER
    assert progress == load_progress(path) == Progress()


# --- atomic writes --------------------------------------------------------------------------------


def _fail_replace(*args: object) -> None:
    raise OSError(28, "No space left on device")


def _interrupt_fsync(fd: int) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("name", "crash", "raised"),
    [
        ("replace", _fail_replace, Plan2CalError),
        ("fsync", _interrupt_fsync, KeyboardInterrupt),
    ],
    ids=["rename fails", "interrupted while writing"],
)
@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
def test_crash_mid_write_leaves_the_previous_file_and_no_temporary_file(
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    record: Record,
    name: str,
    crash: Callable[..., None],
    raised: type[BaseException],
) -> None:
    """A write that dies before the rename leaves the old bytes in place and nothing beside them."""
    path.write_text(WRITTEN, encoding="utf-8")
    before = path.read_bytes()
    monkeypatch.setattr(plan2cal.files.os, name, crash)

    with pytest.raises(raised):
        record(path)

    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


# --- task ids -------------------------------------------------------------------------------------


def test_known_task_id_passes() -> None:
    """An id the plan has is accepted without a word."""
    check_task_id("ml-course", ["google-pm-certificate", "ml-course"])


def test_misspelt_task_id_gets_a_did_you_mean() -> None:
    """``ml-cours`` is not in the plan, and the message offers ``ml-course``; exit code 2."""
    with pytest.raises(UnknownTaskError) as caught:
        check_task_id("ml-cours", ["google-pm-certificate", "ml-course"])

    assert str(caught.value) == "unknown task 'ml-cours' in the plan; did you mean 'ml-course'?"
    assert caught.value.exit_code == 2


def test_task_id_like_nothing_in_the_plan_lists_the_ids() -> None:
    """With no close match the message lists the plan's task ids instead."""
    with pytest.raises(UnknownTaskError, match=r"^unknown task 'zzz' in the plan; its task ids "):
        check_task_id("zzz", ["google-pm-certificate", "ml-course"])


def test_remaining_is_the_last_re_estimate_less_the_time_logged_after_it(path: Path) -> None:
    """--remaining re-estimates: 15h left after an entry, then 4h more logged, leaves 11h;
    a task never re-estimated has no remaining figure of its own."""
    progress = load_progress(path)
    progress = with_log(progress, "ml-course", 600, FEB_1, remaining=15 * 60)
    progress = with_log(progress, "ml-course", 240, FEB_10)
    path.write_bytes(progress_bytes(progress))

    again = load_progress(path)

    assert again.remaining("ml-course") == 11 * 60
    assert again.spent("ml-course") == 14 * 60
    assert again.remaining("never-logged") is None
    assert "remaining: 15h" in path.read_text(encoding="utf-8")
    assert with_log(again, "seo", 60, FEB_10).remaining("seo") is None
