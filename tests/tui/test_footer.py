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


class BothFooters(Screen):
    """Textual's Footer and this one, over the same keys, one above the other."""
    BINDINGS = Keys.BINDINGS

    def __init__(self, compact: bool) -> None:
        super().__init__()
        self.compact = compact

    def compose(self):
        yield Static("body")
        yield Footer(compact=self.compact, id="textual")
        yield KeysFooter(compact=self.compact, id="ours")

    def action_one(self) -> None: ...

    def action_two(self) -> None: ...


def keys_of(footer: Footer) -> list[tuple]:
    return [(key.description, key.compact, sorted(key.classes), key.styles.margin, key.styles.padding)
            for key in footer.query(FooterKey)]


async def test_its_keys_are_those_of_textual_s_footer_compact_or_not_with_their_styles_worked_out_once():
    """Each key is mounted compact as the footer is: the same keys, classes, spacing and drawn text
    as Textual's Footer, without first working out the styles of a compact key (Textual's keys start
    compact, then take the footer's value). The footer's compact style still reaches its keys."""
    for compact in (False, True):
        app = App()
        async with app.run_test(size=(80, 10)) as pilot:
            updates = []
            update_styles = app.update_styles
            app.update_styles = lambda node, **kwargs: (updates.append(node), update_styles(node, **kwargs))[1]
            await app.push_screen(BothFooters(compact))
            for _ in range(10):
                await pilot.pause(0.02)
            textual, ours = app.screen.query_one("#textual", Footer), app.screen.query_one("#ours", KeysFooter)
            assert keys_of(ours) and keys_of(ours) == keys_of(textual)
            assert [line.text for line in ours.render_lines(ours.region.reset_offset)] == \
                [line.text for line in textual.render_lines(textual.region.reset_offset)]

            def updated(keys):  # the footer's own keys (the palette's key is Textual's either way)
                return [node for node in updates if node in keys and not node.has_class("-command-palette")]

            assert not updated(set(ours.query(FooterKey)))  # no key's styles worked out again
            assert updated(set(textual.query(FooterKey)))  # as Textual's were (the test can tell)
            ours.compact = textual.compact = not compact
            await pilot.pause()
            assert keys_of(ours) == keys_of(textual)
            assert all(key.compact is not compact and key.has_class("-compact") is not compact
                       for key in ours.query(FooterKey) if not key.has_class("-command-palette"))
