"""The handle every store module writes SQL through: a sqlite3 connection with three helpers.

``execute`` commits a write made outside a transaction (and rolls back a failed one that opened
one), ``query`` yields rows as dicts, and ``atomic`` nests as savepoints. That is all the store
needs; it imports in no time, where a general SQLite toolkit costs a quarter of a second at every
start of the command line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import count
from typing import Any

_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
_savepoints = count(1)


def _first_keyword(sql: str) -> str:
    words = sql.lstrip().split(None, 1)
    return words[0].rstrip(";").upper() if words else ""


class Database:
    """One thread's connection to the study."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        conn.execute("PRAGMA recursive_triggers=on")

    def execute(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> sqlite3.Cursor:
        """Run one statement. A write outside a transaction is committed at once; a failed statement
        that opened a transaction is rolled back, so nothing lingers uncommitted."""
        conn = self.conn
        was_in_transaction = conn.in_transaction
        try:
            cursor = conn.execute(sql) if parameters is None else conn.execute(sql, parameters)
        except Exception:
            if not was_in_transaction and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if (not was_in_transaction and conn.in_transaction and cursor.description is None
                and _first_keyword(sql) not in _TRANSACTION_CONTROL):
            conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, parameters: Sequence | dict[str, Any] | None = None) -> Iterator[dict]:
        """The rows of a SELECT as dicts (column name -> value), fetched as they are iterated."""
        cursor = self.execute(sql, parameters)
        names = [column[0] for column in cursor.description or ()]
        return (dict(zip(names, row)) for row in cursor)

    def executescript(self, sql: str) -> sqlite3.Cursor:
        return self.conn.executescript(sql)

    @contextmanager
    def atomic(self) -> Iterator["Database"]:
        """A transaction, or a savepoint inside one already open."""
        conn = self.conn
        if not conn.in_transaction:
            conn.execute("BEGIN")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            return
        name = f"valuegap_{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            # a RAISE(ROLLBACK) trigger may have ended the whole transaction, savepoint included
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
