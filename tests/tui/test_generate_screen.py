"""The Generate screen against the simulated server: start, live progress, newest dilemmas, failures, stop."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, Static

from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.pilot import wait_for
from valuegap_tui.tui.app import ValueGapApp


def fill(screen, **fields):
    for name, value in fields.items():
        screen.query_one(f"#generate-{name}", Input).value = value


async def test_generate_a_scope_and_watch_it_arrive(study):
    with run_simulator(SimulatorParams(latency_ms=5, fault_malformed=0.3, seed=3)) as sim:
        app = ValueGapApp(study, start_mode="generate")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            fill(screen, server=sim.base_url, values="wisdom, Social power", topics="politics,religion,environment",
                 attempts="1", concurrency="8")
            screen.query_one("#generate-values", Input).focus()
            await pilot.pause()
            await pilot.press("s")  # typed into the field, not Start
            assert not screen.running
            fill(screen, values="wisdom, Social power")
            await pilot.click("#generate-start")
            assert await wait_for(pilot, lambda: not screen.running and dilemma_store.count(study) > 0)
            stored = dilemma_store.count(study)
            newest = screen.query_one("#generate-newest", DataTable)
            failures = screen.query_one("#generate-failures", DataTable)
            # every one of the 6 pairs ends stored or listed as failed (one attempt each, 30% malformed)
            assert newest.row_count == stored
            assert stored + failures.row_count == 6
            assert failures.row_count >= 1  # seed 3 draws at least one malformed reply
            progress = str(screen.query_one("#generate-progress", Static).render())
            assert progress.startswith("Finished") and f"{stored}/6" in progress
            assert not screen.query_one("#generate-start", Button).disabled


async def test_unknown_value_is_reported_not_started(study):
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        fill(screen, values="no such value")
        await pilot.click("#generate-start")
        await pilot.pause()
        assert "unknown value" in str(screen.query_one("#generate-progress", Static).render())
        assert not screen.running


async def test_stop_ends_the_run_early(study):
    with run_simulator(SimulatorParams(latency_ms=200)) as sim:
        app = ValueGapApp(study, start_mode="generate")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            fill(screen, server=sim.base_url, concurrency="2")
            await pilot.click("#generate-start")
            assert await wait_for(pilot, lambda: dilemma_store.count(study) >= 1)
            screen.set_focus(None)
            await pilot.press("x")
            assert await wait_for(pilot, lambda: not screen.running)
            assert "Stopped" in str(screen.query_one("#generate-progress", Static).render())
            assert dilemma_store.count(study) < 616
