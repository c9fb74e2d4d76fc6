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
