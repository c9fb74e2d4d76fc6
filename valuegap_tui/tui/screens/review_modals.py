"""Pop-ups of the review screen: text editor, read-only text (history, agreement), guidelines, and the
list of labels an option may take (a design whose digit keys pick an option, ``relabel_by`` "option")."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from valuegap_tui.text import one_line
from valuegap_tui.tui.keys import bind
from valuegap_tui.tui.widgets.footer import KeysFooter


class EditTextScreen(ModalScreen[str | None]):
    """Edit one text; ctrl+s saves (returns the text), escape cancels (returns None)."""

    BINDINGS = [
        bind("review.edit_save", "save"),
        bind("review.edit_cancel", "cancel"),
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
        bind("review.view_close", "close"),
        bind("review.view_close_q", "close"),
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


class ChooseLabelScreen(ModalScreen[str | None]):
    """The labels an option may take, to pick one (enter); escape keeps the option as it is."""

    BINDINGS = [bind("review.choose_cancel", "cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None):
        super().__init__()
        self._title, self._choices, self._current = title, choices, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-modal"):
            yield Static(Text(one_line(self._title), style="bold"), markup=False)
            yield OptionList(*[Option(Text(one_line(name)), id=label) for label, name in self._choices],
                             id="review-choices")
        yield KeysFooter()

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = [label for label, _ in self._choices]
        if self._current in ids:
            choices.highlighted = ids.index(self._current)
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

