"""Test-retest consistency: each question's agreement with itself across repeats, the noise floor of the gap.

For one cell and one question with n >= 2 valid repeats x_1..x_n (answer vectors over the six options:
one-hot, or logprob distributions), the same statistics as the gap are taken between two *different*
repeats of the *same* question, every ordered pair i != j weighted equally:

* ``same_side`` = mean over pairs of P(x_i and x_j on the same side)  (the retest alignment rate)
* ``distance``  = mean over pairs of E|x_i - x_j| / 5                 (the retest alignment distance)

A respondent whose stated and enacted values agree but who answers noisily has an AD near its retest
AD; a gap is the part of AD above that floor. With the sum s = sum_i x_i the pair sum is
s^T M s - sum_i x_i^T M x_i, so a cell costs O(n) whatever the repeat count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.alignment import Groups, group_codes
from valuegap_tui.metrics.frame import QUESTIONS, AnswerFrame
from valuegap_tui.metrics.items import ATTRIBUTES, answer_vectors, bilinear, cell_keys
from valuegap_tui.metrics.scale import DISTANCE, SAME_SIDE


@dataclass
class Retest:
    """Per group (``groups.keys``) and question: cells with 2+ valid repeats, mean same-side rate and
    mean distance between two repeats of that question."""

    groups: Groups
    cells: dict[str, np.ndarray]  # question -> int per group
    same_side: dict[str, np.ndarray]  # question -> float per group (NaN: no repeated cell)
    distance: dict[str, np.ndarray]


def _pair_means(sums: np.ndarray, self_terms: np.ndarray, n: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    pairs = n * (n - 1)
    total = bilinear(sums, matrix, sums) - self_terms
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, total / np.where(pairs > 0, pairs, 1), np.nan)


def retest(frame: AnswerFrame, by: tuple[str, ...] = (), expected: bool = False) -> Retest:
    """Test-retest consistency of each question per group of cells (``by``: attributes of a cell)."""
    vectors, valid = answer_vectors(frame, expected)
    keys = cell_keys(frame)
    _, first_row, cell_of_row = np.unique(keys, return_index=True, return_inverse=True)
    n_cells = len(first_row)
    codes = {a: getattr(frame, a).codes[first_row] for a in ATTRIBUTES}
    groups = group_codes(codes, lambda a: getattr(frame, a).labels, n_cells, by)
    g = len(groups)
    result = Retest(groups, {}, {}, {})
    for q, name in enumerate(QUESTIONS):
        use = valid & (frame.question == q)
        cell, x = cell_of_row[use], vectors[use]
        n = np.bincount(cell, minlength=n_cells).astype(np.float64)
        sums = np.stack([np.bincount(cell, weights=x[:, k], minlength=n_cells) for k in range(6)], axis=1)
        repeated = n >= 2
        for matrix, store in ((SAME_SIDE, result.same_side), (DISTANCE, result.distance)):
            self_terms = np.bincount(cell, weights=bilinear(x, matrix, x), minlength=n_cells)
            per_cell = _pair_means(sums, self_terms, n, matrix)
            index = groups.index[repeated]
            with np.errstate(invalid="ignore", divide="ignore"):
                store[name] = (np.bincount(index, weights=per_cell[repeated], minlength=g)
                               / np.bincount(index, minlength=g))
        result.cells[name] = np.bincount(groups.index[repeated], minlength=g)
    return result
