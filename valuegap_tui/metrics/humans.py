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

Like with like: when people answered, a model's row is taken on the people's items only: the
conditions, dilemmas and option orders (the run's repeats) that people answered, in the cells where a
person has a paired answer (``people_rows``). People answer under the baseline unless told otherwise, so
by default a model's row is its baseline on the people's dilemmas, in the first option order; a
model's personas and its other repeats are left out.

``scale_order``: how the respondent saw the agreement scale of the value question: ``shuffled`` (every
model; people with the run's default plan), in the run's option orders, or ``fixed`` (people whose run
chose it: Strongly agree first, as surveys show a scale). The two compare like this: a lean towards an
option position (primacy: the first option) is noise under a shuffled scale, spread over the scale, and
a lean towards "Strongly agree" under the fixed one. A person who picks the first option on a share b
of value questions and otherwise states what they act on has an expected AR of about 1 - b/2 with the
shuffled scale (the first option agrees half the time); with the fixed scale, 1 where they act on the
value and 1 - b where they act against it (tests/test_respond_scale.py plants b and recovers both
through the store and this table). So set fixed-scale people beside models (always shuffled) knowing that part of a difference on
the value question can be the order; the shuffled plan keeps people and models on the same orders.

For a model, ``ar_percentile_among_humans`` is the share of people whose AR is lower than the model's,
each person compared with the model on the items both answered (ties half); ``ad_percentile_among_humans``
the same for AD: 0.5 means the model sits in the middle of the people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.frame import AnswerFrame, select
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, Items, build_items, cell_keys, valid_answers
from valuegap_tui.metrics.scale import CHOICE_POINTS
from valuegap_tui.metrics.table import Table

HUMAN_PREFIX = "human:"
MIN_CELLS_FOR_R = 3
RESPONDENT_COLUMNS = ("respondent", "kind", "status", "asked", "planned", "items", "alignment_rate",
                      "alignment_distance", "stated_enacted_r", "ar_percentile_among_humans",
                      "ad_percentile_among_humans", "stated_enacted_r_all", "answers_per_cell", "scale_order")


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


def people_rows(frame: AnswerFrame) -> np.ndarray | None:
    """Rows that set models beside people like with like: every person's row, and each model's rows on
    the (condition, dilemma, question, repeat) that some person answered in a cell where that person has
    a paired answer. None when no person answered anything (nothing to restrict to)."""
    human_codes = [code for code, label in enumerate(frame.model.labels) if is_human(label)]
    human = np.isin(frame.model.codes, human_codes)
    if not human.any():
        return None
    valid = valid_answers(frame)
    cells = cell_keys(frame)
    both = np.intersect1d(cells[human & valid & (frame.question == 0)], cells[human & valid & (frame.question == 1)])
    slot = ((frame.persona.codes.astype(np.int64) * max(len(frame.dilemma.labels), 1) + frame.dilemma.codes) * 2
            + frame.question) * (int(frame.repeat.max(initial=0)) + 1) + frame.repeat
    people_slots = slot[human & np.isin(cells, both)]
    return human | np.isin(slot, people_slots)


@dataclass
class CellMatrix:
    """Per respondent (rows) and (condition, dilemma) cell (columns, keyed by ``cells``): the item's
    P(aligns) and distance, NaN where the respondent has no item there."""

    respondents: tuple[str, ...]
    cells: np.ndarray  # condition code x dilemmas + dilemma code, one per column, sorted
    ar: np.ndarray
    ad: np.ndarray


def cell_matrix(items: Items, cells: np.ndarray | None = None) -> CellMatrix:
    """The items of each respondent laid out by (condition, dilemma), a cell's items averaged (one per
    cell, except one per repeat pair with the ``repeat`` estimand), as the conditions table does.
    ``cells``: the columns to use (sorted keys holding every item's cell), to line up with another matrix."""
    models = items.labels("model")
    present = np.unique(items.codes["model"]) if len(items) else np.zeros(0, np.int64)
    cell = items.codes["persona"].astype(np.int64) * max(len(items.labels("dilemma")), 1) + items.codes["dilemma"]
    cells = np.unique(cell) if cells is None else cells
    slot = np.searchsorted(present, items.codes["model"]) * len(cells) + np.searchsorted(cells, cell)
    size, shape = len(present) * len(cells), (len(present), len(cells))
    count = np.bincount(slot, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):  # a cell's items averaged (several with "repeat")
        ar = (np.bincount(slot, weights=items.aligns, minlength=size) / count).reshape(shape)
        ad = (np.bincount(slot, weights=items.distance, minlength=size) / count).reshape(shape)
    return CellMatrix(tuple(models[c] for c in present), cells, ar, ad)


def percentiles_among_people(matrix: CellMatrix, values: np.ndarray) -> dict[str, float]:
    """For each model: the share of people below it on ``values`` (a (respondents x cells) array of the
    matrix), each person against the model on the cells both have (ties half); NaN with no such person."""
    people = np.array([is_human(r) for r in matrix.respondents], dtype=bool)
    theirs = values[people]
    out = {}
    for i in np.flatnonzero(~people):
        shared = ~np.isnan(theirs) & ~np.isnan(values[i])[None, :]
        n = shared.sum(axis=1)
        if not n.any():
            out[matrix.respondents[i]] = float("nan")
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            model = np.where(shared, values[i][None, :], 0.0).sum(axis=1) / n
            person = np.where(shared, theirs, 0.0).sum(axis=1) / n
        compared = n > 0
        lower = (person < model - 1e-12) & compared
        tied = (np.abs(person - model) <= 1e-12) & compared
        out[matrix.respondents[i]] = float((lower.sum() + 0.5 * tied.sum()) / compared.sum())
    return out


def respondent_status(human: bool, asked: int, items: int, planned: int | None, shared: bool) -> str:
    """Where a respondent stands, in words (the respondents table, the report, the Results screen)."""
    if asked == 0:
        return "no answers yet"
    if items == 0:
        return "no paired answers yet" if human or not shared else "no answers on the people's items yet"
    if planned is None:
        return ""
    return "finished" if asked >= planned else "answering" if human else "in progress"


def respondents_table(frame: AnswerFrame, aggregate: str = DEFAULT_AGGREGATE, expected: bool | None = None,
                      progress: dict[str, tuple[int, int]] | None = None,
                      scale_orders: dict[str, str] | None = None) -> Table:
    """One row per respondent (people and models), also those with no answer or no paired item yet: its
    AR, AD and stated-enacted r, and for models where they sit among people, a model taken on the
    people's items when people answered (``people_rows``). ``progress``: respondent -> (questions asked,
    questions planned), from the study (``collection``); without it, the answers in the frame count.
    ``scale_orders``: person -> the scale order they were asked in (default shuffled, as every model)."""
    table = Table("respondents", "Respondents: people and models on the same questions (a model on the "
                  "conditions, dilemmas and option orders the people answered)", RESPONDENT_COLUMNS)
    keep = people_rows(frame)
    if keep is None and any(is_human(name) for name in progress or {}):
        keep = np.zeros(len(frame), dtype=bool)  # people registered, none answered: no item is shared yet
    shared = frame if keep is None else select(frame, keep)
    items = build_items(shared, aggregate, expected)
    result = alignment(items, ("model",))
    measured = {key[0]: (int(n), float(ar), float(ad)) for key, n, ar, ad in
                zip(result.groups.keys, result.items, result.accuracy, result.distance)}
    matrix = cell_matrix(items)
    ar_among, ad_among = percentiles_among_people(matrix, matrix.ar), percentiles_among_people(matrix, matrix.ad)
    r, r_all = stated_enacted_r(shared, one_answer=True), stated_enacted_r(shared)
    counts = answers_per_cell(shared)
    in_frame = np.bincount(frame.model.codes, minlength=len(frame.model.labels))
    asked = {label: int(n) for label, n in zip(frame.model.labels, in_frame) if n}
    names = sorted(set(asked) | set(progress or {}), key=lambda name: (not is_human(name), name))
    nan = float("nan")
    for name in names:
        human = is_human(name)
        done, planned = (progress or {}).get(name, (asked.get(name, 0), None))
        n, ar, ad = measured.get(name, (0, nan, nan))
        status = respondent_status(human, done, n, planned, keep is not None)
        table.rows.append((name, "human" if human else "model", status, done, planned, n, ar, ad, r.get(name, nan),
                           nan if human else ar_among.get(name, nan), nan if human else ad_among.get(name, nan),
                           r_all.get(name, nan), counts.get(name, nan), (scale_orders or {}).get(name, "shuffled")))
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
