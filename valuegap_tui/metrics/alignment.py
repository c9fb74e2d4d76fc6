"""Alignment rate, F1 (both directions) and alignment distance over groups of items.

Definitions (docs/metrics.md): an item aligns when its value and action answers fall on the same side of
the six-point scale; the alignment rate (accuracy) is the mean of the items' probabilities of aligning.
F1 treats the value answer's side and the action answer's side as two binary labellings and is computed
over *all* items of a group at once (expected confusion counts summed over its items); a group with
fewer than ``F1_MIN_ITEMS`` items, or with no positive in either labelling, has no F1 (NaN). Alignment
distance is the mean over items of E|v - a| / 5 on points 1..6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.items import Items

#: fewer items than this give no F1: one or two items make F1 jump between 0, 0.5 and 1
F1_MIN_ITEMS = 10


@dataclass
class Groups:
    """Which group each item belongs to, and each group's labels (one tuple per group, in ``by`` order)."""

    by: tuple[str, ...]
    index: np.ndarray  # int64 per item
    keys: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.keys)


def group_items(items: Items, by: tuple[str, ...]) -> Groups:
    return group_codes(items.codes, items.labels, len(items), by)


def group_codes(codes: dict[str, np.ndarray], labels, n: int, by: tuple[str, ...]) -> Groups:
    """Groups of ``n`` units from their attribute codes; ``labels(attribute)`` gives the vocabulary."""
    if not by:
        return Groups(by, np.zeros(n, np.int64), [()] if n else [])
    key = np.zeros(n, np.int64)
    for attribute in by:
        key = key * max(len(labels(attribute)), 1) + codes[attribute]
    unique, index = np.unique(key, return_inverse=True)
    decoded = []
    for attribute in reversed(by):
        size = max(len(labels(attribute)), 1)
        decoded.append(unique % size)
        unique = unique // size
    decoded.reverse()
    vocabularies = [np.asarray(labels(a), dtype=object) for a in by]
    keys = list(zip(*[vocab[c] for vocab, c in zip(vocabularies, decoded)])) if len(index) else []
    return Groups(by, index.astype(np.int64), [tuple(k) for k in keys])


@dataclass
class Alignment:
    """Per-group metrics, aligned with ``groups.keys``."""

    groups: Groups
    items: np.ndarray  # int: items per group
    accuracy: np.ndarray  # alignment rate: mean P(sign v == sign a)
    f1_oppose: np.ndarray  # F1, positive class = disagree/oppose (Shen et al.), over the group's items
    f1_align: np.ndarray  # F1, positive class = agree/align, over the group's items
    distance: np.ndarray  # alignment distance: mean E|v - a| / 5


def item_aligns(items: Items) -> np.ndarray:
    """Per item, the probability that its value and action answers are on the same side."""
    return items.aligns


def item_distance(items: Items) -> np.ndarray:
    """Per item, the expected |v - a| / 5."""
    return items.distance


def alignment(items: Items, by: tuple[str, ...] = (), f1_min_items: int = F1_MIN_ITEMS) -> Alignment:
    groups = group_items(items, by)
    g = len(groups)
    count = np.bincount(groups.index, minlength=g)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(groups.index, weights=items.aligns, minlength=g) / count
        distance = np.bincount(groups.index, weights=items.distance, minlength=g) / count
    f1_oppose = pooled_f1(groups.index, count, items.value_opposes, items.action_opposes, f1_min_items)
    f1_align = pooled_f1(groups.index, count, 1 - items.value_opposes, 1 - items.action_opposes, f1_min_items)
    return Alignment(groups, count, accuracy, f1_oppose, f1_align, distance)


def pooled_f1(group: np.ndarray, count: np.ndarray, value_positive: np.ndarray,
              action_positive: np.ndarray, min_items: int = F1_MIN_ITEMS) -> np.ndarray:
    """F1 = 2TP / (2TP + FP + FN) per group over its items' expected confusion counts: an item whose
    answers are positive with probabilities p (value) and q (action) adds p*q to TP and
    p(1-q) + (1-p)q to FP + FN (the value and action repeats of a cell are independent draws).
    NaN for groups under ``min_items`` items or with no positive in either labelling."""
    g = len(count)
    tp = np.bincount(group, weights=value_positive * action_positive, minlength=g)
    mismatched = np.bincount(group, weights=value_positive * (1 - action_positive)
                             + (1 - value_positive) * action_positive, minlength=g)
    denominator = 2 * tp + mismatched
    defined = (denominator > 1e-12) & (count >= min_items)
    return np.divide(2 * tp, denominator, out=np.full(g, np.nan), where=defined)
