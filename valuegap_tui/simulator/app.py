"""The simulated respondent's HTTP side: an OpenAI-compatible aiohttp application around ``Simulator``
(``simulator/respondent.py``), with its planted faults (429, 500, timeouts) and latency.

Routes: GET /health, GET /v1/models, POST /v1/chat/completions, GET /simulator/params,
GET /simulator/stats.
"""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

from valuegap_tui.simulator.respondent import BadRequest, Simulator

SIMULATOR_KEY = web.AppKey("simulator", Simulator)


def _error(status: int, message: str, kind: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": status}}, status=status)


async def _rest_of(latency_s: float, started: float) -> None:
    """Sleep for what is left of ``latency_s`` since ``started``."""
    remaining = latency_s - (time.perf_counter() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)


def build_app(simulator: Simulator) -> web.Application:
    params = simulator.params
    stats = simulator.stats
    capacity = asyncio.Semaphore(max(1, params.capacity))
    models_body = json.dumps({"object": "list", "data": [{
        "id": params.model_name, "object": "model", "owned_by": "valuegap-simulator", "created": int(time.time()),
        "max_model_len": params.max_model_len, "simulated": True,
        "description": "SIMULATED respondent: a planted behaviour model, not a language model"}]})

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="")

    async def models(_request: web.Request) -> web.Response:
        return web.Response(text=models_body, content_type="application/json")

    async def show_params(_request: web.Request) -> web.Response:
        return web.json_response(params.public())

    async def show_stats(_request: web.Request) -> web.Response:
        return web.json_response(stats.snapshot())

    async def chat(request: web.Request) -> web.Response:
        stats.requests += 1
        try:
            body = json.loads(await request.read())
            if not isinstance(body, dict):
                raise ValueError("body is not a JSON object")
        except ValueError as exc:
            stats.bad_requests += 1
            return _error(400, f"invalid JSON body: {exc}", "BadRequestError")
        fault = simulator.draw_fault()
        if fault == "429":
            stats.faults["429"] += 1
            response = _error(429, "simulated overload: too many requests", "RateLimitError")
            response.headers["Retry-After"] = f"{params.retry_after_s:g}"
            return response
        if fault == "timeout":
            stats.faults["timeout"] += 1
            await asyncio.sleep(params.timeout_hang_s)
            return _error(504, "simulated timeout", "Timeout")
        stats.in_flight += 1
        try:
            async with capacity:
                # A slot is busy for the latency, and the reply's own CPU time is part of that
                # latency (as a GPU server's compute is): otherwise the simulator's CPU cost would
                # lower its capacity below capacity / latency and blur throughput measurements.
                slot_started = time.perf_counter()
                latency = simulator.latency_s()
                if fault == "500":
                    await _rest_of(latency, slot_started)
                    stats.faults["500"] += 1
                    return _error(500, "simulated internal server error", "InternalServerError")
                if fault == "malformed":
                    stats.faults["malformed"] += 1
                try:
                    text = json.dumps(simulator.respond(body, malformed=fault == "malformed"))
                except BadRequest as exc:
                    await _rest_of(latency, slot_started)
                    stats.bad_requests += 1
                    return _error(400, str(exc), "BadRequestError")
                await _rest_of(latency, slot_started)
                return web.Response(text=text, content_type="application/json")
        finally:
            stats.in_flight -= 1

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_get("/health", health)
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/simulator/params", show_params)
    app.router.add_get("/simulator/stats", show_stats)
    app[SIMULATOR_KEY] = simulator
    return app
