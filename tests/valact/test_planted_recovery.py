"""End to end against the simulator: two models, the baseline and two role-play conditions; the
planted stated-enacted r, the models' consistency and the role-play drop come back."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from valuegap_tui.designs import get_design
from valuegap_tui.designs.tables import run_tables
from valuegap_tui.designs.valact import simulate
from valuegap_tui.designs.valact.metrics import pearson
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.evaluate import setup
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import items as item_store
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import runs as run_store

from tests.helpers.valact import make_scenarios

TYPES = ("power", "achievement", "hedonism", "stimulation", "self_direction", "universalism", "benevolence",
         "tradition", "conformity", "security")
#: the models act alike (as Huang et al. find: consistency near 1) but state different profiles:
#: model A acts much as it states, model B's statements hardly match its actions
STATED_A = dict(zip(TYPES, (2.0, 3.0, 3.5, 3.0, 4.5, 5.0, 5.5, 2.5, 4.0, 4.5)))
STATED_B = dict(zip(TYPES, (4.5, 3.0, 2.0, 5.0, 3.0, 2.5, 4.5, 3.5, 4.0, 2.0)))
ENACTED_A = dict(zip(TYPES, (0.2, 1.0, 2.0, 0.6, 4.0, 5.0, 9.0, 0.4, 1.5, 6.0)))
ENACTED_B = dict(zip(TYPES, (0.3, 1.0, 1.6, 0.7, 4.5, 4.5, 9.5, 0.3, 1.8, 5.0)))
ROLEPLAY, SELECTION = 0.80, 0.90
HELD = ("power", "benevolence")
ROLEPLAY_TEXT = "You hold the value of {name}: let it guide every choice you make."


def params(name, stated, enacted):
    return SimulatorParams(seed=7, model_name=name, designs={"valact": {
        "stated": stated, "enacted": enacted, "stated_sd": 0.7,
        "roleplay_accuracy": ROLEPLAY, "selection_accuracy": SELECTION}})


def add_roleplay_conditions(study, monkeypatch) -> list[str]:
    """One instruction condition per held value, whose snapshot records the value it holds."""
    try:
        from valuegap_tui.personas.written import roleplay_conditions
    except ImportError:  # written conditions not in this tree: the same snapshots, made here
        from valuegap_tui.personas import quadrant_persona
        from valuegap_tui.store.runs import PersonaSnapshot

        ids = []
        for value in HELD:
            base = quadrant_persona("moderate", 1, 1)
            persona = base.model_copy(update={"id": f"roleplay-{value}", "name": f"role-play {value}", "kind": "custom"})
            persona_store.save(study, persona)
            ids.append(persona.id)
        resolve = setup.resolve_personas

        def with_roleplay(study_, wanted):
            from valuegap_tui.designs.valact.items import value_name

            return [PersonaSnapshot(s.id, s.name, "instruction",
                                    ROLEPLAY_TEXT.format(name=value_name(s.id.removeprefix("roleplay-"))),
                                    {"value_type": s.id.removeprefix("roleplay-")})
                    if s.id.startswith("roleplay-") else s for s in resolve(study_, wanted)]

        monkeypatch.setattr(setup, "resolve_personas", with_roleplay)
        return ids
    conditions = roleplay_conditions(HELD)
    for persona in conditions:
        persona_store.save(study, persona)
    return [p.id for p in conditions]


def test_planted_gap_consistency_and_roleplay_drop_are_recovered(valact_study, monkeypatch):
    study = valact_study
    design = get_design("valact")
    scenarios = make_scenarios(80)
    item_store.save_many(study, design, scenarios, who="t", action="import")
    questionnaire = read_questionnaire(DEMO_FILE)
    load_into(study, questionnaire, who="t")
    roleplay_ids = add_roleplay_conditions(study, monkeypatch)
    with run_simulator(params("model-a", STATED_A, ENACTED_A), study_path=study.path) as sim_a, \
            run_simulator(params("model-b", STATED_B, ENACTED_B), study_path=study.path) as sim_b:
        definition = RunDefinition.model_validate(dict(
            models=[{"name": s.params.model_name, "endpoints": [s.base_url], "concurrency": 16} for s in (sim_a, sim_b)],
            personas=["baseline", *roleplay_ids], dilemmas={"status": ["accepted"]}, repeats=6, seed=5))
        run_id = setup.create_run(study, definition)
        assert asyncio.run(run_async(study, run_id)) == "finished"
        snapshots = run_store.personas_of(study, run_id)
    tables = {t.name: t for t in run_tables(study, run_id)}
    gap = {(r["model"], r["condition"]): r for r in tables["valact_gap"].records()}
    portraits = list(questionnaire.items)

    # Stated vs enacted r: the exact expectation of the planted parameters on these very items.
    # Tolerance 0.15: with 80 scenarios x 6 repeats each value's rate rests on 192 answers.
    for name, sim in (("model-a", sim_a), ("model-b", sim_b)):
        stated, enacted = simulate.expected_profiles(sim.params, None, scenarios, portraits)
        planted_r = pearson(stated, enacted)
        row = gap[(name, "baseline")]
        print(name, "planted r", round(planted_r, 3), "measured", round(row["r"], 3), row["r_low"], row["r_high"])
        assert row["r"] == pytest.approx(planted_r, abs=0.15), (name, planted_r, row)
        assert row["r_low"] <= row["r"] <= row["r_high"]
        assert row["scenarios"] == 80 and row["items"] == 20
        # corrected for both profiles' reliabilities (reliability.py): the interval holds the planted r
        assert 0 < row["stated_reliability"] <= 1 and 0 < row["enacted_reliability"] <= 1
        assert row["r_dis_low"] <= planted_r <= row["r_dis_high"], (name, planted_r, row)
    assert gap[("model-a", "baseline")]["r"] > gap[("model-b", "baseline")]["r"] + 0.3

    # Consistency: r of the two models' enacted profiles and their choice agreement.
    (pair,) = [r for r in tables["valact_consistency"].records() if r["condition"] == "baseline"]
    _, enacted_a = simulate.expected_profiles(sim_a.params, None, scenarios, portraits)
    _, enacted_b = simulate.expected_profiles(sim_b.params, None, scenarios, portraits)
    planted_consistency = pearson(enacted_a, enacted_b)
    assert planted_consistency > 0.95
    assert pair["profile_r"] == pytest.approx(planted_consistency, abs=0.15)
    assert pair["r_dis_low"] <= planted_consistency <= pair["r_dis_high"], pair
    # agreement: mean over scenarios of the product of empirical pick shares; 6 answers each give
    # an unbiased estimate, the mean over 80 scenarios is within about 0.03
    assert pair["choice_agreement"] == pytest.approx(
        simulate.expected_agreement(sim_a.params, sim_b.params, None, scenarios), abs=0.04)

    # Role-play: accuracy of the held value's action (planted 0.80) against selection (planted 0.90).
    roleplay = {(r["model"], r["value"]): r for r in tables["valact_roleplay"].records()}
    assert set(roleplay) == {(m, v) for m in ("model-a", "model-b") for v in HELD}
    for row in roleplay.values():
        # 32 scenarios offer each value x 6 repeats = 192 answers: sd of the accuracy ~0.03
        assert row["roleplay_accuracy"] == pytest.approx(ROLEPLAY, abs=0.1)
        assert row["selection_accuracy"] == pytest.approx(SELECTION, abs=0.08)
    drops = [row["drop"] for row in roleplay.values()]
    print("consistency", planted_consistency, pair, "drops", drops)
    assert np.mean(drops) == pytest.approx(SELECTION - ROLEPLAY, abs=0.05)
    assert {snapshots[c].kind for c in roleplay_ids} == {"instruction"}
