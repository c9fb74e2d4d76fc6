"""The footer draws its keys again only when the keys it shows change, once per burst of signals.

Textual's Footer mounted all its keys again at every bindings signal: five times within 0.3 s of the
review screen's first frame (focus, the screen stack), ~50 ms each, so the first key waited ~250 ms."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from valuegap_tui.tui.textual_private import FooterKey
from valuegap_tui.tui.widgets.footer import KeysFooter


class Keys(Screen):
    BINDINGS = [Binding("a", "one", "One"), Binding("b", "two", "Two"), Binding("c", "hidden", "Hidden", show=False)]
    two_enabled = True

    def compose(self):
        yield Static("body")
        yield KeysFooter()

    def check_action(self, action: str, parameters) -> bool | None:
        return None if action == "two" and not self.two_enabled else True

    def action_one(self) -> None: ...

    def action_two(self) -> None: ...


class KeysApp(App):
    def on_mount(self) -> None:
        self.push_screen(Keys())


def shown(footer: Footer) -> list[tuple[str, bool]]:
    return [(key.description, key.has_class("-disabled")) for key in footer.query(FooterKey)]


async def test_a_burst_of_signals_recomposes_once_and_an_unchanged_footer_not_at_all():
    app = KeysApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeysFooter)
        assert [d for d, _ in shown(footer)][:2] == ["One", "Two"] and "Hidden" not in [d for d, _ in shown(footer)]
        calls, recompose = [0], footer.recompose

        async def counted():
            calls[0] += 1
            await recompose()

        footer.recompose = counted
        for _ in range(5):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert calls[0] == 0  # the same keys: nothing to draw again
        app.screen.two_enabled = False
        for _ in range(5):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert calls[0] == 1
        await pilot.pause(0.2)
        print(shown(footer), footer._keys_shown())
        assert ("Two", True) in shown(footer)  # drawn disabled, as Textual's Footer would
