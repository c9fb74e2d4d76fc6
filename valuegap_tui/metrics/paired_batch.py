"""Many bootstrap intervals and sign-flip tests computed together, with the draws they would have one by one.

The conditions table asks, per condition and metric, for ``bootstrap_mean_interval`` of the levels and
``paired_difference`` against baseline: one matrix-vector product each with a (2,000 x dilemmas) weight
matrix and a (10,000 x 768) sign matrix. Each product reads its whole matrix for one column, so fifty of
them read the 61 MB sign matrix fifty times. Here the same questions are asked of the ``Resampler`` in
the same order (so the same matrices are drawn, from the same random stream, and a stream shared with
later tables is left where it would be), the vectors are gathered, and each matrix is multiplied once
with all its vectors as the columns of one matrix. The numbers are those of the one-by-one functions up
to float rounding in the products' sums (a test holds them within 1e-12, and the p-values equal).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from valuegap_tui.metrics.paired import EXACT_LIMIT, Resampler, flip_p_values, flip_threshold, mean_intervals

NAN = float("nan")


class PairedBatch:
    """Questions registered with a callback each (``mean_interval``, ``sign_flip``), answered by ``run``."""

    def __init__(self, resampler: Resampler):
        self.resampler = resampler
        # id of a draw matrix -> (the matrix, [(vector, callback)]), in the order first asked
        self._means: dict[int, tuple[np.ndarray, list]] = {}
        self._flips: dict[int, tuple[np.ndarray, bool, list]] = {}

    def mean_interval(self, values: np.ndarray, put: Callable[[float, float], None]) -> None:
        """``bootstrap_mean_interval(values)``, handed to ``put(low, high)`` by ``run``."""
        values = np.asarray(values, dtype=np.float64)
        if len(values) == 0:
            put(NAN, NAN)
            return
        weights = self.resampler.weights(len(values))
        self._means.setdefault(id(weights), (weights, []))[1].append((values, put))

    def sign_flip(self, differences: np.ndarray, put: Callable[[float], None]) -> None:
        """``sign_flip_p_value(differences)``, handed to ``put(p)`` by ``run``."""
        d = np.asarray(differences, dtype=np.float64)
        d = d[d != 0]
        if len(d) == 0:
            put(1.0)
            return
        exact = len(d) <= EXACT_LIMIT
        signs = self.resampler.exact_signs(len(d)) if exact else self.resampler.signs(len(d))
        self._flips.setdefault(id(signs), (signs, exact, []))[2].append((d, put))

    def paired(self, condition: np.ndarray, baseline: np.ndarray,
               put: Callable[[float, float, float], None]) -> None:
        """The interval and p of ``paired_difference(condition, baseline)``, handed to ``put(low, high, p)``
        by ``run`` (nothing when no dilemma holds both: the caller keeps its NaN)."""
        both = ~np.isnan(condition) & ~np.isnan(baseline)
        d = np.asarray(condition, dtype=np.float64)[both] - np.asarray(baseline, dtype=np.float64)[both]
        if len(d) == 0:
            return
        found: dict[str, float] = {}

        def arrived(**cells: float) -> None:  # p comes at once where every difference is 0
            found.update(cells)
            if len(found) == 3:
                put(found["low"], found["high"], found["p"])

        def interval(low: float, high: float) -> None:
            arrived(low=low, high=high)

        def p_value(p: float) -> None:
            arrived(p=p)

        self.mean_interval(d, interval)
        self.sign_flip(d, p_value)

    def run(self) -> None:
        """Answer every question asked so far, the intervals first (a ``paired`` answer needs both)."""
        for weights, asked in self._means.values():
            bounds = mean_intervals(weights, np.stack([values for values, _put in asked], axis=1),
                                    self.resampler.confidence)
            for j, (_values, put) in enumerate(asked):
                put(float(bounds[0, j]), float(bounds[1, j]))
        for signs, exact, asked in self._flips.values():
            d = np.zeros((signs.shape[1], len(asked)))
            for j, (values, _put) in enumerate(asked):
                d[:len(values), j] = values
            p = flip_p_values(signs, d, flip_threshold(d), exact, self.resampler.flips)
            for j, (_values, put) in enumerate(asked):
                put(float(p[j]))
        self._means.clear()
        self._flips.clear()
