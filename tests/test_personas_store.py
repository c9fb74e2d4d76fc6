from __future__ import annotations

import pytest

from valuegap_tui.personas import Persona, default_personas, generate_personas
from valuegap_tui.store import personas as persona_store


def test_save_get_list_roundtrip(study):
    personas = generate_personas(seed=2, incongruous=3)
    assert persona_store.save_many(study, personas) == len(personas)
    listed = persona_store.list_all(study)
    assert [p.id for p in listed][0] == "baseline"
    assert {p.id for p in listed} == {p.id for p in personas}
    for persona in personas:
        assert persona_store.get(study, persona.id) == persona
    assert persona_store.get(study, "nope") is None
    assert persona_store.exists(study, "baseline") and not persona_store.exists(study, "nope")


def test_save_updates_in_place(study):
    persona = generate_personas()[1]
    persona_store.save(study, persona)
    edited = persona.model_copy(update={"levels": persona.levels | {"religiosity": 1}, "kind": "custom"})
    persona_store.save(study, Persona.model_validate(edited.model_dump()))
    stored = persona_store.get(study, persona.id)
    assert stored.levels["religiosity"] == 1 and stored.kind == "custom"
    assert len(persona_store.list_all(study)) == 1


def test_delete_and_refusal_when_a_run_uses_it(study):
    persona_store.save_many(study, generate_personas())
    assert persona_store.delete(study, "incongruous-1") is True
    assert persona_store.delete(study, "incongruous-1") is False
    with study.transaction() as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'run_personas'").fetchone():
            db.execute("CREATE TABLE run_personas (run_id INTEGER, persona_id TEXT)")
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone():
            db.execute(
                "INSERT INTO runs (id, name, definition_json, config_hash, status, created_at)"
                " VALUES (7, 'r', '{}', 'h', 'planned', 'now')"
            )
            db.execute("INSERT INTO run_personas (run_id, persona_id, name, kind) VALUES (7, 'max-secular-survival', 'n', 'max')")
        else:
            db.execute("INSERT INTO run_personas (run_id, persona_id) VALUES (7, 'max-secular-survival')")
    with pytest.raises(persona_store.PersonaInUse, match="used by run 7"):
        persona_store.delete(study, "max-secular-survival")
    assert persona_store.exists(study, "max-secular-survival")


def test_adding_the_default_personas_is_idempotent_and_keeps_edits(study):
    first = persona_store.add_missing(study, default_personas(0))
    assert len(first) == 1 + 3 * 8  # the baseline and 8 personas of each kind
    edited = persona_store.get(study, "moderate-secular-survival").model_copy(update={"name": "mine"})
    persona_store.save(study, edited)
    again = persona_store.add_missing(study, default_personas(0))
    assert len(again) == 1 + 3 * 8 and persona_store.get(study, "moderate-secular-survival").name == "mine"


def test_replace_generated_drops_stale_but_keeps_custom(study):
    persona_store.save_many(study, generate_personas(incongruous=6))
    custom = Persona(id="mine", name="mine", kind="custom", levels=generate_personas()[1].levels)
    persona_store.save(study, custom)
    saved, kept = persona_store.replace_generated(study, generate_personas(incongruous=2))
    ids = {p.id for p in persona_store.list_all(study)}
    assert "incongruous-6" not in ids and "incongruous-2" in ids and "mine" in ids and kept == []
