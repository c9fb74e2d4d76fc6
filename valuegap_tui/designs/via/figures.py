"""The VIA report's figures, per model: F1 and AD by country and by value (PNG and SVG, as every report
figure). Countries are drawn under ``own country`` (the paper's setup) when the run has it, else under
the baseline; values under the baseline, else the first condition. Each bar carries its rank interval
in the AD panel, and the title says the coverage the numbers rest on."""

from __future__ import annotations

import math
from pathlib import Path

from valuegap_tui.designs.via.metrics import OWN_COUNTRY, via_tables


def _condition(rows: list[dict], preferred: tuple[str, ...]) -> str | None:
    present = list(dict.fromkeys(r["condition"] for r in rows))
    return next((c for c in preferred if c in present), present[0] if present else None)


def draw_via_figures(frame, items, conditions, out_dir: Path) -> list[Path]:
    """``via_countries_<model>`` and ``via_values_<model>``, each as PNG and SVG; [] without matplotlib."""
    try:
        from valuegap_tui.report import figures as report_figures
    except ImportError:
        return []
    import matplotlib.pyplot as plt

    tables = {t.name: t for t in via_tables(frame, items, conditions)}
    written: list[Path] = []
    for model in sorted({r["model"] for r in tables["via_summary"].records()}):
        for table, stem, preferred in (("via_by_country", "via_countries", (OWN_COUNTRY, "baseline")),
                                       ("via_value_ranking", "via_values", ("baseline",))):
            rows = [r for r in tables[table].records() if r["model"] == model]
            condition = _condition(rows, preferred)
            rows = [r for r in rows if r["condition"] == condition and not math.isnan(r["AD"])]
            if not rows:
                continue
            attr = "country" if table == "via_by_country" else "value"
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 2 + 0.22 * len(rows)), sharey=True)
            names = [str(r[attr]) for r in rows]
            y = list(range(len(rows)))
            left.barh(y, [0 if math.isnan(r["F1"]) else r["F1"] for r in rows], color=report_figures.VALUE_COLOUR)
            for i, r in enumerate(rows):
                if math.isnan(r["F1"]):
                    left.text(0.01, i, "no F1", va="center", fontsize=7, color="grey")
            left.set_xlim(0, 1)
            left.set_xlabel("F1 (disagree / resist positive)")
            right.barh(y, [r["AD"] for r in rows], color=report_figures.ACTION_COLOUR)
            for i, r in enumerate(rows):
                right.text(min(0.98, r["AD"] + 0.01), i, f"rank {r['rank']:g} [{r['rank_low']:g}, {r['rank_high']:g}]",
                           va="center", fontsize=7)
            right.set_xlim(0, 1)
            right.set_xlabel("alignment distance (AD), rank 1 = largest gap")
            left.set_yticks(y, names, fontsize=7 if len(rows) > 20 else 9)
            left.invert_yaxis()
            answers, valid = sum(r["answers"] for r in rows), sum(r["valid"] for r in rows)
            low = sum(r["low coverage"] for r in rows)
            fig.suptitle(f"{model}, {condition}: F1 and AD by {attr} — {valid:,} of {answers:,} answers usable"
                         f" ({low:,} low coverage)", fontsize=10)
            path = out_dir / f"{stem}_{report_figures.figure_slug(model)}.png"
            report_figures._save(fig, path, rect=(0, 0, 1, 0.95))
            written += [path, path.with_suffix(".svg")]
    return written
