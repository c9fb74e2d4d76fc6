"""AR and AD per persona kind against baseline, as interval bars drawn with terminal cells."""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text

from valuegap_tui.text import one_line

LEVEL, INTERVAL, BASE = Style(color="rgb(76,114,176)", bold=True), Style(color="rgb(76,114,176)"), Style(color="grey62")


def _axis_position(value: float, width: int) -> int | None:
    return None if value is None or math.isnan(value) else min(width - 1, max(0, int(round(value * (width - 1)))))


def render_kind_chart(rows: list[dict], width: int = 31, label_width: int = 12) -> Text:
    """One line per kind and metric on a 0..1 axis: ━ the 95% interval, ● the level, ┃ the baseline on the
    kind's own dilemmas; the change with its interval and Holm-adjusted p beside it."""
    out = Text(no_wrap=True, overflow="crop")
    out.append("● level  ━ 95% interval  ┃ baseline on the same dilemmas; axis 0 … 1; p: Holm-adjusted\n")
    for prefix, name in (("ar", "AR (higher = smaller gap)"), ("ad", "AD (lower = smaller gap)")):
        out.append(f"\n{name}\n", Style(bold=True))
        metric = "alignment_rate" if prefix == "ar" else "alignment_distance"
        for row in rows:
            kind = one_line(str(row["condition"]))[:label_width].ljust(label_width)
            cells = [" "] * width
            styles = [None] * width
            low, high = (_axis_position(row[f"{prefix}_{end}"], width) for end in ("low", "high"))
            if low is not None and high is not None:
                for i in range(low, high + 1):
                    cells[i], styles[i] = "━", INTERVAL
            base = _axis_position(row.get(f"baseline_{prefix}", math.nan), width)
            if base is not None:
                cells[base], styles[base] = "┃", BASE
            level = _axis_position(row[metric], width)
            if level is not None:
                cells[level], styles[level] = "●", LEVEL
            out.append(kind + " │")
            for cell, style in zip(cells, styles):
                out.append(cell, style or Style())
            out.append("│ " + _describe(row, prefix, metric) + "\n")
    return out


def _describe(row: dict, prefix: str, metric: str) -> str:
    text = f"{row[metric]:.3f}" if not math.isnan(row[metric]) else "–"
    change = row.get(f"{prefix}_change", math.nan)
    if not math.isnan(change):
        text += f"  Δ {change:+.3f}"
        if not math.isnan(row[f"{prefix}_change_low"]):
            text += f" [{row[f'{prefix}_change_low']:+.3f}, {row[f'{prefix}_change_high']:+.3f}]"
        if not math.isnan(row[f"{prefix}_change_p_holm"]):
            text += f" p {row[f'{prefix}_change_p_holm']:.2g}"
    return text
