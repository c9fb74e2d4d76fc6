"""The valact report's figure: per model, stated (centred) vs enacted profile over the ten values,
one panel per condition, with the Pearson r in each panel's title. PNG, and PDF and SVG as the report asks, as every report figure."""

from __future__ import annotations

import math
from pathlib import Path


def draw_profiles(frame, items, conditions, out_dir: Path) -> list[Path]:
    """One figure per model (``valact_profiles_<model>`` as PNG and the report's other formats); [] without matplotlib."""
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
        fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False,
                                 layout="constrained")
        for ax, (condition, (names, stated, enacted, r)) in zip(axes[0], panels):
            ax.scatter(stated, enacted, color=report_figures.VALUE_COLOUR)
            _name_points(ax, names, stated, enacted)
            ax.axhline(0.25, color="grey", linestyle=":", linewidth=1)  # chance: each action is 1 of 4
            ax.set_title(f"{condition}: r = {'–' if math.isnan(r) else f'{r:.2f}'}", fontsize=9)
            ax.set_xlabel("stated (centred portrait score)")
            ax.set_ylabel("enacted (rate chosen where offered)")
        fig.suptitle(f"{model}: stated vs enacted value profile", fontsize=10)
        path = out_dir / f"valact_profiles_{report_figures.figure_slug(model)}.png"
        report_figures.save_figure(fig, path, rect=None)
        written += report_figures.files_of(path)
    return written


#: where a point's name may go, in points from the point (x, y, horizontal alignment, vertical alignment),
#: tried in order until the name overlaps no name placed before it and stays inside the panel
_SPOTS = tuple((dx, dy, "left" if dx > 0 else "right", "bottom" if dy > 0 else "top")
               for dy in (3, -3, 12, -12, 21, -21) for dx in (4, -4))


def _name_points(ax, names, stated, enacted) -> None:
    """Each point's value name; values on one spot share one label ("Hedonism, Tradition"), and each
    label takes the first spot around its point where it overlaps no other label (else the first spot)."""
    at: dict[tuple, list[str]] = {}
    for name, x, y in zip(names, stated, enacted):
        if not (math.isnan(x) or math.isnan(y)):
            at.setdefault((round(float(x), 9), round(float(y), 9)), []).append(str(name))
    if not at:
        return
    ax.margins(x=0.12, y=0.12)
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.draw_without_rendering()  # the layout, so the labels' extents are where they will be drawn
    panel, placed = ax.get_window_extent(renderer), []
    for (x, y), here in sorted(at.items()):
        for spot, (dx, dy, ha, va) in enumerate(_SPOTS):
            label = ax.annotate(", ".join(sorted(here)), (x, y), fontsize=7, textcoords="offset points",
                                xytext=(dx, dy), ha=ha, va=va)
            box = label.get_window_extent(renderer)
            inside = panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1
            if inside and not any(box.overlaps(other) for other in placed):
                break
            if spot < len(_SPOTS) - 1:
                label.remove()
            else:  # nowhere free: the first spot, overlapping
                label.remove()
                label = ax.annotate(", ".join(sorted(here)), (x, y), fontsize=7, textcoords="offset points",
                                    xytext=_SPOTS[0][:2], ha=_SPOTS[0][2], va=_SPOTS[0][3])
                box = label.get_window_extent(renderer)
        placed.append(box)
