"""The position-bias figure of one model: per condition and question, the share of answers on each letter
against the uniform share 1/k (the ``letters`` table of ``metrics.position``; docs/metrics.md, Position).

Options are shuffled by a Latin square, so a respondent answering by content puts 1/k of its answers on
each letter: a cell's colour is its share minus 1/k (purple above, orange below), its text the share, with
a star where the share's 95% interval leaves 1/k out. Each condition's label gives the dilemmas it rests on
and the share of answers that went by letter (value / action), from the ``position`` table.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from valuegap_tui.metrics.position import LETTERS, QUESTIONS
from valuegap_tui.metrics.summary import Results
from valuegap_tui.report.figure_files import save_figure, short_name


def _share_text(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.2f}"


def letter_shares(results: Results, model: str, path: Path, title: str) -> Path | None:
    """The figure, or None when the run has no letter shares for ``model``."""
    rows = [r for r in results.letters.records() if r["model"] == model] if results.letters is not None else []
    if not rows:
        return None
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    k = max(LETTERS.index(r["letter"]) for r in rows) + 1
    even = float(rows[0]["even_share"])
    by_letter = {p["condition"]: p for p in results.position.records() if p["model"] == model} \
        if results.position is not None else {}
    labels = []
    for condition in conditions:
        found = by_letter.get(condition)
        label = short_name(condition, 40)
        if found is not None:  # how much the row rests on, and the share that went by letter
            label += f" ({found['dilemmas']} dilemma{'' if found['dilemmas'] == 1 else 's'})\nby letter: value {_share_text(found['value_position'])}, " \
                     f"action {_share_text(found['action_position'])}"
        labels.append(label)
    fig, axes = plt.subplots(1, 2, figsize=(11, 2.4 + 0.42 * len(conditions)), sharey=True, layout="constrained")
    shares = np.full((2, len(conditions), k), np.nan)
    off = np.zeros((2, len(conditions), k), dtype=bool)
    for r in rows:
        q, i, j = QUESTIONS.index(r["question"]), conditions.index(r["condition"]), LETTERS.index(r["letter"])
        shares[q, i, j] = r["share"]
        off[q, i, j] = r["share_low"] > even or r["share_high"] < even  # NaN compares False: no star
    span = max(0.05, float(np.nanmax(np.abs(shares - even), initial=0.0)))
    cmap = plt.get_cmap("PuOr_r").with_extremes(bad="#dddddd")
    for q, (ax, question) in enumerate(zip(axes, QUESTIONS)):
        image = ax.imshow(np.ma.masked_invalid(shares[q] - even), cmap=cmap, vmin=-span, vmax=span, aspect="auto",
                          interpolation="nearest")
        for i in range(len(conditions)):
            for j in range(k):
                value = shares[q, i, j]
                strong = not math.isnan(value) and abs(value - even) > 0.6 * span
                # inside its cell: the layout need not measure it (300 labels at 25 conditions)
                ax.text(j, i, _share_text(value) + ("*" if off[q, i, j] else ""), ha="center", va="center",
                        fontsize=7, color="white" if strong else "black", in_layout=False)
        ax.set_xticks(range(k), list(LETTERS[:k]))
        ax.set_xlabel("letter shown")
        ax.set_title(f"{question} question", fontsize=10)
    axes[0].set_yticks(range(len(conditions)), labels, fontsize=7)
    bar = fig.colorbar(image, ax=list(axes), fraction=0.04, pad=0.02)
    bar.set_label(f"share − 1/{k}")  # short: a one-row figure is not much taller than this label
    fig.supxlabel(f"options shuffled by a Latin square: 1/{k} = {even:.3f} on each letter without position bias; "
                  f"colour: the share minus 1/{k};\n* the share's 95% interval leaves 1/{k} out; grey: no answers",
                  fontsize=8)
    fig.suptitle(f"Letter shares by position against the uniform share\n{title}", fontsize=10)
    # the colour bar takes its room from both panels: no tight_layout for this one
    return save_figure(fig, path, rect=None)
