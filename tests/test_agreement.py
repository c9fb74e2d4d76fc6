from __future__ import annotations

import pytest

from valuegap_tui.review.agreement import disagreements, pairwise, weighted_kappa
from valuegap_tui.designs.graded_actions.models import AlignmentLabel

L = AlignmentLabel.ordered()


def test_kappa_hand_worked_three_categories():
    # O: (0,0),(1,2),(2,1) each 1/3; weights (i-j)^2/4 -> sum wO = 1/6; uniform marginals: sum wE = 3/9
    assert weighted_kappa([0, 1, 2], [0, 2, 1], n_categories=3) == pytest.approx(0.5)


def test_kappa_perfect_and_reversed():
    assert weighted_kappa([0, 1, 2], [0, 1, 2], n_categories=3) == pytest.approx(1.0)
    assert weighted_kappa([0, 1, 2], [2, 1, 0], n_categories=3) == pytest.approx(-1.0)


def test_kappa_undefined_cases():
    assert weighted_kappa([], []) is None
    assert weighted_kappa([2, 2], [2, 2]) is None
    with pytest.raises(ValueError):
        weighted_kappa([1], [1, 2])


def test_pairwise_and_disagreements():
    swapped = [L[1], L[0], L[2], L[3], L[4], L[5]]
    ratings = {"ann": {"d1": list(L)}, "bob": {"d1": swapped}, "generator": {"d1": list(L)}}
    pairs = {(p.rater_a, p.rater_b): p for p in pairwise(ratings)}
    assert pairs[("ann", "generator")].kappa == pytest.approx(1.0)
    ann_bob = pairs[("ann", "bob")]
    assert ann_bob.items == 6 and ann_bob.exact == pytest.approx(4 / 6)
    # two adjacent swaps out of 6 ranks: sum wO = 2*(1/25)/6; uniform marginals: sum wE = 210/(36*25)
    assert ann_bob.kappa == pytest.approx(1 - (2 / 25 / 6) / (210 / 36 / 25))
    found = disagreements(ratings)
    assert [(d.dilemma_id, d.option, d.spread) for d in found] == [("d1", 0, 1), ("d1", 1, 1)]
