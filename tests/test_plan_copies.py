"""A run's plan kept in the study (store/plan_copies.py): a later process reads it instead of joining the
items, the frame is byte for byte the one read from the items, and every change to what the plan is read
from makes a kept copy unused."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers.runs import definition, two_model_run
from tests.helpers.frames import assert_same, frame_bytes, frame_digest, from_frame, row_by_row, settle_at_random
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import open_study
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import plan_copies
from valuegap_tui.store import respondents as respondent_store


def _study_run(study, answered_by_alice=6):
    """Two models, personas of two kinds beside the baseline, answers settled at random, and a person
    half-way through her questions."""
    run_id = two_model_run(study, ("zeta", "alpha"), dilemmas=5)
    settle_at_random(study, run_id, seed=7)
    responder = StudyResponder(study, run_id, "alice")
    if not responder.consented():
        responder.agree()
    for index, question in enumerate(responder.questions[:answered_by_alice]):
        responder.answer(question, index % 6, 1.5)
    return run_id


def _fresh_process(monkeypatch=None):
    """As a new process: nothing kept in memory; with ``monkeypatch``, reading the plan from the items fails."""
    frame_store._PLANS.clear()
    if monkeypatch is not None:
        def no_plan_read(*_):
            raise AssertionError("the plan was read from the items")
        monkeypatch.setattr(frame_store, "_read_plan", no_plan_read)


def _key(study, run_id):
    return frame_store._plan_key(study, run_id)


def test_a_later_process_reads_the_kept_plan_and_gets_the_same_frame_byte_for_byte(study, monkeypatch):
    run_id = _study_run(study)
    _fresh_process()
    read_from_items = frame_store.load_answer_frame(study, run_id)
    assert plan_copies.kept(study, run_id, _key(study, run_id))  # kept by the first load
    assert_same(row_by_row(study, run_id), from_frame(read_from_items))
    assert "human:alice" in read_from_items.model.labels and len(read_from_items.persona.labels) == 4

    with monkeypatch.context() as patch:
        _fresh_process(patch)
        from_copy = frame_store.load_answer_frame(study, run_id)
    assert frame_bytes(from_copy) == frame_bytes(read_from_items)

    plan_copies.forget(study)
    _fresh_process()
    assert frame_bytes(frame_store.load_answer_frame(study, run_id)) == frame_bytes(read_from_items)


def _more_items(study, run_id):  # the person answers more questions: new items of her own
    responder = StudyResponder(study, run_id, "alice")
    assert len(responder.questions) >= 10
    for question in responder.questions[6:10]:  # not answered yet
        responder.answer(question, 2, 1.0)


def _new_respondent(study, run_id):  # a person registered, with no answer yet: a model label more
    respondent_store.register(study, run_id, "bob", "baseline", 2)


def _item_deleted(study, run_id):
    study.db.execute("DELETE FROM run_items WHERE id = (SELECT max(id) FROM run_items WHERE run_id = ?"
                     " AND status != 'pending' AND model = 'zeta')", [run_id])


def _item_deleted_and_another_added(study, run_id):  # the item count as it was
    _item_deleted(study, run_id)
    _more_items_one(study, run_id)


def _more_items_one(study, run_id):
    responder = StudyResponder(study, run_id, "alice")
    responder.answer(responder.questions[6], 1, 1.0)


def _item_moved(study, run_id):
    study.db.execute("UPDATE run_items SET repeat = repeat + 50 WHERE id = (SELECT min(id) FROM run_items"
                     " WHERE run_id = ? AND status = 'answered')", [run_id])


def _item_renumbered(study, run_id):  # another place in the plan's order
    study.db.execute("UPDATE run_items SET id = (SELECT max(id) + 1 FROM run_items) WHERE id = (SELECT min(id)"
                     " FROM run_items WHERE run_id = ? AND status = 'answered')", [run_id])


def _dilemma_relabelled(study, run_id):
    study.db.execute("UPDATE run_dilemmas SET value_id = 'wealth', topic_id = 'religion' WHERE run_id = ?"
                     " AND rowid = (SELECT min(rowid) FROM run_dilemmas WHERE run_id = ?)", [run_id, run_id])


def _condition_changed(study, run_id):
    study.db.execute("UPDATE run_personas SET kind = 'incongruous' WHERE run_id = ? AND kind = 'max'", [run_id])


def _definition_changed(study, run_id):
    (text,) = study.db.execute("SELECT definition_json FROM runs WHERE id = ?", [run_id]).fetchone()
    record = json.loads(text)
    record["models"].append({**record["models"][0], "name": "beta"})  # a model more: the codes move
    study.db.execute("UPDATE runs SET definition_json = ? WHERE id = ?", [json.dumps(record), run_id])


def _reading_changed(study, run_id):  # another valuegap reads plans into other codes
    frame_store._plan_version.cache_clear()
    frame_store._PLAN_FORMAT += 1


CHANGES = [_more_items, _new_respondent, _item_deleted, _item_deleted_and_another_added, _item_moved, _item_renumbered,
           _dilemma_relabelled, _condition_changed, _definition_changed, _reading_changed]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_to_what_the_plan_is_read_from_leaves_the_copy_unused(study, monkeypatch, change):
    monkeypatch.setattr(frame_store, "_PLAN_FORMAT", frame_store._PLAN_FORMAT)
    frame_store._plan_version.cache_clear()
    run_id = _study_run(study)
    _fresh_process()
    frame_store.load_answer_frame(study, run_id)
    kept_under = _key(study, run_id)
    assert plan_copies.kept(study, run_id, kept_under)

    change(study, run_id)
    try:
        assert _key(study, run_id) != kept_under
        assert not plan_copies.kept(study, run_id, _key(study, run_id))
        _fresh_process()
        reads = []
        original = frame_store._read_plan
        monkeypatch.setattr(frame_store, "_read_plan", lambda *args: reads.append(1) or original(*args))
        frame = frame_store.load_answer_frame(study, run_id)
        assert reads  # read from the items, not from the stale copy
        assert_same(row_by_row(study, run_id), from_frame(frame))
        assert plan_copies.kept(study, run_id, _key(study, run_id))  # kept again, under the new key
    finally:
        frame_store._plan_version.cache_clear()


def test_answers_arriving_keep_the_copy_in_use(study, monkeypatch):
    run_id = _study_run(study)
    _fresh_process()
    frame_store.load_answer_frame(study, run_id)
    # a model's answers update its items; they add none
    study.db.execute("UPDATE run_items SET status = 'answered', position = 2, choice = 1, score = 2, outcome = 'valid'"
                     " WHERE run_id = ? AND status = 'pending' AND model = 'zeta'", [run_id])
    _fresh_process(monkeypatch)
    assert_same(row_by_row(study, run_id), from_frame(frame_store.load_answer_frame(study, run_id)))


def test_a_consent_recorded_keeps_the_copy_in_use(study):
    run_id = _study_run(study)
    frame_store.load_answer_frame(study, run_id)
    kept_under = _key(study, run_id)
    respondent_store.set_pack_hash(study, run_id, "alice", "abc")
    respondent_store.record_consent(study, run_id, "alice", "def")
    assert _key(study, run_id) == kept_under


def test_a_study_locked_by_another_writer_is_read_without_keeping_a_copy_and_without_waiting(tmp_path):
    path = tmp_path / "locked.db"
    study = open_study(path, create=True)
    run_id = _study_run(study)
    study.close()
    study = open_study(path)
    study.busy_timeout_s = 60.0  # what a write waits for a lock: the copy must not wait that long
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        _fresh_process()
        started = time.monotonic()
        frame = frame_store.load_answer_frame(study, run_id)
        assert time.monotonic() - started < 20
        assert_same(row_by_row(study, run_id), from_frame(frame))
        assert not plan_copies.kept(study, run_id, _key(study, run_id))  # nothing kept, nothing lost
        study.db.execute("SELECT 1").fetchone()
        assert not study.db.conn.in_transaction
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert int(study.db.execute("PRAGMA busy_timeout").fetchone()[0]) == 60_000  # its own wait again
    frame_store.load_answer_frame(study, run_id)
    study.close()


def test_a_read_only_study_is_read_with_or_without_a_copy(tmp_path, monkeypatch):
    from tests.helpers.root import read_only_view

    folder = tmp_path / "studies"
    folder.mkdir()
    for name, keep in (("with.db", True), ("without.db", False)):
        study = open_study(folder / name, create=True)
        run_id = _study_run(study)
        if keep:
            frame_store.load_answer_frame(study, run_id)
        else:
            plan_copies.forget(study)
        expected = row_by_row(study, run_id)
        study.close()
        with read_only_view(folder, tmp_path / "view") as view:
            study = open_study(view / name)
            assert study.read_only
            with monkeypatch.context() as patch:
                _fresh_process(patch if keep else None)
                assert_same(expected, from_frame(frame_store.load_answer_frame(study, run_id)))
            assert (plan_copies.kept(study, run_id, _key(study, run_id))) == keep
            study.close()



def test_a_copy_written_by_another_process_is_read_here(tmp_path, monkeypatch):
    path = tmp_path / "shared.db"
    study = open_study(path, create=True)
    run_id = _study_run(study)
    code = ("import sys; from tests.helpers.frames import frame_digest; from valuegap_tui.store import open_study;"
            " from valuegap_tui.store import answer_frame as f; s = open_study(sys.argv[1]);"
            " print(frame_digest(f.load_answer_frame(s, int(sys.argv[2]))))")
    other = subprocess.run([sys.executable, "-c", code, str(path), str(run_id)], capture_output=True, text=True,
                           check=True)
    assert frame_store.plan_kept(study, run_id)  # kept by the other process
    _fresh_process(monkeypatch)
    assert frame_digest(frame_store.load_answer_frame(study, run_id)) == other.stdout.strip()
    study.close()


def test_editing_the_dataset_or_a_persona_after_the_run_keeps_the_copy_in_use(study, monkeypatch):
    """A run keeps snapshots of its dilemmas and conditions: edits to the dataset or a persona change what
    later runs ask, not this run's plan."""
    from valuegap_tui.store import dilemmas as dilemma_store

    run_id = _study_run(study)
    frame_store.load_answer_frame(study, run_id)
    kept_under = _key(study, run_id)
    dilemma = next(iter(dilemma_store.iter_dilemmas(study)))
    dilemma.value, dilemma.topic = "equality", "religion"  # relabelled in the dataset
    dilemma_store.save(study, dilemma, who="test", action="relabel")
    persona = next(p for p in persona_store.list_all(study) if p.kind == "max")
    persona_store.save(study, persona.model_copy(update={"name": "edited", "kind": "moderate"}))
    assert _key(study, run_id) == kept_under
    _fresh_process(monkeypatch)
    assert_same(row_by_row(study, run_id), from_frame(frame_store.load_answer_frame(study, run_id)))


def test_a_second_run_given_more_items_is_read_whole_from_its_first_item(study):
    first = _study_run(study)
    second = create_run(study, definition(repeats=2))
    settle_at_random(study, second, seed=9)
    frame_store.load_answer_frame(study, first)
    frame_store.load_answer_frame(study, second)
    responder = StudyResponder(study, second, "carol")
    if not responder.consented():
        responder.agree()
    for question in responder.questions[:5]:
        responder.answer(question, 3, 1.0)  # new items of the second run, after the first run's ids
    for run_id in (first, second):
        assert_same(row_by_row(study, run_id), from_frame(frame_store.load_answer_frame(study, run_id)))


def test_a_study_made_before_the_copies_keeps_them_once_opened(tmp_path, monkeypatch):
    from valuegap_tui.store import db as study_db

    every = study_db._migrations()
    monkeypatch.setattr(study_db, "_migrations", lambda: [m for m in every if m[1] != "plan_copies"])
    path = tmp_path / "older.db"
    study = open_study(path, create=True)
    run_id = _study_run(study)
    expected = row_by_row(study, run_id)
    study.close()
    monkeypatch.setattr(study_db, "_migrations", lambda: every)
    study = open_study(path)
    _fresh_process()
    assert_same(expected, from_frame(frame_store.load_answer_frame(study, run_id)))
    assert frame_store.plan_kept(study, run_id)
    _condition_changed(study, run_id)  # and edits are counted from then on
    assert not frame_store.plan_kept(study, run_id)
    study.close()


@pytest.mark.parametrize("fresh", [True, False], ids=["another process", "this process"])
def test_items_added_since_are_read_alone_and_joined_to_the_kept_plan(study, monkeypatch, fresh):
    from valuegap_tui.evaluate import setup
    from valuegap_tui.evaluate.setup import rest_of_plan
    from valuegap_tui.store import runs as run_store

    monkeypatch.setattr(setup, "STREAM_HEAD", 30)
    run_id = _study_run(study)
    streamed = create_run(study, definition(repeats=6), stream=True)  # a plan still streaming in
    settle_at_random(study, streamed, seed=3)
    for run in (run_id, streamed):
        frame_store.load_answer_frame(study, run)
    _more_items(study, run_id)
    run_store.add_items(study, streamed, rest_of_plan(study, streamed))
    settle_at_random(study, streamed, seed=4)
    reads = []
    original = frame_store._read_plan
    monkeypatch.setattr(frame_store, "_read_plan", lambda *args: reads.append(args[2:]) or original(*args))
    for run in (run_id, streamed):
        reads.clear()
        if fresh:
            frame_store._PLANS.clear()
        frame = frame_store.load_answer_frame(study, run)
        assert reads and all(after and after[0] > 0 for after in reads)  # only the items after the kept ones
        assert_same(row_by_row(study, run), from_frame(frame))
        assert frame_store.plan_kept(study, run)  # the joined plan kept in turn
        plan_copies.forget(study, run)
        frame_store._PLANS.clear()
        reads.clear()
        assert frame_bytes(frame_store.load_answer_frame(study, run)) == frame_bytes(frame)  # read whole: the same
        assert reads == [()]
