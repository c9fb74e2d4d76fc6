"""The report's figures, drawn with matplotlib's Agg backend (no display needed), each as PNG and, as asked, PDF and SVG.

Per model, the poster's three (the alignment-rate heatmap, the answer-choice distribution, AR and AD by
persona kind against baseline), AR and AD by condition and the letter shares by position
(``position_figure.py``); for the run, the models side by side (``comparison_figures.py``). Text stays
text: the SVG holds <text> elements a person can edit, the PDF embeds its fonts as TrueType, and names
are never read as mathtext (a model called "a$b$" is drawn as written).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as transforms  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402

from valuegap_tui.catalogue import catalogue  # noqa: E402
from valuegap_tui.metrics.humans import is_human  # noqa: E402
from valuegap_tui.metrics.summary import Results  # noqa: E402
from valuegap_tui.report.figure_files import (  # noqa: E402,F401  (the designs' figures take them from here)
    ACTION_COLOUR, FORMATS, MODEL_COLOURS, VALUE_COLOUR, figure_slug, figure_style, files_of, label_bar,
    save_figure, short_name)

FIGURES = ("alignment_heatmap", "answer_choices", "kinds", "conditions", "position")


def model_jobs(results: Results, out_dir: Path, title: str) -> list[tuple[str, str, Path, str]]:
    """Per model with a paired item, one ``(figure, model, png path, heading)`` per figure of ``FIGURES``,
    the files named after the model (``draw_model_figure`` draws one)."""
    jobs, used = [], set()
    with_items = {r["model"] for r in results.per_model.records() if r["items"]}
    for model in results.reported_models:
        if model not in with_items:  # answers but no paired item yet: nothing to draw
            continue
        slug = figure_slug(model)
        while slug in used:  # two names that only differ in odd characters
            slug += "_"
        used.add(slug)
        who = "respondent" if is_human(model) else "model"  # a person answering beside the models
        heading = f"{title}, {who} {short_name(model, 60)}"  # a title never runs off the figure
        jobs += [(name, model, out_dir / f"{name}_{slug}.png", heading) for name in FIGURES]
    return jobs


def draw_model_figure(results: Results, name: str, model: str, path: Path, heading: str,
                      shares: list | None = None) -> Path | None:
    """One figure of ``FIGURES`` for ``model`` as PNG and the formats asked (``figure_formats``); None when it has no data for it.
    ``shares``: the model's answer choices per condition (``answer_choices``)."""
    from valuegap_tui.report.position_figure import letter_shares

    with figure_style():
        if name == "answer_choices":
            return answer_choices(results, model, path, heading, shares)
        drawer = {"alignment_heatmap": alignment_heatmap, "kinds": kinds, "conditions": conditions,
                  "position": letter_shares}[name]
        return drawer(results, model, path, heading)


def draw_all(results: Results, out_dir: Path, title: str,
             per_condition: dict[str, list] | None = None) -> dict[str, list[Path]]:
    """Per model, every figure of ``FIGURES`` it has data for as PNG (listed) and the formats asked (beside it),
    named after the model, drawn one after another (``report/drawing.py`` draws them in parallel)."""
    paths: dict[str, list[Path]] = {}
    for name, model, path, heading in model_jobs(results, out_dir, title):
        drawn = draw_model_figure(results, name, model, path, heading, (per_condition or {}).get(model))
        paths.setdefault(model, [])
        if drawn is not None:  # None: no data for that figure
            paths[model].append(drawn)
    return paths


#: answer options from strongly agree / aligning (dark blue) to strongly disagree / opposing (dark red)
OPTION_COLOURS = ("#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b")


def answer_choices(results: Results, model: str, path: Path, title: str, per_condition: list | None = None) -> Path:
    """Per condition (when ``per_condition`` is given), the value and the action answers as two stacked
    bars of option shares; otherwise the model's answers over every condition, option by option."""
    if per_condition:
        return _answer_choices_by_condition(model, path, title, per_condition)
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
    return save_figure(fig, path)


def _answer_choices_by_condition(model: str, path: Path, title: str, per_condition: list) -> Path:
    cat = catalogue()
    labels, y, bars = [], [], []
    for i, (condition, shares) in enumerate(per_condition):
        for j, question in enumerate(("value", "action")):
            labels.append(f"{condition} — {question}" if j == 0 else "action")
            y.append(i * 2.6 + j)
            bars.append(np.nan_to_num(np.asarray(shares[question], dtype=float)))
    fig, ax = plt.subplots(figsize=(11, max(4, 0.32 * len(y) + 2)))
    left = np.zeros(len(y))
    bars = np.array(bars)
    y = np.asarray(y, dtype=float)
    handles = []
    for k in range(6):
        # one collection of bars per option, not a patch per bar (300 at 25 conditions, each placed,
        # measured for the axis limits and drawn as an artist of its own): the same rectangles as barh's
        style = {"facecolor": OPTION_COLOURS[k], "edgecolor": "white", "linewidth": 0.5}
        right = left + bars[:, k]
        corners = np.stack([np.column_stack(c) for c in ((left, y - 0.4), (right, y - 0.4), (right, y + 0.4),
                                                          (left, y + 0.4))], axis=1)
        ax.add_collection(PolyCollection(corners, **style))
        handles.append(Patch(**style, label=f"{cat.value_scale[k].text} / {cat.action_labels[k].text}"))
        for yi, share, start in zip(y, bars[:, k], left):
            if share >= 0.08:
                ax.text(start + share / 2, yi, f"{share:.0%}", ha="center", va="center", fontsize=6,
                        color="white" if k in (0, 5) else "black", in_layout=False)  # inside its bar
        left += bars[:, k]
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of valid answers (value question: stated; action question: enacted)")
    height = fig.get_size_inches()[1]
    fig.legend(handles=handles, ncols=3, fontsize=7, loc="lower center", frameon=False)
    ax.set_title(f"Answer-choice distribution, value vs action answers per condition\n{title}")
    return save_figure(fig, path, rect=(0, 0.5 / height, 1, 1))  # room for the legend below the axes


def alignment_heatmap(results: Results, model: str, path: Path, title: str) -> Path:
    heat = results.heatmaps[model]
    n_values, n_conditions = heat.rates.shape
    width = max(6, 1.2 * n_conditions + 4)
    fig, ax = plt.subplots(figsize=(width, 13))
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
    ax.set_xlabel("condition (persona); a persona's AR is over\nthe dilemmas it shares with the baseline"
                  if n_conditions < 4 else  # a narrow figure: on two lines, or it runs off both sides
                  "condition (persona); a persona's AR is over the dilemmas it shares with the baseline")
    ax.set_ylabel("value (grouped by value type)")
    ax.set_title(f"Alignment rate per value and condition\n{title}")
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=min(0.3, 1.5 / max(width - 4, 1)))  # about 1.5 in for the type labels
    bar.set_label("alignment rate (red = misaligned, blue = aligned; grey = no items)")
    return save_figure(fig, path)


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
        ax.set_ylim(0, 1 if metric == "alignment_rate" else max(0.5, float(np.nanmax(mid, initial=0)) * 1.3))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Alignment rate (95% bootstrap CI)")
    axes[1].set_title("Alignment distance (95% bootstrap CI)")
    # one label for both panels: two copies of it overlapped each other
    fig.supxlabel("condition (grey = baseline, dashed = its level; black tick = baseline on the same dilemmas)",
                  fontsize=8)
    fig.suptitle(f"AR and AD by condition against baseline\n{title}")
    return save_figure(fig, path)


def kinds(results: Results, model: str, path: Path, title: str) -> Path:
    """AR and AD per persona kind (mean over its personas) with the baseline's level on the same dilemmas
    and the change's interval and adjusted p written above each bar."""
    rows = [r for r in results.kinds.records() if r["model"] == model]
    labels = [r["condition"] if r["condition"] == "baseline" else  # the baseline is no persona
              f"{r['condition']}\n({r['personas']} persona{'s' if r['personas'] != 1 else ''})" for r in rows]
    x = np.arange(len(rows))
    clipped = False
    fig, axes = plt.subplots(1, 2, figsize=(max(10, 1.6 * len(rows) + 5), 5.5))
    for ax, prefix, metric, name in zip(axes, ("ar", "ad"), ("alignment_rate", "alignment_distance"),
                                        ("alignment rate (AR, higher = smaller gap)",
                                         "alignment distance (AD, lower = smaller gap)")):
        mid = np.array([r[metric] for r in rows], dtype=float)
        err = np.array([[m - r[f"{prefix}_low"], r[f"{prefix}_high"] - m] for m, r in zip(mid, rows)], dtype=float).T
        colours = ["#888888" if r["condition"] == "baseline" else VALUE_COLOUR for r in rows]
        ax.bar(x, mid, color=colours, yerr=np.nan_to_num(err), capsize=4)
        highs = np.array([r[f"{prefix}_high"] for r in rows], dtype=float)
        # headroom above the highest whisker for the change labels, so text never sits on a bar
        # AR and AD lie in [0, 1]: an interval past 1 (a kind resting on two dilemmas has a t interval
        # wider than the scale) runs off the top, never stretches the axis over its bars
        reach = float(np.nanmax(np.append(np.fmax(mid, highs), 0)))
        top = min(1.35, max(0.5, reach * 1.3))
        clipped = clipped or reach > top
        label_band = transforms.blended_transform_factory(ax.transData, ax.transAxes)
        for r, xi in zip(rows, x):
            if r["condition"] == "baseline" or r[f"baseline_{prefix}"] != r[f"baseline_{prefix}"]:
                continue
            ax.hlines(r[f"baseline_{prefix}"], xi - 0.4, xi + 0.4, colors="black", linewidth=1.5)
            change = f"Δ {r[f'{prefix}_change']:+.3f}"
            if r[f"{prefix}_change_low"] == r[f"{prefix}_change_low"]:
                change += f"\n[{r[f'{prefix}_change_low']:+.3f}, {r[f'{prefix}_change_high']:+.3f}]"
            if r[f"{prefix}_change_p_holm"] == r[f"{prefix}_change_p_holm"]:
                change += f"\np Holm {r[f'{prefix}_change_p_holm']:.2g}"
            ax.text(xi, 0.98, change, ha="center", va="top", fontsize=7, transform=label_band)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylabel(name)
        ax.set_ylim(0, top)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("Alignment rate by persona kind (95% CI)")
    axes[1].set_title("Alignment distance by persona kind (95% CI)")
    fig.supxlabel("persona kind (grey = baseline; black tick = baseline on the kind's dilemmas; "
                  "interval over personas and dilemmas)"
                  + ("\na whisker cut at the top runs past the scale: its ends are in persona_kinds.csv" if clipped else ""),
                  fontsize=8)
    fig.suptitle(f"AR and AD by persona kind against baseline\n{title}")
    return save_figure(fig, path)
