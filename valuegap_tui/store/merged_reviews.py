"""Reviews merged from other machines (schema v015), and the history rows a review export is made of.

``review/merge.py`` decides what an export holds and what a merge may store; this module reads and
writes the rows. A merge never touches ``dilemmas``: merged changes live in ``merged_reviews``, blind
labels in the reviewer's own row of ``reviewer_labels``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from valuegap_tui.store.db import Study, now_iso


@dataclass(frozen=True)
class ReviewChange:
    """One change a reviewer made: a row of this study's history or a merged one."""

    reviewer: str
    dilemma_id: str
    action: str
    at: str
    undone: bool
    before: dict | None
    after: dict


@dataclass(frozen=True)
class BlindLabels:
    """A reviewer's blind labels of one dilemma as a merge stores them (label values by option position)."""

    dilemma_id: str
    reviewer: str
    labels: tuple[str | None, ...]
    complete: bool
    at: str


def first_change(study: Study) -> tuple[int, str, str, str] | None:
    """(id, dilemma id, at, after JSON) of the study's first history row; None before any dilemma."""
    row = study.db.execute("SELECT id, dilemma_id, at, after_json FROM dilemma_history ORDER BY id LIMIT 1").fetchone()
    return tuple(row) if row else None


def _undone_ids(study: Study) -> set[int]:
    return {row[0] for row in study.db.execute("SELECT history_id FROM review_undos")}


def local_changes(study: Study, actions: Sequence[str], *, reviewer: str | None = None,
                  dilemma_id: str | None = None) -> list[ReviewChange]:
    """This study's history rows with one of ``actions`` (by one reviewer, on one dilemma), oldest first,
    each marked undone when an undo took it back."""
    undone = _undone_ids(study)
    clauses, params = [f"action IN ({','.join('?' * len(actions))})"], list(actions)
    for column, wanted in (("who", reviewer), ("dilemma_id", dilemma_id)):
        if wanted is not None:
            clauses.append(f"{column} = ?")
            params.append(wanted)
    rows = study.db.execute(
        "SELECT id, who, dilemma_id, action, at, before_json, after_json FROM dilemma_history"
        f" WHERE {' AND '.join(clauses)} ORDER BY id", params).fetchall()
    return [ReviewChange(r[1], r[2], r[3], r[4], r[0] in undone, json.loads(r[5]) if r[5] else None,
                         json.loads(r[6])) for r in rows]


def merged_changes(study: Study, *, reviewer: str | None = None, dilemma_id: str | None = None) -> list[ReviewChange]:
    """Changes merged from other machines (by one reviewer, on one dilemma), oldest first."""
    clauses, params = [], []
    for column, wanted in (("reviewer", reviewer), ("dilemma_id", dilemma_id)):
        if wanted is not None:
            clauses.append(f"{column} = ?")
            params.append(wanted)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = study.db.execute("SELECT reviewer, dilemma_id, action, at, undone, before_json, after_json"
                            f" FROM merged_reviews{where} ORDER BY at", params).fetchall()
    return [ReviewChange(r[0], r[1], r[2], r[3], bool(r[4]), json.loads(r[5]) if r[5] else None, json.loads(r[6]))
            for r in rows]


@dataclass(frozen=True)
class MergedFile:
    """One checked review file: its hash, its changes (with their entry hashes) and its blind labels."""

    file_hash: str
    changes: list[tuple[str, ReviewChange]]
    blind: list[BlindLabels]


def store_merge(study: Study, files: Sequence[MergedFile]) -> list[tuple[int, int]]:
    """Store every file in one transaction: all or none. Per file: (changes new to this study, blind labels
    stored). A change already merged (same entry hash) is skipped; blind labels replace the reviewer's own
    row only when they are later and differ, so merging a file twice changes nothing."""
    counts = []
    merged_at = now_iso()
    with study.transaction() as db:
        for file in files:
            (before,) = db.execute("SELECT COUNT(*) FROM merged_reviews").fetchone()
            db.conn.executemany(
                "INSERT OR IGNORE INTO merged_reviews (entry_hash, reviewer, dilemma_id, action, at, undone,"
                " before_json, after_json, file_hash, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(entry_hash, c.reviewer, c.dilemma_id, c.action, c.at, int(c.undone),
                  json.dumps(c.before, ensure_ascii=False) if c.before is not None else None,
                  json.dumps(c.after, ensure_ascii=False), file.file_hash, merged_at)
                 for entry_hash, c in file.changes],
            )
            (after,) = db.execute("SELECT COUNT(*) FROM merged_reviews").fetchone()
            labelled = 0
            for b in file.blind:
                mine = db.execute("SELECT labels_json, complete, at FROM reviewer_labels"
                                  " WHERE dilemma_id = ? AND reviewer = ?", [b.dilemma_id, b.reviewer]).fetchone()
                if mine is not None and not (mine[2] < b.at
                                             and (json.loads(mine[0]), bool(mine[1])) != (list(b.labels), b.complete)):
                    continue
                db.execute(
                    "INSERT INTO reviewer_labels (dilemma_id, reviewer, labels_json, complete, at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(dilemma_id, reviewer) DO UPDATE SET"
                    " labels_json = excluded.labels_json, complete = excluded.complete, at = excluded.at",
                    [b.dilemma_id, b.reviewer, json.dumps(list(b.labels)), int(b.complete), b.at],
                )
                labelled += 1
            counts.append((after - before, labelled))
    return counts
