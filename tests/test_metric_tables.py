"""The tables researchers publish: per model, per condition, level and change on the same dilemmas,
persona kinds as means over personas, per-value inference with adjusted p-values and rank intervals.

Hand-worked: single repeats, so an item aligns (1) or not (0) and AD = |v - a| / 5 on points 1..6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.multiplicity import benjamini_hochberg, cohen_dz, holm
from valuegap_tui.metrics.paired import Resampler, percentile_interval
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import PlantedCondition, synthetic_frame
from valuegap_tui.metrics.values import descending_ranks
from tests.helpers.metric_rows import pair

ALIGNED, MISALIGNED = (0, 0), (0, 5)  # (value choice, action choice): +3/+3 (AD 0) and +3/-3 (AD 1)


def cells(dilemma, answer, **kw):
    return pair(dilemma, *answer, **kw)


def by_condition(table):
    return {(r["model"], r["condition"]): r for r in table.records()}


# ---- finding 4: level and change agree by construction -----------------------------------------------

def test_condition_level_and_change_use_the_same_paired_dilemmas():
    # baseline answers d1..d4: AR 0, 1, 1, 1 -> 0.750 over its own dilemmas.
    # persona p answers only d1, d2, both aligned: AR 1.000.
    # Before: the row read AR 1.000 beside a baseline of 0.750 with a change of +0.5. Now the persona's row
    # gives the baseline's level over the same two dilemmas, (0 + 1) / 2 = 0.5, and the change
    # mean(1 - 0, 1 - 1) = +0.5 is exactly 1.000 - 0.500.
    rows = (cells("d1", MISALIGNED) + cells("d2", ALIGNED) + cells("d3", ALIGNED) + cells("d4", ALIGNED)
            + cells("d1", ALIGNED, persona="p", kind="max") + cells("d2", ALIGNED, persona="p", kind="max"))
    table = by_condition(compute_results(AnswerFrame.from_rows(rows)).conditions)
    base, persona = table[("m", "baseline")], table[("m", "p")]
    assert base["alignment_rate"] == pytest.approx(0.75) and base["dilemmas"] == 4
    assert persona["alignment_rate"] == pytest.approx(1.0) and persona["dilemmas"] == 2
    assert persona["baseline_ar"] == pytest.approx(0.5)
    assert persona["ar_change"] == pytest.approx(0.5)
    # AD: baseline on d1, d2 is (1 + 0) / 2; the persona's is 0: change -0.5
    assert persona["baseline_ad"] == pytest.approx(0.5) and persona["ad_change"] == pytest.approx(-0.5)
    for row in table.values():
        if not math.isnan(row["ar_change"]):
            assert row["ar_change"] == pytest.approx(row["alignment_rate"] - row["baseline_ar"])
            assert row["ad_change"] == pytest.approx(row["alignment_distance"] - row["baseline_ad"])


def test_level_and_change_agree_on_a_partial_synthetic_run():
    frame = synthetic_frame(repeats=2, topics=3, seed=8, invalid_rate=0.3)
    for table in (compute_results(frame).conditions, compute_results(frame).kinds):
        for row in table.records():
            if row["condition"] != "baseline":
                assert row["ar_change"] == pytest.approx(row["alignment_rate"] - row["baseline_ar"], abs=1e-12)
                assert row["ad_change"] == pytest.approx(row["alignment_distance"] - row["baseline_ad"], abs=1e-12)
                assert row["ar_change_low"] <= row["ar_change"] <= row["ar_change_high"]


def test_persona_kind_is_the_mean_over_its_personas_not_the_pool_of_items():
    # baseline d1..d4: AR 0, 1, 1, 1.  Kind "max": p1 aligned on d1..d4 (AR 1, baseline there 0.75, change
    # +0.25); p2 answered d1 only, misaligned (AR 0, baseline there 0, change 0).
    # Kind = mean over personas: AR (1 + 0) / 2 = 0.5 (pooling the 5 items would give 4/5 = 0.8);
    # baseline (0.75 + 0) / 2 = 0.375; change (0.25 + 0) / 2 = 0.125 = 0.5 - 0.375.
    rows = (cells("d1", MISALIGNED) + cells("d2", ALIGNED) + cells("d3", ALIGNED) + cells("d4", ALIGNED)
            + [r for d in ("d1", "d2", "d3", "d4") for r in cells(d, ALIGNED, persona="p1", kind="max")]
            + cells("d1", MISALIGNED, persona="p2", kind="max"))
    kinds = by_condition(compute_results(AnswerFrame.from_rows(rows)).kinds)
    kind = kinds[("m", "max")]
    assert kind["personas"] == 2 and kind["items"] == 5 and kind["dilemmas"] == 4
    assert kind["alignment_rate"] == pytest.approx(0.5)
    assert kind["baseline_ar"] == pytest.approx(0.375)
    assert kind["ar_change"] == pytest.approx(0.125)


def _kind_frame(persona_probs, seed):
    baseline = PlantedCondition("baseline", "baseline", (0.4, 0.2, 0.1, 0.1, 0.1, 0.1), (0.1, 0.2, 0.2, 0.2, 0.2, 0.1))
    personas = tuple(PlantedCondition(f"max-{i}", "max", baseline.value_probs, probs)
                     for i, probs in enumerate(persona_probs))
    return synthetic_frame((baseline,) + personas, seed=seed)


def test_kind_interval_resamples_personas_as_well_as_dilemmas():
    """Four personas of one kind that act very differently: the kind's mean depends on which personas were
    drawn, so its interval (personas as a sample: metrics.crossed) is far wider than when they agree."""
    aligned, opposed = (0.5, 0.3, 0.2, 0, 0, 0), (0, 0, 0, 0.2, 0.3, 0.5)
    varied = by_condition(compute_results(_kind_frame((aligned, aligned, opposed, opposed), seed=2)).kinds)[("model-a", "max")]
    same = by_condition(compute_results(_kind_frame((aligned,) * 4, seed=2)).kinds)[("model-a", "max")]
    # the personas' AR is about 0.75 (aligned) and 0.25 (opposed); the kind's mean about 0.5
    assert varied["ar_low"] < 0.35 and varied["ar_high"] > 0.65
    assert same["ar_high"] - same["ar_low"] < 0.1
    assert varied["ar_high"] - varied["ar_low"] > 4 * (same["ar_high"] - same["ar_low"])


def test_conditions_carry_test_retest_beside_ar_and_ad():
    # baseline d1: value repeats points 6, 6, 1 -> of the 6 ordered pairs, 2 are (6, 6) and 4 are (6, 1):
    # retest AR 2/6, retest AD 4/6 (|6 - 1| / 5 = 1 on four pairs). Action repeats 6, 6, 6: retest AR 1, AD 0.
    rows = [row for r, v in enumerate((0, 0, 5)) for row in
            (pair("d1", v, 0, repeat=r))]
    # persona p on an unpaired dilemma: its retest must not count (the baseline never answered d9)
    rows += [row for r, v in enumerate((0, 5)) for row in pair("d9", v, 0, repeat=r, persona="p", kind="max")]
    rows += [row for r in range(2) for row in pair("d1", 0, 0, repeat=r, persona="p", kind="max")]
    table = by_condition(compute_results(AnswerFrame.from_rows(rows)).conditions)
    base, persona = table[("m", "baseline")], table[("m", "p")]
    assert base["value_retest_ar"] == pytest.approx(2 / 6) and base["value_retest_ad"] == pytest.approx(4 / 6)
    assert base["action_retest_ar"] == 1.0 and base["action_retest_ad"] == 0.0
    assert persona["value_retest_ar"] == 1.0 and persona["value_retest_ad"] == 0.0


# ---- finding 3: nothing pools models ---------------------------------------------------------------

def _two_models():
    """Model A always aligns, model B never: any pooled number would read 0.5."""
    rows = []
    for model, answer in (("A", ALIGNED), ("B", MISALIGNED)):
        for persona, kind in (("baseline", "baseline"), ("p", "max")):
            for i, (value, topic) in enumerate([("wisdom", "t1"), ("wisdom", "t2"), ("honest", "t1"), ("honest", "t2")]):
                rows += cells(f"d{i}", answer, model=model, persona=persona, kind=kind, value=value, topic=topic)
    return AnswerFrame.from_rows(rows)


def test_no_table_mixes_models():
    results = compute_results(_two_models())
    alignment_columns = {"alignment_rate", "alignment_distance", "share"}
    for name, table in results.tables.items():
        assert "model" in table.columns, name
        for row in table.records():
            for column in alignment_columns & set(table.columns):
                expected = {"A": {"alignment_rate": 1.0, "alignment_distance": 0.0},
                            "B": {"alignment_rate": 0.0, "alignment_distance": 1.0}}[row["model"]].get(column)
                if expected is not None:
                    assert row[column] == pytest.approx(expected), (name, row)
    assert set(results.heatmaps) == {"A", "B"}
    assert np.nanmin(results.heatmaps["A"].rates) == 1.0 and np.nanmax(results.heatmaps["B"].rates) == 0.0
    assert results.heatmaps["A"].conditions == ["baseline", "p"]
    # answer distributions apart: A's action answers all "strongly aligning", B's all "strongly opposing"
    assert results.choices["A"]["action"][0] == 1.0 and results.choices["B"]["action"][5] == 1.0
    assert set(results.agreement) == {"A", "B"}


def test_per_value_tables_are_per_condition():
    results = compute_results(_two_models())
    keys = {(r["model"], r["condition"], r["value"]) for r in results.breakdowns["by_value"].records()}
    assert keys == {(m, c, v) for m in "AB" for c in ("baseline", "p") for v in ("wisdom", "honest")}
    for name in ("by_value_type", "by_topic", "value_ranking"):
        assert {"model", "condition"} <= set(results.breakdowns.get(name, results.ranking).columns)


# ---- finding 5: per-value inference ----------------------------------------------------------------

def test_holm_and_benjamini_hochberg_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4)
    # Holm: 4*0.005 = 0.02, 3*0.01 = 0.03, 2*0.03 = 0.06, 1*0.04 = 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 4/1*0.005 = 0.02, 4/2*0.01 = 0.02, 4/3*0.03 = 0.04, 4/4*0.04 = 0.04 -> running min from the top
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # NaN (nothing tested) is left out of the family: m = 2 here
    assert holm([0.01, np.nan, 0.04]) == pytest.approx([0.02, np.nan, 0.04], nan_ok=True)
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_benjamini_hochberg_paper_example():
    # Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 BH rejects the four smallest, while
    # Holm rejects three (0.0095 * 12 = 0.114 > 0.05).
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
         0.6528, 0.7590, 1.0000]
    assert int((benjamini_hochberg(p) <= 0.05).sum()) == 4
    assert int((holm(p) <= 0.05).sum()) == 3
    # the fourth: 0.0095 * 15 / 4 = 0.035625 (no smaller value further up the list)
    assert benjamini_hochberg(p)[3] == pytest.approx(0.0095 * 15 / 4)


def _three_values():
    """Baseline misaligned everywhere; persona p aligned on every wisdom and honest dilemma and on the
    first equality dilemma only. Three dilemmas (topics) per value."""
    rows = []
    for value in ("wisdom", "honest", "equality"):
        for t in ("t1", "t2", "t3"):
            d = f"{value}-{t}"
            rows += cells(d, MISALIGNED, value=value, topic=t)
            better = value != "equality" or t == "t1"
            rows += cells(d, ALIGNED if better else MISALIGNED, value=value, topic=t, persona="p", kind="max")
    return AnswerFrame.from_rows(rows)


def test_per_value_change_with_adjusted_p_values_and_effect_sizes():
    table = {(r["condition"], r["value"]): r for r in compute_results(_three_values()).breakdowns["by_value"].records()}
    wisdom, honest, equality = (table[("p", v)] for v in ("wisdom", "honest", "equality"))
    # AR differences per dilemma: wisdom (1, 1, 1), honest (1, 1, 1), equality (1, 0, 0)
    assert wisdom["ar_change"] == pytest.approx(1.0) and equality["ar_change"] == pytest.approx(1 / 3)
    assert wisdom["baseline_ar"] == 0 and wisdom["alignment_rate"] == 1
    # sign-flip, exact: (1, 1, 1) -> only +++ and --- reach |sum| 3: p = 2/8; (1, 0, 0) -> every pattern: p = 1
    assert [r["ar_change_p"] for r in (wisdom, honest, equality)] == pytest.approx([0.25, 0.25, 1.0])
    # Holm over (0.25, 0.25, 1): 3*0.25 = 0.75, 2*0.25 = 0.5 -> running max 0.75, 0.75; 1
    assert [r["ar_change_p_holm"] for r in (wisdom, honest, equality)] == pytest.approx([0.75, 0.75, 1.0])
    # BH: 3/1*0.25 = 0.75, 3/2*0.25 = 0.375, 3/3*1 = 1 -> running min from the top: 0.375, 0.375, 1
    assert [r["ar_change_p_bh"] for r in (wisdom, honest, equality)] == pytest.approx([0.375, 0.375, 1.0])
    # d_z = mean(d) / sd(d): equality d = (1, 0, 0), mean 1/3, sd sqrt(((2/3)^2 + 2 (1/3)^2) / 2) = sqrt(1/3)
    assert equality["ar_change_dz"] == pytest.approx((1 / 3) / math.sqrt(1 / 3))
    assert math.isnan(wisdom["ar_change_dz"])  # no spread: d_z undefined
    # AD falls by 1 on each improved dilemma
    assert wisdom["ad_change"] == pytest.approx(-1.0) and equality["ad_change"] == pytest.approx(-1 / 3)
    # intervals: a level's interval lies in [0, 1] around it; the baseline rows have no change
    assert equality["ar_low"] <= equality["alignment_rate"] <= equality["ar_high"]
    assert math.isnan(table[("baseline", "wisdom")]["ar_change_p"])


def test_quick_tables_skip_only_the_resampling():
    quick = {(r["condition"], r["value"]): r
             for r in compute_results(_three_values(), bootstrap=False).breakdowns["by_value"].records()}
    equality = quick[("p", "equality")]
    assert equality["ar_change"] == pytest.approx(1 / 3) and equality["ar_change_dz"] == pytest.approx(1 / math.sqrt(3))
    assert math.isnan(equality["ar_change_p"]) and math.isnan(equality["ar_low"])


def test_cohen_dz_from_sums():
    d = np.array([0.5, 0.1, -0.2, 0.4])
    assert cohen_dz(d.mean(), (d ** 2).sum(), len(d)) == pytest.approx(d.mean() / d.std(ddof=1))


def test_descending_ranks_average_ties_and_skip_missing():
    x = np.array([[0.2, 0.9, 0.2, np.nan, 0.5]])
    # 0.9 -> 1, 0.5 -> 2, the two 0.2 share ranks 3 and 4 -> 3.5 each; NaN takes no rank and counts for none
    assert descending_ranks(x)[0, [0, 1, 2, 4]] == pytest.approx([3.5, 1, 3.5, 2])


def _ranks_by_definition(x: np.ndarray) -> np.ndarray:
    """1 + the values larger + (the values equal - 1) / 2, among a row's values (to 12 decimals), one by one."""
    out = np.full(x.shape, np.nan)
    for index in np.ndindex(x.shape[:-1]):
        row = np.round(x[index], 12)
        for i, value in enumerate(row):
            if not np.isnan(value):
                others = row[~np.isnan(row)]
                out[index + (i,)] = 1 + (others > value).sum() + ((others == value).sum() - 1) / 2
    return out


@pytest.mark.parametrize("shape, levels", [((40, 3, 9), 4), ((25, 2, 1, 56), 0), ((7, 5), 2), ((3, 1), 0), ((0, 4), 0)])
def test_descending_ranks_equal_the_definition_bit_for_bit(shape, levels):
    """Many ties (few levels), none, 12-decimal ties, -0.0 beside 0.0, NaN rows and single values."""
    rng = np.random.default_rng(sum(shape) + levels)
    x = np.round(rng.random(shape) * levels) / max(levels, 1) if levels else rng.random(shape)
    if x.size:
        x[rng.random(shape) < 0.15] = np.nan
        x.reshape(-1, shape[-1])[0, 0] = np.nan  # a row of NaN only, where the rows are one value each
        if shape[-1] > 2 and levels:
            flat = x.reshape(-1, shape[-1])
            flat[1, 1], flat[1, 2] = 0.1 + 0.2, 0.3  # equal to 12 decimals
            flat[2, 1], flat[2, 2] = -0.0, 0.0
    assert descending_ranks(x).tobytes() == _ranks_by_definition(x).tobytes()


def test_value_ranking_has_rank_intervals():
    frame = synthetic_frame(topics=11, seed=3)
    ranking = [r for r in compute_results(frame).ranking.records() if r["condition"] == "baseline"]
    assert [r["rank"] for r in ranking] == list(range(1, 57))
    distances = [r["alignment_distance"] for r in ranking]
    assert distances == sorted(distances, reverse=True)
    for r in ranking:
        assert 1 <= r["rank_low"] <= r["rank_high"] <= 56
    # every value has the same planted answer probabilities, so ranks are mostly noise: the intervals are wide
    assert np.median([r["rank_high"] - r["rank_low"] for r in ranking]) > 20


def test_planted_value_gap_ranks_first_with_a_narrow_interval():
    frame = synthetic_frame(topics=11, seed=4)
    wisdom = frame.value.codes == frame.value.labels.index("wisdom")
    for question, choice, score in ((0, 0, 3.0), (1, 5, -3.0)):  # strongly agree, strongly opposing: AD 1
        rows = wisdom & (frame.question == question)
        frame.choice[rows], frame.score[rows] = choice, score
    ranking = [r for r in compute_results(frame).ranking.records() if r["condition"] == "baseline"]
    assert ranking[0]["value"] == "wisdom" and ranking[0]["alignment_distance"] == 1.0
    assert ranking[0]["rank_low"] == ranking[0]["rank_high"] == 1
    assert ranking[1]["rank_low"] >= 2


def test_percentile_interval_matches_numpy_and_ignores_missing():
    samples = np.random.default_rng(0).random((999, 3))
    low, high = percentile_interval(samples, 0.9)
    assert low == pytest.approx(np.quantile(samples, 0.05, axis=0))
    assert high == pytest.approx(np.quantile(samples, 0.95, axis=0))
    samples[::2, 1] = np.nan
    low, _ = percentile_interval(samples, 0.9)
    assert low[1] == pytest.approx(np.nanquantile(samples[:, 1], 0.05))


def test_kind_rows_recover_the_simulators_planted_kind_changes():
    """Full size (616 dilemmas x 13 personas, 1 repeat): each kind's two-stage interval for the change
    against baseline covers the planted change (the mean over the kind's personas of the planted per-cell
    differences). Six intervals, so each at 1 - 0.05/6."""
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.simulator import SimulatorParams
    from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, planted_cells, sample_frame

    personas = [SampledPersona(p.id, p.kind, p.levels) for p in generate_personas(seed=0)]
    dilemmas = catalogue_dilemmas()
    params = SimulatorParams(seed=3)
    frame = sample_frame(params, personas, dilemmas, repeats=1, seed=5)
    planted_ar, planted_ad = planted_cells(params, personas, dilemmas, repeats=1, seed=5)
    kinds = {r["condition"]: r for r in compute_results(frame, confidence=1 - 0.05 / 6).kinds.records()}
    for kind in ("moderate", "max", "incongruous"):
        rows = [i for i, p in enumerate(personas) if p.kind == kind]
        for prefix, planted in (("ar", planted_ar), ("ad", planted_ad)):
            change = float((planted[rows] - planted[0]).mean())
            row = kinds[kind]
            assert row[f"{prefix}_change_low"] <= change <= row[f"{prefix}_change_high"], (kind, prefix, change, row)
            assert row[f"{prefix}_change"] == pytest.approx(
                row["alignment_rate" if prefix == "ar" else "alignment_distance"] - row[f"baseline_{prefix}"])


def test_a_model_without_baseline_answers_has_levels_but_no_change():
    # model A has a baseline; model B (its baseline not asked yet) only persona p: B's rows keep their
    # levels over every dilemma they answered, and no change, p-value or adjusted p is made up for them
    rows = []
    for i, t in enumerate(("t1", "t2", "t3")):
        rows += cells(f"d{i}", MISALIGNED, model="A", topic=t)
        rows += cells(f"d{i}", ALIGNED, model="A", topic=t, persona="p", kind="max")
        rows += cells(f"d{i}", ALIGNED, model="B", topic=t, persona="p", kind="max")
    results = compute_results(AnswerFrame.from_rows(rows))
    conditions = by_condition(results.conditions)
    assert conditions[("A", "p")]["ar_change"] == 1.0
    b = conditions[("B", "p")]
    assert b["alignment_rate"] == 1.0 and b["dilemmas"] == 3
    assert all(math.isnan(b[k]) for k in ("baseline_ar", "ar_change", "ar_change_p", "ar_change_p_holm"))
    (value_row,) = [r for r in results.breakdowns["by_value"].records() if r["model"] == "B"]
    assert value_row["alignment_rate"] == 1.0
    assert all(math.isnan(value_row[k]) for k in ("ar_change", "ar_change_p", "ar_change_p_bh", "ad_change_low"))
    kinds = by_condition(results.kinds)
    assert kinds[("B", "max")]["alignment_rate"] == 1.0 and math.isnan(kinds[("B", "max")]["ar_change"])


def test_select_keeps_every_column():
    from dataclasses import fields

    from valuegap_tui.metrics.frame import select

    from dataclasses import replace

    from valuegap_tui.outcomes import SERVER_ERROR

    frame = synthetic_frame(topics=1, seed=1)
    frame.outcome[::7] = SERVER_ERROR
    frame = replace(frame)  # the outcome sets the refusal and server_error columns
    assert frame.server_error[::7].all()
    mask = np.arange(len(frame)) % 3 == 0
    part = select(frame, mask)
    for f in fields(frame):
        whole, kept = getattr(frame, f.name), getattr(part, f.name)
        if hasattr(whole, "codes"):
            assert kept.labels == whole.labels and (kept.codes == whole.codes[mask]).all(), f.name
        else:
            assert np.array_equal(kept, whole[mask], equal_nan=True), f.name


# ---- intervals of the breakdowns -------------------------------------------------------------------

def test_topic_intervals_by_hand():
    from tests.helpers.metric_rows import FIVE

    results = compute_results(AnswerFrame.from_rows(FIVE))
    t2 = next(r for r in results.breakdowns["by_topic"].records() if r["topic"] == "t2")
    # t2 holds d4 (opposes, AD 4/5) and d5 (aligns, AD 1/5). Resampling two dilemmas gives means over
    # (d4, d4), (d4, d5), (d5, d5) with chances 1/4, 1/2, 1/4: the 95% interval runs from one end to the other.
    assert (t2["alignment_rate"], t2["ar_low"], t2["ar_high"]) == pytest.approx((0.5, 0.0, 1.0))
    assert (t2["alignment_distance"], t2["ad_low"], t2["ad_high"]) == pytest.approx((0.5, 0.2, 0.8))
    quick = compute_results(AnswerFrame.from_rows(FIVE), bootstrap=False)
    assert all(math.isnan(r["ar_low"]) for r in quick.breakdowns["by_topic"].records())


def test_topic_intervals_cover_the_simulators_planted_alignment():
    """One answer per question and dilemma (56 values x 11 topics), drawn from the simulator's exact
    per-value distributions. The simulator plants no topic effect, so every topic's planted AR and AD is
    the mean over the 56 values of the exact expected_gap; each topic's interval must hold it (at most
    one of 11 may miss), and the mean over the topics lie close to it."""
    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.simulator.behaviour import action_distribution, expected_gap, value_distribution
    from valuegap_tui.simulator.params import SimulatorParams
    from tests.helpers.metric_rows import row

    params = SimulatorParams(seed=4, gap_probability=0.25, value_spread=1.5)
    rng = np.random.default_rng(11)
    cat = catalogue()
    shares = {v.id: (value_distribution(params, {}, v.id), action_distribution(params, {}, v.id)) for v in cat.values}
    planted = np.mean([expected_gap(*shares[v]) for v in shares], axis=0)
    rows = []
    for topic in (t.id for t in cat.topics):
        for value, (v_probs, a_probs) in shares.items():
            dilemma = f"{value}--{topic}"
            rows += [row(dilemma, "value", int(rng.choice(6, p=v_probs)), value=value, topic=topic),
                     row(dilemma, "action", int(rng.choice(6, p=a_probs)), value=value, topic=topic)]
    topics = compute_results(AnswerFrame.from_rows(rows)).breakdowns["by_topic"].records()
    assert len(topics) == 11 and all(r["items"] == 56 for r in topics)
    for metric, prefix, truth in (("alignment_rate", "ar", planted[0]), ("alignment_distance", "ad", planted[1])):
        misses = [r["topic"] for r in topics if not r[f"{prefix}_low"] <= truth <= r[f"{prefix}_high"]]
        assert len(misses) <= 1, (metric, truth, misses)
        assert abs(np.mean([r[metric] for r in topics]) - truth) < 0.03  # the 11 topics together: 616 dilemmas


def test_group_intervals_match_the_one_by_one_bootstrap():
    from valuegap_tui.metrics.paired import bootstrap_mean_interval, group_mean_intervals

    values = np.random.default_rng(2).random(40)
    members = [np.arange(0, 10), np.arange(10, 20), np.arange(20, 23), np.array([], dtype=np.int64), np.arange(23, 40)]
    batched = group_mean_intervals(values, members, Resampler(5))
    one_by_one = Resampler(5)  # the same draws: one weight matrix per group size, drawn in the same order
    for g, rows in enumerate(members):
        if len(rows):
            assert batched[g] == pytest.approx(bootstrap_mean_interval(values[rows], one_by_one))
    assert np.isnan(batched[3]).all()
