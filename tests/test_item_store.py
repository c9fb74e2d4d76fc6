"""One store path for every design's items: the poster's dilemmas and another design's items are
written, read and filtered by the same functions (store/items.py, store/item_rows.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.valact import make_scenarios
from valuegap_tui.designs import get_design
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import item_rows, items

import valuegap_tui.store as store_package

POSTER, VALACT = get_design("graded_actions"), get_design("valact")


def test_the_posters_dilemmas_and_valact_items_go_through_one_path(study, tmp_path):
    from valuegap_tui.store import open_study

    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in (1, 2)], who="gen", action="create")
    dilemma_store.save(study, make_dilemma(variant=3, status="accepted"), who="gen", action="create")
    assert [d.id for d in items.iter_items(study, POSTER, status="accepted")] == ["wisdom--politics--3"]
    assert [r.id for r in item_rows.list_rows(study, POSTER, status="draft")] == ["wisdom--politics--1",
                                                                                  "wisdom--politics--2"]
    assert items.get(study, POSTER, "wisdom--politics--1") == dilemma_store.get(study, "wisdom--politics--1")
    other = open_study(tmp_path / "valact.db", create=True)
    from valuegap_tui.designs import set_study_design

    set_study_design(other, "valact")
    scenarios = make_scenarios(3)
    items.save_many(other, VALACT, scenarios, who="gen", action="import")
    assert [s.id for s in items.iter_items(other, VALACT, status="accepted", topic_ids=["family"])] == \
        [s.id for s in scenarios]
    assert item_rows.counts_by(other, VALACT, "status") == {"accepted": 3}
    assert [e.action for e in item_rows.history(other, scenarios[0].id)] == ["import"]
    other.close()


def test_rows_from_before_records_were_kept_are_read_from_their_columns(study):
    dilemma = make_dilemma()
    dilemma_store.save(study, dilemma, who="gen", action="create")
    study.db.execute("UPDATE dilemmas SET record_json = NULL")  # a row written by an older version
    assert dilemma_store.get(study, dilemma.id) == dilemma
    assert items.update_flags(study, POSTER, [dilemma.id], lambda record: ["near_duplicate"], who="q", action="flags")
    assert dilemma_store.get(study, dilemma.id).flags == ["near_duplicate"]


def test_one_filter_builder_and_no_sql_in_the_posters_typed_view():
    source = Path(store_package.__file__).with_name("dilemmas.py").read_text(encoding="utf-8")
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not any(word in s.upper() for s in strings for word in ("SELECT ", "INSERT ", "UPDATE ", " WHERE "))
    builders = [p.name for p in Path(store_package.__file__).parent.glob("*.py")
                if "def filters(" in p.read_text(encoding="utf-8") or "def _filters(" in p.read_text(encoding="utf-8")]
    assert builders == ["items.py"]
