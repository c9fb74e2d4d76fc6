"""The three ways a request reaches an OpenAI-compatible server, each failing the same way.

Every transport posts one chat completion and returns the parsed reply, or raises ``TransportError``
with a *kind* the pool acts on (``server/client.py``): 429, 5xx, timeouts and dropped connections can
pass and are retried; ``too_long`` and other 4xx are the caller's problem; ``protocol`` means the server
answered something that is not a reply.

* ``http`` (default): the lean HTTP/1.1 client in ``server/lean_http.py``: a request head prepared
  once per endpoint, replies read with a few ``bytes.find`` calls, keep-alive connections. A study's
  evaluation sends 100k+ short requests; measured on a 2-core machine against a loopback server it
  spends ~0.08 ms of client CPU per request, a bare aiohttp loop ~0.29 ms (bench/vs_peers.py), and
  it imports in a few milliseconds where aiohttp takes ~0.25 s.
* ``aiohttp``: a plain aiohttp POST and ``json.loads``; the ``openai`` SDK spends ~2 ms of client CPU
  per request (~500 req/s at best, whatever its HTTP backend).
* ``openai``: ``openai.AsyncOpenAI``, for its typed errors and for servers that need SDK behaviour;
  fine for low-volume work (dilemma generation, probes).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from valuegap_tui.server import wire
from valuegap_tui.server.profiles import Endpoint

RETRYABLE_KINDS = {"http_429", "http_5xx", "timeout", "connection"}
#: failures that mean no server answered at all (a refused or reset connection, a timeout)
UNREACHABLE_KINDS = {"timeout", "connection"}


class TransportError(Exception):
    """A request that produced no usable reply."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


#: how servers say a request does not fit the model's context: llama-server ("Context size has been
#: exceeded", HTTP 500 or 400), vLLM ("This model's maximum context length is ..."), OpenAI
#: ("context_length_exceeded")
_CONTEXT_EXCEEDED = re.compile(
    r"context[ _](?:size|length|window)|maximum context|exceeds? the (?:available )?context|n_ctx|"
    r"prompt is too long|too many tokens|max_tokens .{0,60}(?:too large|exceed)", re.IGNORECASE)


def kind_for_status(status: int, message: str = "") -> str:
    """The error kind of an HTTP status; a request too long for the server's context is ``too_long``
    whatever status the server chose for it (never retried: it would not fit next time either)."""
    if status in (400, 413, 422, 500) and _CONTEXT_EXCEEDED.search(message):
        return "too_long"
    if status == 429:
        return "http_429"
    if status >= 500:
        return "http_5xx"
    return f"http_{status}"


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_message(status: int, body: str) -> str:
    """The server's own message when it sent one (vLLM: {"error": {"message": ...}} or {"message": ...})."""
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            err = data.get("error", data)
            if isinstance(err, dict) and err.get("message"):
                return f"HTTP {status}: {err['message']}"
            if isinstance(err, str):
                return f"HTTP {status}: {err}"
    except (ValueError, TypeError):
        pass
    snippet = body.strip().replace("\n", " ")[:300]
    return f"HTTP {status}: {snippet}" if snippet else f"HTTP {status}"



class AiohttpTransport:
    """One aiohttp session per endpoint, created on first use inside the running loop."""

    def __init__(self, endpoint: Endpoint, timeout_s: float):
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._session = None

    def _get_session(self):
        import aiohttp

        if self._session is None or self._session.closed:
            headers = {"Content-Type": "application/json"}
            if (authorization := self.endpoint.authorization()) is not None:
                headers["Authorization"] = authorization
            connector = aiohttp.TCPConnector(limit=self.endpoint.concurrency, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            )
        return self._session

    async def post_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        import aiohttp

        session = self._get_session()
        try:
            async with session.post(self.endpoint.url + "/chat/completions", data=json.dumps(body)) as resp:
                raw = await resp.read()
                if resp.status != 200:
                    message = error_message(resp.status, raw.decode("utf-8", "replace"))
                    raise TransportError(
                        kind_for_status(resp.status, message), message, status=resp.status,
                        retry_after=_parse_retry_after(resp.headers.get("retry-after")),
                    )
        except asyncio.TimeoutError:
            raise TransportError("timeout", f"no reply within {self.timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise TransportError("connection", f"connection failed: {type(exc).__name__}: {exc}") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise TransportError("protocol", f"reply is not JSON: {raw[:200]!r}") from None

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class HttpTransport:
    """The lean HTTP/1.1 client (server/lean_http.py): the same requests and errors as the aiohttp
    transport at about a quarter of its client CPU per request, and nothing heavy to import."""

    def __init__(self, endpoint: Endpoint, timeout_s: float):
        from valuegap_tui.server.lean_http import HttpClient, HttpError

        self._http_error = HttpError  # imported here once, not at each request
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        headers = {}
        if (authorization := endpoint.authorization()) is not None:
            headers["Authorization"] = authorization
        self._client = HttpClient(endpoint.url, headers, timeout_s)

    async def post_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            reply = await self._client.post("/chat/completions", wire.dumps(body))
        except TimeoutError:
            raise TransportError("timeout", f"no reply within {self.timeout_s:g} s") from None
        except self._http_error as exc:
            raise TransportError("connection", f"connection failed: {exc}") from None
        raw = reply.body
        if reply.status != 200:
            message = error_message(reply.status, raw.decode("utf-8", "replace"))
            raise TransportError(
                kind_for_status(reply.status, message), message, status=reply.status,
                retry_after=_parse_retry_after(reply.headers.get("retry-after")),
            )
        try:
            return wire.loads(raw)
        except ValueError:
            raise TransportError("protocol", f"reply is not JSON: {raw[:200]!r}") from None

    async def aclose(self) -> None:
        await self._client.aclose()


class OpenAITransport:
    """``openai.AsyncOpenAI`` with its own retries off: the pool retries, the same way for both transports."""

    def __init__(self, endpoint: Endpoint, timeout_s: float):
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._client = None

    def _get_client(self):
        if self._client is None:
            import openai

            key = self.endpoint.api_key.get_secret_value() if self.endpoint.api_key else "none"
            authorization = self.endpoint.authorization()
            self._client = openai.AsyncOpenAI(
                base_url=self.endpoint.url, api_key=key, max_retries=0, timeout=self.timeout_s,
                # the SDK sends "Bearer <key>"; credentials from the URL replace it (custom headers win)
                default_headers={"Authorization": authorization} if authorization else None,
            )
        return self._client

    async def post_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        import openai

        client = self._get_client()
        body = dict(body)
        known = {
            k: body.pop(k)
            for k in ("model", "messages", "max_tokens", "temperature", "top_p", "seed", "response_format",
                      "logprobs", "top_logprobs", "reasoning_effort")
            if k in body
        }
        try:
            completion = await client.chat.completions.create(**known, extra_body=body or None)
        except openai.APIStatusError as exc:
            message = error_message(exc.status_code, exc.response.text)
            raise TransportError(
                kind_for_status(exc.status_code, message), message, status=exc.status_code,
                retry_after=_parse_retry_after(exc.response.headers.get("retry-after")),
            ) from None
        except openai.APITimeoutError:
            raise TransportError("timeout", f"no reply within {self.timeout_s:g} s") from None
        except openai.APIConnectionError as exc:
            raise TransportError("connection", f"connection failed: {exc}") from None
        except (ValueError, openai.APIResponseValidationError) as exc:
            raise TransportError("protocol", f"reply not understood: {exc}") from None
        return completion.model_dump()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = None


TRANSPORTS = {"http": HttpTransport, "aiohttp": AiohttpTransport, "openai": OpenAITransport}
