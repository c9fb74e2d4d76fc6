"""A run with conditions written by hand: their text is sent, snapshotted, and their answers land under
their own kind rows in the live table and the metrics."""

from __future__ import annotations

import asyncio

from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.personas import generate_personas
from valuegap_tui.personas.written import roleplay_conditions, written_condition
from valuegap_tui.report.writer import report_run, run_extremities
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.simulator import SimulatorParams, behaviour, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.dataset.transfer import read_dilemmas

NURSE = "You are a retired nurse from a small town.\nYou answer as yourself."


def test_custom_and_instruction_conditions_run_under_their_own_kinds(study, sample_path, monkeypatch, tmp_path):
    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    nurse = written_condition("Retired nurse", "custom", NURSE)
    (care,) = roleplay_conditions(["benevolence"])
    moderate = next(p for p in generate_personas() if p.kind == "moderate")
    persona_store.save_many(study, [nurse, care, moderate])

    seen: list[str | None] = []
    parse = behaviour.parse_persona
    monkeypatch.setattr(behaviour, "parse_persona", lambda system: (seen.append(system), parse(system))[1])
    with run_simulator(SimulatorParams(seed=5), study_path=study.path) as simulator:
        definition = RunDefinition.model_validate(dict(
            models=[{"name": simulator.params.model_name, "endpoints": [simulator.base_url], "concurrency": 8}],
            personas=[nurse.id, care.id, moderate.id], dilemmas={"status": [], "limit": 6}, repeats=2, seed=1))
        run_id = create_run(study, definition)
        assert asyncio.run(run_async(study, run_id)) == "finished"

    # what was sent is the text as written, and the run keeps it with the condition's attributes
    assert NURSE in seen and care.text in seen
    snapshots = run_store.personas_of(study, run_id)
    assert snapshots[nurse.id].system_text == NURSE and snapshots[nurse.id].kind == "custom"
    assert snapshots[care.id].kind == "instruction"
    assert snapshots[care.id].attributes["value_type"] == "benevolence"
    assert snapshots[nurse.id].position is None and snapshots[nurse.id].extremity is None
    assert snapshots[moderate.id].attributes == {} and snapshots[moderate.id].extremity is not None

    # the live table (inside the database) and the metrics package give each kind its own row
    frame = frame_store.load_answer_frame(study, run_id)
    for rows in (live_gap_by_kind(study, run_id), gap_by_kind(frame)):
        kinds = [row.kind for row in rows]
        assert kinds == ["baseline", "moderate", "custom", "instruction"], kinds
        by_kind = {row.kind: row for row in rows}
        for kind in ("custom", "instruction"):
            assert by_kind[kind].personas == 1 and by_kind[kind].pairs == 6
            assert by_kind[kind].delta_rate is not None  # compared with the same model's baseline
    # written conditions have no extremity: the extremity adjustment leaves them out, not at 0
    extremities, missing = run_extremities(study, run_id)
    assert moderate.id in extremities and nurse.id not in extremities and care.id not in extremities
    assert missing == []
    report_run(study, run_id, tmp_path / "report")  # the report takes them in its stride
    kinds_csv = next((tmp_path / "report").glob("*kinds*.csv")).read_text()
    assert "custom" in kinds_csv and "instruction" in kinds_csv

    # a run keeps its snapshot: the condition cannot be deleted while the run refers to it
    assert persona_store.runs_using(study, care.id) == [run_id]
