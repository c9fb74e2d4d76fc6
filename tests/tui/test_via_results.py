"""The Results screen on a VIA run: tab 7 shows the design's tables, each model in its own rows."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.widgets import Static, TabbedContent

from tests.helpers.via import via_run
from valuegap_tui.tui.app import ValueGapApp


def _text(static: Static) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()


@pytest.fixture
def via_study(study, tmp_path):
    via_run(study, tmp_path, countries=("India",), topics=["politics"], values=["equality", "wealth"], repeats=1)
    return study


async def test_tab_7_shows_the_via_tables(via_study):
    study = via_study
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        status = screen.query_one("#results-status", Static)
        for _ in range(400):
            await pilot.pause(0.05)
            if "tab 7" in str(status.render()):
                break
        assert "tab 7" in str(status.render())
        assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-design"
        text = _text(screen.query_one("#results-design", Static))
        for expected in ("VIA gap per model and condition", "own country", "country-india",
                         "Alignment ranking of countries", "Alignment ranking of values", "model-a", "model-b",
                         "coverage", "low coverage", "rank_low", "Equality"):  # names, not ids
            assert expected in text
        # the header counts usable answers, not rows: 2 models x 2 conditions x 2 items x 2 tasks, all valid
        assert "16 valid of 16 answers (0 low coverage, 0 other invalid)" in str(status.render())
