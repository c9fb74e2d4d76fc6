"""End states that agree with themselves: a complete run after a held lock is finished; a run cut short
says exactly what failed; `run status` is right at once after a run could not record its end; progress
lines count what the summary counts; importing an unchanged file changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
import subprocess
import sys
import textwrap

from tests.helpers.clients import TimedClient
from tests.reliability.hostile import SAMPLE
from tests.helpers.runs import FLUSH_S
from valuegap_tui.cli import main
from valuegap_tui.evaluate.execute import RunControl, RunExecutor
from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


def lock_held_while(monkeypatch, held):
    """record_attempts fails as a lock held past the busy timeout does, while ``held()`` is true."""
    real = run_store.record_attempts
    failures = []

    def failing(study, run_id, attempts):
        if held():
            failures.append(len(attempts))
            raise sqlite3.OperationalError("database is locked")
        return real(study, run_id, attempts)

    monkeypatch.setattr(run_store, "record_attempts", failing)
    return failures


def test_a_run_that_got_every_answer_before_a_lock_was_held_finishes(study, planned, monkeypatch):
    run_id = planned(n_dilemmas=3, repeats=2)  # 12 items
    executor = RunExecutor(study, run_id, {"m": TimedClient()}, control=RunControl(), flush_interval_s=FLUSH_S)
    released = []
    # the lock is held once every answer is in (the writer's flush fails), released for the last write
    failures = lock_held_while(monkeypatch, lambda: executor.counters.received == 12 and not released
                               and not released.append(True))
    status = asyncio.run(executor.run())
    assert failures and executor.write_error is not None  # the lock was met
    assert status == "finished" and executor.control.reason is None
    run = run_store.get_run(study, run_id)
    progress = progress_store.progress(study, run_id)
    assert run.status == "finished" and progress.answered == 12 and progress.pending == 0


def test_a_run_cut_short_by_a_held_lock_says_exactly_what_failed(study, planned, monkeypatch):
    run_id = planned(n_dilemmas=6, repeats=10)  # 120 items
    executor = RunExecutor(study, run_id, {"m": TimedClient(delay_s=0.01)}, control=RunControl(),
                           flush_interval_s=FLUSH_S)
    state = {"calls": 0}

    def held() -> bool:  # the second flush meets the lock; it is free again by the last write
        state["calls"] += 1
        return state["calls"] == 2

    lock_held_while(monkeypatch, held)
    status = asyncio.run(executor.run())
    progress = progress_store.progress(study, run_id)
    reason = executor.control.reason
    assert status == "stopped" and progress.pending > 0
    assert executor.counters.unsaved == 0 and progress.done == executor.counters.written
    assert "could not be written" in reason and "write lock" in reason and "every answer received was stored" in reason
    assert f"{progress.pending} items pending" in reason and "unsaved" not in reason
    assert run_store.get_run(study, run_id).stop_reason == reason


def test_run_status_is_right_at_once_when_a_run_could_not_record_its_end(tmp_path, capsys):
    path = tmp_path / "s.db"
    script = textwrap.dedent(f'''
        import asyncio, sqlite3, sys
        sys.path.insert(0, {str(SAMPLE.parent.parent.parent)!r})
        from tests.helpers.clients import TimedClient
        from tests.helpers.runs import run_definition, seed_study
        from valuegap_tui.evaluate.execute import RunExecutor
        from valuegap_tui.evaluate.setup import create_run
        from valuegap_tui.store import open_study
        from valuegap_tui.store import runs as run_store

        study = open_study({str(path)!r}, create=True)
        seed_study(study, 3)
        run_id = create_run(study, run_definition(repeats=4))
        real_status = run_store.set_status
        def full(*args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")
        def status(study, run_id, status, *args, **kwargs):
            if status != "running":
                full()
            return real_status(study, run_id, status, *args, **kwargs)
        run_store.record_attempts = full  # the disk is full from the first answer on ...
        run_store.set_status = status     # ... so the run cannot record how it ended either
        print(asyncio.run(RunExecutor(study, run_id, {{"m": TimedClient()}}, flush_interval_s=0.05).run()))
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "stopped", done.stderr
    study = open_study(path)
    assert study.db.execute("SELECT status FROM runs WHERE id = 1").fetchone()[0] == "running"  # as stored
    assert run_store.get_run(study, 1).status == "interrupted"  # its process is gone: not running
    study.close()
    assert main(["run", "status", "1", "--study", str(path)]) == 0
    out = capsys.readouterr().out
    assert "run 1 'run': interrupted" in out and "could not be written at the end" in out and "run resume 1" in out


def test_progress_lines_count_items_as_the_summary_does(study, planned):
    run_id = planned(n_dilemmas=6, repeats=5, max_attempts=3)  # 60 items
    items = run_store.all_items(study, run_id)
    unusable = {str(i.id) for i in items if i.question == 0 and i.repeat < 2}  # 12 items never answered

    class Client(TimedClient):
        async def complete(self, request, *, model=None):
            record = await super().complete(request, model=model)
            if request.tag in unusable:
                record.text = "I would rather not say."
            return record

    out = io.StringIO()
    status = run_blocking(study, run_id, plain=True, interval_s=0.0, clients={"m": Client()}, out=out)
    lines = out.getvalue().splitlines()
    progress = [line for line in lines if re.match(r"run \d+: \d+/\d+ done", line)]
    summary = next(line for line in lines if line.startswith(f"run {run_id} {status}:"))
    final = progress_store.progress(study, run_id)
    assert final.invalid == 12 and final.responses - final.outcomes.get("valid", 0) == 36  # 3 attempts each
    assert progress and progress[-1].endswith(f"{final.answered} answered, 12 invalid, 0 server errors")
    # the summary also says why the invalid ones are invalid
    assert re.search(rf"{final.answered} answered, 12 invalid \(no_letter 12\), 0 server errors", summary), summary
    assert all(int(re.search(r"(\d+) invalid", line).group(1)) <= 12 for line in progress)


def test_importing_an_unchanged_file_reports_nothing_updated_and_writes_no_history(tmp_path, capsys):
    path = tmp_path / "s.db"
    exported = {fmt: tmp_path / f"out.{fmt}" for fmt in ("jsonl", "csv")}
    assert main(["import", str(SAMPLE), "--study", str(path)]) == 0
    for out in exported.values():
        assert main(["export", str(out), "--study", str(path)]) == 0
    study = open_study(path)
    history = study.db.execute("SELECT COUNT(*) FROM dilemma_history").fetchone()[0]
    capsys.readouterr()
    for source in (SAMPLE, *exported.values()):
        assert main(["import", str(source), "--study", str(path)]) == 0
        assert "(0 new, 0 updated, 8 unchanged)" in capsys.readouterr().out
    assert study.db.execute("SELECT COUNT(*) FROM dilemma_history").fetchone()[0] == history
    # a file that states no provenance keeps the stored one; a changed scenario is one update
    record = dilemma_store.get(study, "wisdom--politics--1").to_record()
    record.pop("provenance")
    record["scenario"] += " Changed."
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert main(["import", str(changed), "--study", str(path)]) == 0
    assert "(0 new, 1 updated)" in capsys.readouterr().out
    after = dilemma_store.get(study, "wisdom--politics--1")
    assert after.scenario.endswith(" Changed.") and after.provenance.source == "sample"
    assert study.db.execute("SELECT COUNT(*) FROM dilemma_history").fetchone()[0] == history + 1
    study.close()
