"""Pop-ups of the review screen: text editor, read-only text (history, agreement), guidelines."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static, TextArea

from valuegap_tui.tui.widgets.footer import KeysFooter


class EditTextScreen(ModalScreen[str | None]):
    """Edit one text; ctrl+s saves (returns the text), escape cancels (returns None)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="review.edit_save", priority=True),
        Binding("escape", "cancel", "Cancel", id="review.edit_cancel", priority=True),
    ]

    def __init__(self, title: str, text: str):
        super().__init__()
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-modal"):
            yield Static(Text(self._title, style="bold"), markup=False)
            yield TextArea(self._text, id="review-editor", soft_wrap=True)
            yield Static("ctrl+s save   escape cancel", markup=False, classes="review-modal-hint")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextViewScreen(ModalScreen[None]):
    """A scrollable read-only text (history, agreement); escape or q closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="review.view_close"),
        Binding("q", "close", "Close", show=False, id="review.view_close_q"),
    ]

    def __init__(self, body: Text):
        super().__init__()
        self._body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="review-modal"):
            yield Static(self._body, markup=False, id="review-view-text")
        yield KeysFooter()

    def action_close(self) -> None:
        self.dismiss(None)


class GuidelinesScreen(TextViewScreen):
    """The reviewer guidelines (a Markdown file shipped with valuegap)."""

    def __init__(self, markdown: str):
        super().__init__(Text(""))
        self._markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="review-modal"):
            yield Markdown(self._markdown, id="review-guidelines")
        yield KeysFooter()
