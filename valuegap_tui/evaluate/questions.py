"""A design's questions as chat requests, and reading the letter a model answered.

Layout for the server's prefix cache: persona as system text (shared by every request of a
condition), then the scenario (shared by both questions and every repeat), then the question and
the shuffled options last.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from string import Template

from valuegap_tui.designs import get_design
from valuegap_tui.designs.base import LETTERS, Design
from valuegap_tui.paths import DATA_DIR, PROMPTS_DIR
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.protocols import NOBODY_IN_PARTICULAR, STANDARD, abstain_text, protocol as protocol_of, template_name
from valuegap_tui.server.answers import parse_answer, parse_text
from valuegap_tui.server.reader import refuses
from valuegap_tui.server.types import AnswerMode, ChatRequest

TEMPLATES = ("value_question", "action_question")  # the poster's design
SCORES = (3, 2, 1, -1, -2, -3)  # option index (catalogue order) -> score on the common axis


@lru_cache(maxsize=None)
def template_text(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")


def template_hashes(design: Design | None = None, protocols=(STANDARD,)) -> dict[str, str]:
    """A hash of each template a run asks with: every question's under every protocol."""
    bases = [q.template for q in design.questions] if design else list(TEMPLATES)
    names = list(dict.fromkeys(template_name(base, p) for p in protocols for base in bases))
    return {name: hashlib.sha256(template_text(name).encode()).hexdigest()[:16] for name in names}


def protocol_options(design: Design, item, question: int, protocol: str = STANDARD) -> list[str]:
    """The options of a question under a protocol, in canonical order: the design's, and under
    ``abstain`` one more last (choosing it is an abstention)."""
    texts = design.option_texts(item, question)
    if protocol_of(protocol).abstain_option:
        texts = [*texts, abstain_text(design.questions[question].id)]
    return texts


def system_text_for(persona_text: str | None, protocol: str = STANDARD) -> str | None:
    """The system text a question is sent with: the condition's, except under a third-person
    protocol, which describes the condition in the question instead."""
    return None if protocol_of(protocol).third_person else persona_text


def protocol_fields(protocol: str, persona_text: str | None) -> dict[str, str]:
    """The template fields a protocol adds: ``person``, the condition's text, under third-person."""
    if not protocol_of(protocol).third_person:
        return {}
    return {"person": persona_text.strip() if persona_text else NOBODY_IN_PARTICULAR}


def option_texts(dilemma, question: int, design: Design | None = None) -> list[str]:
    """The options in canonical order (for the poster: strongly agree/aligning first)."""
    return (design or get_design()).option_texts(dilemma, question)


def user_message(dilemma, question: int, permutation: str, texts: list[str] | None = None,
                 design: Design | None = None, protocol: str = STANDARD, persona_text: str | None = None) -> str:
    design = design or get_design()
    texts = texts or protocol_options(design, dilemma, question, protocol)
    lines = "\n".join(f"{LETTERS[p]}. {texts[int(o)]}" for p, o in enumerate(permutation))
    return Template(template_text(template_name(design.questions[question].template, protocol))).substitute(
        **design.template_fields(dilemma, question), **protocol_fields(protocol, persona_text), options=lines)


def sample_question() -> str:
    """The action question of the first sample dilemma (the default design's), options in order: a
    question of the size a study asks, for the probe's context and prompt checks."""
    import json

    design = get_design()
    with open(DATA_DIR / "sample" / "dilemmas.jsonl", encoding="utf-8") as sample:
        dilemma = design.item_from_record(json.loads(sample.readline()))
    return user_message(dilemma, 1, "012345", design=design)


#: stands for the options while the rest of a question is filled in once per (dilemma, question)
_OPTIONS_MARK = "\x00options\x00"
#: "A. ", "B. " ...: the head of each option's line, by letter position
_LETTER_HEADS = tuple(f"{letter}. " for letter in LETTERS)


class QuestionTexts:
    """The questions of each item filled in once per protocol (and, under third-person, per condition),
    so each request only joins its shuffled options in (``user_message`` gives the very same text)."""

    def __init__(self, dilemmas: dict[str, object], design: Design | None = None):
        self.dilemmas = dilemmas
        self.design = design or get_design()
        self._parts: dict[tuple, tuple[list[str], str, str] | None] = {}

    def _fill(self, dilemma_id: str, question: int, protocol: str, persona_text: str | None):
        dilemma = self.dilemmas[dilemma_id]
        texts = protocol_options(self.design, dilemma, question, protocol)
        fields = self.design.template_fields(dilemma, question)
        template = template_name(self.design.questions[question].template, protocol)
        filled = Template(template_text(template)).substitute(
            **fields, **protocol_fields(protocol, persona_text), options=_OPTIONS_MARK)
        if filled.count(_OPTIONS_MARK) != 1:  # the mark in a scenario: fill the whole text each time
            return texts, None, None
        prefix, suffix = filled.split(_OPTIONS_MARK)
        return texts, prefix, suffix

    def question(self, dilemma_id: str, question: int, permutation: str, protocol: str = STANDARD,
                 persona_text: str | None = None) -> tuple[str, list[str]]:
        """(the user message, the option texts in the order shown). ``persona_text``, the condition's
        text, is read only under a third-person protocol, which asks about the person it describes."""
        third = protocol_of(protocol).third_person
        key = (dilemma_id, question, protocol, persona_text if third else None)
        parts = self._parts.get(key)
        if parts is None:
            parts = self._parts[key] = self._fill(dilemma_id, question, protocol, persona_text if third else None)
        texts, prefix, suffix = parts
        # map() over the digits and the letter heads: the same list and lines as a comprehension over
        # ``int(o)`` and f"{letter}. {text}", without a Python frame per option
        shown = list(map(texts.__getitem__, map(int, permutation)))
        if prefix is None:
            return user_message(self.dilemmas[dilemma_id], question, permutation, texts, self.design, protocol,
                                persona_text), shown
        return prefix + "\n".join(map(str.__add__, _LETTER_HEADS, shown)) + suffix, shown


class RequestMaker:
    """``build_request`` for one run definition, with what every request of the run shares (token
    cap, temperature, answer mode, extra body) worked out once instead of per request."""

    def __init__(self, definition: RunDefinition):
        mode = definition.answer_mode
        self._constrained = mode == AnswerMode.CONSTRAINED
        self._logprobs = mode == AnswerMode.LOGPROBS
        self._top_logprobs = definition.top_logprobs if self._logprobs else None
        self._max_tokens = definition.token_cap()
        self._temperature = definition.temperature
        self._extra_body = definition.extra_body()  # read, never changed, by the clients

    def __call__(self, system_text: str | None, user_text: str, tag: str | None = None, seed: int | None = None,
                 n_options: int = 6) -> ChatRequest:
        messages = ([{"role": "system", "content": system_text}, {"role": "user", "content": user_text}]
                    if system_text else [{"role": "user", "content": user_text}])
        # positional, in ChatRequest's field order (messages, max_tokens, temperature, seed, response_format,
        # choices, logprobs, top_logprobs, extra_body, tag): a request per question
        return ChatRequest(messages, self._max_tokens, self._temperature, seed, None,
                           list(LETTERS[:n_options]) if self._constrained else None, self._logprobs,
                           self._top_logprobs, self._extra_body, tag)


def build_request(definition: RunDefinition, system_text: str | None, user_text: str, tag: str | None = None,
                  seed: int | None = None, n_options: int = 6) -> ChatRequest:
    return RequestMaker(definition)(system_text, user_text, tag=tag, seed=seed, n_options=n_options)


# --- reading answers ---------------------------------------------------------------------------


@dataclass
class Reading:
    """What one reply says: a letter position (0 = A ..) or why there is none."""

    position: int | None
    #: one of valuegap_tui.outcomes.OUTCOMES
    outcome: str
    distribution: list[float] | None = None  # per letter position, renormalised over the letters shown
    covered_mass: float | None = None
    reason: str = ""


def read_letter(text: str | None, shown_texts: list[str]) -> int | None:
    """The letter a free reply chose (or the one option it quotes), else None. Never guesses."""
    if not text:
        return None
    letters = LETTERS[: len(shown_texts)]
    answer = parse_text(text, letters, dict(zip(letters, shown_texts)))
    return letters.index(answer.letter) if answer.valid else None


def read_reply(record, shown_texts: list[str], mode: AnswerMode | str = AnswerMode.TEXT,
               min_coverage: float = 0.0) -> Reading:
    """Read a record with the shared answer parser and classify what is wrong when it has no answer.

    A failed request is a server error (no answer came back), or too_long when the server said the
    request does not fit its context, except a reply in the wrong format (HTTP 200 that is not a chat
    completion), which is malformed. In logprobs mode an answer whose letters cover less than
    ``min_coverage`` of the first token's probability is low_coverage.
    """
    text = record.text
    if (type(text) is str and len(text) == 1 and record.error is None and not record.malformed
            and mode == AnswerMode.TEXT):
        # the usual reply to max_tokens=1, read as parse_answer reads it, without building its inputs
        position = LETTERS.find(text, 0, len(shown_texts))
        if position >= 0:
            return Reading(position, "valid", None, None, "letter")
    if not record.ok and record.error_kind == "too_long":
        return Reading(None, "too_long", reason=f"request failed: {record.error}")
    if not record.ok and record.error_kind != "protocol":
        return Reading(None, "server_error", reason=f"request failed: {record.error}")
    if not record.ok or record.malformed:
        return Reading(None, "malformed", reason=record.malformed or f"reply not understood: {record.error}")
    letters = LETTERS[: len(shown_texts)]
    answer = parse_answer(record, mode, letters=letters, options=dict(zip(letters, shown_texts)))
    distribution = [answer.distribution[letter] for letter in letters] if answer.distribution else None
    covered = answer.covered_mass
    if AnswerMode(mode) is AnswerMode.LOGPROBS and covered is not None and (covered < min_coverage or covered <= 0):
        return Reading(None, "low_coverage", distribution, covered,
                       f"the letters cover {covered:.3f} of the first token's probability (minimum {min_coverage:g})")
    if answer.valid:
        return Reading(letters.index(answer.letter), "valid", distribution, covered, answer.reason)
    outcome = answer.outcome if AnswerMode(mode) is AnswerMode.TEXT else "no_letter"
    if record.finish_reason == "length" and outcome == "no_letter":
        outcome = "cut_off"
    elif AnswerMode(mode) is not AnswerMode.TEXT and isinstance(record.text, str) and refuses(record.text):
        outcome = "refusal"
    return Reading(None, outcome, distribution, covered, answer.reason)
