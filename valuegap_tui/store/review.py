"""Review storage: reviewers' blind labels, undo markers and label checks (schema v004, v011)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.store.db import Study, now_iso


@dataclass(frozen=True)
class ReviewerLabels:
    dilemma_id: str
    reviewer: str
    labels: tuple[AlignmentLabel | None, ...]  # by option position
    complete: bool
    at: str


@dataclass(frozen=True)
class LabelCheck:
    dilemma_id: str
    model: str
    at: str
    model_order: tuple[int, ...]  # option positions, most aligning first, as the model ordered them
    label_order: tuple[int, ...]  # option positions, most aligning first, by the labels at check time
    spearman: float
    sign_errors: int
    doubtful: bool
    judgements: int = 1
    #: every judged order (option positions, most aligning first); model_order is their consensus
    judged_orders: tuple[tuple[int, ...], ...] = ()
    #: per adjacent labelled pair (label_order[i], label_order[i + 1]): share of judgements in the labelled order
    pair_confidence: tuple[float, ...] = ()
    #: the suggested labels (AlignmentLabel values by option position) when doubtful
    suggested_labels: tuple[str, ...] | None = None
    #: option positions whose label the check doubts
    suspects: tuple[int, ...] = ()


# --- reviewer labels --------------------------------------------------------------------------
def save_reviewer_labels(study: Study, dilemma_id: str, reviewer: str, labels, *, complete: bool) -> None:
    raw = [label.value if label is not None else None for label in labels]
    with study.transaction() as db:
        db.execute(
            "INSERT INTO reviewer_labels (dilemma_id, reviewer, labels_json, complete, at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(dilemma_id, reviewer) DO UPDATE SET labels_json = excluded.labels_json,"
            " complete = excluded.complete, at = excluded.at",
            [dilemma_id, reviewer, json.dumps(raw), int(complete), now_iso()],
        )


def _labels_row(row) -> ReviewerLabels:
    labels = tuple(AlignmentLabel(v) if v else None for v in json.loads(row[2]))
    return ReviewerLabels(dilemma_id=row[0], reviewer=row[1], labels=labels, complete=bool(row[3]), at=row[4])


def reviewer_labels(study: Study, dilemma_id: str, reviewer: str) -> ReviewerLabels | None:
    row = study.db.execute(
        "SELECT dilemma_id, reviewer, labels_json, complete, at FROM reviewer_labels"
        " WHERE dilemma_id = ? AND reviewer = ?",
        [dilemma_id, reviewer],
    ).fetchone()
    return _labels_row(row) if row else None


def all_reviewer_labels(study: Study, *, complete_only: bool = True) -> list[ReviewerLabels]:
    where = "WHERE complete = 1" if complete_only else ""
    sql = f"SELECT dilemma_id, reviewer, labels_json, complete, at FROM reviewer_labels {where} ORDER BY dilemma_id, reviewer"
    return [_labels_row(row) for row in study.db.execute(sql)]


def reviewers(study: Study) -> list[str]:
    return [row[0] for row in study.db.execute("SELECT DISTINCT reviewer FROM reviewer_labels ORDER BY reviewer")]


# --- undo markers -----------------------------------------------------------------------------
def latest_undoable(study: Study, who: str) -> tuple[int, str] | None:
    """(history id, dilemma id) of this person's latest change that is neither an undo nor undone."""
    row = study.db.execute(
        "SELECT h.id, h.dilemma_id FROM dilemma_history h"
        " WHERE h.who = ? AND h.action != 'undo' AND h.before_json IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM review_undos u WHERE u.history_id = h.id)"
        " ORDER BY h.id DESC LIMIT 1",
        [who],
    ).fetchone()
    return (row[0], row[1]) if row else None


def history_before_json(study: Study, history_id: int) -> str | None:
    row = study.db.execute("SELECT before_json FROM dilemma_history WHERE id = ?", [history_id]).fetchone()
    return row[0] if row else None


def history_after_json(study: Study, history_id: int) -> str | None:
    row = study.db.execute("SELECT after_json FROM dilemma_history WHERE id = ?", [history_id]).fetchone()
    return row[0] if row else None


def changed_by_since(study: Study, dilemma_id: str, history_id: int, *, besides: str) -> list[str]:
    """Who else than ``besides`` changed the dilemma after the given revision (by first change)."""
    rows = study.db.execute(
        "SELECT who FROM dilemma_history WHERE dilemma_id = ? AND id > ? AND who != ?"
        " GROUP BY who ORDER BY MIN(id)",
        [dilemma_id, history_id, besides],
    )
    return [row[0] for row in rows]


def latest_history_id(study: Study, dilemma_id: str) -> int:
    return study.db.execute("SELECT MAX(id) FROM dilemma_history WHERE dilemma_id = ?", [dilemma_id]).fetchone()[0]


def mark_undone(study: Study, history_id: int, undo_history_id: int, who: str) -> None:
    with study.transaction() as db:
        db.execute(
            "INSERT INTO review_undos (history_id, undo_history_id, who, at) VALUES (?, ?, ?, ?)",
            [history_id, undo_history_id, who, now_iso()],
        )


def undone_ids(study: Study) -> set[int]:
    return {row[0] for row in study.db.execute("SELECT history_id FROM review_undos")}


def first_labels(study: Study) -> dict[str, list[str]]:
    """Each dilemma's labels (by option position) as first stored: the generator's (or importer's) labels."""
    sql = (
        "SELECT h.dilemma_id, h.after_json FROM dilemma_history h JOIN"
        " (SELECT dilemma_id, MIN(id) AS first_id FROM dilemma_history GROUP BY dilemma_id) f"
        " ON h.id = f.first_id"
    )
    return {row[0]: [o["label"] for o in json.loads(row[1])["options"]] for row in study.db.execute(sql)}


# --- label checks -----------------------------------------------------------------------------
_CHECK_COLUMNS = ("dilemma_id, model, at, model_order_json, label_order_json, spearman, sign_errors, doubtful,"
                  " judgements, judged_orders_json, pair_confidence_json, suggested_labels_json, suspects_json")


def save_label_check(study: Study, check: LabelCheck) -> None:
    suggested = None if check.suggested_labels is None else json.dumps(list(check.suggested_labels))
    with study.transaction() as db:
        db.execute(
            f"INSERT INTO label_checks ({_CHECK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                check.dilemma_id, check.model, check.at, json.dumps(list(check.model_order)),
                json.dumps(list(check.label_order)), check.spearman, check.sign_errors, int(check.doubtful),
                check.judgements, json.dumps([list(o) for o in check.judged_orders]),
                json.dumps(list(check.pair_confidence)), suggested, json.dumps(list(check.suspects)),
            ],
        )


def _check_row(row) -> LabelCheck:
    return LabelCheck(
        dilemma_id=row[0], model=row[1], at=row[2], model_order=tuple(json.loads(row[3])),
        label_order=tuple(json.loads(row[4])), spearman=row[5], sign_errors=row[6], doubtful=bool(row[7]),
        judgements=row[8], judged_orders=tuple(tuple(o) for o in json.loads(row[9] or "[]")),
        pair_confidence=tuple(json.loads(row[10] or "[]")),
        suggested_labels=None if row[11] is None else tuple(json.loads(row[11])),
        suspects=tuple(json.loads(row[12] or "[]")),
    )


def latest_label_check(study: Study, dilemma_id: str) -> LabelCheck | None:
    row = study.db.execute(
        f"SELECT {_CHECK_COLUMNS} FROM label_checks WHERE dilemma_id = ? ORDER BY id DESC LIMIT 1", [dilemma_id]
    ).fetchone()
    return _check_row(row) if row else None


def judge_models(study: Study) -> dict[str, set[str]]:
    """model -> the dilemmas it judged (any label check, latest or not)."""
    found: dict[str, set[str]] = {}
    for model, dilemma_id in study.db.execute("SELECT DISTINCT model, dilemma_id FROM label_checks"):
        found.setdefault(model, set()).add(dilemma_id)
    return found


def label_check_summary(study: Study) -> dict[str, float | int]:
    row = study.db.execute(
        "SELECT COUNT(*), AVG(spearman), SUM(doubtful) FROM label_checks c WHERE c.id ="
        " (SELECT MAX(id) FROM label_checks WHERE dilemma_id = c.dilemma_id)"
    ).fetchone()
    return {"checked": row[0] or 0, "mean_spearman": row[1], "doubtful": row[2] or 0}


# --- list filters the review screen needs beyond store.dilemmas ----------------------------------
def search_ids(study: Study, text: str) -> set[str]:
    """Dilemmas whose scenario or action texts contain ``text`` (case-insensitive)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = "SELECT id FROM dilemmas WHERE scenario LIKE ? ESCAPE '\\' OR options_json LIKE ? ESCAPE '\\'"
    return {row[0] for row in study.db.execute(sql, [pattern, pattern])}
