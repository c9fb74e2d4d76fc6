"""The Runs screen: define a run in the form, run it against a local server, see progress and the gap."""

from __future__ import annotations


from types import SimpleNamespace

from textual.widgets import DataTable, Static, TextArea

from tests.helpers.runs import seed_study
from valuegap_tui.store import runs as run_store
from tests.helpers.pilot import wait_for
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.textual_private import notifications


async def test_define_start_and_watch_a_run(study, answer_server):  # noqa: F811
    seed_study(study, 4)
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        area = screen.query_one("#runs-definition", TextArea)
        assert area.has_focus
        await pilot.press("s", "x")  # typed into the definition, not start/stop
        assert area.text.startswith("sx") and screen.control is None
        area.text = (f'name = "t"\nrepeats = 2\n[[models]]\nname = "tiny"\nendpoints = ["{answer_server}"]\n'
                     'concurrency = 4\n[dilemmas]\nstatus = ["accepted"]\n')
        await pilot.click("#runs-plan")
        assert await wait_for(pilot, lambda: run_store.list_runs(study)
                              and run_store.get_run(study, 1).status == "finished")
        assert await wait_for(pilot, lambda: screen.query_one("#runs-gap", DataTable).row_count == 1)
        progress = str(screen.query_one("#runs-progress", Static).render())
        assert "16/16" in progress
        assert screen.query_one("#runs-latest", DataTable).row_count == 8


async def test_bad_definition_shows_error(study):
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        screen.query_one("#runs-definition", TextArea).text = "repeats = [oops"
        await pilot.click("#runs-plan")
        error = screen.query_one("#runs-form-error", Static)
        for _ in range(30):
            await pilot.pause(0.1)
            if "TOML" in str(error.render()):
                break
        assert "not valid TOML" in str(error.render())
        assert run_store.list_runs(study) == []


async def test_screen_starts_a_run_it_was_asked_to(study, answer_server):  # noqa: F811
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.plan.definition import RunDefinition

    seed_study(study, 2)
    run_id = create_run(study, RunDefinition.model_validate(
        {"models": [{"name": "tiny", "endpoints": [answer_server]}], "repeats": 1}))
    study.set_meta("runs.selected", str(run_id))
    study.set_meta("runs.autostart", str(run_id))
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_for(pilot, lambda: run_store.get_run(study, run_id).status == "finished")
    assert study.get_meta("runs.autostart") == ""


async def test_planning_warns_when_the_evaluated_model_generated_the_dilemmas(study, answer_server):  # noqa: F811
    from valuegap_tui.designs.graded_actions.models import Provenance
    from valuegap_tui.store import dilemmas as dilemma_store

    seed_study(study, 2)
    for dilemma in dilemma_store.iter_dilemmas(study):
        dilemma.provenance = Provenance(source="generated", generator_model="tiny")
        dilemma_store.save(study, dilemma, who="generator", action="generate")
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        screen.query_one("#runs-definition", TextArea).text = (
            f'name = "t"\nrepeats = 1\n[[models]]\nname = "tiny"\nendpoints = ["{answer_server}"]\n'
            'concurrency = 4\n[dilemmas]\nstatus = ["accepted"]\n')
        await pilot.click("#runs-plan")
        assert await wait_for(pilot, lambda: any("tiny is evaluated on 2 of the 2 dilemmas it generated" in n.message
                                                 for n in notifications(app)))


async def test_the_form_takes_protocols_and_the_run_asks_under_each(study, answer_server):  # noqa: F811
    seed_study(study, 2)
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        area = screen.query_one("#runs-definition", TextArea)
        assert 'protocols = ["standard"]' in area.text and "paraphrase-1" in area.text  # shown with the choices
        area.text = (f'name = "p"\nrepeats = 1\nprotocols = ["standard", "paraphrase-1", "abstain"]\n[[models]]\n'
                     f'name = "tiny"\nendpoints = ["{answer_server}"]\nconcurrency = 4\n')
        await pilot.click("#runs-plan")
        assert await wait_for(pilot, lambda: run_store.list_runs(study)
                              and run_store.get_run(study, 1).status == "finished")
        assert run_store.get_run(study, 1).definition.protocols == ["standard", "paraphrase-1", "abstain"]
        assert {i.protocol for i in run_store.all_items(study, 1)} == {"standard", "paraphrase-1", "abstain"}
        assert await wait_for(pilot, lambda: "12/12" in str(screen.query_one("#runs-progress", Static).render()))
        # the gap table below is under one of them, and the screen says which
        assert await wait_for(pilot, lambda: "gap below: under standard (asked 3 ways: standard, abstain, "
                              "paraphrase-1" in str(screen.query_one("#runs-progress", Static).render()))


async def test_the_form_refuses_an_unknown_protocol_in_one_line(study):
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        screen.query_one("#runs-definition", TextArea).text = 'protocols = ["loud"]\n[[models]]\nname = "m"\n'
        await pilot.click("#runs-plan")
        error = screen.query_one("#runs-form-error", Static)
        assert await wait_for(pilot, lambda: "unknown protocol" in str(error.render()))
        assert "line 1, protocols: unknown protocol 'loud': one of standard, abstain" in str(error.render())
        assert run_store.list_runs(study) == []


async def test_the_gap_table_never_shows_another_runs_numbers(study):
    """The gap table keeps its numbers a few seconds between polls: moving to another run while the
    first run's poll is still computing must not leave the first run's gap under the second."""
    import asyncio

    from tests.helpers.clients import PlantedClient
    from tests.helpers.runs import definition
    from valuegap_tui.evaluate.execute import execute_run
    from valuegap_tui.evaluate.setup import create_run

    seed_study(study, 3)
    first, last = [1.0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1.0]
    aligned = create_run(study, definition(repeats=1, name="aligned"))
    opposed = create_run(study, definition(repeats=1, name="opposed"))
    for run_id, action in ((aligned, first), (opposed, last)):
        assert await execute_run(study, run_id, {"m": PlantedClient(first, action)}) == "finished"
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)):
        screen = app.screen
        screen.selected = aligned
        assert [g.alignment_rate for g in (await asyncio.to_thread(screen._snapshot, aligned)).gaps] == [1.0]
        screen.on_data_table_row_highlighted(SimpleNamespace(data_table=SimpleNamespace(id="runs-table"),
                                                             row_key=SimpleNamespace(value=str(opposed))))
        # the first run's poll finishing late, after the move, fills the cache with its numbers
        await asyncio.to_thread(screen._snapshot, aligned)
        assert [g.alignment_rate for g in (await asyncio.to_thread(screen._snapshot, opposed)).gaps] == [0.0]
