"""The Results screen's Protocols tab (9): the gap under each way of asking, and the flips."""

from __future__ import annotations

import re

from textual.widgets import Static, TabbedContent

from tests.helpers.results_app import intervals_shown, protocols_frame, settle, use_fixed_run
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.tui.app import ValueGapApp


async def test_the_protocols_tab_shows_each_protocol_the_spread_and_the_flips(study, monkeypatch):
    use_fixed_run(monkeypatch, protocols_frame())
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen))
        await pilot.press("9")
        assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-protocols"
        shown = str(screen.query_one("#results-protocols", Static).render())
        assert "Asked under standard, paraphrase-1, paraphrase-2; tabs 1-6 show standard" in shown
        for protocol in ("standard", "paraphrase-1", "paraphrase-2"):
            assert f"baseline         {protocol:<12}" in shown
        assert "AR range" in shown and "Direction flips" in shown
        # a sign-flip p is never 0: a tiny one keeps its digits instead of rounding to "0.000"
        assert re.search(r"paraphrase-1 ΔAR -0\.\d{3} p \d\.\d*[1-9]", shown) and not re.search(r"p 0\.0+\s", shown)
        assert "condition [b]marked[/b] (AR)" in shown and "kind max (AR)" in shown  # a name is never markup


async def test_a_run_asked_one_way_says_how_to_ask_more(study, monkeypatch):
    use_fixed_run(monkeypatch, synthetic_frame(models=("m",), topics=1, seed=1))
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen))
        await pilot.press("9")
        shown = str(screen.query_one("#results-protocols", Static).render())
        assert "asked every question one way (standard)" in shown and "docs/evaluation.md" in shown


async def test_the_protocols_tab_scrolls_by_keyboard_to_the_spread_and_the_flips(study, monkeypatch):
    """At 80x24 the tables run past the screen: the tab takes the focus, so page down reaches the end."""
    use_fixed_run(monkeypatch, protocols_frame())
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen))
        await pilot.press("9")
        scroll = screen.query_one("#results-protocols", Static).parent
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("end")
        await settle(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)


async def test_condition_names_take_the_width_there_is_and_are_cut_visibly(study, monkeypatch):
    """Two personas whose names share their first 16 characters ("moderate-secular-survival" and
    "moderate-secular-self-expression" do) must not read alike: the name column widens with the screen,
    and a name cut for want of room ends in an ellipsis."""
    long_name = "moderate-secular-self-expression-2"
    frame = protocols_frame()
    frame.persona.labels = tuple(long_name if label == "[b]marked[/b]" else label for label in frame.persona.labels)
    use_fixed_run(monkeypatch, frame)
    for size, whole in (((120, 40), True), ((80, 24), False)):
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            await settle(pilot, lambda: intervals_shown(screen))
            await pilot.press("9")
            shown = str(screen.query_one("#results-protocols", Static).render())
            rows = [line for line in shown.splitlines() if "paraphrase-2  " in line and "112" in line]
            assert len(rows) == 2 and all(len(line.rstrip()) <= size[0] - 2 for line in rows)
            mine = next(line for line in rows if not line.startswith("baseline"))
            assert (long_name + " " in mine) == whole and (mine.split(" ")[0].endswith("…")) == (not whole)
