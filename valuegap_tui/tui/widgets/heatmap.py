"""A heatmap of rates in [0, 1] drawn with coloured terminal cells: red (0) through white to blue (1)."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from valuegap_tui.text import one_line

RED, WHITE, BLUE = (178, 24, 43), (247, 247, 247), (33, 102, 172)
MISSING = Style(color="grey50")


def visible(text: str) -> str:
    """Control characters (from a model or persona name) shown as escapes, never sent to the terminal."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


def rate_style(rate: float) -> Style:
    """Background colour for a rate: red below 0.5, blue above, white at 0.5; dark text on light cells."""
    if rate is None or math.isnan(rate):
        return MISSING
    rate = min(max(rate, 0.0), 1.0)
    low, high, t = (RED, WHITE, rate * 2) if rate < 0.5 else (WHITE, BLUE, (rate - 0.5) * 2)
    rgb = tuple(int(round(a + (b - a) * t)) for a, b in zip(low, high))
    foreground = "black" if abs(rate - 0.5) < 0.3 else "white"
    return Style(bgcolor=f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", color=foreground)


def render_heatmap(rows: list[tuple[str, str]], columns: list[str], rates: np.ndarray, *,
                   label_width: int = 26, cell_width: int = 7, title: str = "") -> Text:
    """``rows`` are (label, group); a group header line precedes each new group. All text is plain
    (never parsed as markup); ``title`` (e.g. which model) heads it."""
    out = Text(no_wrap=True, overflow="crop")
    if title:
        out.append(visible(title) + "\n\n", Style(bold=True))
    out.append(" " * label_width)
    for column in columns:
        out.append(one_line(column)[: cell_width - 1].rjust(cell_width - 1) + " ", Style(bold=True))
    out.append("\n")
    group = None
    for i, (label, row_group) in enumerate(rows):
        if row_group != group:
            group = row_group
            out.append(f"{one_line(group)}\n", Style(bold=True, underline=True))
        out.append(("  " + one_line(label))[:label_width].ljust(label_width))
        for j in range(len(columns)):
            rate = float(rates[i, j])
            cell = "   ·  " if math.isnan(rate) else f"{rate:5.2f} "
            out.append(cell, rate_style(rate))
            out.append(" ")
        out.append("\n")
    out.append("\n")
    out.append("scale: ")
    for rate in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f" {rate:.2f} ", rate_style(rate))
    out.append("  red = misaligned, blue = aligned, · = no items")
    return out


class Heatmap(Static):
    """Shows ``render_heatmap``; call ``show`` with new data."""

    def __init__(self, **kwargs):
        super().__init__("", markup=False, **kwargs)

    def show(self, rows: list[tuple[str, str]], columns: list[str], rates: np.ndarray | None, title: str = "") -> None:
        self.update(render_heatmap(rows, columns, rates, title=title) if columns else Text("no items to show"))
