"""A batch of answers' item updates, and a chunk of planned items, in one statement instead of one per row.

``executemany`` steps SQLite once per row and lets go of the interpreter lock around each step, so a
batch of 2,000 answers took and gave back the lock 4,000 times while the run's event loop wanted it.
Here the rows go to SQLite as one JSON array and one ``UPDATE ... FROM json_each(?)`` (or ``INSERT
... SELECT ... FROM json_each(?) ORDER BY key``, in the rows' order) does the lot: the lock is let go
once for the whole batch. Measured at 30,000 questions against the loopback server
(docs/evaluation.md).

What is stored is the same as row by row (tests/test_run_fast_paths.py): the values are texts,
integers and NULLs, which JSON carries exactly; items are inserted in the rows' order (the same ids)
and each answered item is changed once, from the same state to the same state, so the count triggers
(v025_run_counts) see the same changes. A batch of answers that holds an item twice (asked again
before the batch was written), a value JSON cannot carry exactly (a float, a bool, a text with a NUL)
or SQLite before 3.38 (no ``->>``) goes row by row as before.
"""

from __future__ import annotations

import json
import sqlite3
from itertools import chain

#: the same columns as runs._UPDATE_PLAIN, read from each element of the batch's JSON array
#: [status, attempt, position, choice, score, outcome, item id]
UPDATE_FROM_JSON = (
    "UPDATE run_items SET status = u.status, attempts = u.attempt, position = u.position, choice = u.choice,"
    " score = u.score, refusal = (u.outcome = 'refusal'), distribution_json = NULL,"
    " outcome = CASE WHEN u.status = 'pending' THEN NULL ELSE u.outcome END"
    " FROM (SELECT value ->> 0 AS status, value ->> 1 AS attempt, value ->> 2 AS position, value ->> 3 AS choice,"
    " value ->> 4 AS score, value ->> 5 AS outcome, value ->> 6 AS id FROM json_each(?)) AS u"
    " WHERE run_items.id = u.id")
#: runs._INSERT_ITEM's columns, read from each element of the chunk's JSON array, in its order
INSERT_FROM_JSON = (
    "INSERT OR IGNORE INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat, permutation,"
    " protocol) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,"
    " value ->> 7 FROM json_each(?) ORDER BY key")
SUPPORTED = sqlite3.sqlite_version_info >= (3, 38, 0)
#: the only types a row may hold to go as JSON (JSON carries them exactly)
_EXACT = {str, int, type(None)}
_LIMIT = 2**63


def _exact(rows: list[tuple]) -> bool:
    """Every value a str, an int in SQLite's 64-bit range or None (looked at in C where it can be)."""
    values = list(chain.from_iterable(rows))
    if not set(map(type, values)) <= _EXACT:
        return False
    ints = [v for v in values if type(v) is int]
    return not ints or (min(ints) >= -_LIMIT and max(ints) < _LIMIT)


def update_items(conn, statement_by_row: str, rows: list[tuple]) -> None:
    """Apply ``statement_by_row`` (runs._UPDATE_PLAIN) to every row: in one statement when that gives
    the same, else row by row. Each row: (status, attempt, position, choice, score, outcome, item id)."""
    distinct = len({row[-1] for row in rows}) == len(rows)  # no item twice
    if not (distinct and _in_one(conn, UPDATE_FROM_JSON, rows)):
        conn.executemany(statement_by_row, rows)


def insert_items(conn, statement_by_row: str, rows: list[tuple]) -> None:
    """Insert ``rows`` as ``statement_by_row`` (runs._INSERT_ITEM) does, in one statement when that gives
    the same, else row by row. Each row: (run id, model, condition, item, question, repeat, order, protocol)."""
    if not _in_one(conn, INSERT_FROM_JSON, rows):
        conn.executemany(statement_by_row, rows)


def one_statement(rows: list[tuple]) -> bool:
    """Whether the rows can go in one statement with the same result as row by row (a batch of
    answers must also hold each item once)."""
    return SUPPORTED and len(rows) > 1 and _exact(rows)


def _in_one(conn, statement: str, rows: list[tuple]) -> bool:
    if not one_statement(rows):
        return False
    text = json.dumps(rows, ensure_ascii=False)
    if "\\u0000" in text:  # SQLite's JSON functions would cut a text at a NUL
        return False
    conn.execute(statement, [text])
    return True
