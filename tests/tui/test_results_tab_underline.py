"""The line under the Results screen's active tab moves to a tab picked at once, by its key or by a click
on its label: it does not slide there over a third of a second of frames, which the UI thread would lay
out and draw while the intervals' children want the cores and the next key waits behind them."""

from __future__ import annotations

from textual.widgets import TabbedContent, Tabs

from tests.helpers.results_app import intervals_shown, settle, use_fixed_run
from valuegap_tui.tui.app import ValueGapApp


def underline_starts(app, underline) -> list[float]:
    """Every column the underline starts at from now on."""
    seen: list[float] = []
    app.screen.watch(underline, "highlight_start", lambda value: seen.append(value), init=False)
    return seen


async def test_a_tab_key_or_click_moves_the_underline_at_once(study, monkeypatch):
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen))
        tabs = screen.query_one("#results-tabs", TabbedContent).query_one(Tabs)
        underline = tabs.query_one("Underline")
        seen = underline_starts(app, underline)
        for pick in ("2", "5", "1"):
            seen.clear()
            await pilot.press(pick)
            await pilot.pause(0.5)  # longer than a slide (0.3 s)
            label = tabs.active_tab.virtual_region.shrink(tabs.active_tab.styles.gutter).column_span
            assert (underline.highlight_start, underline.highlight_end) == label
            assert not app.animator.is_being_animated(underline, "highlight_start")
            assert seen == [label[0]], f"the underline went through {seen} to reach {label}"
        seen.clear()
        await pilot.click("#--content-tab-results-tab-answers")  # its label
        await pilot.pause(0.5)
        assert tabs.active_tab.id == "--content-tab-results-tab-answers"
        label = tabs.active_tab.virtual_region.shrink(tabs.active_tab.styles.gutter).column_span
        assert (underline.highlight_start, underline.highlight_end) == label
        assert seen == [label[0]], f"the underline went through {seen} to reach {label}"
