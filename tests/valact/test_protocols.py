"""ValAct-style runs under ways of asking: the standard questions and their paraphrases, each recognised
by the simulator and tabled apart; abstain and third-person refused in one line."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.valact import make_scenarios
from valuegap_tui.designs import get_design
from valuegap_tui.designs.tables import run_tables
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.designs.valact.simulate import PARAPHRASED
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.questions import template_text
from valuegap_tui.evaluate.setup import PlanError, create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.store import items as item_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.answer_frame import load_answer_frame


def _definition(protocols):
    return RunDefinition.model_validate({"models": [{"name": "m", "endpoints": ["http://127.0.0.1:1"]}],
                                         "repeats": 2, "seed": 3, "protocols": protocols})


@pytest.mark.parametrize("template", ["valact_action", "valact_portrait", "valact_select"])
def test_every_paraphrase_is_a_question_the_simulator_knows(template):
    standard = template_text(template).split("${options}")[0].rstrip().splitlines()[-1]
    for n in (1, 2, 3):
        line = template_text(f"{template}.paraphrase-{n}").split("${options}")[0].rstrip().splitlines()[-1]
        assert line != standard and line in PARAPHRASED[standard]


def test_a_run_asked_in_paraphrase_is_answered_and_tabled_per_protocol(valact_study):
    study = valact_study
    item_store.save_many(study, get_design("valact"), make_scenarios(10), who="t", action="import")
    load_into(study, read_questionnaire(DEMO_FILE), who="t")
    run_id = create_run(study, _definition(["standard", "paraphrase-2"]))
    simulator = Simulator(SimulatorParams(seed=7), study_path=study.path)
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(simulator, "m")})) == "finished"
    frame = load_answer_frame(study, run_id)
    assert set(frame.protocol.decode()) == {"standard", "paraphrase-2"}
    assert frame.valid.all()  # a question the simulator did not know would have had a plain reply: invalid
    for table in run_tables(study, run_id):
        assert table.columns[0] == "protocol", table.name
    outcomes = {r["protocol"] for r in next(t for t in run_tables(study, run_id) if t.name == "outcomes").records()}
    assert outcomes == {"standard", "paraphrase-2"}


@pytest.mark.parametrize("protocol", ["abstain", "third-person"])
def test_a_way_of_asking_the_design_does_not_support_is_refused(valact_study, protocol):
    item_store.save_many(valact_study, get_design("valact"), make_scenarios(2), who="t", action="import")
    with pytest.raises(PlanError) as caught:
        create_run(valact_study, _definition(["standard", protocol]))
    assert f"cannot ask {protocol!r}" in str(caught.value) and "\n" not in str(caught.value)
    assert run_store.list_runs(valact_study) == []
