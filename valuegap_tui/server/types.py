"""What every caller hands to the shared client and gets back.

Generation, label checks and evaluation all speak in these terms, so they can be tested against
the simulator, llama-server, vLLM or a fake with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol


class AnswerMode(str, Enum):
    """How a multiple-choice answer (letters A-F) is obtained."""

    TEXT = "text"  # parse the reply: a standalone letter, or the option text
    CONSTRAINED = "constrained"  # the server may only answer one of the letters
    LOGPROBS = "logprobs"  # top logprobs of the first answer token, renormalised over the letters


@dataclass
class ChatRequest:
    """One chat completion. ``messages`` are OpenAI-style dicts; everything else is optional."""

    messages: list[dict[str, str]]
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    #: OpenAI response_format, e.g. {"type": "json_schema", "json_schema": {"name": ..., "schema": ...}}
    response_format: dict[str, Any] | None = None
    #: restrict the reply to one of these strings (vLLM structured_outputs choice, or a json_schema enum)
    choices: list[str] | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    #: merged into the request body as is (chat_template_kwargs, reasoning_effort ...)
    extra_body: dict[str, Any] = field(default_factory=dict)
    #: a caller's tag carried to the record (e.g. an item id); never sent to the server
    tag: str | None = None


@dataclass
class CompletionRecord:
    """Everything a call produced, success or not. ``error`` is None on success."""

    text: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    attempts: int = 0
    error: str | None = None
    #: "http_400", "http_429", "http_5xx", "timeout", "connection", "protocol" ... when error is set
    error_kind: str | None = None
    endpoint: str | None = None
    model: str | None = None
    #: top logprobs of the first generated token: {token: logprob}, when asked for
    first_token_logprobs: dict[str, float] | None = None
    tag: str | None = None
    #: the server replied, but not in the chat format (content not text, no choices): why
    malformed: str | None = None
    #: characters cut off the reply text and the reasoning beyond the client's cap
    text_dropped: int = 0
    reasoning_dropped: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


class ChatClient(Protocol):
    """The one interface callers use; ``server.client`` implements it against real endpoints."""

    async def complete(self, request: ChatRequest, *, model: str | None = None) -> CompletionRecord: ...

    async def aclose(self) -> None: ...
