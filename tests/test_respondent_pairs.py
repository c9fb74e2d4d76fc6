"""Paired comparisons between respondents (metrics.between): a hand-worked run, and simulated studies in
which planted differences are recovered with about 95% coverage and a planted null gives about 5% false
positives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.helpers.metric_rows import pair
from valuegap_tui.metrics.between import MODELS, PEOPLE, default_condition, paired_comparisons
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.multiplicity import benjamini_hochberg, holm
from valuegap_tui.metrics.paired import Resampler, bootstrap_mean_interval
from valuegap_tui.metrics.synthetic_respondents import planted_differences, population, simulated_run

# One answer per side unless said. Choice c is point 6 - c; value answers are all 0 (strongly agree).
#            action choice: AR, AD
# model a    d1: 0 (1, 0) and, in repeat 1 (an order no person saw), 5 -> pairs over both: AR .5, AD .5
#            d2: 1 (1, .2)   d3: 2 (1, .4)   d4: 5 (0, 1)
# model b    d1: 5 (0, 1)    d2: 0 (1, 0)    d3: 3 (0, .6)   d4: 5 (0, 1)
# ann        d1: 0 (1, 0)    d2: 5 (0, 1)
# bob        d1: 5 (0, 1)    and the value question of d3 only (no pair yet)
# a's persona p1 (opposite answers everywhere) is another condition: left out of the baseline's comparisons.
HAND = (pair("d1", 0, 0, model="a") + pair("d1", 0, 5, model="a", repeat=1) + pair("d2", 0, 1, model="a")
        + pair("d3", 0, 2, model="a") + pair("d4", 0, 5, model="a")
        + [r for d in ("d1", "d2", "d3", "d4") for r in pair(d, 0, 5, model="a", persona="p1", kind="moderate")]
        + pair("d1", 0, 5, model="b") + pair("d2", 0, 0, model="b") + pair("d3", 0, 3, model="b")
        + pair("d4", 0, 5, model="b")
        + pair("d1", 0, 0, model="human:ann") + pair("d2", 0, 5, model="human:ann")
        + pair("d1", 0, 5, model="human:bob") + pair("d3", 0, 0, model="human:bob")[:1])


def _rows():
    table = paired_comparisons(AnswerFrame.from_rows(HAND))
    return {(r["first"], r["second"]): r for r in table.records()}, table


def test_model_with_model_by_hand():
    rows, table = _rows()
    assert table.title.endswith("baseline") and default_condition(AnswerFrame.from_rows(HAND)) == "baseline"
    ab = rows[("a", "b")]
    assert ab["comparison"] == MODELS and ab["dilemmas"] == 4
    # AR: a (.5, 1, 1, 0), b (0, 1, 0, 0): d = (.5, 0, 1, 0), mean .375
    assert ab["ar_first"] == pytest.approx(2.5 / 4) and ab["ar_second"] == pytest.approx(1 / 4)
    assert ab["ar_difference"] == pytest.approx(0.375)
    # exact sign flips of the two non-zero d (.5, 1): |sum| >= 1.5 in 2 of 4 patterns
    assert ab["ar_p"] == pytest.approx(0.5)
    # AD: a (.5, .2, .4, 1), b (1, 0, .6, 1): d = (-.5, .2, -.2, 0), mean -.125; of the 8 patterns of
    # (.5, .2, .2), |sum| >= .5 in 6: p = .75
    assert ab["ad_difference"] == pytest.approx(-0.125) and ab["ad_p"] == pytest.approx(0.75)
    sd = np.std([-0.5, 0.2, -0.2, 0], ddof=1)
    assert ab["ad_dz"] == pytest.approx(-0.125 / sd)
    # the interval is the project's paired bootstrap of the per-dilemma differences
    low, high = bootstrap_mean_interval(np.array([0.5, 0, 1, 0]), Resampler(0))
    assert (ab["ar_low"], ab["ar_high"]) == pytest.approx((low, high))
    assert math.isnan(ab["people"]) and math.isnan(ab["ar_percentile_among_people"])


def test_model_with_people_by_hand():
    rows, _ = _rows()
    a, b = rows[("a", "people")], rows[("b", "people")]
    assert a["comparison"] == b["comparison"] == PEOPLE
    # shared dilemmas: d1 (ann and bob) and d2 (ann); people's mean AR d1 .5, d2 0; AD d1 .5, d2 1.
    # a on the people's option orders only (repeat 0): d1 AR 1 AD 0, d2 AR 1 AD .2
    assert a["dilemmas"] == 2 and a["people"] == 2
    assert a["ar_first"] == 1.0 and a["ar_second"] == pytest.approx(0.25)
    assert a["ar_difference"] == pytest.approx(0.75) and a["ad_difference"] == pytest.approx(-0.65)
    assert a["ar_p"] == pytest.approx(0.5) and a["ad_p"] == pytest.approx(0.5)
    # b: d1 AR 0 AD 1, d2 AR 1 AD 0: d AR (-.5, 1), AD (.5, -1): |sum| >= .5 in all 4 patterns
    assert b["ar_difference"] == pytest.approx(0.25) and b["ad_difference"] == pytest.approx(-0.25)
    assert b["ar_p"] == 1.0 and b["ad_p"] == 1.0
    # percentiles on the same items: a's AR beats ann (1 vs .5 on d1-d2) and bob (1 vs 0 on d1); its AD
    # (.1 vs .5; 0 vs 1) is below both. b ties ann (.5 vs .5) and bob (0 vs 0) on AR and AD: half each.
    assert a["ar_percentile_among_people"] == 1.0 and a["ad_percentile_among_people"] == 0.0
    assert b["ar_percentile_among_people"] == 0.5 and b["ad_percentile_among_people"] == 0.5


def test_holm_and_bh_over_every_comparison():
    _, table = _rows()
    records = table.records()
    assert [r["comparison"] for r in records] == [MODELS, PEOPLE, PEOPLE]
    for prefix in ("ar", "ad"):
        p = np.array([r[f"{prefix}_p"] for r in records])
        assert [r[f"{prefix}_p_holm"] for r in records] == pytest.approx(holm(p).tolist())
        assert [r[f"{prefix}_p_bh"] for r in records] == pytest.approx(benjamini_hochberg(p).tolist())
    # AR: p = (.5, .5, 1): Holm 1, 1, 1; BH .75, .75, 1
    assert [r["ar_p_bh"] for r in records] == pytest.approx([0.75, 0.75, 1.0])


def test_another_condition_and_no_bootstrap():
    frame = AnswerFrame.from_rows(HAND)
    persona = {(r["first"], r["second"]): r for r in paired_comparisons(frame, condition="p1").records()}
    assert list(persona) == []  # only a answered p1: nothing to pair
    quick = paired_comparisons(frame, bootstrap=False).records()
    assert quick[0]["ar_difference"] == pytest.approx(0.375) and math.isnan(quick[0]["ar_low"])
    assert math.isnan(quick[0]["ar_p"])


def test_empty_and_single_respondent_frames():
    assert paired_comparisons(AnswerFrame.from_rows([])).rows == []
    one = AnswerFrame.from_rows(pair("d1", 0, 0, model="a"))
    assert paired_comparisons(one).rows == []
    # a person with a value answer only: no paired item, nothing to compare, no error
    half = AnswerFrame.from_rows(pair("d1", 0, 0, model="a") + pair("d1", 0, 0, model="human:x")[:1])
    assert paired_comparisons(half).rows == []


# ---- simulated studies (metrics.synthetic_respondents; full-size figures: bench/respondent_pairs.py) ----


def _simulate(null, studies=200, seed=11):
    """Two models (asked three times) and five people (once) on 40 dilemmas drawn from 300 types."""
    behaviour = population(seed, null)
    rng = np.random.default_rng(seed + 1)
    results = []
    for s in range(studies):
        table = paired_comparisons(simulated_run(rng, behaviour), seed=s)
        results.append({(r["first"], r["second"]): r for r in table.records()})
    return planted_differences(behaviour), results


def test_simulated_planted_differences_are_covered_about_95_percent():
    planted, results = _simulate(null=False)
    assert abs(planted[("a", "b", "ar")]) > 0.1 and abs(planted[("a", "people", "ad")]) > 0.05  # real differences
    rates = {}
    for (first, second, metric), truth in planted.items():
        inside = [r[(first, second)][f"{metric}_low"] <= truth <= r[(first, second)][f"{metric}_high"]
                  for r in results]
        rates[(first, second, metric)] = float(np.mean(inside))
    print("coverage", rates)
    assert all(0.88 <= rate <= 0.99 for rate in rates.values()), rates
    assert 0.92 <= np.mean(list(rates.values())) <= 0.975, rates
    # the estimates centre on the planted differences (within 4 standard errors of their mean)
    for (first, second, metric), truth in planted.items():
        estimates = np.array([r[(first, second)][f"{metric}_difference"] for r in results])
        assert abs(estimates.mean() - truth) < 4 * estimates.std(ddof=1) / np.sqrt(len(estimates)), (first, second, metric)


def test_simulated_null_gives_about_5_percent_false_positives():
    planted, results = _simulate(null=True, seed=23)
    assert all(abs(truth) < 1e-12 for truth in planted.values())
    rates = {(first, second, metric): float(np.mean([r[(first, second)][f"{metric}_p"] <= 0.05 for r in results]))
             for first, second, metric in planted}
    print("false positives", rates)
    assert all(rate <= 0.095 for rate in rates.values()), rates
    assert 0.02 <= np.mean(list(rates.values())) <= 0.08, rates
    # Holm over the three comparisons keeps the chance of any false rejection near 5% per metric
    for metric in ("ar", "ad"):
        any_holm = np.mean([min(row[f"{metric}_p_holm"] for row in r.values()) <= 0.05 for r in results])
        assert any_holm <= 0.08, (metric, any_holm)


@pytest.mark.parametrize("aggregate", ["pairs", "cell_mean", "majority", "repeat"])
@pytest.mark.parametrize("expected", [False, True])
def test_comparisons_follow_the_items_of_any_estimand(aggregate, expected):
    """Whatever the estimand of the repeats (and with logprob distributions), a comparison's levels are
    the means of metrics.items' per-item AR and AD over the shared dilemmas."""
    from valuegap_tui.metrics.items import build_items

    if expected and aggregate == "majority":
        return  # not defined: distributions are averaged, not voted
    spread = [0.4, 0.3, 0.1, 0.1, 0.05, 0.05]
    rows = [dict(r, distribution=spread if expected and r["model"] == "a" else None) for r in HAND]
    frame = AnswerFrame.from_rows(rows)
    records = {(r["first"], r["second"]): r for r in paired_comparisons(frame, aggregate, expected).records()}
    items = build_items(frame, aggregate, expected)
    model, persona = items.codes["model"], items.codes["persona"]
    baseline = persona == frame.persona.labels.index("baseline")
    for name, other in (("a", "b"),):
        own = baseline & (model == frame.model.labels.index(name))
        theirs = baseline & (model == frame.model.labels.index(other))
        shared = np.intersect1d(items.codes["dilemma"][own], items.codes["dilemma"][theirs])
        mine = own & np.isin(items.codes["dilemma"], shared)
        # one item per dilemma, except "repeat" (one per repeat pair): a dilemma's value is their mean
        per_dilemma = [items.aligns[mine & (items.codes["dilemma"] == d)].mean() for d in shared]
        assert records[(name, other)]["ar_first"] == pytest.approx(np.mean(per_dilemma))
