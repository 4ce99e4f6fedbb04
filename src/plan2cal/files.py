"""Writing output files as one transaction: every file is replaced, or none is (DESIGN §8).

Each file is written to a temporary file beside its target and fsynced; only when all of them are
written are they renamed into place, in the order given (callers put the state file last). Files
to remove (the events a vdir no longer has) go after the renames, each kept as a hard link until
the end. A rename or removal that fails half way puts back every file already renamed or removed,
from a hard link of the old file taken beforehand. A run killed with ``kill -9`` while renaming
is finished by the next run: a journal, written before the first rename and removed after the
last, lists the renames and removals, and ``recover`` rolls it forward.

Names on disk, beside each target ``out/x.ics``:

- ``out/.x.ics.<16 hex>.plan2cal-tmp``: the new content, until it is renamed;
- ``out/.x.ics.<16 hex>.plan2cal-old``: the old file, kept until every rename succeeded;
- the journal at the path the caller gives; while it is being written, a temporary of its own
  (``.<journal name>.<16 hex>.plan2cal-tmp``) already lists the transaction's temporaries, so that
  a run killed before any rename leaves nothing that ``recover`` does not remove; once a rename
  has failed, the journal is renamed ``<journal name>.rollback`` while the old files go back, so
  that a run killed then is undone rather than finished.

The caller holds the targets' locks (``plan2cal.locking``) around ``recover`` and ``commit``: a
temporary of a target is stale only if no other run can be writing it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plan2cal.errors import OutputError, PlanError
from plan2cal.load import read_input_bytes

TEMPORARY_SUFFIX = ".plan2cal-tmp"
BACKUP_SUFFIX = ".plan2cal-old"
_TOKEN_LENGTH = 16  # hex digits: 64 random bits, so two runs never pick the same name
_ROLLBACK_SUFFIX = ".rollback"
_JOURNAL_VERSION = 1
# A journal lists a few files (two lines of JSON each); a megabyte is thousands of them.
_JOURNAL_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class FileWrite:
    """The whole new content of one output file."""

    path: Path
    data: bytes


@dataclass(frozen=True)
class _Entry:
    """One file of a transaction: where it goes, where its bytes wait, where the old one is kept."""

    shown: Path  # the path as the caller gave it, for messages
    target: Path  # the same path with symbolic links resolved: the file that is replaced
    temporary: Path | None  # None: the target is removed, not replaced
    backup: Path | None  # None: the target did not exist (or a single file needs no backup)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    commit([FileWrite(path, data)])


def commit(
    writes: Sequence[FileWrite],
    *,
    removals: Sequence[Path] = (),
    journal: Path | None = None,
) -> None:
    """Replace every file of ``writes`` with its new content and remove every file of
    ``removals``, or do none of it.

    The files are renamed into place in the order given, then the removals are made (a vdir
    drops the events a plan no longer has). A failure raises ``OutputError`` naming the path
    that failed and why, and leaves every target as it was, with no temporary file beside it: a
    removed file comes back from the hard link kept of it. With more than one change and a
    ``journal`` path, a run killed while renaming is finished by ``recover(journal)`` in the
    next run; without one, such a run can leave some files new and others old. A removal of a
    file that does not exist is already done; a symbolic link to be removed is removed itself,
    not the file it points to.
    """
    targets = [Path(os.path.realpath(write.path)) for write in writes]
    # A removal resolves the folder but not the name: the link goes, not what it points to.
    gone = [Path(os.path.realpath(path.parent)) / path.name for path in removals]
    if len(set(targets + gone)) != len(targets) + len(gone):
        raise ValueError(
            "a transaction writes a file twice, or writes and removes it: "
            f"{[str(w.path) for w in writes] + [str(path) for path in removals]}"
        )
    removing = [
        (path, target)
        for path, target in zip(removals, gone, strict=True)
        if _existing_file(path, target, follow=False) is not None
    ]
    if not writes and not removing:
        return
    several = len(writes) + len(removing) > 1
    if not several:
        journal = None  # one rename is atomic by itself
    elif journal is not None and (_exists(journal) or _exists(_rollback_journal(journal))):
        raise RuntimeError(f"{journal} is left from an interrupted run: call recover() first")
    created_folders: list[Path] = []
    entries: list[_Entry] = []
    intent: Path | None = None
    # The path the step under way is for, to name it in an error.
    current = writes[0].path if writes else removing[0][0]
    try:
        statuses = []
        for write, target in zip(writes, targets, strict=True):
            current = write.path
            created_folders += _make_folder(current, current.parent)
            status = _existing_file(current, target)
            statuses.append(status)
            backup = _sibling(target, BACKUP_SUFFIX) if several and status else None
            entries.append(_Entry(current, target, _sibling(target, TEMPORARY_SUFFIX), backup))
        for path, target in removing:
            backup = _sibling(target, BACKUP_SUFFIX) if several else None
            entries.append(_Entry(path, target, None, backup))
        if journal is not None:
            # Listed before they exist: a run killed from here on leaves nothing unnamed.
            current = journal
            created_folders += _make_folder(current, journal.parent)
            intent = _sibling(journal, TEMPORARY_SUFFIX)
            _create(intent, _journal_bytes(entries), mode_of=None, sync=False)
        for entry, write, status in zip(entries, writes, statuses, strict=False):
            current = entry.shown
            assert entry.temporary is not None  # the entries of writes come first
            _create(entry.temporary, write.data, mode_of=status, sync=True)
        for entry in entries:
            current = entry.shown
            _keep_old(entry)
        if journal is not None and intent is not None:
            current = journal
            _sync_file(intent)
            os.replace(intent, journal)
            _sync_folder(journal.parent)
    except BaseException as exc:
        for entry in entries:
            _remove(entry.temporary, entry.backup)
        _remove(intent)
        for folder in reversed(created_folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise OutputError(_cannot_write(current, exc)) from None
        raise

    renamed = 0
    try:
        for entry in entries:
            if entry.temporary is None:
                with contextlib.suppress(FileNotFoundError):  # removed meanwhile: done
                    os.unlink(entry.target)
            else:
                os.replace(entry.temporary, entry.target)
            renamed += 1
    except BaseException as exc:
        if journal is not None:
            # From here a killed run is undone, not finished, by the next one.
            with contextlib.suppress(OSError):
                os.replace(journal, _rollback_journal(journal))
        problems = _roll_back(entries, renamed)
        if journal is not None and not problems:
            _remove(_rollback_journal(journal), journal)
        if not isinstance(exc, OSError):
            raise
        failed = entries[min(renamed, len(entries) - 1)]
        message = (
            _cannot_write(failed.shown, exc)
            if failed.temporary is not None
            else f"cannot remove {failed.shown}: {exc.strerror or exc}"
        )
        if problems:
            message += f"; putting back what was replaced failed too: {'; '.join(problems)}"
            if journal is not None:
                message += "; the next run will try again"
        raise OutputError(message) from None

    for folder in sorted({entry.target.parent for entry in entries}):
        _sync_folder(folder)
    for entry in entries:
        _remove(entry.backup)
    if journal is not None:
        _remove(journal)


def recover(journal: Path, targets: Iterable[Path] = ()) -> None:
    """Finish what a run killed in ``commit`` left, then remove stale temporaries.

    Call it under the targets' locks before reading any of them. A complete journal is rolled
    forward: its temporaries were written and fsynced before it was, so every file becomes the
    killed run's new one. A run killed before its journal was complete, or while putting files
    back after a failed rename, is undone: every file stays (or becomes again) the old one.
    Then the temporaries of the journal's files and of ``targets`` are removed.
    """
    listed: list[Path] = []
    for intent in _stale(journal):
        # Killed before any rename: nothing to finish, only its files to remove.
        with contextlib.suppress(OutputError):
            entries = _read_journal(intent)
            for entry in entries:
                _remove(entry.temporary, entry.backup)
            listed += [entry.target for entry in entries]
        _remove(intent)
    rollback = _rollback_journal(journal)
    if _exists(rollback):
        entries = _read_journal(rollback)
        problems = _roll_back(entries)
        if problems:
            raise OutputError(
                f"cannot finish undoing the interrupted run of {journal}: {'; '.join(problems)}"
            )
        listed += [entry.target for entry in entries]
        _remove(rollback)
    if _exists(journal):
        entries = _read_journal(journal)
        for entry in entries:
            try:
                if entry.temporary is None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.target)
                elif _exists(entry.temporary):
                    os.replace(entry.temporary, entry.target)
            except OSError as exc:
                raise OutputError(
                    f"cannot finish the interrupted run of {journal}: "
                    f"{_cannot_write(entry.target, exc)}"
                ) from None
        for folder in sorted({entry.target.parent for entry in entries}):
            _sync_folder(folder)
        listed += [entry.target for entry in entries]
        for entry in entries:
            _remove(entry.backup)
        _remove(journal)
    remove_stale_temporaries([*listed, *targets])


def remove_stale_temporaries(paths: Iterable[Path]) -> None:
    """Remove the temporaries and kept old files of ``paths`` that a killed run left behind.

    Only names of the form ``.<name>.<16 hex>.plan2cal-tmp`` (or ``.plan2cal-old``) beside each
    path are touched; call it under the path's lock, when no other run can be writing them.
    """
    for path in paths:
        target = Path(os.path.realpath(path))
        _remove(*_stale(target))


# --- the steps of a transaction ---------------------------------------------------------------


def _sibling(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(_TOKEN_LENGTH // 2)}{suffix}")


def _stale(target: Path) -> list[Path]:
    pattern = re.compile(
        rf"\.{re.escape(target.name)}\.[0-9a-f]{{{_TOKEN_LENGTH}}}"
        rf"({re.escape(TEMPORARY_SUFFIX)}|{re.escape(BACKUP_SUFFIX)})"
    )
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / name for name in sorted(names) if pattern.fullmatch(name)]


def _make_folder(shown: Path, folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing: list[Path] = []
    probe = folder
    while not os.path.isdir(probe):
        if os.path.lexists(probe):
            raise OutputError(f"cannot write {shown}: {probe} is a file, not a folder")
        missing.append(probe)
        probe = probe.parent
    created: list[Path] = []
    for each in reversed(missing):
        try:
            each.mkdir()
        except FileExistsError:
            continue  # created meanwhile by someone else: theirs, not ours to remove
        except OSError as exc:
            for done in reversed(created):
                with contextlib.suppress(OSError):
                    done.rmdir()
            raise OutputError(_cannot_write(shown, exc)) from None
        created.append(each)
    return created


def _existing_file(shown: Path, target: Path, *, follow: bool = True) -> os.stat_result | None:
    """The target's status if it is a file; fail on a folder or a device in its place.

    With ``follow=False`` (a file to remove) a symbolic link is a file too: it is what goes.
    """
    verb = "write" if follow else "remove"
    try:
        status = target.stat() if follow else target.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot {verb} {shown}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(status.st_mode):
        raise OutputError(f"cannot {verb} {shown}: a folder is in the way")
    if not (stat.S_ISREG(status.st_mode) or (not follow and stat.S_ISLNK(status.st_mode))):
        raise OutputError(f"cannot {verb} {shown}: it is not a regular file")
    return status


def _create(path: Path, data: bytes, *, mode_of: os.stat_result | None, sync: bool) -> None:
    """Create ``path`` with ``data``: the mode of ``mode_of``, or 0666 minus the umask if None.

    Creating with 0666 lets the kernel apply the umask (or the folder's default ACL), so the umask
    is never read, and never changed for a moment under other threads as ``os.umask`` would.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if mode_of is not None:
            # Before the first byte: the new content of a private file is never readable by others.
            os.chmod(path, stat.S_IMODE(mode_of.st_mode))
            if hasattr(os, "chown") and (mode_of.st_uid, mode_of.st_gid) != _owner(fd):
                # Only root may give a file away; anyone else keeps their own ownership.
                with contextlib.suppress(OSError):
                    os.chown(path, mode_of.st_uid, mode_of.st_gid)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _owner(fd: int) -> tuple[int, int]:
    status = os.fstat(fd)
    return status.st_uid, status.st_gid


def _keep_old(entry: _Entry) -> None:
    """Keep the old file under the backup name: a hard link, or a copy where links fail."""
    if entry.backup is None:
        return
    try:
        os.link(entry.target, entry.backup)
    except OSError as exc:
        if exc.errno not in {errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}:
            raise
        # No hard links here (FAT, some network shares, protected_hardlinks): copy instead.
        shutil.copy2(entry.target, entry.backup)


def _roll_back(entries: Sequence[_Entry], replaced: int | None = None) -> list[str]:
    """Put every target back as it was before the transaction; return what could not be.

    Safe to repeat: a kept old file goes back in place; a target that did not exist before is
    removed once its temporary is gone (it was renamed in); leftover temporaries are removed.
    ``replaced``, when known, counts the targets renamed over: the others were never touched,
    so only their temporaries and kept old files go.
    """
    problems = []
    for index, entry in reversed(list(enumerate(entries))):
        if replaced is not None and index >= replaced:
            _remove(entry.temporary, entry.backup)
            continue
        try:
            if entry.backup is not None and _exists(entry.backup):
                os.replace(entry.backup, entry.target)
            elif (
                entry.backup is None
                and entry.temporary is not None
                and not _exists(entry.temporary)
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.target)
        except OSError as exc:
            problems.append(_cannot_write(entry.shown, exc))
        else:
            # A target never replaced is the same file as its kept old one, and renaming a
            # file onto another name of itself does nothing (POSIX rename): remove that name.
            _remove(entry.backup)
        _remove(entry.temporary)
    for folder in sorted({entry.target.parent for entry in entries}):
        _sync_folder(folder)
    return problems


def _journal_bytes(entries: Sequence[_Entry]) -> bytes:
    listing = [
        {
            "target": os.fsdecode(entry.target),
            "temporary": None if entry.temporary is None else os.fsdecode(entry.temporary),
            "backup": None if entry.backup is None else os.fsdecode(entry.backup),
        }
        for entry in entries
    ]
    return json.dumps({"plan2cal_journal": _JOURNAL_VERSION, "renames": listing}).encode()


def _read_journal(journal: Path) -> list[_Entry]:
    """The entries of a journal, checked to name only a transaction's own files."""
    try:
        document = json.loads(_small_file_bytes(journal))
        if document["plan2cal_journal"] != _JOURNAL_VERSION:
            raise ValueError(f"version {document['plan2cal_journal']!r}, not {_JOURNAL_VERSION}")
        entries = []
        for item in document["renames"]:
            target = Path(item["target"])
            # No temporary: the target is removed.
            temporary = None if item["temporary"] is None else Path(item["temporary"])
            backup = None if item["backup"] is None else Path(item["backup"])
            for own, suffix in ((temporary, TEMPORARY_SUFFIX), (backup, BACKUP_SUFFIX)):
                if own is not None and (
                    own.parent != target.parent
                    or not own.name.startswith(f".{target.name}.")
                    or not own.name.endswith(suffix)
                ):
                    raise ValueError(f"{own} is not a temporary of {target}")
            entries.append(_Entry(target, target, temporary, backup))
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise OutputError(
            f"cannot read {journal}, the list of renames of an interrupted plan2cal run: {exc}; "
            "check the files it names, then remove it"
        ) from None
    return entries


def _small_file_bytes(path: Path) -> bytes:
    """The journal's bytes: a regular file, bounded; a pipe in its place cannot hang the run.

    ValueError otherwise, for ``_read_journal`` to report with the journal's name.
    """
    try:
        return read_input_bytes(path, _JOURNAL_LIMIT)
    except PlanError as exc:
        raise ValueError(str(exc).removeprefix(f"cannot read {path}: ")) from None


def _rollback_journal(journal: Path) -> Path:
    return journal.with_name(journal.name + _ROLLBACK_SUFFIX)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable; a no-op where folders cannot be opened (Windows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; False, not an error, for a name too long to exist (unlike
    ``Path.exists`` before Python 3.12), so that the write itself names the problem."""
    return os.path.exists(path)


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _cannot_write(path: Path, exc: OSError) -> str:
    return f"cannot write {path}: {exc.strerror or exc}"
