"""`valuegap run` end to end over HTTP: kill -9 then resume, batch export/import round trip."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers.runs import seed_study
from tests.helpers.answer_server import start_server, write_definition
from valuegap_tui.cli import main
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


@pytest.fixture
def slow_answer_server(tmp_path):
    """About 33 answers/s at 4 in flight: a run of 120 items takes about 4 s, in many batches, so a kill
    lands mid-run even on a loaded machine."""
    proc, url = start_server(tmp_path, 0.12)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_kill_then_resume_loses_and_duplicates_nothing(tmp_path, slow_answer_server):
    answer_server = slow_answer_server
    study_path = tmp_path / "s.db"
    study = open_study(study_path, create=True)
    seed_study(study, 12)
    study.close()
    definition = write_definition(tmp_path / "run.toml", answer_server, repeats=5)
    proc = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "run", "start", str(definition), "--plain",
                             "--study", str(study_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    study = open_study(study_path)
    deadline = time.monotonic() + 60
    target = random.Random().randint(5, 60)
    while time.monotonic() < deadline:
        runs = run_store.list_runs(study)
        if runs and progress_store.progress(study, runs[0].id).done >= target:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    run_id = run_store.list_runs(study)[0].id
    before = progress_store.progress(study, run_id)
    assert 0 < before.done < before.total
    assert before == progress_store.progress(study, run_id, recount=True)  # the kept counts, as killed
    assert main(["run", "resume", str(run_id), "--plain", "--study", str(study_path)]) == 0
    after = progress_store.progress(study, run_id)
    responses = progress_store.responses_of(study, run_id)
    assert after.total == 12 * 2 * 5 and after.done == after.total and after.pending == 0
    assert after == progress_store.progress(study, run_id, recount=True)
    assert len({r["item_id"] for r in responses}) == after.total  # nothing lost
    assert len(responses) == after.total  # nothing asked twice (every answer valid)
    assert main(["run", "status", str(run_id), "--study", str(study_path)]) == 0


def test_batch_export_import_round_trip(tmp_path, capsys):
    study_path = tmp_path / "s.db"
    study = open_study(study_path, create=True)
    seed_study(study, 3)
    definition = write_definition(tmp_path / "run.toml", "http://127.0.0.1:9/v1", repeats=2)
    assert main(["run", "plan", str(definition), "--study", str(study_path)]) == 0
    run_id = run_store.list_runs(study)[0].id
    out = tmp_path / "batch"
    assert main(["run", "export-batch", str(run_id), str(out), "--study", str(study_path)]) == 0
    (written,) = json.loads((out / "manifest.json").read_text())["files"]
    lines = [json.loads(l) for l in (out / written["file"]).read_text().splitlines()]
    assert len(lines) == 3 * 2 * 2
    assert all(l["method"] == "POST" and l["url"] == "/v1/chat/completions" for l in lines)
    assert lines[0]["body"]["model"] == "tiny" and lines[0]["body"]["messages"][-1]["role"] == "user"
    results = tmp_path / "results.jsonl"
    with results.open("w") as handle:
        for n, line in enumerate(lines):
            body = {"choices": [{"message": {"content": "ABCDEF"[n % 6]}, "finish_reason": "stop"}]}
            handle.write(json.dumps({"id": str(n), "custom_id": line["custom_id"],
                                     "response": {"status_code": 200, "body": body}, "error": None}) + "\n")
    assert main(["run", "import-batch", str(run_id), str(results), "--study", str(study_path)]) == 0
    progress = progress_store.progress(study, run_id)
    assert progress.answered == len(lines) and progress.pending == 0
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    for response in progress_store.responses_of(study, run_id):
        assert response["choice"] == int(items[response["item_id"]].permutation["ABCDEF".index(response["letter"])])
    # importing the same file again changes nothing
    assert main(["run", "import-batch", str(run_id), str(results), "--study", str(study_path)]) == 0
    assert len(progress_store.responses_of(study, run_id)) == len(lines)
    study.close()


def test_bad_definition_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("repeats = 0\n")
    open_study(tmp_path / "s.db", create=True).close()
    assert main(["run", "start", str(bad), "--study", str(tmp_path / "s.db")]) == 2
    assert "models" in capsys.readouterr().err


def test_demo_evaluation_against_a_server(study, sample_path, answer_server):
    from valuegap_tui.evaluate.demo import run_demo_evaluation
    from valuegap_tui.dataset.transfer import read_dilemmas
    from valuegap_tui.store import dilemmas as dilemma_store

    dilemma_store.save_many(study, read_dilemmas(sample_path), who="t", action="import")
    run_id = run_demo_evaluation(study, answer_server, dilemmas=3)
    progress = progress_store.progress(study, run_id)
    assert run_store.get_run(study, run_id).status == "finished"
    assert progress.answered == progress.total >= 3 * 2 * 2
    assert study.get_meta("runs.selected") == str(run_id)


def test_a_run_started_without_a_terminal_prints_progress_lines_not_the_app(tmp_path, answer_server):
    # measured: `valuegap run start run.toml > run.log` opened the app anyway and wrote its screen codes
    # (the alternate screen, mouse tracking, cursor moves) into the file
    study_path = tmp_path / "s.db"
    study = open_study(study_path, create=True)
    seed_study(study, 2)
    study.close()
    definition = write_definition(tmp_path / "run.toml", answer_server, repeats=1)
    done = subprocess.run([sys.executable, "-m", "valuegap_tui", "run", "start", str(definition), "--study",
                           str(study_path)], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr
    assert b"done" in done.stdout
    study = open_study(study_path)
    run_id = run_store.list_runs(study)[0].id
    assert progress_store.progress(study, run_id).pending == 0
    study.close()
