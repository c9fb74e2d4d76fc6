"""The one client every stage uses to talk to OpenAI-compatible servers (vLLM, llama-server, the simulator).

``ModelPool`` serves one model from one or more endpoints: each endpoint has a bounded number of
requests in flight, a new request goes to the endpoint with the fewest in flight, and failures that
can pass (429, 5xx, timeouts, dropped connections) are retried with exponential backoff and jitter,
honouring ``retry-after``. A 400/422 is the caller's problem (context too long, bad schema) and is
returned at once. Every call returns a ``CompletionRecord``; it never raises for a server's failure.

Three transports carry the requests, with the same retry and concurrency logic on top:

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
import logging
import random
import re
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from valuegap_tui.server import wire
from valuegap_tui.server.profiles import Endpoint, ServerProfile, profile_for_url
from valuegap_tui.server.urls import strip_credentials
from valuegap_tui.server.types import ChatRequest, CompletionRecord

log = logging.getLogger("valuegap.server")

RETRYABLE_KINDS = {"http_429", "http_5xx", "timeout", "connection"}
#: failures that mean no server answered at all (a refused or reset connection, a timeout)
UNREACHABLE_KINDS = {"timeout", "connection"}
#: longest retry-after we wait for; a server asking for more is treated as down for now
RETRY_AFTER_CAP_S = 120.0
#: the json_schema name used when choices are sent as an enum
CHOICE_SCHEMA_NAME = "choice"
JSON_CHOICE_MIN_TOKENS = 64
#: the request rate shown per endpoint is averaged over this many seconds
RATE_WINDOW_S = 5
#: reply and reasoning text kept per reply (characters); the rest is counted, not stored or parsed:
#: a few answer tokens or a 1,500-token dilemma are far below it, a runaway 5 MB reply is not
REPLY_TEXT_CAP = 64 * 1024


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


def _kind_for_status(status: int, message: str = "") -> str:
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


def _error_message(status: int, body: str) -> str:
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


# --- transports -------------------------------------------------------------------------------------


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
                    message = _error_message(resp.status, raw.decode("utf-8", "replace"))
                    raise TransportError(
                        _kind_for_status(resp.status, message), message, status=resp.status,
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
        from valuegap_tui.server.lean_http import HttpClient

        self.endpoint = endpoint
        self.timeout_s = timeout_s
        headers = {}
        if (authorization := endpoint.authorization()) is not None:
            headers["Authorization"] = authorization
        self._client = HttpClient(endpoint.url, headers, timeout_s)

    async def post_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        from valuegap_tui.server.lean_http import HttpError

        try:
            reply = await self._client.post("/chat/completions", wire.dumps(body))
        except TimeoutError:
            raise TransportError("timeout", f"no reply within {self.timeout_s:g} s") from None
        except HttpError as exc:
            raise TransportError("connection", f"connection failed: {exc}") from None
        raw = reply.body
        if reply.status != 200:
            message = _error_message(reply.status, raw.decode("utf-8", "replace"))
            raise TransportError(
                _kind_for_status(reply.status, message), message, status=reply.status,
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
            message = _error_message(exc.status_code, exc.response.text)
            raise TransportError(
                _kind_for_status(exc.status_code, message), message, status=exc.status_code,
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


# --- per-endpoint state and counters ----------------------------------------------------------------


@dataclass
class EndpointStats:
    """A snapshot of one endpoint's counters (the Servers screen shows these live)."""

    url: str
    capacity: int
    in_flight: int
    completed: int
    errors: int
    retries: int
    rate_per_s: float
    mean_latency_s: float | None
    last_error: str | None


@dataclass
class _EndpointState:
    endpoint: Endpoint
    transport: Any
    in_flight: int = 0
    completed: int = 0
    errors: int = 0
    retries: int = 0
    latency_total: float = 0.0
    last_error: str | None = None
    #: error kinds already logged since the endpoint last answered (each is logged once)
    warned: set = field(default_factory=set)
    #: completions per whole second, newest last: [second, count] (cheap at thousands per second)
    recent: deque = field(default_factory=lambda: deque(maxlen=RATE_WINDOW_S + 1))

    def count_completion(self) -> None:
        second = int(time.monotonic())
        if self.recent and self.recent[-1][0] == second:
            self.recent[-1][1] += 1
        else:
            self.recent.append([second, 1])

    def snapshot(self) -> EndpointStats:
        now = int(time.monotonic())
        # whole seconds already over, so the rate does not dip at the start of each second
        done = sum(n for second, n in list(self.recent) if now - RATE_WINDOW_S <= second < now)
        return EndpointStats(
            url=self.endpoint.display_url, capacity=self.endpoint.concurrency, in_flight=self.in_flight,
            completed=self.completed, errors=self.errors, retries=self.retries,
            rate_per_s=done / RATE_WINDOW_S,
            mean_latency_s=self.latency_total / self.completed if self.completed else None,
            last_error=self.last_error,
        )


#: pools alive in this process, so the Servers screen can show their counters while work runs
_ACTIVE_POOLS: "weakref.WeakSet[ModelPool]" = weakref.WeakSet()


def active_pools() -> list["ModelPool"]:
    return list(_ACTIVE_POOLS)


class ModelPool:
    """A ChatClient for one profile: one model, one or more endpoints."""

    def __init__(self, profile: ServerProfile, *, transport: str | None = None, constraint: str | None = None,
                 sleep=asyncio.sleep):
        self.profile = profile
        self.transport_name = transport or profile.transport
        if self.transport_name not in TRANSPORTS:
            raise ValueError(f"unknown transport {self.transport_name!r} (known: {', '.join(TRANSPORTS)})")
        style = constraint or profile.constraint
        #: how ChatRequest.choices is sent; "auto" means structured_outputs (vLLM) until a probe says otherwise
        self.constraint = "structured_outputs" if style == "auto" else style
        self._states = [
            _EndpointState(endpoint=e, transport=TRANSPORTS[self.transport_name](e, profile.timeout_s))
            for e in profile.endpoints
        ]
        self._defaults = profile.generation.body_defaults()
        self._model = profile.model
        self._model_lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._sleep = sleep
        self._rng = random.Random()
        #: when every request started failing to connect (None while the server answers), and how
        self._unreachable_since: float | None = None
        self._unreachable_error: str | None = None
        _ACTIVE_POOLS.add(self)

    @classmethod
    def from_profile(cls, profile: ServerProfile, **kwargs) -> "ModelPool":
        return cls(profile, **kwargs)

    # --- public API ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def model(self) -> str | None:
        return self._model

    def stats(self) -> list[EndpointStats]:
        return [s.snapshot() for s in self._states]

    async def resolve_model(self) -> str:
        """The profile's model, else the first one the first endpoint lists."""
        if self._model:
            return self._model
        if self._model_lock is None:
            self._model_lock = asyncio.Lock()
        async with self._model_lock:
            if not self._model:
                from valuegap_tui.server.probe import list_models

                endpoint = self._states[0].endpoint
                models = await list_models(endpoint, timeout_s=min(self.profile.timeout_s, 30.0))
                if not models:
                    raise TransportError("protocol", f"{endpoint.display_url}/models lists no model")
                self._model = models[0]["id"]
        return self._model

    async def complete(self, request: ChatRequest, *, model: str | None = None) -> CompletionRecord:
        started = time.perf_counter()
        record = CompletionRecord(tag=request.tag)
        try:
            record.model = model or await self.resolve_model()
        except TransportError as exc:
            record.error, record.error_kind = f"cannot find the model to use: {exc}", exc.kind
            record.latency_s = time.perf_counter() - started
            return record
        body = self.build_body(request, record.model)
        for attempt in range(1, self.profile.max_attempts + 1):
            record.attempts = attempt
            if self._slots is None:
                self._slots = asyncio.Semaphore(self.profile.capacity)
            error: TransportError | None = None
            # One pool-wide count of free slots: when one frees, the waiting request goes to the endpoint
            # with the fewest in flight (relative to its concurrency), which always has a free slot.
            async with self._slots:
                state = self._pick()
                record.endpoint = state.endpoint.display_url
                state.in_flight += 1
                sent = time.perf_counter()
                try:
                    payload = await state.transport.post_chat(body)
                    self._fill(record, payload, request)
                except TransportError as exc:
                    error = exc
                finally:
                    state.in_flight -= 1
            if error is None:
                state.completed += 1
                state.latency_total += time.perf_counter() - sent
                state.count_completion()
                self._answered(state)
                break
            state.errors += 1
            state.last_error = str(error)
            record.error, record.error_kind = str(error), error.kind
            if error.kind in UNREACHABLE_KINDS:
                self._unreachable(state, error)
            else:
                self._answered(state)  # an HTTP error is a reply: the server is there
            # The caller decides whether the item is asked again later, so this says what happened
            # to this request, not that the work was abandoned.
            if not error.retryable or attempt == self.profile.max_attempts:
                self._warn_once(state, error, f"{state.endpoint.display_url}: {error} (request failed after"
                                f" {attempt} attempt{'' if attempt == 1 else 's'})")
                break
            if error.retry_after is not None and error.retry_after > RETRY_AFTER_CAP_S:
                self._warn_once(state, error, f"{state.endpoint.display_url} asks to retry after"
                                f" {error.retry_after:.0f} s, longer than {RETRY_AFTER_CAP_S:.0f} s: request failed")
                break
            state.retries += 1
            delay = self.backoff_delay(attempt, error.retry_after)
            log.info("%s: %s; retry %d in %.2f s", state.endpoint.display_url, error, attempt, delay)
            await self._sleep(delay)
        record.latency_s = time.perf_counter() - started
        return record

    def unreachable_for(self) -> float:
        """Seconds since every endpoint of this pool stopped answering (connections refused or reset,
        timeouts, and no reply of any kind since); 0 while the server answers."""
        if self._unreachable_since is None:
            return 0.0
        return time.monotonic() - self._unreachable_since

    @property
    def unreachable_error(self) -> str | None:
        """The failure that started the current silence, if any."""
        return self._unreachable_error if self._unreachable_since is not None else None

    def _answered(self, state: "_EndpointState") -> None:
        if state.warned & RETRYABLE_KINDS:  # a passing failure is said again if it comes back
            if state.warned & UNREACHABLE_KINDS:
                log.warning("%s answers again", state.endpoint.display_url)
            state.warned -= RETRYABLE_KINDS
        self._unreachable_since = self._unreachable_error = None

    def _unreachable(self, state: "_EndpointState", error: TransportError) -> None:
        if self._unreachable_since is None:
            self._unreachable_since, self._unreachable_error = time.monotonic(), str(error)
        if not state.warned & UNREACHABLE_KINDS:
            state.warned.add(error.kind)
            log.warning("%s stopped answering: %s (requests go on being retried; said once until it answers)",
                        state.endpoint.display_url, error)

    def _warn_once(self, state: "_EndpointState", error: TransportError, message: str) -> None:
        """A failure is logged once per endpoint and kind (a passing one, such as a 5xx, again after the
        endpoint has answered): a server that refuses every request of a run gives one line, not one per
        request."""
        if error.kind in state.warned:
            log.debug("%s", message)
            return
        state.warned.add(error.kind)
        if error.kind in UNREACHABLE_KINDS:
            log.warning("%s", message)
        else:
            log.warning("%s (said once%s)", message, " until it answers" if error.kind in RETRYABLE_KINDS else "")

    def backoff_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential backoff with full jitter; a server's retry-after is a floor, never shortened."""
        ceiling = min(self.profile.backoff_max_s, self.profile.backoff_base_s * (2 ** (attempt - 1)))
        delay = self._rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    async def aclose(self) -> None:
        for state in self._states:
            await state.transport.aclose()
        _ACTIVE_POOLS.discard(self)

    async def __aenter__(self) -> "ModelPool":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # --- internals -----------------------------------------------------------------------------
    def _pick(self) -> _EndpointState:
        """Least in flight, relative to each endpoint's capacity (ties: the first listed)."""
        if len(self._states) == 1:
            return self._states[0]
        return min(self._states, key=lambda s: s.in_flight / s.endpoint.concurrency)

    def build_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        """The JSON body for ``request``: profile defaults, then the request's own fields."""
        body: dict[str, Any] = dict(self._defaults)
        if "chat_template_kwargs" in request.extra_body and "chat_template_kwargs" in body:
            body["chat_template_kwargs"] = {**body["chat_template_kwargs"], **request.extra_body["chat_template_kwargs"]}
            extra = {k: v for k, v in request.extra_body.items() if k != "chat_template_kwargs"}
        else:
            extra = request.extra_body
        body.update(extra)
        body["model"] = model
        body["messages"] = request.messages
        for key in ("max_tokens", "temperature", "seed", "response_format"):
            value = getattr(request, key)
            if value is not None:
                body[key] = value
        if request.logprobs:
            body["logprobs"] = True
            if request.top_logprobs is not None:
                body["top_logprobs"] = request.top_logprobs
        if request.choices:
            self._add_constraint(body, list(request.choices))
        return body

    def _add_constraint(self, body: dict[str, Any], choices: list[str]) -> None:
        if self.constraint == "json_schema":
            body["response_format"] = choice_response_format(choices)
            # the JSON wrapper (and the whitespace a grammar allows in it) costs tokens a bare letter does not
            if body.get("max_tokens") is not None:
                body["max_tokens"] = max(body["max_tokens"], JSON_CHOICE_MIN_TOKENS)
        elif self.constraint == "guided_choice":
            body["guided_choice"] = choices  # vLLM < 0.12
        else:
            body["structured_outputs"] = {"choice": choices}

    def _fill(self, record: CompletionRecord, payload: dict[str, Any], request: ChatRequest) -> None:
        record.error = record.error_kind = None
        fill_record(record, payload, unwrap=bool(request.choices) and self.constraint == "json_schema")


def fill_record(record: CompletionRecord, payload: Any, *, unwrap: bool = False) -> None:
    """Copy a chat-completion reply into ``record``, whatever its shape: content that is not text sets
    ``record.malformed``; text is capped. A reply without choices raises a protocol TransportError."""
    choices = payload.get("choices") if isinstance(payload, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    if not isinstance(choice, dict):
        raise TransportError("protocol", f"reply has no choices: {str(payload)[:200]}")
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    text, problem = reply_text(message.get("content"))
    if unwrap and isinstance(text, str) and len(text) <= REPLY_TEXT_CAP:
        text = unwrap_choice(text)
    record.malformed = problem
    record.text, record.text_dropped = cap_text(text)
    reasoning, _ = reply_text(message.get("reasoning") or message.get("reasoning_content"))
    record.reasoning, record.reasoning_dropped = cap_text(reasoning)
    finish = choice.get("finish_reason")
    record.finish_reason = finish if isinstance(finish, str) else None
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    record.prompt_tokens = _count(usage.get("prompt_tokens"))
    record.completion_tokens = _count(usage.get("completion_tokens"))
    record.first_token_logprobs = first_token_logprobs(choice.get("logprobs"))


def reply_text(content: Any) -> tuple[str | None, str | None]:
    """(text, problem): a string as is; OpenAI content parts joined; anything else is no text and says so."""
    if content is None or isinstance(content, str):
        return content, None
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if parts:
            return "".join(parts), None
        return None, "the reply's content is a list without text parts"
    return None, f"the reply's content is a {type(content).__name__}, not text"


def cap_text(text: str | None, cap: int = REPLY_TEXT_CAP) -> tuple[str | None, int]:
    """The first ``cap`` characters and how many were cut off."""
    if text is None or len(text) <= cap:
        return text, 0
    return text[:cap], len(text) - cap


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def choice_response_format(choices: list[str]) -> dict[str, Any]:
    """A json_schema response_format that only admits {"answer": <one of choices>}."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": CHOICE_SCHEMA_NAME,
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"answer": {"type": "string", "enum": choices}},
                "required": ["answer"],
                "additionalProperties": False,
            },
        },
    }


def unwrap_choice(text: str) -> str:
    """``{"answer": "C"}`` -> ``C``; anything else is returned unchanged (and judged by the caller)."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict) and isinstance(data.get("answer"), str):
        return data["answer"]
    return text


def first_token_logprobs(logprobs: Any) -> dict[str, float] | None:
    """{token: logprob} for the first generated token's top candidates (OpenAI chat format)."""
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if not content or not isinstance(content, list) or not isinstance(content[0], dict):
        return None
    first = content[0]
    found: dict[str, float] = {}
    for item in first.get("top_logprobs") or []:
        if isinstance(item, dict) and isinstance(item.get("token"), str) and isinstance(item.get("logprob"), (int, float)):
            found.setdefault(item["token"], float(item["logprob"]))
    if not found and isinstance(first.get("token"), str) and isinstance(first.get("logprob"), (int, float)):
        found[first["token"]] = float(first["logprob"])
    return found or None


def build_client(
    profile: ServerProfile | None = None,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    concurrency: int | None = None,
    transport: str | None = None,
    constraint: str | None = None,
    study: Any = None,
    **settings: Any,
) -> ModelPool:
    """A pool for ``profile``, or for a single ``base_url`` (tests, --base-url).

    With a ``study``, choices are sent in the constraint style its last probe of the first endpoint
    found to hold (unless the profile or ``constraint`` names one).
    """
    if profile is None:
        if base_url is None:
            from valuegap_tui.server.profiles import get_profile

            profile = get_profile()
        else:
            profile = profile_for_url(base_url, model=model, api_key=api_key, concurrency=concurrency or 64, **settings)
    else:
        updates: dict[str, Any] = {}
        if model:
            updates["model"] = model
        if concurrency:
            updates["endpoints"] = [e.model_copy(update={"concurrency": concurrency}) for e in profile.endpoints]
        if updates:
            profile = profile.model_copy(update=updates)
    if constraint is None and study is not None and profile.constraint == "auto":
        from valuegap_tui.store.server import constraint_style_for

        constraint = constraint_style_for(study, profile.endpoints[0].url)
    return ModelPool(profile, transport=transport, constraint=constraint)


__all__ = [
    "ModelPool", "build_client", "EndpointStats", "TransportError", "active_pools", "choice_response_format",
    "unwrap_choice", "first_token_logprobs", "strip_credentials", "fill_record", "reply_text",
    "cap_text",
]
