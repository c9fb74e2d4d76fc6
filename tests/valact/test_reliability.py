"""Reliability of the ValAct-style profiles and correlations disattenuated for it
(designs/valact/reliability.py, docs/designs.md "valact").

Measured before: with a planted stated-vs-enacted r of 0.79 and the shipped two-item questionnaire, the
mean r was 0.39-0.54 at 10-300 scenarios per value and its 95% interval covered 0.79 only 32-60% of the
time; two identical models gave a cross-model r of 0.33 / 0.61 / 0.84 / 0.94 at 10 / 30 / 100 / 300
scenarios per value. No reliability was reported."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.designs.valact.reliability import (LOW_RELIABILITY, corrected_r, enacted_profile, reliability,
                                                     stated_profile)
from tests.helpers.valact_reliability import (PLANTED, VALUES, identical_models, offered_and_chosen, stated_answers,
                                              true_enacted)


def test_stated_reliability_by_hand():
    # three values, two items each: item means (6, 4), (2, 2), (4, 6) -> scores 5, 2, 5
    # within-value squares 2 + 0 + 2 = 4 on 3 degrees of freedom: pooled 4/3; a score's error 4/3 / 2 = 2/3
    # scores' variance: mean 4, squares 1 + 4 + 1 = 6, / 2 = 3 -> reliability 1 - (2/3) / 3 = 7/9
    profile = stated_profile(["a", "a", "b", "b", "c", "c"], np.array([6.0, 4, 2, 2, 4, 6]), ["a", "b", "c"])
    assert profile.scores == pytest.approx([5, 2, 5])
    assert profile.error == pytest.approx([2 / 3] * 3)
    assert reliability(profile) == pytest.approx(7 / 9)
    # one item per value: no within-value spread to measure, no reliability
    assert math.isnan(reliability(stated_profile(["a", "b", "c"], np.array([6.0, 2, 4]), ["a", "b", "c"])))


def test_enacted_error_by_hand():
    # one value offered in three scenarios, answered 2, 2 and 1 times, chosen 2, 0 and 1 times: rate 3/5
    # deviations c - rate o: 2 - 1.2, 0 - 1.2, 1 - 0.6 -> squares 0.64 + 1.44 + 0.16 = 2.24
    # error 2.24 / 5^2 x 3 / 2 = 0.1344
    profile = enacted_profile(np.array([[2.0], [0], [1]]), np.array([[2.0], [2], [1]]))
    assert profile.scores == pytest.approx([0.6])
    assert profile.error == pytest.approx([2.24 / 25 * 1.5])
    assert profile.error_df == pytest.approx([2])


def test_disattenuated_r_by_hand():
    # x = (1, 2, 3, 4), y = (1, 3, 2, 4): covariance 4/3 and variances 5/3 each (observed r 0.8); errors
    # 1/3 on x and 2/3 on y -> true variances 4/3 and 1: r_dis = (4/3) / sqrt(4/3 x 1) = 1.1547 -> cut to 1
    # with a shared error covariance of 1/3 taken out: (1) / sqrt(4/3) = 0.866
    from valuegap_tui.designs.valact.reliability import Profile

    x = Profile(np.array([1.0, 2, 3, 4]), np.full(4, 1 / 3), np.full(4, 50.0))
    y = Profile(np.array([1.0, 3, 2, 4]), np.full(4, 2 / 3), np.full(4, 50.0))
    plain = corrected_r(x, y)
    assert plain.r == pytest.approx(0.8)
    assert plain.reliability_x == pytest.approx(1 - (1 / 3) / (5 / 3)) and plain.reliability_y == pytest.approx(0.6)
    assert plain.r_disattenuated == pytest.approx(1.0)
    shared = corrected_r(x, y, np.full(4, 1 / 3))
    assert shared.r_disattenuated == pytest.approx(1 / math.sqrt(4 / 3))


def test_the_reliabilities_are_split_half_reliabilities_in_expected_form():
    """The enacted reliability against the Spearman-Brown split-half over scenarios averaged over random
    splits, and the questionnaire's against the split-half over items (one item of each value per half)."""
    rng = np.random.default_rng(4)
    means, weights = PLANTED[0.79]
    chosen, offered, _ = offered_and_chosen(weights, 60, rng)
    halves = []
    for _ in range(300):
        half = rng.permutation(len(chosen)) < len(chosen) // 2
        a, b = (enacted_profile(chosen[h], offered[h]).scores for h in (half, ~half))
        r = np.corrcoef(a, b)[0, 1]
        halves.append(2 * r / (1 + r))
    assert reliability(enacted_profile(chosen, offered)) == pytest.approx(np.mean(halves), abs=0.05)
    values, answers = stated_answers(means, rng, items=8)
    halves = []
    for _ in range(300):
        first = np.concatenate([rng.permutation(8) < 4 for _ in range(10)])
        a, b = (stated_profile([v for v, f in zip(values, first) if f == keep], answers[first == keep], VALUES).scores
                for keep in (True, False))
        r = np.corrcoef(a, b)[0, 1]
        halves.append(2 * r / (1 + r))
    assert reliability(stated_profile(values, answers, VALUES)) == pytest.approx(np.mean(halves), abs=0.05)


@pytest.mark.parametrize("planted", [0.79, 0.36])
def test_the_disattenuated_r_covers_the_planted_r(planted):
    """200 simulated studies per size: the two-item questionnaire and 10 to 300 scenarios per value."""
    means, weights = PLANTED[planted]
    truth = float(np.corrcoef(means, true_enacted(weights))[0, 1])
    assert truth == pytest.approx(planted, abs=0.002)
    covered_all = []
    for per_value in (10, 30, 100, 300):
        rng = np.random.default_rng(per_value)
        observed, covered, undefined = [], [], 0
        for study in range(200):
            values, answers = stated_answers(means, rng)
            chosen, offered, _ = offered_and_chosen(weights, per_value, rng)
            found = corrected_r(stated_profile(values, answers, VALUES), enacted_profile(chosen, offered), seed=study)
            observed.append(found.r)
            if math.isnan(found.low):
                undefined += 1
                assert found.warning  # no disattenuated r: said, never silently
                continue
            covered.append(found.low <= truth <= found.high)
        assert np.mean(observed) < truth - 0.05  # the attenuation the correction undoes
        coverage = float(np.mean(covered))
        covered_all += covered
        assert 0.90 <= coverage <= 0.995, (per_value, coverage)
        assert undefined <= (90 if per_value == 10 else 25), (per_value, undefined)
    assert 0.93 <= np.mean(covered_all) <= 0.98, np.mean(covered_all)


def test_identical_models_have_a_disattenuated_profile_r_whose_interval_holds_1():
    weights = PLANTED[0.79][1]
    for per_value in (10, 30, 100, 300):
        observed, covered = identical_models(weights, per_value, 100, np.random.default_rng(100 + per_value))
        assert np.mean(covered) >= 0.93, (per_value, np.mean(covered))
        if per_value == 10:
            assert np.mean(observed) < 0.7  # the raw r of two identical models at 10 scenarios per value


def test_low_reliability_is_warned():
    rng = np.random.default_rng(9)
    means, weights = PLANTED[0.36]
    values, answers = stated_answers(means, rng)
    chosen, offered, _ = offered_and_chosen(weights, 4, rng)
    found = corrected_r(stated_profile(values, answers, VALUES), enacted_profile(chosen, offered))
    assert found.reliability_y < LOW_RELIABILITY
    assert "reliability below 0.5" in found.warning and "second profile" in found.warning
