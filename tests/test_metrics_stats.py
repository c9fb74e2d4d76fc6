"""Bootstrap intervals and the paired test behave, and measured AR/AD recover planted probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from valuegap_tui.metrics.paired import Resampler, paired_difference, sign_flip_p_value
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import DEFAULT_CONDITIONS, PlantedCondition, implied_metrics, synthetic_frame


def test_sign_flip_exact_small_sample():
    # d = (1, 1, 1): of the 2^3 sign patterns only +++ and --- reach |sum| >= 3 -> p = 2/8
    assert sign_flip_p_value(np.array([1.0, 1.0, 1.0]), Resampler()) == pytest.approx(0.25)
    # d = (1, -1): observed sum 0, every pattern is at least as extreme -> p = 1
    assert sign_flip_p_value(np.array([1.0, -1.0]), Resampler()) == 1.0
    # zeros carry no sign information and are dropped: (2, 0, 0) -> patterns +2, -2 -> p = 1
    assert sign_flip_p_value(np.array([2.0, 0.0, 0.0]), Resampler()) == 1.0


def test_identical_conditions_interval_covers_zero():
    same = DEFAULT_CONDITIONS[0]
    twin = PlantedCondition("twin", "moderate", same.value_probs, same.action_probs)
    frame = synthetic_frame((same, twin), seed=3)
    row = compute_results(frame).conditions.records()[1]
    assert row["condition"] == "twin"
    assert row["ar_change_low"] <= 0 <= row["ar_change_high"]
    assert row["ad_change_low"] <= 0 <= row["ad_change_high"]
    assert row["ar_change_p"] > 0.05 and row["ad_change_p"] > 0.05


def test_same_answers_give_zero_difference_and_p_one():
    values = np.array([1.0, 0.0, 1.0, 1.0])
    diff = paired_difference(values, values.copy(), Resampler())
    assert (diff.mean, diff.low, diff.high, diff.p_value, diff.dilemmas) == (0, 0, 0, 1.0, 4)


def test_planted_large_difference_is_significant():
    baseline = PlantedCondition("baseline", "baseline", (0.5, 0.2, 0.1, 0.05, 0.05, 0.1), (0.05, 0.05, 0.1, 0.2, 0.3, 0.3))
    aligned = PlantedCondition("aligned", "max", baseline.value_probs, baseline.value_probs)
    row = compute_results(synthetic_frame((baseline, aligned), seed=1)).conditions.records()[1]
    # implied AR goes from about 0.27 to about 0.64: the interval excludes 0 and the test rejects
    assert row["ar_change_low"] > 0.2 and row["ar_change_p"] < 0.001
    assert row["ad_change_high"] < 0 and row["ad_change_p"] < 0.001


@pytest.mark.parametrize("aggregate", ["repeat", "pairs"])
def test_measured_metrics_match_planted_probabilities(aggregate):
    """With one repeat, an item pairs one value and one independent action answer, so AR and AD estimate
    implied_metrics exactly; the bootstrap interval over dilemmas covers the implied value. Eight intervals
    are checked at once, so each has coverage 1 - 0.05/8 (Bonferroni) for a 95% chance that all cover."""
    frame = synthetic_frame(DEFAULT_CONDITIONS, repeats=1, invalid_rate=0.02, seed=7)
    results = compute_results(frame, aggregate=aggregate, confidence=1 - 0.05 / 8)
    rows = {r["condition"]: r for r in results.conditions.records()}
    for condition in DEFAULT_CONDITIONS:
        ar, ad = implied_metrics(condition)
        row = rows[condition.persona]
        assert row["ar_low"] <= ar <= row["ar_high"], (condition.persona, ar, row)
        assert row["ad_low"] <= ad <= row["ad_high"], (condition.persona, ad, row)


def test_repeat_pairs_match_planted_probabilities_with_repeats():
    frame = synthetic_frame(DEFAULT_CONDITIONS[:2], repeats=4, seed=11)
    results = compute_results(frame, aggregate="repeat", confidence=1 - 0.05 / 4)
    rows = {r["condition"]: r for r in results.conditions.records()}
    for condition in DEFAULT_CONDITIONS[:2]:
        ar, ad = implied_metrics(condition)
        assert rows[condition.persona]["ar_low"] <= ar <= rows[condition.persona]["ar_high"]
        assert rows[condition.persona]["ad_low"] <= ad <= rows[condition.persona]["ad_high"]


def test_answer_distribution_recovers_planted_shares():
    condition = DEFAULT_CONDITIONS[0]
    results = compute_results(synthetic_frame((condition,), repeats=5, seed=2), bootstrap=False)
    choices, positions = results.choices["model-a"], results.positions["model-a"]  # per model
    assert choices["value"] == pytest.approx(np.array(condition.value_probs), abs=0.02)
    assert choices["action"] == pytest.approx(np.array(condition.action_probs), abs=0.02)
    assert positions["value"] == pytest.approx(np.full(6, 1 / 6), abs=0.02)
