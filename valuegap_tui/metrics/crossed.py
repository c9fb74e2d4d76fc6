"""A mean over a *sample of personas* crossed with a *sample of dilemmas*: the persona-kind rows.

A kind's level (or change against baseline) is the mean over its P personas of each persona's mean over
its dilemmas. Both are samples: the personas of the kind's band that were drawn, and the dilemmas. Under
the crossed random-effects model x_pi = mu + a_p + b_i + e_pi (a: persona, b: dilemma, e: the rest), the
variance of the kind's mean is sigma_a^2 / P + sigma_b^2 / N + sigma_e^2 / (P N). Its unbiased estimate
from the ANOVA mean squares is

    V = s_r^2 / P + (s_c^2 / N - MS_e / (P N)),

with s_r^2 the variance of the P persona means, s_c^2 the variance of the N dilemma means (over the
kind's personas) and MS_e the residual mean square; the second term (the dilemmas' share) is cut at 0.

With four personas, s_r^2 has 3 degrees of freedom and dominates V whenever personas of a kind differ:
a normal interval, or a bootstrap over four personas, is then far too narrow (measured: 88.7% coverage
at 4 personas per kind, p < .05 in 11.1% of null studies). The interval here is Banerjee's (1960)
conservative interval for a sum of variance components with their own degrees of freedom:

    half-width = sqrt(t_{P-1}^2 s_r^2 / P + t_{N-1}^2 (s_c^2 / N - MS_e / (P N))),

t at the interval's level; p is the level at which it starts to exclude 0. It needs no assumption on
which component dominates (Welch-Satterthwaite degrees of freedom undercovered, 92-94%, when the persona
part dominated at four personas and 616 dilemmas). A kind of one persona has no persona part: its
interval is the t interval over dilemmas (what the persona's condition row says), and the table says
it rests on one persona.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from valuegap_tui.metrics import student_t

CONFIDENCE = 0.95


@dataclass(frozen=True)
class CrossedMean:
    """Arrays of the leading shape of ``values`` (scalars for one kind)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray  # two-sided, of mean = 0
    personas: np.ndarray  # personas with at least one value
    dilemmas: np.ndarray  # dilemmas with at least one value
    persona_variance: np.ndarray  # s_r^2 / P
    dilemma_variance: np.ndarray  # max(0, s_c^2 / N - MS_e / (P N))


def _nan_variance(x: np.ndarray, present: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Sample variance (n - 1) along the last axis over ``present`` entries; NaN below two."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, x, 0.0).sum(axis=-1) / count
        squares = np.where(present, (x - mean[..., None]) ** 2, 0.0).sum(axis=-1)
        return np.where(count >= 2, squares / (count - 1), np.nan)


def crossed_mean(values: np.ndarray, confidence: float = CONFIDENCE) -> CrossedMean:
    """``values``: (..., personas, dilemmas), NaN where a persona has no value on a dilemma. The mean
    over personas of each persona's mean over its dilemmas, with its interval and p (module docstring);
    vectorised over the leading axes (simulation studies)."""
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    per_persona, per_dilemma = ok.sum(axis=-1), ok.sum(axis=-2)
    has_persona, has_dilemma = per_persona > 0, per_dilemma > 0
    personas, dilemmas = has_persona.sum(axis=-1), has_dilemma.sum(axis=-1)
    filled = np.where(ok, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        row = filled.sum(axis=-1) / per_persona
        column = filled.sum(axis=-2) / per_dilemma
        mean = np.where(has_persona, row, 0.0).sum(axis=-1) / personas
        persona_part = _nan_variance(row, has_persona, personas) / personas
        dilemma_means = _nan_variance(column, has_dilemma, dilemmas) / dilemmas
        residual = np.where(ok, v - np.where(has_persona, row, 0.0)[..., :, None]
                            - np.where(has_dilemma, column, 0.0)[..., None, :] + mean[..., None, None], 0.0)
        residual_df = ok.sum(axis=(-2, -1)) - personas - dilemmas + 1
        residual_ms = np.where(residual_df > 0, (residual ** 2).sum(axis=(-2, -1)) / residual_df, 0.0)
        dilemma_part = np.maximum(dilemma_means - residual_ms / (personas * dilemmas), 0.0)
    one = personas == 1  # no spread over personas to measure: the interval over the dilemmas only
    persona_part = np.where(one, 0.0, persona_part)
    dilemma_part = np.where(one, dilemma_means, dilemma_part)
    width, p = _interval_and_p(np.abs(mean), persona_part, dilemma_part, np.maximum(personas - 1, 1),
                               np.maximum(dilemmas - 1, 1), confidence)
    undefined = np.isnan(width) | (dilemmas < 2) | (personas < 1)
    low = np.where(undefined, np.nan, mean - width)
    high = np.where(undefined, np.nan, mean + width)
    return CrossedMean(mean, low, high, np.where(undefined, np.nan, p), personas, dilemmas, persona_part,
                       dilemma_part)


#: two-sided levels at which the half-width is tabulated for p (log-spaced below 0.01, then in steps of
#: 0.005; p is interpolated between them)
P_GRID = np.union1d(np.geomspace(1e-12, 0.01, 300), np.linspace(0.01, 1.0, 199))


@lru_cache(maxsize=256)
def _quantiles(df: float, confidence: float) -> np.ndarray:
    """The upper t quantiles of ``df`` at every two-sided level of the grid (one computation per df)."""
    grid = np.union1d(P_GRID, [1.0 - confidence])
    return student_t.quantile(1.0 - grid / 2.0, df)


def _interval_and_p(distance, persona_part, dilemma_part, persona_df, dilemma_df,
                    confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The half-width at ``confidence`` and p, the level at which the interval starts to exclude 0
    (p < 1 - confidence exactly when the interval leaves 0 out). The t quantiles are computed once per
    pair of degrees of freedom (a simulation's studies share them) on a grid of levels."""
    shape = np.shape(distance)
    distance, a, b = (np.broadcast_to(x, shape).ravel() for x in (distance, persona_part, dilemma_part))
    pairs = np.stack([np.broadcast_to(persona_df, shape).ravel(), np.broadcast_to(dilemma_df, shape).ravel()], 1)
    width, p = np.full(len(distance), np.nan), np.full(len(distance), np.nan)
    grid = np.union1d(P_GRID, [1.0 - confidence])
    at = int(np.searchsorted(grid, 1.0 - confidence))
    for pair in np.unique(pairs, axis=0):
        rows = np.flatnonzero((pairs == pair).all(axis=1))
        t_persona, t_dilemma = (_quantiles(float(df), confidence) for df in pair)
        # half-width at every level of the grid (decreasing in p), one row per element
        widths = np.sqrt(np.outer(a[rows], t_persona ** 2) + np.outer(b[rows], t_dilemma ** 2))
        width[rows] = widths[:, at]
        inside = (widths >= distance[rows, None]).sum(axis=1)  # grid levels whose interval holds 0
        k = np.clip(inside, 1, len(grid) - 1)
        w0, w1 = widths[np.arange(len(rows)), k - 1], widths[np.arange(len(rows)), k]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.clip((np.log(w0) - np.log(distance[rows])) / (np.log(w0) - np.log(w1)), 0.0, 1.0)
        log_p = np.log(grid[k - 1]) + share * (np.log(grid[k]) - np.log(grid[k - 1]))
        found = np.where(inside >= len(grid), 1.0, np.where(inside == 0, grid[0], np.exp(log_p)))
        # exact at the interval's own level, whatever the interpolation says
        found = np.where(inside > at, np.maximum(found, 1.0 - confidence), np.minimum(found, np.nextafter(1.0 - confidence, 0)))
        p[rows] = np.where(distance[rows] == 0, 1.0, found)
    return width.reshape(shape), p.reshape(shape)
