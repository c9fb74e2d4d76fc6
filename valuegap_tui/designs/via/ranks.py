"""Rank intervals of the VIA rankings: how sure the order of countries, topics or values is.

A group's AD is the mean over its cells (its items under one model and condition). Each of 1,000
resamples draws every group's cells with replacement, within the group (so every group keeps its size),
ranks the groups' resampled ADs again (1 = largest, ties sharing the average rank), and the interval is
the 2.5th and 97.5th percentile of a group's rank, taken outward to whole resample values. On answers
that are pure noise, noise alone orders the twelve countries 1 to 12; their rank intervals then span
most of the ranks and say so.
"""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.paired import percentile_interval
from valuegap_tui.metrics.values import descending_ranks

RESAMPLES = 1000
LEVEL = 0.95
SEED = 20262


def rank_intervals(cell_groups: list[tuple], values: np.ndarray, *, resamples: int = RESAMPLES,
                   level: float = LEVEL, seed: int = SEED) -> dict[tuple, tuple[float, float, float]]:
    """``cell_groups``: per cell (model, condition, group); ``values``: the cell's AD. Returns, per
    (model, condition, group), its rank by mean AD (1 = largest) with the interval's ends."""
    rng = np.random.default_rng(seed)
    values = np.asarray(values, dtype=float)
    by_panel: dict[tuple, dict] = {}
    for index, (model, condition, group) in enumerate(cell_groups):
        by_panel.setdefault((model, condition), {}).setdefault(group, []).append(index)
    out: dict[tuple, tuple[float, float, float]] = {}
    for (model, condition), groups in by_panel.items():
        names = list(groups)
        means = np.array([values[groups[g]].mean() for g in names])
        drawn = np.empty((resamples, len(names)))
        for j, g in enumerate(names):
            cells = values[groups[g]]
            weights = rng.multinomial(len(cells), np.full(len(cells), 1.0 / len(cells)), size=resamples)
            drawn[:, j] = weights @ cells / len(cells)
        point = descending_ranks(means)
        low, high = percentile_interval(descending_ranks(drawn), level, outward=True)
        for j, g in enumerate(names):
            out[(model, condition, g)] = (float(point[j]), float(low[j]), float(high[j]))
    return out
