"""The study's reading views (answers, items, dilemmas_flat) appear on an old study and count like the tables."""

from __future__ import annotations

import asyncio
import sqlite3

from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import db as study_db
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.dataset.transfer import read_dilemmas

VIEWS_VERSION = 12
TYPED_VIEWS_VERSION = 22  # the views again, every column with a declared type
PROTOCOL_VIEWS_VERSION = 23  # and again, with the protocol


def _old_study(path, sample_path, monkeypatch):
    """A study made without the views' migration, holding dilemmas and a finished simulator run (every
    other migration is applied: today's code writes today's columns)."""
    every = study_db._migrations()
    without_views = (VIEWS_VERSION, TYPED_VIEWS_VERSION, PROTOCOL_VIEWS_VERSION)
    monkeypatch.setattr(study_db, "_migrations", lambda: [m for m in every if m[0] not in without_views])
    study = open_study(path, create=True)
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    with run_simulator(SimulatorParams(seed=2, fault_malformed=0.1), study_path=study.path) as simulator:
        run_id = create_run(study, RunDefinition.model_validate(dict(
            models=[{"name": "sim", "endpoints": [simulator.base_url], "concurrency": 8}],
            dilemmas={"status": []}, repeats=2, max_attempts=4)))
        assert asyncio.run(run_async(study, run_id)) == "finished"
    assert VIEWS_VERSION not in study._applied_versions()
    assert not study.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'answers'").fetchone()
    study.close()
    monkeypatch.setattr(study_db, "_migrations", lambda: every)
    return run_id


def test_views_appear_on_an_old_study_with_the_tables_counts(tmp_path, sample_path, monkeypatch):
    path = tmp_path / "old.db"
    run_id = _old_study(path, sample_path, monkeypatch)
    with open_study(path) as study:
        assert study.schema_version >= TYPED_VIEWS_VERSION
    # read as any SQL tool would: a plain connection, no valuegap code
    conn = sqlite3.connect(path)
    try:
        views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        assert {"answers", "items", "dilemmas_flat"} <= views

        def count(sql):
            return conn.execute(sql).fetchone()[0]

        assert count("SELECT COUNT(*) FROM answers") == count("SELECT COUNT(*) FROM run_responses") > 0
        assert count("SELECT COUNT(*) FROM items") == count("SELECT COUNT(*) FROM run_items") > 0
        assert count("SELECT COUNT(*) FROM dilemmas_flat") == count("SELECT COUNT(*) FROM dilemmas") == 8
        assert count("SELECT COUNT(*) FROM answers WHERE final = 1") == count(
            "SELECT COUNT(*) FROM run_items WHERE status = 'answered'")
        assert count("SELECT COUNT(*) FROM answers WHERE outcome != 'valid'") == count(
            "SELECT COUNT(*) FROM run_responses WHERE outcome != 'valid'")
        # plain names and readable codes
        row = conn.execute("SELECT run, model, condition, question, option, point, score, letter FROM items"
                           " WHERE status = 'answered' LIMIT 1").fetchone()
        assert row[0] == run_id and row[1] == "sim" and row[2] == "baseline" and row[3] in ("value", "action")
        assert row[5] == 6 - row[4] and (row[6] > 0) == (row[5] > 3.5) and row[7] in "ABCDEF"
        first = conn.execute("SELECT dilemma, option_1_text, option_1_label, option_6_label FROM dilemmas_flat"
                             " ORDER BY dilemma LIMIT 1").fetchone()
        with open_study(path) as study:
            stored = dilemma_store.get(study, first[0])
        assert first[1] == stored.options[0].text
        assert (first[2], first[3]) == (stored.options[0].label.value, stored.options[5].label.value)
    finally:
        conn.close()
