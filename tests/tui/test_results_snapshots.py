"""Snapshots of the Results screen at 80x24, 100x30 and 160x45: two models, long and marked-up names.

At 100x30 the compact form shows AR, AD, the change and its interval and p for each condition without
sideways scrolling. Tab 8 sets the two models side by side, paired by dilemma. Tab 9 (a run asked three
ways, a persona whose change against baseline turns around) is shown at its top and scrolled to its end. Update after an intended change with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.helpers.pilot import wait_for
from tests.helpers.results_app import protocols_frame, use_fixed_run
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.results_tabs import FOCUS

SIZES = [(80, 24), (100, 30), (160, 45)]
#: each tab key shown here, and its tab's name
TABS = {"1": "conditions", "2": "kinds", "3": "heatmap", "4": "answers", "8": "respondents"}


async def _computed(pilot) -> None:
    """Wait for the intervals, and pin what depends on the machine (the study's path)."""
    pilot.app.sub_title = "study.db"
    for _ in range(600):
        await pilot.pause(0.05)
        status = str(pilot.app.screen.query_one("#results-status", Static).render())
        if "Run #7" in status and "intervals" not in status:
            break
    else:
        raise AssertionError("results did not finish computing")
    await pilot.pause(0.2)


async def _shown(pilot, tab: str) -> None:
    """Wait for the tab picked by its key to be composed, drawn and focused: on a loaded machine a
    background step may still be mounting it when the key lands."""
    screen = pilot.app.screen
    assert await wait_for(pilot, lambda: screen.composed(tab) and not screen.tabs_to_draw
                          and (tab not in FOCUS or pilot.app.focused is screen.query_one(FOCUS[tab])))
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", ["1", "2", "3", "4", "8"], ids=["conditions", "kinds", "heatmap", "answers", "respondents"])
def test_results_screen(snap_compare, study, monkeypatch, size, tab):
    use_fixed_run(monkeypatch)

    async def run_before(pilot) -> None:
        await _computed(pilot)
        await pilot.press(tab)
        await _shown(pilot, TABS[tab])

    assert snap_compare(ValueGapApp(study, start_mode="results"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scrolled", [False, True], ids=["top", "end"])
def test_results_protocols_tab(snap_compare, study, monkeypatch, size, scrolled):
    use_fixed_run(monkeypatch, protocols_frame())

    async def run_before(pilot) -> None:
        await _computed(pilot)
        await pilot.press("9")
        await _shown(pilot, "protocols")
        if scrolled:
            await pilot.press("end")
            await pilot.pause(0.2)

    assert snap_compare(ValueGapApp(study, start_mode="results"), terminal_size=size, run_before=run_before)
