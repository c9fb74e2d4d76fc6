"""Widgets updated in place draw what a rebuild would, and repaint only what changed."""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.containers import Vertical
from textual.geometry import Region
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from valuegap_tui.tui.textual_private import forget_styled_lines, needs_layout, needs_repaint, watch_measured_rows
from valuegap_tui.tui.widgets.in_place import InPlaceOptionList, InPlaceTable, update_static


def rows(n: int, tag: str = "", wide: int = 0) -> list[tuple[str, list[Text]]]:
    return [(f"r{i}", [Text(f"row {i}{tag}"), Text("x" * (wide or 1 + i % 3), style="red" if i % 2 else "")])
            for i in range(n)]


class Tables(App):
    CSS = "InPlaceTable { height: 12; } Static { height: auto; }"

    def compose(self):
        with Vertical():
            yield InPlaceTable(id="updated", cursor_type="row", zebra_stripes=True)
            yield InPlaceTable(id="rebuilt", cursor_type="row", zebra_stripes=True)
            yield Static("one line", id="text")


def drawn(table: InPlaceTable) -> list[list[tuple[str, object]]]:
    lines = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return [[(segment.text, segment.style) for segment in line.simplify()] for line in lines]


def counting(table: InPlaceTable, name: str) -> list[int]:
    """Count calls of one of the table's methods (instance attribute over the class's)."""
    calls, original = [0], getattr(table, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(table, name, counted)
    return calls


async def fill(app: Tables, pilot, first, second):
    updated, rebuilt = app.query_one("#updated", InPlaceTable), app.query_one("#rebuilt", InPlaceTable)
    app.set_focus(None)  # focus styles the cursor: both tables alike
    for table in (updated, rebuilt):
        table.add_columns("Name", "Mark")
    updated.show_rows(first)
    await pilot.pause()
    updated.show_rows(second)
    rebuilt.show_rows(second)
    await pilot.pause()
    return updated, rebuilt


async def test_rows_replaced_in_place_look_as_rebuilt():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        changed = rows(20)
        changed[3] = ("r3", [Text("row three, longer"), Text("xxxxxx", style="bold")])  # both columns widen
        changed[7] = ("r7", [Text("seven"), Text("")])
        updated, rebuilt = await fill(app, pilot, rows(20), changed)
        assert [row.key.value for row in updated.ordered_rows] == [key for key, _ in changed]
        assert drawn(updated) == drawn(rebuilt)
        for table in (updated, rebuilt):
            table.move_cursor(row=9)  # scrolled: rows drawn from the cache must still be right
        await pilot.pause()
        assert drawn(updated) == drawn(rebuilt)


async def test_other_keys_rebuild_the_table():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        updated, rebuilt = await fill(app, pilot, rows(5), rows(8, tag="!")[2:])
        assert [row.key.value for row in updated.ordered_rows] == [f"r{i}" for i in range(2, 8)]
        assert drawn(updated) == drawn(rebuilt)


async def test_a_page_of_other_keys_reuses_the_rows_and_looks_as_rebuilt():
    """The review list pages 200 dilemmas at a time: the next page has as many rows with other keys.
    Rebuilding it (clear + add_row) measured every cell again and laid the screen out: 90 ms a page."""
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        next_page = [(f"p{i}", [Text(f"page two {i}"), Text("y" * (1 + i % 4))]) for i in range(20)]
        updated, rebuilt = app.query_one("#updated", InPlaceTable), app.query_one("#rebuilt", InPlaceTable)
        app.set_focus(None)
        for table in (updated, rebuilt):
            table.add_columns("Name", "Mark")
        updated.show_rows(rows(20))
        await pilot.pause()
        updated.move_cursor(row=15)
        await pilot.pause()
        rebuilds, measured = counting(updated, "clear"), []
        watch_measured_rows(updated, measured)
        updated.show_rows(next_page)
        rebuilt.show_rows(next_page)
        await pilot.pause()
        assert rebuilds[0] == 0 and not measured
        assert [row.key.value for row in updated.ordered_rows] == [key for key, _ in next_page]
        assert updated.get_row("p3") == next_page[3][1] and "r3" not in updated.rows
        for table in (updated, rebuilt):
            table.move_cursor(row=0)
        await pilot.pause()
        assert drawn(updated) == drawn(rebuilt)
        for table in (updated, rebuilt):
            table.move_cursor(row=12)  # scrolled: no row of the old page is drawn from a cache
        await pilot.pause()
        assert drawn(updated) == drawn(rebuilt)
        updated.replace_rows([("p4", [Text("replaced"), Text("z")])])  # the new keys work as any
        await pilot.pause()
        assert str(updated.get_row("p4")[0]) == "replaced"


async def test_a_replaced_row_repaints_that_row_only():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one("#updated", InPlaceTable)
        table.add_columns("Name", "Mark")
        table.show_rows(rows(30))
        await pilot.pause()
        lines = counting(table, "render_line")
        table.replace_rows([("r4", [Text("done!"), Text("x")])])  # as wide as before
        await pilot.pause()
        assert lines[0] == 1  # update_cell would have drawn every visible line (11 rows and the header)
        assert str(table.get_row("r4")[0]) == "done!"


async def test_moving_the_cursor_draws_only_rows_not_drawn_before():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one("#updated", InPlaceTable)
        table.add_columns("Name", "Mark")
        table.show_rows(rows(60))
        await pilot.pause()
        for row in range(1, 20):  # down past the bottom: the table scrolls a row per step
            table.move_cursor(row=row)
            await pilot.pause()
        cells = counting(table, "_render_cell")
        for row in range(18, 0, -1):  # back up over rows already drawn
            table.move_cursor(row=row)
            await pilot.pause()
        # Each step draws the new cursor row and the row it left (2 cells each), nothing else.
        assert cells[0] <= 18 * 2 * 2


async def test_static_lays_out_only_when_its_height_changes():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        static = app.query_one("#text", Static)
        update_static(static, Text("one line"))
        await pilot.pause()
        update_static(static, Text("one line"))
        assert not needs_repaint(static)  # the same content: nothing to do
        update_static(static, Text("another line"))
        assert not needs_layout(static) and needs_repaint(static)
        await pilot.pause()
        update_static(static, Text("first\nsecond\nthird"))
        assert needs_layout(static)
        await pilot.pause()
        assert static.size.height == 3
        update_static(static, Text("red", style="red"))
        await pilot.pause()
        assert static.size.height == 1 and static.content.style == "red"


async def test_scrolling_a_row_at_a_time_draws_only_the_cursor_rows_again():
    """A key per item past the screen's last row scrolls the table a row each time: the lines that
    only moved come from the cache (DataTable kept each line under the cursor's position), and a row
    replaced meanwhile drops only its own lines."""
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        updated, rebuilt = await fill(app, pilot, rows(60), rows(60))
        for row in range(1, 12):
            updated.move_cursor(row=row)
            await pilot.pause()
        lines = counting(updated, "_render_line_in_row")
        for row in range(12, 30):  # each step scrolls by one row
            if row % 3 == 0:
                updated.replace_rows([(f"r{row - 2}", [Text(f"ok {row:03d}"), Text("x")])])
                rebuilt.replace_rows([(f"r{row - 2}", [Text(f"ok {row:03d}"), Text("x")])])
            updated.move_cursor(row=row)
            await pilot.pause()
        # the row left and the row arrived at (which scrolled in), and each replaced row
        assert lines[0] <= 18 * 2 + 6
        rebuilt.move_cursor(row=29)
        await pilot.pause()
        assert drawn(updated) == drawn(rebuilt)


async def test_scrolling_a_row_styles_only_the_lines_that_changed():
    """A scroll by a row moves the styled lines with it: Textual styles again only the line that came
    into view, the rows due to be drawn again (the cursor's, a replaced one) and the header, not every
    visible line; and every line is what styling each afresh gives."""
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        updated, _ = await fill(app, pilot, rows(60), rows(60))
        updated.focus()  # the focused cursor's style too
        for row in range(1, 12):
            updated.move_cursor(row=row)
            await pilot.pause()
        styled = counting(updated, "render_line")  # Textual asks the table for each line it styles
        steps = 0
        for row in list(range(12, 40)) + list(range(38, 20, -1)):  # down a row at a time, then back up
            if row % 4 == 0:
                updated.replace_rows([(f"r{row - 3}", [Text(f"ok {row:03d}"), Text("x")])])
            updated.move_cursor(row=row)
            await pilot.pause()
            steps += 1
            shown = drawn(updated)
            forget_styled_lines(updated)
            assert shown == drawn(updated), f"row {row}: a moved line differs from the line styled afresh"
            styled[0] -= updated.size.height  # those styled afresh for the comparison
        # at most: the header, the row left, the row arrived at, the line that came into view, a replaced row
        assert styled[0] <= steps * 5, f"{styled[0]} lines styled in {steps} scrolls"


class Options(App):
    CSS = "OptionList { height: auto; max-height: 12; } Static { height: 1fr; }"

    def compose(self):
        with Vertical():
            yield InPlaceOptionList(id="updated")
            yield OptionList(id="rebuilt")
            yield Static("below", id="below")


def options(tag: str, n: int = 4, long: int = -1) -> list[Option]:
    return [Option(Text(f"{tag} option {i}" + (" and more words" * 8 if i == long else "")), id=str(i))
            for i in range(n)]


def drawn_options(widget: OptionList) -> list[str]:
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return ["".join(segment.text for segment in line) for line in lines]


async def test_options_shown_again_replace_their_prompts_without_a_layout():
    app = Options()
    async with app.run_test(size=(40, 30)) as pilot:
        updated, rebuilt = app.query_one("#updated", InPlaceOptionList), app.query_one("#rebuilt", OptionList)
        app.set_focus(None)
        updated.show_options(options("first"), 2)
        await pilot.pause()
        assert updated.highlighted == 2 and updated.option_count == 4
        updated.show_options(options("second"), 2)  # the same options, other prompts, as tall
        assert not needs_layout(updated) and needs_repaint(updated)
        rebuilt.set_options(options("second"))
        rebuilt.highlighted = 2
        await pilot.pause()
        assert drawn_options(updated) == drawn_options(rebuilt)
        assert [str(o.prompt) for o in updated.options] == [f"second option {i}" for i in range(4)]
        updated.show_options(options("third", long=1), 1)  # one wraps: taller, laid out again
        assert needs_layout(updated)
        await pilot.pause()
        rebuilt.set_options(options("third", long=1))
        rebuilt.highlighted = 1
        await pilot.pause()
        assert updated.size.height == rebuilt.size.height > 4 and updated.highlighted == 1
        assert drawn_options(updated) == drawn_options(rebuilt)
        updated.show_options(options("back"), 1)  # as short as before: laid out again
        assert needs_layout(updated)
        await pilot.pause()
        assert updated.size.height == 4 and [str(o.prompt) for o in updated.options][0] == "back option 0"
        updated.show_options(options("fourth", n=3), 3)  # other options: rebuilt, the highlight clamped
        await pilot.pause()
        assert updated.option_count == 3 and updated.highlighted == 2 and updated.size.height == 3
        updated.show_options([], 0)
        await pilot.pause()
        assert updated.option_count == 0 and updated.highlighted is None


class AgainstStock(App):
    """The same rows in a table of ours and in Textual's own DataTable."""

    CSS = "DataTable { height: 14; }"

    def compose(self):
        with Vertical():
            yield InPlaceTable(id="ours", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="stock", cursor_type="row", zebra_stripes=True)


def repeating(n: int, start: int = 0) -> list[tuple[str, list[Text]]]:
    """Rows whose cells repeat from row to row, as a review list's do (a status, a value, a reviewer)."""
    statuses = (("draft", ""), ("accepted", "green"), ("rejected", "red"), ("needs-edit", "yellow"))
    return [(f"k{i}", [Text(statuses[i % 4][0], style=statuses[i % 4][1]), Text(f"value {i // 5}"),
                       Text("a name far too long for its column"), Text("" if i % 3 else "flag", style="yellow")])
            for i in range(start, start + n)]


def drawn_with_meta(table) -> list[list[tuple[str, object, dict]]]:
    lines = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return [[(segment.text, segment.style, segment.style.meta if segment.style else None) for segment in line]
            for line in lines]


async def test_cells_drawn_again_in_other_rows_are_what_datatable_draws():
    """A cell whose look was drawn in another row is drawn from that drawing with its own row and
    column (the mouse's meta): every line, meta included, is what Textual's DataTable draws, on a
    page, as the cursor moves and scrolls, and on the next page."""
    app = AgainstStock()
    async with app.run_test(size=(70, 34)) as pilot:
        ours, stock = app.query_one("#ours", InPlaceTable), app.query_one("#stock", DataTable)
        app.set_focus(None)
        for table in (ours, stock):
            table.add_column("Status", width=10)
            table.add_column("Value", width=9)
            table.add_column("Name", width=12)
            table.add_column("Flags")
        stock_rows = lambda page: (stock.clear(), [stock.add_row(*cells, key=key) for key, cells in page])  # noqa: E731
        ours.show_rows(repeating(40))
        stock_rows(repeating(40))
        await pilot.pause()
        assert drawn_with_meta(ours) == drawn_with_meta(stock)
        for row in (3, 11, 12, 25, 39, 7):
            ours.move_cursor(row=row)
            stock.move_cursor(row=row)
            await pilot.pause()
            assert drawn_with_meta(ours) == drawn_with_meta(stock)
        ours.show_rows(repeating(40, start=40))  # the next page: other keys, cells seen before
        stock_rows(repeating(40, start=40))
        for table in (ours, stock):
            table.move_cursor(row=0)
        await pilot.pause()
        assert drawn_with_meta(ours) == drawn_with_meta(stock)


async def test_scrolling_repaints_only_the_scrollbar_lines_that_changed():
    """Textual repaints a table's whole scrollbar when its thumb moves (every line styled again at each
    key that scrolls the review list); only the lines whose look changes are, and the bar looks as
    Textual's own DataTable's does, down a row at a time and back up, and after a jump."""
    app = AgainstStock()
    async with app.run_test(size=(70, 34)) as pilot:
        ours, stock = app.query_one("#ours", InPlaceTable), app.query_one("#stock", DataTable)
        app.set_focus(None)
        for table in (ours, stock):
            table.add_columns("Status", "Value", "Name", "Flags")
        ours.show_rows(repeating(60))
        for key, cells in repeating(60):
            stock.add_row(*cells, key=key)
        await pilot.pause()
        bar = ours.vertical_scrollbar
        styled = counting(bar, "render_line")
        steps = 0
        for row in list(range(1, 45)) + list(range(43, 5, -1)) + [59, 0]:
            for table in (ours, stock):
                table.move_cursor(row=row)
            await pilot.pause()
            steps += 1
            assert drawn(bar) == drawn(stock.vertical_scrollbar), f"row {row}: the scrollbars differ"
        assert 0 < styled[0] <= steps * 4, f"{styled[0]} scrollbar lines styled in {steps} scrolls"
