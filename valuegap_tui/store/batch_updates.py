"""A batch of answers' item updates in one statement instead of one per answer.

``executemany`` steps SQLite once per row and lets go of the interpreter lock around each step, so a
batch of 2,000 answers took and gave back the lock 4,000 times while the run's event loop wanted it.
Here the batch's rows go to SQLite as one JSON array and one ``UPDATE ... FROM json_each(?)`` changes
every item: the lock is let go once for the whole batch. Measured at 30,000 questions against the
loopback server (docs/evaluation.md): a run's wall time 3.72 -> 3.20 s, its CPU 2.92 -> 2.71 s.

What is stored is the same as row by row (tests/test_run_fast_paths.py): the values are enums,
integers and NULLs, which JSON carries exactly, and each item is changed once, from the same state to
the same state, so the count triggers (v025_run_counts) see the same changes. A batch that holds an
item twice (asked again before the batch was written), a value JSON cannot carry exactly (a float,
a bool) or SQLite before 3.38 (no ``->>``) stores row by row as before.
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
    if one_statement(rows):
        text = json.dumps(rows, ensure_ascii=False)
        if "\\u0000" not in text:  # SQLite's JSON functions would cut a text at a NUL
            conn.execute(UPDATE_FROM_JSON, [text])
            return
    conn.executemany(statement_by_row, rows)


def one_statement(rows: list[tuple]) -> bool:
    """Whether the rows can go in one statement with the same result as row by row."""
    return SUPPORTED and len(rows) > 1 and len({row[-1] for row in rows}) == len(rows) and _exact(rows)
