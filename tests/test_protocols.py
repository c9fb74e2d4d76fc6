"""Ways of asking as a run factor: planned, shuffled and repeated under each protocol, stored with
every item, asked in the protocol's words, abstentions counted apart, old studies read as standard."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import numpy as np
import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.questions import QuestionTexts, system_text_for
from valuegap_tui.evaluate.setup import PlanError, create_run
from valuegap_tui.plan.definition import RunDefinition, RunDefinitionError
from valuegap_tui.plan.items import plan_items
from valuegap_tui.protocols import ABSTAIN_ACTION_OPTION, ABSTAIN_VALUE_OPTION, PROTOCOL_IDS
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.simulator.params import ProtocolEffect, SimulatorParams
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.answer_frame import load_answer_frame

ALL = list(PROTOCOL_IDS)


def simulated_run(tmp_path, protocols, effects, repeats=3):
    """A study of 6 dilemmas and a run asked under ``protocols``, answered by the simulator with the
    planted ``effects`` (protocol -> ProtocolEffect); returns (study, run id)."""
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=repeats, protocols=protocols))
    simulator = Simulator(SimulatorParams(protocol_effects=effects))
    for d in run_store.dilemmas_of(study, run_id).values():
        simulator.remember(d.value, d.scenario, {o.text: o.label.rank for o in d.options})
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(simulator, "m")})) == "finished"
    return study, run_id


def test_a_definition_asks_standard_unless_it_names_protocols():
    assert definition().protocols == ["standard"]
    assert definition(protocols=["standard", "abstain"]).protocols == ["standard", "abstain"]
    # the default keeps the hash runs had before protocols; naming more changes it
    assert definition().config_hash() == definition(protocols=["standard"]).config_hash()
    assert definition().config_hash() != definition(protocols=["standard", "abstain"]).config_hash()


@pytest.mark.parametrize("protocols, says", [(["forced"], "unknown protocol 'forced'"),
                                             (["abstain", "abstain"], "each protocol may appear once"),
                                             ([], "at least 1")])
def test_a_definition_refuses_an_unknown_or_repeated_protocol_in_one_line(protocols, says):
    text = 'protocols = %s\n[[models]]\nname = "m"\n' % json.dumps(protocols)
    with pytest.raises(RunDefinitionError) as caught:
        RunDefinition.from_toml_text(text, "run.toml")
    assert says in str(caught.value) and "\n" not in str(caught.value) and "line 1" in str(caught.value)


def test_logprobs_mode_refuses_the_abstain_protocol_in_one_line():
    """A logprob answer is a distribution: its mass on not choosing is neither an abstention nor in AR
    and AD, so the definition says so at the line of its answer mode, before anything is planned."""
    text = 'protocols = ["standard", "abstain"]\nanswer_mode = "logprobs"\n[[models]]\nname = "m"\n'
    with pytest.raises(RunDefinitionError) as caught:
        RunDefinition.from_toml_text(text, "run.toml")
    said = str(caught.value)
    assert "line 2, answer_mode: the abstain protocol is asked in text or constrained mode" in said
    assert "\n" not in said
    for mode in ("text", "constrained"):
        assert RunDefinition.from_toml_text(text.replace("logprobs", mode), "run.toml").protocols[-1] == "abstain"
    assert RunDefinition.from_toml_text(text.replace(', "abstain"', ""), "run.toml").answer_mode == "logprobs"


def test_each_protocol_is_planned_with_balanced_orders_over_its_own_option_count():
    items = list(plan_items(["m"], ["baseline"], ["d1", "d2"], 7, seed=3, protocols=["standard", "abstain"]))
    assert len(items) == 2 * 2 * 2 * 7  # protocols x dilemmas x questions x repeats
    by = Counter((i.protocol, len(i.permutation)) for i in items)
    assert by == {("standard", 6): 28, ("abstain", 7): 28}
    for protocol, n in (("standard", 6), ("abstain", 7)):
        orders = [i.permutation for i in items if i.protocol == protocol and i.dilemma_id == "d1" and i.question == 1]
        for letter in range(n):  # over n repeats every option is shown once at every letter
            assert sorted(order[letter] for order in orders[:n]) == [str(k) for k in range(n)]
    # the standard protocol's orders are the ones a run had before protocols: an old plan is drawn again alike
    before = [i.permutation for i in plan_items(["m"], ["baseline"], ["d1", "d2"], 7, seed=3)]
    assert [i.permutation for i in items if i.protocol == "standard"] == before


def test_a_run_stores_every_item_under_every_protocol_and_says_its_size(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 3)
    run_id = create_run(study, definition(repeats=2, protocols=["standard", "paraphrase-2", "abstain"]))
    assert run_store.planned_total(study, run_id) == 3 * 2 * 2 * 3 == run_store.stored_items(study, run_id)
    stored = Counter(i.protocol for i in run_store.all_items(study, run_id))
    assert stored == {"standard": 12, "paraphrase-2": 12, "abstain": 12}
    hashes = json.loads(study.db.execute("SELECT prompt_hashes_json FROM runs WHERE id = ?", [run_id]).fetchone()[0])
    assert set(hashes) == {"value_question", "action_question", "value_question.paraphrase-2",
                           "action_question.paraphrase-2"}


def test_the_questions_are_asked_in_each_protocols_words(tmp_path):
    from tests.helpers.dilemmas import make_dilemma

    dilemma = make_dilemma(scenario="You must decide about the river.", texts=[f"Action {k}" for k in range(6)])
    texts = QuestionTexts({dilemma.id: dilemma})
    persona = "You hold the following values and beliefs:\n- religiosity: x -> deeply religious"
    asked = {p: texts.question(dilemma.id, 1, "0123456"[: 7 if p == "abstain" else 6], p, persona) for p in ALL}
    messages = {p: m for p, (m, _shown) in asked.items()}
    assert len(set(messages.values())) == len(ALL)  # every protocol words the action question its own way
    assert all("You must decide about the river." in m for m in messages.values())
    assert asked["abstain"][1][-1] == ABSTAIN_ACTION_OPTION and "G. " + ABSTAIN_ACTION_OPTION in messages["abstain"]
    assert texts.question(dilemma.id, 0, "6543210", "abstain")[1][0] == ABSTAIN_VALUE_OPTION
    # third person: the condition's text is in the question and no system text is sent
    assert persona in messages["third-person"] and "this person" in messages["third-person"]
    assert system_text_for(persona, "third-person") is None and system_text_for(persona, "standard") == persona
    assert "Nothing more is known" in texts.question(dilemma.id, 1, "012345", "third-person", None)[0]
    assert persona not in messages["standard"]


def test_an_abstention_is_an_answer_counted_apart_and_never_scored(tmp_path):
    study, run_id = simulated_run(tmp_path, ["standard", "abstain"], {"abstain": ProtocolEffect(abstain=0.4)}, 7)
    frame = load_answer_frame(study, run_id)
    standard = frame.protocol.codes == PROTOCOL_IDS.index("standard")
    abstain = frame.protocol.codes == PROTOCOL_IDS.index("abstain")
    assert not frame.abstained[standard].any() and frame.valid[standard].all()
    share = frame.abstained[abstain].mean()
    assert 0.3 < share < 0.5  # 168 questions, planted 0.4
    assert np.isnan(frame.score[frame.abstained]).all()
    # an abstention chose the seventh option and was asked once: final, not re-asked as invalid
    rows = study.db.execute("SELECT choice, status, attempts FROM run_items WHERE outcome = 'abstained'").fetchall()
    assert rows and {(c, s, a) for c, s, a in rows} == {(6, "answered", 1)}
    from valuegap_tui.metrics.answers import invalid_rates

    assert invalid_rates(frame)["invalid"] == 0 and invalid_rates(frame)["abstained"] == pytest.approx(share / 2)
    views = study.db.execute("SELECT protocol, point FROM items WHERE option = 6").fetchall()
    assert views and {v for v in views} == {("abstain", None)}
    # the other options keep their points on the six-point scale, under abstain as under standard
    points = study.db.execute("SELECT protocol, option, point FROM answers WHERE outcome = 'valid'").fetchall()
    assert {p for _, _, p in points} <= set(range(1, 7)) and {pr for pr, _, _ in points} == {"standard", "abstain"}
    assert all(point == 6 - option for _, option, point in points)
    # and so does the export: the abstention has option 6, no label, no score and no point
    from valuegap_tui.export.rows import answer_dicts

    exported = [r for r in answer_dicts(study, [run_id]) if r["final"]]
    assert {r["protocol"] for r in exported} == {"standard", "abstain"}
    for r in exported:
        if r["outcome"] == "abstained":
            assert (r["option"], r["option_label"], r["score"], r["point"]) == (6, None, None, None)
            assert len(r["option_order"]) == 7 and r["protocol"] == "abstain"
        else:
            assert r["point"] == 6 - r["option"] and r["option_label"] is not None


def test_a_design_refuses_a_protocol_it_cannot_ask_in_one_line(tmp_path, monkeypatch):
    from valuegap_tui.designs.graded_actions.design import GradedActions

    monkeypatch.setattr(GradedActions, "protocols", lambda self: ("standard",))
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 2)
    with pytest.raises(PlanError) as caught:
        create_run(study, definition(protocols=["standard", "third-person"]))
    assert "cannot ask 'third-person'" in str(caught.value) and "\n" not in str(caught.value)
    assert run_store.list_runs(study) == []


@pytest.mark.parametrize("later", [(), (22,)], ids=["before-v021", "typed-views-first"])
def test_a_study_from_before_protocols_reads_as_standard(tmp_path, monkeypatch, later):
    """Migration v021 rebuilds run_items with the protocol: ids, answers and respondents' rows are kept,
    whether the study is older than the typed views (v022) or already has them; v023 puts the protocol
    in the views."""
    from valuegap_tui.store import db as study_db

    every = study_db._migrations()
    monkeypatch.setattr(study_db, "_migrations", lambda: [m for m in every if m[0] < 21 or m[0] in later])
    old = open_study(tmp_path / "old.db", create=True)
    seed_study(old, 2)
    from valuegap_tui.personas import baseline_persona
    from valuegap_tui.store import personas as persona_store

    persona_store.save(old, baseline_persona())
    with old.transaction() as db:
        run_id = db.execute("INSERT INTO runs (name, definition_json, config_hash, status, created_at, design)"
                            " VALUES ('old', ?, 'h', 'finished', '2026-01-01', 'graded_actions')",
                            [definition(repeats=1).to_json().replace('"protocols":["standard"],', "")]).lastrowid
        db.execute("INSERT INTO run_personas (run_id, persona_id, name, kind) VALUES (?, 'baseline', 'Baseline',"
                   " 'baseline')", [run_id])
        for row in old.db.execute("SELECT id, value_id, topic_id FROM dilemmas").fetchall():
            db.execute("INSERT INTO run_dilemmas (run_id, dilemma_id, value_id, topic_id, record_json)"
                       " VALUES (?, ?, ?, ?, '{}')", [run_id, *row])
            for question in (0, 1):
                item = db.execute("INSERT INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat,"
                                  " permutation, status, attempts, position, choice, score, outcome) VALUES"
                                  " (?, 'm', 'baseline', ?, ?, 0, '012345', 'answered', 1, 0, 0, 3, 'valid')",
                                  [run_id, row[0], question]).lastrowid
                db.execute("INSERT INTO run_responses (run_id, item_id, attempt, outcome, choice, score, created_at)"
                           " VALUES (?, ?, 1, 'valid', 0, 3, 'now')", [run_id, item])
    before = old.db.execute("SELECT id, dilemma_id, question FROM run_items ORDER BY id").fetchall()
    old.close()
    monkeypatch.setattr(study_db, "_migrations", lambda: every)

    study = open_study(tmp_path / "old.db")
    assert study.db.execute("SELECT id, dilemma_id, question FROM run_items ORDER BY id").fetchall() == before
    assert {r[0] for r in study.db.execute("SELECT protocol FROM run_items")} == {"standard"}
    assert study.db.execute("SELECT count(*) FROM run_responses").fetchone()[0] == 4
    assert study.db.execute("SELECT count(*) FROM answers WHERE protocol = 'standard'").fetchone()[0] == 4
    assert study.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert run_store.get_run(study, run_id).definition.protocols == ["standard"]
    frame = load_answer_frame(study, run_id)
    assert len(frame) == 4 and set(frame.protocol.decode()) == {"standard"}
    # a new run in the migrated study asks a second protocol beside the first, ids going on from the old ones
    new_run = create_run(study, definition(repeats=1, protocols=["standard", "paraphrase-1"]))
    assert min(i.id for i in run_store.all_items(study, new_run)) > before[-1][0]


def test_run_plan_says_the_item_count_multiplies_by_the_protocols(tmp_path, capsys):
    from valuegap_tui.cli import main

    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 3)
    toml = tmp_path / "run.toml"
    toml.write_text('repeats = 2\nprotocols = ["standard", "third-person"]\n[[models]]\nname = "m"\n'
                    'endpoints = ["http://127.0.0.1:9/v1"]\n')
    assert main(["run", "plan", str(toml), "--study", str(study.path)]) == 0
    out = capsys.readouterr().out
    assert "24 items (2 protocols: standard, third-person; every question is asked under each, so 2 times" in out
    toml.write_text('protocols = ["forced-choice"]\n[[models]]\nname = "m"\n')
    assert main(["run", "plan", str(toml), "--study", str(study.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown protocol 'forced-choice'" in err and "\n" not in err and "Traceback" not in err


def test_the_live_gap_is_under_the_reference_protocol_in_sql_and_in_the_frame(tmp_path):
    from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind
    from valuegap_tui.metrics.frame import select

    study, run_id = simulated_run(tmp_path, ["paraphrase-1", "standard"],
                                  {"paraphrase-1": ProtocolEffect(action_shift=0.6)})
    frame = load_answer_frame(study, run_id)
    standard = select(frame, frame.protocol.codes == PROTOCOL_IDS.index("standard"))
    live, from_frame, alone = live_gap_by_kind(study, run_id), gap_by_kind(frame), gap_by_kind(standard)
    assert len(live) == len(alone) == 1
    for got in (live[0], from_frame[0]):
        assert got.pairs == alone[0].pairs == 6
        assert got.alignment_rate == pytest.approx(alone[0].alignment_rate)
        assert got.alignment_distance == pytest.approx(alone[0].alignment_distance)
    # pooling the two protocols would have moved it: the planted shift makes paraphrase-1 differ
    from dataclasses import replace

    from valuegap_tui.metrics.frame import Codes

    pooled = gap_by_kind(replace(frame, protocol=Codes(np.zeros(len(frame), np.int32), ("standard",))))
    assert pooled[0].pairs == 6 and pooled[0].alignment_rate != pytest.approx(alone[0].alignment_rate)


def test_without_standard_the_live_gap_and_the_results_take_the_same_reference(tmp_path):
    """A run naming its protocols in another order than the catalogue's: the Runs screen's live gap (SQL)
    and the Results screen's tables take the same one, the first in the catalogue's order."""
    from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind
    from valuegap_tui.metrics.summary import compute_results

    study, run_id = simulated_run(tmp_path, ["paraphrase-2", "paraphrase-1"],
                                  {"paraphrase-1": ProtocolEffect(action_shift=0.6)})
    frame = load_answer_frame(study, run_id)
    assert compute_results(frame, bootstrap=False).protocol == "paraphrase-1"
    (live,), (from_frame,) = live_gap_by_kind(study, run_id), gap_by_kind(frame)
    assert live.alignment_rate == pytest.approx(from_frame.alignment_rate)
    assert live.alignment_distance == pytest.approx(from_frame.alignment_distance)


def test_run_status_and_run_list_name_the_ways_of_asking(tmp_path, capsys):
    from valuegap_tui.cli import main

    study, run_id = simulated_run(tmp_path, ["paraphrase-1", "standard"], {})
    study.close()
    where = ["--study", str(tmp_path / "s.db")]
    assert main(["run", "status", str(run_id), *where]) == 0
    out = capsys.readouterr().out
    assert "asked 2 ways: standard, paraphrase-1 (the metrics of each apart: Results tab 9" in out
    assert main(["run", "status", str(run_id), "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["protocols"] == ["standard", "paraphrase-1"]
    assert main(["run", "list", "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["protocols"] == ["standard", "paraphrase-1"]
