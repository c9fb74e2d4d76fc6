"""The conditions table and the persona-kinds table: AR and AD per (model, condition) and per (model,
persona kind), with intervals, against the baseline of the same model.

Level and change agree by construction: a condition's row gives its own level and the baseline's level
over the same paired dilemmas (each dilemma weighted equally), and the change is the mean of the
per-dilemma differences, which equals their difference. The baseline's own row covers every dilemma it
answered. A persona kind is the mean over its personas of each persona's row (not the pool of their
items); its interval treats the personas as a sample of the kind crossed with the dilemmas
(``metrics.crossed``: a t interval with the persona part on P - 1 degrees of freedom).
"""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.frame import select
from valuegap_tui.metrics.grid import BASELINE, KIND_ORDER, DilemmaGrid, paired_item_mask
from valuegap_tui.metrics.items import Items
from valuegap_tui.metrics.multiplicity import benjamini_hochberg, holm
from valuegap_tui.metrics.crossed import crossed_mean
from valuegap_tui.metrics.paired import Resampler, dz
from valuegap_tui.metrics.paired_batch import PairedBatch
from valuegap_tui.metrics.retest import retest
from valuegap_tui.metrics.table import Table

NAN = float("nan")
METRICS = (("ar", "alignment_rate"), ("ad", "alignment_distance"))


def change_columns(prefix: str) -> tuple[str, ...]:
    """The change of one metric against baseline: paired mean difference with its interval, the raw and
    the adjusted p-values (Holm, Benjamini-Hochberg) and Cohen's d_z."""
    return tuple(f"{prefix}_change{suffix}" for suffix in ("", "_low", "_high", "_p", "_p_holm", "_p_bh", "_dz"))


def level_and_change_columns() -> tuple[str, ...]:
    columns: tuple[str, ...] = ()
    for prefix, name in METRICS:
        columns += (name, f"{prefix}_low", f"{prefix}_high", f"baseline_{prefix}") + change_columns(prefix)
    return columns


#: test-retest consistency of each question (metrics.retest) over the same paired dilemmas: the noise floor
RETEST_COLUMNS = ("value_retest_ar", "action_retest_ar", "value_retest_ad", "action_retest_ad")
COMPARISON_COLUMNS = (("model", "condition", "kind", "personas", "items", "dilemmas") + level_and_change_columns()
                      + RETEST_COLUMNS + ("f1_oppose", "f1_align"))
NO_RETEST = (float("nan"),) * len(RETEST_COLUMNS)


def _empty_metric() -> dict[str, float]:
    return {k: NAN for k in ("level", "low", "high", "baseline", "change", "change_low", "change_high", "p",
                             "p_holm", "p_bh", "dz")}


def _metric_cells(metric: dict[str, float]) -> tuple[float, ...]:
    return (metric["level"], metric["low"], metric["high"], metric["baseline"], metric["change"],
            metric["change_low"], metric["change_high"], metric["p"], metric["p_holm"], metric["p_bh"], metric["dz"])


def _condition_metric(x: np.ndarray, b: np.ndarray | None, batch: PairedBatch | None) -> dict[str, float]:
    """One metric of one condition over its paired dilemmas: ``x`` the condition's, ``b`` the baseline's
    per-dilemma values on the same dilemmas (None for the baseline's own row). The intervals and p are
    asked of ``batch`` (as ``bootstrap_mean_interval`` and ``paired_difference`` would draw them) and
    land in the returned dict once it runs."""
    out = _empty_metric()
    if len(x) == 0:
        return out
    out["level"] = float(x.mean())
    if batch is not None:
        batch.mean_interval(x, lambda low, high: out.update(low=low, high=high))
    if b is None:
        return out
    d = x - b
    out["baseline"], out["change"], out["dz"] = float(b.mean()), float(d.mean()), dz(d)
    if batch is not None:
        batch.paired(x, b, lambda low, high, p: out.update(change_low=low, change_high=high, p=p))
    return out


def _adjust(rows: list[dict], prefixes=("ar", "ad")) -> None:
    """Holm and BH across the non-baseline rows of one model (one family per metric)."""
    for prefix in prefixes:
        p = np.array([r[prefix]["p"] for r in rows])
        for key, adjusted in (("p_holm", holm(p)), ("p_bh", benjamini_hochberg(p))):
            for r, value in zip(rows, adjusted):
                r[prefix][key] = float(value)


def conditions_table(grid: DilemmaGrid, items: Items, resampler: Resampler | None) -> Table:
    table = Table("conditions", "Conditions: alignment rate (AR) and distance (AD) over the dilemmas paired "
                  "with baseline, and the change against baseline", COMPARISON_COLUMNS)
    if len(items) == 0:
        return table
    f1, retests = _paired_f1(grid, items), _paired_retest(grid, items)
    paired = grid.paired()
    # every condition's intervals and tests asked first, then computed together (metrics/paired_batch.py)
    batch = PairedBatch(resampler) if resampler is not None else None
    by_model = []
    for m, conditions in grid.present():
        rows = []
        for c in conditions:
            use = paired[m, c]
            has_baseline = bool(grid.has_baseline()[m]) and c != grid.baseline
            row = {"condition": grid.conditions[c], "items": int(grid.items[m, c, use].sum()),
                   "dilemmas": int(use.sum())}
            for prefix, name in METRICS:
                values = getattr(grid, prefix)[m]
                row[prefix] = _condition_metric(values[c, use], values[grid.baseline, use] if has_baseline else None,
                                                batch)
            rows.append(row)
        by_model.append((m, rows))
    if batch is not None:
        batch.run()
    for m, rows in by_model:
        _adjust(rows)
        for row in rows:
            label = row["condition"]
            oppose, align = f1.get((grid.models[m], label), (NAN, NAN))
            table.rows.append((grid.models[m], label, grid.kind_of.get(label, ""), 1, row["items"], row["dilemmas"],
                               *_metric_cells(row["ar"]), *_metric_cells(row["ad"]),
                               *retests.get((grid.models[m], label), NO_RETEST), oppose, align))
    return table


def _paired_f1(grid: DilemmaGrid, items: Items) -> dict[tuple[str, str], tuple[float, float]]:
    """F1 over each (model, condition)'s items on its paired dilemmas (computed once per grid)."""
    if "f1" not in grid.cache:
        result = alignment(items.subset(paired_item_mask(grid, items)), ("model", "persona"))
        grid.cache["f1"] = {key: (float(o), float(a))
                            for key, o, a in zip(result.groups.keys, result.f1_oppose, result.f1_align)}
    return grid.cache["f1"]


def _paired_retest(grid: DilemmaGrid, items: Items) -> dict[tuple[str, str], tuple[float, ...]]:
    """Each (model, condition)'s test-retest consistency over the cells of its paired dilemmas, in the
    order of RETEST_COLUMNS (computed once per grid). Left out of the quick tables (``grid.with_retest``
    false): over 200,000 answers it costs about as much as all of them."""
    if not grid.with_retest:
        return {}
    if "retest" not in grid.cache:
        frame = items.frame
        paired = grid.paired()
        rows = paired[frame.model.codes, frame.persona.codes, frame.dilemma.codes] if len(frame) else np.zeros(0, bool)
        result = retest(frame if rows.all() else select(frame, rows), ("model", "persona"), grid.expected)
        columns = [result.same_side["value"], result.same_side["action"], result.distance["value"],
                   result.distance["action"]]
        grid.cache["retest"] = {key: tuple(float(c[i]) for c in columns) for i, key in enumerate(result.groups.keys)}
    return grid.cache["retest"]


def kinds_table(grid: DilemmaGrid, items: Items, resampler: Resampler | None) -> Table:
    table = Table("persona_kinds", "Persona kinds: the mean over a kind's personas of their AR and AD (each over "
                  "its dilemmas paired with baseline), and the change against baseline", COMPARISON_COLUMNS)
    if len(items) == 0:
        return table
    f1, retests = _paired_f1(grid, items), _paired_retest(grid, items)
    paired = grid.paired()
    for m, conditions in grid.present():
        kinds: dict[str, list[int]] = {}
        for c in conditions:
            kinds.setdefault(grid.kind_of.get(grid.conditions[c], ""), []).append(c)
        rows = []
        for kind in sorted(kinds, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k)):
            members = kinds[kind]
            use = paired[m, members]  # personas x dilemmas
            row = {"condition": kind, "personas": len(members), "items": int(grid.items[m, members][use].sum()),
                   "dilemmas": int(use.any(axis=0).sum()), "baseline": members == [grid.baseline]}
            for prefix, _name in METRICS:
                values = getattr(grid, prefix)[m]
                base = None if row["baseline"] or not grid.has_baseline()[m] else values[grid.baseline]
                row[prefix] = _kind_metric(values[members], base, use, resampler)
            f1s = [f1.get((grid.models[m], grid.conditions[c]), (NAN, NAN)) for c in members]
            row["f1"] = tuple(_nanmean([f[i] for f in f1s]) for i in (0, 1))
            members_retest = [retests.get((grid.models[m], grid.conditions[c]), NO_RETEST) for c in members]
            row["retest"] = tuple(_nanmean([r[i] for r in members_retest]) for i in range(len(RETEST_COLUMNS)))
            rows.append(row)
        _adjust([r for r in rows if not r["baseline"]])
        for row in rows:
            table.rows.append((grid.models[m], row["condition"], row["condition"], row["personas"], row["items"],
                               row["dilemmas"], *_metric_cells(row["ar"]), *_metric_cells(row["ad"]), *row["retest"],
                               *row["f1"]))
    return table


def _kind_metric(values: np.ndarray, base: np.ndarray | None, use: np.ndarray,
                 resampler: Resampler | None) -> dict[str, float]:
    """``values``: (personas x dilemmas) per-dilemma values of the kind's personas; ``use``: paired cells;
    ``base``: the baseline's per-dilemma values (None for the baseline kind). Intervals and p treat the
    personas as a sample of the kind and the dilemmas as a sample of dilemmas (``metrics.crossed``);
    ``resampler`` only says whether to compute them (None: the quick tables)."""
    out = _empty_metric()
    level = np.where(use, values, np.nan)
    answered = use.any(axis=1)
    if not answered.any():
        return out
    level = level[answered][:, use.any(axis=0)]
    out["level"] = float(np.mean([row[~np.isnan(row)].mean() for row in level]))
    samples = {"level": level}
    if base is not None:
        change = level - base[use.any(axis=0)][None, :]
        per_persona = np.array([row[~np.isnan(row)].mean() for row in change])
        out["baseline"] = float(np.mean([(base[use.any(axis=0)][~np.isnan(row)]).mean() for row in level]))
        out["change"] = float(per_persona.mean())
        # d_z on the dilemma scale, as for a condition: the kind's per-dilemma difference (mean over its personas)
        answered_by = (~np.isnan(change)).sum(axis=0)
        per_dilemma = np.nansum(change, axis=0)[answered_by > 0] / answered_by[answered_by > 0]
        out["dz"] = dz(per_dilemma)
        samples["change"] = change
    if resampler is not None:
        for key, matrix in samples.items():
            found = crossed_mean(matrix, resampler.confidence)
            prefix = "" if key == "level" else "change_"
            # AR and AD lie in [0, 1] (a change in [-1, 1]): cutting the t interval there keeps every value the
            # estimand can take, so coverage stays, and a kind with few dilemmas no longer reads -5.9 to 6.9
            floor = 0.0 if key == "level" else -1.0
            low, high = np.clip([found.low, found.high], floor, 1.0)
            out[f"{prefix}low"], out[f"{prefix}high"] = float(low), float(high)
            if key == "change":
                out["p"] = float(found.p)
    return out


def _nanmean(values: list[float]) -> float:
    finite = [v for v in values if v == v]
    return float(np.mean(finite)) if finite else NAN


__all__ = ["BASELINE", "COMPARISON_COLUMNS", "change_columns", "conditions_table", "kinds_table"]
