"""The estimands of docs/metrics.md, on the hand-worked examples that show why the default is ``pairs``.

Points: choice 0..5 -> 6..1; an answer opposes below 3.5; AD = |v - a| / 5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, build_items
from valuegap_tui.metrics.retest import retest
from valuegap_tui.metrics.synthetic import PlantedCondition, implied_metrics, synthetic_frame
from tests.helpers.metric_rows import row

POINT_TO_CHOICE = {6: 0, 5: 1, 4: 2, 3: 3, 2: 4, 1: 5}


def cell(value_points, action_points, **kw):
    rows = [row("d1", "value", None if p is None else POINT_TO_CHOICE[p], repeat=r, **kw)
            for r, p in enumerate(value_points)]
    return rows + [row("d1", "action", None if p is None else POINT_TO_CHOICE[p], repeat=r, **kw)
                   for r, p in enumerate(action_points)]


def metrics(rows, aggregate, expected=False):
    result = alignment(build_items(AnswerFrame.from_rows(rows), aggregate, expected))
    return float(result.accuracy[0]), float(result.distance[0])


# The issue's cell: value points [6, 6, 1], action points [3, 3, 6].
ISSUE_CELL = cell([6, 6, 1], [3, 3, 6])


def test_default_estimand_is_all_pairs():
    assert DEFAULT_AGGREGATE == "pairs"


def test_pairs_on_the_issue_cell():
    # 9 pairs. Same side: v=6 (agree) with a=6 -> 2 pairs; v=1 (oppose) with a=3, 3 -> 2 pairs: 4/9 = 0.444.
    # |v - a|: v=6: 3, 3, 0 (twice -> 12); v=1: 2, 2, 5 (9) -> 21 / 9 / 5 = 0.467
    ar, ad = metrics(ISSUE_CELL, "pairs")
    assert ar == pytest.approx(4 / 9) and ad == pytest.approx(21 / 45)


def test_cell_mean_on_the_issue_cell():
    # mean v = 13/3 = 4.33 (agrees), mean a = 12/3 = 4 (agrees): aligned; |13/3 - 4| / 5 = 1/15 = 0.067
    ar, ad = metrics(ISSUE_CELL, "cell_mean")
    assert ar == 1.0 and ad == pytest.approx(1 / 15)


def test_majority_on_the_issue_cell():
    # modal v = 6, modal a = 3: misaligned, |6 - 3| / 5 = 0.6
    ar, ad = metrics(ISSUE_CELL, "majority")
    assert ar == 0.0 and ad == pytest.approx(0.6)


def test_a_tie_has_no_side():
    # value points 6 and 1: mean 3.5, exactly on the midpoint -> half on each side; action 6 agrees.
    ar, _ = metrics(cell([6, 1], [6]), "cell_mean")
    assert ar == pytest.approx(0.5)


def test_repeat_pairs_valid_answers_in_order():
    # valid value answers at repeats 0 and 1, the only valid action answer at repeat 2: one item,
    # the first valid value answer (6) with the first valid action answer (5)
    items = build_items(AnswerFrame.from_rows(cell([6, 4, None], [None, None, 5])), "repeat")
    assert len(items) == 1
    assert items.distance[0] == pytest.approx(1 / 5) and items.aligns[0] == 1.0


def test_expected_is_the_product_distribution():
    # value: P(6) = 0.5, P(1) = 0.5; action: P(3) = 1.
    rows = [row("d1", "value", 0, distribution=[0.5, 0, 0, 0, 0, 0.5]),
            row("d1", "action", 3, distribution=[0, 0, 0, 1, 0, 0])]
    # same side only when v = 1 -> 0.5; E|v - a| = 0.5*3 + 0.5*2 = 2.5 -> 0.5.  (|E v - E a| would be 0.)
    ar, ad = metrics(rows, "pairs", expected=True)
    assert ar == pytest.approx(0.5) and ad == pytest.approx(0.5)


UNIFORM = PlantedCondition("baseline", "baseline", (1,) * 6, (1,) * 6)


@pytest.mark.parametrize("repeats", [1, 3, 5])
def test_random_respondent_scores_the_same_at_any_repeat_count(repeats):
    """A uniformly random respondent: AR = 1/2 and AD = E|X - Y| / 5 = (70/36) / 5 = 0.3889 for two
    independent uniform points, whatever the repeat count. 616 cells; tolerances are 4 standard errors
    of a cell mean (worst case, one repeat: sd(aligns) = 0.5, sd(distance) = 0.25)."""
    frame = synthetic_frame((UNIFORM,), repeats=repeats, seed=20 + repeats)
    ar, ad = metrics_of(frame)
    tolerance = 4 / math.sqrt(616)
    assert ar == pytest.approx(0.5, abs=0.5 * tolerance)
    assert ad == pytest.approx(70 / 36 / 5, abs=0.25 * tolerance)
    assert implied_metrics(UNIFORM) == pytest.approx((0.5, 70 / 36 / 5))


def test_cell_mean_shrinks_with_repeats_and_pairs_does_not():
    one, five = (synthetic_frame((UNIFORM,), repeats=r, seed=3) for r in (1, 5))
    assert metrics_of(five, "cell_mean")[1] < 0.6 * metrics_of(one, "cell_mean")[1]
    assert metrics_of(five)[1] == pytest.approx(metrics_of(one)[1], abs=0.03)


def test_noise_cannot_beat_consistency():
    """A perfectly consistent respondent whose action is always one step milder (AD 0.2) has a smaller
    gap than a random one (0.389), at 6 repeats too: under cell_mean the random one scored 0.158."""
    consistent = PlantedCondition("baseline", "baseline", (1, 0, 0, 0, 0, 0), (0, 1, 0, 0, 0, 0))
    _, ad_consistent = metrics_of(synthetic_frame((consistent,), repeats=6, topics=2, seed=1))
    _, ad_random = metrics_of(synthetic_frame((UNIFORM,), repeats=6, topics=2, seed=1))
    assert ad_consistent == pytest.approx(0.2) and ad_random > 0.35


def metrics_of(frame, aggregate=DEFAULT_AGGREGATE):
    result = alignment(build_items(frame, aggregate))
    return float(result.accuracy[0]), float(result.distance[0])


def test_retest_by_hand():
    # value repeats 6, 6, 1: ordered pairs i != j: (6,6) x2 same side, distance 0; (6,1) x4 distance 5/5;
    # -> same side 2/6, distance 4/6. action 3, 3, 6: the same shape with |3 - 6| = 3 -> distance 4*3/5/6.
    result = retest(AnswerFrame.from_rows(ISSUE_CELL))
    assert result.cells["value"][0] == 1
    assert result.same_side["value"][0] == pytest.approx(2 / 6)
    assert result.distance["value"][0] == pytest.approx(4 / 6)
    assert result.same_side["action"][0] == pytest.approx(2 / 6)
    assert result.distance["action"][0] == pytest.approx(4 * 3 / 5 / 6)


def test_retest_needs_two_repeats_and_recovers_planted_noise():
    assert math.isnan(retest(AnswerFrame.from_rows(cell([6], [6]))).distance["value"][0])
    condition = PlantedCondition("baseline", "baseline", (0.5, 0.3, 0.2, 0, 0, 0), (0.2, 0.2, 0.2, 0.2, 0.1, 0.1))
    pv, pa = (np.asarray(p) for p in (condition.value_probs, condition.action_probs))
    points = np.arange(6, 0, -1)
    distance = np.abs(points[:, None] - points[None, :]) / 5
    result = retest(synthetic_frame((condition,), repeats=4, seed=9))
    assert result.distance["value"][0] == pytest.approx(pv @ distance @ pv, abs=0.02)
    assert result.distance["action"][0] == pytest.approx(pa @ distance @ pa, abs=0.02)
    assert result.same_side["value"][0] == pytest.approx(1.0)
