"""Server failures are their own outcome: not invalid answers, asked again by resume and export-batch;
a run with nothing answered fails."""

from __future__ import annotations

import asyncio
import json
import logging

import numpy as np

from aiohttp import web

from tests.helpers.fake_openai_server import FakeServer, chat_reply
from tests.helpers.clients import TimedClient
from valuegap_tui.cli import main
from valuegap_tui.evaluate.batch import export_batch, import_batch
from valuegap_tui.evaluate.execute import RunControl, RunExecutor
from valuegap_tui.metrics.answers import invalid_rates
from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store


class FailingFor(TimedClient):
    """HTTP 500 (after the client's own retries) for the items in ``bad``; "B" for the rest."""

    def __init__(self, bad: set[str]):
        super().__init__()
        self.bad = bad

    async def complete(self, request, *, model=None):
        if request.tag in self.bad:
            self.sent_at.append(0.0)
            return CompletionRecord(error="HTTP 500: injected", error_kind="http_5xx", attempts=6, tag=request.tag)
        return await super().complete(request, model=model)


def item_ids(study, run_id):
    return [i.id for i in run_store.all_items(study, run_id)]


def test_server_errors_are_kept_apart_and_resume_asks_them_again(study, planned):
    run_id = planned(n_dilemmas=3, repeats=2, max_attempts=3)  # 12 items
    bad = {str(i) for i in item_ids(study, run_id)[:4]}
    control = RunControl()
    status = asyncio.run(RunExecutor(study, run_id, {"m": FailingFor(bad)}, control=control).run())

    assert status == "unfinished" and "resume" in control.reason
    p = progress_store.progress(study, run_id)
    assert (p.answered, p.invalid, p.server_error, p.pending) == (8, 0, 4, 0)
    assert p.outcomes == {"valid": 8, "server_error": 12}  # 3 attempts each, all kept
    frame = frame_store.load_answer_frame(study, run_id)
    rates = invalid_rates(frame)
    assert rates["invalid"] == 0 and rates["server_error"] == 4 / 12
    assert int(frame.server_error.sum()) == 4 and np.isnan(frame.score[frame.server_error]).all()
    assert any("Server errors: 4 of 12" in n for n in progress_store.run_notes(study, run_id))

    assert run_store.reopen_items(study, run_id) == 4
    fixed = TimedClient()
    assert asyncio.run(RunExecutor(study, run_id, {"m": fixed}).run()) == "finished"
    assert len(fixed.sent_at) == 4  # only the server-error items
    p = progress_store.progress(study, run_id)
    assert p.answered == 12 and p.server_error == 0
    responses = progress_store.responses_of(study, run_id)
    assert len(responses) == 8 + 12 + 4 and len({(r["item_id"], r["attempt"]) for r in responses}) == len(responses)


def test_resume_retry_invalid_gives_invalid_items_a_fresh_budget(study, planned, capsys):
    run_id = planned(n_dilemmas=1, repeats=2, max_attempts=2)  # 4 items
    asyncio.run(RunExecutor(study, run_id, {"m": TimedClient(text="I like turtles")}).run())
    assert progress_store.progress(study, run_id).invalid == 4
    assert run_store.get_run(study, run_id).status == "failed"  # nothing answered
    assert run_store.reopen_items(study, run_id) == 0  # invalid answers stay, unless asked for
    assert run_store.reopen_items(study, run_id, ("server_error", "invalid")) == 4
    assert asyncio.run(RunExecutor(study, run_id, {"m": TimedClient()}).run()) == "finished"
    attempts = sorted(r["attempt"] for r in progress_store.responses_of(study, run_id))
    assert attempts == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]


def test_cli_resume_reports_what_it_asks_again(study, planned, capsys, monkeypatch):
    run_id = planned(n_dilemmas=1, repeats=1, max_attempts=1)
    asyncio.run(RunExecutor(study, run_id, {"m": FailingFor({str(i) for i in item_ids(study, run_id)})}).run())
    assert run_store.get_run(study, run_id).status == "failed"
    assert main(["run", "status", str(run_id), "--study", str(study.path)]) == 0
    out = capsys.readouterr().out
    assert "0 invalid, 2 server errors" in out and "no item was answered" in out
    from valuegap_tui.evaluate import session

    monkeypatch.setattr(session, "pools_for", lambda definition: {"m": TimedClient()})
    assert main(["run", "resume", str(run_id), "--plain", "--study", str(study.path)]) == 0
    assert "asking 2 items again (server error)" in capsys.readouterr().out


def test_a_server_that_comes_up_late_gets_its_early_failures_asked_again(study, planned):
    run_id = planned(n_dilemmas=2, repeats=2, max_attempts=3)  # 8 items

    class LateStart(TimedClient):
        async def complete(self, request, *, model=None):
            self.sent_at.append(0.0)
            if len(self.sent_at) <= 6:
                return CompletionRecord(error="HTTP 503: loading", error_kind="http_5xx", tag=request.tag)
            return await super().complete(request, model=model)

    assert asyncio.run(RunExecutor(study, run_id, {"m": LateStart()}).run()) == "finished"
    p = progress_store.progress(study, run_id)
    assert p.answered == 8 and p.outcomes == {"server_error": 6, "valid": 8}


def test_export_batch_includes_server_error_items_and_import_settles_them(study, planned, tmp_path):
    run_id = planned(n_dilemmas=2, repeats=1, max_attempts=1)  # 4 items
    bad = {str(i) for i in item_ids(study, run_id)[:2]}
    asyncio.run(RunExecutor(study, run_id, {"m": FailingFor(bad)}).run())
    manifest = export_batch(study, run_id, tmp_path / "batch")
    assert manifest.lines == 2
    lines = [json.loads(l) for l in (tmp_path / "batch" / manifest.files[0].file).read_text().splitlines()]
    assert {l["custom_id"].split("-")[1] for l in lines} == {f"item{i}" for i in bad}
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps({"custom_id": l["custom_id"], "error": None, "response": {
        "status_code": 200, "body": {"choices": [{"message": {"content": "C"}, "finish_reason": "stop"}]}}}) + "\n"
        for l in lines))
    assert import_batch(study, run_id, [results]).imported == 2
    assert progress_store.progress(study, run_id).answered == 4
    assert run_store.get_run(study, run_id).status == "finished"


def test_dead_endpoint_run_fails_and_never_says_giving_up(study, planned, caplog):
    run_id = planned(n_dilemmas=1, repeats=1, max_attempts=2)
    profile = ServerProfile(name="dead", model="m", endpoints=[Endpoint(url="http://127.0.0.1:9/v1", concurrency=2)],
                            max_attempts=2, backoff_base_s=0.0, backoff_max_s=0.0, timeout_s=2)
    control = RunControl()

    async def go():
        async with ModelPool(profile) as pool:
            return await RunExecutor(study, run_id, {"m": pool}, control=control).run()

    with caplog.at_level(logging.INFO, logger="valuegap.server"):
        assert asyncio.run(go()) == "failed"
    p = progress_store.progress(study, run_id)
    # each item asked once: its server never replied, so asking again would only multiply the wait
    assert p.server_error == 2 and p.invalid == 0 and p.outcomes == {"server_error": 2}
    assert "no item was answered" in control.reason
    assert caplog.records and not any("giving up" in r.getMessage() for r in caplog.records)


async def test_http_500_through_the_client_is_a_server_error_outcome(study, planned):
    run_id = planned(n_dilemmas=1, repeats=1, max_attempts=1)
    server = await FakeServer(reply=lambda body: (_ for _ in ()).throw(RuntimeError("boom"))).start()
    try:
        profile = ServerProfile(name="f", model="m", endpoints=[Endpoint(url=server.base_url, concurrency=2)],
                                max_attempts=2, backoff_base_s=0.0, backoff_max_s=0.0)
        async with ModelPool(profile) as pool:
            status = await RunExecutor(study, run_id, {"m": pool}).run()
    finally:
        await server.stop()
    assert status == "failed"
    responses = progress_store.responses_of(study, run_id)
    assert {r["outcome"] for r in responses} == {"server_error"}
    assert all(r["error_kind"] == "http_5xx" for r in responses)


def test_studies_from_before_keep_their_server_errors_apart(tmp_path, monkeypatch):
    """Migration 7: old 'error' attempts become server_error, and items that ended on one are no longer
    final invalid answers. The old study is written at schema 6 (as that version of valuegap wrote it) and
    then opened, so it goes through every later migration in order, as a real one does."""
    from tests.helpers.runs import run_definition
    from valuegap_tui.store import db as db_module
    from valuegap_tui.store import open_study

    every = db_module._migrations()
    monkeypatch.setattr(db_module, "_migrations", lambda: [m for m in every if m[0] < 7])
    old = open_study(tmp_path / "old.db", create=True)
    definition = run_definition(repeats=1)
    with old.transaction() as db:
        run_id = db.execute("INSERT INTO runs (name, definition_json, config_hash, status, created_at)"
                            " VALUES ('old', ?, ?, 'finished', 'then')",
                            [definition.to_json(), definition.config_hash()]).lastrowid
        db.execute("INSERT INTO personas (id, name, kind, levels_json, created_at, updated_at)"
                   " VALUES ('baseline', 'No persona', 'baseline', '{}', 'then', 'then')")
        db.execute("INSERT INTO run_personas (run_id, persona_id, name, kind) VALUES (?, 'baseline', 'No persona',"
                   " 'baseline')", [run_id])
        first, second = (db.execute("INSERT INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat,"
                                    " permutation, status, attempts) VALUES (?, 'm', 'baseline', 'd1', ?, 0,"
                                    " '[0, 1, 2, 3, 4, 5]', 'invalid', ?)", [run_id, question, attempts]).lastrowid
                         for question, attempts in ((0, 1), (1, 2)))
        for item, attempt, outcome in ((first, 1, "error"), (second, 1, "error"), (second, 2, "no_letter")):
            db.execute("INSERT INTO run_responses (run_id, item_id, attempt, outcome, created_at)"
                       " VALUES (?, ?, ?, ?, 'then')", [run_id, item, attempt, outcome])
    old.close()
    monkeypatch.undo()
    study = open_study(tmp_path / "old.db")
    p = progress_store.progress(study, run_id)
    assert (p.server_error, p.invalid) == (1, 1)
    assert p.outcomes == {"server_error": 2, "no_letter": 1}
    study.close()


def test_a_study_that_cannot_be_written_at_start_is_a_message(study, planned, monkeypatch, capsys):
    import sqlite3

    from valuegap_tui.evaluate.session import run_blocking

    run_id = planned(n_dilemmas=1, repeats=1)

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(run_store, "set_status", locked)
    control = RunControl()
    assert run_blocking(study, run_id, control=control, clients={"m": TimedClient()}) == "failed"
    out = capsys.readouterr().out
    assert f"cannot start run {run_id}: cannot write to" in out and "write lock" in out


async def test_a_request_too_long_for_the_context_is_asked_once_and_the_run_says_what_to_change(study, planned):
    """llama-server: HTTP 500 "Context size has been exceeded" when max_tokens (4096 by default) outruns
    its 2,048-token slots. Each such item was retried for minutes and left for `run resume` forever."""
    run_id = planned(n_dilemmas=2, repeats=2, max_attempts=3)  # 8 items
    bad = {i.id for i in run_store.all_items(study, run_id)[:3]}

    def reply(body):
        if int(body["seed"]) % 2 == 0 and len(bad):
            bad.pop()
            raise web.HTTPInternalServerError(text='{"error": {"message": "Context size has been exceeded."}}',
                                              content_type="application/json")
        return chat_reply("B")

    server = await FakeServer(reply=reply).start()
    control = RunControl()
    try:
        profile = ServerProfile(name="f", model="m", endpoints=[Endpoint(url=server.base_url, concurrency=2)],
                                max_attempts=6, backoff_base_s=0.0, backoff_max_s=0.0)
        async with ModelPool(profile) as pool:
            status = await RunExecutor(study, run_id, {"m": pool}, control=control).run()
    finally:
        await server.stop()
    p = progress_store.progress(study, run_id)
    too_long = [r for r in progress_store.responses_of(study, run_id) if r["outcome"] == "too_long"]
    assert too_long and p.too_long == len(too_long)  # asked once each, never again
    assert all("max_tokens 4096" in r["error"] and "Context size" in r["error"] for r in too_long)
    assert len(server.bodies) == 8 + 0 * len(too_long)  # no retry of a request that cannot fit
    assert p.invalid == 0 and p.server_error == 0 and p.answered == 8 - p.too_long
    assert status == "unfinished"
    assert "did not fit the server's context" in control.reason and "max_tokens 4096" in control.reason
    assert "4096 tokens per request (/v1/models max_model_len)" in control.reason
    assert "--retry-invalid" in control.reason
    frame = frame_store.load_answer_frame(study, run_id)
    rates = invalid_rates(frame)
    assert rates["invalid"] == 0 and rates["too_long"] == p.too_long / 8
