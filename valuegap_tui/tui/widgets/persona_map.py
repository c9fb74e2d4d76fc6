"""The cultural map as a character grid: one marker per persona, the selected one highlighted.

x runs from traditional (left) to secular-rational (right), y from survival (bottom) to
self-expression (top); both axes span the documented position range [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

MARKERS = {"baseline": "o", "moderate": "m", "max": "M", "incongruous": "i", "custom": "c"}
KIND_STYLES = {
    "baseline": "bold white",
    "moderate": "green",
    "max": "bold magenta",
    "incongruous": "yellow",
    "custom": "cyan",
    "instruction": "bold blue",  # never on the map (no position): styles its kind in the list
}
#: When markers share a cell, the one drawn is the first kind in this order (after the selection).
_PRIORITY = ("custom", "incongruous", "max", "moderate", "baseline")
LEGEND = "o base  m moderate  M max  i incongr.  c custom"
SHORT_LEGEND = "o base m mod M max i inc c cust"


@dataclass(frozen=True)
class MapPoint:
    id: str
    kind: str
    x: float
    y: float


def _place(text_rows: list[list[tuple[str, str]]], row: int, col: int, label: str, style: str) -> None:
    width = len(text_rows[row])
    for i, char in enumerate(label):
        if 0 <= col + i < width:
            text_rows[row][col + i] = (char, style)


def render_map(points: list[MapPoint], selected: str | None, width: int, height: int) -> Text:
    """The map as Text, exactly width x height cells (best effort below 20 x 8)."""
    width, height = max(width, 12), max(height, 6)
    rows: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(height)]
    # Row 0: top label; plot rows; then the bottom label and the legend.
    top, bottom = 1, height - 3
    if (bottom - top) % 2:
        bottom -= 1  # an odd number of plot rows puts the centre on a row of its own
    plot_h = bottom - top + 1
    plot_w = width if width % 2 else width - 1  # odd, so the centre falls on a column of its own
    mid_col, mid_row = (plot_w - 1) // 2, top + (plot_h - 1) // 2
    for r in range(top, bottom + 1):
        rows[r][mid_col] = ("│", "dim")
    for c in range(plot_w):
        rows[mid_row][c] = ("┼" if c == mid_col else "─", "dim")
    wide = width >= 44
    _place(rows, 0, max(0, mid_col - 8), "↑ self-expression", "bold")
    # The x-axis ends share the bottom label row, where no marker can land.
    left, right = ("← traditional", "secular-rational →") if wide else ("← trad.", "secular →")
    _place(rows, height - 2, 0, left, "bold")
    _place(rows, height - 2, max(0, mid_col - 4), "↓ survival", "bold")
    _place(rows, height - 2, width - len(right), right, "bold")
    legend = LEGEND if width >= len(LEGEND) else SHORT_LEGEND
    _place(rows, height - 1, 0, legend[:width], "dim")

    long_names = width >= 48
    quadrants = (
        (top, 2, "traditional/self-expr." if long_names else "trad/self"),
        (top, None, "secular/self-expr." if long_names else "sec/self"),
        (bottom, 2, "traditional/survival" if long_names else "trad/surv"),
        (bottom, None, "secular/survival" if long_names else "sec/surv"),
    )
    for row, col, name in quadrants:
        if plot_h >= 3:
            _place(rows, row, col if col is not None else plot_w - 2 - len(name), name, "dim italic")

    cells: dict[tuple[int, int], list[MapPoint]] = {}
    for point in points:
        col = round((max(-1.0, min(1.0, point.x)) + 1) / 2 * (plot_w - 1))
        row = top + round((1 - max(-1.0, min(1.0, point.y))) / 2 * (plot_h - 1))
        cells.setdefault((row, col), []).append(point)
    for (row, col), here in cells.items():
        chosen = next((p for p in here if p.id == selected), None)
        if chosen is None:
            chosen = min(here, key=lambda p: _PRIORITY.index(p.kind) if p.kind in _PRIORITY else 99)
        style = KIND_STYLES.get(chosen.kind, "")
        if chosen.id == selected:
            style = f"{style} reverse"
        rows[row][col] = (MARKERS.get(chosen.kind, "?"), style)

    text = Text(no_wrap=True, overflow="crop")
    for r, row in enumerate(rows):
        for char, style in row:
            text.append(char, style=style or None)
        if r < height - 1:
            text.append("\n")
    return text


class PersonaMap(Widget):
    """Plots personas on the two map dimensions; call ``show`` to update."""

    DEFAULT_CSS = """
    PersonaMap { height: 1fr; min-height: 8; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.points: list[MapPoint] = []
        self.selected: str | None = None

    def show(self, points: list[MapPoint], selected: str | None) -> None:
        self.points, self.selected = points, selected
        self.refresh()

    def render(self) -> Text:
        size = self.content_size
        return render_map(self.points, self.selected, size.width, size.height)
