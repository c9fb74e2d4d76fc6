"""Paired comparisons between respondents of one run: model with model, and each model with the people.

Models and people answer the same dilemmas in the same option orders, so two respondents are compared
dilemma by dilemma, never as two unrelated means. Everything is on one condition (``default_condition``:
the one people answered, the baseline by default) and on the items of ``metrics.items`` (whatever the
estimand of the repeats). Per comparison and metric (AR, AD):

* **model A vs model B**: the mean over the dilemmas both have an item on of x_A(d) - x_B(d), each
  model's item from all its answers there (the models of a run are asked the same repeats);
* **model vs people**: the mean over the dilemmas the model and at least one person have an item on of
  x_model(d) - (the mean of x_person(d) over the people with an item on d). The model's item uses only
  the option orders the people were shown (``metrics.humans.people_rows``). The people are the ones who
  answered: the difference says whether the model acts unlike *these* people on dilemmas of this kind;
  how the model sits among them one by one is its percentile, each person against the model on the
  items both answered (``metrics.humans.percentiles_among_people``).

The interval is a percentile bootstrap over the shared dilemmas and the p-value a sign-flip test of a
zero mean difference (``metrics.paired``); Holm and Benjamini-Hochberg adjust across every comparison of
the table, one family per metric (``metrics.multiplicity``); d_z = mean / sd of the per-dilemma
differences. docs/respond.md states these estimands; tests/test_respondent_pairs.py recovers planted
differences and checks the false-positive rate under a planted null.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame, select
from valuegap_tui.metrics.grid import BASELINE
from valuegap_tui.metrics.humans import CellMatrix, cell_matrix, is_human, people_rows, percentiles_among_people
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, build_items
from valuegap_tui.metrics.multiplicity import benjamini_hochberg, holm
from valuegap_tui.metrics.paired import Resampler, bootstrap_mean_interval, dz, sign_flip_p_values
from valuegap_tui.metrics.table import Table

NAN = float("nan")
MODELS, PEOPLE = "model vs model", "model vs people"
METRICS = (("ar", "alignment_rate"), ("ad", "alignment_distance"))
COLUMNS = (("condition", "comparison", "first", "second", "people", "dilemmas")
           + tuple(f"{p}_{c}" for p, _ in METRICS
                   for c in ("first", "second", "difference", "low", "high", "p", "p_holm", "p_bh", "dz"))
           + ("ar_percentile_among_people", "ad_percentile_among_people"))


def default_condition(frame: AnswerFrame) -> str | None:
    """The condition people answered most (the baseline unless they were given a persona); without
    people, the baseline; else the condition with the most answers. None for an empty frame."""
    if len(frame) == 0:
        return None
    counts = np.bincount(frame.persona.codes, minlength=len(frame.persona.labels))
    human_codes = [c for c, label in enumerate(frame.model.labels) if is_human(label)]
    human = np.isin(frame.model.codes, human_codes)
    if human.any():
        counts = np.bincount(frame.persona.codes[human], minlength=len(frame.persona.labels))
    elif BASELINE in frame.persona.labels and counts[frame.persona.labels.index(BASELINE)]:
        return BASELINE
    return frame.persona.labels[int(np.argmax(counts))]


def _on_condition(frame: AnswerFrame, condition: str) -> AnswerFrame:
    code = frame.persona.labels.index(condition) if condition in frame.persona.labels else -1
    return select(frame, frame.persona.codes == code)


def _people_mean(matrix: CellMatrix, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per dilemma (column), the mean over people with an item there, and how many people that is."""
    people = np.array([is_human(r) for r in matrix.respondents], dtype=bool)
    theirs = values[people]
    n = (~np.isnan(theirs)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(theirs, axis=0) / n, np.nan), n


def paired_comparisons(frame: AnswerFrame, aggregate: str = DEFAULT_AGGREGATE, expected: bool | None = None,
                       condition: str | None = None, *, bootstrap: bool = True, seed: int = 0) -> Table:
    """Every pair of models, and every model against the people, on ``condition`` (module docstring).
    Rows only where both sides share a dilemma; ``bootstrap=False`` leaves intervals and p-values NaN."""
    condition = condition if condition is not None else default_condition(frame)
    table = Table("respondent_pairs", f"Paired comparisons between respondents on condition {condition}", COLUMNS)
    if condition is None:
        return table
    frame = _on_condition(frame, condition)
    resampler = Resampler(seed) if bootstrap else None
    comparisons = []  # (kind, first, second, people, {metric: (first values, second values)}, percentiles)
    everyone = cell_matrix(build_items(frame, aggregate, expected))
    models = [i for i, r in enumerate(everyone.respondents) if not is_human(r)]
    for a, b in combinations(models, 2):
        comparisons.append((MODELS, everyone.respondents[a], everyone.respondents[b], 0,
                            {p: (getattr(everyone, p)[a], getattr(everyone, p)[b]) for p, _ in METRICS}, {}))
    keep = people_rows(frame)
    if keep is not None:
        shared = cell_matrix(build_items(select(frame, keep), aggregate, expected), everyone.cells)
        percentiles = {p: percentiles_among_people(shared, getattr(shared, p)) for p, _ in METRICS}
        people_means = {p: _people_mean(shared, getattr(shared, p)) for p, _ in METRICS}
        for i, name in enumerate(shared.respondents):
            if is_human(name):
                continue
            comparisons.append((PEOPLE, name, "people", _people_counted(shared, shared.ar[i]),
                                {p: (getattr(shared, p)[i], people_means[p][0]) for p, _ in METRICS},
                                {p: percentiles[p].get(name, NAN) for p, _ in METRICS}))
    rows = []
    for kind, first, second, people, values, percentile in comparisons:
        row = {"kind": kind, "first": first, "second": second, "people": people, "percentile": percentile}
        for prefix, _name in METRICS:
            row[prefix] = _difference(*values[prefix], resampler)
        if row["ar"]["dilemmas"]:
            rows.append(row)
    if resampler is not None and rows:
        _tests(rows, resampler)
    for r in rows:
        cells = []
        for prefix, _name in METRICS:
            m = r[prefix]
            cells += [m[k] for k in ("first", "second", "difference", "low", "high", "p", "p_holm", "p_bh", "dz")]
        table.rows.append((condition, r["kind"], r["first"], r["second"], r["people"] if r["kind"] == PEOPLE else NAN,
                           r["ar"]["dilemmas"], *cells,
                           r["percentile"].get("ar", NAN), r["percentile"].get("ad", NAN)))
    return table


def _people_counted(matrix: CellMatrix, own: np.ndarray) -> int:
    """How many people have an item on at least one of the dilemmas where the model has one."""
    people = np.array([is_human(r) for r in matrix.respondents], dtype=bool)
    return int((~np.isnan(matrix.ar[people]) & ~np.isnan(own)[None, :]).any(axis=1).sum())


def _difference(x: np.ndarray, y: np.ndarray, resampler: Resampler | None) -> dict:
    """Means, mean difference, bootstrap interval and d_z over the dilemmas where both ``x`` and ``y`` are
    set; ``d`` keeps the per-dilemma differences (0 where one is missing) for the sign-flip test."""
    both = ~np.isnan(x) & ~np.isnan(y)
    out = {"dilemmas": int(both.sum()), "first": NAN, "second": NAN, "difference": NAN, "low": NAN, "high": NAN,
           "p": NAN, "p_holm": NAN, "p_bh": NAN, "dz": NAN, "d": np.where(both, x - y, 0.0)}
    if not both.any():
        return out
    d = x[both] - y[both]
    out.update(first=float(x[both].mean()), second=float(y[both].mean()), difference=float(d.mean()), dz=dz(d))
    if resampler is not None:
        out["low"], out["high"] = bootstrap_mean_interval(d, resampler)
    return out


def _tests(rows: list[dict], resampler: Resampler) -> None:
    """Sign-flip p of every comparison and metric in one pass (a dilemma a comparison does not share
    enters as 0, which changes no |sum|), then Holm and BH across the comparisons, per metric."""
    differences = np.stack([r[prefix]["d"] for prefix, _ in METRICS for r in rows], axis=1)
    nonzero = differences != 0
    keep = nonzero.any(axis=1)  # rows of zeros change no sum: fewer rows, and exact flips sooner
    p_values = sign_flip_p_values(differences[keep], resampler).reshape(len(METRICS), len(rows))
    for m, (prefix, _name) in enumerate(METRICS):
        for r, p, h, bh in zip(rows, p_values[m], holm(p_values[m]), benjamini_hochberg(p_values[m])):
            r[prefix].update(p=float(p), p_holm=float(h), p_bh=float(bh))
