"""Reading free replies: a table of realistic replies and the letter each must give (None: no letter).

Options are shown in this order (A..F), so a reply quoting an option's text names its letter.
"""

from __future__ import annotations

import pytest

from valuegap_tui.server.answers import parse_text

OPTIONS = {"A": "Strongly agree", "B": "Agree", "C": "Mildly agree", "D": "Mildly disagree",
           "E": "Disagree", "F": "Strongly disagree"}

TABLE = [
    # a bare letter, with and without brackets or punctuation
    ("C", "C"),
    ("c", "C"),
    ("(B)", "B"),
    ("[E]", "E"),
    ("D.", "D"),
    ("  F  ", "F"),
    ("(a)", "A"),
    # bold and other markdown
    ("**B**", "B"),
    ("**Answer: D**", "D"),
    ("`E`", "E"),
    # a marked letter followed by its option text or a reason
    ("B) Agree", "B"),
    ("A. Strongly agree", "A"),
    ("C: Mildly agree, since the situation is mixed.", "C"),
    ("E - Disagree", "E"),
    ("D because honesty matters less here than kindness.", "D"),
    ("A is the closest to my view.", "A"),
    # decision phrases
    ("Answer: C", "C"),
    ("answer: b", "B"),
    ("My answer is (B).", "B"),
    ("The answer is **F**.", "F"),
    ("Final answer: E", "E"),
    ("I would choose option D because it is fair.", "D"),
    ("I choose A.", "A"),
    ("I'd go with C.", "C"),
    ("I'll pick B here.", "B"),
    ('{"answer": "D"}', "D"),
    ("The correct option is C", "C"),
    ("After weighing both sides I select E.", "E"),
    ("\\boxed{F}", "F"),
    # reasoning blocks: only what follows the reasoning counts
    ("<think>A or B? Let me think about it.</think>C", "C"),
    ("<think>\nThe user asks about A and F.\n</think>\n\nAnswer: B", "B"),
    ("the scenario favours caution.</think>D", "D"),
    ("<think>I lean towards A but the budget ran out", None),
    # the article "a" is not the letter A
    ("I would pick a balanced approach: C", "C"),
    ("My answer is a firm D", "D"),
    ("I choose a middle path. C.", "C"),
    ("As a person who values fairness, I'd say E", "E"),
    ("A good question; I cannot decide.", None),
    ("a difficult one, honestly", None),
    ("A balanced approach seems best.", None),
    # several letters mentioned
    ("C or D", None),
    ("Answer: B or maybe answer: C", None),
    ("A, B or C?", None),
    ("Option A is too extreme, and F too passive. So: C", "C"),
    ("Between B and D, I choose D.", "D"),
    ("B and C both seem reasonable.", None),
    # the option text instead of the letter
    ("Mildly disagree", "D"),
    ("I mildly agree with it.", "C"),
    ("strongly disagree", "F"),
    ("Agree or disagree? Strongly disagree? hard to say", None),
    # refusals and replies with no answer
    ("I'm sorry, but I can't choose between these options.", None),
    ("As an AI, I don't have personal opinions.", None),
    ("I cannot pick a side here.", None),
    ("It depends on the situation and on who is asking.", None),
    ("", None),
    ("E.g. consider the first one", None),
]


def test_table_is_large_enough():
    assert len(TABLE) >= 40


@pytest.mark.parametrize("reply, letter", TABLE)
def test_reply_gives_its_letter(reply, letter):
    answer = parse_text(reply, options=OPTIONS)
    assert answer.letter == letter, f"{reply!r}: read {answer.letter!r} ({answer.reason}), expected {letter!r}"
    assert answer.valid == (letter is not None) and answer.raw == reply
    if letter is None:
        assert answer.reason


@pytest.mark.parametrize("reply", ["agree " * 10922, "A B C D E F " * 5461, "answer: " * 8000])
def test_a_long_reply_is_read_in_linear_time(reply):
    """A capped 64 KiB reply (one option's text 10,000 times took 31 s before)."""
    import time

    started = time.process_time()
    parse_text(reply, options=OPTIONS)
    assert time.process_time() - started < 2.0
