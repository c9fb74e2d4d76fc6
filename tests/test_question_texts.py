"""The per-request shortcuts give exactly what the general code gives."""

from __future__ import annotations

import itertools

import pytest

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.plan.items import LETTERS
from valuegap_tui.evaluate.questions import QuestionTexts, option_texts, user_message
from valuegap_tui.server.answers import parse_answer, parse_text
from valuegap_tui.server.types import AnswerMode, CompletionRecord


@pytest.mark.parametrize("scenario", ["You face a choice.", "Costs $5 and $$ or ${x}.", "A mark \x00options\x00 inside."])
def test_filled_questions_match_the_template_for_every_order(scenario):
    dilemma = make_dilemma(scenario=scenario, texts=[f"Action {i} with $ and {{braces}}" for i in range(6)])
    texts = QuestionTexts({dilemma.id: dilemma})
    for question in (0, 1):
        for permutation in list(itertools.permutations("012345"))[::97]:
            order = "".join(permutation)
            message, shown = texts.question(dilemma.id, question, order)
            assert message == user_message(dilemma, question, order)
            assert shown == [option_texts(dilemma, question)[int(o)] for o in order]


@pytest.mark.parametrize("text", list(LETTERS) + ["G", "a", " B", "B ", "AB", "*"])
def test_a_bare_letter_reads_as_the_full_parser_reads_it(text):
    options = dict(zip(LETTERS, ["one", "two", "three", "four", "five", "six"]))
    quick = parse_answer(CompletionRecord(text=text, finish_reason="stop"), AnswerMode.TEXT, options=options)
    full = parse_text(text, LETTERS, options)
    assert (quick.letter, quick.valid, quick.reason) == (full.letter, full.valid, full.reason)


@pytest.mark.parametrize("mode", ["text", "constrained", "logprobs"])
@pytest.mark.parametrize("system_text", [None, "", "You are Ana."])
def test_a_runs_requests_carry_every_field_by_name(mode, system_text):
    """RequestMaker builds each request positionally: each field lands where its name says."""
    from dataclasses import asdict

    from valuegap_tui.evaluate.questions import RequestMaker
    from valuegap_tui.plan.definition import RunDefinition
    from valuegap_tui.server.types import ChatRequest

    definition = RunDefinition.model_validate({
        "name": "r", "answer_mode": mode, "temperature": 0.7, "max_tokens": 5, "top_logprobs": 7,
        "models": [{"name": "m", "endpoints": ["http://127.0.0.1:9/v1"]}], "reasoning_effort": "low",
        "chat_template_kwargs": {"enable_thinking": False}})
    made = RequestMaker(definition)(system_text, "Which?", tag="12", seed=99, n_options=4)
    messages = ([{"role": "system", "content": system_text}] if system_text else []) + [
        {"role": "user", "content": "Which?"}]
    expected = ChatRequest(messages=messages, max_tokens=definition.token_cap(), temperature=0.7, seed=99,
                           choices=list("ABCD") if mode == "constrained" else None, logprobs=mode == "logprobs",
                           top_logprobs=7 if mode == "logprobs" else None, extra_body=definition.extra_body(), tag="12")
    assert asdict(made) == asdict(expected)
