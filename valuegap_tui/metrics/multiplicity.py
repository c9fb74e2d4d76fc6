"""p-values adjusted for testing a family of hypotheses at once, and the standardised paired effect size.

Holm (1979) controls the family-wise error rate (the chance of any false rejection) under any dependence;
Benjamini-Hochberg (1995) controls the false discovery rate (the expected share of false rejections among
the rejections), under independence or positive dependence. Both return adjusted p-values: reject at level
alpha where the adjusted p <= alpha. NaN p-values (nothing to test) are left out of the family and stay NaN.
"""

from __future__ import annotations

import numpy as np


def _adjusted(p_values, step) -> np.ndarray:
    """Apply ``step`` (sorted p-values, m -> their adjusted values) to the tested p-values, in place order."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    q = p[tested]
    if len(q) == 0:
        return out
    order = np.argsort(q, kind="stable")
    adjusted = np.empty(len(q))
    adjusted[order] = np.minimum(step(q[order], len(q)), 1.0)
    out[tested] = adjusted
    return out


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment: the i-th smallest of m p-values becomes max_{j<=i} (m - j + 1) p_(j)."""
    return _adjusted(p_values, lambda q, m: np.maximum.accumulate((m - np.arange(m)) * q))


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg step-up adjustment: the i-th smallest of m p-values becomes
    min_{j>=i} m p_(j) / j."""
    return _adjusted(p_values, lambda q, m: np.minimum.accumulate((q * m / np.arange(1, m + 1))[::-1])[::-1])


def cohen_dz(mean: np.ndarray, sum_of_squares: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Cohen's d_z of paired differences: mean(d) / sd(d), sd with n - 1 in the denominator, from each
    group's mean, sum of squared differences and count. NaN with fewer than two pairs or sd = 0."""
    mean, sum_of_squares, n = (np.asarray(a, dtype=np.float64) for a in (mean, sum_of_squares, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (sum_of_squares - n * mean ** 2) / (n - 1)
        sd = np.sqrt(np.maximum(variance, 0.0))
        # a spread below rounding noise is no spread: d_z would be a ratio of round-off errors
        return np.where((n >= 2) & (sd > 1e-12), mean / sd, np.nan)
