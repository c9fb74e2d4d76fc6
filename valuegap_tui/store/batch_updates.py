"""A batch of answers and their items' updates, and a chunk of planned items, many rows per statement.

``executemany`` runs its statement once per row: SQLite sets the statement up again, bumps the
table's AUTOINCREMENT counter and the interpreter lock is let go and taken back around each row, so
a batch of 2,000 answers did that 4,000 times while the run's event loop wanted the lock. Here the
rows go as multi-row ``VALUES`` lists, up to ``ROWS_PER_STATEMENT`` rows a statement (an ``UPDATE
... FROM (VALUES ...)`` for the items): measured alone at 30,000 answers, 14.2 -> 9.5 us of CPU a
stored answer against the executemany and JSON arrays this module used before (docs/evaluation.md).

What is stored is the same as row by row (tests/test_run_fast_paths.py): every value is bound as a
parameter, as ``executemany`` binds it (any type, exactly: floats, large integers, texts with a NUL);
the rows are inserted in their order (the same ids) and each answered item is changed once, from the
same state to the same state, so the count triggers (v025_run_counts) see the same changes. A batch
of answers that holds an item twice (asked again before the batch was written), or SQLite before
3.33 (no ``UPDATE ... FROM``), goes row by row.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from itertools import chain

#: runs._UPDATE_PLAIN for a VALUES list of (status, attempt, position, choice, score, outcome, item id)
UPDATE_HEAD = (
    "UPDATE run_items SET status = u.column1, attempts = u.column2, position = u.column3, choice = u.column4,"
    " score = u.column5, refusal = (u.column6 = 'refusal'), distribution_json = NULL,"
    " outcome = CASE WHEN u.column1 = 'pending' THEN NULL ELSE u.column6 END FROM (VALUES ")
#: runs._UPDATE_ITEM for a VALUES list of (status, attempt, position, choice, score, refusal, distribution,
#: outcome, item id): a batch with distributions
UPDATE_GIVEN_HEAD = (
    "UPDATE run_items SET status = u.column1, attempts = u.column2, position = u.column3, choice = u.column4,"
    " score = u.column5, refusal = u.column6, distribution_json = u.column7, outcome = u.column8 FROM (VALUES ")
#: runs._INSERT_ITEM with the run as ?1 and each row's (model, condition, item, question, repeat, order, protocol)
INSERT_ITEMS_HEAD = ("INSERT OR IGNORE INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat,"
                     " permutation, protocol) VALUES ")
SUPPORTED = sqlite3.sqlite_version_info >= (3, 33, 0)
#: rows per statement at most (fewer where SQLite allows fewer parameters)
ROWS_PER_STATEMENT = 128


def _binary_sizes(count: int) -> list[int]:
    """``count`` as its binary digits, largest first: the statements for the rows left after the full
    ones (few different statements, so SQLite's statement cache keeps them)."""
    return [1 << bit for bit in range(count.bit_length() - 1, -1, -1) if count >> bit & 1]


@lru_cache(maxsize=64)
def _statement(head: str, row_head: str, fixed: int, width: int, rows: int, tail: str) -> str:
    """``head`` + ``rows`` groups of (``row_head`` and ``width`` numbered parameters after the ``fixed``
    shared ones) + ``tail``."""
    groups = []
    for row in range(rows):
        first = fixed + row * width + 1
        groups.append("(" + row_head + ", ".join(f"?{n}" for n in range(first, first + width)) + ")")
    return head + ", ".join(groups) + tail


def run_in_chunks(conn, head: str, rows: list[tuple], width: int, *, row_head: str = "", fixed: tuple = (),
                  tail: str = "") -> None:
    """Run ``head (row) , (row) ... tail`` over ``rows`` (each ``width`` values), as few statements as
    SQLite's parameter limit allows; ``fixed`` values are parameters ?1.. shared by every row (used in
    ``row_head``)."""
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    most = max(1, min(ROWS_PER_STATEMENT, (limit - len(fixed)) // width))
    full = len(rows) // most
    if full:  # the full chunks in one executemany
        conn.executemany(_statement(head, row_head, len(fixed), width, most, tail),
                         [fixed + tuple(chain.from_iterable(rows[at:at + most])) for at in range(0, full * most, most)])
    start = full * most
    for size in _binary_sizes(len(rows) - start):
        conn.execute(_statement(head, row_head, len(fixed), width, size, tail),
                     fixed + tuple(chain.from_iterable(rows[start:start + size])))
        start += size


def update_items(conn, statement_by_row: str, rows: list[tuple], head: str = UPDATE_HEAD) -> None:
    """Apply ``statement_by_row`` to every row: many rows a statement (``head``, whose VALUES columns are
    the row's, the item id last) when that gives the same, else row by row. Each row: (status, attempt,
    position, choice, score, outcome, item id) for runs._UPDATE_PLAIN and UPDATE_HEAD; (status, attempt,
    position, choice, score, refusal, distribution, outcome, item id) for runs._UPDATE_ITEM and
    UPDATE_GIVEN_HEAD."""
    distinct = len({row[-1] for row in rows}) == len(rows)  # no item twice
    if SUPPORTED and len(rows) > 1 and distinct:
        width = len(rows[0])
        run_in_chunks(conn, head, rows, width, tail=f") AS u WHERE run_items.id = u.column{width}")
    else:
        conn.executemany(statement_by_row, rows)


def insert_items(conn, statement_by_row: str, run_id: int, rows: list[tuple]) -> None:
    """Insert ``rows`` of ``run_id`` as ``statement_by_row`` (runs._INSERT_ITEM) does, many a statement.
    Each row: (model, condition, item, question, repeat, order, protocol)."""
    if SUPPORTED and len(rows) > 1:
        run_in_chunks(conn, INSERT_ITEMS_HEAD, rows, 7, row_head="?1, ", fixed=(run_id,))
    else:
        conn.executemany(statement_by_row, [(run_id, *row) for row in rows])


def insert_answers(conn, head: str, statement_by_row: str, rows: list[tuple], shared: tuple = ()) -> None:
    """Insert a batch of attempts as ``statement_by_row`` does, many a statement: ``head`` names the
    columns. With ``shared`` (the run and the time, for runs._insert_plain), each row is written after
    them and a NULL distribution; without, each row holds every column (runs._INSERT_RESPONSE)."""
    if SUPPORTED and len(rows) > 1:
        run_in_chunks(conn, head, rows, len(rows[0]), row_head="?1, ?2, NULL, " if shared else "", fixed=shared)
    else:
        conn.executemany(statement_by_row, rows)
