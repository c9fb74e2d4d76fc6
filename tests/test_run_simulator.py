"""Evaluation against the simulated server: planted position bias and gap come back; faults are survived."""

from __future__ import annotations

import asyncio
import math

import numpy as np

from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import (
    SimulatorParams,
    expected_gap,
    expected_option_shares,
    expected_position_shares,
    run_simulator,
)
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.dataset.transfer import read_dilemmas


def run_against(study, simulator, **definition):
    base = dict(models=[{"name": simulator.params.model_name, "endpoints": [simulator.base_url], "concurrency": 16}],
                dilemmas={"status": []}, seed=11)
    base.update(definition)
    run_id = create_run(study, RunDefinition.model_validate(base))

    return run_id, asyncio.run(run_async(study, run_id))


def test_planted_position_bias_and_gap_are_measured(study, sample_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    params = SimulatorParams(seed=3, position_bias=(1.8, 1.0, 1.0, 1.0, 1.0, 1.3))
    with run_simulator(params, study_path=study.path) as simulator:
        run_id, status = run_against(study, simulator, repeats=30)
    assert status == "finished"
    frame = frame_store.load_answer_frame(study, run_id)
    assert frame.valid.all()
    items = run_store.all_items(study, run_id)
    dilemmas = run_store.dilemmas_of(study, run_id)
    orders: dict[tuple[str, int], list[list[int]]] = {}
    for item in items:
        orders.setdefault((item.dilemma_id, item.question), []).append([int(c) for c in item.permutation])

    # Position bias: share of answers at each letter vs the simulator's exact expectation.
    expected_positions = np.mean([expected_position_shares(params, None, dilemmas[d].value,
                                                           ("value", "action")[q], perms)
                                  for (d, q), perms in orders.items()], axis=0)
    n = len(frame)
    measured = np.bincount(frame.position, minlength=6) / n
    tolerance = 4 * np.sqrt(expected_positions * (1 - expected_positions) / n)
    assert np.all(np.abs(measured - expected_positions) < tolerance), (measured, expected_positions)
    assert expected_positions[0] > 1.2 / 6 and measured[0] > 1 / 6  # the bias is really there

    # Gap: alignment rate and distance of pairs vs the exact expectation per dilemma.
    expectations = []
    for dilemma_id, dilemma in dilemmas.items():
        v = expected_option_shares(params, None, dilemma.value, "value", orders[(dilemma_id, 0)])
        a = expected_option_shares(params, None, dilemma.value, "action", orders[(dilemma_id, 1)])
        expectations.append(expected_gap(v, a))
    expected_rate, expected_distance = np.mean(expectations, axis=0)
    # The simulator's expectation is per answer pair: pair repeat r of the value question with repeat
    # r of the action question, and measure |v - a| / 6 on the +-3 scale as it does.
    pairs = {}
    for d, q, r, score in zip(frame.dilemma.codes, frame.question, frame.repeat, frame.score):
        pairs.setdefault((d, r), [None, None])[q] = score
    v, a = np.array([p[0] for p in pairs.values()]), np.array([p[1] for p in pairs.values()])
    half_width = 4 * 0.5 / math.sqrt(len(pairs))  # both are means of values in [0, 1]
    assert len(pairs) == len(dilemmas) * 30
    assert abs(np.mean(np.sign(v) == np.sign(a)) - expected_rate) < half_width
    assert abs(np.mean(np.abs(v - a)) / 6 - expected_distance) < half_width
    assert expected_rate < 0.9  # a gap was planted and the measure sees it


def test_twenty_percent_faults_run_completes_and_faults_are_counted(study, sample_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    params = SimulatorParams(seed=5, fault_429=0.05, fault_500=0.1, fault_malformed=0.05)
    with run_simulator(params, study_path=study.path) as simulator:
        run_id, status = run_against(study, simulator, repeats=6, max_attempts=6)
        faults = dict(simulator.stats.faults)
        requests = simulator.stats.requests
    assert status == "finished"
    progress = progress_store.progress(study, run_id)
    assert progress.pending == 0 and progress.answered == progress.total == 8 * 2 * 6
    share = sum(faults.values()) / requests
    assert abs(share - 0.2) < 4 * math.sqrt(0.2 * 0.8 / requests)
    # 429 and 500 are retried inside the client; malformed replies reach the run as invalid attempts,
    # stored and asked again: every fault is accounted for, no item is lost.
    invalid_attempts = progress.responses - progress.outcomes["valid"]
    assert progress.outcomes["valid"] == progress.total
    assert 0 < invalid_attempts <= faults.get("malformed", 0)
    assert requests == progress.responses + faults.get("429", 0) + faults.get("500", 0)
