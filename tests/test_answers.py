"""Answer extraction: request per mode, and reading replies without guessing."""

from __future__ import annotations

import math

import pytest

from valuegap_tui.server.answers import parse_answer, parse_text, question_request, renormalise
from valuegap_tui.server.types import AnswerMode, CompletionRecord

OPTIONS = {"A": "Strongly agree", "B": "Agree", "C": "Somewhat agree", "D": "Somewhat disagree",
           "E": "Disagree", "F": "Strongly disagree"}
MESSAGES = [{"role": "user", "content": "Q?"}]


@pytest.mark.parametrize("reply, letter", [
    ("B", "B"), (" C.", "C"), ("(D)", "D"), ("E) Disagree", "E"), ("**F**", "F"), ("A. Strongly agree", "A"),
    ("Answer: C", "C"), ("My answer is (B).", "B"), ("I would choose option D because it is fair.", "D"),
    ("<think>A or B? Let me think.</think>C", "C"), ("I somewhat disagree with it.", "D"),
])
def test_text_replies_that_are_certain(reply, letter):
    answer = parse_text(reply, options=OPTIONS)
    assert answer.valid and answer.letter == letter and answer.raw == reply


@pytest.mark.parametrize("reply", [
    "", "   ", "A good question; I cannot decide.", "Answer: B or maybe answer: C", "I like turtles",
    "Agree or disagree? Strongly disagree? hard to say",
])
def test_text_replies_that_are_not_certain_are_invalid(reply):
    answer = parse_text(reply, options=OPTIONS)
    assert not answer.valid and answer.letter is None and answer.raw == reply and answer.reason


def test_option_text_contained_in_another_counts_once():
    assert parse_text("Strongly agree", options=OPTIONS).letter == "A"
    assert parse_text("agree", options=OPTIONS).letter == "B"


def test_renormalise_over_letters_and_covered_mass():
    logprobs = {"A": math.log(0.4), " A": math.log(0.1), "B": math.log(0.25), "Hello": math.log(0.2)}
    distribution, covered = renormalise(logprobs)
    assert covered == pytest.approx(0.75)
    assert distribution["A"] == pytest.approx(0.5 / 0.75) and distribution["B"] == pytest.approx(0.25 / 0.75)
    assert distribution["F"] == 0 and sum(distribution.values()) == pytest.approx(1.0)


def test_logprobs_answer_is_the_most_probable_letter():
    record = CompletionRecord(text="Hello", first_token_logprobs={"Hello": -0.2, "C": -2.0, "D": -3.0})
    answer = parse_answer(record, "logprobs")
    assert answer.valid and answer.letter == "C"
    assert answer.covered_mass == pytest.approx(math.exp(-2) + math.exp(-3))
    none = parse_answer(CompletionRecord(text="x", first_token_logprobs={"x": -0.1}), "logprobs")
    assert not none.valid and none.covered_mass == 0.0
    assert not parse_answer(CompletionRecord(text="C"), "logprobs").valid


def test_constrained_reply_outside_letters_is_invalid():
    assert parse_answer(CompletionRecord(text="E"), AnswerMode.CONSTRAINED).letter == "E"
    answer = parse_answer(CompletionRecord(text="Hello there"), AnswerMode.CONSTRAINED)
    assert not answer.valid and "constraint" in answer.reason and answer.raw == "Hello there"


def test_failed_and_truncated_records_are_invalid():
    failed = parse_answer(CompletionRecord(error="HTTP 400: too long", error_kind="http_400"), "text")
    assert not failed.valid and "too long" in failed.reason
    cut = parse_answer(CompletionRecord(text="", reasoning="hmm " * 100, finish_reason="length"), "text")
    assert not cut.valid and "max_tokens" in cut.reason


def test_requests_per_mode():
    constrained = question_request(MESSAGES, "constrained", letters="ABCD")
    assert constrained.choices == ["A", "B", "C", "D"] and not constrained.logprobs
    logprobs = question_request(MESSAGES, "logprobs", seed=3)
    assert logprobs.logprobs and logprobs.top_logprobs == 20 and logprobs.max_tokens == 1 and logprobs.seed == 3
    text = question_request(MESSAGES, "text", reasoning=True, disable_thinking=True)
    assert text.max_tokens >= 1024 and text.extra_body["chat_template_kwargs"] == {"enable_thinking": False}
    with pytest.raises(ValueError):
        question_request(MESSAGES, "logprobs", reasoning=True)
