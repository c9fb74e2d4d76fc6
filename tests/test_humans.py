"""People beside models: per-respondent gap, stated-enacted r, the spread over people, percentiles."""

from __future__ import annotations

import math

import pytest

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.humans import human_spread, respondents_table, stated_enacted_r
from tests.helpers.metric_rows import pair

# choice c -> point 6 - c. Model m: value points 6, 5, 4; action points 6, 5, 4 -> r = 1, AR 1, AD 0.
# human:ann: value 6, 5, 4; action 4, 5, 6 -> r = -1; every pair on the agree side: AR 1; AD (2 + 0 + 2)/3/5.
# human:bob: value 6, 6, 6 (no spread): r undefined; action 1, 1, 1 -> AR 0, AD 1.
ROWS = (pair("d1", 0, 0, model="m") + pair("d2", 1, 1, model="m") + pair("d3", 2, 2, model="m")
        + pair("d1", 0, 2, model="human:ann") + pair("d2", 1, 1, model="human:ann") + pair("d3", 2, 0, model="human:ann")
        + pair("d1", 0, 5, model="human:bob") + pair("d2", 0, 5, model="human:bob") + pair("d3", 0, 5, model="human:bob"))


def test_stated_enacted_r_by_hand():
    r = stated_enacted_r(AnswerFrame.from_rows(ROWS))
    assert r["m"] == pytest.approx(1.0) and r["human:ann"] == pytest.approx(-1.0)
    assert math.isnan(r["human:bob"])


def test_one_answer_per_side_takes_the_lowest_repeat_by_hand():
    # model m, three cells, two repeats. Repeat 0: value points 6, 5, 4 and action points 6, 5, 4 -> r = 1.
    # Repeat 1 (listed first, to show order does not matter): action points 4, 5, 6. Means: value 6, 5, 4;
    # action 5, 5, 5 -> no spread: the all-answers r is undefined, the one-answer r is 1.
    rows = []
    for d, v, a_late in (("d1", 0, 2), ("d2", 1, 1), ("d3", 2, 0)):
        rows += pair(d, v, a_late, model="m", repeat=1) + pair(d, v, v, model="m", repeat=0)
    frame = AnswerFrame.from_rows(rows)
    assert stated_enacted_r(frame, one_answer=True)["m"] == pytest.approx(1.0)
    assert math.isnan(stated_enacted_r(frame)["m"])
    table = {r["respondent"]: r for r in respondents_table(frame).records()}
    assert table["m"]["answers_per_cell"] == 2 and table["m"]["stated_enacted_r"] == pytest.approx(1.0)
    assert math.isnan(table["m"]["stated_enacted_r_all"])


def test_respondents_table_and_model_percentiles():
    rows = {r["respondent"]: r for r in respondents_table(AnswerFrame.from_rows(ROWS)).records()}
    assert [rows[k]["kind"] for k in ("human:ann", "human:bob", "m")] == ["human", "human", "model"]
    assert rows["human:ann"]["alignment_distance"] == pytest.approx(4 / 15)
    assert rows["human:bob"]["alignment_rate"] == 0 and rows["human:bob"]["alignment_distance"] == 1
    # the model's AR 1 ties ann's (1) and beats bob's (0): (1 + 0.5) / 2 = 0.75; its AD 0 is below both: 0
    assert rows["m"]["ar_percentile_among_humans"] == pytest.approx(0.75)
    assert rows["m"]["ad_percentile_among_humans"] == 0
    assert math.isnan(rows["human:ann"]["ar_percentile_among_humans"])


def test_spread_over_people():
    spread = {r["metric"]: r for r in human_spread(respondents_table(AnswerFrame.from_rows(ROWS))).records()}
    assert spread["alignment_rate"]["people"] == 2
    assert spread["alignment_rate"]["min"] == 0 and spread["alignment_rate"]["max"] == 1
    assert spread["stated_enacted_r"]["people"] == 1  # bob's r is undefined


def test_stated_enacted_r_recovers_the_simulators_planted_correlation():
    """People answering as the simulator's behaviour model does (value and action answers drawn
    independently from its exact per-value distributions). Planted: the r over cells of the expected
    stated and enacted points. With R answers per cell the measured r of cell means is attenuated by
    their sampling noise, to planted x sqrt(reliability_stated x reliability_enacted), where a
    side's reliability is var(expected means) / (var(expected means) + mean within-cell variance / R)
    (Spearman's attenuation): the measured r must land there, from a hundred answers and from one."""
    import numpy as np

    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.simulator.behaviour import action_distribution, value_distribution
    from valuegap_tui.simulator.params import SimulatorParams
    from tests.helpers.metric_rows import row

    points = np.arange(6, 0, -1)  # catalogue order: choice 0 is point 6 ... choice 5 is point 1
    rng = np.random.default_rng(7)
    repeats, topics = 100, tuple(f"t{k}" for k in range(8))  # 448 cells
    for gap in (0.05, 0.35):
        params = SimulatorParams(seed=3, gap_probability=gap, value_spread=2.0)
        rows, stated, enacted, within_s, within_e = [], [], [], [], []
        for value in (v.id for v in catalogue().values):
            v_probs, a_probs = value_distribution(params, {}, value), action_distribution(params, {}, value)
            for topic in topics:
                stated.append(float(points @ v_probs))
                enacted.append(float(points @ a_probs))
                within_s.append(float(points ** 2 @ v_probs) - stated[-1] ** 2)
                within_e.append(float(points ** 2 @ a_probs) - enacted[-1] ** 2)
                dilemma = f"{value}--{topic}"
                for repeat, (v, a) in enumerate(zip(rng.choice(6, repeats, p=v_probs), rng.choice(6, repeats, p=a_probs))):
                    rows += [row(dilemma, "value", int(v), value=value, topic=topic, model="human:sim", repeat=repeat),
                             row(dilemma, "action", int(a), value=value, topic=topic, model="human:sim", repeat=repeat)]
        planted = float(np.corrcoef(stated, enacted)[0, 1])
        frame = AnswerFrame.from_rows(rows)
        assert 0.3 < planted < 1.0
        # within three standard errors of a correlation over this many cells
        for answers, measured in ((repeats, stated_enacted_r(frame)["human:sim"]),
                                  (1, stated_enacted_r(frame, one_answer=True)["human:sim"])):
            reliability = [np.var(means) / (np.var(means) + np.mean(within) / answers)
                           for means, within in ((stated, within_s), (enacted, within_e))]
            expected = planted * float(np.sqrt(reliability[0] * reliability[1]))
            assert measured == pytest.approx(expected, abs=3 * (1 - expected ** 2) / np.sqrt(len(stated))), \
                (gap, answers, planted, expected, measured)
        assert stated_enacted_r(frame, one_answer=True)["human:sim"] < stated_enacted_r(frame)["human:sim"] - 0.3


def test_a_models_row_is_taken_on_the_conditions_dilemmas_and_orders_the_people_answered():
    """The measured case: people answer under the baseline; a model aligns on every baseline dilemma and on
    none under two personas. Pooled over its conditions the model had AR 6/18 = 0.333 and sat below both
    people (percentile 0.0); on the people's own items it has AR 1 and sits above both."""
    rows = []
    for k in range(6):
        d = f"d{k}"
        rows += pair(d, 0, 0, model="m")  # baseline: agrees and aligns
        for persona in ("p1", "p2"):
            rows += pair(d, 0, 5, model="m", persona=persona, kind="moderate")  # agrees, opposes
        rows += pair(d, 0, 0 if k < 5 else 5, model="human:ann")  # 5 of 6 aligned: 0.833
        rows += pair(d, 0, 0 if k < 4 else 5, model="human:bob")  # 4 of 6: 0.667
    # a second repeat of the model in another option order, which no person saw
    rows += [r for k in range(6) for r in pair(f"d{k}", 0, 5, model="m", repeat=1)]
    table = {r["respondent"]: r for r in respondents_table(AnswerFrame.from_rows(rows)).records()}
    assert table["human:ann"]["alignment_rate"] == pytest.approx(5 / 6)
    assert table["human:bob"]["alignment_rate"] == pytest.approx(4 / 6)
    assert table["m"]["items"] == 6
    assert table["m"]["alignment_rate"] == 1.0 and table["m"]["alignment_distance"] == 0.0
    assert table["m"]["ar_percentile_among_humans"] == 1.0  # both people lower
    assert table["m"]["ad_percentile_among_humans"] == 0.0  # both people larger AD: none lower
