"""The one client every stage uses to talk to OpenAI-compatible servers (vLLM, llama-server, the simulator).

``ModelPool`` serves one model from one or more endpoints: each endpoint has a bounded number of
requests in flight, a new request goes to the endpoint with the fewest in flight, and failures that
can pass (429, 5xx, timeouts, dropped connections) are retried with exponential backoff and jitter,
honouring ``retry-after``. A 400/422 is the caller's problem (context too long, bad schema) and is
returned at once. Every call returns a ``CompletionRecord``; it never raises for a server's failure.

The requests travel by one of three transports (``server/transports.py``), with the same retry and
concurrency logic on top; replies are read by ``server/replies.py``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from valuegap_tui.server.discovery import list_models
from valuegap_tui.server.profiles import Endpoint, ServerProfile, profile_for_url
from valuegap_tui.server.replies import choice_response_format, fill_record
from valuegap_tui.server.transports import RETRYABLE_KINDS, TRANSPORTS, UNREACHABLE_KINDS, TransportError
from valuegap_tui.server.types import ChatRequest, CompletionRecord

log = logging.getLogger("valuegap.server")

#: longest retry-after we wait for; a server asking for more is treated as down for now
RETRY_AFTER_CAP_S = 120.0
JSON_CHOICE_MIN_TOKENS = 64
#: the request rate shown per endpoint is averaged over this many seconds
RATE_WINDOW_S = 5


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
            # acquire and release, not ``async with``: its __aenter__ and __aexit__ are two more coroutines
            # a request
            slots = self._slots
            await slots.acquire()
            try:
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
            finally:
                slots.release()
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
                self._answered(state, UNREACHABLE_KINDS)  # an HTTP error is a reply: the server is there
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

    def _answered(self, state: "_EndpointState", passed=RETRYABLE_KINDS) -> None:
        """The endpoint replied: the failures of the ``passed`` kinds are said again if they come back
        (after an HTTP error, only its silence has passed: a 5xx outage is said once, not per request)."""
        if state.warned & passed:
            if state.warned & UNREACHABLE_KINDS:
                log.warning("%s answers again", state.endpoint.display_url)
            state.warned -= passed
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



def build_client(
    profile: ServerProfile | None = None,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    concurrency: int | None = None,
    transport: str | None = None,
    constraint: str | None = None,
    **settings: Any,
) -> ModelPool:
    """A pool for ``profile``, or for a single ``base_url`` (tests, --base-url). ``constraint``: how
    choices are sent, instead of the profile's (``store.server.probed_constraint`` gives the style a
    study's last probe of the server found to hold)."""
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
    return ModelPool(profile, transport=transport, constraint=constraint)

