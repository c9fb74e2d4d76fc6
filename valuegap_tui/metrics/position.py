"""Position bias per model and condition, estimated from the Latin square, and AR and AD adjusted for it.

Every (dilemma, question) is asked with its options in the rows of a Latin square, so over the repeats
each option visits the letters evenly: a respondent that answers by content picks each letter 1/k of the
time, whatever it believes. Letter shares away from 1/k are a position effect.

**Model** (per model, condition and question): a share pi of answers goes by position (a letter drawn
from the respondent's letter preference q, whatever option sits there), the rest by content (theta, the
option distribution the gap is about):

    P(letter l) = (1 - pi) / k + pi q_l        (the square spreads content evenly over letters)

**pi** is the smallest position share the letter shares allow (q_l >= 0 everywhere): pi = 1 - k min_l s_l,
exact when the position-driven answers avoid at least one letter (one favourite letter, or a few). The
minimum of noisy shares is biased upward (an unbiased respondent would show pi about 0.05 at 3,000
answers), so pi is **cross-fitted**: the dilemmas are split in two halves, the least chosen letter is
picked in one half and its share read in the other, and the two ways round are averaged. Under no
position bias pi then averages 0.

**Adjusted answers.** Over a cell's repeats the position-driven answers fall on options spread evenly
by the square (exactly over k repeats, on average over the squares otherwise), so the cell's answer
distribution is f = (1 - pi) theta + pi u (u uniform over the k options) in expectation, and

    theta_hat = u + (f - u) / (1 - pi)

is unbiased for theta. AR and AD are bilinear in the value and the action distribution (the ``pairs``
estimand), so the adjusted cell AR = theta_hat_v' S theta_hat_a (S: same side) and AD = theta_hat_v' D
theta_hat_a (D: distance) are unbiased too, averaged over the dilemmas as the conditions table does. A
single cell's adjusted value can fall outside [0, 1]; the mean cannot, in expectation, but over few dilemmas
with a large position share it can: the mean and each resample are cut to the metric's range (a projection
onto the range is never farther from the truth). Only the ``pairs`` estimand has this form: under the
others the adjusted columns stay empty.

**Intervals**: percentile bootstrap over the row's dilemmas (2,000 resamples), pi estimated again in each
resample, so its uncertainty is in the interval; the change against baseline resamples the paired
dilemmas once for both, and p is the bootstrap's (twice the smaller share of resampled changes on either
side of 0). Letter shares get the same bootstrap.

With answer distributions (``expected``, logprob runs) every row contributes its distribution: over the
options for f, and over the letters (mapped through the option order it was asked with) for the shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.grid import DilemmaGrid
from valuegap_tui.metrics.items import answer_vectors, valid_answers
from valuegap_tui.metrics.paired import Resampler, bootstrap_p_values, percentile_interval
from valuegap_tui.metrics.scale import DISTANCE, SAME_SIDE
from valuegap_tui.metrics.table import Table

NAN = float("nan")
QUESTIONS = ("value", "action")
LETTERS = "ABCDEF"
#: a condition answered more than this share by position has no content left to adjust for
MAX_POSITION_SHARE = 0.95
METRICS = (("ar", SAME_SIDE), ("ad", DISTANCE))

POSITION_COLUMNS = (("model", "condition", "dilemmas")
                    + tuple(f"{q}_position{end}" for q in QUESTIONS for end in ("", "_low", "_high"))
                    + tuple(f"{m}_adjusted{end}" for m, _ in METRICS
                            for end in ("", "_low", "_high", "_baseline", "_change", "_change_low", "_change_high",
                                        "_change_p")))
LETTER_COLUMNS = ("model", "condition", "question", "letter", "share", "share_low", "share_high", "even_share")


@dataclass
class _Counts:
    """Per (model, condition, dilemma, question): the summed option vectors (f times n), the summed
    letter vectors and the number of valid answers."""

    options: np.ndarray  # (models, conditions, dilemmas, 2, k)
    letters: np.ndarray  # (models, conditions, dilemmas, 2, k)
    answers: np.ndarray  # (models, conditions, dilemmas, 2)


def _counts(frame: AnswerFrame, shape: tuple[int, int, int], expected: bool, k: int = 6) -> _Counts:
    vectors, valid = answer_vectors(frame, expected) if expected else (None, valid_answers(frame))
    rows = np.flatnonzero(valid & (frame.question < 2))
    cell = ((frame.model.codes[rows].astype(np.int64) * shape[1] + frame.persona.codes[rows]) * shape[2]
            + frame.dilemma.codes[rows]) * 2 + frame.question[rows]
    size = shape[0] * shape[1] * shape[2] * 2
    full = shape + (2,)
    if expected:
        options = vectors[rows, :k]
        letters = np.zeros((len(rows), k))
        letters[np.arange(len(rows)), np.clip(frame.position[rows], 0, k - 1)] = 1.0
        order = frame.permutation[rows, :k].astype(np.int64)
        known = (order >= 0).all(axis=1)  # the option shown at each letter: its probability is the letter's
        letters[known] = np.take_along_axis(options[known], order[known], axis=1)
        summed = [np.stack([np.bincount(cell, weights=v[:, j], minlength=size) for j in range(k)], axis=1)
                  for v in (options, letters)]
    else:  # one answer each: a count per (cell, option) and per (cell, letter)
        summed = [np.bincount(cell * k + codes[rows].astype(np.int64), minlength=size * k).reshape(size, k)
                  .astype(np.float64) for codes in (frame.choice, frame.position)]
    answers = np.bincount(cell, minlength=size).astype(np.float64)
    return _Counts(summed[0].reshape(full + (k,)), summed[1].reshape(full + (k,)), answers.reshape(full))


def _position_share(letters: np.ndarray, answers: np.ndarray, weights: np.ndarray, halves: np.ndarray) -> np.ndarray:
    """Cross-fitted pi per resample: ``letters`` (dilemmas x k) and ``answers`` (dilemmas) of one question,
    ``weights`` (resamples x dilemmas), ``halves`` (dilemmas: 0 or 1)."""
    sums = weights @ _half_columns(letters, answers, halves)
    return _cross_fitted(sums, letters.shape[1])


def _half_columns(letters: np.ndarray, answers: np.ndarray, halves: np.ndarray) -> np.ndarray:
    """(dilemmas, 2k + 2): the letter sums and answer counts of half 0, then of half 1, zero elsewhere, so
    one matrix product with the weights gives every resample's sums in both halves."""
    in_half = [(halves == h).astype(np.float64) for h in (0, 1)]
    return np.hstack([letters * in_half[0][:, None], letters * in_half[1][:, None],
                      (answers * in_half[0])[:, None], (answers * in_half[1])[:, None]])


def _cross_fitted(sums: np.ndarray, k: int) -> np.ndarray:
    """pi per resample from ``_half_columns`` summed with the weights: the least chosen letter of one
    half, its share read in the other, both ways round, averaged."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = [sums[:, :k] / sums[:, 2 * k, None], sums[:, k:2 * k] / sums[:, 2 * k + 1, None]]
    picked = []
    for chosen, measured in ((shares[0], shares[1]), (shares[1], shares[0])):
        least = np.argmin(np.where(np.isnan(chosen), np.inf, chosen), axis=1)
        picked.append(1.0 - k * measured[np.arange(len(measured)), least])
    both = np.stack(picked)
    return np.where(np.isnan(both).any(axis=0), np.nan, both.mean(axis=0))


def _adjusted(options: np.ndarray, answers: np.ndarray, pi: np.ndarray, weights: np.ndarray,
              matrix: np.ndarray) -> np.ndarray:
    """Mean over the weighted dilemmas of theta_hat_v' M theta_hat_a per resample. ``options``:
    (dilemmas, 2, k) summed option vectors, ``answers`` (dilemmas, 2), ``pi`` (2, resamples)."""
    k = options.shape[-1]
    u = np.full(k, 1.0 / k)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = options / answers[..., None]
    g_value, g_action = f[:, 0] - u, f[:, 1] - u
    # theta' M theta with theta = u + alpha g: four terms, each a per-dilemma scalar averaged per resample
    terms = np.stack([(g_action @ matrix.T) @ u, g_value @ matrix @ u, ((g_value @ matrix) * g_action).sum(axis=1)], 1)
    means = (weights @ terms) / weights.sum(axis=1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):  # pi = 1: nothing left by content (NaN below)
        alpha, beta = (np.where(1.0 - p > 1.0 - MAX_POSITION_SHARE, 1.0 / (1.0 - p), np.nan) for p in pi)
    level = u @ matrix @ u + beta * means[:, 0] + alpha * means[:, 1] + alpha * beta * means[:, 2]
    # theta_hat is unbiased but not a distribution: with a large position share in a resample the mean can
    # leave the metric's range; cutting at the range (a projection, never farther from the truth) keeps the
    # interval to values the estimand can take
    return np.clip(level, matrix.min(), matrix.max())


def position_tables(frame: AnswerFrame, grid: DilemmaGrid, expected: bool, adjust: bool,
                    resampler: Resampler | None) -> tuple[Table, Table]:
    """The ``position`` table (per model and condition: each question's position share and AR and AD
    adjusted for it, with the change against baseline) and the ``letters`` table (per model, condition,
    question and letter: the share with its interval, beside the even share 1/k). ``adjust``: whether
    the estimand is ``pairs`` (the only one the adjustment applies to)."""
    position = Table("position", "Position bias per condition: the share of answers that went by letter (from "
                     "the Latin square), and AR and AD adjusted for it", POSITION_COLUMNS)
    letters = Table("letters", "Letter shares per condition and question (options shuffled by a Latin square: "
                    "1/k each without position bias)", LETTER_COLUMNS)
    if len(frame) == 0 or not grid.answered.any():
        return position, letters
    shape = grid.answered.shape
    counts = _counts(frame, shape, expected)
    paired = grid.paired()
    # the weights of each number of dilemmas (the sample itself on top), and the baseline's figures on
    # each set of dilemmas: every condition paired on the same dilemmas compares with the same ones, so
    # they are computed once (the same numbers: the same arithmetic on the same draws)
    weights_of: dict[int, np.ndarray] = {}
    baseline_on: dict = {}
    for m, conditions in grid.present():
        has_baseline = bool(grid.has_baseline()[m])
        for c in conditions:
            use = np.flatnonzero(paired[m, c])
            if len(use) == 0:
                continue
            if len(use) not in weights_of:
                weights = np.ones((1, len(use)))
                if resampler is not None:
                    weights = np.vstack([weights, resampler.weights(len(use))])
                weights_of[len(use)] = weights
            weights = weights_of[len(use)]
            halves = np.arange(len(use)) % 2
            baseline = grid.baseline if has_baseline and c != grid.baseline else None
            kept = baseline_on.setdefault((m, baseline, use.tobytes()), {})
            row = _condition_row(counts, m, c, use, weights, halves, adjust, baseline, resampler, kept)
            position.rows.append((grid.models[m], grid.conditions[c], len(use), *row["cells"]))
            for q, question in enumerate(QUESTIONS):
                share = row["shares"][q]
                low, high = _interval(share[1:], resampler)
                for letter in range(share.shape[1]):
                    letters.rows.append((grid.models[m], grid.conditions[c], question, LETTERS[letter],
                                         float(share[0, letter]), float(low[letter]), float(high[letter]),
                                         1.0 / share.shape[1]))
    return position, letters


def _interval(samples: np.ndarray, resampler: Resampler | None) -> tuple[np.ndarray, np.ndarray]:
    width = samples.shape[1] if samples.ndim > 1 else 1
    if resampler is None or len(samples) == 0:
        return np.full(width, np.nan), np.full(width, np.nan)
    return percentile_interval(samples.reshape(len(samples), -1), resampler.confidence)


def _condition_row(counts: _Counts, m: int, c: int, use: np.ndarray, weights: np.ndarray, halves: np.ndarray,
                   adjust: bool, baseline: int | None, resampler: Resampler | None, kept: dict | None = None) -> dict:
    """``kept``: the baseline's figures on these dilemmas and weights, filled by the first condition
    that needs them and read by the others (None: computed here)."""
    kept = {} if kept is None else kept
    def of(condition):
        letters, answers = counts.letters[m, condition][use], counts.answers[m, condition][use]
        k = letters.shape[-1]
        # both questions' half sums and whole sums in one product with the weights
        columns = [_half_columns(letters[:, q], answers[:, q], halves) for q in (0, 1)]
        sums = weights @ np.hstack(columns)
        width = columns[0].shape[1]
        pi = np.stack([_cross_fitted(sums[:, q * width:(q + 1) * width], k) for q in (0, 1)])
        shares = []
        for q in (0, 1):
            part = sums[:, q * width:(q + 1) * width]
            with np.errstate(invalid="ignore", divide="ignore"):
                shares.append((part[:, :k] + part[:, k:2 * k]) / (part[:, 2 * k] + part[:, 2 * k + 1])[:, None])
        return pi, shares

    pi, shares = of(c)
    cells: list[float] = []
    for q in (0, 1):
        low, high = _interval(pi[q, 1:], resampler)
        cells += [float(pi[q, 0]), float(low[0]), float(high[0])]
    if baseline is not None and adjust and "pi" not in kept:
        kept["pi"] = of(baseline)[0]
    base_pi = kept["pi"] if baseline is not None and adjust else None
    for prefix, matrix in METRICS:
        if not adjust:
            cells += [NAN] * 8
            continue
        level = _adjusted(counts.options[m, c][use], counts.answers[m, c][use], pi, weights, matrix)
        low, high = _interval(level[1:], resampler)
        cells += [float(level[0]), float(low[0]), float(high[0])]
        if base_pi is None:
            cells += [NAN] * 5
            continue
        if prefix not in kept:
            kept[prefix] = _adjusted(counts.options[m, baseline][use], counts.answers[m, baseline][use], base_pi,
                                     weights, matrix)
        base = kept[prefix]
        change = level - base
        change = np.where(np.abs(change) < 1e-12, 0.0, change)  # rounding, not a direction, for the test
        low, high = _interval(change[1:], resampler)
        p = float(bootstrap_p_values(change[1:, None])[0]) if resampler is not None else NAN
        cells += [float(base[0]), float(change[0]), float(low[0]), float(high[0]), p]
    return {"cells": cells, "shares": shares}
