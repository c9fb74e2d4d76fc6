from __future__ import annotations

import json

import pytest

from valuegap_tui.cli import main
from valuegap_tui.store import open_study
from valuegap_tui.store import personas as persona_store


@pytest.fixture
def db(tmp_path):
    return tmp_path / "s.db"


def stored(db):
    with open_study(db) as study:
        return {p.id: p for p in persona_store.list_all(study)}


def test_generate_list_show(db, capsys):
    assert main(["personas", "generate", "--study", str(db), "--incongruous", "3", "--seed", "5"]) == 0
    assert len(stored(db)) == 12
    assert main(["personas", "--study", str(db), "list"]) == 0
    out = capsys.readouterr().out
    assert "max-traditional-survival" in out and "(-1.00, -1.00)" in out
    assert main(["personas", "show", "moderate-secular-survival", "--study", str(db)]) == 0
    out = capsys.readouterr().out
    assert "You hold the following values and beliefs:" in out and "+0.33" in out
    assert main(["personas", "show", "nope", "--study", str(db)]) == 1


def test_generate_without_replace_keeps_edits_and_replace_drops_stale(db):
    main(["personas", "generate", "--study", str(db), "--incongruous", "5"])
    with open_study(db) as study:
        p = persona_store.get(study, "incongruous-1")
        persona_store.save(study, p.model_copy(update={"name": "edited"}))
    main(["personas", "generate", "--study", str(db), "--incongruous", "5"])
    assert stored(db)["incongruous-1"].name == "edited"
    main(["personas", "generate", "--study", str(db), "--incongruous", "2", "--replace"])
    personas = stored(db)
    assert personas["incongruous-1"].name == "incongruous #1" and "incongruous-5" not in personas


def test_export_import_roundtrip(db, tmp_path):
    main(["personas", "generate", "--study", str(db)])
    out = tmp_path / "p.jsonl"
    assert main(["personas", "export", str(out), "--study", str(db)]) == 0
    other = tmp_path / "other.db"
    assert main(["personas", "import", str(out), "--study", str(other)]) == 0
    assert stored(other) == stored(db)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda recs: recs[2].update(kind="bogus"), "line 3, field kind"),
        (lambda recs: recs[4]["levels"].update(religiosity=9), "line 5, field levels"),
        (lambda recs: recs[1]["levels"].pop("happiness"), "line 2, field levels"),
        (lambda recs: recs[3].update(id=recs[1]["id"]), "line 4, field id"),
    ],
)
def test_import_is_all_or_nothing(db, tmp_path, capsys, mutate, expected):
    main(["personas", "generate", "--study", str(db)])
    out = tmp_path / "p.jsonl"
    main(["personas", "export", str(out), "--study", str(db)])
    records = [json.loads(line) for line in out.read_text().splitlines()]
    for r in records:
        r["name"] = r["name"] + " changed"
    mutate(records)
    out.write_text("".join(json.dumps(r) + "\n" for r in records))
    before = stored(db)
    capsys.readouterr()
    assert main(["personas", "import", str(out), "--study", str(db)]) == 1
    assert expected in capsys.readouterr().err
    assert stored(db) == before


def test_import_rejects_broken_json(db, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "baseline", "name": "b", "kind": "baseline"}\n{not json\n')
    assert main(["personas", "import", str(bad), "--study", str(db)]) == 1
    assert "line 2" in capsys.readouterr().err


def test_generate_stores_a_sample_of_eight_per_kind_and_takes_eight_per_quadrant(db, capsys):
    assert main(["personas", "generate", "--study", str(db)]) == 0
    kinds = [p.kind for p in stored(db).values()]
    assert {k: kinds.count(k) for k in set(kinds)} == {"baseline": 1, "moderate": 8, "max": 8, "incongruous": 8}
    # before: "cannot draw 8 distinct incongruous personas per split dimension and lean"
    for match in ([], ["--match", "moderate"], ["--match", "max"]):
        assert main(["personas", "generate", "--per-kind", "8", *match, "--replace", "--study", str(db)]) == 0
        kinds = [p.kind for p in stored(db).values()]
        assert kinds.count("incongruous") == 32, match
    assert main(["personas", "generate", "--incongruous", "2", "--per-kind", "2", "--study", str(db)]) == 2
    assert "--incongruous stores the canonical set" in capsys.readouterr().err
