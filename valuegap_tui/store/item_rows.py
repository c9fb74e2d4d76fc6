"""A study's items read in bulk, for every design: the review list's light rows, counts, history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from valuegap_tui.designs.base import Design
from valuegap_tui.store.db import Study
from valuegap_tui.store.items import filters


class ItemRow(NamedTuple):
    """The light columns the review list shows, without the text (fast for 10,000 rows: a tuple is
    built in a third of the time of a frozen dataclass)."""

    id: str
    value_id: str
    topic_id: str
    variant: int
    status: str
    flags: tuple[str, ...]
    reviewer: str | None
    revision: int
    updated_at: str


@dataclass(frozen=True)
class HistoryEntry:
    """One revision of an item: the records before (None for its first) and after it."""

    id: int
    item_id: str
    revision: int
    who: str
    at: str
    action: str
    before: dict | None
    after: dict


_LIGHT = "id, value_id, topic_id, variant, status, flags_json, reviewer, revision, updated_at"


def list_rows(study: Study, design: Design, *, status: str | Iterable[str] | None = None,
              limit: int | None = None) -> list[ItemRow]:
    """The list rows in (value, topic, variant) order; the first ``limit`` only (read along the
    review list's index, so a first page of a large study costs no more than a small study)."""
    where, params = filters(design, status=status)
    sql = f"SELECT {_LIGHT} FROM dilemmas {where} ORDER BY value_id, topic_id, variant"
    if limit is not None:
        sql, params = sql + " LIMIT ?", [*params, limit]
    return _light_rows(study.db.execute(sql, params))


def last_history_id(study: Study) -> int:
    """The id of the latest change to any item (0 for none): where ``rows_changed_since`` resumes."""
    return study.db.execute("SELECT COALESCE(MAX(id), 0) FROM dilemma_history").fetchone()[0]


def rows_changed_since(study: Study, design: Design, history_id: int) -> tuple[list[ItemRow], int]:
    """The list rows of items changed after ``history_id``, and the latest history id now.

    Cheap for a handful of changes in a large study: a screen uses it to update rows in place. No
    lock is taken: a row may already show a change newer than the id returned, which the next call
    then reads once more (harmless), but never misses one."""
    last = last_history_id(study)
    sql = (f"SELECT {_LIGHT} FROM dilemmas WHERE design = ? AND id IN"
           " (SELECT dilemma_id FROM dilemma_history WHERE id > ? AND id <= ?)")
    return _light_rows(study.db.execute(sql, [design.id, history_id, last])), last


def _light_rows(cursor) -> list[ItemRow]:
    """The columns in ItemRow's order, flags_json read (most items have none)."""
    return [ItemRow(i, value, topic, variant, status, () if flags == "[]" else tuple(json.loads(flags)),
                    reviewer, revision, updated)
            for i, value, topic, variant, status, flags, reviewer, revision, updated in cursor]


def flags_in_use(study: Study, design: Design) -> set[str]:
    """Every flag some item of the design carries."""
    return {flag for (text,) in study.db.execute(
        "SELECT DISTINCT flags_json FROM dilemmas WHERE design = ? AND flags_json != '[]'", [design.id])
        for flag in json.loads(text)}


def counts_by(study: Study, design: Design, column: str) -> dict[str, int]:
    """Number of the design's items per status, value_id or topic_id."""
    if column not in {"status", "value_id", "topic_id"}:
        raise ValueError(f"cannot count items by {column!r}")
    sql = f"SELECT {column}, COUNT(*) FROM dilemmas WHERE design = ? GROUP BY {column} ORDER BY {column}"
    return {key: n for key, n in study.db.execute(sql, [design.id])}


def history(study: Study, item_id: str) -> list[HistoryEntry]:
    """An item's revisions, oldest first."""
    sql = "SELECT * FROM dilemma_history WHERE dilemma_id = ? ORDER BY id"
    return [_history_entry(row) for row in study.db.query(sql, [item_id])]


def history_by(study: Study, who: str, *, limit: int = 50) -> list[HistoryEntry]:
    """One person's most recent changes, newest first (for undo and the decisions sidebar)."""
    sql = "SELECT * FROM dilemma_history WHERE who = ? ORDER BY id DESC LIMIT ?"
    return [_history_entry(row) for row in study.db.query(sql, [who, limit])]


def history_count(study: Study) -> int:
    return study.db.execute("SELECT COUNT(*) FROM dilemma_history").fetchone()[0]


def _history_entry(row: dict) -> HistoryEntry:
    return HistoryEntry(id=row["id"], item_id=row["dilemma_id"], revision=row["revision"], who=row["who"],
                        at=row["at"], action=row["action"],
                        before=json.loads(row["before_json"]) if row["before_json"] else None,
                        after=json.loads(row["after_json"]))
