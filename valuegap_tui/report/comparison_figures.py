"""The models of a run side by side: AR and AD with their 95% intervals per condition (``models_conditions``)
and per persona kind (``models_kinds``), one bar per model in each row, from the report's conditions and
kinds tables (no new numbers: the same levels and intervals as the tables and the per-model figures).
Drawn only where two respondents or more have a paired item: one alone would show the same bars as its
own ``conditions_MODEL`` and ``kinds_MODEL`` (``figure_formats.run_models``).

A condition's AR and AD are over the dilemmas it shares with its model's baseline (docs/metrics.md), so
two models' bars in one row can rest on different dilemmas when their runs did not finish alike; each
bar's row says how many dilemmas it rests on in the tables (conditions.csv, persona_kinds.csv).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from valuegap_tui.metrics.humans import is_human
from valuegap_tui.metrics.summary import Results
from valuegap_tui.report.figure_files import MODEL_COLOURS, figure_style, save_figure, short_name
from valuegap_tui.report.figure_formats import run_models

#: the run-level figures, beside the per-model ones
RUN_FIGURES = ("models_conditions", "models_kinds")
_METRICS = (("alignment_rate", "ar_low", "ar_high", "alignment rate (AR, higher = smaller gap)"),
            ("alignment_distance", "ad_low", "ad_high", "alignment distance (AD, lower = smaller gap)"))


def draw_run_figure(results: Results, name: str, out_dir: Path, title: str) -> Path | None:
    """One of ``RUN_FIGURES`` as PNG and the formats asked (``figure_formats``); None when no model has a row for it."""
    models = run_models(results)
    with figure_style():
        if name == "models_conditions":
            return side_by_side(results.conditions.records(), models, out_dir / "models_conditions.png",
                                f"AR and AD per condition, models side by side — {title}",
                                "95% bootstrap intervals over dilemmas; each condition over the dilemmas it shares "
                                "with its model's baseline", kinds=False)
        return side_by_side(results.kinds.records(), models, out_dir / "models_kinds.png",
                            f"AR and AD per persona kind, models side by side — {title}",
                            "a kind: the mean over its personas; 95% t intervals over personas and dilemmas",
                            kinds=True)


def draw_run(results: Results, out_dir: Path, title: str) -> list[Path]:
    """The two figures as PNG (listed) and the formats asked, for every model with a paired item; [] when
    fewer than two have (``run_models``)."""
    if not run_models(results):
        return []
    drawn = [draw_run_figure(results, name, out_dir, title) for name in RUN_FIGURES]
    return [path for path in drawn if path is not None]


def _label(row: dict, kinds: bool) -> str:
    if not kinds or row["condition"] == "baseline":  # the baseline is no persona
        return short_name(row["condition"], 40)
    personas = row["personas"]
    return f"{short_name(row['condition'], 32)} ({personas} persona{'' if personas == 1 else 's'})"


def _legend_label(model: str, rows: list[dict | None]) -> str:
    """The name, with how many dilemmas its bars rest on: people part-way through a survey, or a model
    whose run stopped early, rest on fewer than the others."""
    counts = sorted({int(r["dilemmas"]) for r in rows if r is not None})
    if not counts:
        return short_name(model, 60)
    span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    return f"{short_name(model, 60)} ({span} dilemma{'' if counts[-1] == 1 else 's'})"


def side_by_side(rows: list[dict], models: list[str], path: Path, heading: str, note: str,
                 kinds: bool) -> Path | None:
    """One row per condition (or kind), in table order, one bar per model; None when there is no row."""
    rows = [r for r in rows if r["model"] in models]
    categories = list(dict.fromkeys(r["condition"] for r in rows))
    if not categories:
        return None
    by_key = {(r["model"], r["condition"]): r for r in rows}
    first = {c: next(r for r in rows if r["condition"] == c) for c in categories}
    n, m = len(categories), len(models)
    slot = 0.8 / m
    clipped = False
    fig, axes = plt.subplots(1, 2, figsize=(11, 2.2 + n * (0.2 * m + 0.25) + 0.25 * ((m + 1) // 2)), sharey=True,
                             layout="constrained")
    for ax, (metric, low, high, name) in zip(axes, _METRICS):
        top = 0.0
        for j, model in enumerate(models):
            y = np.arange(n) - 0.4 + slot * (j + 0.5)
            found = [by_key.get((model, c)) for c in categories]
            mid = np.array([math.nan if r is None else r[metric] for r in found], dtype=float)
            lows = np.array([math.nan if r is None else r[low] for r in found], dtype=float)
            highs = np.array([math.nan if r is None else r[high] for r in found], dtype=float)
            err = np.nan_to_num(np.vstack([mid - lows, highs - mid]))  # no interval: no whisker
            ax.barh(y, np.nan_to_num(mid), height=slot * 0.9, xerr=err, color=MODEL_COLOURS[j % len(MODEL_COLOURS)],
                    label=_legend_label(model, found), capsize=2, error_kw={"linewidth": 0.8})
            for yi, value in zip(y, mid):
                if math.isnan(value):
                    ax.text(0.005, yi, "no paired dilemmas", va="center", fontsize=6, color="#666666")
                elif value == 0:  # a bar of length 0 is not seen: say it is there
                    ax.text(0.005, yi, "0", va="center", fontsize=7)
            top = max(top, float(np.nanmax(np.fmax(mid, highs), initial=0.0)))
        # AR and AD lie in [0, 1]: a wider interval (few dilemmas) runs off the panel's edge
        ax.set_xlim(0, 1 if metric == "alignment_rate" else min(1.0, max(0.5, top * 1.15)))
        clipped = clipped or top > 1.0
        ax.set_xlabel(name)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(n), [_label(first[c], kinds) for c in categories], fontsize=8)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    people = any(is_human(model) for model in models)  # a person mid-survey stands beside the models
    fig.legend(handles, labels, loc="outside lower center", ncols=min(m, 2), fontsize=8,
               title="respondent (dilemmas its bars rest on)" if people else "model (dilemmas its bars rest on)",
               title_fontsize=8, frameon=False)
    if clipped:
        note += "; a whisker cut at the edge runs past the scale (its ends are in the table)"
    fig.suptitle(f"{heading}\n{note}", fontsize=10)
    return save_figure(fig, path, rect=None)
