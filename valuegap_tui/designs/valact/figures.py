"""The valact report's figure: per model, stated (centred) vs enacted profile over the ten values,
one panel per condition, with the Pearson r in each panel's title. PNG, PDF and SVG, as every report figure."""

from __future__ import annotations

import math
from pathlib import Path


def draw_profiles(frame, items, conditions, out_dir: Path) -> list[Path]:
    """One figure per model (``valact_profiles_<model>`` as PNG, PDF and SVG); [] without matplotlib."""
    try:
        from valuegap_tui.report import figures as report_figures
    except ImportError:
        return []
    import matplotlib.pyplot as plt

    from valuegap_tui.designs.valact.metrics import profile_points, respondents

    points = profile_points(respondents(frame, items))
    written = []
    for model in sorted({m for m, _ in points}):
        panels = [(c, points[(m, c)]) for m, c in points if m == model]
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
        for ax, (condition, (names, stated, enacted, r)) in zip(axes[0], panels):
            ax.scatter(stated, enacted, color=report_figures.VALUE_COLOUR)
            for name, x, y in zip(names, stated, enacted):
                if not (math.isnan(x) or math.isnan(y)):
                    ax.annotate(name, (x, y), fontsize=7, xytext=(3, 2), textcoords="offset points")
            ax.axhline(0.25, color="grey", linestyle=":", linewidth=1)  # chance: each action is 1 of 4
            ax.set_title(f"{condition}: r = {'–' if math.isnan(r) else f'{r:.2f}'}", fontsize=9)
            ax.set_xlabel("stated (centred portrait score)")
            ax.set_ylabel("enacted (rate chosen where offered)")
        fig.suptitle(f"{model}: stated vs enacted value profile", fontsize=10)
        path = out_dir / f"valact_profiles_{report_figures.figure_slug(model)}.png"
        report_figures.save_figure(fig, path, rect=(0, 0, 1, 0.94))
        written += report_figures.files_of(path)
    return written
