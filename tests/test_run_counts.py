"""A run's progress counts, kept by the writes themselves (store/schema/v025_run_counts.py), against a
recount of its items and attempts one by one: after runs with faults, retries and resumes, re-opened
items, people answering, a write that fails half-way, two processes writing at once, and a study made
before the counts existed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from tests.helpers.clients import PlantedClient
from tests.helpers.collection import answer_model, staged_study
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import db as study_db
from valuegap_tui.store import open_study
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import results_cache
from valuegap_tui.store import run_progress
from valuegap_tui.store import runs as run_store

PROBS = [0.3, 0.25, 0.15, 0.1, 0.1, 0.1]


def assert_counts_exact(study, run_id):
    """Every figure read from the kept counts equals the same figure recounted from the items and
    attempts, and each recount is checked against the rows themselves."""
    kept = run_progress.progress(study, run_id)
    recounted = run_progress.progress(study, run_id, recount=True)
    assert kept == recounted
    statuses = dict(study.db.execute("SELECT status, COUNT(*) FROM run_items WHERE run_id = ? GROUP BY status",
                                     [run_id]).fetchall())
    assert kept.total == sum(statuses.values()) and kept.pending == statuses.get("pending", 0)
    (responses,) = study.db.execute("SELECT COUNT(*) FROM run_responses WHERE run_id = ?", [run_id]).fetchone()
    assert kept.responses == responses
    (pending,) = study.db.execute("SELECT COUNT(*) FROM run_items WHERE run_id = ? AND status = 'pending'",
                                  [run_id]).fetchone()
    assert results_cache.fingerprint(study, run_id).split(":")[2] == str(pending)
    done, total = run_progress.done_counts(study).get(run_id, (0, 0))
    assert (done, total) == (kept.done, kept.total)
    (covered,) = study.db.execute("SELECT COUNT(covered_mass) FROM run_responses WHERE run_id = ?",
                                  [run_id]).fetchone()
    assert (run_progress.coverage_of(study, run_id) is None) == (covered == 0)
    return kept


def test_counts_follow_a_run_with_faults_retries_reopened_items_and_a_resume(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=2, max_attempts=2))
    start = assert_counts_exact(study, run_id)
    assert start.pending == start.total == 6 * 2 * 2 and start.responses == 0
    # a server failing half the time: server errors, retries, items left as server errors
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(PROBS, PROBS, fault_rate=0.5, seed=4)}))
    faulty = assert_counts_exact(study, run_id)
    assert faulty.server_error > 0 and faulty.outcomes.get("server_error", 0) > faulty.server_error
    assert run_store.reopen_items(study, run_id, ("server_error",)) == faulty.server_error
    reopened = assert_counts_exact(study, run_id)
    assert reopened.pending == faulty.server_error and reopened.server_error == 0
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(PROBS, PROBS, seed=5)}))  # the resume
    done = assert_counts_exact(study, run_id)
    assert done.pending == 0 and done.answered == done.total and done.responses > done.total


def test_counts_follow_invalid_answers_server_errors_ended_and_people_answering(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 5})
    pending = run_store.pending_items(study, run_id, model="b", limit=6)
    run_store.record_attempts(study, run_id, [
        run_store.Attempt(pending[0].id, 1, "no_letter", "invalid", None, None, None, None),
        run_store.Attempt(pending[1].id, 1, "too_long", "invalid", None, None, None, None),
        run_store.Attempt(pending[2].id, 1, "server_error", "pending", None, None, None, None),
        run_store.Attempt(pending[3].id, 1, "low_coverage", "invalid", None, None, None, None, covered_mass=0.2)])
    assert_counts_exact(study, run_id)
    run_store.end_as_server_errors(study, [pending[2].id, pending[0].id])  # the second is no longer pending
    ended = assert_counts_exact(study, run_id)
    assert ended.server_error == 1 and ended.item_outcomes["too_long"] == 1
    assert run_progress.coverage_of(study, run_id).answers == 1
    assert run_store.reopen_items(study, run_id, ("invalid",)) == 3
    assert assert_counts_exact(study, run_id).item_outcomes.get("no_letter", 0) == 0

    people, people_run = staged_study(tmp_path / "p.db", "person", {"ann": 3, "bob": 0})
    answered = assert_counts_exact(people, people_run)
    assert answered.by_group  # a person's items count once answered, their total is their questionnaire
    assert respondent_store.progress(people, people_run)["human:ann"][0] == 3


def test_a_write_that_fails_half_way_leaves_the_counts_as_they_were(tmp_path):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 2})
    before = assert_counts_exact(study, run_id)
    item = run_store.pending_items(study, run_id, model="b", limit=1)[0]
    with pytest.raises(RuntimeError):
        with study.transaction() as db:
            db.execute("UPDATE run_items SET status = 'answered', outcome = 'valid' WHERE id = ?", [item.id])
            db.execute("INSERT INTO run_responses (run_id, item_id, attempt, outcome, created_at)"
                       " VALUES (?, ?, 1, 'valid', 'now')", [run_id, item.id])
            raise RuntimeError("the process fails before its transaction commits")
    assert assert_counts_exact(study, run_id) == before


WRITER = textwrap.dedent("""
    import sys
    from valuegap_tui.store import open_study
    from valuegap_tui.store import runs as run_store

    study = open_study(sys.argv[1])
    run_id, model = int(sys.argv[2]), sys.argv[3]
    while True:  # one small transaction per answer, as a run flushes them, interleaved with the other writer
        items = run_store.pending_items(study, run_id, model=model, limit=1)
        if not items:
            break
        outcome, status = ("valid", "answered") if items[0].id % 3 else ("no_letter", "invalid")
        run_store.record_attempts(study, run_id, [run_store.Attempt(items[0].id, 1, outcome, status, "A", 0, 0, 3)])
""")


def test_two_processes_answering_one_run_at_once_keep_the_counts_exact(tmp_path):
    """The app and a `valuegap run` on one study: two writers, each answering its own model's items."""
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 6)
    models = [{"name": name, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for name in ("m", "n")]
    run_id = create_run(study, definition(models=models, repeats=3))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(study.path), str(run_id), model])
               for model in ("m", "n")]
    seen = []
    while any(w.poll() is None for w in writers):  # read while they write: each read is one state
        seen.append(run_progress.progress(study, run_id).done)
    assert all(w.wait(timeout=60) == 0 for w in writers)
    assert seen == sorted(seen)
    done = assert_counts_exact(study, run_id)
    assert done.pending == 0 and done.invalid > 0 and done.responses == done.total


def test_a_study_made_before_the_counts_is_counted_when_opened(tmp_path, monkeypatch):
    every = study_db._migrations()
    counts = [number for number, name, _ in every if name == "run_counts"]
    monkeypatch.setattr(study_db, "_migrations", lambda: [m for m in every if m[0] not in counts])
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 7})
    assert not study.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'run_item_counts'").fetchone()
    study.close()
    monkeypatch.setattr(study_db, "_migrations", lambda: every)
    study = open_study(tmp_path / "s.db")
    counted = assert_counts_exact(study, run_id)
    assert counted.done > 7 and counted.pending > 3
    answer_model(study, run_id, "b", 3)  # and kept from then on
    assert assert_counts_exact(study, run_id).done == counted.done + 3


def test_a_study_has_answers_once_a_question_is_answered(tmp_path):
    # what decides whether the app starts the Results screen's interval processes ahead (tui/preload.py)
    study = open_study(tmp_path / "s.db", create=True)
    assert not run_progress.any_answered(study)  # no run
    seed_study(study, 4)
    run_id = create_run(study, definition(models=[{"name": "a", "endpoints": ["http://127.0.0.1:1"],
                                                   "concurrency": 8}], repeats=1))
    assert not run_progress.any_answered(study)  # planned, nothing asked
    run_store.end_as_server_errors(study, [i.id for i in run_store.pending_items(study, run_id, limit=3)])
    assert not run_progress.any_answered(study)  # asked, no answer
    answer_model(study, run_id, "a", 1)
    assert run_progress.any_answered(study)
    study.close()
