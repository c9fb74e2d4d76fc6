"""On a run against the simulated server, measured AR and AD match what its planted parameters imply."""

from __future__ import annotations

import asyncio

import numpy as np

from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import PlantedCondition, implied_metrics
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, expected_option_shares, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.dataset.transfer import read_dilemmas


def test_simulated_run_matches_planted_gap(study, sample_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    params = SimulatorParams(seed=4)
    with run_simulator(params, study_path=study.path) as simulator:
        definition = RunDefinition.model_validate(dict(
            models=[{"name": simulator.params.model_name, "endpoints": [simulator.base_url], "concurrency": 16}],
            dilemmas={"status": []}, seed=5, repeats=12))
        run_id = create_run(study, definition)

        assert asyncio.run(run_async(study, run_id)) == "finished"
    frame = frame_store.load_answer_frame(study, run_id)
    dilemmas = run_store.dilemmas_of(study, run_id)
    orders: dict[tuple[str, int], list[list[int]]] = {}
    for item in run_store.all_items(study, run_id):
        orders.setdefault((item.dilemma_id, item.question), []).append([int(c) for c in item.permutation])
    # what the simulator's exact answer probabilities imply, per dilemma, on this package's definitions
    implied = np.mean([implied_metrics(PlantedCondition(
        "baseline", "baseline",
        tuple(expected_option_shares(params, None, d.value, "value", orders[(i, 0)])),
        tuple(expected_option_shares(params, None, d.value, "action", orders[(i, 1)]))))
        for i, d in dilemmas.items()], axis=0)
    (row,) = compute_results(frame, aggregate="repeat", confidence=0.99).conditions.records()
    assert row["items"] == len(dilemmas) * 12
    assert row["ar_low"] <= implied[0] <= row["ar_high"], (implied, row)
    assert row["ad_low"] <= implied[1] <= row["ad_high"], (implied, row)
    assert implied[0] < 0.95  # a gap was planted
