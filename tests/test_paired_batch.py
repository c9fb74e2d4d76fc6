"""The conditions' intervals and tests computed together (metrics/paired_batch.py) are those computed one by
one: the same draws from the same stream, in the same order, and the same numbers up to rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.metrics.conditions import METRICS, conditions_table
from valuegap_tui.metrics.grid import build_grid
from valuegap_tui.metrics.items import build_items
from valuegap_tui.metrics.paired import Resampler, bootstrap_mean_interval, paired_difference, sign_flip_p_value
from valuegap_tui.metrics.paired_batch import PairedBatch
from valuegap_tui.metrics.synthetic import DEFAULT_CONDITIONS, PlantedCondition, synthetic_frame


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


def test_a_batch_answers_as_the_one_by_one_functions_with_the_same_draws():
    rng = np.random.default_rng(4)
    # lengths that share a weight matrix, need a new one, use the exact signs (<= 16 non-zero), and widen
    # the sign matrix (over 256, then over 512: a new matrix, with earlier questions on the old one)
    vectors = [rng.normal(size=n) for n in (30, 30, 7, 300, 12, 600, 30, 5)]
    vectors[4][:9] = 0.0  # three non-zero differences: exact enumeration
    batched, one = PairedBatch(Resampler(9)), Resampler(9)
    got, want = {}, {}
    for i, v in enumerate(vectors):
        batched.mean_interval(v, lambda low, high, i=i: got.__setitem__(("interval", i), (low, high)))
        want[("interval", i)] = bootstrap_mean_interval(v, one)
        batched.sign_flip(v, lambda p, i=i: got.__setitem__(("p", i), (p,)))
        want[("p", i)] = (sign_flip_p_value(v, one),)
    # nothing to flip, nothing to resample: answered at once (p = 1, NaN), drawing nothing
    batched.sign_flip(np.zeros(4), lambda p: got.__setitem__("zero", p))
    batched.mean_interval(np.zeros(0), lambda low, high: got.__setitem__("empty", (low, high)))
    assert got == {"zero": 1.0, "empty": got["empty"]} and all(math.isnan(x) for x in got.pop("empty"))
    got.pop("zero")
    batched.run()
    assert batched.resampler.rng.bit_generator.state == one.rng.bit_generator.state
    assert got.keys() == want.keys()
    for key, cells in want.items():
        assert all(close(a, b) for a, b in zip(got[key], cells)), (key, got[key], cells)
        if key[0] == "p":
            assert got[key] == cells


def test_paired_gives_the_interval_and_p_of_paired_difference():
    rng = np.random.default_rng(1)
    x, b = rng.random(400), rng.random(400)
    x[[3, 50]], b[7] = np.nan, np.nan
    batched = PairedBatch(Resampler(3))
    found = {}
    batched.paired(x, b, lambda *cells: found.__setitem__("x", cells))
    batched.paired(np.array([np.nan]), np.array([1.0]), lambda *cells: found.__setitem__("none", cells))  # never called
    same = rng.random(20)
    batched.paired(same, same.copy(), lambda *cells: found.__setitem__("same", cells))  # p = 1 with no draw
    batched.run()
    one = Resampler(3)
    want = {"x": paired_difference(x, b, one), "same": paired_difference(same, same.copy(), one)}
    assert found.keys() == want.keys()
    for key, diff in want.items():
        got = found[key]
        assert close(got[0], diff.low) and close(got[1], diff.high) and got[2] == diff.p_value
    assert found["same"] == (0.0, 0.0, 1.0)


def _conditions_one_by_one(grid, resampler: Resampler) -> dict:
    """The conditions' intervals and p as they were computed before the batch: one call per question."""
    out, paired = {}, grid.paired()
    for m, conditions in grid.present():
        for c in conditions:
            use = paired[m, c]
            has_baseline = bool(grid.has_baseline()[m]) and c != grid.baseline
            for prefix, _name in METRICS:
                x = getattr(grid, prefix)[m, c, use]
                if len(x) == 0:
                    continue
                cells = bootstrap_mean_interval(x, resampler)
                if has_baseline:
                    diff = paired_difference(x, getattr(grid, prefix)[m, grid.baseline, use], resampler)
                    cells += (diff.low, diff.high, diff.p_value)
                out[(grid.models[m], grid.conditions[c], prefix)] = cells
    return out


@pytest.mark.parametrize("invalid_rate", [0.0, 0.3])
def test_the_conditions_table_keeps_its_numbers_and_leaves_the_stream_where_it_was(invalid_rate):
    # two models, conditions answering different numbers of dilemmas (invalid answers): several weight
    # matrices, and the sign matrix widened part way through
    conditions = DEFAULT_CONDITIONS + (PlantedCondition("max-2", "max", (0.4, 0.3, 0.1, 0.1, 0.05, 0.05),
                                                        (0.05, 0.05, 0.1, 0.2, 0.3, 0.3)),)
    frame = synthetic_frame(conditions, models=("model-a", "model-b"), repeats=2, seed=5, invalid_rate=invalid_rate)
    items = build_items(frame)
    grid = build_grid(items)
    batched, one = Resampler(0), Resampler(0)
    table = conditions_table(grid, items, batched)
    want = _conditions_one_by_one(grid, one)
    assert batched.rng.bit_generator.state == one.rng.bit_generator.state  # the kinds' draws come after
    compared = 0
    for row in table.records():
        for prefix, _name in METRICS:
            cells = want[(row["model"], row["condition"], prefix)]
            got = (row[f"{prefix}_low"], row[f"{prefix}_high"])
            if len(cells) > 2:
                got += (row[f"{prefix}_change_low"], row[f"{prefix}_change_high"], row[f"{prefix}_change_p"])
                assert row[f"{prefix}_change_p"] == cells[4]
            else:
                assert math.isnan(row[f"{prefix}_change_p"])
            assert all(close(a, b) for a, b in zip(got, cells)), (row["condition"], prefix, got, cells)
            compared += 1
    assert compared == 2 * 2 * len(conditions)
