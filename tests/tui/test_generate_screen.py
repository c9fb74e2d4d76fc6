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


async def test_the_form_holds_the_scope_fields_of_the_studys_design(tmp_path):
    """A valact study generates per topic and variant: the form shows those fields, not values or types;
    a via study is imported, not generated, and the screen says so."""
    from valuegap_tui.designs import set_study_design
    from valuegap_tui.store import open_study

    for design, shown in (("valact", {"topics", "variants"}), ("graded_actions", {"values", "types", "topics", "variants"})):
        study = open_study(tmp_path / f"{design}.db", create=True)
        set_study_design(study, design)
        app = ValueGapApp(study, start_mode="generate")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            visible = {name for name in ("values", "types", "topics", "variants")
                       if app.screen.query_one(f"#generate-{name}", Input).parent.display}
            assert visible == shown, design
        study.close()
    study = open_study(tmp_path / "via.db", create=True)
    set_study_design(study, "via")
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "is not generated: import its items" in str(app.screen.query_one("#generate-progress", Static).render())
    study.close()
