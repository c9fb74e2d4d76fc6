"""The VIA report's figures: the models side by side (F1, accuracy and AD per condition, ``via_models``)
and, per model, F1 and AD by country and by value (PNG, and PDF and SVG as the report asks, as every report figure). Countries
are drawn under ``own country`` (the paper's setup) when the run has it, else under the baseline; values under the baseline, else the first condition. Each bar carries its rank interval
in the AD panel, and the title says the coverage the numbers rest on."""

from __future__ import annotations

import math
from pathlib import Path

from valuegap_tui.designs.via.metrics import OWN_COUNTRY, via_tables


def _condition(rows: list[dict], preferred: tuple[str, ...]) -> str | None:
    present = list(dict.fromkeys(r["condition"] for r in rows))
    return next((c for c in preferred if c in present), present[0] if present else None)


def draw_via_figures(frame, items, conditions, out_dir: Path) -> list[Path]:
    """``via_models``, then ``via_countries_<model>`` and ``via_values_<model>``, each as PNG and the report's other formats;
    [] without matplotlib."""
    try:
        from valuegap_tui.report import figures as report_figures
    except ImportError:
        return []
    import matplotlib.pyplot as plt

    tables = {t.name: t for t in via_tables(frame, items, conditions)}
    written: list[Path] = []
    if tables["via_summary"].rows:
        written += report_figures.files_of(_models_side_by_side(tables["via_summary"].records(), out_dir))
    for model in sorted({r["model"] for r in tables["via_summary"].records()}):
        for table, stem, preferred in (("via_by_country", "via_countries", (OWN_COUNTRY, "baseline")),
                                       ("via_value_ranking", "via_values", ("baseline",))):
            rows = [r for r in tables[table].records() if r["model"] == model]
            condition = _condition(rows, preferred)
            rows = [r for r in rows if r["condition"] == condition and not math.isnan(r["AD"])]
            if not rows:
                continue
            attr = "country" if table == "via_by_country" else "value"
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 2.3 + 0.22 * len(rows)), sharey=True,
                                              layout="constrained")
            names = [str(r[attr]) for r in rows]
            y = list(range(len(rows)))
            left.barh(y, [0 if math.isnan(r["F1"]) else r["F1"] for r in rows], color=report_figures.VALUE_COLOUR)
            for i, r in enumerate(rows):
                if math.isnan(r["F1"]):
                    left.text(0.01, i, "no F1", va="center", fontsize=7, color="grey")
                else:  # the value too: an F1 of 0 has no bar to see
                    report_figures.label_bar(left, r["F1"], i, f"{r['F1']:.2f}")
            left.set_xlim(0, 1)
            left.set_xlabel("F1 (disagree / resist positive)")
            right.barh(y, [r["AD"] for r in rows], color=report_figures.ACTION_COLOUR)
            for i, r in enumerate(rows):
                report_figures.label_bar(right, r["AD"], i,
                                         f"rank {r['rank']:g} [{r['rank_low']:g}, {r['rank_high']:g}]", room=0.32)
            right.set_xlim(0, 1)
            right.set_xlabel("alignment distance (AD); rank 1 = largest gap [95% rank interval]")
            left.set_yticks(y, names, fontsize=7 if len(rows) > 20 else 9)
            left.set_ylim(len(rows) - 0.5, -0.5)  # first row on top, no empty band above or below
            answers, valid = sum(r["answers"] for r in rows), sum(r["valid"] for r in rows)
            low = sum(r["low coverage"] for r in rows)
            fig.suptitle(f"{report_figures.short_name(model, 60)}, {condition}: F1 and AD by {attr}\n"
                         f"{valid:,} of {answers:,} answers usable ({low:,} low coverage)", fontsize=10)
            path = out_dir / f"{stem}_{report_figures.figure_slug(model)}.png"
            report_figures.save_figure(fig, path, rect=None)
            written += report_figures.files_of(path)
    return written


#: the summary's numbers set side by side: (column, axis label, axis end or None for "fit the data")
_SUMMARY_PANELS = (("F1", "F1 (disagree / resist positive)", 1.0), ("accuracy", "accuracy (stated side = action side)", 1.0),
                   ("AD", "alignment distance (AD, lower = smaller gap)", 1.0))


def _models_side_by_side(rows: list[dict], out_dir: Path) -> Path:
    """``via_models``: per condition (rows) one bar per model in each of F1, accuracy and AD, as the
    via_summary table has them (no intervals there, so none here), each with its value; beside each AD
    bar, how many of the answers asked were usable."""
    import matplotlib.pyplot as plt
    import numpy as np

    from valuegap_tui.report import figures as report_figures

    models = list(dict.fromkeys(r["model"] for r in rows))
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    by_key = {(r["model"], r["condition"]): r for r in rows}
    n, m = len(conditions), len(models)
    slot = 0.8 / m
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.2 + n * (0.2 * m + 0.25) + 0.25 * ((m + 1) // 2)), sharey=True,
                             layout="constrained")
    for ax, (column, label, end) in zip(axes, _SUMMARY_PANELS):
        for j, model in enumerate(models):
            y = np.arange(n) - 0.4 + slot * (j + 0.5)
            found = [by_key.get((model, c)) for c in conditions]
            values = np.array([math.nan if r is None else r[column] for r in found], dtype=float)
            ax.barh(y, np.nan_to_num(values), height=slot * 0.9, label=report_figures.short_name(model, 60),
                    color=report_figures.MODEL_COLOURS[j % len(report_figures.MODEL_COLOURS)])
            for yi, value, r in zip(y, values, found):
                if r is None:
                    continue
                if math.isnan(value):
                    if math.isnan(r["AD"]):  # not one value answer with its action answer yet
                        text = f"no {column}: no paired answers yet ({r['valid']:,} of {r['answers']:,} usable)"
                    elif column == "F1":  # no positive on either side in any scenario repeat
                        text = "no F1: nothing positive on either side"
                    else:
                        text = f"no {column}"
                    ax.text(0.01, yi, text, va="center", fontsize=7, color="#666666")
                    continue
                text = f"{value:.2f}"
                if column == "AD":
                    text += f"  ({r['valid']:,} of {r['answers']:,} usable)"
                report_figures.label_bar(ax, value, yi, text, end, room=0.45 if column == "AD" else 0.12)
        ax.set_xlim(0, end)
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(n), [report_figures.short_name(c, 40) for c in conditions], fontsize=8)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(m, 2), fontsize=8, title="model",
               title_fontsize=8, frameon=False)
    fig.suptitle("VIA gap per condition, models side by side ('own country': each item under its own country's "
                 "persona)\nthe numbers of via_summary.csv, which has no intervals; the rank intervals are in each "
                 "model's via_countries and via_values figures", fontsize=10)
    return report_figures.save_figure(fig, out_dir / "via_models.png", rect=None)
