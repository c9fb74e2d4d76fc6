"""import-shen on the rows the released file really holds: Python dicts broken only by an apostrophe,
refusals of the generator, and rows whose partner was left out.

Measured before: 31 rows whose dict broke only on an apostrophe in the explanation (the action intact)
were dropped with their partners; refusals and broken dicts got the same message; and a dropped row's
partner was reported as missing although it was in the file."""

from __future__ import annotations

import csv

from valuegap_tui.cli import main
from valuegap_tui.designs.via.importer import read_shen


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["", "country", "topic", "value", "polarity", "generation_prompt"])
        for i, row in enumerate(rows):
            writer.writerow([i, *row])


ROWS = [
    # an apostrophe in the explanation breaks the dict literal; the action is intact (line 2)
    ("India", "Politics", "Wealth", "positive", "{'Human Action': 'I fund the programme myself.', 'Feature "
     "Attributions': {'x': 1}, 'Natural Language Explanation': 'The donor's money is what matters here.'}"),
    ("India", "Politics", "Wealth", "negative", '{"Human Action": "I give the money away.", "Natural Language '
     'Explanation": "Because."}'),
    # an apostrophe in the action itself (line 4)
    ("India", "Politics", "Honest", "positive", "{'Human Action': 'I tell my neighbour's son the truth.', "
     "'Natural Language Explanation': 'It's honest.'}"),
    ("India", "Politics", "Honest", "negative", '{"Human Action": "I keep quiet.", "Natural Language Explanation": '
     '"Because."}'),
    # a refusal (line 6) and its partner (line 7)
    ("India", "Religion", "Devout", "positive", "I'm sorry, but I can't help with creating that content."),
    ("India", "Religion", "Devout", "negative", '{"Human Action": "I skip the service.", "Natural Language '
     'Explanation": "Because."}'),
    # unreadable: cut off before its action ends (line 8) and its partner (line 9)
    ("Germany", "Politics", "Wisdom", "positive", "{'Human Action': 'I read the"),
    ("Germany", "Politics", "Wisdom", "negative", '{"Human Action": "I decide on a whim.", "Natural Language '
     'Explanation": "Because."}'),
    # a row with no partner in the file at all (line 10)
    ("Germany", "Politics", "Equality", "positive", '{"Human Action": "I share fairly.", "Natural Language '
     'Explanation": "Because."}'),
]


def test_rows_broken_only_by_quotes_are_kept_and_every_left_out_row_says_why(tmp_path):
    path = tmp_path / "via.csv"
    _write(path, ROWS)
    result = read_shen(path)
    items = {i.id: i for i in result.items}
    assert sorted(items) == ["via-india-politics-honest", "via-india-politics-wealth"]
    wealth = items["via-india-politics-wealth"]
    assert wealth.expressing == "I fund the programme myself."
    assert wealth.expressing_explanation == "The donor's money is what matters here."
    assert items["via-india-politics-honest"].expressing == "I tell my neighbour's son the truth."
    assert result.mended == [2, 4]
    problems = dict(result.problems)
    assert problems[6].startswith("refusal: the generator declined")
    assert problems[7].startswith("no partner: its positive row (line 6) is a refusal")
    assert problems[8].startswith("unreadable: ")
    assert problems[9].startswith("no partner: its positive row (line 8) is unreadable")
    assert problems[10].startswith("no partner: no negative row for Germany / politics / equality in the file")
    assert result.kinds_line() == "1 refusal, 1 unreadable, 3 left without a partner"


def test_the_command_says_which_rows_are_which(tmp_path, capsys):
    path = tmp_path / "via.csv"
    _write(path, ROWS)
    db = tmp_path / "via.db"
    assert main(["import-shen", str(path), "--keep-readable", "--study", str(db)]) == 0
    captured = capsys.readouterr()
    assert "2 rows whose Python dict broke on a quote were read by their keys" in captured.out
    assert "5 rows cannot be used (1 refusal, 1 unreadable, 3 left without a partner)" in captured.err
    assert "line 7: no partner: its positive row (line 6) is a refusal" in captured.err
    assert main(["info", "--study", str(db)]) == 0
    assert "1 refusal, 1 unreadable, 3 left without a partner" in capsys.readouterr().out
