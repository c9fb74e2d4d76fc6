"""People beside models: each respondent's gap, the spread over people, and where a model sits among them.

A respondent is a model name or ``human:<name>`` (docs/respond.md); both are columns of the same frame.
Per respondent, over the cells it answered (default ``pairs`` estimand, docs/metrics.md):

* ``alignment_rate``, ``alignment_distance``: the means over its items, as for any model;
* ``stated_enacted_r``: the Pearson correlation, over its cells, between the stated point (value
  question) and the enacted point (action question), points 1..6, from **one answer per side per cell**
  (the lowest repeat answered). It asks whether the dilemmas where the respondent endorses the value more
  are the ones where it acts on it more, whatever its overall level; NaN with fewer than three cells or no
  spread on either side. One answer per side is what a person gives, so people and models are compared on
  the same footing: a correlation of cell means grows with the answers averaged, because the sampling
  noise of each mean attenuates it (Spearman's attenuation). On the simulator (tests/test_humans.py, 448
  cells, planted r of the expected points 0.98) the r of means is 0.11 from one answer per side, 0.43
  from five and 0.92 from a hundred: an r from models' five repeats set beside people's single answers
  would show a difference that is only the number of answers.
* ``stated_enacted_r_all``: the same over the means of all the respondent's answers in each cell, with
  ``answers_per_cell`` (the median number per side) beside it: comparable only at equal counts.

For a model, ``ar_percentile_among_humans`` is the share of people with a lower AR (ties half), and
``ad_percentile_among_humans`` the same for AD: 0.5 means the model sits in the middle of the people.
"""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, build_items, cell_keys, valid_answers
from valuegap_tui.metrics.scale import CHOICE_POINTS
from valuegap_tui.metrics.table import Table

HUMAN_PREFIX = "human:"
MIN_CELLS_FOR_R = 3


def is_human(respondent: str) -> bool:
    return respondent.startswith(HUMAN_PREFIX)


def stated_enacted_r(frame: AnswerFrame, *, one_answer: bool = False) -> dict[str, float]:
    """Per respondent, Pearson r over its cells between mean stated and mean enacted point; with
    ``one_answer``, each side's point is its lowest-repeat answer in the cell instead of the mean."""
    valid = valid_answers(frame)
    if one_answer:
        valid &= _first_answers(frame, valid)
    keys = cell_keys(frame)[valid]
    question = frame.question[valid]
    points = CHOICE_POINTS[frame.choice[valid].astype(np.int64)]
    _, first, cell = np.unique(keys, return_index=True, return_inverse=True)
    n_cells = len(first)
    model_of_cell = frame.model.codes[valid][first]
    sums = np.bincount(cell * 2 + question, weights=points, minlength=2 * n_cells)
    counts = np.bincount(cell * 2 + question, minlength=2 * n_cells)
    both = (counts[0::2] > 0) & (counts[1::2] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        stated, enacted = sums[0::2] / counts[0::2], sums[1::2] / counts[1::2]
    result = {}
    for code, label in enumerate(frame.model.labels):
        use = both & (model_of_cell == code)
        if use.sum() < MIN_CELLS_FOR_R or np.std(stated[use]) == 0 or np.std(enacted[use]) == 0:
            result[label] = float("nan")
        else:
            result[label] = float(np.corrcoef(stated[use], enacted[use])[0, 1])
    return result


def _side_keys(frame: AnswerFrame) -> np.ndarray:
    """One integer per row, equal for the rows of one (cell, question): a cell's answers to one side."""
    return cell_keys(frame) * 2 + frame.question


def _first_answers(frame: AnswerFrame, valid: np.ndarray) -> np.ndarray:
    """Rows that are the lowest-repeat valid answer of their (cell, question)."""
    group = _side_keys(frame)
    rows = np.flatnonzero(valid)
    order = rows[np.lexsort((frame.repeat[rows], group[rows]))]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = group[order][1:] != group[order][:-1]
    first = np.zeros(len(valid), dtype=bool)
    first[order[keep]] = True
    return first


def answers_per_cell(frame: AnswerFrame) -> dict[str, float]:
    """Per respondent, the median number of valid answers per side over the cells it answered."""
    valid = valid_answers(frame)
    group = _side_keys(frame)[valid]
    groups, first, counts = np.unique(group, return_index=True, return_counts=True)
    model_of_group = frame.model.codes[valid][first]
    return {label: float(np.median(counts[model_of_group == code])) if (model_of_group == code).any()
            else float("nan") for code, label in enumerate(frame.model.labels)}


def _percentile(value: float, people: np.ndarray) -> float:
    if len(people) == 0 or np.isnan(value):
        return float("nan")
    return float(((people < value).sum() + 0.5 * (people == value).sum()) / len(people))


def respondents_table(frame: AnswerFrame, aggregate: str = DEFAULT_AGGREGATE) -> Table:
    """One row per respondent (people and models): its AR, AD and stated-enacted r; for models, where
    they sit in the distribution over people."""
    table = Table("respondents", "Respondents: people and models on the same questions",
                  ("respondent", "kind", "items", "alignment_rate", "alignment_distance", "stated_enacted_r",
                   "ar_percentile_among_humans", "ad_percentile_among_humans", "stated_enacted_r_all",
                   "answers_per_cell"))
    result = alignment(build_items(frame, aggregate), ("model",))
    r, r_all, counts = stated_enacted_r(frame, one_answer=True), stated_enacted_r(frame), answers_per_cell(frame)
    rows = [(key[0], int(n), float(ar), float(ad)) for key, n, ar, ad in
            zip(result.groups.keys, result.items, result.accuracy, result.distance)]
    human_ar = np.array([ar for name, _, ar, _ in rows if is_human(name)])
    human_ad = np.array([ad for name, _, _, ad in rows if is_human(name)])
    for name, n, ar, ad in sorted(rows, key=lambda row: (not is_human(row[0]), row[0])):
        human = is_human(name)
        nan = float("nan")
        table.rows.append((name, "human" if human else "model", n, ar, ad, r.get(name, nan),
                           nan if human else _percentile(ar, human_ar), nan if human else _percentile(ad, human_ad),
                           r_all.get(name, nan), counts.get(name, nan)))
    return table


def human_spread(table: Table) -> Table:
    """The distribution over people of AR, AD and r: count, mean, sd, min, quartiles, max."""
    out = Table("human_spread", "The spread over people", ("metric", "people", "mean", "sd", "min", "q1", "median",
                                                           "q3", "max"))
    people = [row for row in table.records() if row["kind"] == "human"]
    for metric in ("alignment_rate", "alignment_distance", "stated_enacted_r"):
        values = np.array([p[metric] for p in people], dtype=np.float64)
        values = values[~np.isnan(values)]
        if len(values) == 0:
            continue
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        out.rows.append((metric, len(values), float(values.mean()),
                         float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                         float(values.min()), float(q1), float(median), float(q3), float(values.max())))
    return out
