"""Uncertainty of a condition's difference against baseline, paired over dilemmas.

Both conditions answered the same dilemmas, so the unit of resampling is the dilemma: the per-dilemma
difference d_i = x_i(condition) - x_i(baseline) carries the pairing. The interval is a percentile
bootstrap of mean(d); the test is a sign-flip permutation test of mean(d) = 0 (exact for up to
``EXACT_LIMIT`` non-zero differences, Monte Carlo beyond). docs/metrics.md says why this test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_SAMPLES = 2000
FLIP_SAMPLES = 10000
EXACT_LIMIT = 16
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedDifference:
    mean: float  # mean of x(condition) - x(baseline) over shared dilemmas
    low: float  # bootstrap percentile interval
    high: float
    p_value: float  # two-sided sign-flip test of mean difference = 0
    dilemmas: int  # dilemmas in both conditions


NAN_DIFFERENCE = PairedDifference(float("nan"), float("nan"), float("nan"), float("nan"), 0)


class Resampler:
    """Random draws shared by every comparison of one computation: conditions with the same number of
    dilemmas reuse one bootstrap weight matrix and one sign matrix, so the cost is paid once per size."""

    def __init__(self, seed: int = 0, samples: int = BOOTSTRAP_SAMPLES, flips: int = FLIP_SAMPLES,
                 confidence: float = CONFIDENCE):
        self.rng = np.random.default_rng(seed)
        self.confidence = confidence
        self.samples, self.flips = samples, flips
        self._weights: dict[int, np.ndarray] = {}
        self._signs: dict[int, np.ndarray] = {}

    def weights(self, n: int) -> np.ndarray:
        """(samples x n) resampling counts: multinomial counts equal resampled indices, and a matrix
        product is faster than fancy indexing."""
        if n not in self._weights:
            self._weights[n] = self.rng.multinomial(n, np.full(n, 1.0 / n), size=self.samples).astype(np.float64)
        return self._weights[n]

    def signs(self, n: int) -> np.ndarray:
        if n not in self._signs:
            self._signs[n] = self.rng.integers(0, 2, size=(self.flips, n), dtype=np.int8) * 2.0 - 1.0
        return self._signs[n]


def bootstrap_mean_interval(values: np.ndarray, resampler: Resampler) -> tuple[float, float]:
    """Percentile interval of the mean of ``values`` resampled with replacement."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    means = resampler.weights(n) @ values / n
    tail = (1 - resampler.confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def sign_flip_p_value(differences: np.ndarray, resampler: Resampler) -> float:
    """Two-sided p of mean(d) = 0 under random signs: exact enumeration for few non-zero d, else Monte Carlo
    with the (count + 1) / (samples + 1) correction so p is never 0."""
    d = np.asarray(differences, dtype=np.float64)
    d = d[d != 0]
    if len(d) == 0:
        return 1.0
    observed = abs(d.sum()) - 1e-9 * max(1.0, np.abs(d).sum())
    if len(d) <= EXACT_LIMIT:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(d))))
        return float(np.mean(np.abs(signs @ d) >= observed))
    extreme = int(np.sum(np.abs(resampler.signs(len(d)) @ d) >= observed))
    return (extreme + 1) / (resampler.flips + 1)


def paired_difference(condition: np.ndarray, baseline: np.ndarray, resampler: Resampler) -> PairedDifference:
    """Inputs are per-dilemma values for the same dilemmas in the same order (NaN = missing in one)."""
    both = ~np.isnan(condition) & ~np.isnan(baseline)
    d = np.asarray(condition, dtype=np.float64)[both] - np.asarray(baseline, dtype=np.float64)[both]
    if len(d) == 0:
        return NAN_DIFFERENCE
    low, high = bootstrap_mean_interval(d, resampler)
    return PairedDifference(float(d.mean()), low, high, sign_flip_p_value(d, resampler), int(len(d)))
