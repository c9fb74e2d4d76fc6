"""Multiple-choice answers (letters A-F): the request for each answer mode, and reading the reply.

* ``constrained``: the server may only emit one of the letters (the client sends the constraint in
  the form the probe found honoured). A reply outside the letters means the constraint did not hold.
* ``logprobs``: one token, unconstrained; the first token's top logprobs are renormalised over the
  letters, and the probability mass the letters covered is recorded (low mass = the model wanted to
  say something else). The answer is the most probable letter.
* ``text``: free reply, parsed conservatively: a standalone letter, an "answer: X" phrase, or exactly
  one option's text. Anything else is invalid, with the raw text kept; nothing is guessed.

Reasoning models answer in ``content`` after their reasoning (kept separately by the client); they
need a token budget large enough for the reasoning, or they stop with finish_reason "length".
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_DECORATION = re.compile(r"[*_`#>]")
#: words that make a following letter a decision ("I choose C", "my answer is B", "I'd go with D")
_DECIDE = (r"(?:final\s+answer|answer|choose|chose|choosing|select|selecting|pick|picking|go\s+with|going\s+with|"
           r"opt\s+for|i'd\s+say|i\s+would\s+say|i\s+say|my\s+choice|the\s+choice|best\s+option|"
           r"right\s+option|correct\s+option|option\s+is)")
#: after "A" these words mean the letter, not the article ("A is the closest")
_A_AS_LETTER = {"is", "because", "since", "as", "seems", "would", "fits", "best", "reflects", "matches"}
#: a leading letter followed by these is one of several named, not a choice ("C or D")
_LISTING = {"or", "and", "nor", "vs", "versus"}


def _clean(text: str) -> str:
    text = _THINK.sub("", text)
    if "</think>" in text:  # an opening tag in the prompt template, the closing one in the reply
        text = text.split("</think>")[-1]
    if re.search("<think>", text, re.IGNORECASE):  # thinking that never ended: no answer after it
        text = re.split("<think>", text, flags=re.IGNORECASE)[0]
    return _DECORATION.sub("", text).strip()


def _standalone(letters: str) -> str:
    """A letter standing alone: not part of a word ("Agree"), not a contraction ("A's")."""
    return rf"(?<![\w'’])[{letters}](?![\w'’])"


_NEXT_WORD = re.compile(r"\s+([a-z]+)")


def _letter_tokens(cleaned: str, letters: str) -> set[str]:
    """Upper-case letters mentioned on their own, without "A" used as an article ("a firm", "A good")."""
    found = set()
    for match in re.finditer(_standalone(letters), cleaned):
        after = _NEXT_WORD.match(cleaned, match.end())  # a position, not a slice: linear in the reply
        if match.group() == "A" and after and after.group(1) not in _A_AS_LETTER:
            continue
        found.add(match.group())
    return found


def parse_text(text: str, letters: Sequence[str] = LETTERS, options: Mapping[str, str] | None = None) -> Answer:
    """Read a free reply; invalid when no single reading is certain.

    In order: the reply is a letter ("B", "(b)", "C."); it starts with a marked letter ("B) Agree",
    "D: ...", "E because"); a decision phrase names one letter ("Answer: C", "I would choose option D");
    it ends with a conclusion ("... a balanced approach: C", "My answer is a firm D"); it quotes exactly
    one option's text. Letters must be capitals, except a reply that is only a bracketed or bare letter,
    so the article "a" is never read as A.
    """
    upper = "".join(letters)
    lower = upper.lower()
    cleaned = _clean(text)
    if not cleaned:
        return Answer(None, False, "empty reply", raw=text)
    whole = re.fullmatch(rf"[\(\[]?([{upper}{lower}])[\)\]]?[.:!]?", cleaned)
    if whole:
        return Answer(whole.group(1).upper(), True, "letter", raw=text)
    start = re.match(rf"[\(\[]?([{upper}])(?:[\)\]]|[.:)]|\s+[-–—])(?:\s|$)|([{upper}])\s+([a-z]+)", cleaned)
    if start:
        if start.group(1):
            return Answer(start.group(1), True, "letter", raw=text)
        if start.group(3) not in _LISTING and (start.group(2) != "A" or start.group(3) in _A_AS_LETTER):
            return Answer(start.group(2), True, "letter", raw=text)
    quote = r"[\"'“”‘’]?"
    decided = {m.upper() for m in re.findall(
        rf"(?i:\b{_DECIDE}){quote}\s*(?i:is|would\s+be|will\s+be|[:=\-–])?\s*(?i:option\s+|letter\s+|choice\s+)?"
        rf"{quote}[\(\[]?({_standalone(upper)}|[{lower}](?=[\)\]\"']|\s*[.!]?\s*$))", cleaned)}
    decided |= set(re.findall(rf"\\boxed\{{\s*([{upper}])\s*\}}", cleaned))
    if len(decided) == 1:
        return Answer(decided.pop(), True, "phrase", raw=text)
    if len(decided) > 1:
        return Answer(None, False, f"ambiguous: names {', '.join(sorted(decided))}", raw=text)
    mentioned = _letter_tokens(cleaned, upper)
    tail = cleaned[-200:]  # a conclusion is at the very end: no need to scan a long reply for it
    end = re.search(rf"(?:(:|-|–|=|\bis|\n)\s*)?[\(\[]?({_standalone(upper)})[\)\]]?[.!]?$", tail)
    if end and (end.group(1) or mentioned == {end.group(2)}):
        return Answer(end.group(2), True, "conclusion", raw=text)
    named = set(re.findall(rf"(?i:\boption\s+)({_standalone(upper)})", cleaned))
    if len(named) == 1 and mentioned <= named:
        return Answer(named.pop(), True, "phrase", raw=text)
    if len(mentioned) > 1:
        return Answer(None, False, f"ambiguous: mentions {', '.join(sorted(mentioned))}", raw=text)
    if options:
        hits = _option_hits(cleaned, options)
        if len(hits) == 1:
            return Answer(hits.pop(), True, "option text", raw=text)
        if len(hits) > 1:
            return Answer(None, False, f"ambiguous: matches options {', '.join(sorted(hits))}", raw=text)
    return Answer(None, False, "no letter or option found", raw=text)


def _option_hits(text: str, options: Mapping[str, str]) -> set[str]:
    """Letters whose option text occurs as words, not counting occurrences inside a longer option's
    occurrence ("agree" inside "strongly disagree")."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for letter, option in options.items():
        option = option.strip()
        if option:
            spans[letter] = [m.span() for m in re.finditer(rf"(?<!\w){re.escape(option)}(?!\w)", text, re.IGNORECASE)]

    def inside_longer(letter: str, start: int, end: int) -> bool:
        # one option's occurrences do not overlap, so only the last one starting at or before
        # ``start`` can contain the span: a binary search per span keeps this fast on long replies
        for other, found in spans.items():
            if other == letter or not found:
                continue
            i = bisect.bisect_right(found, (start, float("inf"))) - 1
            if i >= 0 and found[i][1] >= end and found[i][1] - found[i][0] > end - start:
                return True
        return False

    return {letter for letter, found in spans.items() if any(not inside_longer(letter, s, e) for s, e in found)}


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
    return parse_text(raw, letters, options)


__all__ = ["Answer", "LETTERS", "question_request", "parse_answer", "parse_text", "renormalise", "known_reasoning",
           "token_cap_warning"]
