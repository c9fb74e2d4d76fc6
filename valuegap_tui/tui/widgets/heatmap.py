"""A heatmap of rates in [0, 1] drawn with coloured terminal cells: red (0) through white to blue (1).

Columns carry short codes (B, M1, X1, I1, C1, N1: baseline, moderate, max, incongruous, custom,
instruction) explained in a legend, so 25 conditions fit and stay distinguishable; the cursor row (up / down when focused) names its
value in full.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from valuegap_tui.text import one_line

RED, WHITE, BLUE = (178, 24, 43), (247, 247, 247), (33, 102, 172)
MISSING = Style(color="grey50")
KIND_CODES = {"baseline": "B", "moderate": "M", "max": "X", "incongruous": "I", "custom": "C", "instruction": "N"}
LABEL_WIDTH, CELL_WIDTH = 24, 5


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


@lru_cache(maxsize=2048)
def _cell_style(rate: float) -> Style:
    """``rate_style`` of a rate rounded to 0.001 (a colour step far below what an eye tells apart): a
    grid of 1,400 cells parses a few hundred colours instead of 1,400."""
    return rate_style(rate)


def condition_codes(columns: list[str], kinds: dict[str, str]) -> list[str]:
    """A short code per condition: the kind's letter and a running number (baseline: B)."""
    counts: dict[str, int] = {}
    codes = []
    for column in columns:
        letter = KIND_CODES.get(kinds.get(column, "custom"), "C")
        if letter == "B":
            codes.append("B")
            continue
        counts[letter] = counts.get(letter, 0) + 1
        codes.append(f"{letter}{counts[letter]}")
    return codes


def _fit(text: str, width: int) -> str:
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_heatmap(rows: list[tuple[str, str]], columns: list[str], rates: np.ndarray, *,
                   kinds: dict[str, str] | None = None, cursor: int | None = None, title: str = "") -> Text:
    """``rows`` are (label, group); a group header line precedes each new group. All text is plain
    (never parsed as markup); ``title`` (e.g. which model) heads it, the codes' legend ends it."""
    codes = condition_codes(columns, kinds or {})
    out = Text(no_wrap=True, overflow="crop")
    if title:
        out.append(visible(title) + "\n", Style(bold=True))
    if cursor is not None and 0 <= cursor < len(rows):
        label, group = rows[cursor]
        out.append("▶ " + one_line(label), Style(bold=True))
        out.append(f"  ({one_line(group)})\n")
    # the grid's lines, each with one entry of the codes' legend on its right (so the legend is in view)
    lines = [Text(" " * LABEL_WIDTH)]
    for code in codes:
        lines[0].append(code.rjust(CELL_WIDTH - 1) + " ", Style(bold=True))
    group = None
    for i, (label, row_group) in enumerate(rows):
        if row_group != group:
            group = row_group
            lines.append(Text(_fit(group, LABEL_WIDTH).ljust(LABEL_WIDTH), Style(bold=True, underline=True)))
            lines[-1].append(" " * (CELL_WIDTH * len(columns)))
        marker = "▶ " if i == cursor else "  "
        line = Text((marker + _fit(label, LABEL_WIDTH - 3)).ljust(LABEL_WIDTH), Style(reverse=i == cursor))
        for j in range(len(columns)):
            rate = float(rates[i, j])
            line.append("  · " if math.isnan(rate) else f"{rate:4.2f}"[-4:],
                        MISSING if math.isnan(rate) else _cell_style(round(rate, 3)))
            line.append(" ")
        lines.append(line)
    legend = [(code, column) for code, column in zip(codes, columns)]
    for k, (code, column) in enumerate(legend):
        if k + 1 >= len(lines):
            lines.append(Text(" " * (LABEL_WIDTH + CELL_WIDTH * len(columns))))
        lines[k + 1].append(f"  {code:>3} ", Style(bold=True))
        lines[k + 1].append(one_line(column))
    for line in lines:
        out.append_text(line)
        out.append("\n")
    out.append("\nscale: ")
    for rate in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f" {rate:.2f} ", rate_style(rate))
    out.append("  red = misaligned, blue = aligned, · = no items")
    return out


class Heatmap(Static, can_focus=True):
    """Shows ``render_heatmap``; call ``show`` with new data; up / down move the cursor row."""

    BINDINGS = [Binding("down,j", "move(1)", "Next value", show=False),
                Binding("up,k", "move(-1)", "Previous value", show=False)]

    def __init__(self, **kwargs):
        super().__init__("", markup=False, **kwargs)
        self._data: tuple | None = None
        self.cursor = 0
        self.on_cursor: Callable[[int], None] | None = None

    def show(self, rows: list[tuple[str, str]], columns: list[str], rates: np.ndarray | None, title: str = "",
             kinds: dict[str, str] | None = None) -> None:
        self._data = (rows, columns, rates, title, kinds) if columns else None
        self.cursor = min(self.cursor, max(len(rows) - 1, 0))
        self._draw()

    def _draw(self) -> None:
        if self._data is None:
            self.update(Text("no items to show"))
            return
        rows, columns, rates, title, kinds = self._data
        self.update(render_heatmap(rows, columns, rates, kinds=kinds, cursor=self.cursor, title=title))

    def action_move(self, step: int) -> None:
        if self._data is None:
            return
        self.cursor = (self.cursor + step) % len(self._data[0])
        self._draw()
