"""`valuegap report` on a VIA run: one CSV per table of the design and summary.md, the refused rows noted."""

from __future__ import annotations

import csv

from tests.helpers.via import via_run
from valuegap_tui.cli import main
from valuegap_tui.designs.via.importer import ShenImport, store_refused
from valuegap_tui.outcomes import OUTCOMES


def test_report_writes_the_via_tables_and_notes_refused_rows(study, tmp_path, capsys):
    via_run(study, tmp_path, countries=("India",), topics=["politics"], values=["equality", "wealth", "devout"],
            repeats=1)
    store_refused(study, ShenImport(source="release.zip:data.csv", rows=9, problems=[(7, "unknown country 'X'")]))
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(study.path)]) == 0
    names = sorted(p.name for p in out.iterdir())
    figures = [f"{stem}_{model}.{fmt}" for model in ("model-a", "model-b") for stem in ("via_countries", "via_values")
               for fmt in ("png", "pdf")]  # F1 and AD by country and by value, per model; SVG only on request
    figures += [f"via_models.{fmt}" for fmt in ("png", "pdf")]  # the models side by side
    assert names == sorted(["outcomes.csv", "summary.md", "via_by_country.csv", "via_by_topic.csv", "via_summary.csv",
                            "via_value_ranking.csv", *figures])
    with open(out / "outcomes.csv", encoding="utf-8") as fh:
        outcomes = list(csv.DictReader(fh))  # how each question ended, per model and question
    assert {(r["model"], r["question"]) for r in outcomes} == {(m, q) for m in ("model-a", "model-b")
                                                               for q in ("value", "action")}
    assert all(int(r["asked"]) == sum(int(r[o]) for o in OUTCOMES) for r in outcomes)
    with open(out / "via_summary.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["model"], r["condition"]) for r in rows} == {
        (m, c) for m in ("model-a", "model-b") for c in ("baseline", "country-india", "own country")}
    assert all(0 <= float(r["AD"]) <= 1 for r in rows)
    for r in rows:  # F1 in [0, 1], or blank when every scenario repeat had no positive (left out, counted)
        assert (0 <= float(r["F1"]) <= 1) if r["F1"] else (r["F1 scenarios"] == "0" and int(r["F1 left out"]) > 0)
        assert float(r["coverage"]) == 1.0 and r["low coverage"] == "0"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Shen, Clark & Mitra 2025" in summary and "### VIA gap per model and condition" in summary
    assert "import-shen left out 1 of 9 rows of release.zip:data.csv (lines 7: 1 with another problem)" in summary
    # one model only
    assert main(["report", "latest", str(tmp_path / "one"), "--model", "model-b", "--study", str(study.path)]) == 0
    with open(tmp_path / "one" / "via_summary.csv", encoding="utf-8") as fh:
        assert {r["model"] for r in csv.DictReader(fh)} == {"model-b"}


def test_headline_sets_f1_accuracy_and_ad_per_model_and_condition(study, tmp_path):
    from valuegap_tui.designs import get_design
    from valuegap_tui.designs.tables import run_tables
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import answer_frame as frame_store

    run_id, items = via_run(study, tmp_path, countries=("India",), topics=["politics"], values=["equality"],
                            repeats=1)
    design = get_design("via")
    rows = design.headline(frame_store.load_answer_frame(study, run_id), items, run_store.personas_of(study, run_id))
    summary = run_tables(study, run_id)[0]
    assert {(m, c, metric) for m, c, metric, _ in rows} == {
        (r[0], r[1], metric) for r in summary.rows for metric in ("F1", "accuracy", "AD")}
    by_key = {(m, c, metric): v for m, c, metric, v in rows}
    assert all(by_key[(r["model"], r["condition"], "AD")] == r["AD"] for r in summary.records())
