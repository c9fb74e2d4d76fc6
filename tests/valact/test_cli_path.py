"""A valact study from the command line only: init, generate (or import), questionnaire, run, report."""

from __future__ import annotations

import json
import textwrap

from tests.helpers.figures import assert_editable
from valuegap_tui.cli import main
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.items import Scenario
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study


def definition(path, base_url, model):
    path.write_text(textwrap.dedent(f'''
        name = "valact-cli"
        repeats = 2
        seed = 3
        personas = ["baseline"]
        [[models]]
        name = "{model}"
        endpoints = ["{base_url}"]
        concurrency = 8
        [dilemmas]
        status = ["draft", "accepted"]
    '''))
    return path


def test_generate_questionnaire_run_report_with_no_code(tmp_path, capsys):
    study_path = tmp_path / "v.db"
    assert main(["init", "--study", str(study_path), "--design", "valact"]) == 0
    with run_simulator(SimulatorParams(seed=2, model_name="sim"), study_path=study_path) as sim:
        assert main(["generate", "--study", str(study_path), "--base-url", sim.base_url, "--model", "sim",
                     "--topics", "religion,environment", "--variants", "2", "--concurrency", "4"]) == 0
        study = open_study(study_path)
        scenarios = list(item_store.iter_items(study, get_design("valact")))
        assert len(scenarios) == 4 and all(isinstance(s, Scenario) and s.status == "draft" for s in scenarios)
        assert all(len(set(s.values())) == 4 for s in scenarios)
        assert scenarios[0].provenance["source"] == "generated"
        assert main(["questionnaire", "load", "--study", str(study_path)]) == 0
        run_toml = definition(tmp_path / "run.toml", sim.base_url, "sim")
        assert main(["run", "start", str(run_toml), "--plain", "--study", str(study_path)]) == 0
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(study_path), "--formats", "pdf,svg"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"valact_gap.csv", "valact_enacted.csv", "valact_stated.csv", "summary.md",
            "valact_profiles_sim.png", "valact_profiles_sim.svg"} <= names
    texts = assert_editable(out / "valact_profiles_sim.png")  # PDF and SVG beside it, the text kept as text
    assert "baseline" in " ".join(texts) and "Universalism" in " ".join(texts)
    gap = (out / "valact_gap.csv").read_text().splitlines()
    assert gap[1].startswith("sim,baseline,4,20,")  # every scenario and item answered
    summary = (out / "summary.md").read_text()
    assert "![valact_profiles_sim](valact_profiles_sim.png)" in summary
    assert "Stated vs enacted" in summary and "| sim | baseline |" in summary


def test_import_refuses_a_bad_file_with_line_and_field_and_writes_nothing(tmp_path, capsys):
    study_path = tmp_path / "v.db"
    assert main(["init", "--study", str(study_path), "--design", "valact"]) == 0
    good = {"id": "a1", "scenario": "Your friend asks whether to move abroad for a job.", "topic": "work",
            "actions": [{"text": f"do thing {k}", "value": v} for k, v in
                        enumerate(["benevolence", "Achievement", "security", "stimulation"])]}
    bad = {**good, "id": "a2", "actions": good["actions"][:3] + [{"text": "x", "value": "kindness"}]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    assert main(["import", str(path), "--study", str(study_path)]) == 2
    err = capsys.readouterr().err
    assert "s.jsonl:2" in err and "actions.3.value" in err and "nothing was imported" in err
    assert item_store.count(open_study(study_path), get_design("valact")) == 0
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("id,scenario,topic,action_1,value_1,action_2,value_2,action_3,value_3,action_4,value_4\n"
                        "c1,Your sister asks what to do,family,a,power,b,tradition,c,hedonism,d,universalism\n"
                        "c2,Your boss asks,work,Be powerful,power,b2,tradition,c2,hedonism,d2,universalism\n")
    assert main(["import", str(csv_path), "--study", str(study_path)]) == 0
    items = {i.id: i for i in item_store.iter_items(open_study(study_path), get_design("valact"))}
    assert items["c1"].values() == ["power", "tradition", "hedonism", "universalism"]
    assert items["c1"].flags == [] and items["c2"].flags == ["value_named"]  # kept, flagged for review
