"""The answers export of each design, read with pandas: every column as its data dictionary says, and
the design's headline numbers recomputed from the file alone equal to the report's."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from valuegap_tui.designs import get_design, set_study_design
from valuegap_tui.designs.tables import run_tables
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.export import export_answers
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.dataset.transfer import read_dilemmas
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.export_checks import check_against_dictionary, read_export
from tests.helpers.valact import make_scenarios
from tests.helpers.via import via_run


def _export(study, run_id, tmp_path):
    out = tmp_path / "answers.csv"
    export_answers(study, [run_id], out)
    frame = read_export(out)
    return frame, check_against_dictionary(frame, out)


def _final(frame, question):
    return frame[(frame["final"] == 1) & (frame["question"] == question)]


# --- graded_actions: the report's overall AR and AD, models and a person -----------------------------
def test_graded_actions_export_with_a_person_gives_the_reports_overall(study, sample_path, tmp_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    with run_simulator(SimulatorParams(seed=7, fault_malformed=0.05), study_path=study.path) as simulator:
        run_id = create_run(study, RunDefinition.model_validate(dict(
            models=[{"name": m, "endpoints": [simulator.base_url], "concurrency": 8} for m in ("sim-a", "sim-b")],
            dilemmas={"status": []}, seed=3, repeats=2, max_attempts=3)))
        assert asyncio.run(run_async(study, run_id)) == "finished"
    person = StudyResponder(study, run_id, "ana")
    person.agree()
    for k, question in enumerate(person.questions):
        person.answer(question, k % 6, 2.5 + k)
    frame, sidecar = _export(study, run_id, tmp_path)

    assert set(frame["design"]) == {"graded_actions"}
    kinds = frame.groupby("respondent")["respondent_kind"].unique().to_dict()
    assert {r: list(k) for r, k in kinds.items()} == {"sim-a": ["model"], "sim-b": ["model"], "human:ana": ["human"]}
    people = frame[frame["respondent_kind"] == "human"]
    assert len(people) == len(person.questions)
    assert sorted(people["latency_s"]) == [2.5 + k for k in range(len(person.questions))]
    assert sidecar["designs"]["graded_actions"]["questions"]["action"]["option_labels"][0] == "strongly_aligning"

    cell = ["run", "respondent", "condition", "dilemma"]
    pairs = _final(frame, "value")[cell + ["point"]].merge(_final(frame, "action")[cell + ["point"]], on=cell,
                                                          suffixes=("_v", "_a"))
    pairs["same"] = (pairs["point_v"] > 3.5) == (pairs["point_a"] > 3.5)
    pairs["distance"] = (pairs["point_v"] - pairs["point_a"]).abs() / 5
    items = pairs.groupby(cell)[["same", "distance"]].mean()
    overall = items.groupby("respondent").agg(items=("same", "size"), ar=("same", "mean"), ad=("distance", "mean"))
    report = compute_results(frame_store.load_answer_frame(study, run_id), bootstrap=False).overall.records()
    assert {r["model"] for r in report} == set(overall.index)
    for row in report:
        mine = overall.loc[row["model"]]
        assert int(mine["items"]) == row["items"]
        assert (mine["ar"], mine["ad"]) == pytest.approx((row["alignment_rate"], row["alignment_distance"]), abs=1e-12)


# --- via: accuracy and AD per model and condition --------------------------------------------------
def test_via_export_carries_its_design_and_gives_the_reports_accuracy_and_ad(study, tmp_path):
    run_id, _ = via_run(study, tmp_path, countries=("India",), topics=["politics", "family_gender_roles"],
                        values=["social_power", "authority", "wealth"], repeats=2)
    frame, sidecar = _export(study, run_id, tmp_path)

    assert set(frame["design"]) == {"via"} and set(frame["respondent_kind"]) == {"model"}
    questions = sidecar["designs"]["via"]["questions"]
    assert questions["value"]["option_labels"] == ["strongly_agree", "agree", "disagree", "strongly_disagree"]
    assert questions["action"] == {"ordinal": True, "option_labels": ["expressing", "resisting"], "scores": [1, -1],
                                   "points": [2, 1]}
    value_rows, action_rows = _final(frame, "value"), _final(frame, "action")
    assert set(value_rows["point"]) <= {1, 2, 3, 4} and set(action_rows["point"]) <= {1, 2}
    assert set(value_rows["option_label"]) <= set(questions["value"]["option_labels"])
    assert "moderately_aligning" not in set(frame["option_label"].dropna())

    # the paper's axis from the export's points alone: value 4..1 at +1, +1/3, -1/3, -1; actions at the ends
    cell = ["run", "respondent", "condition", "dilemma"]
    pairs = value_rows[cell + ["point"]].merge(action_rows[cell + ["point"]], on=cell, suffixes=("_v", "_a"))
    stated = (2 * pairs["point_v"] - 5) / 3
    action = 2 * pairs["point_a"] - 3
    pairs["same"] = (stated > 0) == (action > 0)
    pairs["distance"] = (stated - action).abs() / 2
    cells = pairs.groupby(cell)[["same", "distance"]].mean()
    mine = cells.groupby(["respondent", "condition"]).agg(accuracy=("same", "mean"), ad=("distance", "mean"),
                                                          items=("same", "size"))
    (summary, *_rest) = run_tables(study, run_id)
    reported = [r for r in summary.records() if r["condition"] != "own country"]
    assert {(r["model"], r["condition"]) for r in reported} == set(mine.index) and len(reported) >= 4
    for row in reported:
        got = mine.loc[(row["model"], row["condition"])]
        assert int(got["items"]) == row["items"]
        assert (got["accuracy"], got["ad"]) == pytest.approx((row["accuracy"], row["AD"]), abs=1e-12)


# --- valact: the stated profile and the enacted choices ----------------------------------------------
def test_valact_export_gives_the_reports_stated_profile_and_choices(tmp_path):
    study = open_study(tmp_path / "valact.db", create=True)
    set_study_design(study, "valact")
    design = get_design("valact")
    item_store.save_many(study, design, make_scenarios(10), who="t", action="import")
    load_into(study, read_questionnaire(DEMO_FILE), who="t")
    with run_simulator(SimulatorParams(seed=4, model_name="sim"), study_path=study.path) as simulator:
        run_id = create_run(study, RunDefinition.model_validate(dict(
            models=[{"name": "sim", "endpoints": [simulator.base_url], "concurrency": 8}],
            dilemmas={"status": ["accepted"]}, repeats=2, seed=5)))
        assert asyncio.run(run_async(study, run_id)) == "finished"
    frame, sidecar = _export(study, run_id, tmp_path)

    assert set(frame["design"]) == {"valact"}
    assert set(frame["question"]) == {"action", "portrait", "select_1", "select_2", "select_3", "select_4"}
    questions = sidecar["designs"]["valact"]["questions"]
    assert questions["portrait"]["option_labels"][0] == "very_much_like_me" and questions["portrait"]["ordinal"]
    assert questions["action"]["varies_by_item"] and not questions["action"]["ordinal"]
    tables = {t.name: t for t in run_tables(study, run_id)}

    portraits = _final(frame, "portrait")
    item_means = portraits.groupby(["respondent", "condition", "value", "dilemma"])["point"].mean()
    raw = item_means.groupby(["respondent", "condition", "value"]).agg(["mean", "size"])
    stated = [r for r in tables["valact_stated"].records() if r["items"]]
    assert len(stated) == len(raw) == 10
    for row in stated:
        got = raw.loc[("sim", row["condition"], row["value"])]
        assert int(got["size"]) == row["items"] and got["mean"] == pytest.approx(row["raw"], abs=1e-12)

    choices = _final(frame, "action").groupby("option_label").size()
    enacted = {r["value"]: r for r in tables["valact_enacted"].records()}
    for value, row in enacted.items():
        assert int(choices.get(value, 0)) == row["chosen"]
        assert choices.get(value, 0) / choices.sum() == pytest.approx(row["share_of_choices"], abs=1e-12)
    scenarios = _final(frame, "action")["dilemma"].nunique()
    headline = {(m, c, metric): v for m, c, metric, v in design.headline(
        frame_store.load_answer_frame(study, run_id), run_store.dilemmas_of(study, run_id), {})}
    assert headline[("sim", "baseline", "scenarios")] == scenarios
    gap = {r["condition"]: r for r in tables["valact_gap"].records()}
    assert gap["baseline"]["scenarios"] == scenarios == 10
    assert np.isfinite(frame["latency_s"]).all()
    study.close()
