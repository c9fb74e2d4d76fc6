"""The common answer scale: both questions placed on six equally spaced points.

Choice codes are in catalogue order (0 = strongly agree / strongly aligning .. 5 = strongly disagree /
strongly opposing); scores are the study's +3..+1, -1..-3. Every metric works on *points* 1..6
(6 = strongly agree / aligning): a six-point Likert scale has no zero, so mildly agree (+1) and mildly
disagree (-1) are neighbours, one step apart, like every other pair of neighbours.
"""

from __future__ import annotations

import numpy as np

#: point of each choice code (0 = strongest agreement)
CHOICE_POINTS = np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
#: score of each choice code on the study's ±3 scale
CHOICE_SCORES = np.array([3.0, 2.0, 1.0, -1.0, -2.0, -3.0])
#: points above this agree / align with the value, points below it disagree / oppose
MIDPOINT = 3.5
#: largest possible distance between two points, the divisor of the alignment distance
SPAN = 5.0
#: 1 for the choice codes on the disagree / oppose side
OPPOSING = (CHOICE_POINTS < MIDPOINT).astype(np.float64)
#: SAME_SIDE[i, j] = 1 when choices i and j are on the same side of the scale
SAME_SIDE = (OPPOSING[:, None] == OPPOSING[None, :]).astype(np.float64)
#: DISTANCE[i, j] = |point_i - point_j| / SPAN, the alignment distance of one pair of answers
DISTANCE = np.abs(CHOICE_POINTS[:, None] - CHOICE_POINTS[None, :]) / SPAN


def points_from_scores(scores: np.ndarray) -> np.ndarray:
    """+3..+1 -> 6..4, -1..-3 -> 3..1; NaN stays NaN."""
    scores = np.asarray(scores, dtype=np.float64)
    return scores + 3.0 + (scores < 0)


def opposes(points: np.ndarray) -> np.ndarray:
    """The disagree/oppose class of single answers: strictly below the midpoint."""
    return points < MIDPOINT


def side_opposes(points: np.ndarray) -> np.ndarray:
    """Probability that a combined point is on the oppose side: 1 below the midpoint, 0 above, and 0.5
    exactly on it (as many agreeing as disagreeing repeats: no side, so half on each)."""
    points = np.asarray(points, dtype=np.float64)
    return np.where(points < MIDPOINT, 1.0, np.where(points > MIDPOINT, 0.0, 0.5))


def expected_points(distribution: np.ndarray) -> np.ndarray:
    """Expected point of each row's option distribution (renormalised over the six options); NaN if none."""
    dist = np.asarray(distribution, dtype=np.float64)
    total = dist.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = (dist @ CHOICE_POINTS) / total
    expected[~(total > 0)] = np.nan
    return expected
