from __future__ import annotations

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
