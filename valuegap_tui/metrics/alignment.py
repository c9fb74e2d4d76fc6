"""Alignment rate, F1 (both directions) and alignment distance over groups of items.

Definitions (docs/metrics.md): an item aligns when its value and action answers fall on the same side of
the six-point scale; accuracy is the share of aligning items. F1 treats the value answer's side and the
action answer's side as two binary labellings; it is computed per topic over the group's items (Shen et
al.'s "per scenario over the value vector") and then averaged over topics. Alignment distance is
|v - a| / 5 per item on points 1..6, averaged over items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.items import Items
from valuegap_tui.metrics.scale import SPAN, opposes


@dataclass
class Groups:
    """Which group each item belongs to, and each group's labels (one tuple per group, in ``by`` order)."""

    by: tuple[str, ...]
    index: np.ndarray  # int64 per item
    keys: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.keys)


def group_items(items: Items, by: tuple[str, ...]) -> Groups:
    if not by:
        return Groups(by, np.zeros(len(items), np.int64), [()] if len(items) else [])
    key = np.zeros(len(items), np.int64)
    for attribute in by:
        key = key * max(len(items.labels(attribute)), 1) + items.codes[attribute]
    unique, index = np.unique(key, return_inverse=True)
    decoded = []
    for attribute in reversed(by):
        size = max(len(items.labels(attribute)), 1)
        decoded.append(unique % size)
        unique = unique // size
    decoded.reverse()
    labels = [np.asarray(items.labels(a), dtype=object) for a in by]
    keys = list(zip(*[lab[codes] for lab, codes in zip(labels, decoded)])) if len(index) else []
    return Groups(by, index.astype(np.int64), [tuple(k) for k in keys])


@dataclass
class Alignment:
    """Per-group metrics, aligned with ``groups.keys``."""

    groups: Groups
    items: np.ndarray  # int: items per group
    accuracy: np.ndarray  # alignment rate: share with sign(v) == sign(a)
    f1_oppose: np.ndarray  # F1, positive class = disagree/oppose (Shen et al.), per topic then averaged
    f1_align: np.ndarray  # F1, positive class = agree/align, per topic then averaged
    distance: np.ndarray  # alignment distance: mean |v - a| / 5


def item_aligns(items: Items) -> np.ndarray:
    return opposes(items.value_point) == opposes(items.action_point)


def item_distance(items: Items) -> np.ndarray:
    return np.abs(items.value_point - items.action_point) / SPAN


def alignment(items: Items, by: tuple[str, ...] = ()) -> Alignment:
    groups = group_items(items, by)
    g = len(groups)
    count = np.bincount(groups.index, minlength=g)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(groups.index, weights=item_aligns(items), minlength=g) / count
        distance = np.bincount(groups.index, weights=item_distance(items), minlength=g) / count
    value_opposes, action_opposes = opposes(items.value_point), opposes(items.action_point)
    f1_oppose = _f1_per_topic(groups, items, value_opposes, action_opposes)
    f1_align = _f1_per_topic(groups, items, ~value_opposes, ~action_opposes)
    return Alignment(groups, count, accuracy, f1_oppose, f1_align, distance)


def _f1_per_topic(groups: Groups, items: Items, value_positive: np.ndarray, action_positive: np.ndarray) -> np.ndarray:
    """F1 = 2TP / (2TP + FP + FN) per (group, topic); 0 where neither side has a positive (sklearn's default)."""
    n_topics = max(len(items.labels("topic")), 1)
    sub = groups.index * n_topics + items.codes["topic"]
    size = len(groups) * n_topics
    tp = np.bincount(sub, weights=value_positive & action_positive, minlength=size)
    mismatched = np.bincount(sub, weights=value_positive != action_positive, minlength=size)
    present = np.bincount(sub, minlength=size) > 0
    denominator = 2 * tp + mismatched
    f1 = np.divide(2 * tp, denominator, out=np.zeros(size), where=denominator > 0)
    per_group_sum = (f1 * present).reshape(-1, n_topics).sum(axis=1)
    topics = present.reshape(-1, n_topics).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return per_group_sum / topics
