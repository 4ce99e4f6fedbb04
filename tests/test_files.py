"""The output transaction: every file is replaced or none is, with modes kept, and a run killed
at any point is finished or undone by the next one."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

import plan2cal.files
from plan2cal.errors import OutputError
from plan2cal.files import (
    FileWrite,
    commit,
    recover,
    remove_stale_temporaries,
    write_atomic,
)

# Three outputs that exist from the last run, one that is new, and the state, written last.
NAMES = ["demo.ics", "demo.jira.csv", "demo.asana.csv", "demo.tasks.csv", "demo.state.json"]
OLD = {"demo.ics": b"old ics", "demo.jira.csv": b"old jira", "demo.asana.csv": b"old asana"}
OLD["demo.state.json"] = b'{"old": true}'
JOURNAL = ".demo.plan2cal-journal"

FAILURES = {
    "EACCES": OSError(errno.EACCES, "Permission denied"),
    "EPERM (immutable)": OSError(errno.EPERM, "Operation not permitted"),
    "ENOSPC": OSError(errno.ENOSPC, "No space left on device"),
    "EXDEV": OSError(errno.EXDEV, "Invalid cross-device link"),
}


def new_writes(folder: Path) -> list[FileWrite]:
    """The new run's outputs, each a little different from the old one."""
    return [FileWrite(folder / name, f"new {name}\n".encode() * 100) for name in NAMES]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in ``folder``: its bytes and its mode."""
    return {
        path.name: (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(folder.iterdir())
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding the last run's files."""
    folder = tmp_path / "out"
    folder.mkdir()
    for name, data in OLD.items():
        (folder / name).write_bytes(data)
    return folder


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run the block under ``mask``."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def fail_rename_of_target(
    monkeypatch: pytest.MonkeyPatch, targets: list[Path], at: int, error: BaseException
) -> list[Path]:
    """Make the ``at``-th rename onto a target raise ``error``; return every rename's target."""
    real_replace = os.replace
    renamed: list[Path] = []

    def replace(source: str | Path, destination: str | Path) -> None:
        if Path(destination) in targets:
            if len(renamed) == at:
                renamed.append(Path(destination))
                raise error
            renamed.append(Path(destination))
        real_replace(source, destination)

    monkeypatch.setattr(plan2cal.files.os, "replace", replace)
    return renamed


# --- writing ----------------------------------------------------------------------------------


def test_commit_writes_every_file(out: Path) -> None:
    """Every file gets its new bytes, and nothing else is left in the folder."""
    writes = new_writes(out)

    commit(writes, journal=out / JOURNAL)

    assert {name: data for name, (data, _) in snapshot(out).items()} == {
        write.path.name: write.data for write in writes
    }


def test_commit_renames_in_the_order_given(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files are renamed into place in the order of the list, so the state comes last."""
    writes = new_writes(out)
    renamed = fail_rename_of_target(monkeypatch, [w.path for w in writes], at=-1, error=OSError())

    commit(writes, journal=out / JOURNAL)

    assert [path.name for path in renamed] == NAMES
    assert renamed[-1].name == "demo.state.json"


def test_write_atomic_creates_the_folder(tmp_path: Path) -> None:
    """A single write creates missing folders and leaves only the file."""
    path = tmp_path / "a" / "b" / "progress.yaml"

    write_atomic(path, b"done: []\n")

    assert path.read_bytes() == b"done: []\n"
    assert os.listdir(path.parent) == ["progress.yaml"]


def test_commit_writes_through_a_symbolic_link(out: Path) -> None:
    """A target that is a link to a file elsewhere replaces that file and keeps the link."""
    elsewhere = out.parent / "dotfiles" / "progress.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"old")
    (out / "progress.yaml").symlink_to(elsewhere)

    commit([FileWrite(out / "progress.yaml", b"new"), FileWrite(out / "demo.ics", b"ics")])

    assert (out / "progress.yaml").is_symlink()
    assert elsewhere.read_bytes() == b"new"


def test_a_file_written_twice_in_one_transaction_is_a_bug(out: Path) -> None:
    """Two writes to the same path are refused before anything is written."""
    with pytest.raises(ValueError, match="writes a file twice"):
        commit([FileWrite(out / "demo.ics", b"a"), FileWrite(out / "demo.ics", b"b")])


# --- failures leave everything as it was ------------------------------------------------------


@pytest.mark.parametrize("with_journal", [True, False], ids=["journal", "no journal"])
@pytest.mark.parametrize("error", FAILURES.values(), ids=FAILURES.keys())
@pytest.mark.parametrize("at", range(len(NAMES)), ids=[f"file {k + 1}" for k in range(5)])
def test_a_rename_failing_at_any_file_leaves_every_target_as_it_was(
    out: Path, monkeypatch: pytest.MonkeyPatch, at: int, error: OSError, with_journal: bool
) -> None:
    """Whichever rename fails, each file already renamed is put back, a new one is removed,
    no temporary or kept old file is left, and the error names the path and the reason."""
    before = snapshot(out)
    writes = new_writes(out)
    fail_rename_of_target(monkeypatch, [w.path for w in writes], at, error)

    with pytest.raises(OutputError) as caught:
        commit(writes, journal=out / JOURNAL if with_journal else None)

    assert str(caught.value) == f"cannot write {writes[at].path}: {error.strerror}"
    monkeypatch.undo()
    assert snapshot(out) == before


def test_without_hard_links_the_old_files_are_copied_and_put_back(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where hard links are refused, a copy of each old file still restores it after a failure."""
    before = snapshot(out)
    writes = new_writes(out)

    def no_links(source: object, destination: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(plan2cal.files.os, "link", no_links)
    fail_rename_of_target(monkeypatch, [w.path for w in writes], 3, FAILURES["ENOSPC"])

    with pytest.raises(OutputError, match=r"demo\.tasks\.csv: No space left on device$"):
        commit(writes, journal=out / JOURNAL)

    monkeypatch.undo()
    assert snapshot(out) == before


def test_a_folder_in_place_of_a_target_changes_nothing(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder where ``tasks.csv`` goes fails the run before any file is touched."""
    (out / "demo.tasks.csv").mkdir()
    before = snapshot_files(out), sorted(os.listdir(out))
    writes = new_writes(out)
    renamed = fail_rename_of_target(monkeypatch, [w.path for w in writes], -1, OSError())

    with pytest.raises(OutputError) as caught:
        commit(writes, journal=out / JOURNAL)

    assert str(caught.value) == f"cannot write {out / 'demo.tasks.csv'}: a folder is in the way"
    assert renamed == []
    assert (snapshot_files(out), sorted(os.listdir(out))) == before


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every regular file in ``folder`` with its bytes."""
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_a_file_in_place_of_the_folder_is_named(tmp_path: Path) -> None:
    """An output folder that is a file is named in the message, and nothing is created."""
    (tmp_path / "out").write_bytes(b"not a folder")

    with pytest.raises(OutputError) as caught:
        commit([FileWrite(tmp_path / "out" / "sub" / "demo.ics", b"x")])

    target = tmp_path / "out" / "sub" / "demo.ics"
    assert str(caught.value) == f"cannot write {target}: {tmp_path / 'out'} is a file, not a folder"
    assert os.listdir(tmp_path) == ["out"]


def test_folders_created_for_a_failed_run_are_removed(tmp_path: Path) -> None:
    """A run that fails leaves no new empty folder behind."""
    busy = tmp_path / "busy" / "demo.ics"
    busy.mkdir(parents=True)

    with pytest.raises(OutputError, match="a folder is in the way"):
        commit([FileWrite(tmp_path / "new" / "deep" / "x", b"x"), FileWrite(busy, b"y")])

    assert sorted(os.listdir(tmp_path)) == ["busy"]


def test_no_space_while_writing_leaves_no_temporary(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up while the third file is written changes nothing and says so."""
    before = snapshot(out)
    writes = new_writes(out)
    real_write = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) == 4:  # the journal's listing, then the first three files
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(plan2cal.files.os, "write", write)

    with pytest.raises(OutputError) as caught:
        commit(writes, journal=out / JOURNAL)

    assert str(caught.value) == f"cannot write {writes[2].path}: No space left on device"
    monkeypatch.undo()
    assert snapshot(out) == before


def test_an_interrupt_while_renaming_puts_everything_back(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between two renames is not swallowed, and the files are put back first."""
    before = snapshot(out)
    writes = new_writes(out)
    fail_rename_of_target(monkeypatch, [w.path for w in writes], 2, KeyboardInterrupt())

    with pytest.raises(KeyboardInterrupt):
        commit(writes, journal=out / JOURNAL)

    monkeypatch.undo()
    assert snapshot(out) == before


# --- modes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("count", [1, 3], ids=["one file", "several files"])
def test_new_files_get_0666_minus_the_umask(
    tmp_path: Path, mask: int, mode: int, count: int
) -> None:
    """A new output is as readable as any file the user creates, not mkstemp's 0600."""
    writes = [FileWrite(tmp_path / f"f{k}", b"x") for k in range(count)]

    with umask(mask):
        commit(writes, journal=tmp_path / JOURNAL)

    assert {stat.S_IMODE(w.path.stat().st_mode) for w in writes} == {mode}


@pytest.mark.parametrize("count", [1, 3], ids=["one file", "several files"])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, count: int) -> None:
    """A file the user made 0640 (or 0604) stays so after it is rewritten, whatever the umask."""
    writes = [FileWrite(tmp_path / f"f{k}", b"new") for k in range(count)]
    for write, mode in zip(writes, [0o640, 0o604, 0o755], strict=False):
        write.path.write_bytes(b"old")
        write.path.chmod(mode)

    with umask(0o077):
        commit(writes, journal=tmp_path / JOURNAL)

    modes = [stat.S_IMODE(w.path.stat().st_mode) for w in writes]
    assert modes == [0o640, 0o604, 0o755][:count]


# --- a run killed with kill -9 ----------------------------------------------------------------


def run_killed(
    out: Path,
    kill_when: Callable[[str, tuple[object, ...]], bool],
    removals: Sequence[Path] = (),
) -> None:
    """Commit the new outputs (and ``removals``) in a child process that SIGKILLs itself when
    ``kill_when`` says so.

    ``kill_when`` sees each call to ``os.replace``, ``os.fsync`` and ``os.unlink`` in the child
    (its name and arguments) before the call is made.
    """

    def child() -> None:
        for name in ("replace", "fsync", "unlink"):
            real = getattr(os, name)

            def hooked(*args: object, name: str = name, real: Callable[..., None] = real) -> None:
                if kill_when(name, args):
                    os.kill(os.getpid(), signal.SIGKILL)
                real(*args)

            setattr(plan2cal.files.os, name, hooked)
        commit(new_writes(out), removals=removals, journal=out / JOURNAL)
        os._exit(0)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(timeout=30)
    assert process.exitcode == -signal.SIGKILL


def after_renames(out: Path, count: int) -> Callable[[str, tuple[object, ...]], bool]:
    """Kill just before the rename onto a target that follows ``count`` completed ones."""
    targets = {str(out / name) for name in NAMES}
    seen: list[object] = []

    def kill_when(name: str, args: tuple[object, ...]) -> bool:
        if name == "replace" and str(args[1]) in targets:
            seen.append(args[1])
            return len(seen) == count + 1
        return False

    return kill_when


@pytest.mark.parametrize("count", range(len(NAMES)), ids=[f"after {k} renames" for k in range(5)])
def test_recover_finishes_a_run_killed_while_renaming(out: Path, count: int) -> None:
    """After a kill between any two renames, recover leaves every file from the new run."""
    run_killed(out, after_renames(out, count))
    now = snapshot_files(out)
    assert [now.get(write.path.name) == write.data for write in new_writes(out)] == [
        k < count for k in range(len(NAMES))
    ]

    recover(out / JOURNAL)

    expected = {w.path.name: w.data for w in new_writes(out)}
    assert snapshot_files(out) == expected
    assert sorted(os.listdir(out)) == sorted(expected)


def test_recover_finishes_a_run_killed_after_its_last_rename(out: Path) -> None:
    """A kill while the kept old files are being removed still ends with the new files only."""
    run_killed(out, lambda name, args: name == "unlink" and ".plan2cal-old" in str(args[0]))

    recover(out / JOURNAL)

    expected = {w.path.name: w.data for w in new_writes(out)}
    assert snapshot_files(out) == expected
    assert sorted(os.listdir(out)) == sorted(expected)


@pytest.mark.parametrize(
    "point",
    ["writing the second file", "completing the journal"],
)
def test_recover_removes_what_a_run_killed_before_renaming_left(out: Path, point: str) -> None:
    """Killed before its journal was complete, a run leaves the old files, and recover removes
    its temporaries, kept old files and unfinished journal."""
    before = snapshot(out)
    fsyncs: list[object] = []

    def kill_when(name: str, args: tuple[object, ...]) -> bool:
        if point == "writing the second file":
            if name == "fsync":
                fsyncs.append(args)
            return len(fsyncs) == 2
        return name == "replace" and str(args[1]) == str(out / JOURNAL)

    run_killed(out, kill_when)
    assert snapshot(out) != before  # its leftovers are there
    assert {name: data for name, (data, _) in snapshot(out).items() if name in OLD} == OLD

    recover(out / JOURNAL)

    assert snapshot(out) == before


def test_recover_removes_the_files_of_a_run_killed_while_listing_them(out: Path) -> None:
    """A journal cut short while being written is removed, and so are the temporaries of the
    targets recover is given."""
    before = snapshot(out)
    (out / f".{JOURNAL}.0123456789abcdef.plan2cal-tmp").write_bytes(b'{"plan2cal_journal": 1, "ren')
    (out / ".demo.ics.0123456789abcdef.plan2cal-tmp").write_bytes(b"half")

    recover(out / JOURNAL, [out / name for name in NAMES])

    assert snapshot(out) == before


def test_recover_undoes_a_run_killed_while_putting_files_back(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill in the middle of undoing a failed rename is undone to the end by recover."""
    before = snapshot(out)
    targets = {str(out / name) for name in NAMES}
    renames: list[object] = []

    def kill_when(name: str, args: tuple[object, ...]) -> bool:
        if name == "replace" and str(args[1]) in targets:
            renames.append(args)
            if len(renames) == 4:
                raise OSError(errno.EACCES, "Permission denied")
            return len(renames) == 6  # state.json put back, then asana.csv: killed
        return False

    run_killed(out, kill_when)
    assert (out / (JOURNAL + ".rollback")).exists()

    recover(out / JOURNAL)

    assert snapshot(out) == before


def test_commit_refuses_to_overwrite_an_unfinished_journal(out: Path) -> None:
    """A caller that forgot recover() gets an error instead of losing the killed run's list."""
    run_killed(out, after_renames(out, 2))

    with pytest.raises(RuntimeError, match="call recover"):
        commit(new_writes(out), journal=out / JOURNAL)


def test_a_damaged_journal_is_reported_and_kept(out: Path) -> None:
    """A journal that cannot be read is named in the error and left for the user to inspect."""
    (out / JOURNAL).write_bytes(b'{"plan2cal_journal": 1, "renames": [{"target": "/etc/passwd"')

    with pytest.raises(OutputError, match=rf"^cannot read {out / JOURNAL}, the list of renames"):
        recover(out / JOURNAL)

    assert (out / JOURNAL).exists()


def test_a_journal_naming_other_files_is_refused(out: Path) -> None:
    """recover only ever renames a transaction's own temporaries, whatever a journal says."""
    other = out / "precious"
    other.write_bytes(b"keep")
    entry = {"target": str(out / "demo.ics"), "temporary": str(other), "backup": None}
    (out / JOURNAL).write_text(json.dumps({"plan2cal_journal": 1, "renames": [entry]}))

    with pytest.raises(OutputError, match="is not a temporary of"):
        recover(out / JOURNAL)

    assert other.read_bytes() == b"keep"
    assert (out / "demo.ics").read_bytes() == OLD["demo.ics"]


# --- stale temporaries ------------------------------------------------------------------------


def test_stale_temporaries_of_the_given_files_are_removed(out: Path) -> None:
    """Only the temporaries of the named targets go; a look-alike or another target's stay."""
    stale = [".demo.ics.0123456789abcdef.plan2cal-tmp", ".demo.ics.fedcba9876543210.plan2cal-old"]
    kept = [
        ".demo.ics.notrandom.plan2cal-tmp",
        ".demo.ics.x.0123456789abcdef.plan2cal-tmp",  # a temporary of "demo.ics.x"
        ".demo.jira.csv.0123456789abcdef.plan2cal-tmp",
    ]
    for name in stale + kept:
        (out / name).write_bytes(b"")

    remove_stale_temporaries([out / "demo.ics", out / "missing" / "x"])

    assert sorted(os.listdir(out)) == sorted([*OLD, *kept])


def test_recover_with_no_journal_only_removes_stale_temporaries(out: Path) -> None:
    """With nothing interrupted, recover touches nothing but the targets' stale temporaries."""
    before = snapshot(out)
    (out / ".demo.ics.0123456789abcdef.plan2cal-tmp").write_bytes(b"half")

    recover(out / JOURNAL, [out / "demo.ics"])

    assert snapshot(out) == before


# --- removing files in the same transaction ---------------------------------------------------


@pytest.fixture
def vdir(out: Path) -> list[Path]:
    """Two event files of an earlier run that the new run removes, beside the other outputs."""
    paths = [out / "gone-1.ics", out / "gone-2.ics"]
    for path in paths:
        path.write_bytes(b"BEGIN:VCALENDAR")
    return paths


def test_commit_removes_the_files_given_and_touches_no_other(out: Path, vdir: list[Path]) -> None:
    """Writes and removals land together; a removal of a file already gone is done already."""
    (out / "foreign.ics").write_bytes(b"not ours")

    commit(new_writes(out), removals=[*vdir, out / "never-there.ics"], journal=out / JOURNAL)

    expected = {w.path.name: w.data for w in new_writes(out)} | {"foreign.ics": b"not ours"}
    assert snapshot_files(out) == expected
    assert sorted(os.listdir(out)) == sorted(expected)


def test_a_removal_alone_needs_no_journal(out: Path, vdir: list[Path]) -> None:
    """One removal and nothing else is a single unlink, atomic by itself."""
    commit([], removals=vdir[:1], journal=out / JOURNAL)

    assert not vdir[0].exists()
    assert vdir[1].exists()
    assert not (out / JOURNAL).exists()


def test_a_symbolic_link_to_remove_goes_and_its_target_stays(out: Path) -> None:
    """A link in the folder is removed itself; the file it points to is not touched."""
    elsewhere = out.parent / "elsewhere.ics"
    elsewhere.write_bytes(b"kept")
    (out / "link.ics").symlink_to(elsewhere)

    commit([], removals=[out / "link.ics"])

    assert not (out / "link.ics").is_symlink()
    assert elsewhere.read_bytes() == b"kept"


def test_a_file_written_and_removed_in_one_transaction_is_a_bug(out: Path) -> None:
    """A path both written and removed is refused before anything changes."""
    with pytest.raises(ValueError, match="writes and removes it"):
        commit([FileWrite(out / "demo.ics", b"a")], removals=[out / "demo.ics"])


def test_a_removal_failing_puts_every_file_back(
    out: Path, vdir: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the second removal fails, the first removed file and every rewritten one are put
    back, and the error names the file that could not be removed."""
    before = snapshot(out)
    real_unlink = os.unlink

    def unlink(path: str | Path, *args: object, **kwargs: object) -> None:
        if Path(path) == vdir[1]:
            raise OSError(errno.EACCES, "Permission denied")
        real_unlink(path)

    monkeypatch.setattr(plan2cal.files.os, "unlink", unlink)

    with pytest.raises(OutputError, match=rf"^cannot remove {vdir[1]}: Permission denied$"):
        commit(new_writes(out), removals=vdir, journal=out / JOURNAL)

    monkeypatch.undo()
    assert snapshot(out) == before


def test_recover_finishes_a_run_killed_while_removing(out: Path, vdir: list[Path]) -> None:
    """A kill between two removals is rolled forward: the new files in, both old ones out."""
    run_killed(out, lambda name, args: name == "unlink" and str(args[0]) == str(vdir[1]), vdir)
    assert vdir[1].exists()

    recover(out / JOURNAL)

    expected = {w.path.name: w.data for w in new_writes(out)}
    assert snapshot_files(out) == expected
    assert sorted(os.listdir(out)) == sorted(expected)
