"""Uncertainty of a condition's difference against baseline, paired over dilemmas.

Both conditions answered the same dilemmas, so the unit of resampling is the dilemma: the per-dilemma
difference d_i = x_i(condition) - x_i(baseline) carries the pairing. The interval is a percentile
bootstrap of mean(d); the test is a sign-flip permutation test of mean(d) = 0 (exact for up to
``EXACT_LIMIT`` non-zero differences, Monte Carlo beyond). docs/metrics.md says why this test.

A persona kind, a mean over a sample of personas, has an interval of its own (``metrics.crossed``).
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
    dz: float = float("nan")  # Cohen's d_z: mean(d) / sd(d), sd with n - 1


NAN_DIFFERENCE = PairedDifference(float("nan"), float("nan"), float("nan"), float("nan"), 0)


class Resampler:
    """Random draws shared by every comparison of one computation: conditions with the same number of
    dilemmas reuse one bootstrap weight matrix and one sign matrix, so the cost is paid once per size."""

    def __init__(self, seed: int | list[int] = 0, samples: int = BOOTSTRAP_SAMPLES, flips: int = FLIP_SAMPLES,
                 confidence: float = CONFIDENCE):
        self.rng = np.random.default_rng(seed)
        self.confidence = confidence
        self.samples, self.flips = samples, flips
        self._weights: dict[int, np.ndarray] = {}
        self._signs: np.ndarray | None = None
        self._exact: dict[int, np.ndarray] = {}

    def weights(self, n: int) -> np.ndarray:
        """(samples x n) resampling counts: multinomial counts equal resampled indices, and a matrix
        product is faster than fancy indexing."""
        if n not in self._weights:
            self._weights[n] = self.rng.multinomial(n, np.full(n, 1.0 / n), size=self.samples).astype(np.float64)
        return self._weights[n]

    def signs(self, n: int) -> np.ndarray:
        """(flips x m) random signs with m >= n. One matrix serves every n: multiplied with n differences
        padded by zeros, its extra columns add nothing, so comparisons with different numbers of non-zero
        differences neither pay for new draws nor copy a slice."""
        if self._signs is None or self._signs.shape[1] < n:
            width = -(-n // 256) * 256  # grow in steps, not once per n
            bits = np.unpackbits(self.rng.integers(0, 256, size=(self.flips, width // 8), dtype=np.uint8), axis=1)
            self._signs = 1.0 - 2.0 * bits
        return self._signs

    def exact_signs(self, n: int) -> np.ndarray:
        """All 2^n sign patterns (n <= EXACT_LIMIT), built once per n."""
        if n not in self._exact:
            self._exact[n] = np.array(list(itertools.product((1.0, -1.0), repeat=n))).reshape(2 ** n, n)
        return self._exact[n]


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


def group_mean_intervals(values: np.ndarray, members: list[np.ndarray], resampler: Resampler) -> np.ndarray:
    """(groups x 2) percentile bootstrap intervals of each group's mean, as ``bootstrap_mean_interval``
    gives one by one; groups of one size share one weight matrix and one quantile call."""
    out = np.full((len(members), 2), np.nan)
    by_size: dict[int, list[int]] = {}
    for g, rows in enumerate(members):
        if len(rows):
            by_size.setdefault(len(rows), []).append(g)
    for n, groups in by_size.items():
        out[groups] = mean_intervals(resampler.weights(n), np.stack([values[members[g]] for g in groups], axis=1),
                                     resampler.confidence).T
    return out


def mean_intervals(weights: np.ndarray, columns: np.ndarray, confidence: float) -> np.ndarray:
    """(2 x k) percentile intervals of the mean of each of ``columns`` (n x k), resampled by the
    (samples x n) bootstrap ``weights``: one matrix product for every column."""
    tail = (1 - confidence) / 2
    return np.quantile(weights @ columns / columns.shape[0], [tail, 1 - tail], axis=0)


def sign_flip_p_value(differences: np.ndarray, resampler: Resampler) -> float:
    """Two-sided p of mean(d) = 0 under random signs: exact enumeration for few non-zero d, else Monte Carlo
    with the (count + 1) / (samples + 1) correction so p is never 0."""
    d = np.asarray(differences, dtype=np.float64)
    d = d[d != 0]
    if len(d) == 0:
        return 1.0
    return float(sign_flip_p_values(d[:, None], resampler)[0])


def sign_flip_p_values(differences: np.ndarray, resampler: Resampler) -> np.ndarray:
    """``sign_flip_p_value`` of every column of an (n x k) matrix at once; a zero (or an unpaired dilemma
    entered as 0) adds nothing to any |sum|, so it leaves p unchanged."""
    d = np.asarray(differences, dtype=np.float64)
    n = d.shape[0]
    if n == 0:
        return np.ones(d.shape[1])
    observed = flip_threshold(d)
    if n <= EXACT_LIMIT:
        return flip_p_values(resampler.exact_signs(n), d, observed, True, resampler.flips)
    signs = resampler.signs(n)
    padded = np.zeros((signs.shape[1], d.shape[1]))
    padded[:n] = d
    return flip_p_values(signs, padded, observed, False, resampler.flips)


def flip_threshold(d: np.ndarray) -> np.ndarray:
    """Each column's observed |sum|, less a rounding allowance so that a flipped sum equal to it counts
    as at least as extreme."""
    return np.abs(d.sum(axis=0)) - 1e-9 * np.maximum(1.0, np.abs(d).sum(axis=0))


def flip_p_values(signs: np.ndarray, d: np.ndarray, observed: np.ndarray, exact: bool, flips: int) -> np.ndarray:
    """The sign-flip p of each column of ``d`` (as many rows as ``signs`` has columns, zero padded) against
    its ``observed`` threshold: the share of sign rows at least as extreme where ``signs`` enumerates every
    sign (``exact``), else (count + 1) / (flips + 1); a column of zeros has p 1."""
    extreme = np.abs(signs @ d) >= observed
    if exact:
        return np.mean(extreme, axis=0)
    return np.where(np.abs(d).sum(axis=0) > 0, (np.sum(extreme, axis=0) + 1) / (flips + 1), 1.0)


def paired_difference(condition: np.ndarray, baseline: np.ndarray, resampler: Resampler) -> PairedDifference:
    """Inputs are per-dilemma values for the same dilemmas in the same order (NaN = missing in one)."""
    both = ~np.isnan(condition) & ~np.isnan(baseline)
    d = np.asarray(condition, dtype=np.float64)[both] - np.asarray(baseline, dtype=np.float64)[both]
    if len(d) == 0:
        return NAN_DIFFERENCE
    low, high = bootstrap_mean_interval(d, resampler)
    return PairedDifference(float(d.mean()), low, high, sign_flip_p_value(d, resampler), int(len(d)), dz(d))


def dz(d: np.ndarray) -> float:
    """Cohen's d_z of paired differences: mean(d) / sd(d) (n - 1); NaN for fewer than 2 or no spread."""
    if len(d) < 2:
        return float("nan")
    sd = float(np.std(d, ddof=1))
    return float(np.mean(d)) / sd if sd > 1e-12 else float("nan")


def percentile_interval(samples: np.ndarray, confidence: float, outward: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0, ignoring NaN resamples (NaN where none is left). ``outward``
    takes the order statistics just outside the percentiles instead of interpolating (for ranks)."""
    samples = np.asarray(samples, dtype=np.float64)
    tail = (1 - confidence) / 2
    n = samples.shape[0]
    if n and not np.isnan(samples).any() and not (np.signbit(samples) & (samples == 0)).any():
        return _complete_interval(samples, tail, outward)
    return sorted_interval(samples, tail, outward)


def sorted_interval(samples: np.ndarray, tail: float, outward: bool) -> tuple[np.ndarray, np.ndarray]:
    """``percentile_interval`` by sorting every column: for any resamples (NaN ones left out)."""
    s = np.sort(samples, axis=0)  # NaN sorts last
    k = (~np.isnan(s)).sum(axis=0)
    out = []
    for q, round_to in ((tail, np.floor), (1 - tail, np.ceil)):
        position = q * np.maximum(k - 1, 0)
        if outward:
            position = round_to(position)
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(k - 1, 0))
        low_value = np.take_along_axis(s, below[None], axis=0)[0]
        high_value = np.take_along_axis(s, above[None], axis=0)[0]
        value = low_value + (position - below) * (high_value - low_value)
        out.append(np.where(k > 0, value, np.nan))
    return out[0], out[1]


def _complete_interval(samples: np.ndarray, tail: float, outward: bool) -> tuple[np.ndarray, np.ndarray]:
    """``percentile_interval`` of resamples with no NaN (nor -0.0): every column has all n, so the order
    statistics wanted sit at the same places in each and a partition finds them without a full sort.
    The same arithmetic on the same values (equal floats are the same bits here): the same numbers."""
    n = samples.shape[0]
    places = []
    for q, round_to in ((tail, np.floor), (1 - tail, np.ceil)):
        position = q * max(n - 1, 0)
        if outward:
            position = round_to(position)
        below = int(np.floor(position))
        places.append((position, below, min(below + 1, max(n - 1, 0))))
    s = np.partition(samples, sorted({i for _, below, above in places for i in (below, above)}), axis=0)
    out = []
    for position, below, above in places:
        low_value, high_value = s[below], s[above]
        out.append(np.where(n > 0, low_value + (position - below) * (high_value - low_value), np.nan))
    return out[0], out[1]


def bootstrap_p_values(samples: np.ndarray) -> np.ndarray:
    """Two-sided p of 0 from bootstrap resamples along axis 0: twice the smaller share of resamples on
    either side of 0, with the (count + 1) / (samples + 1) correction (the level at which the percentile
    interval starts to exclude 0)."""
    ok = ~np.isnan(samples)
    n = ok.sum(axis=0)
    below = ((samples <= 0) & ok).sum(axis=0)
    above = ((samples >= 0) & ok).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * (np.minimum(below, above) + 1) / (n + 1)
    return np.where(n > 0, np.minimum(p, 1.0), np.nan)
