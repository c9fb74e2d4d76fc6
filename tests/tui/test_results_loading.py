"""The Results screen while it loads: numbers first, intervals after, keys served in between, and results
kept for the run's answers shown again without computing until a new answer arrives."""

from __future__ import annotations

from textual.widgets import DataTable, Static, TabbedContent

from tests.helpers.collection import answer_model, staged_study
from tests.helpers.results_app import CountedCompute
from tests.helpers.pilot import wait_for
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens import results_compute
from valuegap_tui.tui.widgets.respondents_pane import RespondentsCache


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


def _extras_shown(screen) -> tuple:
    """What the screen shows of the respondents, the answers per condition and the adjusted kinds."""
    people = screen.query_one("#respondents-table", DataTable)
    pairs = screen.query_one("#respondents-pairs", DataTable)
    rows = tuple(tuple(str(cell) for cell in table.get_row_at(i)) for table in (people, pairs)
                 for i in range(table.row_count))
    return (rows, str(screen.query_one("#results-answers-conditions", Static).render()),
            str(screen.query_one("#results-kind-chart", Static).render()), str(screen.query_one("#results-model").value),
            str(screen.query_one("#results-collection", Static).render()))


async def test_a_reopen_shows_the_kept_respondents_answers_and_kinds_without_reading_the_answers(tmp_path,
                                                                                                   monkeypatch):
    """Kept with the results: what the screen would read from the answers after drawing them, shown the
    same; the run's status changing (not its answers) has it read again, after the drawing."""
    from valuegap_tui.respond.session import StudyResponder
    from valuegap_tui.store import runs as run_store

    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})  # two models, the run stopped
    responder = StudyResponder(study, run_id, "ann")  # and a person half-way through
    responder.agree()
    for question in responder.questions[:7]:
        responder.answer(question, 0, 1.0)
    reads = []
    real = results_compute.frame_store.load_answer_frame

    def load(study, run_id):
        reads.append(app.screen.drawn)  # were all the tabs of the kept results drawn when the read began?
        return real(study, run_id)

    monkeypatch.setattr(results_compute.frame_store, "load_answer_frame", load)
    shown = {}
    for opening, count in (("first", 1), ("again", 1), ("after the run's status changed", 2)):
        if opening == "after the run's status changed":
            run_store.set_status(study, run_id, "running")
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            for key in ("2", "4", "8"):  # the Kinds, Answers and Respondents tabs composed
                await pilot.press(key)
            assert await wait_for(pilot, lambda: _intervals(screen) and screen.drawn and len(reads) == count
                                  and screen.query_one("#respondents-table", DataTable).row_count == 3), opening
            await pilot.pause(0.3)  # whatever the worker would still do
            shown[opening] = _extras_shown(screen)
        assert len(reads) == count, opening  # kept: the answers are not read again
    assert reads[0] is False  # nothing kept: the answers are read at once, to compute the numbers
    assert reads[1] is True  # the status changed: the drawing first, the answers after
    assert shown["again"] == shown["first"]
    assert "Adjusted for extremity" in shown["first"][2] and shown["first"][1].strip()
    assert "is stopped" in shown["first"][4] and "is running" in shown["after the run's status changed"][4]
    assert shown["after the run's status changed"][:4] == shown["first"][:4]


async def test_a_run_whose_process_dies_is_shown_interrupted_without_a_key(tmp_path, monkeypatch):
    """A run killed while its results are on screen commits nothing more: the screen still finds out and
    stops saying the run is running."""
    import socket
    import subprocess
    import sys

    from valuegap_tui.store import runs as run_store
    from valuegap_tui.tui.screens import results as results_screen

    monkeypatch.setattr(results_screen, "RUN_STATUS_POLL_S", 0.2)
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 4})
    runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run_store.set_status(study, run_id, "running")
        study.set_meta(f"run.{run_id}.runner", f"{socket.gethostname()} {runner.pid}")
        app = ValueGapApp(study, start_mode="results")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            collection = screen.query_one("#results-collection", Static)
            assert await wait_for(pilot, lambda: _intervals(screen) and "is running" in str(collection.render()))
            await pilot.pause(2)  # whatever the screen itself still writes (its kept results)
            runner.kill()
            runner.wait(timeout=10)
            assert await wait_for(pilot, lambda: "is interrupted" in str(collection.render()), timeout=10), \
                str(collection.render())
            assert await wait_for(pilot, lambda: _intervals(screen))
    finally:
        runner.kill()
        runner.wait(timeout=10)



async def test_the_respondents_intervals_wait_for_the_tables_intervals_to_be_drawn(tmp_path, monkeypatch):
    """The intervals' children wait for no one, so nothing of this interpreter's that can wait competes
    with them: the respondents' intervals are computed once the tables' are on screen, then shown."""
    study, _run_id = staged_study(tmp_path / "s.db", "model", {})
    CountedCompute(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    asked: list[tuple[bool, bool]] = []  # (with intervals, the tables' intervals on screen by then)
    given = {}
    original = RespondentsCache.get

    def counting_get(cache, *args, bootstrap, **kwargs):
        asked.append((bootstrap, app.screen._with_intervals))
        given[bootstrap] = original(cache, *args, bootstrap=bootstrap, **kwargs)
        return given[bootstrap]

    monkeypatch.setattr(RespondentsCache, "get", counting_get)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: _intervals(screen) and any(b for b, _ in asked)), _status(screen)
        assert asked[0] == (False, False)  # the respondents' numbers beside the tables' numbers
        assert [drawn for bootstrap, drawn in asked if bootstrap] == [True]
        assert await wait_for(pilot, lambda: screen._who is given[True])  # then shown
