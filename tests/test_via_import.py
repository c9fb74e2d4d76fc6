"""import-shen: Shen et al.'s VIA file as released (three generation_prompt forms, index columns),
unreadable rows listed by line, refused by default with the study unchanged, or kept with the list."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from valuegap_tui.cli import main
from valuegap_tui.designs import get_design, study_design_id
from valuegap_tui.designs.via.importer import REFUSED_META, parse_generation_prompt, read_shen
from valuegap_tui.designs.via.simulate import synthetic_rows, write_synthetic_csv
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study

FIXTURE = Path(__file__).parent / "golden" / "via_fixture.csv"
#: the fixture's unusable rows: (line where the row starts, what the reason says)
EXPECTED_PROBLEMS = [
    (24, "unknown country 'Atlantis'"),
    # before: "no negative row for Germany / religion / wisdom", though the negative is there (line 26)
    (25, "no partner: its negative row (line 26) is unreadable"),
    (26, "unreadable: generation_prompt is neither JSON nor a Python dict literal"),
    (27, "unknown value 'Niceness'"),
    (28, "a second positive row for India / Politics / Equality (the first is line 2)"),
    (29, "unknown polarity 'sideways'"),
    (30, "unreadable: generation_prompt has no 'Human Action'"),
]


def test_the_three_generation_prompt_forms_are_read():
    record = {"Human Action": "I help.", "Feature Attributions": {"a": 1}, "Natural Language Explanation": "Kind."}
    for text in (json.dumps(record), "```json\n" + json.dumps(record, indent=2) + "\n```", repr(record),
                 "Here it is:\n```\n" + json.dumps(record) + "\n```\n"):
        assert parse_generation_prompt(text) == {"action": "I help.", "explanation": "Kind.", "mended": False}
    for bad, reason in (("__import__('os').system('true')", "neither JSON"), ("[1, 2]", "holds a list"),
                        ("{'Human Action': ''}", "no 'Human Action'"), ("", "empty")):
        with pytest.raises(ValueError, match=reason):
            parse_generation_prompt(bad)


def test_fixture_counts_items_and_the_row_list():
    result = read_shen(FIXTURE)
    assert result.rows == 13
    assert sorted(i.id for i in result.items) == ["via-germany-politics-equality", "via-india-politics-equality",
                                                  "via-india-religion-devout"]
    assert [line for line, _ in result.problems] == [line for line, _ in EXPECTED_PROBLEMS]
    for (line, reason), (_, expected) in zip(result.problems, EXPECTED_PROBLEMS):
        assert expected in reason, (line, reason)
    item = next(i for i in result.items if i.id == "via-india-politics-equality")
    assert item.expressing == "I vote for the candidate who promises equal pay."  # JSON form
    assert item.resisting == "I vote for the candidate who protects old privileges."  # fenced form
    assert item.expressing_explanation == "It expresses equality."
    assert item.provenance["lines"] == [2, 3]
    devout = next(i for i in result.items if i.id == "via-india-religion-devout")
    assert devout.expressing == "I go to the temple every morning."  # the Python dict literal
    assert result.summary().startswith("13 rows, 6 used")


def test_full_size_synthetic_file_says_what_was_read(tmp_path):
    path = tmp_path / "full.csv"
    assert write_synthetic_csv(path) == 14_784
    archive = tmp_path / "value_action_gap_full_data_generation.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "data_release/full.csv")
    result = read_shen(archive)
    assert not result.problems
    assert result.summary() == ("14,784 rows = 12 countries x 11 topics x 56 values x 2 polarities;"
                                " 7,392 items (an expressing and a resisting action each)")


def _content(path: Path) -> list[str]:
    """Every row of the study (its bytes may change when SQLite checkpoints the write-ahead log)."""
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


def test_refused_by_default_and_the_study_is_unchanged(tmp_path, capsys):
    db = tmp_path / "via.db"
    assert main(["init", "--study", str(db), "--design", "via"]) == 0
    before = _content(db)
    assert main(["import-shen", str(FIXTURE), "--study", str(db)]) == 2
    err = capsys.readouterr().err
    assert "refused, nothing written" in err and "--keep-readable" in err
    assert "line 24: unknown country 'Atlantis'" in err and "line 30:" in err
    assert _content(db) == before
    # a study that did not exist is not made either
    assert main(["import-shen", str(FIXTURE), "--study", str(tmp_path / "new.db")]) == 2
    assert not (tmp_path / "new.db").exists()


def test_keep_readable_imports_the_rest_and_keeps_the_list(tmp_path, capsys):
    db = tmp_path / "fresh.db"
    assert main(["import-shen", str(FIXTURE), "--keep-readable", "--study", str(db)]) == 0
    out = capsys.readouterr().out
    assert "imported 3 items" in out and "7 rows left out" in out
    study = open_study(db)
    assert study_design_id(study) == "via"  # a fresh study takes the via design
    assert item_store.count(study, get_design("via")) == 3
    stored = json.loads(study.get_meta(REFUSED_META))
    assert [line for line, _ in stored["refused"]] == [line for line, _ in EXPECTED_PROBLEMS]
    study.close()
    assert main(["info", "--study", str(db)]) == 0
    info = capsys.readouterr().out
    assert "3 items" in info and "import-shen left out 7 of 13 rows" in info and "lines 24, 25, 26" in info
    # importing again changes nothing
    assert main(["import-shen", str(FIXTURE), "--keep-readable", "--study", str(db)]) == 0
    assert "0 new, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_a_poster_study_with_dilemmas_is_refused(tmp_path, capsys, sample_path):
    db = tmp_path / "poster.db"
    assert main(["import", str(sample_path), "--study", str(db)]) == 0
    clean = tmp_path / "clean.csv"
    write_synthetic_csv(clean, synthetic_rows(countries=("India",), topics=["politics"], values=["equality"]))
    before = _content(db)
    assert main(["import-shen", str(clean), "--study", str(db)]) == 1
    assert "init --design via" in capsys.readouterr().err
    assert _content(db) == before


@pytest.mark.parametrize("content, message", [
    ("country,topic\nIndia,Politics\n", "no column value, polarity, generation_prompt"),
    ("", "the file is empty"),
])
def test_a_file_that_is_not_the_released_shape_is_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["import-shen", str(path), "--study", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
