"""The Results screen's tables keep the cells they have drawn while another tab is shown and over the
focus a tab key moves (textual_private.ReshownTable): a tab shown again draws none of its cells anew,
and what it shows is what a table drawn from scratch shows, after a new theme too."""

from __future__ import annotations

from rich.measure import Measurement
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from textual.geometry import Region

from valuegap_tui.tui.textual_private import ReshownTable


class Counted:
    """A cell that counts how often it is drawn."""

    drawn = 0

    def __init__(self, text: str):
        self.text = text

    def __rich_measure__(self, console, options):
        return Measurement(len(self.text), len(self.text))

    def __rich_console__(self, console, options):
        Counted.drawn += 1
        yield Text(self.text)


class Tabs(App):
    CSS = "#tabs.marked DataTable > .datatable--cursor { background: red; }"

    def __init__(self, table_class):
        super().__init__()
        self.table_class = table_class

    def compose(self):
        with TabbedContent(id="tabs"):
            with TabPane("one", id="one"):
                yield self.table_class(id="table", cursor_type="row", zebra_stripes=True)
            with TabPane("two", id="two"):
                yield Static("the other tab")

    def on_mount(self):
        table = self.query_one("#table", DataTable)
        table.add_columns("value", "AD", "AR")
        for i in range(12):
            table.add_row(Counted(f"value {i}"), Counted(f"{i / 7:.3f}"), Counted(f"{i / 11:.3f}"))
        table.focus()

    def show(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        if tab == "one":
            self.query_one("#table").focus()
        else:
            self.set_focus(None)


def drawn_lines(table: DataTable) -> list[list[tuple]]:
    """The table's lines as drawn now: each segment's text and style."""
    return [[(segment.text, segment.style) for segment in strip]
            for strip in table.render_lines(Region(0, 0, *table.size))]


async def _shown_again(table_class, theme: str | None = None,
                       marked: bool = False) -> tuple[int, list[list[tuple]]]:
    """Cells drawn anew when tab one is shown again (after ``theme`` is set, or the cursor's colour
    changed by a class, while it is hidden), and the table's lines then."""
    app = Tabs(table_class)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        app.show("two")
        await pilot.pause()
        if theme:
            app.theme = theme
            await pilot.pause()
        if marked:
            app.query_one("#tabs").add_class("marked")
            await pilot.pause()
        Counted.drawn = 0
        app.show("one")
        await pilot.pause()
        drawn = Counted.drawn
        return drawn, drawn_lines(app.query_one("#table", DataTable))


async def test_a_table_shown_again_draws_none_of_its_cells_anew():
    drawn, screen = await _shown_again(ReshownTable)
    plain_drawn, plain_screen = await _shown_again(DataTable)
    assert plain_drawn >= 36  # DataTable draws every visible cell again (12 rows x 3 columns)
    assert drawn == 0
    assert screen == plain_screen
    assert any("value 11" in text for line in screen for text, _style in line)


async def test_a_new_theme_while_hidden_is_drawn():
    drawn, screen = await _shown_again(ReshownTable, theme="textual-light")
    assert drawn >= 36  # its styles changed: every cell drawn again
    plain_drawn, plain_screen = await _shown_again(DataTable, theme="textual-light")
    assert screen == plain_screen


async def test_a_new_cursor_colour_while_hidden_is_drawn():
    """Only the cursor's style changed (not the table's own, nor its focus): the cells drawn before are
    not reused."""
    drawn, screen = await _shown_again(ReshownTable, marked=True)
    plain_drawn, plain_screen = await _shown_again(DataTable, marked=True)
    assert screen == plain_screen
    assert drawn >= 1


async def _resized(table_class) -> tuple[int, list[list[tuple]]]:
    app = Tabs(table_class)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(30, 12)  # narrower than the table: its lines are cut anew
        await pilot.pause()
        table = app.query_one("#table", DataTable)
        return table.size.width, drawn_lines(table)


async def test_a_table_resized_is_drawn_at_its_new_size():
    width, lines = await _resized(ReshownTable)
    assert (width, lines) == await _resized(DataTable)
    assert width < 30 and {sum(len(text) for text, _style in line) for line in lines} == {width}  # the new width
