"""A screen for a stage that is not built yet: says what it will hold."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from valuegap_tui.tui.widgets.footer import KeysFooter


class StageScreen(Screen):
    STAGE_TITLE = ""
    STAGE_HELP = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.STAGE_TITLE}\n\n{self.STAGE_HELP}", classes="stage-placeholder", markup=False)
        yield KeysFooter()
