"""A valact run's tables in the Results screen's design tab."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Static, TabbedContent

from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import items as item_store
from valuegap_tui.tui.app import ValueGapApp

from tests.helpers.valact import make_scenarios


def text_of(widget) -> str:
    console = Console(width=160, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.file.getvalue()


async def test_results_design_tab_shows_the_valact_tables(valact_study):
    study = valact_study
    item_store.save_many(study, get_design("valact"), make_scenarios(6), who="t", action="import")
    load_into(study, read_questionnaire(DEMO_FILE), who="t")
    with run_simulator(SimulatorParams(seed=1, model_name="sim"), study_path=study.path) as sim:
        run_id = create_run(study, RunDefinition.model_validate(
            {"models": [{"name": "sim", "endpoints": [sim.base_url]}], "repeats": 1, "seed": 1}))
        await run_async(study, run_id)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 40)) as pilot:
        tabs = app.screen.query_one("#results-tabs", TabbedContent)
        design = app.screen.query_one("#results-design", Static)
        for _ in range(200):
            await pilot.pause(0.05)
            if tabs.active == "results-tab-design" and "Role-play" in text_of(design):
                break
        shown = text_of(design)
        assert "Stated vs enacted" in shown and "Enacted profile" in shown and "Cross-model" in shown
        assert "Huang et al. 2026" in shown
