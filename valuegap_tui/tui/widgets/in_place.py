"""Widgets updated in place: repaint only what changed, lay out only when a size changes.

``DataTable.update_cell`` repaints the whole table and drops every cached row (its update counter
is part of each render cache key), and ``clear()`` + ``add_row()`` also lays the screen out again;
``Static.update`` lays the screen out even when the new text is as tall as the old. At a key per
dilemma, or a poll a second while a run ingests 1,000 answers/s, those full repaints were most of
the app's time. What is shown stays exactly what the plain calls would show.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from rich.cells import cell_len
from rich.text import Text
from textual.coordinate import Coordinate
from textual.visual import VisualType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.widgets.data_table import Row, RowKey

from valuegap_tui.tui.textual_private import DataTableInternals

#: a cursor position no row or header (row -1) is at
_NOWHERE = Coordinate(-2, -2)


def update_static(static: Static, content: VisualType) -> None:
    """``static.update(content)``, with a layout pass only when the content's height changes.

    Unchanged content costs nothing; a line of the same height repaints that widget alone."""
    if _same(static.content, content):
        return
    width, height = static.content_region.width, static.content_region.height
    static.update(content, layout=False)
    styles = static.styles
    if styles.width is not None and styles.width.is_auto:
        resized = True  # as wide as its text
    elif styles.height is not None and not styles.height.is_auto:
        resized = False  # a fixed height: the text never moves anything
    else:
        resized = width <= 0 or static.get_content_height(static.size, static.size, width) != height
    if resized:
        static.refresh(layout=True)


class InPlaceOptionList(OptionList):
    """An OptionList whose options' prompts are replaced in place when the same options are shown
    again (the next item's six actions): ``set_options`` lays the whole screen out each time its
    height is automatic, which was most of a review key's time; here only a change of height does."""

    #: (content width, height) of the options as last shown here: the next call's height before
    _measured: tuple[int, int] | None = None

    def show_options(self, options: Sequence[Option], highlighted: int | None) -> None:
        """Show exactly ``options`` with ``highlighted`` (clamped to them), as ``set_options`` followed by
        setting ``highlighted`` would (the list's options are changed through this method only)."""
        ids = [option.id for option in options]
        highlighted = None if not options or highlighted is None else min(highlighted, len(options) - 1)
        if (not self.is_mounted or not options or None in ids or [option.id for option in self.options] != ids
                or any(option.disabled for option in options)):
            self.set_options(options)
            self.highlighted = highlighted
            self._measured = None
            return
        width = self.content_region.width
        before = self._measured[1] if self._measured is not None and self._measured[0] == width else self._height()
        for index, option in enumerate(options):
            self.replace_option_prompt_at_index(index, option.prompt)
        after = self._height()
        self._measured = (width, after) if width > 0 else None
        if after != before:
            self.refresh(layout=True)
        self.scroll_y = 0  # as set_options does, then back to the highlight as setting it does
        if self.highlighted != highlighted:
            self.highlighted = highlighted
        else:
            self.scroll_to_highlight()

    def _height(self) -> int:
        width = self.content_region.width
        return self.get_content_height(self.size, self.size, width) if width > 0 else -1


class InPlaceTable(DataTableInternals):
    """A DataTable whose rows are replaced in place, one row's region repainted per changed row."""

    def show_rows(self, rows: Sequence[tuple[str, Sequence]]) -> None:
        """Show exactly ``rows`` ((key, cells) in order). With the same keys as shown, only the rows
        whose cells differ are replaced; otherwise the table is rebuilt as clear() + add_row() would."""
        keys = [key for key, _ in rows]
        if len(set(keys)) == len(keys) and self._reuse_rows(keys, rows):
            return
        if [row.key.value for row in self.ordered_rows] != keys or len(set(keys)) != len(keys):
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
            return
        self.replace_rows(rows)

    def _reuse_rows(self, keys: list[str], rows: Sequence[tuple[str, Sequence]]) -> bool:
        """As many one-line rows with other keys (the next page of a list): give the shown rows the
        new keys and cells, as ``clear()`` + ``add_row()`` would show them, without measuring every
        cell again or laying the screen out. False where that does not apply."""
        shown = self.ordered_rows
        if len(shown) != len(rows) or not shown or {row.key.value for row in shown} & set(keys):
            return False  # another count, or some of the same rows: rebuilt, or replaced in place
        if any(row.height != 1 or row.auto_height or row.label for row in shown):
            return False
        columns = self.ordered_columns
        cells_by_row = [list(cells) for _, cells in rows]
        if any(len(cells) > len(columns) for cells in cells_by_row):
            return False  # add_row refuses these: let it say so
        self.rows.clear()
        stored = []
        for key, cells in zip(keys, cells_by_row):
            row_key = RowKey(key)
            stored.append((row_key, {column.key: cell for column, cell in zip_longest(columns, cells)}))
            self.rows[row_key] = Row(row_key, 1, None, False)
        self.set_all_rows(stored)
        # remeasure: the table's width, where a column grew (no cell is measured again)
        self.mark_changed(remeasure=self._grow_columns(list(zip(keys, cells_by_row))), drop_caches=True)
        self.refresh()
        return True

    def cursor_for_row(self, row_key, cursor, hover):
        # DataTable caches each row's render under the cursor's position, so moving or scrolling
        # draws every visible row again. With a row cursor only the cursor's (and the mouse's)
        # row depends on where it is: the others share one render wherever the cursor stands.
        if self.cursor_type in ("row", "none"):
            row_index = self.row_index_of(row_key)
            if row_index != cursor.row:
                cursor = _NOWHERE
            if row_index != hover.row:
                hover = _NOWHERE
        return cursor, hover

    def replace_rows(self, rows: Sequence[tuple[str, Sequence]]) -> None:
        """Put new cells in the rows of these keys; rows not in the table, or shown as they are, are
        left out."""
        rows = [(key, list(cells)) for key, cells in rows
                if key in self.rows and not _same_row(self.get_row(key), cells)]
        if not rows:
            return
        columns = self.ordered_columns
        changed_cells = set()
        for key, cells in rows:
            row_key = self.rows[key].key
            data = self.stored_cells(row_key)
            for column, cell in zip(columns, cells):
                if not _same(data.get(column.key), cell):
                    changed_cells.add((row_key, column.key))
                data[column.key] = cell
        if self._grow_columns(rows):
            # The columns move: everything is drawn again, as update_cell would.
            self.mark_changed(remeasure=True)
            self.refresh()
            return
        # Only the changed cells' cached renders are stale: the others are kept, so the next scroll
        # or cursor move draws them from the cache, and a replaced row draws only its new cells.
        indexes = {self.get_row_index(key) for key, _ in rows}
        self.drop_renders({row_key for row_key, _ in changed_cells}, changed_cells, indexes)
        for index in indexes:
            self.refresh_row(index)

    def _grow_columns(self, rows: list[tuple[str, list]]) -> bool:
        """Widen the auto-width columns a new cell does not fit in. Like add_row, never narrows a
        column (clear() keeps the widths too), so a live table does not jitter."""
        grown = False
        for i, column in enumerate(self.ordered_columns):
            if not column.auto_width:
                continue
            needed = max((_cell_width(cells[i]) for _, cells in rows if i < len(cells)), default=0)
            if needed > column.content_width:
                column.content_width, grown = needed, True
        return grown


def _cell_width(cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def _same(a, b) -> bool:
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, a.style, a.spans, a.justify, a.overflow, a.no_wrap) == \
            (b.plain, b.style, b.spans, b.justify, b.overflow, b.no_wrap)
    return type(a) is type(b) and isinstance(a, str) and a == b


def _same_row(shown: Sequence, cells: Sequence) -> bool:
    return len(shown) == len(cells) and all(_same(a, b) for a, b in zip(shown, cells))
