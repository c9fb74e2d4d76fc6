"""The report's three figures, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from valuegap_tui.catalogue import catalogue  # noqa: E402
from valuegap_tui.metrics.summary import Results  # noqa: E402

VALUE_COLOUR, ACTION_COLOUR = "#4c72b0", "#dd8452"


def figure_slug(model: str) -> str:
    """A file-name-safe form of a model name ("Qwen/Qwen3-8B" -> "Qwen_Qwen3-8B")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._") or "model"


def draw_all(results: Results, out_dir: Path, title: str) -> dict[str, list[Path]]:
    """Per model: the answer choices, the heatmap and the conditions, each file named after the model."""
    paths, used = {}, set()
    for model in results.reported_models:
        slug = figure_slug(model)
        while slug in used:  # two names that only differ in odd characters
            slug += "_"
        used.add(slug)
        heading = f"{title}, model {model}"
        drawn = [answer_choices(results, model, out_dir / f"answer_choices_{slug}.png", heading),
                 alignment_heatmap(results, model, out_dir / f"alignment_heatmap_{slug}.png", heading),
                 conditions(results, model, out_dir / f"conditions_{slug}.png", heading)]
        paths[model] = drawn
    return paths


def answer_choices(results: Results, model: str, path: Path, title: str) -> Path:
    cat = catalogue()
    labels = [f"{v.text}\n/ {a.text}" for v, a in zip(cat.value_scale, cat.action_labels)]
    x = np.arange(6)
    fig, ax = plt.subplots(figsize=(10, 5))
    shares = results.choices[model]
    ax.bar(x - 0.2, shares["value"], 0.4, label="value question (stated)", color=VALUE_COLOUR)
    ax.bar(x + 0.2, shares["action"], 0.4, label="action question (enacted)", color=ACTION_COLOUR)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel("answer option (value scale / action label)")
    ax.set_ylabel("share of valid answers")
    ax.set_title(f"Answer-choice distribution, value vs action\n{title}")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def alignment_heatmap(results: Results, model: str, path: Path, title: str) -> Path:
    heat = results.heatmaps[model]
    n_values, n_conditions = heat.rates.shape
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * n_conditions + 4), 13))
    masked = np.ma.masked_invalid(heat.rates)
    cmap = plt.get_cmap("RdBu").with_extremes(bad="#dddddd")
    image = ax.imshow(masked, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(n_values), [f"{name}" for _id, name, _t in heat.values], fontsize=7)
    ax.set_xticks(range(n_conditions), heat.conditions, rotation=30, ha="right", fontsize=8)
    # separators and labels for the value types
    types = [t for _i, _n, t in heat.values]
    starts = [i for i in range(n_values) if i == 0 or types[i] != types[i - 1]]
    for start in starts[1:]:
        ax.axhline(start - 0.5, color="black", linewidth=0.8)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else n_values
        ax.text(n_conditions - 0.4, (start + end - 1) / 2, types[start], va="center", ha="left", fontsize=8)
    ax.set_xlabel("condition (persona); a persona's AR is over the dilemmas it shares with the baseline")
    ax.set_ylabel("value (grouped by value type)")
    ax.set_title(f"Alignment rate per value and condition\n{title}")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.18)
    bar.set_label("alignment rate (red = misaligned, blue = aligned; grey = no items)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def conditions(results: Results, model: str, path: Path, title: str) -> Path:
    rows = [r for r in results.conditions.records() if r["model"] == model]
    labels = [r["condition"] for r in rows]
    x = np.arange(len(rows))
    fig, axes = plt.subplots(1, 2, figsize=(max(10, 0.9 * len(rows) + 6), 5))
    for ax, (metric, low, high, paired, name) in zip(axes, (
            ("alignment_rate", "ar_low", "ar_high", "baseline_ar", "alignment rate (AR, higher = smaller gap)"),
            ("alignment_distance", "ad_low", "ad_high", "baseline_ad", "alignment distance (AD, lower = smaller gap)"))):
        mid = np.array([r[metric] for r in rows], dtype=float)
        err = np.array([[m - r[low], r[high] - m] for m, r in zip(mid, rows)], dtype=float).T
        colours = ["#888888" if r["condition"] == "baseline" else VALUE_COLOUR for r in rows]
        ax.bar(x, mid, color=colours, yerr=np.nan_to_num(err), capsize=3)
        for r, xi in zip(rows, x):
            if r["condition"] == "baseline":
                ax.axhline(r[metric], color="#555555", linestyle="--", linewidth=0.8)
            elif r[paired] == r[paired]:  # the baseline on this condition's own paired dilemmas
                ax.hlines(r[paired], xi - 0.4, xi + 0.4, colors="black", linewidth=1.5)
        ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(name)
        ax.set_xlabel("condition (grey = baseline, dashed = its level; black tick = baseline on the same dilemmas)")
        ax.set_ylim(0, 1 if metric == "alignment_rate" else max(0.5, float(np.nanmax(mid, initial=0)) * 1.3))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Alignment rate (95% bootstrap CI)")
    axes[1].set_title("Alignment distance (95% bootstrap CI)")
    fig.suptitle(f"AR and AD by condition against baseline — {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
