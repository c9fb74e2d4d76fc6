"""The Results screen while it loads: numbers first, intervals after, keys served in between, and results
kept for the run's answers shown again without computing until a new answer arrives."""

from __future__ import annotations

from textual.widgets import DataTable, Static, TabbedContent

from tests.helpers.collection import answer_model, staged_study
from tests.helpers.results_app import CountedCompute
from tests.helpers.pilot import wait_for
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens import results_compute


def _status(screen) -> str:
    return str(screen.query_one("#results-status", Static).render())


def _numbers(screen) -> bool:
    return "items; estimand" in _status(screen)


def _intervals(screen) -> bool:
    return _numbers(screen) and "computing intervals" not in _status(screen)


def _ar_cell(screen) -> str:
    table = screen.query_one("#results-conditions", DataTable)
    return str(table.get_row_at(0)[1]) if table.row_count else ""


async def test_numbers_come_first_and_keys_are_served_while_intervals_compute(tmp_path, monkeypatch):
    study, _run_id = staged_study(tmp_path / "s.db", "model", {})
    compute = CountedCompute(monkeypatch)
    compute.release.clear()  # the intervals take as long as the test wants
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: _numbers(screen) and _ar_cell(screen)), _status(screen)
        assert "computing intervals" in _status(screen)
        assert "[" not in _ar_cell(screen)  # a level, no interval yet
        tabs = screen.query_one("#results-tabs", TabbedContent)
        await pilot.press("2")  # served while the intervals are being computed
        assert tabs.active == "results-tab-kinds"
        assert await wait_for(pilot, lambda: screen.query_one("#results-kinds", DataTable).row_count > 0)
        await pilot.press("1")
        assert tabs.active == "results-tab-conditions"
        assert not _intervals(screen)
        compute.release.set()
        assert await wait_for(pilot, lambda: _intervals(screen) and "[" in _ar_cell(screen)), _status(screen)
        assert await wait_for(pilot, lambda: screen.drawn)


async def test_kept_results_show_without_computing_until_a_new_answer_arrives(tmp_path, monkeypatch):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})  # b has questions left
    compute = CountedCompute(monkeypatch)
    for opening in ("first", "again", "after a new answer"):
        if opening == "after a new answer":
            answer_model(study, run_id, "b", 1)
        before = dict(compute.calls)
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert await wait_for(pilot, lambda: _intervals(screen) and screen.drawn), (opening, _status(screen))
            shown = _ar_cell(screen)
            assert "[" in shown
            await pilot.pause(0.3)  # whatever the worker would still compute
        computed = {k: compute.calls[k] - before[k] for k in compute.calls}
        if opening == "again":
            assert computed == {True: 0, False: 0}, computed  # the same answers: nothing computed
            assert shown == first_shown  # and the same numbers and intervals
        else:
            assert computed == {True: 1, False: 1}, (opening, computed)
            first_shown = shown


async def test_with_results_kept_the_answers_are_read_only_once_every_tab_is_drawn(tmp_path, monkeypatch):
    study, _run_id = staged_study(tmp_path / "s.db", "model", {})
    reads = []
    real = results_compute.frame_store.load_answer_frame

    def load(study, run_id):
        reads.append(app.screen.drawn)  # were all the tabs of the kept results drawn when the read began?
        return real(study, run_id)

    monkeypatch.setattr(results_compute.frame_store, "load_answer_frame", load)
    for opening, count in (("first", 1), ("again", 2)):
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert await wait_for(pilot, lambda: _intervals(screen) and screen.drawn and len(reads) == count), opening
    assert reads[0] is False  # nothing kept: the answers are read at once, to compute the numbers
    assert reads[1] is True  # kept: the drawing first, the answers after
