"""A server that stops answering mid-run stops that model's requests within a minute: the run ends
stopped, loses nothing, says so once, and `run resume` finishes it when the server is back. (Before,
a run whose server died after 300 of 2,000 replies was still going 610 s later at about one item a
second, printing a line per failed request.)"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time

from tests.helpers.fake_openai_server import FakeServer, chat_reply
from tests.helpers.runs import seed_study
from tests.helpers.answer_server import SERVER, free_port, write_definition
from valuegap_tui.cli import main
from valuegap_tui.evaluate.execute import RunControl, RunExecutor
from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


def _serve(tmp_path, port: int, delay_s: float) -> subprocess.Popen:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(delay_s)])
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the answer server did not start")


def _no_item_answered_twice(responses) -> bool:
    valid = [r["item_id"] for r in responses if r["outcome"] == "valid"]
    return len(valid) == len(set(valid))


async def test_a_model_whose_server_dies_is_stopped_and_keeps_its_items_pending(study, planned, caplog):
    run_id = planned(n_dilemmas=12, repeats=5, max_attempts=3)  # 120 items
    server = await FakeServer(reply=chat_reply("B"), latency_s=0.01).start()
    profile = ServerProfile(name="f", model="m", endpoints=[Endpoint(url=server.base_url, concurrency=4)],
                            max_attempts=6, backoff_base_s=0.05, backoff_max_s=0.2, timeout_s=5)

    async def kill_after(n: int) -> None:
        while len(server.bodies) < n:
            await asyncio.sleep(0.005)
        await server.stop()

    control = RunControl()
    async with ModelPool(profile) as pool:
        with caplog.at_level(logging.INFO, logger="valuegap"):
            killer = asyncio.create_task(kill_after(30))
            started = time.monotonic()
            status = await RunExecutor(study, run_id, {"m": pool}, control=control, unreachable_stop_s=1.0).run()
            took = time.monotonic() - started
            await killer
    p = progress_store.progress(study, run_id)
    assert status == "stopped" and took < 10
    assert "stopped answering" in control.reason and "resume" in control.reason
    assert p.pending > 0 and p.answered >= 20 and p.server_error == 0
    assert p.answered + p.pending == p.total  # nothing ended as a failure: the rest waits for the server
    assert _no_item_answered_twice(progress_store.responses_of(study, run_id))
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    retries = [r for r in caplog.records if r.levelno == logging.INFO and "retry" in r.getMessage()]
    # not one line per failed request: said once, again only if a late reply came in between (the
    # server's last answers can arrive after its first refusal), and once when the model is stopped
    assert len(retries) >= 10 and len(warnings) <= 5, warnings
    assert sum("stopped answering" in w and "requests were stopped" in w for w in warnings) == 1


def test_a_run_whose_server_dies_ends_stopped_within_a_minute_and_resumes(tmp_path):
    """End to end: `run start --plain`, the server killed mid-run, the run ends by itself within 60 s
    (30 s of silence, then the stop), printing a few lines; the server comes back; `run resume` finishes."""
    study_path = tmp_path / "s.db"
    study = open_study(study_path, create=True)
    seed_study(study, 12)
    port = free_port()
    server = _serve(tmp_path, port, 0.12)  # about 33 answers/s at 4 in flight: 120 items take ~4 s
    definition = write_definition(tmp_path / "run.toml", f"http://127.0.0.1:{port}/v1", repeats=5)
    run = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "run", "start", str(definition), "--plain",
                            "--study", str(study_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = run_store.list_runs(study)
            if runs and progress_store.progress(study, runs[0].id).done >= 20:
                break
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        killed = time.monotonic()
        output, _ = run.communicate(timeout=90)
        took = time.monotonic() - killed
    finally:
        run.kill()
        server.kill()
    run_id = run_store.list_runs(study)[0].id
    before = progress_store.progress(study, run_id)
    assert run.returncode == 3 and took < 60, (took, output)
    assert run_store.get_run(study, run_id).status == "stopped" and before.pending > 0
    about_it = [line for line in output.splitlines() if "stopped answering" in line or "connection" in line]
    assert 1 <= len(about_it) <= 3 and len(output.splitlines()) < 30, output
    server = _serve(tmp_path, port, 0.004)
    try:
        assert main(["run", "resume", str(run_id), "--plain", "--study", str(study_path)]) == 0
    finally:
        server.kill()
        server.wait(timeout=10)
    after = progress_store.progress(study, run_id)
    assert after.answered == after.total == 120 and after.pending == 0
    assert _no_item_answered_twice(progress_store.responses_of(study, run_id))
    study.close()
