"""The study database: one SQLite file, WAL mode, foreign keys on, forward migrations.

Every thread gets its own connection (TUI workers write while the UI reads); WAL lets readers run
alongside the single writer. Writes go through ``Study.transaction()``, which takes the write lock up
front (BEGIN IMMEDIATE) so two processes appending to the same study queue instead of failing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from valuegap_tui.store import schema as _schema_package

BUSY_TIMEOUT_S = 30.0


class StudyError(RuntimeError):
    """The study file cannot be opened or used (missing, not a study, made by a newer version)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _migrations() -> list[tuple[int, str, object]]:
    """Every module store/schema/vNNN_name.py, ordered by NNN."""
    found = []
    for info in pkgutil.iter_modules(_schema_package.__path__):
        if not info.name.startswith("v"):
            continue
        number, _, name = info.name[1:].partition("_")
        module = importlib.import_module(f"{_schema_package.__name__}.{info.name}")
        found.append((int(number), name, module))
    found.sort(key=lambda item: item[0])
    numbers = [n for n, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise StudyError(f"two schema migrations share a number: {numbers}")
    return found


class Study:
    """An open study database. Cheap to pass around; safe to use from several threads."""

    def __init__(self, path: Path | str, *, create: bool = False):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StudyError(f"no study at {self.path} (create one with: valuegap init --study {self.path})")
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        #: every open connection with the thread that owns it, so connections of finished worker
        #: threads can be closed (a screen that polls from a fresh thread each second would leak)
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        self._check_is_sqlite()
        self.migrate()

    # --- connections ---------------------------------------------------------------------------
    def _check_is_sqlite(self) -> None:
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise StudyError(f"{self.path} is not a study database (not an SQLite file)")

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils handle."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            # NORMAL is durable across process kills in WAL mode (only an OS crash can lose the
            # last transactions), and much faster than FULL for answer-by-answer writes.
            conn.execute("PRAGMA synchronous=NORMAL")
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._close_orphans()
                self._connections.append((threading.current_thread(), conn))
        return db

    def _close_orphans(self) -> None:
        """Close the connections of threads that have ended (caller holds the lock)."""
        alive = []
        for thread, conn in self._connections:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._connections = alive

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def close(self) -> None:
        with self._lock:
            for _thread, conn in self._connections:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # closed from its own thread already
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> "Study":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All-or-nothing block of writes; nested blocks become savepoints."""
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")

    # --- schema ----------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Apply every migration this study has not seen yet, each in its own transaction."""
        db = self.db
        with self.transaction():
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        applied = {row["version"] for row in db.query("SELECT version FROM schema_migrations")}
        known = _migrations()
        unknown = applied - {n for n, _, _ in known}
        if unknown:
            raise StudyError(
                f"{self.path} was written by a newer valuegap (schema versions {sorted(unknown)} unknown here)"
            )
        for number, name, module in known:
            if number in applied:
                continue
            with self.transaction():
                # Another process may have applied it while we waited for the write lock.
                if db.execute("SELECT 1 FROM schema_migrations WHERE version = ?", [number]).fetchone():
                    continue
                module.apply(db)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [number, name, now_iso()],
                )
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # --- small key/value store for study-wide settings (probe findings, demo markers ...) ---------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM study_meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO study_meta (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [key, value, now_iso()],
            )


def open_study(path: Path | str, *, create: bool = False) -> Study:
    return Study(path, create=create)
