"""Batch engines: a run planned without sending, exported as files per model and per limit with a
manifest, answered offline by the simulator in each engine's shape, and imported back from outputs that
come split, shuffled, partial and duplicated: the study ends as a direct run leaves it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from pathlib import Path

import pytest

from tests.helpers.runs import seed_study
from valuegap_tui.cli import main
from valuegap_tui.evaluate.batch import BatchError, export_batch, import_batch
from valuegap_tui.evaluate.batch.export import read_manifest
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.simulator import SimulatorParams, run_simulator
from valuegap_tui.simulator.batch import answer_batch
from valuegap_tui.store import open_study
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import runs as run_store

PARAMS = SimulatorParams(seed=5)


def definition(models=("sim-a", "sim-b"), url="http://127.0.0.1:9/v1", **kw) -> RunDefinition:
    base = dict(models=[{"name": m, "endpoints": [url], "concurrency": 8} for m in models], repeats=2, seed=7,
                max_tokens=16)
    base.update(kw)
    return RunDefinition.model_validate(base)


def new_study(path: Path, n_dilemmas: int = 5):
    study = open_study(path, create=True)
    seed_study(study, n_dilemmas)
    return study


def item_states(study, run_id: int) -> dict[int, tuple]:
    rows = study.db.execute("SELECT id, status, position, choice, score, outcome FROM run_items WHERE run_id = ?"
                            " ORDER BY id", [run_id]).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def stored(study, run_id: int) -> str:
    rows = study.db.execute("SELECT item_id, attempt, outcome, letter, raw_text FROM run_responses WHERE run_id = ?"
                            " ORDER BY item_id, attempt", [run_id]).fetchall()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def test_run_plan_stores_the_plan_and_sends_nothing(tmp_path, capsys):
    study = new_study(tmp_path / "s.db", 3)
    toml = tmp_path / "run.toml"
    toml.write_text('name = "b"\nrepeats = 2\n[[models]]\nname = "m"\nendpoints = ["http://127.0.0.1:9/v1"]\n')
    assert main(["run", "plan", str(toml), "--study", str(study.path)]) == 0
    assert "planned run 1" in capsys.readouterr().out and "nothing sent" in capsys.readouterr().out + "nothing sent"
    p = progress_store.progress(study, 1)
    assert p.total == 3 * 2 * 2 == p.pending and p.responses == 0
    assert run_store.get_run(study, 1).status == "planned"


def test_export_writes_a_file_per_model_and_limit_and_a_manifest(tmp_path):
    study = new_study(tmp_path / "s.db", 5)
    run_id = create_run(study, definition())  # 2 models x 5 dilemmas x 2 questions x 2 repeats = 40 items
    out = tmp_path / "out"
    manifest = export_batch(study, run_id, out, target="openai", max_lines=7)
    assert [f.lines for f in manifest.files] == [7, 7, 6, 7, 7, 6] and manifest.lines == 40
    assert {f.model for f in manifest.files[:3]} == {"sim-a"} and {f.model for f in manifest.files[3:]} == {"sim-b"}
    written = read_manifest(out / "manifest.json")
    assert written["config_hash"] == run_store.get_run(study, run_id).config_hash and written["target"] == "openai"
    assert written["models"] == {"sim-a": {"lines": 20, "files": [f.file for f in manifest.files[:3]]},
                                 "sim-b": {"lines": 20, "files": [f.file for f in manifest.files[3:]]}}
    seen = []
    for entry in written["files"]:
        data = (out / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        lines = [json.loads(line) for line in data.decode().splitlines()]
        assert len(lines) == entry["lines"] and {line["body"]["model"] for line in lines} == {entry["model"]}
        assert lines[0]["custom_id"] == entry["first_custom_id"] and lines[-1]["custom_id"] == entry["last_custom_id"]
        assert all(line["url"] == "/v1/chat/completions" and line["method"] == "POST" for line in lines)
        seen += [line["custom_id"] for line in lines]
    assert len(seen) == len(set(seen)) == 40
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no half-written file left
    # the byte limit splits as well, and --model keeps one model
    small = export_batch(study, run_id, tmp_path / "bytes", max_bytes=6000, model="sim-b")
    assert {f.model for f in small.files} == {"sim-b"} and all(f.bytes <= 6000 for f in small.files)
    assert len(small.files) > 1 and small.lines == 20
    # the targets' own limits by default
    assert export_batch(study, run_id, tmp_path / "vllm", target="vllm").files[0].lines == 20
    with pytest.raises(BatchError, match="no model 'nope'"):
        export_batch(study, run_id, tmp_path / "x", model="nope")


def _shuffled_outputs(out: Path, answered: list[Path], tmp_path: Path) -> list[Path]:
    """Every result line, shuffled, in three partial files, one of them repeating lines of another."""
    lines = [line for path in answered for line in path.read_text().splitlines()]
    random.Random(3).shuffle(lines)
    thirds = [lines[0::3], lines[1::3], lines[2::3]]
    thirds[2] = thirds[2] + thirds[0][:5]  # duplicated answers
    paths = []
    for i, part in enumerate(thirds):
        path = tmp_path / f"results-{i}.jsonl"
        path.write_text("\n".join(part) + "\n")
        paths.append(path)
    return paths


def test_split_shuffled_partial_outputs_give_the_same_study_as_a_direct_run(tmp_path):
    direct = new_study(tmp_path / "direct.db")
    batch = new_study(tmp_path / "batch.db")
    with run_simulator(PARAMS, study_path=direct.path) as simulator:
        run_id = create_run(direct, definition(url=simulator.base_url))
        assert asyncio.run(run_async(direct, run_id)) == "finished"
    assert create_run(batch, definition()) == run_id  # the same items, the same ids
    manifest = export_batch(batch, run_id, tmp_path / "requests", target="openai", max_lines=9)
    answered = []
    for f in manifest.files:
        result = tmp_path / "answers" / f.file
        result.parent.mkdir(exist_ok=True)
        assert answer_batch(tmp_path / "requests" / f.file, result, PARAMS, study_path=batch.path)["answered"] == f.lines
        answered.append(result)
    first, second, third = _shuffled_outputs(tmp_path / "requests", answered, tmp_path)
    partial = import_batch(batch, run_id, [third])  # part of the answers
    assert partial.pending == 40 - 18 and partial.files[0].answered == 18
    report = import_batch(batch, run_id, [second, first, third])  # the rest, in another order, some twice
    assert report.pending == 0 and report.status == "finished"
    second_report, first_report, third_report = report.files
    assert second_report.answered + first_report.answered == 40 - 18
    assert first_report.already == 5  # the lines the third file repeated: stored by the first import
    assert third_report.duplicates + third_report.already == 18 and third_report.answered == 0
    assert item_states(batch, run_id) == item_states(direct, run_id)
    before = stored(batch, run_id)
    again = import_batch(batch, run_id, [first, second, third])  # importing twice changes nothing
    assert again.imported == 0 and stored(batch, run_id) == before


def _error_lines(run_id: int, items) -> list[str]:
    cid = [f"run{run_id}-item{i.id}-attempt1" for i in items]
    return [json.dumps(line) for line in (
        {"custom_id": cid[0], "response": None, "error": {"code": "batch_expired", "message": "expired"}},
        {"custom_id": cid[1], "response": None, "error": {"code": "batch_cancelled", "message": "cancelled"}},
        {"custom_id": cid[2], "response": {"status_code": 400, "body": {"error": {
            "message": "This model's maximum context length is 2048 tokens. However, you requested 4300 tokens."}}},
         "error": None},
        {"custom_id": cid[3], "response": {"status_code": 500, "body": {"error": {"message": "overloaded"}}},
         "error": None},
        {"custom_id": cid[4], "result": {"type": "errored", "error": {"type": "error", "error": {
            "type": "invalid_request_error", "message": "prompt is too long: 250000 tokens > 200000 maximum"}}}},
        {"custom_id": cid[5], "result": {"type": "expired"}},
        {"custom_id": cid[6], "result": {"type": "succeeded", "message": {
            "content": [{"type": "text", "text": "C"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 300, "output_tokens": 1}}}},
    )]


def test_errors_expiry_and_cancellation_are_told_apart(tmp_path, capsys):
    study = new_study(tmp_path / "s.db", 2)
    run_id = create_run(study, definition(models=("m",), max_attempts=2))  # 8 items
    items = run_store.all_items(study, run_id)
    errors = tmp_path / "errors.jsonl"
    errors.write_text("\n".join(_error_lines(run_id, items)) + "\n")
    assert main(["run", "import-batch", str(run_id), str(errors), "--study", str(study.path)]) == 0
    out = capsys.readouterr().out
    assert "1 answered" in out and "errored server_error 1, too_long 2" in out and "2 expired and 1 canceled" in out
    after = {i.id: i for i in run_store.all_items(study, run_id)}
    states = item_states(study, run_id)
    assert [states[i.id][0] for i in items[:7]] == ["pending", "pending", "invalid", "pending", "invalid",
                                                   "pending", "answered"]
    assert [after[i.id].attempts for i in items[:7]] == [0, 0, 1, 1, 1, 0, 1]  # expiry stores no attempt
    assert states[items[2].id][4] == states[items[4].id][4] == "too_long"
    # the next export asks what is still open: the expired, the canceled, the failed and the never-sent
    manifest = export_batch(study, run_id, tmp_path / "again")
    ids = [json.loads(line)["custom_id"] for line in (tmp_path / "again" / manifest.files[0].file).read_text().splitlines()]
    assert f"run{run_id}-item{items[3].id}-attempt2" in ids and f"run{run_id}-item{items[0].id}-attempt1" in ids
    assert len(ids) == 8 - 3  # not the answered one, not the two too long for the context


def test_a_line_of_another_run_refuses_the_whole_import(tmp_path):
    study = new_study(tmp_path / "s.db", 2)
    run_id = create_run(study, definition(models=("m",)))
    items = run_store.all_items(study, run_id)
    good = {"custom_id": f"run{run_id}-item{items[0].id}-attempt1",
            "response": {"status_code": 200, "body": {"choices": [{"message": {"content": "B"}}]}}, "error": None}
    stranger = dict(good, custom_id=f"run{run_id + 1}-item1-attempt1")
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(stranger) + "\n")
    with pytest.raises(BatchError, match="mixed.jsonl:2: custom_id 'run2-item1-attempt1' is not a request of run 1"):
        import_batch(study, run_id, [path])
    assert progress_store.progress(study, run_id).responses == 0  # nothing written


def test_anthropic_batches_round_trip_in_text_mode_and_refuse_logprobs(tmp_path, capsys):
    study = new_study(tmp_path / "s.db", 3)
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.store import personas as persona_store

    persona = next(p for p in generate_personas() if p.kind == "max")
    persona_store.save_many(study, [persona])
    run_id = create_run(study, definition(models=("claude",), personas=[persona.id], temperature=0.7))
    manifest = export_batch(study, run_id, tmp_path / "req", target="anthropic")
    lines = [json.loads(line) for line in (tmp_path / "req" / manifest.files[0].file).read_text().splitlines()]
    params = [line["params"] for line in lines]
    assert all(set(line) == {"custom_id", "params"} for line in lines)
    assert all(p["max_tokens"] == 16 and p["temperature"] == 0.7 and "seed" not in p for p in params)
    assert all(m["role"] == "user" for p in params for m in p["messages"])
    assert sum("system" in p for p in params) == len(params) // 2  # the persona's condition, its text apart
    result = tmp_path / "res.jsonl"
    assert main(["simulate", "--batch", str(tmp_path / "req" / manifest.files[0].file), str(result),
                 "--expire", "0.2", "--study", str(study.path)]) == 0
    assert "SIMULATED" in capsys.readouterr().out
    report = import_batch(study, run_id, [result])
    expired = report.files[0].expired
    assert expired > 0 and report.files[0].answered + sum(report.files[0].invalid.values()) == len(lines) - expired
    assert report.pending == expired
    logprobs = create_run(study, definition(models=("claude",), answer_mode="logprobs", name="lp"))
    with pytest.raises(BatchError, match="Anthropic's Message Batches take no logprobs"):
        export_batch(study, logprobs, tmp_path / "lp", target="anthropic")
    assert not list((tmp_path / "lp").glob("*.jsonl"))


def test_a_run_asked_several_ways_goes_through_a_batch_engine_in_each_protocols_words(tmp_path):
    """Batch files carry every protocol's request as a direct run sends it (third-person: no system text,
    the condition in the question; abstain: the seventh option), and the imported answers keep their
    protocol, abstentions counted apart."""
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.protocols import ABSTAIN_ACTION_OPTION, ABSTAIN_VALUE_OPTION
    from valuegap_tui.simulator.params import ProtocolEffect
    from valuegap_tui.store import personas as persona_store
    from valuegap_tui.store.answer_frame import load_answer_frame

    study = new_study(tmp_path / "s.db", 4)
    persona = next(p for p in generate_personas() if p.kind == "max")
    persona_store.save_many(study, [persona])
    protocols = ["standard", "abstain", "third-person"]
    run_id = create_run(study, definition(models=("sim",), personas=[persona.id], protocols=protocols, repeats=3))
    manifest = export_batch(study, run_id, tmp_path / "req", target="vllm")
    (batch_file,) = [tmp_path / "req" / f.file for f in manifest.files]
    lines = [json.loads(line) for line in batch_file.read_text().splitlines()]
    items = {str(i.id): i for i in run_store.all_items(study, run_id)}
    by_protocol = {}
    for line in lines:
        item_id = line["custom_id"].split("-")[1].removeprefix("item")  # run<r>-item<i>-attempt<a>
        by_protocol.setdefault(items[item_id].protocol, []).append(line["body"])
    assert set(by_protocol) == set(protocols) and len({len(v) for v in by_protocol.values()}) == 1
    for body in by_protocol["third-person"]:
        assert [m["role"] for m in body["messages"]] == ["user"]  # the condition is in the question
    for body in by_protocol["standard"] + by_protocol["abstain"]:
        text = body["messages"][-1]["content"]
        offered = ABSTAIN_VALUE_OPTION in text or ABSTAIN_ACTION_OPTION in text
        assert offered == (body in by_protocol["abstain"])
    result = tmp_path / "res.jsonl"
    planted = SimulatorParams(seed=5, protocol_effects={"abstain": ProtocolEffect(abstain=0.5)})
    answer_batch(batch_file, result, planted, study_path=study.path, target="vllm")
    import_batch(study, run_id, [result])
    frame = load_answer_frame(study, run_id)
    assert set(frame.protocol.decode()) == set(protocols)
    abstain = frame.protocol.codes == frame.protocol.labels.index("abstain")
    assert frame.abstained[abstain].any() and not frame.abstained[~abstain].any()
    assert frame.valid[~abstain].all()  # every wording read back as an answer
