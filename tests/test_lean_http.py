"""The lean HTTP/1.1 client against a raw socket server that sends exactly the bytes each test scripts."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib

import pytest

from valuegap_tui.server.client import ModelPool
from valuegap_tui.server.lean_http import HttpClient, HttpError
from valuegap_tui.server.profiles import Endpoint, ServerProfile
from valuegap_tui.server.types import ChatRequest

REPLY = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "B"},
                                 "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}})


def response(body: bytes | str = REPLY, status: str = "200 OK", headers: dict | None = None,
             version: str = "HTTP/1.1") -> bytes:
    body = body.encode() if isinstance(body, str) else body
    head = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    head = {k: v for k, v in head.items() if v is not None}
    return (f"{version} {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode() + body


def chunked(body: str, sizes=(7, 1, 50)) -> bytes:
    data, out, i, k = body.encode(), b"", 0, 0
    while i < len(data):
        size = sizes[k % len(sizes)]
        out += b"%x;ext=1\r\n" % len(data[i:i + size]) + data[i:i + size] + b"\r\n"
        i, k = i + size, k + 1
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


class RawServer:
    """Each accepted request is answered by the next script: a callable (writer, request) -> awaitable."""

    def __init__(self):
        self.scripts: list = []
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body) as received
        self.connections = 0

    async def start(self) -> "RawServer":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                script = self.scripts.pop(0) if self.scripts else send(response())
                if await script(writer) == "close":
                    writer.close()
                    return
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


def send(*parts: bytes, pause_s: float = 0.0, then: str | None = None):
    async def script(writer):
        for part in parts:
            writer.write(part)
            await writer.drain()
            if pause_s:
                await asyncio.sleep(pause_s)
        return then
    return script


@pytest.fixture
async def raw():
    server = await RawServer().start()
    yield server
    await server.stop()


async def post(client: HttpClient, body=b'{"q": 1}'):
    return await client.post("/chat/completions", body)


async def test_a_plain_reply_is_read_and_the_connection_kept(raw):
    client = HttpClient(raw.base_url, {"Authorization": "Bearer k"}, timeout_s=5)
    try:
        first, second = await post(client), await post(client)
    finally:
        await client.aclose()
    assert first.status == second.status == 200 and json.loads(first.body) == json.loads(REPLY)
    assert raw.connections == 1, "keep-alive: both requests on one connection"
    head, body = raw.requests[0]
    assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n") and body == b'{"q": 1}'
    assert b"\r\nAuthorization: Bearer k\r\n" in head and b"\r\nHost: 127.0.0.1:" in head


async def test_each_request_is_written_byte_for_byte_whatever_its_path_and_length(raw):
    """The request line and fixed headers are made once per path: every request still carries its own
    path and Content-Length."""
    client = HttpClient(raw.base_url + "/", {"Authorization": "Bearer k"}, timeout_s=5)
    bodies = [("/chat/completions", b'{"q": 1}'), ("/completions", b"{}"),
              ("/chat/completions", b'{"q": "' + b"x" * 5000 + b'"}')]
    try:
        for path, body in bodies:
            await client.post(path, body)
    finally:
        await client.aclose()
    for (path, body), (head, received) in zip(bodies, raw.requests):
        assert head == (f"POST /v1{path} HTTP/1.1\r\nHost: 127.0.0.1:{raw.port}\r\nAuthorization: Bearer k\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        assert received == body
    assert len(raw.requests) == len(bodies)


async def test_a_reply_in_one_byte_pieces_is_put_together(raw):
    whole = response(headers={"Retry-After": "3"})
    raw.scripts.append(send(*[whole[i:i + 1] for i in range(len(whole))]))
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        reply = await post(client)
    finally:
        await client.aclose()
    assert reply.body == REPLY.encode() and reply.headers["retry-after"] == "3"


async def test_chunked_gzip_deflate_and_read_to_close_bodies(raw):
    raw.scripts += [
        send(response(chunked(REPLY), headers={"Content-Length": None, "Transfer-Encoding": "chunked"})),
        send(response(gzip.compress(REPLY.encode()), headers={"Content-Encoding": "gzip"})),
        send(response(zlib.compress(REPLY.encode()), headers={"Content-Encoding": "deflate"})),
        send(response(headers={"Content-Length": None}), then="close"),  # no length: the body ends at close
        send(b"HTTP/1.1 100 Continue\r\n\r\n" + response()),
    ]
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        replies = [await post(client) for _ in range(5)]
    finally:
        await client.aclose()
    assert [r.body for r in replies] == [REPLY.encode()] * 5
    assert raw.connections == 2, "only the read-to-close reply ends its connection"


async def test_connection_close_and_http_1_0_are_not_reused(raw):
    raw.scripts += [send(response(headers={"Connection": "close"}), then="close"),
                    send(response(version="HTTP/1.0"), then="close"),
                    send(response(version="HTTP/1.0", headers={"Connection": "keep-alive"})),
                    send(response())]
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        for _ in range(4):
            assert (await post(client)).status == 200
    finally:
        await client.aclose()
    assert raw.connections == 3


async def test_an_idle_connection_the_server_dropped_is_replaced(raw):
    """The server closes a kept connection after its reply; the next request goes out on a fresh
    one, whether the close was seen before sending or only once the request met it."""
    raw.scripts += [send(response(), then="close"), send(response(), then="close"), send(response())]
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        assert (await post(client)).status == 200
        await asyncio.sleep(0.05)  # the close has arrived: the connection is not offered again
        assert (await post(client)).status == 200
        assert (await post(client)).status == 200  # sent at once, on a connection that may be closing
    finally:
        await client.aclose()
    assert len(raw.requests) == 3 and raw.connections == 3


async def test_broken_replies_are_errors(raw):
    raw.scripts += [send(b"SSH-2.0-OpenSSH\r\n\r\n", then="close"),
                    send(response()[:-5], then="close"),  # cut off mid-body
                    send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", then="close"),
                    send(response(b"not gzip", headers={"Content-Encoding": "gzip"})),
                    send(response(headers={"Content-Length": "-4"}), then="close")]
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        for expected in ("not an HTTP reply", "mid-reply", "bad chunk size", "cannot be decoded", "negative"):
            with pytest.raises(HttpError, match=expected):
                await post(client)
        assert (await post(client)).status == 200, "a broken reply leaves the client usable"
    finally:
        await client.aclose()


async def test_a_silent_server_times_out_and_a_late_reply_is_never_read_as_the_next(raw):
    raw.scripts += [send(response(b'{"late": true}'), pause_s=0.0) for _ in range(1)]
    slow = raw.scripts[0]

    async def late(writer):
        await asyncio.sleep(0.3)
        return await slow(writer)
    raw.scripts[0] = late
    client = HttpClient(raw.base_url, {}, timeout_s=0.1)
    try:
        with pytest.raises(TimeoutError):
            await post(client)
        client.timeout_s = 5
        reply = await post(client)
    finally:
        await client.aclose()
    assert json.loads(reply.body) == json.loads(REPLY)


async def test_one_timer_serves_a_connections_requests_and_each_times_out_at_its_own_deadline(raw, monkeypatch):
    """A keep-alive connection keeps one timer across its requests (set once, not per request); a
    request asked with a shorter timeout on it, or one asked after the timer was set for an earlier
    request, still fails at its own deadline, and the connection is not used again."""
    loop = asyncio.get_running_loop()
    timers = []
    real_call_at = loop.call_at

    def call_at(when, callback, *args, **kwargs):  # the client's timers (the test server's sleeps use the loop too)
        if getattr(callback, "__self__", None).__class__.__name__ == "_Connection":
            timers.append(when)
        return real_call_at(when, callback, *args, **kwargs)
    monkeypatch.setattr(loop, "call_at", call_at)
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        assert (await post(client)).status == 200
        assert len(timers) == 1  # the connection's timer
        timers.clear()
        for _ in range(20):
            assert (await post(client)).status == 200
        assert timers == [] and raw.connections == 1  # one connection, no timer made for its next 20 requests

        async def silent(writer):
            await asyncio.sleep(1.0)
        raw.scripts.append(silent)
        client.timeout_s = 0.2  # earlier than the timer set for the first request: moved
        started = loop.time()
        with pytest.raises(TimeoutError):
            await post(client)
        assert 0.19 <= loop.time() - started < 0.6 and len(timers) == 1
        client.timeout_s = 5
        assert (await post(client)).status == 200 and raw.connections == 2  # a fresh connection

        # a timer set for an earlier request rings first, and is set again for this one's deadline
        client.timeout_s = 0.3
        timers.clear()
        assert (await post(client)).status == 200 and len(timers) == 1  # the timer set for 5 s, moved
        await asyncio.sleep(0.2)
        raw.scripts.append(silent)
        started = loop.time()
        with pytest.raises(TimeoutError):
            await post(client)
        assert 0.29 <= loop.time() - started < 0.7 and len(timers) == 2  # set again once, for this request
    finally:
        await client.aclose()


async def test_a_cancelled_request_closes_its_connection(raw):
    async def never(writer):
        await asyncio.sleep(10)
    raw.scripts.append(never)
    client = HttpClient(raw.base_url, {}, timeout_s=5)
    try:
        task = asyncio.create_task(post(client))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await post(client)).status == 200
    finally:
        await client.aclose()
    assert raw.connections == 2


async def test_the_pool_retries_a_dropped_connection_and_reads_statuses(raw):
    raw.scripts += [send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", then="close"),
                    send(response('{"error": {"message": "busy"}}', "503 Service Unavailable",
                                  {"Retry-After": "0"})),
                    send(response())]
    delays = []

    async def sleep(delay):
        delays.append(delay)
    profile = ServerProfile(name="t", model="m", endpoints=[Endpoint(url=raw.base_url)], timeout_s=5)
    async with ModelPool(profile, transport="http", sleep=sleep) as pool:
        record = await pool.complete(ChatRequest(messages=[{"role": "user", "content": "hi"}]))
    assert record.ok and record.text == "B" and record.attempts == 3 and len(delays) == 2
    assert json.loads(raw.requests[0][1])["messages"] == [{"role": "user", "content": "hi"}]
