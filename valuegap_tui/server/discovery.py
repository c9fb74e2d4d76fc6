"""What an endpoint says about itself: whether it is ready, which models it serves, how long a request
may be. Plain GET requests, used by the pool (to find a model to ask) and by the probe."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from valuegap_tui.server.profiles import Endpoint, server_root


async def _get_json(endpoint: Endpoint, url: str, timeout_s: float) -> tuple[int, Any]:
    import aiohttp

    headers = {}
    if (authorization := endpoint.authorization()) is not None:
        headers["Authorization"] = authorization
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s), headers=headers) as session:
        async with session.get(url) as resp:
            raw = await resp.read()
            try:
                return resp.status, json.loads(raw) if raw else None
            except (ValueError, RecursionError):  # RecursionError: nested too deeply to be a real reply
                return resp.status, raw.decode("utf-8", "replace")


async def check_health(endpoint: Endpoint, timeout_s: float = 5.0) -> tuple[bool, int | None, str | None]:
    """(ready, HTTP status, error). llama-server answers 503 while it loads."""
    import aiohttp

    try:
        status, _ = await _get_json(endpoint, server_root(endpoint.url) + "/health", timeout_s)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return False, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return status == 200, status, None if status == 200 else f"HTTP {status}"


async def list_models(endpoint: Endpoint, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """[{"id": ..., "max_model_len": ...}] from /v1/models."""
    status, data = await _get_json(endpoint, endpoint.url + "/models", timeout_s)
    if status != 200 or not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{endpoint.display_url}/models answered HTTP {status} without a model list")
    models = []
    for item in data["data"]:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            models.append({"id": item["id"], "max_model_len": item.get("max_model_len")})
    return models


async def context_length(endpoint: Endpoint, model: str | None = None,
                         timeout_s: float = 5.0) -> tuple[int, str] | None:
    """(tokens one request may use, where the server said so): llama-server's /props gives each slot's
    context (its -c divided by its parallel slots), vLLM's /v1/models the model's max_model_len."""
    import aiohttp

    try:
        status, data = await _get_json(endpoint, server_root(endpoint.url) + "/props", timeout_s)
        settings = data.get("default_generation_settings") if status == 200 and isinstance(data, dict) else None
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        if isinstance(n_ctx, int) and not isinstance(n_ctx, bool) and n_ctx > 0:
            return n_ctx, "llama-server /props n_ctx"
        models = await list_models(endpoint, timeout_s)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
        return None
    for found in models:
        length = found.get("max_model_len")
        if (model is None or found["id"] == model) and isinstance(length, int) and length > 0:
            return length, "/v1/models max_model_len"
    return None
