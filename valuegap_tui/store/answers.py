"""Every answer attempt of a run, joined with what was asked: the rows of ``valuegap run export-answers``.

Read through one query in chunks, so a run of 300,000 attempts never sits in memory as Python rows
unless the caller keeps them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

from valuegap_tui.store.db import Study

#: the names of the tuples ``attempt_rows`` yields, in order; a condition's kind and name and an item's
#: value and topic come once per run (``run_conditions``, ``run_item_places``), not joined into every row
ATTEMPT_FIELDS = (
    "run", "model", "condition", "dilemma", "protocol", "question", "repeat", "attempt", "outcome", "item_status",
    "final",
    "letter", "position", "option", "score", "permutation", "distribution_json", "covered_mass", "raw_text",
    "raw_dropped", "reasoning", "latency_s", "prompt_tokens", "completion_tokens", "finish_reason", "error_kind",
    "error", "answered_at",
)

# the run's items in id order (a rowid range, so no sort), each with its attempts in order
_QUERY = (
    "SELECT r.run_id, i.model, i.persona_id, i.dilemma_id, i.protocol, i.question, i.repeat, r.attempt, r.outcome,"
    " i.status,"
    " (r.attempt = i.attempts AND i.status = 'answered'), r.letter, r.position, r.choice, r.score, i.permutation,"
    " r.distribution_json, r.covered_mass, r.raw_text, r.raw_dropped, r.reasoning, r.latency_s, r.prompt_tokens,"
    " r.completion_tokens, r.finish_reason, r.error_kind, r.error, r.created_at"
    " FROM run_items i JOIN run_responses r ON r.item_id = i.id"
    " WHERE i.id BETWEEN (SELECT MIN(id) FROM run_items WHERE run_id = ?1)"
    " AND (SELECT MAX(id) FROM run_items WHERE run_id = ?1) AND +i.run_id = ?1"
    " ORDER BY i.id, r.attempt"
)


def run_conditions(study: Study, run_id: int) -> dict[str, tuple[str, str]]:
    """persona id -> (kind, name) as the run stored them."""
    return {r[0]: (r[1], r[2]) for r in study.db.execute(
        "SELECT persona_id, kind, name FROM run_personas WHERE run_id = ?", [run_id])}


def run_item_places(study: Study, run_id: int) -> dict[str, tuple[str, str]]:
    """item id -> (value id, topic id) as the run stored them."""
    return {r[0]: (r[1], r[2]) for r in study.db.execute(
        "SELECT dilemma_id, value_id, topic_id FROM run_dilemmas WHERE run_id = ?", [run_id])}


@contextmanager
def read_snapshot(study: Study) -> Iterator[None]:
    """Every read inside sees the study as it was at the first one (a run may be writing meanwhile), so
    an export's rows and its dictionary agree. Writers are not held up: WAL readers never block them."""
    conn = study.db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written: ending the read is all


# the same, over the run's items with ids first .. last
_RANGE_QUERY = _QUERY.replace("(SELECT MIN(id) FROM run_items WHERE run_id = ?1)", "?2").replace(
    "(SELECT MAX(id) FROM run_items WHERE run_id = ?1)", "?3")


def attempt_rows(study: Study, run_id: int, chunk: int = 1000, first: int | None = None,
                 last: int | None = None) -> Iterator[tuple]:
    """One tuple per stored attempt (``ATTEMPT_FIELDS``), in plan order then attempt order; with
    ``first`` and ``last``, only those of the run's items with ids from ``first`` to ``last``."""
    for rows in attempt_chunks(study, run_id, chunk, first, last):
        yield from rows


def attempt_chunks(study: Study, run_id: int, chunk: int = 1000, first: int | None = None,
                   last: int | None = None) -> Iterator[list[tuple]]:
    """``attempt_rows`` in lists of up to ``chunk`` rows (a loop over a list costs less per row than
    resuming a generator: the export reads a million rows)."""
    if first is None:
        cursor = study.db.execute(_QUERY, [run_id])
    else:
        cursor = study.db.execute(_RANGE_QUERY, [run_id, first, last])
    while rows := cursor.fetchmany(chunk):
        yield rows


def item_id_span(study: Study, run_id: int) -> tuple[int, int] | None:
    """The lowest and highest id of the run's items (None for a run without items): item ids grow in
    plan order, so a range of them is a stretch of the export's rows."""
    row = study.db.execute("SELECT MIN(id), MAX(id) FROM run_items WHERE run_id = ?", [run_id]).fetchone()
    return None if row[0] is None else (row[0], row[1])


def snapshot_hash(study: Study, run_id: int) -> str:
    """A hash of what the run asked: its dilemma records and persona snapshots as stored with it.

    Two exports with the same snapshot hash come from the same dilemma texts and persona prompts, even
    if the study's dilemmas were edited since."""
    digest = hashlib.sha256()
    for row in study.db.execute("SELECT dilemma_id, record_json FROM run_dilemmas WHERE run_id = ?"
                                " ORDER BY dilemma_id", [run_id]):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode())
    for row in study.db.execute("SELECT persona_id, name, kind, system_text FROM run_personas WHERE run_id = ?"
                                " ORDER BY persona_id", [run_id]):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def prompt_hashes(study: Study, run_id: int) -> dict[str, str]:
    row = study.db.execute("SELECT prompt_hashes_json FROM runs WHERE id = ?", [run_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}
