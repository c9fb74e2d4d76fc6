"""Per-value inference: AR and AD per (model, condition, value) with intervals, the change against the
same model's baseline with p-values adjusted across the values, effect sizes, and the value ranking with
an interval for each rank.

Every number of a (model, condition, value) row is taken over the value's dilemmas paired with baseline
(as in the conditions table), each dilemma weighted equally. Intervals come from a stratified bootstrap:
each resample draws every value's dilemmas with replacement from that value's dilemmas, independently per
value, so the resampled levels of all values of a condition can be ranked together (the rank interval).
The change's p-value is the sign-flip test over the value's paired dilemmas; the family for Holm and
Benjamini-Hochberg is the values of one (model, condition, metric).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.conditions import METRICS, level_and_change_columns
from valuegap_tui.metrics.grid import DilemmaGrid, paired_item_mask
from valuegap_tui.metrics.items import Items
from valuegap_tui.metrics.multiplicity import benjamini_hochberg, cohen_dz, holm
from valuegap_tui.metrics.paired import Resampler, percentile_interval, sign_flip_p_values
from valuegap_tui.metrics.table import Table

VALUE_COLUMNS = (("model", "condition", "kind", "value", "name", "value_type", "items", "dilemmas")
                 + level_and_change_columns() + ("f1_oppose", "f1_align"))
RANKING_COLUMNS = ("model", "condition", "kind", "rank", "rank_low", "rank_high", "value", "name", "value_type",
                   "items", "dilemmas", "alignment_distance", "ad_low", "ad_high", "alignment_rate", "ar_low", "ar_high")
NO_F1 = (float("nan"), float("nan"))
#: statistic -> position in the arrays of ``ValueStats``
STATS = ("level_ar", "level_ad", "change_ar", "change_ad")


@dataclass
class Heatmap:
    """Alignment rate per value (rows, catalogue order grouped by type) x condition (columns), one model."""

    model: str
    values: list[tuple[str, str, str]]  # (value id, value name, value type name)
    conditions: list[str]
    rates: np.ndarray  # (values x conditions), NaN where no items


@dataclass
class ValueStats:
    """Arrays (model, condition, value code) over the paired dilemmas of each value."""

    dilemmas: np.ndarray
    items: np.ndarray
    level: dict[str, np.ndarray]  # "ar" / "ad"
    baseline: dict[str, np.ndarray]
    change: dict[str, np.ndarray]
    dz: dict[str, np.ndarray]
    low: dict[str, np.ndarray]  # keys of STATS; NaN without bootstrap
    high: dict[str, np.ndarray]
    p: dict[str, np.ndarray]  # "ar" / "ad": sign-flip p of the change
    rank_low: np.ndarray  # rank by AD (1 = largest gap), percentile interval over resamples
    rank_high: np.ndarray
    p_holm: dict[str, np.ndarray] = field(default_factory=dict)  # adjusted across the values of (model, condition)
    p_bh: dict[str, np.ndarray] = field(default_factory=dict)

    def row_columns(self) -> list[np.ndarray]:
        """The (model, condition, value) arrays of a by-value row's level and change cells, in column order."""
        out = []
        for prefix, _name in METRICS:
            out += [self.level[prefix], self.low[f"level_{prefix}"], self.high[f"level_{prefix}"],
                    self.baseline[prefix], self.change[prefix], self.low[f"change_{prefix}"],
                    self.high[f"change_{prefix}"], self.p[prefix], self.p_holm[prefix], self.p_bh[prefix],
                    self.dz[prefix]]
        return out


def value_stats(grid: DilemmaGrid, n_values: int, resampler: Resampler | None, helper: bool = False) -> ValueStats:
    """``helper``: find the intervals in a second thread while this one draws (``_bootstrap``)."""
    m, c, d = grid.ar.shape
    paired = grid.paired()
    n_values = max(n_values, 1)
    has_value = grid.value_of_dilemma >= 0

    group = (np.arange(m * c)[:, None] * n_values + np.where(has_value, grid.value_of_dilemma, 0)[None, :]).ravel()
    use = (paired & has_value[None, None, :]).reshape(-1)

    def by_value(per_dilemma: np.ndarray) -> np.ndarray:
        """Sum over each value's paired dilemmas (bincount: no BLAS call, whose thread start-up can cost
        more than the whole table on a loaded machine)."""
        weights = np.broadcast_to(per_dilemma, paired.shape).reshape(-1)
        return np.bincount(group[use], weights=weights[use], minlength=m * c * n_values).reshape(m, c, n_values)

    count = by_value(np.ones(paired.shape))
    stats = ValueStats(count.astype(np.int64), by_value(grid.items).astype(np.int64), {}, {}, {}, {}, {}, {}, {},
                       np.full(count.shape, np.nan), np.full(count.shape, np.nan))
    # a change is defined for a model's non-baseline conditions when that model's baseline answered
    not_baseline = np.repeat(grid.has_baseline()[:, None], c, axis=1)
    if grid.baseline is not None:
        not_baseline[:, grid.baseline] = False
    with np.errstate(invalid="ignore", divide="ignore"):
        for prefix, _name in METRICS:
            x = getattr(grid, prefix)
            b = grid.baseline_of(x)
            diff = x - b
            stats.level[prefix] = by_value(x) / count
            stats.baseline[prefix] = np.where(not_baseline[:, :, None], by_value(b) / count, np.nan)
            change = np.where(not_baseline[:, :, None], by_value(np.nan_to_num(diff)) / count, np.nan)
            stats.change[prefix] = change
            stats.dz[prefix] = cohen_dz(change, by_value(diff ** 2), count)
    for key in STATS:
        stats.low[key], stats.high[key] = np.full(count.shape, np.nan), np.full(count.shape, np.nan)
    for prefix, _name in METRICS:
        stats.p[prefix] = np.full(count.shape, np.nan)
    if resampler is not None:
        _bootstrap(grid, paired, stats, not_baseline, resampler, helper)
    return stats


#: how many values' resamples may wait for the helper thread's intervals at once (a few MB each)
HELPER_BACKLOG = 3


def _bootstrap(grid: DilemmaGrid, paired: np.ndarray, stats: ValueStats, not_baseline: np.ndarray,
               resampler: Resampler, helper: bool = False) -> None:
    """``helper``: the intervals of each value's resamples are found by a second thread while this one draws
    the next value's (see ``value_stats``)."""
    if not helper:
        _draw(grid, paired, stats, not_baseline, resampler, lambda job, *args: job(*args))
        return
    with ThreadPoolExecutor(1, thread_name_prefix="valuegap-intervals") as pool:
        pending = []

        def later(job, *args) -> None:
            if len(pending) >= HELPER_BACKLOG:  # the resamples waiting for it stay few (memory)
                pending[-HELPER_BACKLOG].result()
            pending.append(pool.submit(job, *args))

        _draw(grid, paired, stats, not_baseline, resampler, later)
        for done in pending:
            done.result()  # a failure is raised here


def _draw(grid: DilemmaGrid, paired: np.ndarray, stats: ValueStats, not_baseline: np.ndarray,
          resampler: Resampler, later: Callable) -> None:
    """The resamples, drawn in order from ``resampler``; their intervals and ranks handed to ``later``
    (``later(job, *args)`` runs ``job(*args)``, at once or in another thread: no draw depends on them)."""
    m, c, _d = grid.ar.shape
    n_values = stats.dilemmas.shape[2]
    base_ar, base_ad = grid.baseline_of(grid.ar), grid.baseline_of(grid.ad)
    # per dilemma: paired indicator, the condition's and the baseline's AR and AD (0 where unpaired)
    columns = np.nan_to_num(np.stack([paired.astype(np.float64)] + [np.where(paired, a, 0.0) for a in
                                                                   (grid.ar, grid.ad, base_ar, base_ad)]))  # 5 x m x c x d
    differences = np.nan_to_num(np.stack([np.where(paired, grid.ar - base_ar, 0.0),
                                          np.where(paired, grid.ad - base_ad, 0.0)]))  # NaN: no baseline
    drawn_ad = np.full((n_values, resampler.samples, m, c), np.nan)
    for v in range(n_values):
        dilemmas = np.flatnonzero(grid.value_of_dilemma == v)
        if len(dilemmas) == 0 or not stats.dilemmas[:, :, v].any():
            continue
        n = len(dilemmas)
        counts = resampler.rng.multinomial(n, np.full(n, 1.0 / n), size=resampler.samples).astype(np.float64)
        sums = (counts @ columns[..., dilemmas].reshape(-1, n).T).reshape(resampler.samples, 5, m, c)
        with np.errstate(invalid="ignore", divide="ignore"):
            den = np.where(sums[:, 0] > 0, sums[:, 0], np.nan)
            drawn = {"level_ar": sums[:, 1] / den, "level_ad": sums[:, 2] / den,
                     "change_ar": (sums[:, 1] - sums[:, 3]) / den, "change_ad": (sums[:, 2] - sums[:, 4]) / den}
        later(_value_intervals, stats, drawn, v, not_baseline, resampler.confidence)
        drawn_ad[v] = drawn["level_ad"]
        flat = differences[..., dilemmas].reshape(-1, n).T  # n x (2 m c)
        p = sign_flip_p_values(flat, resampler).reshape(2, m, c)
        for i, (prefix, _name) in enumerate(METRICS):
            stats.p[prefix][:, :, v] = np.where(not_baseline & (stats.dilemmas[:, :, v] > 0), p[i], np.nan)
    # ranked one (model, condition) at a time: each resample's ranks are over one condition's values, and
    # a condition's (samples x values) fits in the cache, where the whole (samples x m x c x values) made
    # fifteen fresh arrays of 22 MB at 154,000 answers (0.1-0.4 s of page faults and memory traffic)
    later(_rank_intervals, stats, drawn_ad, resampler.confidence)


def _value_intervals(stats: ValueStats, drawn: dict[str, np.ndarray], v: int, not_baseline: np.ndarray,
                     confidence: float) -> None:
    for key, samples in drawn.items():
        low, high = percentile_interval(samples, confidence)
        if key.startswith("change"):
            low, high = np.where(not_baseline, low, np.nan), np.where(not_baseline, high, np.nan)
        stats.low[key][:, :, v], stats.high[key][:, :, v] = low, high


def _rank_intervals(stats: ValueStats, drawn_ad: np.ndarray, confidence: float) -> None:
    m, c = drawn_ad.shape[2:]
    for i in range(m):
        for j in range(c):
            ranks = descending_ranks(drawn_ad[:, :, i, j].T)  # samples x values
            stats.rank_low[i, j], stats.rank_high[i, j] = percentile_interval(ranks, confidence, outward=True)


def descending_ranks(x: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = largest, ties given their average rank; NaN entries take no rank and
    do not count for the others. Values equal to 12 decimals are ties (means summed in another order).

    Each row is sorted once; a run of equal values takes the mean of its first and last places, so the
    order within a run does not matter. The runs are found with the rows laid side by side (places x
    rows), where each accumulation runs along whole rows instead of along each short row in turn (a third
    less CPU at 2,000 resamples x 25 conditions x 56 values), and the ranks are put back by flat index."""
    rounded = np.round(x, 12)
    n = x.shape[-1]
    key = np.where(np.isnan(rounded), np.inf, -rounded).reshape(-1, n)  # NaN last
    rows = key.shape[0]
    if rows == 0 or n == 0:
        return np.full(x.shape, np.nan)
    flat_order = (np.argsort(key, axis=-1) + (np.arange(rows) * n)[:, None]).ravel()
    ordered = key.ravel()[flat_order].reshape(rows, n).T  # places x rows
    place = np.arange(n)[:, None]
    new_run = np.empty(ordered.shape, bool)
    new_run[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_run[1:])
    run_start = np.maximum.accumulate(np.where(new_run, place, 0), axis=0)
    run_ends = np.empty_like(new_run)
    run_ends[-1] = True
    run_ends[:-1] = new_run[1:]
    run_end = np.minimum.accumulate(np.where(run_ends, place, n)[::-1], axis=0)[::-1]
    ranks = np.empty(rows * n)
    ranks[flat_order] = (1.0 + (run_start + run_end) / 2.0).T.ravel()
    ranks = ranks.reshape(x.shape)
    ranks[np.isnan(x)] = np.nan
    return ranks


def _value_names() -> dict[str, tuple[int, str, str]]:
    """value id -> (catalogue position grouped by type, name, value type name)."""
    cat = catalogue()
    ordered = [v for t in cat.value_types for v in cat.values_of_type(t.id)]
    return {v.id: (i, v.name, cat.value_type(v.type).name) for i, v in enumerate(ordered)}


def value_tables(grid: DilemmaGrid, items: Items, resampler: Resampler | None,
                 helper: bool = False) -> tuple[Table, Table, dict[str, Heatmap]]:
    """(by_value, value_ranking, heatmap per model)."""
    by_value = Table("by_value", "Per value and condition: AR and AD over the value's dilemmas paired with "
                     "baseline, change against baseline with adjusted p-values", VALUE_COLUMNS)
    ranking = Table("value_ranking", "Values ranked by alignment distance per model and condition (largest gap "
                    "first), with a bootstrap interval for each rank", RANKING_COLUMNS)
    if len(items) == 0:
        return by_value, ranking, {}
    value_labels = items.labels("value")
    stats = value_stats(grid, len(value_labels), resampler, helper)
    _adjust_across_values(stats)
    f1 = alignment(items.subset(paired_item_mask(grid, items)), ("model", "persona", "value"))
    f1_of = {key: (float(o), float(a)) for key, o, a in zip(f1.groups.keys, f1.f1_oppose, f1.f1_align)}
    names = _value_names()
    value_codes = sorted(range(len(value_labels)),
                         key=lambda v: (names[value_labels[v]][0] if value_labels[v] in names else len(names), value_labels[v]))
    row_arrays = stats.row_columns()
    rank_arrays = [stats.level["ad"], stats.low["level_ad"], stats.high["level_ad"], stats.level["ar"],
                   stats.low["level_ar"], stats.high["level_ar"]]
    heatmaps = {}
    for m, conditions in grid.present():
        model = grid.models[m]
        for c in conditions:
            condition = grid.conditions[c]
            kind = grid.kind_of.get(condition, "")
            # plain lists: indexing numpy scalars per cell would cost more than all the arithmetic
            dilemmas, counts = stats.dilemmas[m, c].tolist(), stats.items[m, c].tolist()
            cells = list(zip(*(a[m, c].tolist() for a in row_arrays)))
            rank_cells = list(zip(*(a[m, c].tolist() for a in rank_arrays)))
            rank_low, rank_high = stats.rank_low[m, c].tolist(), stats.rank_high[m, c].tolist()
            ranked = []
            for v in value_codes:
                if dilemmas[v] == 0:
                    continue
                value = value_labels[v]
                _order, name, type_name = names.get(value, (0, value, ""))
                by_value.rows.append((model, condition, kind, value, name, type_name, counts[v], dilemmas[v])
                                     + cells[v] + f1_of.get((model, condition, value), NO_F1))
                ranked.append(v)
            ranked.sort(key=lambda v: -rank_cells[v][0])  # by AD, stable: ties keep catalogue order
            for rank, v in enumerate(ranked, 1):
                value = value_labels[v]
                _order, name, type_name = names.get(value, (0, value, ""))
                ranking.rows.append((model, condition, kind, rank, rank_low[v], rank_high[v], value, name, type_name,
                                     counts[v], dilemmas[v]) + rank_cells[v])
        heatmaps[model] = _heatmap(model, grid, conditions, stats.level["ar"][m], value_labels)
    return by_value, ranking, heatmaps


def _adjust_across_values(stats: ValueStats) -> None:
    for prefix, _name in METRICS:
        p = stats.p[prefix]
        tested = p.size and not np.isnan(p).all()  # the quick tables test nothing
        stats.p_holm[prefix] = np.apply_along_axis(holm, 2, p) if tested else p.copy()
        stats.p_bh[prefix] = np.apply_along_axis(benjamini_hochberg, 2, p) if tested else p.copy()


def _heatmap(model: str, grid: DilemmaGrid, conditions: list[int], rates: np.ndarray,
             value_labels: tuple[str, ...]) -> Heatmap:
    cat = catalogue()
    values = [(v.id, v.name, cat.value_type(v.type).name) for t in cat.value_types for v in cat.values_of_type(t.id)]
    code_of = {label: i for i, label in enumerate(value_labels)}
    matrix = np.full((len(values), len(conditions)), np.nan)
    for i, (value_id, _n, _t) in enumerate(values):
        if value_id in code_of:
            matrix[i] = rates[conditions, code_of[value_id]]
    return Heatmap(model, values, [grid.conditions[c] for c in conditions], matrix)
