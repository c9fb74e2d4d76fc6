"""Personas in the study database."""

from __future__ import annotations

import json
from collections.abc import Iterable

from valuegap_tui.personas.model import KINDS, Persona
from valuegap_tui.store.db import Study, now_iso


class PersonaInUse(ValueError):
    """A persona cannot be deleted because a run refers to it."""


def _row_to_persona(row: dict) -> Persona:
    return Persona(
        id=row["id"], name=row["name"], kind=row["kind"], levels=json.loads(row["levels_json"]),
        seed=row["seed"], notes=row["notes"], text=row["text"], attributes=json.loads(row["attributes_json"]),
    )


def _upsert(db, persona: Persona, at: str) -> None:
    db.execute(
        "INSERT INTO personas (id, name, kind, levels_json, seed, created_at, updated_at, notes, text, attributes_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
        " levels_json = excluded.levels_json, seed = excluded.seed, updated_at = excluded.updated_at,"
        " notes = excluded.notes, text = excluded.text, attributes_json = excluded.attributes_json",
        [persona.id, persona.name, persona.kind, json.dumps(persona.levels), persona.seed, at, at, persona.notes,
         persona.text, json.dumps(persona.attributes, ensure_ascii=False)],
    )


def save(study: Study, persona: Persona) -> None:
    """Insert or update one persona (created_at is kept on update)."""
    with study.transaction() as db:
        _upsert(db, persona, now_iso())


def save_many(study: Study, personas: Iterable[Persona]) -> int:
    """Insert or update several personas in one transaction; returns how many."""
    personas = list(personas)
    at = now_iso()
    with study.transaction() as db:
        for persona in personas:
            _upsert(db, persona, at)
    return len(personas)


def add_missing(study: Study, wanted: Iterable[Persona]) -> list[Persona]:
    """Store those of ``wanted`` whose ids the study does not hold yet (a persona already there, edited
    or not, is kept as it is), in one transaction; returns every persona of the study."""
    with study.transaction() as db:
        at = now_iso()
        for persona in wanted:
            if db.execute("SELECT 1 FROM personas WHERE id = ?", [persona.id]).fetchone() is None:
                _upsert(db, persona, at)
    return list_all(study)


def get(study: Study, persona_id: str) -> Persona | None:
    rows = list(study.db.query("SELECT * FROM personas WHERE id = ?", [persona_id]))
    return _row_to_persona(rows[0]) if rows else None


def exists(study: Study, persona_id: str) -> bool:
    return study.db.execute("SELECT 1 FROM personas WHERE id = ?", [persona_id]).fetchone() is not None


def list_all(study: Study) -> list[Persona]:
    """Every persona: baseline first, then by kind (moderate, max, incongruous, custom, instruction),
    then creation."""
    order = " ".join(f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(KINDS))
    rows = study.db.query(f"SELECT * FROM personas ORDER BY CASE kind {order} ELSE 99 END, created_at, rowid")
    return [_row_to_persona(row) for row in rows]


def runs_using(study: Study, persona_id: str) -> list[int]:
    """Ids of runs that refer to a persona (none when evaluation has no tables yet)."""
    db = study.db
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_personas'").fetchone():
        return []
    rows = db.execute("SELECT DISTINCT run_id FROM run_personas WHERE persona_id = ? ORDER BY run_id", [persona_id])
    return [row[0] for row in rows.fetchall()]


def delete(study: Study, persona_id: str) -> bool:
    """Delete a persona; False when there was none. Raises PersonaInUse when a run refers to it."""
    with study.transaction() as db:
        runs = runs_using(study, persona_id)
        if runs:
            listed = ", ".join(str(r) for r in runs[:5]) + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")
            raise PersonaInUse(f"persona {persona_id!r} is used by run {listed}; a run keeps the personas it asked with")
        cursor = db.execute("DELETE FROM personas WHERE id = ?", [persona_id])
        return cursor.rowcount > 0


def replace_generated(study: Study, personas: list[Persona]) -> tuple[int, list[str]]:
    """Save a freshly generated set and drop older generated personas it no longer holds.

    Custom personas and instructions are never touched; an old generated persona a run uses is kept.
    Returns (saved, ids kept because a run uses them).
    """
    wanted = {p.id for p in personas}
    kept: list[str] = []
    at = now_iso()
    with study.transaction() as db:
        stale = [
            row[0] for row in db.execute("SELECT id FROM personas WHERE kind NOT IN ('custom', 'instruction', 'country')")
            .fetchall()
            if row[0] not in wanted
        ]
        for persona_id in stale:
            if runs_using(study, persona_id):
                kept.append(persona_id)
            else:
                db.execute("DELETE FROM personas WHERE id = ?", [persona_id])
        for persona in personas:
            _upsert(db, persona, at)
    return len(personas), kept
