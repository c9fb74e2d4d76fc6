"""Respond mode by keyboard: consent, a 12-question plan answered in two sittings, the answers in Results."""

from __future__ import annotations

from textual.widgets import DataTable, Markdown, OptionList, Static

from tests.helpers.runs import definition, seed_study
from tests.helpers.pilot import wait_for
from valuegap_tui.plan.items import LETTERS
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.respond import RespondApp, RespondScreen


def _plan(study):
    seed_study(study, 6)  # 6 dilemmas x (value, action) = 12 questions a round
    return create_run(study, definition(repeats=2))


def _agreeing_letter(question) -> str:
    """The letter of the option in catalogue position 0 (strongly agree / strongly aligning)."""
    return LETTERS[question.permutation.index("0")]


async def _answer(pilot, screen, count: int) -> None:
    for _ in range(count):
        question = screen.current
        await pilot.press(_agreeing_letter(question).lower())
        await pilot.press("enter")
        assert screen.current is not question


async def test_a_person_answers_twelve_questions_in_two_sittings(study):
    run_id = _plan(study)
    app = RespondApp(StudyResponder(study, run_id, "alice"))
    async with app.run_test(size=(110, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RespondScreen) and screen.phase == "consent"
        assert "Before you start" in screen.query_one(Markdown).source
        await pilot.press("enter")  # agree
        assert screen.phase == "question"
        body = str(screen.query_one("#respond-body", Static).render())
        assert "You face a choice." in body
        options = screen.query_one("#respond-options", OptionList)
        assert options.option_count == 6 and str(options.get_option_at_index(0).prompt).startswith("A. ")
        await pilot.press("enter")  # nothing picked yet: nothing is stored
        assert respondent_store.answered(study, run_id, "alice") == {}
        await _answer(pilot, screen, 6)
        assert "6 of 12 answered" in str(screen.query_one("#respond-progress-line", Static).render())
        await pilot.press("escape")  # pause
        assert screen.phase == "paused"
        await pilot.press("escape")  # leave
    assert len(respondent_store.answered(study, run_id, "alice")) == 6

    app = RespondApp(StudyResponder(study, run_id, "alice"))
    async with app.run_test(size=(110, 40)) as pilot:
        screen = app.screen
        assert screen.phase == "question"  # consent was given once; it resumes at question 7
        assert "6 of 12 answered" in str(screen.query_one("#respond-progress-line", Static).render())
        await _answer(pilot, screen, 6)
        assert screen.phase == "done"
        await pilot.press("enter")
    answered = respondent_store.answered(study, run_id, "alice")
    assert len(answered) == 12 and all(key[2] == 0 for key in answered)
    responses = [r for r in progress_store.responses_of(study, run_id)]
    assert len(responses) == 12 and all(r["outcome"] == "valid" and r["latency_s"] >= 0 for r in responses)

    # AR and AD as for a model: always the strongest agreeing option on both questions -> AR 1, AD 0
    frame = frame_store.load_answer_frame(study, run_id)
    assert "human:alice" in frame.model.labels
    by_model = compute_results(frame, bootstrap=False).overall.records()  # one row per model
    alice = next(r for r in by_model if r["model"] == "human:alice")
    assert alice["items"] == 6 and alice["alignment_rate"] == 1.0 and alice["alignment_distance"] == 0.0

    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(140, 45)) as pilot:
        conditions = app.screen.query_one("#results-conditions", DataTable)
        assert await wait_for(pilot, lambda: conditions.row_count >= 1)
        # the Results screen shows one respondent at a time: the person is one of the models to pick
        model_filter = app.screen.query_one("#results-model")
        assert await wait_for(pilot, lambda: "human:alice" in (getattr(model_filter, "_results_labels", None) or ()))


async def test_time_limit_moves_on_and_keeps_no_answer(study):
    run_id = _plan(study)
    app = RespondApp(StudyResponder(study, run_id, "bob", time_limit_s=0.3))
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("enter")
        screen = app.screen
        first = screen.current
        assert await wait_for(pilot, lambda: screen.current is not first, timeout=5)
    stored = respondent_store.answered(study, run_id, "bob")
    assert stored[(first.dilemma_id, first.question, first.repeat)] is None
    assert progress_store.item_statuses(study, run_id)  # the timed-out item is finished, not pending
    assert all(r["error"] == respondent_store.TIMED_OUT_ERROR for r in progress_store.responses_of(study, run_id))


async def test_leaving_at_consent_stores_nothing(study):
    run_id = _plan(study)
    app = RespondApp(StudyResponder(study, run_id, "carol"))
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("escape")
    assert respondent_store.get(study, run_id, "carol").consented_at is None
    assert respondent_store.answered(study, run_id, "carol") == {}


async def test_a_person_answers_by_mouse_with_the_give_answer_button(study):
    run_id = _plan(study)
    app = RespondApp(StudyResponder(study, run_id, "dora"))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")  # agree
        screen = app.screen
        first = screen.current
        body = str(screen.query_one("#respond-body", Static).render())
        assert "letter" not in body.lower() and "A. " not in body  # words for people, options apart
        await pilot.click("#respond-give")  # nothing chosen yet: nothing is given
        assert screen.current is first and respondent_store.answered(study, run_id, "dora") == {}
        assert "Choose an option first" in str(screen.query_one("#respond-message", Static).render())
        options = screen.query_one("#respond-options", OptionList)
        await pilot.click("#respond-options", offset=(4, 3))  # below the border, the third option: C
        await pilot.pause()
        assert options.highlighted == 2 and screen.current is first  # a click chooses, it does not give
        await pilot.click("#respond-give")
        await pilot.pause()
        assert screen.current is not first
    stored = respondent_store.answered(study, run_id, "dora")
    assert stored == {(first.dilemma_id, first.question, first.repeat): 2}
