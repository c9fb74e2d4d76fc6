"""The shared client against a scriptable local server: retries, backoff, balancing, records."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from tests.helpers.fake_openai_server import Fault, FakeServer, chat_reply
from valuegap_tui.server.client import ModelPool, build_client
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.server.types import ChatRequest

TRANSPORTS = ["http", "aiohttp", "openai"]


@pytest.fixture
async def server():
    fake = await FakeServer().start()
    yield fake
    await fake.stop()


class SleepRecorder:
    """Stands in for asyncio.sleep so backoff delays are asserted, not waited for."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def pool_for(*urls, transport="aiohttp", concurrency=8, sleep=None, **settings) -> ModelPool:
    profile = ServerProfile(
        name="t", model="fake-model", endpoints=[Endpoint(url=u, concurrency=concurrency) for u in urls],
        timeout_s=settings.pop("timeout_s", 5.0), **settings,
    )
    return ModelPool(profile, transport=transport, **({"sleep": sleep} if sleep else {}))


def ask(**kw) -> ChatRequest:
    return ChatRequest(messages=[{"role": "user", "content": "Pick a letter"}], **kw)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_reply_becomes_a_full_record(server, transport):
    server.reply = chat_reply("C", reasoning="thinking...", top_logprobs={"C": -0.1, "A": -2.5, " B": -3.0})
    async with pool_for(server.base_url, transport=transport) as pool:
        record = await pool.complete(ask(logprobs=True, top_logprobs=3, tag="item-7"))
    assert record.ok and record.text == "C" and record.reasoning == "thinking..."
    counted = max(1, len(json.dumps(server.bodies[-1]["messages"])) // 4)  # the fake counts ~4 characters a token
    assert record.finish_reason == "stop" and record.prompt_tokens == counted and record.completion_tokens == 1
    assert record.first_token_logprobs == {"C": -0.1, "A": -2.5, " B": -3.0}
    assert record.attempts == 1 and record.latency_s > 0 and record.tag == "item-7"
    assert record.model == "fake-model" and record.endpoint == server.base_url
    assert server.bodies[0]["logprobs"] is True and server.bodies[0]["top_logprobs"] == 3
    assert "tag" not in server.bodies[0]


async def test_older_reasoning_content_field_is_read(server):
    reply = chat_reply("A")
    reply["choices"][0]["message"]["reasoning_content"] = "old style"
    server.reply = reply
    async with pool_for(server.base_url) as pool:
        assert (await pool.complete(ask())).reasoning == "old style"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("status", [429, 500, 503])
async def test_retryable_statuses_are_retried_with_growing_backoff(server, transport, status):
    server.faults.extend([Fault(status=status)] * 3)
    sleep = SleepRecorder()
    async with pool_for(server.base_url, transport=transport, sleep=sleep, backoff_base_s=1.0, backoff_max_s=100) as pool:
        record = await pool.complete(ask())
    assert record.ok and record.attempts == 4 and len(server.bodies) == 4
    assert len(sleep.delays) == 3
    # full jitter within [ceiling/2, ceiling], ceiling doubling each time
    for attempt, delay in enumerate(sleep.delays, start=1):
        assert 2 ** (attempt - 1) / 2 <= delay <= 2 ** (attempt - 1)
    assert pool.stats()[0].retries == 3 and pool.stats()[0].errors == 3


async def test_gives_up_after_max_attempts_with_the_error(server):
    server.faults.extend([Fault(status=500)] * 10)
    async with pool_for(server.base_url, sleep=SleepRecorder(), max_attempts=3) as pool:
        record = await pool.complete(ask())
    assert not record.ok and record.attempts == 3 and record.error_kind == "http_5xx"
    assert "injected" in record.error and len(server.bodies) == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_retry_after_is_honoured(server, transport):
    server.faults.append(Fault(status=429, headers={"Retry-After": "7"}))
    sleep = SleepRecorder()
    async with pool_for(server.base_url, transport=transport, sleep=sleep, backoff_base_s=0.1) as pool:
        record = await pool.complete(ask())
    assert record.ok and record.attempts == 2
    assert sleep.delays == [pytest.approx(7.0)]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("status", [400, 422])
async def test_client_errors_are_not_retried_and_say_why(server, transport, status):
    message = "response_format: unknown schema keyword 'enumm'"
    server.faults.append(Fault(status=status, body='{"error": {"message": "%s"}}' % message))
    sleep = SleepRecorder()
    async with pool_for(server.base_url, transport=transport, sleep=sleep) as pool:
        record = await pool.complete(ask())
    assert not record.ok and record.attempts == 1 and sleep.delays == []
    assert record.error_kind == f"http_{status}" and "unknown schema keyword" in record.error
    assert len(server.bodies) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("status, message", [
    (400, "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens."),  # vLLM
    (422, "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens."),
    (500, "Context size has been exceeded."),  # llama-server, when a reply runs past its slot's context
    (400, "the request exceeds the available context size, try increasing it"),  # newer llama-server
])
async def test_a_request_too_long_for_the_context_is_too_long_and_never_retried(server, transport, status, message):
    """Asking again cannot help: 6 retries of a 500 "Context size has been exceeded" took 108-278 s each."""
    server.faults.append(Fault(status=status, body='{"error": {"message": "%s"}}' % message))
    sleep = SleepRecorder()
    async with pool_for(server.base_url, transport=transport, sleep=sleep) as pool:
        record = await pool.complete(ask())
    assert not record.ok and record.attempts == 1 and sleep.delays == []
    assert record.error_kind == "too_long" and message.split(".")[0] in record.error
    assert len(server.bodies) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_timeouts_are_retried(server, transport):
    server.faults.extend([Fault(status=200, delay_s=1.0), Fault(status=200, delay_s=1.0)])
    sleep = SleepRecorder()
    async with pool_for(server.base_url, transport=transport, sleep=sleep, timeout_s=0.2) as pool:
        record = await pool.complete(ask())
    assert record.ok and record.attempts == 3 and len(sleep.delays) == 2


async def test_connection_refused_is_retried_then_reported():
    sleep = SleepRecorder()
    async with pool_for("http://127.0.0.1:9", sleep=sleep, max_attempts=3) as pool:
        record = await pool.complete(ask())
    assert not record.ok and record.error_kind == "connection" and record.attempts == 3 and len(sleep.delays) == 2


@pytest.mark.parametrize("garbage", ["not json at all", '{"choices": []}', '{"object": "error"}'])
async def test_garbage_replies_are_errors_not_crashes(server, garbage):
    server.reply = garbage
    async with pool_for(server.base_url, sleep=SleepRecorder()) as pool:
        record = await pool.complete(ask())
    assert not record.ok and record.error_kind == "protocol" and record.attempts == 1


async def test_concurrency_per_endpoint_is_bounded(server):
    server.latency_s = 0.05
    async with pool_for(server.base_url, concurrency=4) as pool:
        records = await asyncio.gather(*(pool.complete(ask()) for _ in range(20)))
    assert all(r.ok for r in records)
    assert server.max_in_flight == 4


async def test_cancelled_requests_give_their_slots_back(server):
    """Requests cancelled while waiting for a slot or while in flight leave every slot free."""
    server.latency_s = 0.2
    async with pool_for(server.base_url, concurrency=2, transport="http") as pool:
        tasks = [asyncio.create_task(pool.complete(ask())) for _ in range(5)]
        await asyncio.sleep(0.05)  # two in flight, three waiting for a slot
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert all(state.in_flight == 0 for state in pool._states)
        for _ in range(2):  # both slots free: taken at once, and then no third
            await asyncio.wait_for(pool._slots.acquire(), 1)
        assert pool._slots.locked()
        for _ in range(2):
            pool._slots.release()
        server.latency_s = 0.0
        records = await asyncio.wait_for(asyncio.gather(*(pool.complete(ask()) for _ in range(4))), 5)
    assert all(r.ok for r in records)


async def test_least_in_flight_balances_two_endpoints():
    fast, slow = FakeServer(latency_s=0.01), FakeServer(latency_s=0.2)
    await fast.start(), await slow.start()
    try:
        async with pool_for(fast.base_url, slow.base_url, concurrency=4) as pool:
            records = await asyncio.gather(*(pool.complete(ask()) for _ in range(40)))
            stats = {s.url: s for s in pool.stats()}
    finally:
        await fast.stop(), await slow.stop()
    assert all(r.ok for r in records)
    assert len(fast.bodies) + len(slow.bodies) == 40
    # both are used, and the fast one (slots free sooner) takes most of the load
    assert len(slow.bodies) >= 4 and len(fast.bodies) > 2 * len(slow.bodies)
    assert stats[fast.base_url].completed == len(fast.bodies)
    assert {r.endpoint for r in records} == {fast.base_url, slow.base_url}


async def test_profile_generation_defaults_and_constraint_styles(server):
    profile = ServerProfile(
        name="t", model="m", endpoints=[Endpoint(url=server.base_url)],
        generation={"temperature": 0.3, "max_tokens": 50, "enable_thinking": False},
    )
    async with ModelPool(profile) as pool:
        await pool.complete(ask(choices=["A", "B"], max_tokens=5))
    body = server.bodies[-1]
    assert body["temperature"] == 0.3 and body["max_tokens"] == 5
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["structured_outputs"] == {"choice": ["A", "B"]}

    server.reply = chat_reply('{"answer": "B"}')
    async with ModelPool(profile, constraint="json_schema") as pool:
        record = await pool.complete(ask(choices=["A", "B"]))
    schema = server.bodies[-1]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"]["enum"] == ["A", "B"]
    assert record.text == "B"


async def test_model_is_discovered_when_the_profile_names_none(server):
    async with build_client(base_url=server.base_url) as pool:
        record = await pool.complete(ask())
    assert record.ok and server.bodies[0]["model"] == "fake-model"


async def test_api_key_is_sent_but_never_logged(server, caplog):
    secret = "sk-very-secret-0123456789"
    server.faults.append(Fault(status=500))
    caplog.set_level(logging.DEBUG)
    async with build_client(base_url=server.base_url, model="m", api_key=secret) as pool:
        record = await pool.complete(ask())
        assert record.ok
        assert secret not in repr(pool.profile) and secret not in str(pool.profile)
        assert secret not in pool.profile.model_dump_json()
    assert server.headers[0]["Authorization"] == f"Bearer {secret}"
    assert caplog.records, "the retry should have been logged"
    assert secret not in caplog.text


async def test_a_server_error_repeated_is_said_once_until_the_endpoint_answers(server, caplog):
    """An outage answering HTTP 500 to every request gives one warning, not one per request (a 5xx is a
    reply, so the server is there, but it has not answered); it is said again after a real answer."""
    server.faults.extend([Fault(status=500)] * 6)
    async with pool_for(server.base_url, transport="http", max_attempts=1) as pool:
        with caplog.at_level(logging.WARNING, logger="valuegap"):
            for _ in range(6):
                assert (await pool.complete(ask())).error_kind == "http_5xx"
            first = [r.getMessage() for r in caplog.records]
            assert (await pool.complete(ask())).ok
            server.faults.append(Fault(status=500))
            assert (await pool.complete(ask())).error_kind == "http_5xx"
    assert len(first) == 1 and "said once" in first[0]
    assert len(caplog.records) == 2
