"""Agreement between raters on the ordinal alignment labels: quadratic-weighted Cohen's kappa.

Why weighted kappa: the six labels are ordered (strongly aligning .. strongly opposing), so calling a
"mildly aligning" action "moderately aligning" is a smaller disagreement than calling it "strongly
opposing". Quadratic weights charge a disagreement by the squared distance between the two labels,
which makes the statistic close to an intraclass correlation and easy to compare across studies.
Each (dilemma, action) pair rated by both raters is one item.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from valuegap_tui.designs.graded_actions.models import AlignmentLabel

N_LABELS = len(AlignmentLabel)
GENERATOR = "generator"


def weighted_kappa(a, b, n_categories: int = N_LABELS) -> float | None:
    """Cohen's kappa with quadratic weights for two equal-length sequences of category indices.

    None when there is nothing to compare or when chance disagreement is zero (both raters constant).
    """
    import numpy as np  # here, not at the top: the review screen imports this module before its first frame

    a = np.asarray(a, dtype=int)
    b = np.asarray(b, dtype=int)
    if a.shape != b.shape:
        raise ValueError("both raters must rate the same items")
    if a.size == 0:
        return None
    observed = np.zeros((n_categories, n_categories))
    np.add.at(observed, (a, b), 1.0)
    observed /= a.size
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    idx = np.arange(n_categories)
    weights = (idx[:, None] - idx[None, :]) ** 2 / (n_categories - 1) ** 2
    chance = float((weights * expected).sum())
    if chance == 0:
        return None
    return 1.0 - float((weights * observed).sum()) / chance


@dataclass(frozen=True)
class PairAgreement:
    rater_a: str
    rater_b: str
    dilemmas: int
    items: int
    kappa: float | None
    exact: float  # share of items with the same label


@dataclass(frozen=True)
class Disagreement:
    dilemma_id: str
    option: int
    labels: dict[str, AlignmentLabel]  # rater -> label
    spread: int  # largest distance in label ranks between two raters


def pairwise(ratings: dict[str, dict[str, list[AlignmentLabel]]]) -> list[PairAgreement]:
    """ratings: rater -> dilemma id -> labels by option position. One entry per pair of raters."""
    result = []
    for rater_a, rater_b in combinations(sorted(ratings), 2):
        shared = sorted(set(ratings[rater_a]) & set(ratings[rater_b]))
        a = [label.rank for d in shared for label in ratings[rater_a][d]]
        b = [label.rank for d in shared for label in ratings[rater_b][d]]
        exact = sum(x == y for x, y in zip(a, b)) / len(a) if a else 0.0
        result.append(PairAgreement(rater_a, rater_b, len(shared), len(a), weighted_kappa(a, b), exact))
    return result


def disagreements(ratings: dict[str, dict[str, list[AlignmentLabel]]], *, min_spread: int = 1) -> list[Disagreement]:
    """Every (dilemma, action) where two raters differ, largest spread first."""
    by_dilemma: dict[str, dict[str, list[AlignmentLabel]]] = {}
    for rater, per_dilemma in ratings.items():
        for dilemma_id, labels in per_dilemma.items():
            by_dilemma.setdefault(dilemma_id, {})[rater] = labels
    found = []
    for dilemma_id, raters in by_dilemma.items():
        if len(raters) < 2:
            continue
        for option in range(len(next(iter(raters.values())))):
            labels = {rater: labels[option] for rater, labels in raters.items()}
            ranks = [label.rank for label in labels.values()]
            spread = max(ranks) - min(ranks)
            if spread >= min_spread:
                found.append(Disagreement(dilemma_id, option, labels, spread))
    found.sort(key=lambda d: (-d.spread, d.dilemma_id, d.option))
    return found
