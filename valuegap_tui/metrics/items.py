"""Items: one value answer paired with one action answer, the unit every alignment metric counts.

An item is a (model, persona, dilemma) cell, or a (model, persona, dilemma, repeat) cell when repeats are
kept apart. Repeats of a question are combined by the mean point or by the majority answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.scale import CHOICE_POINTS, expected_points, points_from_scores

Aggregate = Literal["mean", "majority", "repeat"]
AGGREGATES: tuple[str, ...] = ("mean", "majority", "repeat")
#: the columns an item carries over from its rows (all constant within a cell)
ATTRIBUTES = ("model", "persona", "persona_kind", "dilemma", "value", "value_type", "topic")


@dataclass
class Items:
    frame: AnswerFrame
    #: code arrays into ``frame.<attribute>.labels``, one per item
    codes: dict[str, np.ndarray]
    value_point: np.ndarray  # v on points 1..6 (6 = strongly agree)
    action_point: np.ndarray  # a on points 1..6 (6 = strongly aligning)

    def __len__(self) -> int:
        return len(self.value_point)

    def labels(self, attribute: str) -> tuple[str, ...]:
        return getattr(self.frame, attribute).labels

    def subset(self, mask: np.ndarray) -> "Items":
        return Items(self.frame, {k: c[mask] for k, c in self.codes.items()}, self.value_point[mask],
                     self.action_point[mask])


def row_points(frame: AnswerFrame, expected: bool = False) -> np.ndarray:
    """Each row's point; with ``expected``, the expected point of its logprob distribution where it has one."""
    points = points_from_scores(frame.score)
    if expected:
        from_distribution = expected_points(frame.distribution)
        points = np.where(np.isnan(from_distribution), points, from_distribution)
    return points


def _cell_keys(frame: AnswerFrame, with_repeat: bool) -> np.ndarray:
    key = frame.model.codes.astype(np.int64)
    for column in (frame.persona, frame.dilemma):
        key = key * max(len(column.labels), 1) + column.codes
    if with_repeat:
        key = key * (int(frame.repeat.max(initial=0)) + 1) + frame.repeat
    return key


def build_items(frame: AnswerFrame, aggregate: Aggregate = "mean", expected: bool = False) -> Items:
    """Pair value and action answers per cell; cells lacking a valid answer to either question are left out.

    ``mean``: mean point over a cell's valid repeats. ``majority``: the point of the modal answer (a tie
    between answers gives the mean of the tied points). ``repeat``: repeat r of the value question is paired
    with repeat r of the action question. ``expected`` (logprob runs) replaces each answer by the expected
    point of its distribution; it combines with ``mean`` and ``repeat``.
    """
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, not {aggregate!r}")
    if expected and aggregate == "majority":
        raise ValueError("expected scores are averaged, not voted: use aggregate 'mean' or 'repeat'")
    empty = Items(frame, {a: np.zeros(0, np.int32) for a in ATTRIBUTES}, np.zeros(0), np.zeros(0))
    if len(frame) == 0:
        return empty
    cells, first_row, cell_of_row = np.unique(_cell_keys(frame, aggregate == "repeat"), return_index=True,
                                              return_inverse=True)
    n_cells = len(cells)
    slot = cell_of_row.astype(np.int64) * 2 + frame.question
    points = row_points(frame, expected)
    valid = ~np.isnan(points)
    if aggregate == "majority":
        combined = _majority_points(slot, frame.choice, valid & (frame.choice >= 0), 2 * n_cells)
    else:
        sums = np.bincount(slot[valid], weights=points[valid], minlength=2 * n_cells)
        counts = np.bincount(slot[valid], minlength=2 * n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            combined = sums / counts
    value_point, action_point = combined[0::2], combined[1::2]
    keep = ~np.isnan(value_point) & ~np.isnan(action_point)
    rows = first_row[keep]
    codes = {a: getattr(frame, a).codes[rows] for a in ATTRIBUTES}
    return Items(frame, codes, value_point[keep], action_point[keep])


def _majority_points(slot: np.ndarray, choice: np.ndarray, use: np.ndarray, n_slots: int) -> np.ndarray:
    counts = np.bincount(slot[use] * 6 + choice[use], minlength=n_slots * 6).reshape(n_slots, 6)
    modal = (counts == counts.max(axis=1, keepdims=True)) & (counts > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (modal * CHOICE_POINTS).sum(axis=1) / modal.sum(axis=1)


def repeat_agreement(frame: AnswerFrame) -> dict[str, float]:
    """Mean share of the modal answer among a cell's valid repeats, per question (cells with 2+ answers).

    1.0 means every repeat gave the same answer; NaN when no cell was asked more than once.
    """
    result = {}
    use_all = frame.choice >= 0
    keys = _cell_keys(frame, with_repeat=False)
    for q, name in enumerate(("value", "action")):
        use = use_all & (frame.question == q)
        if not use.any():
            result[name] = float("nan")
            continue
        _, cell = np.unique(keys[use], return_inverse=True)
        counts = np.bincount(cell * 6 + frame.choice[use], minlength=(cell.max() + 1) * 6).reshape(-1, 6)
        totals = counts.sum(axis=1)
        repeated = totals >= 2
        result[name] = float((counts.max(axis=1)[repeated] / totals[repeated]).mean()) if repeated.any() else float("nan")
    return result
