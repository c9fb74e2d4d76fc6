"""Reliability of the ValAct-style profiles, and correlations corrected for it (docs/designs.md, valact).

A profile is one score per basic value: the questionnaire's stated score (the mean of the value's items)
or the enacted rate (the share of the scenarios offering the value whose chosen action enacts it). Both
are measured with error, and a correlation between noisy profiles is attenuated (Spearman 1904):
E r_obs ~ r_true x sqrt(reliability_x x reliability_y). Measured: with a planted stated-vs-enacted r of
0.79 and two items per value, the mean r was 0.39-0.54 at 10-300 scenarios per value, and two identical
models gave a cross-model r of 0.33 at 10 scenarios per value. The r's of studies of different sizes
are then not comparable.

**Reliability** of a profile: the share of its variance across the values that is not measurement
error, 1 - mean_v(error_v) / s^2 (s^2: the variance of the scores over the values, error_v: the
variance of value v's measurement error).

- questionnaire: error_v = s_w^2 / m_v, with m_v the value's items and s_w^2 the variance of item means
  within a value, pooled over the values (sum(m_v - 1) degrees of freedom). With two items per value
  this is the Spearman-Brown corrected split-half reliability over items in its expected form (the
  same as Cronbach's alpha taking the values as cases and the items as parts); one item per value
  leaves it unknown.
- enacted profile: error_v = the variance of the rate over scenarios, sum_s (c_sv - rate_v o_sv)^2 /
  O_v^2 x n_v / (n_v - 1) (c: choices of v in scenario s, o: answers there, O_v = sum o_sv, n_v the
  scenarios offering v), scenarios as the unit. It is the split-half reliability over scenarios with
  Spearman-Brown in its expected form, without the randomness of one split (a test ties the two).

**Disattenuated r** = cov(x, y) / sqrt((s_x^2 - mean error_x) (s_y^2 - mean error_y)): the correlation
of the profiles measured without error (the estimand: the r of the true profiles over the values, the
scenarios and items being samples). For two models' enacted profiles on the same scenarios, their
errors share the scenarios: the covariance of their errors (the same sum with one model's deviations
times the other's) is taken out of cov(x, y) first. Undefined when an estimated true variance is <= 0.

**Interval**: a parametric bootstrap in a world built to match the estimate (true profiles with the
estimated true variances and correlation r_dis, errors normal with the estimated variances, the error
estimates drawn again from their chi-square distributions), 1,000 draws; the basic (pivot) interval
[2 r - q_0.975, 2 r - q_0.025], cut to [-1, 1]. A bootstrap of the observed data instead builds a world
whose true profiles are the observed ones, so its correlations centre on the attenuated r.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DRAWS = 1000
LEVEL = 0.95
SEED = 20261
#: below this reliability a profile's correlations say little: the tables warn
LOW_RELIABILITY = 0.5


@dataclass(frozen=True)
class Profile:
    """One score per value (NaN: not measured), the variance of each score's error and the degrees of
    freedom the error estimate rests on (per value)."""

    scores: np.ndarray
    error: np.ndarray
    error_df: np.ndarray
    #: one error estimate shared by every value (the questionnaire's pooled within-value variance)
    pooled: bool = False

    @property
    def measured(self) -> np.ndarray:
        return ~np.isnan(self.scores) & ~np.isnan(self.error)


def stated_profile(item_values: list[str], item_means: np.ndarray, order: list[str]) -> Profile:
    """The questionnaire's profile: per value the mean of its items' means, the pooled within-value
    variance of item means over the value's item count as its error."""
    means = np.asarray(item_means, dtype=float)
    scores, counts, squares = np.full(len(order), np.nan), np.zeros(len(order)), 0.0
    for k, value in enumerate(order):
        mine = means[[v == value for v in item_values]] if len(means) else np.zeros(0)
        if len(mine):
            scores[k], counts[k] = float(mine.mean()), len(mine)
            squares += float(((mine - mine.mean()) ** 2).sum())
    df = float((np.maximum(counts - 1, 0)).sum())
    pooled = squares / df if df > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.where(counts > 0, pooled / counts, np.nan)
    return Profile(scores, error, np.full(len(order), df), pooled=True)


def enacted_profile(chosen: np.ndarray, offered: np.ndarray) -> Profile:
    """The enacted profile from per-scenario counts (scenarios x values): the rate where offered, with
    the variance of the rate over scenarios as its error."""
    chosen, offered = np.asarray(chosen, dtype=float), np.asarray(offered, dtype=float)
    total = offered.sum(axis=0)
    scenarios = (offered > 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = chosen.sum(axis=0) / total
        deviation = chosen - rate * offered
        error = (deviation ** 2).sum(axis=0) / total ** 2 * scenarios / (scenarios - 1)
    error = np.where(scenarios >= 2, error, np.nan)
    return Profile(np.where(total > 0, rate, np.nan), error, np.maximum(scenarios - 1, 0).astype(float))


def shared_error(chosen_a, offered_a, chosen_b, offered_b) -> np.ndarray:
    """The covariance of two enacted profiles' errors per value, from the scenarios both answered (the
    same rows of both count matrices)."""
    deviations = []
    for chosen, offered in ((chosen_a, offered_a), (chosen_b, offered_b)):
        chosen, offered = np.asarray(chosen, dtype=float), np.asarray(offered, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = chosen.sum(axis=0) / offered.sum(axis=0)
        deviations.append(((chosen - rate * offered), offered.sum(axis=0)))
    (da, ta), (db, tb) = deviations
    scenarios = ((np.asarray(offered_a) > 0) & (np.asarray(offered_b) > 0)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scenarios >= 2, (da * db).sum(axis=0) / (ta * tb) * scenarios / (scenarios - 1), np.nan)


def reliability(profile: Profile) -> float:
    """1 - mean error / variance of the scores over the measured values (NaN below three values)."""
    use = profile.measured
    if use.sum() < 3:
        return math.nan
    variance = float(np.var(profile.scores[use], ddof=1))
    return 1.0 - float(profile.error[use].mean()) / variance if variance > 0 else math.nan


@dataclass(frozen=True)
class Corrected:
    r: float  # observed Pearson r over the values both measured
    reliability_x: float
    reliability_y: float
    r_disattenuated: float  # cut to [-1, 1]; NaN when a true variance is estimated <= 0
    low: float
    high: float
    warning: str  # "" when both reliabilities reach LOW_RELIABILITY


def _moments(x, y, error_x, error_y, cross):
    """Per row: covariance and true variances (the mean error taken out) over the last axis."""
    n = x.shape[-1]
    xc, yc = x - x.mean(axis=-1, keepdims=True), y - y.mean(axis=-1, keepdims=True)
    covariance = (xc * yc).sum(axis=-1) / (n - 1) - cross
    return covariance, (xc ** 2).sum(axis=-1) / (n - 1) - error_x, (yc ** 2).sum(axis=-1) / (n - 1) - error_y


def _ratio(covariance, true_x, true_y):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((true_x > 0) & (true_y > 0), covariance / np.sqrt(np.abs(true_x * true_y)), np.nan)


def corrected_r(x: Profile, y: Profile, cross: np.ndarray | None = None, *, draws: int = DRAWS,
                seed: int = SEED, level: float = LEVEL) -> Corrected:
    """The observed and the disattenuated r of two profiles, with the interval of the module docstring.
    ``cross``: the covariance of the two profiles' errors per value (None: independent errors)."""
    use = x.measured & y.measured
    if cross is not None:
        use &= ~np.isnan(cross)
    n = int(use.sum())
    rel_x, rel_y = reliability(x), reliability(y)
    if n < 3:
        return Corrected(math.nan, rel_x, rel_y, math.nan, math.nan, math.nan, "fewer than three values measured")
    xs, ys = x.scores[use], y.scores[use]
    ex, ey = x.error[use], y.error[use]
    cx = np.zeros(n) if cross is None else cross[use]
    r = float(np.corrcoef(xs, ys)[0, 1]) if xs.std() > 0 and ys.std() > 0 else math.nan
    covariance, true_x, true_y = (float(v) for v in _moments(xs, ys, ex.mean(), ey.mean(), cx.mean()))
    warning = _warning(rel_x, rel_y)
    r_dis = float(_ratio(covariance, true_x, true_y))
    if math.isnan(r_dis):
        return Corrected(r, rel_x, rel_y, math.nan, math.nan, math.nan, warning)
    low, high = _interval(xs, ys, ex, ey, cx, (x.error_df[use], x.pooled), (y.error_df[use], y.pooled),
                          cross is not None, true_x, true_y, r_dis, draws, seed, level)
    return Corrected(r, rel_x, rel_y, max(-1.0, min(1.0, r_dis)), low, high, warning)


def _warning(rel_x: float, rel_y: float) -> str:
    low = [f"{name} {value:.2f}" for name, value in (("first profile", rel_x), ("second profile", rel_y))
           if math.isnan(value) or value < LOW_RELIABILITY]
    if not low:
        return ""
    return ("reliability below " + f"{LOW_RELIABILITY:g} ({', '.join(low)}): r says little; more items or scenarios "
            "per value would help")


def _interval(xs, ys, ex, ey, cx, df_x, df_y, paired, true_x, true_y, r_dis, draws, seed,
              level) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = len(xs)
    planted = max(-0.99, min(0.99, r_dis))
    # the world: true profiles with the estimated variances and correlation, shaped like the observed ones
    zx = (xs - xs.mean()) / xs.std(ddof=1)
    rest = (ys - ys.mean()) - ((ys - ys.mean()) @ zx) / (zx @ zx) * zx
    zr = rest / rest.std(ddof=1) if rest.std() > 1e-12 else np.zeros(n)
    world_x = xs.mean() + math.sqrt(true_x) * zx
    world_y = ys.mean() + math.sqrt(true_y) * (planted * zx + math.sqrt(1 - planted ** 2) * zr)
    # errors drawn with the estimated (co)variances, jointly normal per value
    with np.errstate(invalid="ignore"):
        rho = np.where(ex * ey > 0, np.clip(cx / np.sqrt(ex * ey), -0.999, 0.999), 0.0)
    first, second = rng.standard_normal((draws, n)), rng.standard_normal((draws, n))
    noise_x = first * np.sqrt(ex)
    noise_y = (rho * first + np.sqrt(1 - rho ** 2) * second) * np.sqrt(ey)
    # the error estimates themselves vary: chi-square on their degrees of freedom (one draw for a pooled
    # estimate; two profiles on the same scenarios share theirs, which keeps their joint error valid)
    scale_x = _chi_square_scale(rng, *df_x, draws)
    scale_y = scale_x if paired else _chi_square_scale(rng, *df_y, draws)
    covariance, tx, ty = _moments(world_x + noise_x, world_y + noise_y, (ex * scale_x).mean(axis=1),
                                  (ey * scale_y).mean(axis=1), (cx * np.sqrt(scale_x * scale_y)).mean(axis=1))
    drawn = _ratio(covariance, tx, ty)
    drawn = drawn[~np.isnan(drawn)]
    if len(drawn) < draws / 2:  # the world itself rarely gives a defined r: no interval worth the name
        return math.nan, math.nan
    q_low, q_high = np.quantile(drawn, [(1 - level) / 2, (1 + level) / 2])
    return max(-1.0, float(2 * planted - q_high)), min(1.0, float(2 * planted - q_low))


def _chi_square_scale(rng, df: np.ndarray, pooled: bool, draws: int) -> np.ndarray:
    """(draws, values): chi-square(df) / df per value (one column repeated for a pooled estimate); 1
    where df is unknown."""
    df = np.asarray(df, dtype=float)
    safe = np.where(np.isfinite(df) & (df > 0), df, 1.0)
    scale = rng.chisquare(safe[:1] if pooled else safe, size=(draws, 1 if pooled else len(df))) / (
        safe[:1] if pooled else safe)
    scale = np.broadcast_to(scale, (draws, len(df)))
    return np.where((df > 0) & np.isfinite(df), scale, 1.0)
