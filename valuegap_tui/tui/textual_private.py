"""Every use of a Textual name that Textual does not publish, in this one module.

A few speed paths (tables updated in place, a footer drawn only when its keys change), the key
latency figures and some tests need internals Textual keeps private: a release may rename, move or
change any of them without notice. So nothing else imports a private Textual module or touches a
private attribute of a Textual object; the code calls the functions here instead.
``PRIVATE_NAMES`` lists each name used, and tests/tui/test_textual_private.py checks every one against
the installed Textual, naming the one a release moved. Textual is pinned exactly (pyproject.toml);
when raising the pin, those tests say what to look at here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._styles_cache import StylesCache
from textual._time import get_time as key_clock  # the clock Textual stamps its events (message.time) with
from textual._two_way_dict import TwoWayDict
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Select, Tabs
from textual.widgets._footer import FooterKey
from textual.widgets.data_table import ColumnKey, RowKey

__all__ = ["DataTableInternals", "FooterKey", "ReshownTable", "PRIVATE_NAMES", "forget_styled_lines", "styles_cache_of",
           "key_clock", "live_screen_stack",
           "mark_footer_bindings_ready", "needs_layout", "needs_repaint", "notifications", "withdraw_notification", "rendered_lines",
           "select_values", "styled_as_current", "still_underline", "watch_measured_rows"]

#: Each private Textual name used here: "module.name" for a module's, "Class.attribute" for an
#: attribute of a Textual class or of its instances.
PRIVATE_NAMES: tuple[str, ...] = (
    "textual._time.get_time",
    "textual._two_way_dict.TwoWayDict",
    "textual._styles_cache.StylesCache",
    "textual.widgets._footer.FooterKey",
    "DataTable._data",
    "DataTable._row_locations",
    "DataTable._update_count",
    "DataTable._require_update_dimensions",
    "DataTable._clear_caches",
    "DataTable._row_render_cache",
    "DataTable._cell_render_cache",
    "DataTable._row_renderable_cache",
    "DataTable._line_cache",
    "DataTable._render_line_in_row",
    "DataTable._render_line",
    "DataTable._get_offsets",
    "DataTable._show_hover_cursor",
    "DataTable._pseudo_class_state",
    "DataTable._update_dimensions",
    "DataTable._get_styles_to_render_cell",
    "DataTable._render_cell",
    "DataTable._column_locations",
    "DataTable._get_row_renderables",
    "DataTable._on_resize",
    "DataTable._styles_cache",
    "Widget._styles_cache",
    "StylesCache._cache",
    "StylesCache._dirty_lines",
    "StylesCache._width",
    "Select._options",
    "Footer._bindings_ready",
    "Widget._layout_required",
    "Widget._repaint_required",
    "App._notifications",
    "App._unnotify",
    "App._screen_stack",
    "App._background_screens",
    "Screen._compositor",
    "App._css_update_count",
    "Screen._css_update_count",
    "Tabs._highlight_active",
)


#: drawn cells kept to be drawn again in other rows (``DataTableInternals._render_cell``); emptied when full
CELL_LOOKS = 4096


class DataTableInternals(DataTable):
    """A DataTable with the internals that in-place updates (widgets/in_place.py) need, under names of
    ours. DataTable keeps each row's cells in ``_data`` and each row's index in ``_row_locations``, and
    caches renders under keys that include ``_update_count``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: a cell's look (its text and styles, width, row style, cursor and hover, the table's cell
        #: styles) -> its lines as drawn at (row, column), to draw the same look elsewhere
        self._cell_looks: dict[tuple, tuple[list, int, int]] = {}
        #: the vertical scrollbar's lines last drawn here, and what they were drawn from (_scrollbar_drawn)
        self._bar_drawn: tuple[tuple, list] | None = None

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        # DataTable draws each cell through Rich (Styled, Padding, a console render: ~55 us a cell), and
        # keys what it drew by row: a page change draws ~220 cells, a key ~13. A list's cells repeat
        # (a status, a value's name, a reviewer), and the same cell drawn in another row differs only
        # by the row and column it carries for the mouse (the meta every segment's style holds). So a
        # one-line Text drawn once is drawn again elsewhere by giving its segments the new row and
        # column: exactly DataTable's own lines (tests/tui/test_in_place.py compares every cell).
        if row_index < max(0, self.fixed_rows) or column_index < self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
                     self._pseudo_class_state)
        drawn = self._cell_render_cache.get(cache_key)
        if drawn is not None:
            return drawn
        row = self.rows.get(row_key)
        cell = self._get_row_renderables(row_index).cells[column_index]
        if row is None or row.height != 1 or row.auto_height or type(cell) is not Text:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        styles = self._get_styles_to_render_cell(False, False, False, hover, cursor, self.show_cursor,
                                                 self._show_hover_cursor, self.cursor_foreground_priority == "css",
                                                 self.cursor_background_priority == "css")
        look = (cell.plain, cell.style, tuple(cell.spans), cell.justify, cell.overflow, cell.no_wrap, cell.end,
                cell.tab_size, width, self.cell_padding, base_style, cursor, hover, self._show_hover_cursor,
                self.show_cursor, styles)
        known = self._cell_looks.get(look)
        if known is None:
            drawn = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            if len(self._cell_looks) >= CELL_LOOKS:
                self._cell_looks.clear()
            self._cell_looks[look] = (drawn, row_index, column_index)
            return drawn
        lines, drawn_row, drawn_column = known
        if (drawn_row, drawn_column) == (row_index, column_index):
            drawn = [list(line) for line in lines]
        else:
            here = Style.from_meta({"row": row_index, "column": column_index})
            drawn = [[Segment(text, None if control else here if style is None else style + here, control)
                      for text, style, control in line] for line in lines]
        self._cell_render_cache[cache_key] = drawn
        return drawn

    def stored_cells(self, row_key: RowKey) -> dict[ColumnKey, object]:
        """The table's own dict of one row's cells (column key -> cell); changes to it are shown at the
        next repaint once the row's cached renders are dropped."""
        return self._data[row_key]

    def row_index_of(self, row_key: RowKey) -> int | None:
        return self._row_locations.get(row_key)

    def set_all_rows(self, rows: Sequence[tuple[RowKey, dict[ColumnKey, object]]]) -> None:
        """Store exactly these rows' cells, in this order (``self.rows`` is the caller's to fill)."""
        self._data.clear()
        self._row_locations = TwoWayDict({})
        for index, (row_key, cells) in enumerate(rows):
            self._row_locations[row_key] = index
            self._data[row_key] = cells

    def mark_changed(self, *, remeasure: bool, drop_caches: bool = False) -> None:
        """Every cached render is stale (and freed with ``drop_caches``); ``remeasure``: the table's
        size is worked out again before the next frame."""
        if remeasure:
            self._require_update_dimensions = True
        if drop_caches:
            self._clear_caches()
        self._update_count += 1

    def drop_renders(self, row_keys: set[RowKey], cells: set[tuple[RowKey, ColumnKey]],
                     row_indexes: set[int]) -> None:
        """Forget the cached renders of these rows and cells only; the others stay cached."""
        # Compared by their values (strings): RowKey and ColumnKey hash in Python, and the caches hold
        # thousands of keys, each looked at here once per replaced row.
        rows = {key.value for key in row_keys}
        columns = {(row.value, column.value) for row, column in cells}
        for cache, stale in ((self._row_render_cache, [k for k in self._row_render_cache.keys() if k[0].value in rows]),
                             (self._cell_render_cache, [k for k in self._cell_render_cache.keys()
                                                        if k[0].value in rows and (k[0].value, k[1].value) in columns]),
                             (self._row_renderable_cache,
                              [k for k in self._row_renderable_cache.keys() if k[1] in row_indexes])):
            for cache_key in stale:
                cache.discard(cache_key)
        # whole lines: those of these rows (the lines cached under DataTable's own keys are not read)
        for cache_key in [k for k in self._line_cache.keys() if k[0] != "in place" or k[1].value in rows]:
            self._line_cache.discard(cache_key)

    def cursor_for_row(self, row_key: RowKey, cursor, hover):
        """The cursor and mouse positions one row's line is drawn (and cached) for; as given here."""
        return cursor, hover

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # A scroll repaints every line, and Textual styles each one again (its styles cache forgets
        # them all), although the lines that only moved are the same lines one row up: with a key per
        # item past the screen's last row, that was most of the table's time per key. The lines kept
        # styled are moved with the scroll instead; only those that came into view, or were already
        # due to be drawn again (a changed row, the cursor's), are styled anew. The terminal is still
        # sent every line.
        cache = self._styles_cache
        dirty_before = set(cache._dirty_lines)
        bar_lines = self._move_scrollbar(new_value)
        super().watch_scroll_y(old_value, new_value)
        if bar_lines:  # after the table's own refresh, as Textual refreshes the bar before it
            bar = self.vertical_scrollbar
            bar.refresh(*(Region(0, y, bar.size.width, 1) for y in bar_lines))
        delta = round(new_value) - round(old_value)
        styles = self.styles
        if (not delta or styles.gutter != (0, 0, 0, 0) or styles.has_rule("hatch")
                or any(edge[0] not in ("", "none") for edge in styles.outline)
                or cache._width != self.region.width):
            return  # the lines would not be the same moved (edges, patterns), or nothing is styled yet
        first = self.header_height if self.show_header else 0
        first += sum(self.get_row_height(self._row_locations.get_key(i)) for i in range(self.fixed_rows))
        end = self.scrollable_content_region.height  # the lines below (a horizontal scrollbar) stay put
        styled = dict(cache._cache)
        for y in range(first, end):
            source = y + delta
            if first <= source < end and source in styled and source not in dirty_before:
                cache._cache[y] = styled[source]
                cache._dirty_lines.discard(y)

    def _move_scrollbar(self, position: float) -> list[int]:
        """Move the vertical scrollbar's thumb to ``position`` and say which of its lines look other
        than before. Textual repaints the whole bar when its position changes, and styles each of
        its lines again (a line of the table's height per key that scrolls it: ~1 ms of a review key's
        ~10); here only the lines that changed are repainted, by the caller, once the table's own
        scroll is done. Nothing happens where Textual would not repaint (no bar, the same position)."""
        if not self.show_vertical_scrollbar:
            return []
        bar = self.vertical_scrollbar
        moved = bar.validate_position(position)
        if moved == bar.position or not bar.size.area:
            return []  # the same position: Textual repaints nothing; no size yet: nothing drawn
        before = self._scrollbar_drawn(bar)
        bar.set_reactive(ScrollBar.position, moved)  # Textual's assignment then changes nothing
        after = self._scrollbar_drawn(bar)
        return [y for y, (was, now) in enumerate(zip(before, after)) if was != now]

    def _scrollbar_drawn(self, bar: ScrollBar) -> list[list[Segment]]:
        """The bar's lines as its render draws them now; the last ones drawn are kept (the next
        scroll's lines before), under everything the render is made of."""
        render = bar.render()
        look = (bar.size, *(getattr(render, name, None) for name in
                            ("virtual_size", "window_size", "position", "thickness", "vertical", "style")))
        if self._bar_drawn is None or self._bar_drawn[0] != look:
            console = bar.app.console
            self._bar_drawn = (look, console.render_lines(render, console.options.update_dimensions(*bar.size)))
        return self._bar_drawn[1]

    def _render_line(self, y: int, x1: int, x2: int, base_style):
        # DataTable caches each whole line under the cursor's position, so when the table scrolls by a
        # row (a key per item, past the screen's last row) every visible line was drawn again. Cached
        # here under the positions cursor_for_row gives instead (the line is drawn with those, see
        # _render_line_in_row): the lines that only moved are drawn from the cache.
        try:
            row_key, _ = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        cursor, hover = self.cursor_for_row(row_key, self.cursor_coordinate, self.hover_coordinate)
        cache_key = ("in place", row_key, y, x1, x2, self.size.width, cursor, hover, base_style, self.cursor_type,
                     self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        strip = self._line_cache.get(cache_key)
        if strip is None:
            strip = self._line_cache[cache_key] = super()._render_line(y, x1, x2, base_style)
        return strip

    def _render_line_in_row(self, row_key, line_no, base_style, cursor_location, hover_location):
        cursor_location, hover_location = self.cursor_for_row(row_key, cursor_location, hover_location)
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)


class ReshownTable(DataTable):
    """A DataTable that keeps the cells it has drawn while it is hidden and over a change of focus.

    A table on a tab that is hidden and shown again is resized to nothing and back, and DataTable counts
    every resize as a change of everything drawn (its caches are keyed by ``_update_count``, bumped on
    resize); a tab's key also moves the focus into the table, a restyle (``:focus``), and DataTable's
    restyle drops every cache. So each tab key drew every visible cell of the table again (two thirds of
    the UI thread's time for the key). Here a resize back to the size last drawn at changes nothing, and a
    restyle keeps the drawn cells, which DataTable keys by the focus, hover and enabled states and by
    the base style, unless the table's styles for that same state have changed since they were drawn (a
    new theme, another stylesheet): then everything is dropped, as DataTable does."""

    _drawn_size: object = None
    _style_checked = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._looks: dict = {}  # per pseudo-class state: the styles its cached cells were drawn with

    def _on_resize(self, event) -> None:
        event.prevent_default()  # DataTable's own handler bumps the count on every resize
        # hidden (nothing is drawn at no size), or shown at the size last drawn at (the Resize of a
        # first show comes after its first frame): the cells drawn stand
        if event.size.area and event.size != self._drawn_size:
            self._drawn_size = event.size
            self._update_count += 1

    def notify_style_update(self) -> None:
        # Widget's, not DataTable's (which drops every drawn cell): the widget's own style caches
        Widget.notify_style_update(self)
        self._get_styles_to_render_cell.cache_clear()  # keyed by cursor and hover only, not by focus
        self._styles_cache.clear()
        self._style_checked = False  # the component styles are worked out after this: checked when drawn
        self.refresh()

    def render_lines(self, crop):
        if not self._style_checked:
            self._style_checked = True
            state = self.get_pseudo_class_state()
            look = (self.rich_style,
                    tuple(self.get_component_rich_style(name) for name in sorted(self.COMPONENT_CLASSES)))
            if self._looks.get(state, look) != look:
                self._clear_caches()
                self._looks.clear()
            self._looks[state] = look
        if self.size.area:
            self._drawn_size = self.size
        return super().render_lines(crop)


def select_values(select: Select) -> list:
    """The values a Select offers, in order (its blank included, as ``Select.NULL``)."""
    return [value for _prompt, value in select._options]


def still_underline(tabs: Tabs) -> None:
    """The line under ``tabs``' active tab moves to the tab picked at once, as it does for a tab picked
    in code, instead of sliding there. The slide is 0.3 s of frames (about 18), each laid out, drawn and
    sent on the UI thread: a tab key pressed during one waits behind them, and while a screen computes
    in other processes the slide takes a core from them. Textual offers this only app-wide
    (``animation_level``), for every animation of every screen."""
    highlight = tabs._highlight_active

    def at_once(animate: bool = True) -> None:
        highlight(animate=False)

    tabs._highlight_active = at_once


def mark_footer_bindings_ready(footer: Footer) -> None:
    """What Footer.bindings_changed does first: from now on its compose() draws the keys."""
    footer._bindings_ready = True


def withdraw_notification(app: App, notification) -> None:
    """Take a notification off the screen before its time is up (a "working on it" notice, once the
    work is done). Textual publishes only clearing them all."""
    app._unnotify(notification)


# ---- for the tests ---------------------------------------------------------------------------------

def notifications(app: App) -> list:
    """The notifications the app shows now (each with .message and .severity)."""
    return list(app._notifications)


def live_screen_stack(app: App) -> list[Screen]:
    """The current mode's screen stack itself (``App.screen_stack`` is a copy)."""
    return app._screen_stack


def styled_as_current(screen: Screen, app: App) -> None:
    """Mark a screen made for a mode as styled under the app's current stylesheet. Textual gives a new
    screen a count that never matches the app's, so the first switch to a mode re-parses every stylesheet
    and restyles the screen in view twice (once while making the new screen, marking the old one, then
    again after the switch). A new screen needs neither: its widgets are styled as they mount, and the
    DEFAULT_CSS of classes seen for the first time is parsed when first needed."""
    screen._css_update_count = app._css_update_count


def rendered_lines(app: App) -> list[str]:
    """What the terminal would be sent for the whole screen, one string per line, styles aside."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def styles_cache_of(widget: Widget) -> StylesCache:
    """The widget's cache of styled lines (its attributes are checked by the tests)."""
    return widget._styles_cache


def forget_styled_lines(widget: Widget) -> None:
    """Drop every styled line the widget keeps: its next render styles each line afresh."""
    widget._styles_cache.clear()


def needs_layout(widget: Widget) -> bool:
    return widget._layout_required


def needs_repaint(widget: Widget) -> bool:
    return widget._repaint_required


def watch_measured_rows(table: DataTable, measured: list) -> None:
    """Each row key the table measures from now on (to size its columns) is appended to ``measured``."""
    update_dimensions: Callable[[Iterable[RowKey]], None] = table._update_dimensions

    def counting(new_rows: Iterable[RowKey]) -> None:
        new_rows = list(new_rows)
        measured.extend(new_rows)
        update_dimensions(new_rows)

    table._update_dimensions = counting

