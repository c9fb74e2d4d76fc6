"""Multiple-choice answers (letters A-F): the request for each answer mode, and reading the reply.

* ``constrained``: the server may only emit one of the letters (the client sends the constraint in
  the form the probe found honoured). A reply outside the letters means the constraint did not hold.
* ``logprobs``: one token, unconstrained; the first token's top logprobs are renormalised over the
  letters, and the probability mass the letters covered is recorded (low mass = the model wanted to
  say something else). The answer is the most probable letter.
* ``text``: free reply, read by ``server/reader.py``: a letter only when exactly one option is meant
  and nothing in the reply contradicts it (a letter beside another option's text is a conflict;
  several letters, a list or a negated letter are ambiguous; a refusal is a refusal). Anything else is
  invalid, with the raw text kept and the outcome that says why; nothing is guessed.

Reasoning models answer in ``content`` after their reasoning (kept separately by the client); they
need a token budget large enough for the reasoning, or they stop with finish_reason "length".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from valuegap_tui.server.reader import read_text
from valuegap_tui.server.types import AnswerMode, ChatRequest, CompletionRecord

LETTERS = "ABCDEF"
#: top_logprobs asked for: vLLM's default --max-logprobs and the OpenAI API limit
TOP_LOGPROBS = 20
TEXT_MAX_TOKENS = 32
REASONING_MAX_TOKENS = 4096
#: below this cap a reasoning model's thinking is often cut off before it answers
REASONING_MIN_TOKENS = 1024

#: model families known to think before answering: (pattern on the served name, can thinking be switched off?)
_REASONING_MODELS = (
    (r"gpt-oss", False), (r"deepseek-r1|r1-distill", False), (r"\bqwq", False), (r"thinking", False),
    (r"magistral", False), (r"phi-4-(mini-)?reasoning", False), (r"(^|/)o[134](-mini)?\b", False),
    (r"qwen3(?!.*instruct)", True), (r"glm-4\.[5-9]", True),
)


def known_reasoning(model: str) -> bool | None:
    """None: not known to reason; False: reasons and cannot be told not to; True: reasons unless
    switched off (``enable_thinking = false``)."""
    name = model.lower()
    for pattern, switchable in _REASONING_MODELS:
        if re.search(pattern, name):
            return switchable
    return None


def token_cap_warning(model: str, max_tokens: int | None, *, thinking_off: bool = False) -> str | None:
    """A warning when ``model`` is known to reason and ``max_tokens`` leaves too little room for it."""
    switchable = known_reasoning(model)
    if switchable is None or (switchable and thinking_off) or max_tokens is None or max_tokens >= REASONING_MIN_TOKENS:
        return None
    fix = ("or switch thinking off with chat_template_kwargs = { enable_thinking = false }" if switchable
           else "(its reasoning cannot be switched off; reasoning_effort = \"low\" shortens it)")
    return (f"{model} thinks before it answers: max_tokens {max_tokens} would cut most answers off; "
            f"use at least {REASONING_MIN_TOKENS} (the run default is 4096) {fix}")


@dataclass
class Answer:
    letter: str | None
    valid: bool
    #: why it is invalid, or how it was read ("letter", "phrase", "option text", "constrained", "logprobs")
    reason: str
    #: logprobs mode: probability per letter after renormalisation
    distribution: dict[str, float] | None = None
    #: logprobs mode: probability mass the letters had among the top logprobs
    covered_mass: float | None = None
    raw: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: valid, or why there is no answer: conflict, ambiguous, refusal, no_letter (server/reader.py)
    outcome: str = "valid"

    def __post_init__(self) -> None:
        if not self.valid and self.outcome == "valid":
            self.outcome = "no_letter"


def question_request(
    messages: list[dict[str, str]],
    mode: AnswerMode | str,
    *,
    letters: Sequence[str] = LETTERS,
    reasoning: bool = False,
    disable_thinking: bool = False,
    max_tokens: int | None = None,
    temperature: float | None = 0.0,
    seed: int | None = None,
    tag: str | None = None,
) -> ChatRequest:
    """The request that asks a multiple-choice question in ``mode``.

    ``reasoning``: the model thinks before answering; the token budget covers the reasoning.
    ``disable_thinking``: ask a Qwen3-style model not to think (chat_template_kwargs).
    """
    mode = AnswerMode(mode)
    extra: dict[str, Any] = {}
    if disable_thinking:
        extra["chat_template_kwargs"] = {"enable_thinking": False}
    budget = max_tokens or (REASONING_MAX_TOKENS if reasoning else None)
    request = ChatRequest(messages=messages, temperature=temperature, seed=seed, extra_body=extra, tag=tag)
    if mode is AnswerMode.CONSTRAINED:
        request.choices = list(letters)
        request.max_tokens = budget or 16  # room for {"answer": "X"} when sent as a json_schema
    elif mode is AnswerMode.LOGPROBS:
        if reasoning:
            raise ValueError("logprobs mode reads the first token: switch thinking off for a reasoning model")
        request.logprobs = True
        request.top_logprobs = TOP_LOGPROBS
        request.max_tokens = max_tokens or 1
    else:
        request.max_tokens = budget or TEXT_MAX_TOKENS
    return request


def parse_text(text: str, letters: Sequence[str] = LETTERS, options: Mapping[str, str] | None = None, *,
               cut_off: bool = False) -> Answer:
    """Read a free reply (server/reader.py states the contract); invalid, with the outcome that says why,
    when no single reading is certain. ``cut_off``: the reply ran out of tokens."""
    reading = read_text(text, letters, options, cut_off=cut_off)
    return Answer(reading.letter, reading.valid, reading.reason, raw=text, outcome=reading.outcome)


def renormalise(logprobs: Mapping[str, float], letters: Sequence[str] = LETTERS) -> tuple[dict[str, float], float]:
    """Probability per letter among the top logprobs, renormalised; and the mass the letters covered.

    Tokens that differ only by surrounding space (" A", "A") are the same answer and are summed.
    """
    mass = {letter: 0.0 for letter in letters}
    for token, logprob in logprobs.items():
        key = token.strip()
        if key in mass:
            mass[key] += math.exp(logprob)
    covered = sum(mass.values())
    if covered <= 0:
        return {letter: 0.0 for letter in letters}, 0.0
    return {letter: p / covered for letter, p in mass.items()}, min(covered, 1.0)


def parse_answer(
    record: CompletionRecord,
    mode: AnswerMode | str,
    *,
    letters: Sequence[str] = LETTERS,
    options: Mapping[str, str] | None = None,
) -> Answer:
    """The answer a record carries in ``mode``; invalid (with the reason and raw text) when there is none."""
    mode = AnswerMode(mode)
    raw = record.text
    if not record.ok:
        return Answer(None, False, f"request failed: {record.error}", raw=raw)
    if record.malformed:
        return Answer(None, False, record.malformed, raw=raw)
    if mode is AnswerMode.LOGPROBS:
        if not record.first_token_logprobs:
            return Answer(None, False, "the server returned no logprobs", raw=raw)
        distribution, covered = renormalise(record.first_token_logprobs, letters)
        if covered <= 0:
            return Answer(None, False, "no letter among the top logprobs", distribution=None, covered_mass=0.0, raw=raw)
        best = max(letters, key=lambda l: distribution[l])
        return Answer(best, True, "logprobs", distribution=distribution, covered_mass=covered, raw=raw)
    if not raw or not raw.strip():
        if record.finish_reason == "length":
            reason = "ran out of tokens before answering (raise max_tokens for a reasoning model)"
        else:
            reason = "empty reply"
        return Answer(None, False, reason, raw=raw)
    if mode is AnswerMode.CONSTRAINED:
        value = raw.strip()
        if value in letters:
            return Answer(value, True, "constrained", raw=raw)
        return Answer(None, False, "reply outside the allowed letters (constraint not honoured?)", raw=raw)
    if len(raw) == 1 and raw in letters:  # the usual reply to max_tokens=1: what parse_text would find, at once
        return Answer(raw, True, "letter", raw=raw)
    return parse_text(raw, letters, options, cut_off=record.finish_reason == "length")


__all__ = ["Answer", "LETTERS", "question_request", "parse_answer", "parse_text", "renormalise", "known_reasoning",
           "token_cap_warning"]
