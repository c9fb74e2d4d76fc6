"""Results kept per run, keyed by the answers they were computed from.

A run's *fingerprint* names the state of its answers cheaply (no scan of the answers or the items): the
study's last answer attempt id (every attempt of a model or a person writes one, retries included), the
study's last item id (items are only ever added, each with a new id, so a run given more items changes
it; counting the run's items instead took 60 ms at a million), how many of the run's items are still
pending (an item re-opened or ended changes it; read from the counts the writes keep,
store/schema/v025_run_counts.py) and how many people answer it. Results saved under one fingerprint are
read back only while the run still has it, so a new answer, a retry or a new respondent makes the kept results stale at once. What is kept is text (JSON from
metrics/results_record.py), never code; a study that cannot be written keeps nothing and loses nothing.
"""

from __future__ import annotations

from valuegap_tui.store.db import Study, now_iso
from valuegap_tui.store.failures import DatabaseError, StudyError

STAGES = ("numbers", "intervals")


def fingerprint(study: Study, run_id: int) -> str:
    """The state of the run's answers, as a short string (see the module's docstring)."""
    db = study.db
    (last_attempt,) = db.execute("SELECT coalesce(max(id), 0) FROM run_responses").fetchone()
    (last_item,) = db.execute("SELECT coalesce(max(id), 0) FROM run_items").fetchone()
    (pending,) = db.execute("SELECT coalesce(sum(n), 0) FROM run_item_counts WHERE run_id = ? AND status = 'pending'",
                            [run_id]).fetchone()
    (people,) = db.execute("SELECT count(*) FROM run_respondents WHERE run_id = ?", [run_id]).fetchone()
    return f"{last_attempt}:{last_item}:{pending}:{people}"


def load(study: Study, run_id: int, options: str, stage: str, current: str) -> str | None:
    """The payload kept for these options and stage, if it was computed from answers in state ``current``."""
    row = study.db.execute("SELECT payload FROM results_cache WHERE run_id = ? AND options = ? AND stage = ?"
                           " AND fingerprint = ?", [run_id, options, stage, current]).fetchone()
    return row[0] if row else None


def save(study: Study, run_id: int, options: str, stage: str, current: str, payload: str) -> bool:
    """Keep ``payload``; rows of the run from other answer states go. False when the study cannot be
    written (read-only, locked past its timeout, full): the results are simply not kept."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    if study.read_only:
        return False
    try:
        with study.transaction() as db:
            db.execute("DELETE FROM results_cache WHERE run_id = ? AND fingerprint != ?", [run_id, current])
            db.execute("INSERT OR REPLACE INTO results_cache (run_id, options, stage, fingerprint, payload, saved_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", [run_id, options, stage, current, payload, now_iso()])
        return True
    except (DatabaseError, StudyError):
        return False


def forget(study: Study, run_id: int | None = None) -> None:
    """Drop the kept results (of one run, or all)."""
    with study.transaction() as db:
        if run_id is None:
            db.execute("DELETE FROM results_cache")
        else:
            db.execute("DELETE FROM results_cache WHERE run_id = ?", [run_id])
