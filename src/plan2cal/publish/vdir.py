"""The vdir target: one ``<uid>.ics`` per event in a folder, for vdirsyncer, khal and todoman.

A vdir (the storage format of vdirsyncer, read by khal) holds one calendar object per file.
plan2cal writes each live event of the plan as ``export.ics.event_ics`` renders it, the same
bytes a CalDAV push sends, and rewrites only the files whose bytes change: vdirsyncer and khal
tell changes by a file's modification time, so an untouched event must keep its file.

A file is plan2cal's when its event carries this plan's ``X-PLAN2CAL-PLAN`` marker, whatever
its name (vdirsyncer may have named it after the server's copy): such a file is updated where
it is, and removed once the plan no longer has its event (or has it only as cancelled).
Every other file in the folder is never touched. Writes and removals go through
``files.commit`` as one transaction, so a failure leaves the folder as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from plan2cal.errors import OutputError
from plan2cal.files import FileWrite, commit
from plan2cal.publish.resources import Resource, plan_marker, read_resource

# Larger files are not plan2cal's (an event of ours is about 1 KB): they are not even read.
_LARGEST_OWN_FILE = 1_000_000


@dataclass(frozen=True)
class VdirChanges:
    """What makes the folder hold exactly the plan's live events."""

    folder: Path
    writes: tuple[FileWrite, ...]
    removals: tuple[Path, ...]
    unchanged: int


def vdir_file_name(uid: str) -> str:
    """The file of an event that is not in the folder yet: its UID, made safe, and ``.ics``."""
    return quote(uid, safe="@") + ".ics"


def vdir_changes(folder: Path, resources: Sequence[Resource], plan_id: str) -> VdirChanges:
    """The files to write and to remove in ``folder`` for the run's ``resources``.

    Reads the folder (which may not exist yet) and nothing else; ``write_vdir`` or the run's
    transaction applies the changes.
    """
    own: dict[str, tuple[Path, bytes]] = {}
    duplicates: list[Path] = []
    # With two files for one UID (a calendar showing both would double the event), keep the
    # one named after the UID and remove the other.
    for path, uid, data in _event_files(folder, plan_marker(plan_id)):
        if uid not in own:
            own[uid] = (path, data)
        elif path.name == vdir_file_name(uid):
            duplicates.append(own[uid][0])
            own[uid] = (path, data)
        else:
            duplicates.append(path)
    live = {resource.uid: resource for resource in resources if resource.data is not None}
    writes: list[FileWrite] = []
    unchanged = 0
    for uid, resource in live.items():
        assert resource.data is not None
        found = own.get(uid)
        if found is not None and found[1] == resource.data:
            unchanged += 1
            continue
        path = found[0] if found is not None else folder / vdir_file_name(uid)
        writes.append(FileWrite(path, resource.data))
    removals = [path for uid, (path, _) in own.items() if uid not in live] + duplicates
    return VdirChanges(folder, tuple(writes), tuple(sorted(removals)), unchanged)


def write_vdir(changes: VdirChanges, journal: Path | None = None) -> None:
    """Apply ``changes`` as one transaction; raises OutputError naming a path."""
    commit(changes.writes, removals=changes.removals, journal=journal)


def _event_files(folder: Path, marker: str) -> list[tuple[Path, str, bytes]]:
    """(file, UID, bytes) of each ``.ics`` file in ``folder`` whose event carries ``marker``."""
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise OutputError(f"cannot read the vdir {folder}: {exc.strerror or exc}") from None
    needle = f"X-PLAN2CAL-PLAN:{marker}".encode()
    files = []
    for path in entries:
        # Hidden files are no events (the vdir format); transactions' temporaries are hidden.
        if path.name.startswith(".") or path.suffix != ".ics" or not path.is_file():
            continue
        try:
            if path.stat().st_size > _LARGEST_OWN_FILE:
                continue
            data = path.read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
        if needle not in data:
            continue
        read = read_resource(data)
        if read.plan == marker and read.uid is not None:
            files.append((path, read.uid, data))
    return files
