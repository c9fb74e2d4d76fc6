"""A run that can no longer write stops sending, keeps what it wrote, says why; a killed run shows
as interrupted; both resume without losing or repeating an answer."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time


from tests.helpers.clients import TimedClient
from tests.helpers.runs import FLUSH_S, run_definition, seed_study
from tests.helpers.answer_server import start_server, write_definition
from tests.helpers.root import mounted
from valuegap_tui.cli import main
from valuegap_tui.evaluate.execute import RunControl, RunExecutor
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


def inject_write_failure(monkeypatch, after_batches: int, message: str = "database or disk is full"):
    """record_attempts fails from its (after_batches + 1)th call on; returns when it first failed."""
    real = run_store.record_attempts
    state = {"calls": 0, "failed_at": None}

    def failing(study, run_id, attempts):
        state["calls"] += 1
        if state["calls"] > after_batches:
            if state["failed_at"] is None:
                state["failed_at"] = time.monotonic()
            raise sqlite3.OperationalError(message)
        return real(study, run_id, attempts)

    monkeypatch.setattr(run_store, "record_attempts", failing)
    return state


def test_write_failure_stops_sending_within_one_flush_and_resume_finishes(study, planned, monkeypatch):
    run_id = planned(repeats=10)  # 240 items
    state = inject_write_failure(monkeypatch, after_batches=3)
    client = TimedClient(delay_s=0.02)
    control = RunControl()
    executor = RunExecutor(study, run_id, {"m": client}, control=control, flush_interval_s=FLUSH_S)
    status = asyncio.run(executor.run())

    assert status == "stopped" and state["failed_at"] is not None
    assert "disk is full" in control.reason and "resume" in control.reason
    late = [t for t in client.sent_at if t > state["failed_at"] + FLUSH_S]
    assert late == []  # nothing sent later than one flush interval after the failure
    stored = progress_store.responses_of(study, run_id)
    assert len(stored) == executor.counters.written > 0
    assert executor.counters.unsaved == executor.counters.received - executor.counters.written > 0
    assert len(client.sent_at) < 240  # it did not go on asking for answers it could not keep
    assert run_store.get_run(study, run_id).stop_reason == control.reason

    monkeypatch.undo()
    second = TimedClient()
    assert asyncio.run(RunExecutor(study, run_id, {"m": second}).run()) == "finished"
    responses = progress_store.responses_of(study, run_id)
    progress = progress_store.progress(study, run_id)
    assert progress.answered == progress.total == 240
    assert len(responses) == 240 and len({r["item_id"] for r in responses}) == 240  # none lost, none twice
    assert len(second.sent_at) == 240 - len(stored)  # resume asked exactly the unsaved ones


def test_lock_held_past_the_busy_timeout_is_a_write_failure_too(study, planned, monkeypatch):
    run_id = planned(n_dilemmas=3)
    inject_write_failure(monkeypatch, after_batches=0, message="database is locked")
    control = RunControl()
    status = asyncio.run(RunExecutor(study, run_id, {"m": TimedClient()}, control=control,
                                     flush_interval_s=FLUSH_S).run())
    assert status == "stopped" and "write lock" in control.reason
    assert progress_store.progress(study, run_id).done == 0


def test_cli_exits_non_zero_and_says_why_when_it_cannot_write(tmp_path, monkeypatch, capsys):
    proc, url = start_server(tmp_path, 0.002)
    try:
        study_path = tmp_path / "s.db"
        study = open_study(study_path, create=True)
        seed_study(study, 6)
        definition = write_definition(tmp_path / "run.toml", url, repeats=5)
        assert main(["run", "start", str(definition), "--plan-only", "--study", str(study_path)]) == 0
        inject_write_failure(monkeypatch, after_batches=0)
        assert main(["run", "resume", "1", "--plain", "--study", str(study_path)]) == 1
        out = capsys.readouterr().out
        assert "cannot write to the study: database or disk is full" in out and "run resume 1" in out
        monkeypatch.undo()
        assert main(["run", "resume", "1", "--plain", "--study", str(study_path)]) == 0
        assert progress_store.progress(study, 1).answered == 60
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_full_disk_stops_the_run_and_the_study_stays_usable(tmp_path):
    small, moved = tmp_path / "small", tmp_path / "big"
    with mounted(small, "-t", "tmpfs", "-o", "size=2m", "tmpfs"):
        study = open_study(small / "s.db", create=True)
        try:
            seed_study(study, 12)
            run_id = create_run(study, run_definition(repeats=40))  # 960 items
            # 4,000-character replies: the 2 MB file system fills after a few hundred answers
            control = RunControl()
            executor = RunExecutor(study, run_id, {"m": TimedClient(delay_s=0.01, text="B " + "x" * 4000)},
                                   control=control, flush_interval_s=FLUSH_S)
            assert asyncio.run(executor.run()) == "stopped"
            assert "full" in control.reason
            stored = executor.counters.written
            assert 0 < stored < 960
        finally:
            study.close()
        moved.mkdir()
        for name in os.listdir(small):
            shutil.copy(small / name, moved / name)
    study = open_study(moved / "s.db")
    assert len(progress_store.responses_of(study, run_id)) == stored  # what was written is intact
    assert asyncio.run(RunExecutor(study, run_id, {"m": TimedClient()}).run()) == "finished"
    assert progress_store.progress(study, run_id).answered == 960
    study.close()


def test_killed_run_shows_interrupted_then_resumes(tmp_path, monkeypatch, capsys):
    proc_server, url = start_server(tmp_path, 0.05)
    try:
        study_path = tmp_path / "s.db"
        study = open_study(study_path, create=True)
        seed_study(study, 6)
        definition = write_definition(tmp_path / "run.toml", url, repeats=5)
        proc = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "run", "start", str(definition), "--plain",
                                 "--study", str(study_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = run_store.list_runs(study)
            if runs and progress_store.progress(study, runs[0].id).done >= 10:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        # the process that ran it is gone: interrupted at once, not only once its heartbeat is stale
        assert run_store.get_run(study, 1).status == "interrupted"
        # a run on another machine has no process to look at here: its heartbeat decides
        study.set_meta("run.1.runner", "another-machine 4242")
        assert run_store.get_run(study, 1).status == "running"  # its heartbeat is still fresh
        monkeypatch.setattr(run_store, "HEARTBEAT_STALE_S", 0.2)
        time.sleep(0.3)
        assert run_store.get_run(study, 1).status == "interrupted"
        assert main(["run", "list", "--study", str(study_path)]) == 0
        assert "interrupted" in capsys.readouterr().out
        assert main(["run", "resume", "1", "--plain", "--study", str(study_path)]) == 0
        assert run_store.get_run(study, 1).status == "finished"
        assert progress_store.progress(study, 1).answered == 60
    finally:
        proc_server.kill()
        proc_server.wait(timeout=10)


def test_a_long_quiet_run_keeps_its_heartbeat(study, planned, monkeypatch):
    """No answers for a while (a slow server) is not a killed run: the writer beats anyway."""
    run_id = planned(n_dilemmas=1, repeats=1)
    monkeypatch.setattr(run_store, "HEARTBEAT_S", 0.05)
    monkeypatch.setattr(run_store, "HEARTBEAT_STALE_S", 0.3)
    seen = []

    class Slow(TimedClient):
        async def complete(self, request, *, model=None):
            for _ in range(6):
                await asyncio.sleep(0.1)
                seen.append(run_store.get_run(study, run_id).status)
            return await super().complete(request, model=model)

    assert asyncio.run(RunExecutor(study, run_id, {"m": Slow()}, flush_interval_s=0.02).run()) == "finished"
    assert seen and set(seen) == {"running"}
