"""Conditions written by hand: `personas add`, `personas import` of TOML/JSONL, `personas roleplay`."""

from __future__ import annotations

import json

import pytest

from valuegap_tui.catalogue import catalogue
from valuegap_tui.cli import main
from valuegap_tui.personas import Persona, generate_personas, render_persona_text
from valuegap_tui.personas.written import read_conditions, roleplay_conditions
from valuegap_tui.store import open_study
from valuegap_tui.store import personas as persona_store
from valuegap_tui.dataset.transfer import ImportFailure

GOOD_TOML = '''\
# two conditions written by hand
[[conditions]]
name = "Retired nurse"
kind = "custom"
text = """
You are a retired nurse from a small town.
You answer as yourself."""

[[conditions]]
id = "hold-care"
name = "Hold care"
kind = "instruction"
text = "Care for those close to you above all."
attributes = { value_type = "benevolence" }
notes = "hand-written role-play"
'''


@pytest.fixture
def db(tmp_path):
    return tmp_path / "s.db"


def stored(db):
    with open_study(db, create=True) as study:
        return {p.id: p for p in persona_store.list_all(study)}


def test_add_with_text_and_with_file_stores_the_text_as_given(db, tmp_path, capsys):
    assert main(["personas", "add", "--study", str(db), "--name", "Retired nurse", "--kind", "custom",
                 "--text", "You are a retired nurse."]) == 0
    raw = "Hold power.\x1b[31m\r\n\tLine two\n"
    (tmp_path / "t.txt").write_bytes(raw.encode())
    assert main(["personas", "add", "--study", str(db), "--name", "Power", "--kind", "instruction",
                 "--file", str(tmp_path / "t.txt"), "--attribute", "value_type=power"]) == 0
    conditions = stored(db)
    nurse, power = conditions["retired-nurse"], conditions["power"]
    assert (nurse.kind, nurse.text, nurse.levels) == ("custom", "You are a retired nurse.", {})
    assert power.text == raw and render_persona_text(power) == raw  # sent exactly as written
    assert power.attributes == {"value_type": "power"} and power.position is None and power.extremity is None
    # a second condition of the same name gets its own id
    assert main(["personas", "add", "--study", str(db), "--name", "Power", "--kind", "instruction", "--text", "x"]) == 0
    assert "power-2" in stored(db)


def test_show_and_list_never_send_control_characters(db, tmp_path, capsys):
    (tmp_path / "t.txt").write_text("Be \x1b]0;owned\x07 kind\u202e.", encoding="utf-8")
    main(["personas", "add", "--study", str(db), "--name", "Odd\x1b[2J", "--kind", "custom", "--file",
          str(tmp_path / "t.txt"), "--id", "odd"])
    capsys.readouterr()
    assert main(["personas", "show", "odd", "--study", str(db)]) == 0
    main(["personas", "list", "--study", str(db)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "Be ␛]0;owned␇ kind\\u202e." in out and "Odd␛[2J" in out
    assert stored(db)["odd"].text == "Be \x1b]0;owned\x07 kind\u202e."  # stored untouched


@pytest.mark.parametrize("extra, expected", [
    (["--text", "   \n"], "text: must hold some text"),
    (["--text", "x", "--attribute", "value_type=powr"], "value_type 'powr' is not one of"),
    (["--text", "x", "--attribute", "novalue"], "write KEY=VALUE"),
    (["--text", "x", "--id", "Bad Id"], "id: must be 1-64 characters"),
    (["--text", "x", "--id", "taken"], "id 'taken' is taken"),
    (["--file", "/nonexistent/file.txt"], "file not found"),
])
def test_add_refusals_store_nothing(db, capsys, extra, expected):
    main(["personas", "add", "--study", str(db), "--name", "Taken", "--kind", "custom", "--text", "t"])
    before = stored(db)
    capsys.readouterr()
    assert main(["personas", "add", "--study", str(db), "--name", "New", "--kind", "instruction", *extra]) != 0
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert stored(db) == before


def test_add_refuses_a_kind_that_is_not_written(db, capsys):
    with pytest.raises(SystemExit):
        main(["personas", "add", "--study", str(db), "--name", "X", "--kind", "max", "--text", "t"])
    assert "invalid choice" in capsys.readouterr().err


def test_import_toml_then_again_updates_rather_than_duplicates(db, tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(GOOD_TOML, encoding="utf-8")
    assert main(["personas", "import", str(path), "--study", str(db)]) == 0
    conditions = stored(db)
    nurse, care = conditions["retired-nurse"], conditions["hold-care"]
    assert nurse.text == "You are a retired nurse from a small town.\nYou answer as yourself."
    assert (care.kind, care.attributes, care.notes) == ("instruction", {"value_type": "benevolence"},
                                                        "hand-written role-play")
    assert main(["personas", "import", str(path), "--study", str(db)]) == 0
    assert "0 new, 2 updated" in capsys.readouterr().out and len(stored(db)) == 2


def test_import_jsonl_of_written_conditions_and_export_round_trip(db, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"name": "Farmer", "kind": "custom", "text": "You farm."}) + "\n\n"
                    + json.dumps({"id": "r", "name": "R", "kind": "instruction", "text": "Hold it.",
                                  "attributes": {"value_type": "security"}}) + "\n", encoding="utf-8")
    assert main(["personas", "import", str(path), "--study", str(db)]) == 0
    main(["personas", "generate", "--study", str(db)])
    out = tmp_path / "all.jsonl"
    assert main(["personas", "export", str(out), "--study", str(db)]) == 0
    other = tmp_path / "other.db"
    assert main(["personas", "import", str(out), "--study", str(other)]) == 0
    assert stored(other) == stored(db) and stored(db)["r"].attributes == {"value_type": "security"}


def _toml_with(replace: str, by: str) -> str:
    assert replace in GOOD_TOML
    return GOOD_TOML.replace(replace, by)


@pytest.mark.parametrize("content, expected", [
    (_toml_with('kind = "instruction"', 'kind = "max"'), "line 12, field kind: a written condition is custom or instruction"),
    (_toml_with('value_type = "benevolence"', 'value_type = "kindness"'), "line 14, field attributes"),
    (_toml_with('notes = "hand-written role-play"', 'colour = "red"'), "line 15, field colour: unknown field"),
    (_toml_with('text = "Care for those close to you above all."', 'text = "  "'), "line 13, field text: "),
    (_toml_with('text = "Care for those close to you above all."\n', ''), "line 9, field text: missing"),
    (_toml_with('name = "Hold care"', 'name = ""'), "line 11, field name"),
    (_toml_with('name = "Retired nurse"', 'id = "hold-care"\nname = "Retired nurse"'),
     "line 11, field id: duplicate id 'hold-care' (first on line 3)"),
    (_toml_with('id = "hold-care"', 'id = "Hold Care!"'), "line 10, field id: "),
    (_toml_with('kind = "custom"', 'kind = '), "line 4: not valid TOML"),
    ('version = 2\n' + GOOD_TOML, "line 1, field version: unknown top-level key"),
    ("# nothing here\n", "no conditions in the file"),
])
def test_bad_toml_is_refused_with_line_and_field_and_nothing_stored(db, tmp_path, capsys, content, expected):
    main(["personas", "generate", "--study", str(db)])
    main(["personas", "add", "--study", str(db), "--name", "Retired nurse", "--kind", "custom", "--text", "old"])
    before = stored(db)
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert main(["personas", "import", str(path), "--study", str(db)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported" in err and expected in err, err
    assert len(err.strip().splitlines()) == 1
    assert stored(db) == before


@pytest.mark.parametrize("lines, expected", [
    ([{"name": "A", "kind": "custom", "text": "a"}, {"name": "B", "kind": "instruction"}], "line 2, field text: missing"),
    ([{"name": "A", "kind": "custom", "text": "a"}, {"name": "B", "kind": "baseline", "text": "b"}], "line 2, field kind"),
    ([{"name": "A", "kind": "custom", "text": "a", "levels": {"religiosity": 1}}], "line 1, field levels"),
    ([{"name": "A", "kind": "custom", "text": "a"}, {"kind": "custom", "text": "b"}], "line 2, field name: missing"),
    ([{"id": "x", "name": "A", "kind": "custom", "text": "a"}, {"id": "x", "name": "B", "kind": "custom", "text": "b"}],
     "line 2, field id: duplicate id 'x' (first on line 1)"),
])
def test_bad_jsonl_of_written_conditions_is_refused(db, tmp_path, capsys, lines, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    before = stored(db)
    assert main(["personas", "import", str(path), "--study", str(db)]) == 1
    assert expected in capsys.readouterr().err
    assert stored(db) == before


def test_imported_control_characters_are_kept_in_the_store(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[conditions]]\nname = "Odd"\nkind = "custom"\ntext = "a\\u001b[31m b\\u0007"\n', encoding="utf-8")
    (condition,) = read_conditions(path)
    assert condition.text == "a\x1b[31m b\x07"


def test_inline_array_of_tables_reads_without_lines(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('conditions = [{ name = "A", kind = "custom", text = "a" }, { name = "B", kind = "bogus", text = "b" }]\n')
    with pytest.raises(ImportFailure) as caught:
        read_conditions(path)
    assert caught.value.field == "kind" and caught.value.line is None


# --- role-play -----------------------------------------------------------------------------------------
def test_roleplay_creates_one_instruction_per_value_type(db, capsys):
    assert main(["personas", "roleplay", "--study", str(db)]) == 0
    conditions = [p for p in stored(db).values() if p.kind == "instruction"]
    types = catalogue().value_types
    assert len(conditions) == len(types) == 10
    by_type = {c.attributes["value_type"]: c for c in conditions}
    assert set(by_type) == {t.id for t in types}
    for value_type in types:
        text = by_type[value_type.id].text
        assert text.startswith(f"You hold the value of {value_type.name}: ")
        assert value_type.description[1:] in text  # its description, in the template's words
    # a second call leaves them (and any edit) alone; --replace rewrites them from the template
    with open_study(db) as study:
        persona_store.save(study, by_type["power"].model_copy(update={"text": "edited"}))
    assert main(["personas", "roleplay", "--study", str(db)]) == 0
    assert stored(db)["roleplay-power"].text == "edited"
    assert main(["personas", "roleplay", "--study", str(db), "--values", "power", "--replace"]) == 0
    assert stored(db)["roleplay-power"].text == by_type["power"].text


def test_roleplay_subset_and_unknown_value_type(db, capsys):
    assert main(["personas", "roleplay", "--study", str(db), "--values", "tradition, self_direction"]) == 0
    assert sorted(stored(db)) == ["roleplay-self-direction", "roleplay-tradition"]
    capsys.readouterr()
    assert main(["personas", "roleplay", "--study", str(db), "--values", "tradition,kindness"]) == 2
    assert "unknown value type 'kindness'" in capsys.readouterr().err
    assert len(stored(db)) == 2


def test_generate_replace_never_drops_written_conditions(db):
    main(["personas", "roleplay", "--study", str(db), "--values", "power"])
    main(["personas", "add", "--study", str(db), "--name", "Mine", "--kind", "custom", "--text", "t"])
    main(["personas", "generate", "--study", str(db), "--replace"])
    assert {"roleplay-power", "mine"} <= set(stored(db))


def test_model_rules_for_written_conditions():
    levels = {v.id: 2 for v in catalogue().persona_variables}
    with pytest.raises(ValueError, match="either levels or a text"):
        Persona(id="a", name="a", kind="custom", levels=levels, text="t")
    with pytest.raises(ValueError, match="needs a text"):
        Persona(id="a", name="a", kind="instruction")
    with pytest.raises(ValueError, match="only a custom or instruction"):
        Persona(id="a", name="a", kind="moderate", text="t")
    assert roleplay_conditions(["security"])[0].attributes["value_type"] == "security"
    with pytest.raises(ValueError, match="unknown value type"):
        roleplay_conditions(["nope"])


def test_a_study_from_before_written_conditions_opens_with_its_personas(tmp_path):
    path = tmp_path / "old.db"
    with open_study(path, create=True) as study:
        persona_store.save_many(study, generate_personas()[:3])
        with study.transaction() as db:  # back to the schema before this version
            db.execute("DELETE FROM schema_migrations WHERE version = 17")
            for table, column in (("personas", "text"), ("personas", "attributes_json"), ("run_personas", "attributes_json")):
                db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    with open_study(path) as study:
        personas = persona_store.list_all(study)
        assert [p.id for p in personas] == [p.id for p in generate_personas()[:3]]
        assert all(p.text is None and p.attributes == {} and p.position is not None for p in personas)
        persona_store.save(study, roleplay_conditions(["power"])[0])
        assert persona_store.get(study, "roleplay-power").attributes["value_type"] == "power"


def test_import_does_not_change_the_text_of_a_condition_a_run_asked(db, tmp_path, capsys):
    main(["personas", "add", "--study", str(db), "--name", "Asked", "--kind", "instruction", "--text", "Hold it."])
    with open_study(db) as study, study.transaction() as conn:
        conn.execute("INSERT INTO runs (id, name, definition_json, config_hash, status, created_at)"
                     " VALUES (2, 'r', '{}', 'h', 'planned', 'now')")
        conn.execute("INSERT INTO run_personas (run_id, persona_id, name, kind, system_text)"
                     " VALUES (2, 'asked', 'Asked', 'instruction', 'Hold it.')")
    path = tmp_path / "c.toml"
    path.write_text('[[conditions]]\nid = "asked"\nname = "Asked again"\nkind = "instruction"\ntext = "Hold it."\n'
                    '[[conditions]]\nname = "Other"\nkind = "custom"\ntext = "o"\n')
    assert main(["personas", "import", str(path), "--study", str(db)]) == 0  # same text: the name may change
    before = stored(db)
    path.write_text(path.read_text().replace('text = "Hold it."', 'text = "Hold something else."'))
    capsys.readouterr()
    assert main(["personas", "import", str(path), "--study", str(db)]) == 1
    assert "'asked' is used by run 2 and the file changes its text" in capsys.readouterr().err
    assert stored(db) == before
