"""VIA runs under ways of asking: the standard questions and their paraphrases, recognised by the
simulator and tabled apart; abstain and third-person refused in one line."""

from __future__ import annotations

import asyncio

import pytest

from valuegap_tui.designs import get_design, set_study_design
from valuegap_tui.designs.tables import run_tables
from valuegap_tui.designs.via.conditions import country_personas
from valuegap_tui.designs.via.importer import read_shen
from valuegap_tui.designs.via.simulate import synthetic_rows, write_synthetic_csv
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import PlanError, create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.answer_frame import load_answer_frame


def via_study(tmp_path):
    path = tmp_path / "via.csv"
    write_synthetic_csv(path, synthetic_rows(countries=("India",), topics=["politics", "religion"],
                                             values=["wisdom", "honest", "equality"]))
    study = open_study(tmp_path / "s.db", create=True)
    set_study_design(study, "via")
    item_store.save_many(study, get_design("via"), read_shen(path).items, who="t", action="import-shen")
    persona_store.save_many(study, country_personas(("India",)))
    return study


def definition(protocols):
    return RunDefinition.model_validate({
        "models": [{"name": "m", "endpoints": ["http://127.0.0.1:1"]}], "personas": ["via-india"],
        "repeats": 3, "seed": 5, "protocols": protocols})


def test_a_via_run_in_each_paraphrase_is_answered_and_tabled_per_protocol(tmp_path):
    study = via_study(tmp_path)
    protocols = ["standard", "paraphrase-1", "paraphrase-2", "paraphrase-3"]
    persona = [p.id for p in country_personas(("India",))]
    run_id = create_run(study, definition(protocols).model_copy(update={"personas": persona}))
    planted = SimulatorParams(seed=1, designs={"via": {"gap": 0.0, "base_endorsement": 0.7}})
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(Simulator(planted), "m")})) == "finished"
    frame = load_answer_frame(study, run_id)
    assert set(frame.protocol.decode()) == set(protocols)
    assert frame.valid.all()  # every wording recognised: an unknown one is answered with plain text, invalid
    tables = {t.name: t for t in run_tables(study, run_id)}
    assert all(t.columns[0] == "protocol" for t in tables.values())
    # planted gap 0: every wording finds the action on the stated side, whatever the words
    accuracy = [r for t in tables.values() for r in t.records() if "accuracy" in r]
    assert {r["protocol"] for r in accuracy} == set(protocols)
    assert all(r["accuracy"] == 1 for r in accuracy if r["accuracy"] == r["accuracy"])


@pytest.mark.parametrize("protocol", ["abstain", "third-person"])
def test_a_way_of_asking_via_does_not_support_is_refused(tmp_path, protocol):
    study = via_study(tmp_path)
    with pytest.raises(PlanError) as caught:
        create_run(study, definition(["standard", protocol]).model_copy(
            update={"personas": [p.id for p in country_personas(("India",))]}))
    assert f"cannot ask {protocol!r}" in str(caught.value) and "\n" not in str(caught.value)
    assert run_store.list_runs(study) == []


def test_compare_shows_a_run_asked_several_ways_under_one_of_them(tmp_path, capsys):
    """valuegap compare's headline of a VIA run asked two ways: the standard answers' numbers (as the
    design's tables under standard), never the two ways pooled, and the header says so."""
    from valuegap_tui.cli import main
    from valuegap_tui.designs.compare import compare_runs
    from valuegap_tui.metrics.frame import select

    study = via_study(tmp_path)
    persona = [p.id for p in country_personas(("India",))]
    run_id = create_run(study, definition(["standard", "paraphrase-1"]).model_copy(update={"personas": persona}))
    noisy = SimulatorParams(seed=3, designs={"via": {"gap": 0.4, "base_endorsement": 0.6}})
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(Simulator(noisy), "m")})) == "finished"
    run = run_store.list_runs(study)[-1]
    comparison = compare_runs([("[1]", study, run)])
    assert comparison.protocols["[1]"] == ("standard", ("standard", "paraphrase-1"))
    frame = load_answer_frame(study, run_id)
    design = get_design("via")
    items, conditions = run_store.dilemmas_of(study, run_id), run_store.personas_of(study, run_id)
    standard = select(frame, frame.protocol.codes == frame.protocol.labels.index("standard"))

    def numbers(rows):
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    shown = numbers((r[0], r[1], c.split()[-1], v) for r in comparison.table.rows
                    for c, v in zip(comparison.table.columns[2:], r[2:]))
    assert shown == numbers(design.headline(standard, items, conditions))
    assert shown != numbers(design.headline(frame, items, conditions))  # pooling would have moved them
    study.close()
    assert main(["compare", "--study", str(tmp_path / "s.db"), f"{tmp_path / 's.db'}:{run_id}"]) == 0
    out = capsys.readouterr().out
    assert "design via, under standard (asked 2 ways: standard, paraphrase-1" in out


def test_a_design_report_draws_its_figures_under_one_way_of_asking(tmp_path, monkeypatch):
    """VIA's figures of a run asked two ways are drawn from the standard answers only, and the summary
    says so; its tables keep every way."""
    from valuegap_tui.designs.tables import write_design_report
    from valuegap_tui.designs.via import Via

    study = via_study(tmp_path)
    persona = [p.id for p in country_personas(("India",))]
    run_id = create_run(study, definition(["standard", "paraphrase-1"]).model_copy(update={"personas": persona}))
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(Simulator(SimulatorParams(seed=2)), "m")}))
    drawn = []

    def figures(self, frame, items, conditions, out):
        drawn.append(set(frame.protocol.decode()))
        return [out / "profile.png"]

    monkeypatch.setattr(Via, "report_figures", figures)
    write_design_report(study, run_store.list_runs(study)[-1], tmp_path / "report")
    assert drawn == [{"standard"}]
    summary = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
    assert "Figures: under standard;" in summary and "| paraphrase-1 |" in summary  # the tables have both ways
