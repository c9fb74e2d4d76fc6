"""End to end against the in-process simulator: Task 1 + Task 2 of a VIA study, two models, the
baseline and country conditions; the measured F1, accuracy and AD recover what the simulator plants.

Tolerance: Z standard errors of the measured mean, estimated from the spread of its own units
(scenario repeats for F1, cells for AD and accuracy); about 30 checks run, and P(|Z| > 4.5) is 7e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.via import PLANTED, via_run
from valuegap_tui.designs.via.metrics import OWN_COUNTRY, _Rows, cell_scores, scenario_f1
from valuegap_tui.designs.via.simulate import planted_accuracy, planted_ad, planted_f1
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store

Z = 4.5


@pytest.fixture(scope="module")
def via_study(tmp_path_factory):
    from valuegap_tui.store import open_study

    tmp = tmp_path_factory.mktemp("via")
    study = open_study(tmp / "via.db", create=True)
    run_id, items = via_run(study, tmp, topics=None, repeats=2)
    yield study, run_id, items
    study.close()


def _condition_country(condition):
    """The planted behaviour's country for a condition: None for the baseline, the item's own country
    for the own-country view, else the persona's country."""
    if condition == "baseline":
        return lambda item: None
    if condition == OWN_COUNTRY:
        return lambda item: item.country
    country = {"country-india": "India", "country-germany": "Germany"}[condition]
    return lambda item: country


def test_every_item_question_and_repeat_was_answered(via_study):
    study, run_id, items = via_study
    frame = frame_store.load_answer_frame(study, run_id)
    # 2 models x 3 conditions x 1,232 items x 2 questions x 2 repeats
    assert len(frame) == 2 * 3 * len(items) * 2 * 2 == 29_568
    assert frame.valid.all()
    assert run_store.get_run(study, run_id).definition.temperature == 0.2  # the design's default


def test_planted_f1_accuracy_and_ad_are_recovered_per_model_and_condition(via_study):
    study, run_id, items = via_study
    frame = frame_store.load_answer_frame(study, run_id)
    conditions = run_store.personas_of(study, run_id)
    rows = _Rows(frame, items, conditions)
    cell_keys, accuracy, distance = cell_scores(rows)
    scen_keys, f1, _ = scenario_f1(rows, items)
    cell_model = np.array([k[0] for k in cell_keys])
    cell_cond = np.array([k[1] for k in cell_keys])
    scen_model = np.array([k[0] for k in scen_keys])
    scen_cond = np.array([k[1] for k in scen_keys])
    checked = 0
    for model, params in PLANTED.items():
        for condition in ("baseline", "country-india", "country-germany", OWN_COUNTRY):
            country_of = _condition_country(condition)
            mask = (cell_model == model) & (cell_cond == condition)
            cell_items = [items[k[2]] for k, m in zip(cell_keys, mask) if m]
            planted_cell_ad = np.array([planted_ad(params, country_of(i)) for i in cell_items])
            planted_cell_acc = np.array([planted_accuracy(params, country_of(i)) for i in cell_items])
            for what, measured, expected in (("AD", distance[mask], planted_cell_ad),
                                             ("accuracy", accuracy[mask], planted_cell_acc)):
                se = measured.std(ddof=1) / np.sqrt(len(measured))
                assert abs(measured.mean() - expected.mean()) <= Z * se, (model, condition, what)
            scen_mask = (scen_model == model) & (scen_cond == condition)
            measured_f1 = f1[scen_mask & ~np.isnan(f1)]  # scenario repeats with no positive have no F1
            se = measured_f1.std(ddof=1) / np.sqrt(len(measured_f1))
            expected_f1 = planted_f1(params, cell_items, country_of)
            assert abs(measured_f1.mean() - expected_f1) <= Z * se, (model, condition, measured_f1.mean(), expected_f1)
            assert se < 0.02  # the check is tight enough to tell the two models apart
            checked += 1
    assert checked == 8


def test_the_tables_are_the_means_of_the_units_and_the_models_stay_apart(via_study):
    from valuegap_tui.designs.tables import run_tables

    study, run_id, items = via_study
    summary = {(r["model"], r["condition"]): r for r in run_tables(study, run_id)[0].records()}
    assert set(summary) == {(m, c) for m in PLANTED for c in ("baseline", "country-india", "country-germany", OWN_COUNTRY)}
    # the planted order: model-a has the smaller gap under every condition
    for condition in ("baseline", "country-india", "country-germany", OWN_COUNTRY):
        a, b = summary[("model-a", condition)], summary[("model-b", condition)]
        assert a["AD"] < b["AD"] and a["accuracy"] > b["accuracy"] and a["F1"] > b["F1"]
    # model-b's planted Germany gap (0.2) is smaller than its default (0.35)
    b_germany, b_baseline = summary[("model-b", "country-germany")], summary[("model-b", "baseline")]
    assert b_germany["accuracy"] == pytest.approx(0.8, abs=0.03) and b_baseline["accuracy"] == pytest.approx(0.65, abs=0.03)
