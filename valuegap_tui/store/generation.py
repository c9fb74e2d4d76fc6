"""Generation attempts: one row per request sent, its raw reply, and whether it gave a valid dilemma."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from valuegap_tui.store.db import Study, now_iso


@dataclass(frozen=True)
class Attempt:
    dilemma_id: str
    value_id: str
    topic_id: str
    variant: int
    attempt: int
    model: str | None
    prompt_template: str
    prompt_hash: str
    raw_reply: str | None
    ok: bool
    reason: str | None
    latency_s: float | None
    at: str = ""
    id: int | None = None


@dataclass(frozen=True)
class FailedPair:
    """A (value, topic, variant) with no stored dilemma whose latest attempt failed."""

    dilemma_id: str
    value_id: str
    topic_id: str
    variant: int
    attempts: int
    reason: str
    at: str


_COLUMNS = ("dilemma_id", "value_id", "topic_id", "variant", "attempt", "model", "prompt_template",
            "prompt_hash", "raw_reply", "ok", "reason", "latency_s", "at")


def record(study: Study, attempt: Attempt) -> int:
    """Store one attempt (joins the caller's transaction if one is open); returns its row id."""
    values = [getattr(attempt, c) for c in _COLUMNS]
    values[_COLUMNS.index("ok")] = int(attempt.ok)
    values[_COLUMNS.index("at")] = attempt.at or now_iso()
    with study.transaction() as db:
        cursor = db.execute(
            f"INSERT INTO generation_attempts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            values,
        )
        return cursor.lastrowid


def _attempt(row) -> Attempt:
    data = dict(zip(("id", *_COLUMNS), row))
    data["ok"] = bool(data["ok"])
    return Attempt(**data)


def attempts_for(study: Study, dilemma_id: str) -> list[Attempt]:
    rows = study.db.execute(
        f"SELECT id, {', '.join(_COLUMNS)} FROM generation_attempts WHERE dilemma_id = ? ORDER BY id", [dilemma_id]
    )
    return [_attempt(r) for r in rows]


def count_attempts(study: Study, *, ok: bool | None = None) -> int:
    if ok is None:
        return study.db.execute("SELECT COUNT(*) FROM generation_attempts").fetchone()[0]
    return study.db.execute("SELECT COUNT(*) FROM generation_attempts WHERE ok = ?", [int(ok)]).fetchone()[0]


def failed_pairs(study: Study, dilemma_ids: Iterable[str] | None = None) -> list[FailedPair]:
    """Pairs that have attempts but no dilemma, with the reason of their latest attempt."""
    sql = """
        SELECT a.dilemma_id, a.value_id, a.topic_id, a.variant, counts.n, a.reason, a.at
        FROM generation_attempts a
        JOIN (SELECT dilemma_id, MAX(id) AS last_id, COUNT(*) AS n FROM generation_attempts GROUP BY dilemma_id) counts
          ON a.id = counts.last_id
        WHERE a.ok = 0 AND NOT EXISTS (SELECT 1 FROM dilemmas d WHERE d.id = a.dilemma_id)
        ORDER BY a.value_id, a.topic_id, a.variant
    """
    found = [FailedPair(*row) for row in study.db.execute(sql)]
    if dilemma_ids is not None:
        wanted = set(dilemma_ids)
        found = [f for f in found if f.dilemma_id in wanted]
    return found
