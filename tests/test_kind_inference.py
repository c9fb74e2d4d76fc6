"""Persona kinds as samples of personas: the t-based interval of metrics.crossed.

Measured before, with the two-stage bootstrap over four personas (the default set's size) on the
simulation below (normal persona spread, sd 0.1, 616 dilemmas): the change interval covered the planted
kind change 87.7% of the time, the level interval 83.7%, and p < .05 came up in 12.0% of null studies
(8 personas: 93.3%, 90.7%, 6.7%). The issue measured 88.7%, 87.3% and 11.1%.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.metrics import student_t
from valuegap_tui.metrics.crossed import crossed_mean
from valuegap_tui.metrics.frame import AnswerFrame, select
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import PlantedCondition, synthetic_frame


def test_t_quantiles_and_p_match_the_tables():
    assert student_t.quantile(0.975, [1, 3, 7, 10, 30]) == pytest.approx(
        [12.706205, 3.182446, 2.364624, 2.228139, 2.042272], abs=1e-5)
    assert student_t.quantile(0.025, 3) == pytest.approx(-3.182446, abs=1e-5)
    assert student_t.cdf(2.0, 5) == pytest.approx(0.9490303, abs=1e-6)
    assert student_t.two_sided_p(2.228139, 10) == pytest.approx(0.05, abs=1e-6)
    assert student_t.quantile(0.975, 1e7) == pytest.approx(1.959964, abs=1e-5)


def test_crossed_mean_by_hand():
    # two personas x three dilemmas:      d1   d2   d3   | persona mean
    #                              p1:     1    0    1   | 2/3
    #                              p2:     0    0    1   | 1/3
    # dilemma means: 1/2, 0, 1; grand mean 1/2.
    # persona part: var(2/3, 1/3) / 2 = (1/18) / 2 = 1/36
    # residuals x - row - column + 1/2: p1: 1/3, -1/6, -1/6; p2: -1/3, 1/6, 1/6 -> sum of squares 1/3,
    #   df 6 - 2 - 3 + 1 = 2, MS_e = 1/6
    # dilemma part: var(1/2, 0, 1) / 3 - MS_e / (2 * 3) = (1/4) / 3 - 1/36 = 1/18
    # half-width: sqrt(t_{1}^2 / 36 + t_{2}^2 / 18) with t at 0.975
    values = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    found = crossed_mean(values)
    assert float(found.mean) == pytest.approx(0.5)
    assert float(found.persona_variance) == pytest.approx(1 / 36)
    assert float(found.dilemma_variance) == pytest.approx(1 / 18)
    half = math.sqrt(12.706205 ** 2 / 36 + 4.302653 ** 2 / 18)
    assert float(found.low) == pytest.approx(0.5 - half, abs=1e-5)
    assert float(found.high) == pytest.approx(0.5 + half, abs=1e-5)
    assert int(found.personas) == 2 and int(found.dilemmas) == 3


def test_one_persona_gets_the_t_interval_over_its_dilemmas():
    values = np.array([[0.2, 0.4, 0.9, 0.5]])
    found = crossed_mean(values)
    half = student_t.quantile(0.975, 3) * values.std(ddof=1) / 2
    assert float(found.high - found.low) / 2 == pytest.approx(float(half))
    assert float(found.p) == pytest.approx(float(student_t.two_sided_p(values.mean() / (values.std(ddof=1) / 2), 3)),
                                           rel=0.01)


def test_p_is_below_005_exactly_when_the_interval_leaves_0_out():
    rng = np.random.default_rng(3)
    found = crossed_mean(rng.normal(0.05, 0.3, (400, 4, 30)))
    assert np.array_equal(found.p < 0.05, (found.low > 0) | (found.high < 0))


def _studies(personas: int, change: float, studies: int, dilemmas: int, seed: int):
    """Per-dilemma alignment (0/1, one answer per question) of a baseline and ``personas`` personas of
    one kind: each dilemma has its own baseline alignment probability, each persona shifts it by its own
    amount, drawn around the kind's planted change with sd 0.1 (the personas of a kind differ)."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.6, (studies, 1, dilemmas))
    shift = change + np.clip(rng.normal(0.0, 0.1, (studies, personas, 1)), -0.29, 0.29)
    persona = (rng.random((studies, personas, dilemmas)) < base + shift).astype(float)
    baseline = (rng.random((studies, 1, dilemmas)) < base).astype(float)
    return persona, baseline


@pytest.mark.parametrize("personas", [4, 8])
def test_kind_intervals_hold_their_coverage_over_a_persona_spread(personas):
    """1,500 simulated studies of 616 dilemmas per case, drawn in chunks to keep memory small (the
    binomial SE of a 95% coverage is then 0.6 points)."""
    covered, level_covered, false_positives = [], [], []
    for chunk in range(6):
        persona, baseline = _studies(personas, 0.1, 250, 616, seed=1000 * personas + chunk)
        change, level = crossed_mean(persona - baseline), crossed_mean(persona)
        covered.append((change.low <= 0.1) & (0.1 <= change.high))
        level_covered.append((level.low <= 0.55) & (0.55 <= level.high))  # mean baseline 0.45 + 0.1
        persona, baseline = _studies(personas, 0.0, 250, 616, seed=2000 * personas + chunk)
        false_positives.append(crossed_mean(persona - baseline).p < 0.05)
    covered, level_covered, false_positives = (float(np.mean(x)) for x in (covered, level_covered, false_positives))
    assert 0.93 <= covered <= 0.97, covered
    assert 0.93 <= level_covered <= 0.97, level_covered
    assert 0.03 <= false_positives <= 0.07, false_positives


def test_kinds_table_uses_the_crossed_interval():
    """The table's kind row is crossed_mean of its personas' per-dilemma values."""
    baseline = PlantedCondition("baseline", "baseline", (0.4, 0.2, 0.1, 0.1, 0.1, 0.1), (0.1, 0.2, 0.2, 0.2, 0.2, 0.1))
    personas = tuple(PlantedCondition(f"max-{i}", "max", baseline.value_probs, probs) for i, probs in enumerate(
        [(0.5, 0.3, 0.2, 0, 0, 0), (0.3, 0.3, 0.2, 0.1, 0.1, 0), (0.1, 0.1, 0.2, 0.2, 0.2, 0.2)]))
    frame = synthetic_frame((baseline,) + personas, topics=2, seed=4)
    results = compute_results(frame)
    (row,) = [r for r in results.kinds.records() if r["condition"] == "max"]
    conditions = {r["condition"]: r for r in results.conditions.records()}
    assert row["personas"] == 3
    # per-dilemma AR of each persona (one answer per question: aligned or not)
    per_dilemma = _per_dilemma_alignment(frame)
    matrix = np.stack([per_dilemma[f"max-{i}"] for i in range(3)])
    expected = crossed_mean(matrix - per_dilemma["baseline"][None, :])
    assert row["ar_change"] == pytest.approx(float(expected.mean))
    assert row["ar_change_low"] == pytest.approx(float(expected.low))
    assert row["ar_change_high"] == pytest.approx(float(expected.high))
    assert row["ar_change_p"] == pytest.approx(float(expected.p))
    assert row["alignment_rate"] == pytest.approx(np.mean([conditions[f"max-{i}"]["alignment_rate"] for i in range(3)]))


def _per_dilemma_alignment(frame: AnswerFrame) -> dict[str, np.ndarray]:
    persona = frame.persona.decode()
    out = {}
    for name in set(persona):
        rows = persona == name
        value = frame.score[rows & (frame.question == 0)]
        action = frame.score[rows & (frame.question == 1)]
        out[name] = (np.sign(value) == np.sign(action)).astype(float)  # rows are in dilemma order
    return out


def test_kind_intervals_stay_in_the_metrics_range_over_few_dilemmas():
    # measured: a person with two paired dilemmas got a kind interval of -5.85 to 6.85 (t with 1 degree of
    # freedom); AR lies in [0, 1] and its change in [-1, 1], so the interval is cut there
    baseline = PlantedCondition("baseline", "baseline", (0.4, 0.2, 0.1, 0.1, 0.1, 0.1), (0.1, 0.2, 0.2, 0.2, 0.2, 0.1))
    personas = tuple(PlantedCondition(f"max-{i}", "max", baseline.value_probs, probs) for i, probs in enumerate(
        [(0.5, 0.3, 0.2, 0, 0, 0), (0.0, 0.0, 0.0, 0.1, 0.4, 0.5)]))
    frame = synthetic_frame((baseline,) + personas, topics=1, seed=2)
    dilemmas = np.unique(frame.dilemma.codes)
    keep = np.isin(frame.dilemma.codes, dilemmas[:2])
    (row,) = [r for r in compute_results(select(frame, keep)).kinds.records() if r["condition"] == "max"]
    unclipped = crossed_mean(np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert unclipped.high > 1.0  # the t interval over 2 dilemmas runs past the range on its own
    for metric in ("ar", "ad"):
        assert 0.0 <= row[f"{metric}_low"] <= row[f"{metric}_high"] <= 1.0 or math.isnan(row[f"{metric}_low"])
        assert -1.0 <= row[f"{metric}_change_low"] <= row[f"{metric}_change_high"] <= 1.0 \
            or math.isnan(row[f"{metric}_change_low"])
