"""What went wrong with a study file, said in one line with what to do about it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

#: below this much free space an I/O error is reported as a full disk (SQLite needs room for -shm)
NEARLY_FULL_BYTES = 64 * 1024


#: every failure of the database engine itself (a full disk, a write lock held past the busy timeout, a
#: damaged file): code outside the store catches it by this name and never imports the driver
DatabaseError = sqlite3.Error


class StudyError(RuntimeError):
    """The study file cannot be opened or used (missing, not a study, read-only, locked, damaged ...)."""


def describe_sqlite_error(exc: sqlite3.Error, path: Path | str | None, busy_timeout_s: float | None = None) -> str:
    """One line for an SQLite failure on the study at ``path``: what happened, then what to do."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    reason = str(exc) or name or type(exc).__name__
    study = str(path) if path is not None else "the study"
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED") or "locked" in reason:
        waited = f", waited {busy_timeout_s:g} s" if busy_timeout_s else ""
        return (f"{study} is busy: another process holds its write lock ({reason}{waited}); let it finish "
                "(a run, an import, the app saving) and run the command again; what was saved before is kept")
    disk_full = name.startswith("SQLITE_FULL") or name == "SQLITE_IOERR_SHMSIZE" or (
        name.startswith("SQLITE_IOERR") and _disk_is_full(path))
    if disk_full:
        return (f"no space left on the disk holding {study} ({reason}): free some space and run the command "
                "again; what was saved before is kept")
    if name.startswith("SQLITE_READONLY") or "readonly" in reason:
        return (f"{study} is read-only ({reason}) and this changes it: make the file and its folder "
                "writable, or work on a copy")
    if name == "SQLITE_NOTADB" or "not a database" in reason:
        return f"{study} is not a study database (not an SQLite file): give another --study"
    if name.startswith("SQLITE_CORRUPT") or "malformed" in reason:
        return (f"{study} is damaged or incomplete ({reason}), e.g. cut short by a copy: restore it from a "
                "backup; it was left as it is")
    if name.startswith("SQLITE_IOERR") or "I/O error" in reason:
        return (f"could not read or write {study} ({reason}): check the disk, and that nothing else moved, "
                "deleted or replaced the study or its -wal file, then run the command again")
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in reason:
        return f"cannot open {study} ({reason}): check that it and its folder exist and are readable"
    return f"{study}: {reason}"


def _disk_is_full(path: Path | str | None) -> bool:
    if path is None:
        return False
    folder = Path(path).absolute().parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES
