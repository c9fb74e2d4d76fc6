"""Every screen notices what other processes (and this app's own workers) commit, and refreshes with
the selection kept: the Dilemmas counts and list, the detail, the Personas list, the Runs list."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from textual.widgets import DataTable, Input, Static

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.pilot import wait_for
from valuegap_tui.config import save_section
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.store.changes import ChangeWatch
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.textual_private import live_screen_stack


def elsewhere(study_path, code: str) -> None:
    """Run ``code`` in another process, with ``study`` open on its own connection."""
    script = textwrap.dedent("""
        import sys
        from valuegap_tui.review import decisions as review
        from valuegap_tui.store import dilemmas as dilemma_store, open_study
        from tests.helpers.dilemmas import make_dilemma
        study = open_study(sys.argv[1])
    """) + textwrap.dedent(code)
    result = subprocess.run([sys.executable, "-c", script, str(study_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def counts_line(screen) -> str:
    return str(screen.query_one("#dilemma-counts", Static).render())


def test_change_watch_sees_other_connections_and_own_commits(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    watch = ChangeWatch(study)
    assert not watch.changed()
    other = open_study(tmp_path / "s.db")
    dilemma_store.save(other, make_dilemma(), who="x", action="import")
    assert watch.changed() and not watch.changed()
    dilemma_store.save(study, make_dilemma(variant=2), who="x", action="import")  # this connection's own
    assert watch.changed()
    other.close()
    study.close()


async def test_dilemmas_screen_follows_another_process(study):
    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 6)], who="generator", action="generate")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        await pilot.press("j", "j")
        selected = screen.item.id
        assert "accepted 0" in counts_line(screen) and "3/5 shown of 5" in counts_line(screen)
        elsewhere(study.path, """
            for i in (1, 2, 4):
                review.decide(study, f"wisdom--politics--{i}", "accept", reviewer="bob")
            dilemma_store.save_many(study, [make_dilemma(topic="religion", variant=i) for i in range(1, 8)],
                                    who="importer", action="import")
        """)
        assert await wait_for(pilot, lambda: "accepted 3" in counts_line(screen), timeout=10)
        assert "shown of 12" in counts_line(screen) and "draft 9" in counts_line(screen)
        assert screen.item.id == selected  # the selection stays where the person was
        table = screen.query_one(DataTable)
        assert table.row_count == 12
        assert str(table.get_cell(selected, "status")) == "draft"
        assert str(table.get_cell("wisdom--politics--1", "status")) == "accepted"

        # The dilemma on screen is edited elsewhere: the detail shows the new text, still selected.
        elsewhere(study.path, f"""
            review.edit_text(study, "{selected}", "scenario", "You face a changed choice now.", reviewer="bob")
        """)
        detail = screen.query_one("#dilemma-detail-text", Static)
        assert await wait_for(pilot, lambda: "You face a changed choice now." in str(detail.render()), timeout=10)
        assert screen.item.id == selected


def count_list_reads(monkeypatch) -> list[str]:
    """Record the thread of every full read of the dilemma list (the expensive one in a big study)."""
    import threading

    from valuegap_tui.store import item_rows

    reads, original = [], item_rows.list_rows

    def counted(*args, **kwargs):
        reads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(item_rows, "list_rows", counted)
    return reads


async def test_own_decisions_are_not_undone_by_the_refresh(study, monkeypatch):
    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 4)], who="generator", action="generate")
    save_section("reviewer", {"name": "ann"})
    reads = count_list_reads(monkeypatch)
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert len(reads) == 1  # opening the screen
        await pilot.press("a", "r")
        assert await wait_for(pilot, lambda: screen.pending == 0, timeout=10)
        await pilot.pause(1.5)  # at least one refresh tick after the writer's commits
        assert "accepted 1" in counts_line(screen) and "rejected 1" in counts_line(screen)
        assert screen.item.id == "wisdom--politics--3"
        # Decisions elsewhere are read row by row; only new dilemmas read the list again, off the UI thread.
        elsewhere(study.path, 'review.decide(study, "wisdom--politics--3", "needs-edit", reviewer="bob")')
        assert await wait_for(pilot, lambda: "needs-edit 1" in counts_line(screen), timeout=10)
        assert len(reads) == 1
        elsewhere(study.path, 'dilemma_store.save(study, make_dilemma(topic="religion"), who="g", action="import")')
        assert await wait_for(pilot, lambda: "shown of 4" in counts_line(screen), timeout=10)
        assert len(reads) == 2 and reads[1] != "MainThread"
        assert screen.item.id == "wisdom--politics--3"


async def test_empty_dilemmas_screen_fills_when_dilemmas_arrive(study):
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        detail = screen.query_one("#dilemma-detail-text", Static)
        assert "No dilemmas yet" in str(detail.render())
        elsewhere(study.path, """
            dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 3)], who="g", action="import")
        """)
        assert await wait_for(pilot, lambda: "shown of 2" in counts_line(screen), timeout=10)
        assert "No dilemmas yet" not in str(detail.render()) and screen.item is not None


async def test_dilemmas_generated_on_f2_show_on_f1_without_restart(study):
    save_section("reviewer", {"name": "ann"})
    with run_simulator(SimulatorParams(latency_ms=5, seed=3)) as sim:
        app = ValueGapApp(study)
        async with app.run_test(size=(140, 40)) as pilot:
            dilemmas_screen = app.screen
            assert "No dilemmas yet" in str(dilemmas_screen.query_one("#dilemma-detail-text", Static).render())
            await pilot.press("f2")
            generate = app.screen
            for name, value in dict(server=sim.base_url, values="wisdom", topics="politics,religion",
                                    attempts="3", concurrency="4").items():
                generate.query_one(f"#generate-{name}", Input).value = value
            await pilot.click("#generate-start")
            assert await wait_for(pilot, lambda: not generate.running and dilemma_store.count(study) > 0)
            stored = dilemma_store.count(study)
            await pilot.press("f1")
            await pilot.pause()
            assert app.screen is dilemmas_screen
            assert f"shown of {stored}" in counts_line(dilemmas_screen)
            assert dilemmas_screen.query_one(DataTable).row_count == stored


async def test_personas_screen_follows_another_process(study):
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.store import personas as persona_store

    everyone = generate_personas()
    persona_store.save_many(study, everyone[:3])
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(140, 40)) as pilot:
        table = app.screen.query_one("#persona-table", DataTable)
        assert await wait_for(pilot, lambda: table.row_count == 3)
        table.move_cursor(row=1)
        await pilot.pause()
        selected = app.screen.selected_id
        elsewhere(study.path, """
            from valuegap_tui.personas import generate_personas
            from valuegap_tui.store import personas as persona_store
            persona_store.save_many(study, generate_personas()[3:6])
        """)
        assert await wait_for(pilot, lambda: table.row_count == 6, timeout=10)
        assert app.screen.selected_id == selected


async def test_runs_screen_lists_a_run_planned_elsewhere(study):
    from tests.helpers.runs import seed_study

    seed_study(study, 2)
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(140, 40)) as pilot:
        table = app.screen.query_one("#runs-table", DataTable)
        assert table.row_count == 0
        elsewhere(study.path, """
            from valuegap_tui.evaluate.setup import create_run
            from valuegap_tui.plan.definition import RunDefinition
            create_run(study, RunDefinition.model_validate({"name": "from-cli", "repeats": 1,
                "models": [{"name": "m", "endpoints": ["http://127.0.0.1:9/v1"]}],
                "dilemmas": {"status": ["accepted"]}}))
        """)
        assert await wait_for(pilot, lambda: table.row_count == 1, timeout=10)
        assert "from-cli" in str(table.get_row_at(0))


async def test_change_check_while_closing_does_not_fail(study):
    """The one-second check can fire while the app is closing and its screens are already popped (seen
    once in CI as "No screens on stack" from test_terminal_escapes): it then does nothing."""
    app = ValueGapApp(study)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        dilemma_store.save(study, make_dilemma(), who="import", action="import")  # a change to notice
        stack = live_screen_stack(app)
        popped = list(stack)
        stack.clear()
        try:
            app.check_for_changes()  # raised ScreenStackError before
        finally:
            stack.extend(popped)
