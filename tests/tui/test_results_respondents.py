"""The Results screen while people are half-way through a survey: it opens on a model, `m` steps through
every respondent (models, then people, those with no answer too), each with its progress, and the
Respondents tab sets them side by side with the paired comparisons."""

from __future__ import annotations

from textual.widgets import DataTable, Select, Static, TabbedContent

from tests.helpers.collection import staged_study
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import open_study
from tests.helpers.pilot import wait_for
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.tui.app import ValueGapApp


def _status(screen) -> str:
    return str(screen.query_one("#results-status", Static).render())


def _people(study, run_id, answered: dict[str, int]) -> None:
    for name, count in answered.items():
        responder = StudyResponder(study, run_id, name)
        responder.agree()
        for q in responder.questions[:count]:
            responder.answer(q, 0, 1.0)


async def test_two_models_and_people_mid_survey(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 10_000})  # a and b answered all, stopped
    _people(study, run_id, {"alice": 7, "bob": 40, "carol": 0, "dave": 1})  # mid-survey, finished, not started
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: "Run #1, model a:" in _status(screen) and "intervals" not in _status(screen))
        assert "(80 of 80 questions asked)" in _status(screen)
        collection = str(screen.query_one("#results-collection", Static).render())
        assert "Run #1 is stopped (stopped by the user)" in collection
        assert "1 of 4 people finished (still answering: alice 7/40, carol 0/40, dave 1/40)" in collection
        model = screen.query_one("#results-model", Select)
        expected = {"b": "Run #1, model b: 80 answers",
                    "human:alice": "human:alice: 7 answers (7 of 40 questions answered), no paired answers yet",
                    "human:bob": "Run #1, human:bob: 40 answers (40 of 40 questions answered), 20 items",
                    "human:carol": "human:carol: no answers yet (0 of 40 questions answered)",
                    "human:dave": "human:dave: 1 answer (1 of 40 questions answered), no paired answers yet",
                    "a": "Run #1, model a: 80 answers"}
        for name, text in expected.items():
            await pilot.press("m")
            assert await wait_for(pilot, lambda: model.value == name and text in _status(screen)), (name, _status(screen))
        await pilot.press("8")
        assert screen.query_one("#results-tabs", TabbedContent).active == "results-tab-respondents"
        table = screen.query_one("#respondents-table", DataTable)
        pairs = screen.query_one("#respondents-pairs", DataTable)
        assert await wait_for(pilot, lambda: pairs.row_count == 3 and "[" in str(pairs.get_row_at(0)[3]))
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}
        assert list(rows) == ["human:alice", "human:bob", "human:carol", "human:dave", "a", "b"]
        assert rows["human:alice"][1:4] == ["no paired answers yet", "7/40", "0"]
        assert rows["human:carol"][1:4] == ["no answers yet", "0/40", "0"]
        assert rows["human:bob"][1:4] == ["finished", "40/40", "20"]
        assert rows["a"][3] == "20"  # on bob's 20 dilemmas, in his option order, not on its 40 answers a side
        seconds = [str(pairs.get_row_at(i)[1]) for i in range(3)]
        assert seconds == ["b", "people (1)", "people (1)"]
        assert "condition baseline" in str(screen.query_one("#respondents-pairs-title", Static).render())


async def test_a_run_with_no_answers_yet(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 20)
    create_run(study, definition(models=[{"name": "a", "endpoints": ["http://127.0.0.1:1"]}], repeats=2))
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: "Run #1, a: no answers yet (0 of 80 questions asked)." in _status(screen))
        assert "models asked 0 of 80 planned questions (80 pending)" in str(
            screen.query_one("#results-collection", Static).render())
        await pilot.press("8")
        table = screen.query_one("#respondents-table", DataTable)
        assert await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[1]) == "no answers yet"


async def test_models_with_no_one_and_a_few_answers(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"mnone": 0, "mone": 1, "mfew": 7})
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: "Run #1, model a:" in _status(screen) and "intervals" not in _status(screen))
        conditions = screen.query_one("#results-conditions", DataTable)
        expected = {"mfew": ("model mfew: 7 answers (7 of 80 questions asked), 2 items", 1),
                    "mnone": ("mnone: no answers yet (0 of 80 questions asked)", 0),
                    "mone": ("mone: 1 answer (1 of 80 questions asked), no paired answers yet", 0)}
        for name, (text, rows) in expected.items():
            await pilot.press("m")
            assert await wait_for(pilot, lambda: text in _status(screen) and conditions.row_count == rows), name
        await pilot.press("3")  # the heatmap of a respondent with no items: empty, no error
        await pilot.press("8")
        pairs = screen.query_one("#respondents-pairs", DataTable)
        assert await wait_for(pilot, lambda: pairs.row_count == 1)
        assert [str(c) for c in pairs.get_row_at(0)[:3]] == ["a", "mfew", "2"]
