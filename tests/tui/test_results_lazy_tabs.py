"""The Results screen composes a tab when it is first shown: until then the tab holds nothing, and once
shown it holds what it would have held had it been in view all along, intervals included when they
arrive later; its key is answered while the screen is still computing."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent

from tests.helpers.pilot import wait_for
from tests.helpers.results_app import CountedCompute, intervals_shown, settle, use_fixed_run
from valuegap_tui.store import open_study
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens import results_tabs
from valuegap_tui.tui.screens.results_tabs import BACKGROUND_ORDER, FOCUS

#: the keys of the tabs a poster run shows besides the first, and each tab's name
LATER_TABS = {"2": "kinds", "3": "heatmap", "4": "answers", "5": "values", "6": "topics", "8": "respondents",
              "9": "protocols"}


def pane_text(screen, tab: str) -> list:
    """Everything a tab shows: each table's cells and each text's lines, in screen order."""
    shown = []
    for widget in screen.query_one(f"#results-tab-{tab}").query("*"):
        if isinstance(widget, DataTable):
            shown.append([[str(cell) for cell in widget.get_row_at(i)] for i in range(widget.row_count)])
        elif isinstance(widget, Static):
            shown.append(str(widget.render()))
    return shown


def composed(screen, tab: str) -> bool:
    return bool(screen.query_one(f"#results-tab-{tab}").children)


def computing(screen) -> bool:
    """The status line says the intervals are being computed."""
    return "computing intervals" in str(screen.query_one("#results-status", Static).render())


async def _every_tab(pilot, screen) -> dict[str, list]:
    shown = {}
    for key, tab in LATER_TABS.items():
        await pilot.press(key)
        assert await wait_for(pilot, lambda: not screen.tabs_to_draw)  # drawn after the tab's first frame
        shown[tab] = pane_text(screen, tab)
    return shown


async def test_a_tab_shown_late_shows_what_it_would_have_shown_from_the_start(tmp_path, monkeypatch):
    """Each later tab composed on its key while the intervals compute ("early"), on its key after
    ("late", nothing composed in the background) and in the background after ("background"): all the same."""
    use_fixed_run(monkeypatch)
    compute = CountedCompute(monkeypatch)
    shown = {}
    for opening in ("early", "late", "background"):
        compute.release.clear() if opening == "early" else compute.release.set()
        monkeypatch.setattr(results_tabs, "BACKGROUND_ORDER",
                            () if opening == "late" else BACKGROUND_ORDER)
        study = open_study(tmp_path / f"{opening}.db", create=True)
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            if opening == "early":  # every tab shown while the intervals are computed
                await settle(pilot, lambda: computing(screen))
                for key in LATER_TABS:
                    await pilot.press(key)
                compute.release.set()
            await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
            await pilot.pause(0.3)  # the answers per condition and the adjusted kinds come after
            if opening == "late":  # nothing composed but the tab in view (and tab 7's line)
                assert not any(composed(screen, tab) for tab in LATER_TABS.values())
                assert composed(screen, "conditions")
            if opening == "background":  # every tab composed and drawn without a key, the first still in view
                await settle(pilot, lambda: all(composed(screen, tab) for tab in LATER_TABS.values())
                             and not screen.tabs_to_draw)
                assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-conditions"
                assert app.focused is screen.query_one("#results-conditions")
            shown[opening] = await _every_tab(pilot, screen)
            assert all(composed(screen, tab) for tab in LATER_TABS.values())
        study.close()
    assert shown["late"] == shown["early"] == shown["background"]
    values = shown["late"]["values"][1]
    assert len(values) == 56 and all("[" in row[0] for row in values)  # each rank with its interval
    assert "Model model-a" in shown["late"]["heatmap"][0]


async def test_a_key_pressed_while_tabs_are_composed_in_the_background_lands_on_its_tab(study, monkeypatch):
    """The background composes one tab a step and leaves the tab in view and the focus alone: a key
    pressed between its steps shows its own tab, focused, and stays there while the rest is composed."""
    use_fixed_run(monkeypatch)
    monkeypatch.setattr(results_tabs, "BACKGROUND_PAUSE_S", 0.3)  # steps far enough apart to press between
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        tabs = screen.query_one("#results-tabs", TabbedContent)
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        assert await wait_for(pilot, lambda: composed(screen, "kinds"))
        # part-way: some tabs composed, not all
        assert not all(composed(screen, tab) for tab in LATER_TABS.values())
        await pilot.press("6")  # the topics: composed by the key, or later in the background
        assert tabs.active == "results-tab-topics"
        await settle(pilot, lambda: all(composed(screen, tab) for tab in LATER_TABS.values())
                     and not screen.tabs_to_draw)
        assert tabs.active == "results-tab-topics"
        assert app.focused is screen.query_one("#results-topics")
        assert screen.query_one("#results-topics", DataTable).row_count > 0
        await pilot.press("2")  # a tab composed in the background: shown and focused at once
        assert tabs.active == "results-tab-kinds" and app.focused is screen.query_one("#results-kinds")


async def test_a_background_step_waits_for_a_tab_being_composed_by_its_key(study, monkeypatch):
    use_fixed_run(monkeypatch)
    monkeypatch.setattr(results_tabs, "BACKGROUND_ORDER", ())  # started by hand below
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        monkeypatch.setattr(results_tabs, "BACKGROUND_ORDER", BACKGROUND_ORDER)
        screen._composing.add("values")  # as while a key's tab is being mounted
        screen._compose_next_in_background()
        assert not any(composed(screen, tab) or tab in screen._composing
                       for tab in LATER_TABS.values() if tab != "values")
        screen._composing.discard("values")
        await settle(pilot, lambda: composed(screen, "kinds"))


async def test_a_tab_switched_to_while_intervals_compute_shows_them_when_they_arrive(study, monkeypatch):
    use_fixed_run(monkeypatch)
    compute = CountedCompute(monkeypatch)
    compute.release.clear()
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: computing(screen))
        await pilot.press("2")
        kinds = screen.query_one("#results-kinds", DataTable)
        assert await wait_for(pilot, lambda: kinds.row_count == 4)
        assert not any("[" in str(cell) for cell in kinds.get_row_at(1)[1:])  # levels, no intervals yet
        await pilot.press("5")
        values = screen.query_one("#results-values", DataTable)
        assert await wait_for(pilot, lambda: values.row_count == 56)
        assert "[" not in str(values.get_row_at(0)[0])
        compute.release.set()
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        assert "[" in str(values.get_row_at(0)[0])  # the tab in view, and the one shown before it
        assert sum("[" in str(cell) for cell in kinds.get_row_at(1)) >= 4  # levels and changes with intervals


async def test_each_tab_key_is_answered_while_the_screen_computes(study, monkeypatch):
    use_fixed_run(monkeypatch)
    compute = CountedCompute(monkeypatch)
    compute.release.clear()
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        tabs = screen.query_one("#results-tabs", TabbedContent)
        await settle(pilot, lambda: computing(screen))
        for key, tab in [*LATER_TABS.items(), ("1", "conditions")]:
            await pilot.press(key)
            # Pilot's press returns once the app looks idle, which on a busy machine can come before the
            # key's action has run (the tab line's slide used to make it wait longer): waited for, with
            # the intervals still held back, so the key is answered while the screen computes
            assert await wait_for(pilot, lambda: tabs.active == f"results-tab-{tab}" and composed(screen, tab)), tab
            if tab in FOCUS:  # its table or its scrolling text takes the arrows
                assert app.focused is screen.query_one(FOCUS[tab]), tab
        assert compute.calls[True] == 1 and computing(screen)
        compute.release.set()
        await settle(pilot, lambda: intervals_shown(screen))


async def test_a_stage_drawn_while_a_tab_is_being_composed_leaves_it_to_be_drawn_after(study, monkeypatch):
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        # the Kinds tab's widgets sit in a scrolling container, mounted after the tab is asked for: a
        # stage arriving in between (a worker's results) must not look for them yet
        screen.query_one("#results-tabs", TabbedContent).active = "results-tab-kinds"
        screen.open_tab("kinds")
        screen._show(screen._run_id, screen._results, True)
        assert await wait_for(pilot, lambda: composed(screen, "kinds") and not screen.tabs_to_draw and screen.drawn)
        assert screen.query_one("#results-kinds", DataTable).row_count == 4


@pytest.mark.parametrize("key_lands", ["while mounting", "once composed"])
async def test_a_tab_composed_in_the_background_is_focused_and_at_its_top_on_its_key(study, monkeypatch, key_lands):
    """Key 2 lands while a background step mounts the Kinds tab, or once it has composed it: either way the
    tab is shown, its table takes the arrows, and (at 80x24 its table is taller than its view) the tab
    opens at its top, its title in view, as when the key composes the tab, instead of scrolling the
    title away to bring the table's top in view."""
    use_fixed_run(monkeypatch)
    monkeypatch.setattr(results_tabs, "BACKGROUND_ORDER", ())
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        screen.open_tab("kinds")  # what a background step does
        if key_lands == "while mounting":
            screen.action_show_tab("kinds")  # what key 2 does, before the mounting is done
        else:
            assert await wait_for(pilot, lambda: screen.composed("kinds") and not screen.tabs_to_draw)
            await pilot.press("2")
        assert await wait_for(pilot, lambda: screen.composed("kinds") and not screen.tabs_to_draw)
        await pilot.pause(0.1)
        assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-kinds"
        assert app.focused is screen.query_one(FOCUS["kinds"])
        scroll = screen.query_one("#results-tab-kinds").query_one(VerticalScroll)
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
