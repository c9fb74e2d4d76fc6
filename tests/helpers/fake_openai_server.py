"""A scriptable OpenAI-shaped HTTP server on 127.0.0.1 for client tests (aiohttp.web)."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def chat_reply(content: str | None = "B", *, reasoning: str | None = None, finish_reason: str = "stop",
               top_logprobs: dict[str, float] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning"] = reasoning
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason}
    if top_logprobs is not None:
        first = next(iter(top_logprobs))
        choice["logprobs"] = {"content": [{
            "token": first, "logprob": top_logprobs[first],
            "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top_logprobs.items()],
        }]}
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "fake-model",
            "choices": [choice], "usage": {"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12}}


@dataclass
class Fault:
    status: int = 500
    body: str = '{"error": {"message": "injected"}}'
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # > the client's timeout: a timeout


class FakeServer:
    """Answers /health, /v1/models and /v1/chat/completions; faults are served first, in order."""

    def __init__(self, reply: dict[str, Any] | None = None, latency_s: float = 0.0, count_prompt_tokens: bool = True):
        self.reply = reply or chat_reply()
        self.latency_s = latency_s
        #: report usage.prompt_tokens growing with the prompt (about 4 characters a token), as real servers do
        self.count_prompt_tokens = count_prompt_tokens
        self.faults: deque[Fault] = deque()
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.faults:
                fault = self.faults.popleft()
                if fault.delay_s:
                    await asyncio.sleep(fault.delay_s)
                return web.Response(status=fault.status, text=fault.body, headers=fault.headers,
                                    content_type="application/json")
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            reply = self.reply(body) if callable(self.reply) else self.reply
            if isinstance(reply, str):
                return web.Response(text=reply, content_type="application/json")
            if self.count_prompt_tokens and isinstance(reply.get("usage"), dict):
                reply = {**reply, "usage": {**reply["usage"],
                                            "prompt_tokens": max(1, len(json.dumps(body["messages"])) // 4)}}
            return web.json_response(reply)
        finally:
            self.in_flight -= 1

    async def _models(self, request):
        return web.json_response({"object": "list", "data": [{"id": "fake-model", "max_model_len": 4096}]})

    async def _health(self, request):
        return web.Response(text="ok")

    async def start(self) -> "FakeServer":
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
