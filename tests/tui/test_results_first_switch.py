"""The first F5 makes the Results screen without Textual re-parsing every stylesheet and restyling the app
(twice, before: a new mode screen's CSS count never matched the app's; textual_private.styled_as_current),
and the screen is styled all the same."""

from __future__ import annotations

from textual.widgets import DataTable, TabbedContent

from tests.helpers.pilot import wait_for
from valuegap_tui.tui.app import ValueGapApp


async def test_the_first_f5_restyles_nothing_and_the_screen_is_styled(study, monkeypatch):
    app = ValueGapApp(study)
    refreshes = []
    real = app.refresh_css
    monkeypatch.setattr(app, "refresh_css", lambda *a, **k: refreshes.append(app.screen) or real(*a, **k))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        before = len(refreshes)
        await pilot.press("f5")
        assert await wait_for(pilot, lambda: type(app.screen).__name__ == "ResultsScreen")
        await pilot.pause(0.3)
        assert len(refreshes) == before  # no re-parse of every stylesheet for the new screen
        screen = app.screen
        # its own DEFAULT_CSS and its widgets' apply: the tabs fill the height, the collection line is hidden
        assert screen.query_one("#results-tabs", TabbedContent).styles.height.value == 1
        assert screen.query_one("#results-collection").styles.display == "none"
        assert screen.query_one("#results-conditions", DataTable).size.height > 10
