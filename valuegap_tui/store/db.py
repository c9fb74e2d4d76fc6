"""The study database: one SQLite file, WAL mode, foreign keys on, forward migrations.

Every thread gets its own connection (TUI workers write while the UI reads); WAL lets readers run
alongside the single writer. Writes go through ``Study.transaction()``, which takes the write lock up
front (BEGIN IMMEDIATE) so two processes appending to the same study queue instead of failing.

The study file is only ever touched through SQLite. Opening and closing it with plain Python, even
just to read its header, would release every POSIX lock this process holds on it: another process
would then believe it is alone, checkpoint, and delete the -wal and -shm files under our open
connections (their later commits would land in a deleted file, invisible to everyone else).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from valuegap_tui.settings import environment
from valuegap_tui.store import schema as _schema_package
from valuegap_tui.store.database import Database
from valuegap_tui.store.failures import StudyError, describe_sqlite_error

#: how long a write waits for another process's write lock; VALUEGAP_BUSY_TIMEOUT_S overrides it
BUSY_TIMEOUT_S = 30.0
MIGRATIONS_TABLE = "schema_migrations"


def busy_timeout_s() -> float:
    """BUSY_TIMEOUT_S, or VALUEGAP_BUSY_TIMEOUT_S when set; a value that is not a number of seconds is
    refused (settings.SettingsError), never silently replaced by the default."""
    from_env = environment().busy_timeout_s
    return BUSY_TIMEOUT_S if from_env is None else from_env


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
    """An open study database. Cheap to pass around; safe to use from several threads.

    A study whose file or folder is not writable opens read-only (``read_only``): reads work, and
    every write fails with a StudyError that says so.
    """

    def __init__(self, path: Path | str, *, create: bool = False):
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s()
        self._local = threading.local()
        #: every open connection with the thread that owns it, so connections of finished worker
        #: threads can be closed (a screen that polls from a fresh thread each second would leak)
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        self.read_only = False
        #: True when this opening made the file a study (it was missing, empty, or an empty database)
        self.created = False
        self._target, self._uri = str(self.path), False
        try:
            self._inspect(create)
            self.migrate()
        except sqlite3.Error as exc:
            self.close()
            raise StudyError(describe_sqlite_error(exc, self.path, self.busy_timeout_s)) from None
        except BaseException:
            self.close()
            raise

    # --- opening: decide, through SQLite only, whether this file is a study we may use ----------
    def _inspect(self, create: bool) -> None:
        path = self.path
        if path.is_dir():
            raise StudyError(f"{path} is a folder, not a study file; give the study's file with --study")
        if not path.exists():
            if not create:
                raise StudyError(f"no study at {path} (create one with: valuegap init --study {path})")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StudyError(f"cannot create {path}: {exc.strerror} "
                                 "(choose a writable place for --study)") from None
            return  # SQLite creates it on the first connection
        if path.stat().st_size == 0:
            if not create:
                raise StudyError(f"{path} is an empty file, not a study "
                                 f"(make it one with: valuegap init --study {path})")
            return
        folder = path.parent if str(path.parent) else Path(".")
        if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
            self._open_read_only()
        tables = self._tables()
        if MIGRATIONS_TABLE in tables:
            return
        if tables:
            shown = ", ".join(sorted(tables)[:5]) + (" ..." if len(tables) > 5 else "")
            raise StudyError(f"{path} is an SQLite database but not a valuegap study (its tables: {shown}); "
                             "it was left unchanged: give another --study")
        if not create:
            raise StudyError(f"{path} is an empty SQLite database, not a study "
                             f"(make it one with: valuegap init --study {path})")

    def _open_read_only(self) -> None:
        """Read through the WAL where one exists (mode=ro needs its -shm, or a folder to make one
        in); with no WAL, read the file as it is (immutable: nothing is created beside it)."""
        self.read_only = True
        location = quote(str(self.path.absolute()))
        self._target, self._uri = f"file:{location}?mode=ro", True
        try:
            self._tables()
            return
        except sqlite3.OperationalError:
            wal = Path(f"{self.path}-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StudyError(
                    f"{self.path} is read-only and its last changes are in {wal.name}, which cannot be read "
                    "here without writing beside it: copy the study with its -wal file to a writable folder "
                    "and open the copy") from None
        self._target = f"file:{location}?immutable=1"

    def _tables(self) -> set[str]:
        """The file's table names, read over a connection that changes nothing (closed at once)."""
        conn = sqlite3.connect(self._target, uri=self._uri, timeout=self.busy_timeout_s)
        try:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()

    # --- connections ---------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """This thread's handle on the study."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self._target, uri=self._uri, timeout=self.busy_timeout_s,
                                   check_same_thread=False)
            try:
                self._configure(conn)
            except BaseException:
                conn.close()
                raise
            db = Database(conn)
            self._local.db = db
            with self._lock:
                self._close_orphans()
                self._connections.append((threading.current_thread(), conn))
        return db

    def _configure(self, conn: sqlite3.Connection) -> None:
        if self.read_only:
            conn.execute("PRAGMA query_only=ON")
        else:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
        # NORMAL is durable across process kills in WAL mode (only an OS crash can lose the
        # last transactions), and much faster than FULL for answer-by-answer writes.
        conn.execute("PRAGMA synchronous=NORMAL")

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

    def close_thread(self) -> None:
        """Close this thread's connection, where it opened one (a thread of its own, done reading)."""
        db = getattr(self._local, "db", None)
        if db is None:
            return
        self._local.db = None
        with self._lock:
            self._connections = [(thread, conn) for thread, conn in self._connections if conn is not db.conn]
        db.conn.close()

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
    def transaction(self) -> Iterator[Database]:
        """All-or-nothing block of writes; nested blocks become savepoints."""
        if self.read_only:
            raise StudyError(f"{self.path} is read-only, and this changes the study: make the file and its "
                             "folder writable, or work on a copy")
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
        """Apply every migration this study has not seen yet, each in its own transaction.

        An up-to-date study is only read here, so opening one never waits for another process's
        write lock (a long run must not stop `valuegap info`)."""
        db = self.db
        known = _migrations()
        applied = self._applied_versions()
        unknown = applied - {n for n, _, _ in known}
        if unknown:
            raise StudyError(
                f"{self.path} was written by a newer valuegap (schema versions {sorted(unknown)} unknown here)"
            )
        pending = [(number, name, module) for number, name, module in known if number not in applied]
        if not pending:
            return
        self.created = not applied
        if self.read_only:
            raise StudyError(f"{self.path} is read-only and needs upgrading to schema version {known[-1][0]}: "
                             "make it writable (or copy it) and open it once")
        with self.transaction():
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        for number, name, module in pending:
            # A migration that rebuilds a table others reference (SQLite cannot change a table's
            # constraints in place) runs with foreign keys off, as SQLite's procedure for it says:
            # dropping the old table must not cascade to the rows that reference it. The keys are
            # checked before it commits, and on again afterwards.
            rebuilds = getattr(module, "REBUILDS_TABLE", False)
            if rebuilds:
                db.conn.execute("PRAGMA foreign_keys=OFF")
            try:
                with self.transaction():
                    # Another process may have applied it while we waited for the write lock.
                    if db.execute(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE version = ?", [number]).fetchone():
                        continue
                    module.apply(db)
                    if rebuilds and db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                        raise StudyError(f"{self.path}: schema migration {number} would break a reference;"
                                         " nothing was changed")
                    db.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
                        [number, name, now_iso()],
                    )
                    db.execute(f"PRAGMA user_version = {number}")
            finally:
                if rebuilds:
                    db.conn.execute("PRAGMA foreign_keys=ON")

    def _applied_versions(self) -> set[int]:
        db = self.db
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          [MIGRATIONS_TABLE]).fetchone():
            return set()
        return {row[0] for row in db.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")}

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


def open_elsewhere(path: Path | str) -> bool:
    """Whether some connection, in this or another process, has the study open (call it with none
    of your own open). Each open WAL connection holds a shared lock on the file, so an exclusive
    lock cannot be had while one exists; asking SQLite for it keeps this process's locks intact."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY"):
            return True
        raise
    finally:
        conn.close()
