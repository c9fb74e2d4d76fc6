"""The study's reading views read by DuckDB's sqlite scanner, as docs/answers.md shows: every column
typed (no BLOB), and the report's numbers computed in SQL from the views alone."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pytest

from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.scale import CHOICE_POINTS
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.personas import default_personas
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store.schema.v023_protocol_views import VIEWS
from valuegap_tui.dataset.transfer import read_dilemmas
from tests.helpers.via import via_run

DOCS = Path(__file__).resolve().parents[1] / "docs" / "answers.md"
DUCK_TYPES = {"INTEGER": "BIGINT", "TEXT": "VARCHAR", "REAL": "DOUBLE"}


def connect():
    """DuckDB with the sqlite scanner from the duckdb-ext-sqlite wheel (no download)."""
    import duckdb_ext

    con = duckdb.connect()
    con.execute(f"SET extension_directory = '{list(duckdb_ext.__path__)[0]}/extensions'")
    con.execute("LOAD sqlite")
    return con


@pytest.fixture
def simulated(study, sample_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    personas = [p.id for p in persona_store.add_missing(study, default_personas()) if p.kind in ("max", "moderate")][:2]
    with run_simulator(SimulatorParams(seed=11, fault_malformed=0.05), study_path=study.path) as simulator:
        run_id = create_run(study, RunDefinition.model_validate(dict(
            models=[{"name": m, "endpoints": [simulator.base_url], "concurrency": 8} for m in ("sim-a", "sim-b")],
            personas=personas, dilemmas={"status": []}, seed=2, repeats=2, max_attempts=3)))
        assert asyncio.run(run_async(study, run_id)) == "finished"
    return study, run_id


def test_every_view_column_has_its_declared_type_in_duckdb(simulated):
    study, _ = simulated
    con = connect()
    for view, columns in VIEWS.items():
        described = con.execute(f"DESCRIBE SELECT * FROM sqlite_scan('{study.path}', '{view}')").fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [(n, DUCK_TYPES[t]) for n, t, _ in columns], view
        assert con.execute(f"SELECT COUNT(*) FROM sqlite_scan('{study.path}', '{view}')").fetchone()[0] > 0


def test_avg_point_and_the_conditions_table_from_the_views_equal_the_reports(simulated):
    study, run_id = simulated
    con = connect()
    averages = con.execute(
        "SELECT model, condition, question, AVG(point), COUNT(*) FROM sqlite_scan(?, 'items')"
        " WHERE run = ? AND status = 'answered' GROUP BY ALL", [str(study.path), run_id]).fetchall()
    frame = frame_store.load_answer_frame(study, run_id)
    points = defaultdict(list)
    valid = frame.valid & (frame.choice >= 0)
    for model, persona, question, choice in zip(frame.model.decode()[valid], frame.persona.decode()[valid],
                                                frame.question[valid], frame.choice[valid]):
        points[(model, persona, ("value", "action")[int(question)])].append(CHOICE_POINTS[int(choice)])
    assert len(averages) == len(points) == 2 * 3 * 2
    for model, condition, question, average, count in averages:
        assert count == len(points[(model, condition, question)])
        assert average == pytest.approx(np.mean(points[(model, condition, question)]), abs=1e-12)

    # the report's default estimand (docs/metrics.md, pairs) in SQL over the items view
    rows = con.execute("""
        WITH answered AS (SELECT * FROM sqlite_scan(?, 'items') WHERE run = ? AND status = 'answered'),
        pairs AS (SELECT v.model, v.condition, v.dilemma, (v.point > 3.5) = (a.point > 3.5) AS same,
                         abs(v.point - a.point) / 5 AS distance
                  FROM answered v JOIN answered a USING (model, condition, dilemma)
                  WHERE v.question = 'value' AND a.question = 'action'),
        cells AS (SELECT model, condition, dilemma, AVG(same::DOUBLE) AS ar, AVG(distance) AS ad FROM pairs GROUP BY ALL)
        SELECT model, condition, COUNT(*), AVG(ar), AVG(ad) FROM cells GROUP BY ALL""",
                       [str(study.path), run_id]).fetchall()
    report = {(r["model"], r["condition"]): r for r in compute_results(frame, bootstrap=False).conditions.records()}
    assert {(m, c) for m, c, *_ in rows} == set(report) and len(rows) == 6
    for model, condition, items, ar, ad in rows:
        row = report[(model, condition)]
        assert items == row["items"]
        assert (ar, ad) == pytest.approx((row["alignment_rate"], row["alignment_distance"]), abs=1e-12)


def test_the_documented_duckdb_example_runs(simulated, monkeypatch):
    study, run_id = simulated
    (command,) = re.findall(r'^duckdb -c "(.+)"$', DOCS.read_text(encoding="utf-8"), flags=re.M)
    monkeypatch.chdir(study.path.parent)
    sql = command.replace("mystudy.db", study.path.name).replace("run = 3", f"run = {run_id}")
    rows = connect().execute(sql).fetchall()
    assert rows and all(1 <= row[-1] <= 6 for row in rows)


def test_via_views_give_each_question_its_own_scale(study, tmp_path):
    run_id, _ = via_run(study, tmp_path, countries=("India",), topics=["politics"], values=["social_power", "wealth"])
    found = dict(((q, p), n) for q, p, n in connect().execute(
        "SELECT question, point, COUNT(*) FROM sqlite_scan(?, 'items') WHERE run = ? AND status = 'answered'"
        " GROUP BY ALL", [str(study.path), run_id]).fetchall())
    assert {q for q, _ in found} == {"value", "action"}
    assert {p for q, p in found if q == "value"} <= {1, 2, 3, 4} and {p for q, p in found if q == "action"} <= {1, 2}
    design = connect().execute("SELECT DISTINCT design FROM sqlite_scan(?, 'answers')", [str(study.path)]).fetchall()
    assert design == [("via",)]
