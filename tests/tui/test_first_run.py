"""A first run that works: from the demo, Runs -> new run -> start, nothing edited, finishes on the simulator."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static, TextArea

from tests.helpers.pilot import wait_for
from valuegap_tui.cli.app import build_demo_study, fill_demo_study
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator.runner import run_simulator
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.tui.app import SimulatorInUse, ValueGapApp


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    study = build_demo_study(tmp_path / "valuegap-demo.db")
    with run_simulator(study_path=study.path) as simulator:
        fill_demo_study(study, simulator)
        yield study, simulator
    study.close()


async def test_a_new_run_from_the_demo_starts_unedited_and_finishes(demo):
    study, simulator = demo
    before = {r.id for r in run_store.list_runs(study)}
    app = ValueGapApp(study, start_mode="results",
                      simulator=SimulatorInUse(simulator.base_url, simulator.params.model_name))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        screen = app.screen
        area = screen.query_one("#runs-definition", TextArea)
        assert await wait_for(pilot, lambda: simulator.base_url in area.text, timeout=10)
        await pilot.press("n")
        definition = RunDefinition.from_toml_text(area.text, "form")
        assert definition.models[0].name == simulator.params.model_name
        assert definition.models[0].endpoints == [simulator.base_url]
        await pilot.press("ctrl+s")  # from the keyboard: Tab indents inside the definition
        assert await wait_for(pilot, lambda: {r.id for r in run_store.list_runs(study)} - before, timeout=30)
        [new] = {r.id for r in run_store.list_runs(study)} - before
        assert await wait_for(pilot, lambda: run_store.get_run(study, new).status == "finished", timeout=120)
        progress = progress_store.progress(study, new)
        assert progress.answered == progress.total > 0
        # Every run's Done column is filled and not cut
        table = screen.query_one("#runs-table", DataTable)
        await pilot.pause(1.2)
        for run in run_store.list_runs(study):
            p = progress_store.progress(study, run.id)
            assert str(table.get_cell(str(run.id), "done")) == f"{p.done}/{p.total}"
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        done_at = [c.key for c in table.ordered_columns].index("done")
        assert widths[done_at] - 2 * table.cell_padding >= len(f"{progress.total}/{progress.total}")
        assert sum(widths[:done_at + 1]) <= table.size.width  # on screen at 100 columns, not scrolled off
        # A finished run shows its average rate, which does not decay once it is over
        first = str(screen.query_one("#runs-progress", Static).render()).split("/s")[0]
        await pilot.pause(2.5)
        assert str(screen.query_one("#runs-progress", Static).render()).split("/s")[0] == first
        assert "Items" in [str(c.label) for c in screen.query_one("#runs-gap", DataTable).ordered_columns]


async def test_the_form_names_the_server_and_model_openai_base_url_points_at(study, monkeypatch):
    from tests.helpers.fake_openai_server import FakeServer

    server = await FakeServer().start()
    try:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        app = ValueGapApp(study, start_mode="runs")
        async with app.run_test(size=(100, 30)) as pilot:
            area = app.screen.query_one("#runs-definition", TextArea)
            assert await wait_for(pilot, lambda: "fake-model" in area.text, timeout=10)
            definition = RunDefinition.from_toml_text(area.text, "form")
            assert [(m.name, m.endpoints) for m in definition.models] == [("fake-model", [server.base_url])]
    finally:
        await server.stop()


async def test_a_form_being_edited_is_not_replaced(study, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "z")
        app.simulator = SimulatorInUse("http://127.0.0.1:9/v1", "sim")
        app.screen._prefill()
        await pilot.pause(0.5)
        area = app.screen.query_one("#runs-definition", TextArea)
        assert area.text.startswith("z") and "127.0.0.1:9" not in area.text
