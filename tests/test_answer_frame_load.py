"""The answer frame read from the study file: the same answers, in plan order, as a row-by-row read."""

from __future__ import annotations

import json
import random
import threading

import numpy as np

from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store

SCORES = (3, 2, 1, -1, -2, -3)


def settle_at_random(study, run_id: int, seed: int) -> None:
    """Every kind of item state, interleaved with pending items: answered (some with a distribution),
    invalid (some refusals), server errors."""
    rng = random.Random(seed)
    updates = []
    for item in run_store.all_items(study, run_id):
        status = rng.choice(["pending", "answered", "answered", "invalid", "server_error"])
        choice = rng.randrange(6) if status == "answered" else None
        distribution = None
        if status == "answered" and rng.random() < 0.5:
            weights = [rng.random() for _ in range(6)]
            distribution = json.dumps([w / sum(weights) for w in weights])
        updates.append((status, choice, None if choice is None else rng.randrange(6),
                        None if choice is None else SCORES[choice], int(status == "invalid" and rng.random() < 0.5),
                        distribution, item.id))
    with study.transaction() as db:
        db.conn.executemany("UPDATE run_items SET status = ?, choice = ?, position = ?, score = ?, refusal = ?,"
                            " distribution_json = ? WHERE id = ?", updates)


def row_by_row(study, run_id: int) -> list[tuple]:
    rows = study.db.execute(
        "SELECT i.model, i.persona_id, p.kind, i.dilemma_id, d.value_id, d.topic_id, i.question, i.repeat, i.score,"
        " i.position, i.choice, i.refusal, i.status = 'server_error', i.distribution_json FROM run_items i"
        " JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id"
        " JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"
        " WHERE i.run_id = ? AND i.status != 'pending' ORDER BY i.id", [run_id]).fetchall()
    return [(m, p, k, d, v, t, q, r, np.nan if s is None else float(s), -1 if pos is None else pos,
             -1 if c is None else c, bool(ref), bool(err), json.loads(dist) if dist else None)
            for m, p, k, d, v, t, q, r, s, pos, c, ref, err, dist in rows]


def from_frame(frame) -> list[tuple]:
    columns = [frame.model.decode(), frame.persona.decode(), frame.persona_kind.decode(), frame.dilemma.decode(),
               frame.value.decode(), frame.topic.decode(), frame.question, frame.repeat, frame.score, frame.position,
               frame.choice, frame.refusal, frame.server_error]
    rows = []
    for index in range(len(frame)):
        row = [c[index].item() if hasattr(c[index], "item") else c[index] for c in columns]
        distribution = frame.distribution[index]
        rows.append((*row, None if np.isnan(distribution).all() else list(distribution)))
    return rows


def assert_same(expected: list[tuple], got: list[tuple]) -> None:
    assert len(got) == len(expected)
    for want, have in zip(expected, got):
        assert have[:8] == want[:8]
        assert (np.isnan(have[8]) and np.isnan(want[8])) or have[8] == want[8]
        assert have[9:13] == want[9:13]
        assert (have[13] is None) == (want[13] is None)
        if want[13] is not None:
            assert np.allclose(have[13], want[13])


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

    def plan_read_after_more_items(study_, run, key):  # the rest of the plan lands between the two reads
        run_store.add_items(study_, run, rest_of_plan(study_, run))
        return original(study_, run, key)

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

    def plan_read_before_more_items(study_, run, key):  # the rest of the plan lands after it, before the outcomes
        plan = original(study_, run, key)
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
