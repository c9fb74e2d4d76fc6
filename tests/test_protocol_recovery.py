"""Planted protocol effects, recovered by the protocol tables (metrics/protocols.py).

The simulator shifts the action choice toward opposing under one protocol and abstains with a planted
probability where the abstain protocol offers it; the tables must find both again within their
sampling error, flag direction flips where the planted changes really turn around, and, with nothing
planted, flag no more than chance would.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.runs import VALUES, definition
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.paired import Resampler
from valuegap_tui.metrics.protocols import protocol_results
from valuegap_tui.personas import default_personas
from valuegap_tui.simulator.behaviour import action_distribution, expected_gap, value_distribution
from valuegap_tui.simulator.inprocess import SimulatorClient
from valuegap_tui.simulator.params import ProtocolEffect, SimulatorParams
from valuegap_tui.simulator.respondent import Simulator
from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, sample_frame
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.answer_frame import load_answer_frame

FLAT = (1.0,) * 6  # no position bias: a cell's expected gap is that of its option probabilities
PROTOCOLS = ("standard", "paraphrase-1", "paraphrase-2")


def expected_ar(params, levels, values, protocol) -> float:
    """The mean over dilemmas of the exact AR of each cell (the ``pairs`` estimand)."""
    return float(np.mean([expected_gap(value_distribution(params, levels, v, protocol),
                                       action_distribution(params, levels, v, protocol))[0] for v in values]))


def personas(n_per_kind: int = 3) -> list[SampledPersona]:
    found, per_kind = [SampledPersona("baseline", "baseline", {})], {}
    for p in default_personas():
        kind = str(getattr(p.kind, "value", p.kind))
        if p.id != "baseline" and per_kind.get(kind, 0) < n_per_kind:
            per_kind[kind] = per_kind.get(kind, 0) + 1
            found.append(SampledPersona(p.id, kind, dict(p.levels)))
    return found


def seed_distinct(study, n: int) -> None:
    """``n`` accepted dilemmas, each with a scenario and actions of its own (the simulator tells the
    dilemma of an action question by them)."""
    from valuegap_tui.designs.graded_actions.models import DilemmaStatus
    from valuegap_tui.store import dilemmas as dilemma_store

    found = []
    for i in range(n):
        d = make_dilemma(value=VALUES[i % len(VALUES)], topic="politics", variant=1 + i // len(VALUES),
                         scenario=f"You face choice number {i}.", texts=[f"Action {k} of dilemma {i}" for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED
        found.append(d)
    dilemma_store.save_many(study, found, who="test", action="import")


def within(recovered: float, low: float, high: float, planted: float) -> bool:
    """The planted value lies within 3 standard errors (the 95% interval's half-width / 1.96) of the
    recovered one."""
    return abs(recovered - planted) <= 3 * (high - low) / 2 / 1.96


def test_a_served_run_recovers_a_planted_action_shift_and_abstention_share(tmp_path):
    """End to end: planned, asked in each protocol's words, read, stored, loaded and tabled."""
    study = open_study(tmp_path / "s.db", create=True)
    seed_distinct(study, 36)
    run_id = create_run(study, definition(repeats=6, protocols=["standard", "paraphrase-1", "abstain"]))
    params = SimulatorParams(position_bias=FLAT, protocol_effects={
        "paraphrase-1": ProtocolEffect(action_shift=0.4), "abstain": ProtocolEffect(abstain=0.3)})
    simulator = Simulator(params)
    dilemmas = run_store.dilemmas_of(study, run_id)
    for d in dilemmas.values():
        simulator.remember(d.value, d.scenario, {o.text: o.label.rank for o in d.options})
    assert asyncio.run(execute_run(study, run_id, {"m": SimulatorClient(simulator, "m")})) == "finished"
    results = protocol_results(load_answer_frame(study, run_id), resampler=Resampler(0))
    rows = {r["protocol"]: r for r in results.by_protocol.records()}
    values = [d.value for d in dilemmas.values()]
    for protocol in ("standard", "paraphrase-1", "abstain"):
        planted = expected_ar(params, {}, values, protocol)
        r = rows[protocol]
        assert within(r["alignment_rate"], r["ar_low"], r["ar_high"], planted), (protocol, r, planted)
    # the shift moved AR by what was planted: the paired difference against standard
    (shift,) = [r for r in results.spread.records() if r["protocol"] == "paraphrase-1"]
    planted_change = expected_ar(params, {}, values, "paraphrase-1") - expected_ar(params, {}, values, "standard")
    assert planted_change < -0.1 and within(shift["ar_difference"], shift["ar_low"], shift["ar_high"], planted_change)
    assert shift["ar_p"] < 0.01
    # abstentions: 36 dilemmas x 6 repeats per question at a planted 0.3 (binomial sd 0.031)
    for question in ("value", "action"):
        assert abs(rows["abstain"][f"abstained_{question}"] - 0.3) < 3 * math.sqrt(0.3 * 0.7 / 216)
    assert rows["standard"]["abstained"] == 0 == rows["paraphrase-1"]["abstained"]


@pytest.fixture(scope="module")
def sampled():
    """Frames sampled straight from the behaviour model (no HTTP): 10 conditions x 112 dilemmas x 3
    protocols x 3 repeats, with nothing planted and with a planted persona-only action shift."""
    people, dilemmas = personas(), catalogue_dilemmas(topics=2)
    # personas lower the gap clearly (so their change against baseline is clearly positive), and the
    # planted protocol turns some of them around
    null = SimulatorParams(position_bias=FLAT, persona_gap_reduction=0.9, incongruity_gap=0.0)
    planted = null.model_copy(update={"protocol_effects": {
        "paraphrase-1": ProtocolEffect(action_shift=0.7, personas_only=True)}})
    frames = {name: sample_frame(params, people, dilemmas, repeats=3, protocols=PROTOCOLS)
              for name, params in (("null", null), ("planted", planted))}
    return people, dilemmas, {"null": null, "planted": planted}, frames


def _changes(params, people, dilemmas):
    """(condition, protocol) -> the planted change of AR against baseline, exactly."""
    values = [d.value for d in dilemmas]
    base = {p: expected_ar(params, {}, values, p) for p in PROTOCOLS}
    return {(person.id, p): expected_ar(params, person.levels, values, p) - base[p]
            for person in people[1:] for p in PROTOCOLS}


def test_the_change_against_baseline_under_each_protocol_is_recovered(sampled):
    people, dilemmas, params, frames = sampled
    results = protocol_results(frames["planted"], resampler=Resampler(0))
    planted = _changes(params["planted"], people, dilemmas)
    rows = [r for r in results.flips.records() if r["level"] == "condition"]
    assert len(rows) == len(planted)
    misses = [r for r in rows if not within(r["ar_change"], r["ar_low"], r["ar_high"],
                                            planted[(r["group"], r["protocol"])])]
    assert len(misses) <= 1, misses  # 27 changes, each within 3 standard errors


def test_flips_are_flagged_where_the_planted_changes_turn_around_and_only_there(sampled):
    people, dilemmas, params, frames = sampled
    planted = _changes(params["planted"], people, dilemmas)
    flagged = {group for _m, level, group, metric in protocol_results(
        frames["planted"], resampler=Resampler(0)).flagged() if level == "condition" and metric == "AR"}
    # a clear reversal: at least 0.1 each way (about 3 standard errors at this size)
    turns = {person.id for person in people[1:]
             if min(planted[(person.id, p)] for p in PROTOCOLS) < -0.1 < 0.1 < max(planted[(person.id, p)]
                                                                                for p in PROTOCOLS)}
    assert turns, "the planted shift turns some persona's change around"
    assert turns <= flagged  # clear reversals are found
    for group in flagged:  # and every flag is a real reversal
        changes = [planted[(group, p)] for p in PROTOCOLS]
        assert min(changes) < 0 < max(changes), (group, changes)


def test_with_nothing_planted_no_more_flips_than_chance(sampled):
    people, _dilemmas, _params, frames = sampled
    results = protocol_results(frames["null"], resampler=Resampler(0))
    groups = {(r["level"], r["group"]) for r in results.flips.records()}
    tests = 2 * len(groups)  # AR and AD of every condition and kind
    # a flip needs two intervals excluding 0 in opposite directions; even counting any interval that
    # wrongly excludes 0 (p <= 0.05 per test), 99% of null runs flag at most this many
    limit = next(k for k in range(tests + 1)
                 if sum(math.comb(tests, j) * 0.05 ** j * 0.95 ** (tests - j) for j in range(k + 1)) >= 0.99)
    assert len(results.flagged()) <= limit
    # and the planted run flags more than that: the test can tell the two apart
    assert len(protocol_results(frames["planted"], resampler=Resampler(0)).flagged()) > limit


def _simulate_args(*flags):
    import argparse

    from valuegap_tui.cli import simulate

    parser = argparse.ArgumentParser()
    simulate.register(parser.add_subparsers())
    return simulate._params(parser.parse_args(["simulate", *flags]))


def test_valuegap_simulate_takes_planted_protocol_effects():
    params = _simulate_args("--protocol-effect", "paraphrase-1:action_shift=0.3,personas_only=yes",
                            "--protocol-effect", "abstain:abstain=0.2")
    assert params.protocol_effects == {"paraphrase-1": ProtocolEffect(action_shift=0.3, personas_only=True),
                                       "abstain": ProtocolEffect(abstain=0.2)}
    assert _simulate_args().protocol_effects == {}


@pytest.mark.parametrize("text, says", [
    ("paraphrase-9:action_shift=0.3", "unknown protocol 'paraphrase-9'"),
    ("paraphrase-1", "PROTOCOL:NAME=VALUE"),
    ("paraphrase-1:shift=0.3", "unknown effect 'shift'"),
    ("paraphrase-1:action_shift=lots", "action_shift"),
    ("abstain:abstain=1.5", "abstain"),
])
def test_a_bad_protocol_effect_is_refused_in_one_line(text, says, capsys):
    from valuegap_tui.cli import main

    assert main(["simulate", "--port", "0", "--protocol-effect", text]) != 0
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err and "Traceback" not in err
