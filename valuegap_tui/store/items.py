"""Items of designs other than the poster's (docs/designs.md), in the ``dilemmas`` table.

Each row keeps the item's whole record in ``record_json`` (the design validates it when read) and
the columns every screen and filter uses: value, topic, status, flags. Every change appends a
history row with the records before and after, as for the poster's dilemmas.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from valuegap_tui.designs.base import Design
from valuegap_tui.store.db import Study, now_iso


def _columns(record: dict) -> dict:
    return {
        "scenario": str(record.get("scenario") or ""),
        "options_json": json.dumps(record.get("options", []), ensure_ascii=False),
        "status": str(record.get("status") or "draft"),
        "notes": str(record.get("notes") or ""),
        "flags_json": json.dumps(list(record.get("flags") or []), ensure_ascii=False),
        "provenance_json": json.dumps(record.get("provenance") or {"source": "import"}, ensure_ascii=False),
        "record_json": json.dumps(record, ensure_ascii=False),
    }


def save_many(study: Study, design: Design, items: Iterable, *, who: str, action: str) -> dict[str, int]:
    """Write items (new or changed) and their history rows in one transaction: all or none.
    Returns how many were new and how many changed; an unchanged item writes nothing."""
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    at = now_iso()
    with study.transaction() as db:
        for item in items:
            record = item.to_record()
            current = db.execute("SELECT record_json, revision FROM dilemmas WHERE id = ? AND design = ?",
                                 [item.id, design.id]).fetchone()
            if current and json.loads(current[0]) == record:
                counts["unchanged"] += 1
                continue
            columns = _columns(record)
            if current:
                revision = current[1] + 1
                db.execute("UPDATE dilemmas SET " + ", ".join(f"{c} = ?" for c in columns)
                           + ", reviewer = ?, revision = ?, updated_at = ? WHERE id = ?",
                           [*columns.values(), who, revision, at, item.id])
                counts["updated"] += 1
            else:
                revision = 1
                (variant,) = db.execute("SELECT COALESCE(MAX(variant), 0) + 1 FROM dilemmas"
                                        " WHERE value_id = ? AND topic_id = ?", [item.value, item.topic]).fetchone()
                db.execute("INSERT INTO dilemmas (id, value_id, topic_id, variant, design, reviewer, revision,"
                           " created_at, updated_at, " + ", ".join(columns) + ") VALUES ("
                           + ", ".join("?" for _ in range(9 + len(columns))) + ")",
                           [item.id, item.value, item.topic, variant, design.id, who, revision, at, at,
                            *columns.values()])
                counts["new"] += 1
            db.execute("INSERT INTO dilemma_history (dilemma_id, revision, who, at, action, before_json, after_json)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [item.id, revision, who, at, action, current[0] if current else None,
                        json.dumps(record, ensure_ascii=False)])
    return counts


def iter_items(study: Study, design: Design, *, status: str | Iterable[str] | None = None,
               value_ids: Iterable[str] | None = None, topic_ids: Iterable[str] | None = None) -> Iterator:
    """The design's items in a stable order (value, topic, id), optionally filtered."""
    clauses, params = ["design = ?"], [design.id]
    for column, wanted in (("status", status), ("value_id", value_ids), ("topic_id", topic_ids)):
        if wanted is None:
            continue
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        clauses.append(f"{column} IN ({', '.join('?' for _ in wanted)})")
        params.extend(wanted)
    sql = f"SELECT record_json FROM dilemmas WHERE {' AND '.join(clauses)} ORDER BY value_id, topic_id, id"
    for (record,) in study.db.execute(sql, params):
        yield design.item_from_record(json.loads(record))


def get(study: Study, design: Design, item_id: str):
    row = study.db.execute("SELECT record_json FROM dilemmas WHERE id = ? AND design = ?",
                           [item_id, design.id]).fetchone()
    return design.item_from_record(json.loads(row[0])) if row else None


def count(study: Study, design: Design) -> int:
    return study.db.execute("SELECT COUNT(*) FROM dilemmas WHERE design = ?", [design.id]).fetchone()[0]


def counts_by_status(study: Study, design: Design) -> dict[str, int]:
    rows = study.db.execute("SELECT status, COUNT(*) FROM dilemmas WHERE design = ? GROUP BY status", [design.id])
    return dict(rows.fetchall())


def change_count(study: Study, item_id: str) -> int:
    """How many changes the item's history holds (its first storing included)."""
    return study.db.execute("SELECT COUNT(*) FROM dilemma_history WHERE dilemma_id = ?", [item_id]).fetchone()[0]
