"""The free-reply reader against a table of real and hand-written replies (tests/replies/table.jsonl).

Each line holds a reply, the options as they were shown (A first), where the reply came from (a named
real model, or written by hand), what a careful person reads in it (``human``: a letter, or null when it
means no single option) and what the reader must give (``expect``: that letter, or the outcome of a
reply that gives none: conflict, ambiguous, refusal, no_letter). The real replies were collected with
tests/replies/collect.py from the project's own questions and read one by one.

The contract (server/reader.py): no wrong letter ever (a letter the reader gives is the one a person
reads), and at most 5% of the replies a person can read left invalid.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from valuegap_tui.designs.base import LETTERS
from valuegap_tui.server.reader import TEXT_OUTCOMES, read_text

TABLE = [json.loads(line) for line in (Path(__file__).parent / "replies" / "table.jsonl").read_text("utf-8").splitlines()
         if line.strip()]


def read(row):
    letters = LETTERS[: len(row["options"])]
    return read_text(row["reply"], letters, dict(zip(letters, row["options"])), cut_off=row.get("finish_reason") == "length")


def test_the_table_covers_what_the_reader_meets():
    assert len(TABLE) >= 150
    sources = Counter("hand" if row["source"] == "written by hand" else "real" for row in TABLE)
    assert sources["hand"] >= 100 and sources["real"] >= 150
    assert {len(row["options"]) for row in TABLE} >= {2, 4, 6, 8}
    assert {row["question"].split()[0] for row in TABLE} == {"value", "action"}
    assert {row["design"] for row in TABLE} == {"graded_actions", "via", "valact"}
    assert {row["expect"] for row in TABLE} >= set(TEXT_OUTCOMES) - {"valid"}
    for form in ("**", "```json", "<think>", "{", "I'm sorry", "Thank you", "depends"):
        assert any(form in row["reply"] for row in TABLE), form
    for row in TABLE:  # a letter the reader must give is the one a person reads
        assert row["expect"] in TEXT_OUTCOMES or row["expect"] == row["human"], row["reply"]


@pytest.mark.parametrize("row", TABLE, ids=[f"{i}-{row['source'][:12]}" for i, row in enumerate(TABLE)])
def test_each_reply_reads_as_its_table_says(row):
    reading = read(row)
    got = reading.letter if reading.valid else reading.outcome
    assert got == row["expect"], f"{row['reply']!r}: read {got} ({reading.reason}), table says {row['expect']}"
    if not reading.valid:
        assert reading.letter is None and reading.reason


def test_no_wrong_letter_and_few_readable_replies_left_invalid():
    wrong, readable, unread = [], 0, []
    for row in TABLE:
        reading = read(row)
        if reading.valid and reading.letter != row["human"]:
            wrong.append(row["reply"])
        if row["human"] is not None:
            readable += 1
            if not reading.valid:
                unread.append(row["reply"])
    assert wrong == []
    assert len(unread) / readable <= 0.05, unread


@pytest.mark.parametrize("reply", ["agree " * 10922, "A B C D E F " * 5461, "answer: " * 8000,
                                   "E. " + "Strongly disagree " * 3800])
def test_a_long_reply_is_read_in_linear_time(reply):
    """A capped 64 KiB reply (one option's text 10,000 times took 31 s before)."""
    options = dict(zip(LETTERS, ["Strongly agree", "Agree", "Mildly agree", "Mildly disagree", "Disagree",
                                 "Strongly disagree"]))
    started = time.process_time()
    read_text(reply, LETTERS, options)
    assert time.process_time() - started < 2.0
