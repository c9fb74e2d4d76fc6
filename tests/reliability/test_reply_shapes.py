"""Replies of any shape are read without crashing and end as an outcome; the run finishes, and
stored reply text is capped (the rest counted)."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from tests.helpers.fake_openai_server import FakeServer, chat_reply
from valuegap_tui.evaluate.execute import RunExecutor
from valuegap_tui.designs.graded_actions.generate import Job, Settings, generate
from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.replies import REPLY_TEXT_CAP
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


def with_content(content) -> dict:
    reply = chat_reply("x")
    reply["choices"][0]["message"]["content"] = content
    return reply


SHAPES = {
    "list of parts": with_content([{"type": "text", "text": "C"}]),
    "number": with_content(3),
    "null": with_content(None),
    "dict": with_content({"answer": "C"}),
    "list of numbers": with_content([1, 2]),
    "bool": with_content(True),
    "no choices": {"id": "x", "object": "chat.completion"},
    "empty choices": {"choices": []},
    "choice not an object": {"choices": ["C"]},
    "finish_reason a dict": {**chat_reply("B"), "choices": [{"message": {"content": "B"}, "finish_reason": {"x": 1}}]},
    "usage a string": {**chat_reply("D"), "usage": "lots"},
    "plain letter": chat_reply("B"),
}


def shape_for(body) -> str:
    """The same prompt always gets the same shape, so re-asking an item changes nothing."""
    digest = hashlib.sha256(json.dumps(body["messages"]).encode()).digest()
    return list(SHAPES)[digest[0] % len(SHAPES)]


def pool(url: str) -> ModelPool:
    return ModelPool(ServerProfile(name="f", model="m", endpoints=[Endpoint(url=url, concurrency=4)], max_attempts=1,
                                   backoff_base_s=0.0))


async def test_any_reply_shape_ends_as_an_outcome_and_the_run_finishes(study, planned):
    run_id = planned(n_dilemmas=6, repeats=4, max_attempts=2)  # 48 items
    server = await FakeServer(reply=lambda body: SHAPES[shape_for(body)]).start()
    try:
        async with pool(server.base_url) as client:
            status = await RunExecutor(study, run_id, {"m": client}).run()
            p = progress_store.progress(study, run_id)
            assert p.pending == 0 and p.done == p.total == 48
            # a second pass finds nothing to ask: the run cannot loop on a reply it cannot read
            asked = len(server.bodies)
            assert await RunExecutor(study, run_id, {"m": client}).run() == status
            assert len(server.bodies) == asked
    finally:
        await server.stop()
    assert status == "finished"
    responses = progress_store.responses_of(study, run_id)
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    by_shape = {}
    for r in responses:
        by_shape.setdefault(shape_for({"messages": _messages_of(study, run_id, items[r["item_id"]])}), set()).add(r["outcome"])
    assert by_shape.get("plain letter", {"valid"}) == {"valid"}
    assert by_shape.get("list of parts", {"valid"}) == {"valid"}  # content parts are text
    for shape in ("number", "dict", "list of numbers", "bool", "no choices", "empty choices", "choice not an object"):
        assert by_shape.get(shape, {"malformed"}) == {"malformed"}, shape
    assert p.server_error == 0  # the server answered: these are not server failures


def _messages_of(study, run_id, item):
    from valuegap_tui.evaluate.questions import build_request, user_message

    run = run_store.get_run(study, run_id)
    dilemma = run_store.dilemmas_of(study, run_id)[item.dilemma_id]
    persona = run_store.personas_of(study, run_id)[item.persona_id]
    return build_request(run.definition, persona.system_text, user_message(dilemma, item.question, item.permutation)).messages


async def test_a_5_mb_reply_is_capped_and_counted(study, planned):
    run_id = planned(n_dilemmas=1, repeats=1, max_attempts=1)
    huge = "Answer: C. " + "blah " * 1_000_000  # 5 MB
    server = await FakeServer(reply=with_content(huge)).start()
    try:
        async with pool(server.base_url) as client:
            started = time.process_time()
            assert await RunExecutor(study, run_id, {"m": client}).run() == "finished"
            cpu = time.process_time() - started
    finally:
        await server.stop()
    responses = progress_store.responses_of(study, run_id)
    assert all(len(r["raw_text"]) == REPLY_TEXT_CAP and r["raw_dropped"] == len(huge) - REPLY_TEXT_CAP
               for r in responses)
    assert {r["letter"] for r in responses} == {"C"}
    assert run_store.get_run(study, run_id).text_cap == REPLY_TEXT_CAP
    assert cpu < 1.0 * len(responses)  # was 2.2 s of CPU per reply
    assert study.path.stat().st_size < 2_000_000


@pytest.mark.parametrize("shape", ["number", "dict", "null", "list of numbers", "no choices"])
async def test_generate_records_a_failed_attempt_instead_of_crashing(study, shape):
    server = await FakeServer(reply=SHAPES[shape]).start()
    try:
        async with pool(server.base_url) as client:
            progress = await generate(study, client, [Job("wisdom", "politics")], Settings(max_attempts=2))
    finally:
        await server.stop()
    assert progress.failed == 1 and progress.done == 0
    rows = attempt_store.attempts_for(study, "wisdom--politics--1")
    assert len(rows) == 2 and not any(r.ok for r in rows) and all(r.reason for r in rows)
