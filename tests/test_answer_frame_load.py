"""The answer frame read from the study file: the same answers, in plan order, as a row-by-row read."""

from __future__ import annotations

import threading

from tests.helpers.frames import assert_same, from_frame, row_by_row, settle_at_random
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store


def two_model_definition(**kw):
    return definition(models=[{"name": "zeta", "endpoints": ["http://127.0.0.1:1"]},
                              {"name": "alpha", "endpoints": ["http://127.0.0.1:1"]}], **kw)


def test_frame_matches_a_row_by_row_read_with_pending_items_interleaved(study):
    seed_study(study, 5)
    run_id = create_run(study, two_model_definition(repeats=3))
    settle_at_random(study, run_id, seed=1)
    frame = frame_store.load_answer_frame(study, run_id)
    assert_same(row_by_row(study, run_id), from_frame(frame))
    assert frame.model.labels == ("alpha", "zeta") and frame.server_error.any() and frame.refusal.any()


def test_a_later_load_sees_new_answers_and_another_run(study):
    seed_study(study, 4)
    first = create_run(study, definition(repeats=2))
    assert len(frame_store.load_answer_frame(study, first)) == 0
    settle_at_random(study, first, seed=2)
    assert_same(row_by_row(study, first), from_frame(frame_store.load_answer_frame(study, first)))
    second = create_run(study, two_model_definition(repeats=4))
    settle_at_random(study, second, seed=3)
    assert_same(row_by_row(study, second), from_frame(frame_store.load_answer_frame(study, second)))
    assert_same(row_by_row(study, first), from_frame(frame_store.load_answer_frame(study, first)))


def test_a_study_made_again_at_the_same_path_is_read_afresh(tmp_path):
    path = tmp_path / "again.db"
    for dilemmas, repeats in ((3, 2), (6, 5)):
        if path.exists():
            path.unlink()
        study = open_study(path, create=True)
        seed_study(study, dilemmas)
        run_id = create_run(study, definition(repeats=repeats))
        settle_at_random(study, run_id, seed=repeats)
        assert_same(row_by_row(study, run_id), from_frame(frame_store.load_answer_frame(study, run_id)))
        study.close()


def test_items_stored_while_the_frame_loads_are_left_for_the_next_load(study, monkeypatch):
    from valuegap_tui.evaluate import setup
    from valuegap_tui.evaluate.setup import rest_of_plan

    monkeypatch.setattr(setup, "STREAM_HEAD", 30)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=4), stream=True)
    settle_at_random(study, run_id, seed=4)
    original = frame_store._read_plan

    def plan_read_after_more_items(study_, run):  # the rest of the plan lands between the two reads
        run_store.add_items(study_, run, rest_of_plan(study_, run))
        return original(study_, run)

    monkeypatch.setattr(frame_store, "_read_plan", plan_read_after_more_items)
    frame = frame_store.load_answer_frame(study, run_id)
    assert run_store.stored_items(study, run_id) == 6 * 2 * 4
    assert_same(row_by_row(study, run_id), from_frame(frame))  # the new items are pending: not in the frame


def test_the_plan_is_read_beside_the_outcomes_on_a_connection_closed_after(study, monkeypatch):
    seed_study(study, 4)
    run_id = create_run(study, definition(repeats=2))
    settle_at_random(study, run_id, seed=2)
    frame_store._PLANS.clear()
    threads = []
    original = frame_store._read_plan
    monkeypatch.setattr(frame_store, "_read_plan",
                        lambda *args: threads.append(threading.current_thread()) or original(*args))
    before = study.open_connections
    frame = frame_store.load_answer_frame(study, run_id)
    assert threads and threads[0] is not threading.main_thread() and not threads[0].is_alive()
    assert study.open_connections == before  # the thread's own connection closed
    assert threading.active_count() == 1  # none left running: the report forks its drawing workers next
    assert_same(row_by_row(study, run_id), from_frame(frame))


def test_a_plan_read_ahead_that_misses_items_stored_before_the_outcomes_is_read_again(study, monkeypatch):
    from valuegap_tui.evaluate import setup
    from valuegap_tui.evaluate.setup import rest_of_plan

    monkeypatch.setattr(setup, "STREAM_HEAD", 30)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=4), stream=True)
    settle_at_random(study, run_id, seed=4)
    frame_store._PLANS.clear()
    reads = []
    original = frame_store._read_plan

    def plan_read_before_more_items(study_, run):  # the rest of the plan lands after it, before the outcomes
        plan = original(study_, run)
        if not reads:
            run_store.add_items(study_, run, rest_of_plan(study_, run))
        reads.append(plan.count)
        return plan

    class Finished(frame_store._PlanAhead):  # its read over before the outcomes are read
        def __init__(self, *args):
            super().__init__(*args)
            self.thread.join()

    monkeypatch.setattr(frame_store, "_read_plan", plan_read_before_more_items)
    monkeypatch.setattr(frame_store, "_PlanAhead", Finished)
    frame = frame_store.load_answer_frame(study, run_id)
    assert reads == [30, 6 * 2 * 4]  # read again, after the outcomes
    assert_same(row_by_row(study, run_id), from_frame(frame))
    settle_at_random(study, run_id, seed=5)  # the new items answered: the plan kept covers them
    assert_same(row_by_row(study, run_id), from_frame(frame_store.load_answer_frame(study, run_id)))
