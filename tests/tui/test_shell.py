from __future__ import annotations

import pytest
from textual.screen import Screen
from textual.widgets import DataTable, Static

from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui.app import STAGES, ValueGapApp
from tests.helpers.dilemmas import make_dilemma


async def test_every_stage_is_reachable_by_key(study):
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        for mode, _title, key in STAGES:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode


async def test_markup_in_dilemma_text_is_shown_literally(study):
    nasty = "[bold]x[/] [link=http://x]y[/link] \x1b[31m[/] [red"
    dilemma_store.save(study, make_dilemma(scenario=nasty, texts=[f"{nasty} {i}" for i in range(6)]), who="t", action="create")
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(DataTable).row_count == 1
        detail = app.screen.query_one("#dilemma-detail-text", Static)
        rendered = str(detail.render())
        assert "[bold]x[/]" in rendered and "[link=http://x]y[/link]" in rendered


async def test_command_palette_lists_stages(study):
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {f"Go to {title}" for _m, title, _k in STAGES} <= set(titles)


@pytest.mark.parametrize("mode", ["dilemmas"])
async def test_the_app_starts_in_its_first_screen_without_building_textual_s_blank_one(study, monkeypatch, mode):
    """The review screen is composed as the app starts (its mode is the app's first), instead of after
    Textual's blank default screen and a switch from it."""
    made = []
    monkeypatch.setattr(ValueGapApp, "get_default_screen", lambda self: made.append(1) or Screen())
    app = ValueGapApp(study, start_mode=mode)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.current_mode == mode and made == []
        assert [type(s).__name__ for s in app.screen_stack] == [type(app.stage_screen(mode)).__name__]
        await pilot.press("f1" if mode != "dilemmas" else "f3")
        await pilot.pause()
        assert app.current_mode == ("dilemmas" if mode != "dilemmas" else "personas")
