"""Dilemmas and their history. Every change writes the new state and a history row together."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple
from dataclasses import dataclass

from valuegap_tui.designs.graded_actions.models import Dilemma
from valuegap_tui.store.db import Study, now_iso


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    dilemma_id: str
    revision: int
    who: str
    at: str
    action: str
    before: Dilemma | None
    after: Dilemma


class DilemmaRow(NamedTuple):
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


def _to_row(dilemma: Dilemma, *, reviewer: str | None, revision: int) -> dict:
    record = dilemma.to_record()
    return {
        "id": dilemma.id,
        "value_id": dilemma.value,
        "topic_id": dilemma.topic,
        "variant": dilemma.variant,
        "scenario": dilemma.scenario,
        "options_json": json.dumps(record["options"], ensure_ascii=False),
        "status": dilemma.status.value,
        "notes": dilemma.notes,
        "flags_json": json.dumps(dilemma.flags, ensure_ascii=False),
        "provenance_json": json.dumps(record["provenance"], ensure_ascii=False),
        "reviewer": reviewer,
        "revision": revision,
        "created_at": record["provenance"]["created_at"],
        "updated_at": now_iso(),
    }


def _from_row(row: dict) -> Dilemma:
    return Dilemma.model_validate(
        {
            "id": row["id"],
            "value": row["value_id"],
            "topic": row["topic_id"],
            "variant": row["variant"],
            "scenario": row["scenario"],
            "options": json.loads(row["options_json"]),
            "status": row["status"],
            "notes": row["notes"],
            "flags": json.loads(row["flags_json"]),
            "provenance": json.loads(row["provenance_json"]),
        }
    )


def save(study: Study, dilemma: Dilemma, *, who: str, action: str) -> int:
    """Write a dilemma (new or changed) and append its history row; returns the new revision."""
    return save_many(study, [dilemma], who=who, action=action)[0]


def save_many(study: Study, dilemmas: Iterable[Dilemma], *, who: str, action: str) -> list[int]:
    """Write several dilemmas in one transaction: all are stored, or none."""
    revisions = []
    at = now_iso()
    with study.transaction() as db:
        for dilemma in dilemmas:
            current = next(iter(db.query("SELECT * FROM dilemmas WHERE id = ?", [dilemma.id])), None)
            before = _from_row(current) if current else None
            revision = current["revision"] + 1 if current else 1
            row = _to_row(dilemma, reviewer=who, revision=revision)
            _upsert(db, row)
            _append_history(db, dilemma.id, revision, who, at, action, before, dilemma)
            revisions.append(revision)
    return revisions


def _upsert(db, row: dict) -> None:
    """Insert the dilemma's row, or update every column of the stored one."""
    names = list(row)
    db.execute(f"INSERT INTO dilemmas ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
               f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names if n != 'id')}",
               [row[n] for n in names])


def _append_history(db, dilemma_id: str, revision: int, who: str, at: str, action: str,
                    before: Dilemma | None, after: Dilemma) -> None:
    db.execute(
        "INSERT INTO dilemma_history (dilemma_id, revision, who, at, action, before_json, after_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            dilemma_id, revision, who, at, action,
            json.dumps(before.to_record(), ensure_ascii=False) if before else None,
            json.dumps(after.to_record(), ensure_ascii=False),
        ],
    )


def update_flags(study: Study, ids: Iterable[str], new_flags: Callable[[Dilemma], list[str]], *,
                 who: str, action: str) -> int:
    """Change only the flags of these dilemmas; returns how many changed.

    Each dilemma is read afresh under the write lock and only its flags are written: a decision, an
    edit or a relabel made meanwhile (in this process or another) stays exactly as it is, and so do
    the status and the reviewer column. Automation (quality flags, label checks) writes through here.
    """
    changed = 0
    at = now_iso()
    with study.transaction() as db:
        for dilemma_id in ids:
            current = next(iter(db.query("SELECT * FROM dilemmas WHERE id = ?", [dilemma_id])), None)
            if current is None:
                continue  # deleted meanwhile
            before = _from_row(current)
            flags = list(new_flags(before))
            if flags == before.flags:
                continue
            after = before.model_copy(update={"flags": flags})
            revision = current["revision"] + 1
            db.execute(
                "UPDATE dilemmas SET flags_json = ?, revision = ?, updated_at = ? WHERE id = ?",
                [json.dumps(flags, ensure_ascii=False), revision, at, dilemma_id],
            )
            _append_history(db, dilemma_id, revision, who, at, action, before, after)
            changed += 1
    return changed


def insert_new(study: Study, dilemma: Dilemma, *, who: str, action: str) -> bool:
    """Store a dilemma only if none has its id yet (checked under the write lock); False if one has."""
    with study.transaction():
        if exists(study, dilemma.id):
            return False
        save(study, dilemma, who=who, action=action)
        return True


def import_many(study: Study, dilemmas: Iterable[Dilemma], *, who: str) -> dict[str, int]:
    """Import records in one transaction. A record that states no status keeps the stored dilemma's
    status (a person's decision is not undone by a file that does not mention it), and one that states
    no provenance keeps the stored provenance; one that states a status sets it, and the result counts
    those changes so the command can say so. A record equal to the stored dilemma is left alone: no
    revision, no history row, counted as unchanged (importing the same file twice changes nothing)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "status_changed": 0}
    with study.transaction():
        stored = []
        for dilemma in dilemmas:
            current = get(study, dilemma.id)
            if current is None:
                counts["new"] += 1
                stored.append(dilemma)
                continue
            kept = {name: getattr(current, name) for name in ("status", "provenance")
                    if name not in dilemma.model_fields_set}
            if kept:
                dilemma = dilemma.model_copy(update=kept)
            if dilemma.to_record() == current.to_record():
                counts["unchanged"] += 1
                continue
            counts["updated"] += 1
            if dilemma.status != current.status:
                counts["status_changed"] += 1
            stored.append(dilemma)
        if stored:
            save_many(study, stored, who=who, action="import")
    return counts


def get(study: Study, dilemma_id: str) -> Dilemma | None:
    rows = list(study.db.query("SELECT * FROM dilemmas WHERE id = ?", [dilemma_id]))
    return _from_row(rows[0]) if rows else None


def exists(study: Study, dilemma_id: str) -> bool:
    return study.db.execute("SELECT 1 FROM dilemmas WHERE id = ?", [dilemma_id]).fetchone() is not None


def existing_ids(study: Study) -> set[str]:
    return {row[0] for row in study.db.execute("SELECT id FROM dilemmas")}


def iter_dilemmas(
    study: Study,
    *,
    status: str | Iterable[str] | None = None,
    value_ids: Iterable[str] | None = None,
    topic_ids: Iterable[str] | None = None,
) -> Iterator[Dilemma]:
    """Dilemmas in a stable order (value, topic, variant), optionally filtered."""
    where, params = _filters(status=status, value_ids=value_ids, topic_ids=topic_ids)
    sql = f"SELECT * FROM dilemmas {where} ORDER BY value_id, topic_id, variant"
    for row in study.db.query(sql, params):
        yield _from_row(row)


def list_rows(study: Study, *, status: str | Iterable[str] | None = None, limit: int | None = None) -> list[DilemmaRow]:
    """The list rows in (value, topic, variant) order; the first ``limit`` only (read along the
    unique index, so a first page of a large study costs no more than a small study)."""
    where, params = _filters(status=status)
    sql = (
        "SELECT id, value_id, topic_id, variant, status, flags_json, reviewer, revision, updated_at"
        f" FROM dilemmas {where} ORDER BY value_id, topic_id, variant"
    )
    if limit is not None:
        sql, params = sql + " LIMIT ?", [*params, limit]
    return _light_rows(study.db.execute(sql, params))


def last_history_id(study: Study) -> int:
    """The id of the latest change to any dilemma (0 for none): where ``rows_changed_since`` resumes."""
    return study.db.execute("SELECT COALESCE(MAX(id), 0) FROM dilemma_history").fetchone()[0]


def rows_changed_since(study: Study, history_id: int) -> tuple[list[DilemmaRow], int]:
    """The list rows of dilemmas changed after ``history_id``, and the latest history id now.

    Cheap for a handful of changes in a large study: a screen uses it to update rows in place. No
    lock is taken: a row may already show a change newer than the id returned, which the next call
    then reads once more (harmless), but never misses one."""
    last = last_history_id(study)
    sql = (
        "SELECT id, value_id, topic_id, variant, status, flags_json, reviewer, revision, updated_at FROM dilemmas"
        " WHERE id IN (SELECT dilemma_id FROM dilemma_history WHERE id > ? AND id <= ?)"
    )
    return _light_rows(study.db.execute(sql, [history_id, last])), last


def _light_rows(cursor) -> list[DilemmaRow]:
    """The columns in DilemmaRow's order, flags_json read (most dilemmas have none)."""
    return [DilemmaRow(i, value, topic, variant, status, () if flags == "[]" else tuple(json.loads(flags)),
                       reviewer, revision, updated)
            for i, value, topic, variant, status, flags, reviewer, revision, updated in cursor]


def count(study: Study) -> int:
    return study.db.execute("SELECT COUNT(*) FROM dilemmas").fetchone()[0]


def flags_in_use(study: Study) -> set[str]:
    """Every flag some dilemma of the study carries."""
    return {flag for (text,) in study.db.execute("SELECT DISTINCT flags_json FROM dilemmas WHERE flags_json != '[]'")
            for flag in json.loads(text)}


def counts_by(study: Study, column: str) -> dict[str, int]:
    """Number of dilemmas per status, value_id or topic_id."""
    if column not in {"status", "value_id", "topic_id"}:
        raise ValueError(f"cannot count dilemmas by {column!r}")
    sql = f"SELECT {column}, COUNT(*) FROM dilemmas GROUP BY {column} ORDER BY {column}"
    return {key: n for key, n in study.db.execute(sql)}


def history(study: Study, dilemma_id: str) -> list[HistoryEntry]:
    """A dilemma's revisions, oldest first."""
    sql = "SELECT * FROM dilemma_history WHERE dilemma_id = ? ORDER BY id"
    return [_history_entry(row) for row in study.db.query(sql, [dilemma_id])]


def history_by(study: Study, who: str, *, limit: int = 50) -> list[HistoryEntry]:
    """One person's most recent changes, newest first (for undo and the decisions sidebar)."""
    sql = "SELECT * FROM dilemma_history WHERE who = ? ORDER BY id DESC LIMIT ?"
    return [_history_entry(row) for row in study.db.query(sql, [who, limit])]


def history_count(study: Study) -> int:
    return study.db.execute("SELECT COUNT(*) FROM dilemma_history").fetchone()[0]


def _history_entry(row: dict) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        dilemma_id=row["dilemma_id"],
        revision=row["revision"],
        who=row["who"],
        at=row["at"],
        action=row["action"],
        before=Dilemma.model_validate(json.loads(row["before_json"])) if row["before_json"] else None,
        after=Dilemma.model_validate(json.loads(row["after_json"])),
    )


def _filters(*, status=None, value_ids=None, topic_ids=None) -> tuple[str, list]:
    # the poster's dilemmas only: items of other designs are read through store.items
    clauses, params = ["design = 'graded_actions'"], []
    for column, wanted in (("status", status), ("value_id", value_ids), ("topic_id", topic_ids)):
        if wanted is None:
            continue
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        clauses.append(f"{column} IN ({', '.join('?' for _ in wanted)})")
        params.extend(wanted)
    return "WHERE " + " AND ".join(clauses), params
