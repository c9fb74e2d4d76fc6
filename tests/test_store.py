from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.store import StudyError, open_study
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.dilemmas import make_dilemma


def test_new_study_uses_wal_and_foreign_keys(study):
    assert study.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert study.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert study.schema_version >= 1


def test_save_get_and_history(study):
    d = make_dilemma()
    assert dilemma_store.save(study, d, who="ana", action="create") == 1
    changed = d.model_copy(update={"status": DilemmaStatus.ACCEPTED})
    assert dilemma_store.save(study, changed, who="ben", action="decision") == 2
    assert dilemma_store.get(study, d.id).status is DilemmaStatus.ACCEPTED
    entries = dilemma_store.history(study, d.id)
    assert [(e.who, e.action, e.revision) for e in entries] == [("ana", "create", 1), ("ben", "decision", 2)]
    assert entries[0].before is None and entries[1].before.status is DilemmaStatus.DRAFT
    assert entries[1].after.status is DilemmaStatus.ACCEPTED
    assert [e.action for e in dilemma_store.history_by(study, "ben")] == ["decision"]


def test_history_is_append_only(study):
    d = make_dilemma()
    dilemma_store.save(study, d, who="ana", action="create")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        study.db.execute("UPDATE dilemma_history SET who = 'eve'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        study.db.execute("DELETE FROM dilemma_history")


def test_save_many_is_all_or_nothing(study):
    good = make_dilemma()

    class Boom(Exception):
        pass

    def exploding():
        yield good
        raise Boom

    with pytest.raises(Boom):
        dilemma_store.save_many(study, exploding(), who="x", action="import")
    assert dilemma_store.count(study) == 0 and dilemma_store.history_count(study) == 0


def test_filters_and_counts(study):
    dilemma_store.save_many(
        study,
        [make_dilemma(value="wisdom", topic="politics"), make_dilemma(value="honest", topic="religion"),
         make_dilemma(value="honest", topic="politics", status="accepted")],
        who="x", action="import",
    )
    assert dilemma_store.counts_by(study, "status") == {"accepted": 1, "draft": 2}
    assert dilemma_store.counts_by(study, "topic_id") == {"politics": 2, "religion": 1}
    assert [d.id for d in dilemma_store.iter_dilemmas(study, value_ids=["honest"])] == [
        "honest--politics--1", "honest--religion--1"]
    assert [r.id for r in dilemma_store.list_rows(study, status="accepted")] == ["honest--politics--1"]


def test_missing_study_and_foreign_files_are_clear_errors(tmp_path):
    with pytest.raises(StudyError, match="no study at"):
        open_study(tmp_path / "absent.db")
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    with pytest.raises(StudyError, match="not a study database"):
        open_study(junk)


def test_newer_schema_is_refused(study, tmp_path):
    study.db.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    study.db.conn.commit()
    with pytest.raises(StudyError, match="newer valuegap"):
        open_study(study.path)


def _append_history(path, worker, count):
    s = open_study(path)
    for i in range(count):
        d = make_dilemma(value="wisdom", topic="politics", variant=1 + worker, scenario=f"w{worker} edit {i}")
        dilemma_store.save(s, d, who=f"worker{worker}", action="edit")
    s.close()


def test_two_processes_appending_history_lose_nothing(tmp_path):
    path = tmp_path / "shared.db"
    open_study(path, create=True).close()
    per_worker = 150
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_history, args=(path, w, per_worker)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
        assert p.exitcode == 0
    s = open_study(path)
    assert dilemma_store.history_count(s) == 2 * per_worker
    for w in range(2):
        entries = dilemma_store.history(s, f"wisdom--politics--{1 + w}")
        assert [e.revision for e in entries] == list(range(1, per_worker + 1))
        assert entries[-1].after.scenario == f"w{w} edit {per_worker - 1}"


def test_connections_of_finished_threads_are_closed(study):
    import threading

    def read():
        dilemma_store.count(study)

    for _ in range(20):
        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
    dilemma_store.count(study)  # this thread's connection prunes the finished ones
    assert study.open_connections <= 2


def test_the_review_list_is_read_from_an_index_alone(study):
    """The list of 10,000 dilemmas took 36-49 ms to read, stepping from the order index into each
    table row with its long texts; the list's columns in one covering index make it a scan of that."""
    dilemma_store.save_many(study, [make_dilemma(variant=i) for i in range(1, 4)], who="x", action="import")
    plans: list[str] = []
    study.db.conn.set_trace_callback(plans.append)
    for status in (None, "draft", ["draft", "accepted"]):
        for limit in (None, 2):
            plans.clear()
            rows = dilemma_store.list_rows(study, status=status, limit=limit)
            assert len(rows) == (limit or 3)
            (sql,) = [s for s in plans if s.lstrip().upper().startswith("SELECT")]
            detail = " ".join(r[3] for r in study.db.conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "COVERING INDEX" in detail and "TEMP B-TREE" not in detail, detail
    study.db.conn.set_trace_callback(None)
    row, first = dilemma_store.list_rows(study)[0], make_dilemma(variant=1)
    assert (row.id, row.value_id, row.variant, row.status, row.flags) == (first.id, first.value, 1, "draft", ())
