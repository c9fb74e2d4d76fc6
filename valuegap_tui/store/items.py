"""Every design's items, in the ``dilemmas`` table: the one path that writes, reads and filters them.

A row keeps the columns every list, filter and index uses (value, topic, variant, status, flags,
reviewer, revision) and the item's whole record in ``record_json``; the design turns a record into
its item (``Design.item_from_record``) and back (``to_record``). Rows written before records were
kept (the poster's dilemmas of older studies) are read from their columns. Every change writes the
new state and a history row with the records before and after, under one write lock.

Reading a study's rows in bulk (the review list, counts, history) is in ``store/item_rows.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from valuegap_tui.designs.base import Design
from valuegap_tui.store.db import Study, now_iso

#: the columns a record is rebuilt from when the row has no record_json
_RECORD_COLUMNS = "id, value_id, topic_id, variant, scenario, options_json, status, notes, flags_json, provenance_json"


def record_of(row) -> dict:
    """The item's record from a row of (record_json, *_RECORD_COLUMNS)."""
    if row[0] is not None:
        return json.loads(row[0])
    _, item_id, value, topic, variant, scenario, options, status, notes, flags, provenance = row
    return {"id": item_id, "value": value, "topic": topic, "variant": variant, "scenario": scenario,
            "options": json.loads(options), "status": status, "notes": notes, "flags": json.loads(flags),
            "provenance": json.loads(provenance)}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _columns(item, record: dict) -> dict:
    """The row's columns other than id, design, variant and the bookkeeping ones (value and topic are
    the item's, which a design may derive rather than store)."""
    return {
        "value_id": item.value,
        "topic_id": item.topic,
        "scenario": str(record.get("scenario") or ""),
        "options_json": _dumps(record.get("options", [])),
        "status": str(record.get("status") or "draft"),
        "notes": str(record.get("notes") or ""),
        "flags_json": _dumps(list(record.get("flags") or [])),
        "provenance_json": _dumps(record.get("provenance") or {"source": "import"}),
        "record_json": _dumps(record),
    }


def filters(design: Design, *, status: str | Iterable[str] | None = None, value_ids: Iterable[str] | None = None,
            topic_ids: Iterable[str] | None = None) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of every filtered read: the design's rows, by status,
    value and topic."""
    clauses, params = ["design = ?"], [design.id]
    for column, wanted in (("status", status), ("value_id", value_ids), ("topic_id", topic_ids)):
        if wanted is None:
            continue
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        clauses.append(f"{column} IN ({', '.join('?' for _ in wanted)})")
        params.extend(wanted)
    return "WHERE " + " AND ".join(clauses), params


# --- writing ---------------------------------------------------------------------------------------
def _current(db, design: Design, item_id: str):
    """(record, revision) of the stored item, or None."""
    row = db.execute(f"SELECT record_json, {_RECORD_COLUMNS}, revision FROM dilemmas WHERE id = ? AND design = ?",
                     [item_id, design.id]).fetchone()
    return (record_of(row[:-1]), row[-1]) if row else None


def _append_history(db, item_id: str, revision: int, who: str, at: str, action: str, before: dict | None,
                    after: dict) -> None:
    db.execute("INSERT INTO dilemma_history (dilemma_id, revision, who, at, action, before_json, after_json)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)",
               [item_id, revision, who, at, action, None if before is None else _dumps(before), _dumps(after)])


def write(study: Study, design: Design, items: Iterable, *, who: str, action: str,
          skip_unchanged: bool = False) -> list[int | None]:
    """Write items (new or changed) and their history rows in one transaction: all or none.

    Returns each item's new revision; with ``skip_unchanged``, an item equal to the stored one writes
    nothing and gets None."""
    revisions: list[int | None] = []
    at = now_iso()
    with study.transaction() as db:
        for item in items:
            record = item.to_record()
            current = _current(db, design, item.id)
            if current is not None and skip_unchanged and current[0] == record:
                revisions.append(None)
                continue
            columns = _columns(item, record)
            if current is not None:
                revision = current[1] + 1
                db.execute("UPDATE dilemmas SET " + ", ".join(f"{c} = ?" for c in columns)
                           + ", reviewer = ?, revision = ?, updated_at = ? WHERE id = ?",
                           [*columns.values(), who, revision, at, item.id])
            else:
                revision = 1
                variant = record.get("variant")
                if not isinstance(variant, int):  # designs without variants: the next free number
                    (variant,) = db.execute("SELECT COALESCE(MAX(variant), 0) + 1 FROM dilemmas WHERE value_id = ?"
                                            " AND topic_id = ?", [columns["value_id"], columns["topic_id"]]).fetchone()
                created = (record.get("provenance") or {}).get("created_at") or at
                db.execute("INSERT INTO dilemmas (id, variant, design, reviewer, revision, created_at, updated_at, "
                           + ", ".join(columns) + ") VALUES (" + ", ".join("?" for _ in range(7 + len(columns))) + ")",
                           [item.id, variant, design.id, who, revision, created, at, *columns.values()])
            _append_history(db, item.id, revision, who, at, action, None if current is None else current[0], record)
            revisions.append(revision)
    return revisions


def save_many(study: Study, design: Design, items: Iterable, *, who: str, action: str) -> dict[str, int]:
    """Write items, skipping those equal to the stored ones; counts what was new, updated, unchanged."""
    items = list(items)
    with study.transaction():
        stored = existing_ids(study, design, [item.id for item in items])
        revisions = write(study, design, items, who=who, action=action, skip_unchanged=True)
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    for item, revision in zip(items, revisions):
        counts["unchanged" if revision is None else "updated" if item.id in stored else "new"] += 1
    return counts


def insert_new(study: Study, design: Design, item, *, who: str, action: str) -> bool:
    """Store an item only if none has its id yet (checked under the write lock); False if one has."""
    with study.transaction():
        if exists(study, item.id):
            return False
        write(study, design, [item], who=who, action=action)
        return True


def update_flags(study: Study, design: Design, ids: Iterable[str], new_flags: Callable[[dict], list[str]], *,
                 who: str, action: str) -> int:
    """Change only the flags of these items; returns how many changed.

    Each item is read afresh under the write lock and only its flags are written: a decision, an edit
    or a relabel made meanwhile (in this process or another) stays exactly as it is, and so do the
    status and the reviewer column. Automation (quality flags, label checks) writes through here."""
    changed = 0
    at = now_iso()
    with study.transaction() as db:
        for item_id in ids:
            current = _current(db, design, item_id)
            if current is None:
                continue  # deleted meanwhile
            before, revision = current
            flags = list(new_flags(before))
            if flags == list(before.get("flags") or []):
                continue
            after = {**before, "flags": flags}
            db.execute("UPDATE dilemmas SET flags_json = ?, record_json = ?, revision = ?, updated_at = ? WHERE id = ?",
                       [_dumps(flags), _dumps(after), revision + 1, at, item_id])
            _append_history(db, item_id, revision + 1, who, at, action, before, after)
            changed += 1
    return changed


# --- reading one item, or the items in order ------------------------------------------------------
def get_record(study: Study, design: Design, item_id: str) -> dict | None:
    current = _current(study.db, design, item_id)
    return None if current is None else current[0]


def get(study: Study, design: Design, item_id: str):
    record = get_record(study, design, item_id)
    return None if record is None else design.item_from_record(record)


def exists(study: Study, item_id: str) -> bool:
    """Whether any item (of any design) has this id: ids are unique in the study."""
    return study.db.execute("SELECT 1 FROM dilemmas WHERE id = ?", [item_id]).fetchone() is not None


def existing_ids(study: Study, design: Design, among: Iterable[str] | None = None) -> set[str]:
    """The design's item ids (only those ``among`` these, when given)."""
    if among is None:
        return {row[0] for row in study.db.execute("SELECT id FROM dilemmas WHERE design = ?", [design.id])}
    wanted = list(among)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found |= {row[0] for row in study.db.execute(
            f"SELECT id FROM dilemmas WHERE design = ? AND id IN ({', '.join('?' for _ in chunk)})",
            [design.id, *chunk])}
    return found


def iter_records(study: Study, design: Design, **wanted) -> Iterator[dict]:
    """The design's records in a stable order (value, topic, variant), filtered as ``filters``."""
    where, params = filters(design, **wanted)
    sql = f"SELECT record_json, {_RECORD_COLUMNS} FROM dilemmas {where} ORDER BY value_id, topic_id, variant, id"
    for row in study.db.execute(sql, params):
        yield record_of(row)


def iter_items(study: Study, design: Design, *, status: str | Iterable[str] | None = None,
               value_ids: Iterable[str] | None = None, topic_ids: Iterable[str] | None = None) -> Iterator:
    """The design's items in a stable order (value, topic, variant), optionally filtered."""
    for record in iter_records(study, design, status=status, value_ids=value_ids, topic_ids=topic_ids):
        yield design.item_from_record(record)


def count(study: Study, design: Design) -> int:
    return study.db.execute("SELECT COUNT(*) FROM dilemmas WHERE design = ?", [design.id]).fetchone()[0]


def counts_by_status(study: Study, design: Design) -> dict[str, int]:
    rows = study.db.execute("SELECT status, COUNT(*) FROM dilemmas WHERE design = ? GROUP BY status", [design.id])
    return dict(rows.fetchall())


def change_count(study: Study, item_id: str) -> int:
    """How many changes the item's history holds (its first storing included)."""
    return study.db.execute("SELECT COUNT(*) FROM dilemma_history WHERE dilemma_id = ?", [item_id]).fetchone()[0]
