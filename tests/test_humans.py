"""People beside models: per-respondent gap, stated-enacted r, the spread over people, percentiles."""

from __future__ import annotations

import math

import pytest

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.humans import human_spread, respondents_table, stated_enacted_r
from tests.test_metrics import pair

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
