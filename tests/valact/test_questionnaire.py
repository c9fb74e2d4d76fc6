"""Questionnaire files: the demo's loads; a wrong key, a missing value or a bad scale is refused with
line and field, and nothing is loaded."""

from __future__ import annotations

import pytest

from valuegap_tui.cli import main
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, QuestionnaireError, read_questionnaire
from valuegap_tui.store import items as item_store
from valuegap_tui.store import open_study


def demo_text() -> str:
    return DEMO_FILE.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_demo_questionnaire_has_two_items_per_value():
    q = read_questionnaire(DEMO_FILE)
    assert len(q.items) == 20 and len({i.value for i in q.items}) == 10
    assert q.scale[0] == "Very much like me"


def test_wrong_key_is_refused_with_line_and_field(tmp_path):
    text = demo_text().replace('value = "hedonism"\ntext = "They take', 'value = "hedonsim"\ntext = "They take')
    path = tmp_path / "q.toml"
    path.write_text(text)
    with pytest.raises(QuestionnaireError) as err:
        read_questionnaire(path)
    assert f"q.toml:{line_of(text, 'hedonsim')}: items[4].value: 'hedonsim' is not one of" in str(err.value)


def test_missing_value_is_refused(tmp_path):
    text = demo_text()
    blocks = text.split("[[items]]")
    kept = [b for b in blocks if 'value = "security"' not in b]
    path = tmp_path / "q.toml"
    path.write_text("[[items]]".join(kept))
    with pytest.raises(QuestionnaireError, match=r"q.toml: value: no item is keyed to security"):
        read_questionnaire(path)


def test_missing_field_and_unknown_field_name_their_line(tmp_path):
    text = demo_text().replace('id = "ach2"\n', '')
    path = tmp_path / "q.toml"
    path.write_text(text)
    with pytest.raises(QuestionnaireError, match=r"items\[3\]\.id: missing"):
        read_questionnaire(path)
    text = demo_text().replace('id = "ach2"\n', 'id = "ach2"\nreverse = true\n')
    path.write_text(text)
    with pytest.raises(QuestionnaireError) as err:
        read_questionnaire(path)
    assert f"q.toml:{line_of(text, 'reverse')}: items[3].reverse: unknown field" in str(err.value)


@pytest.mark.parametrize("scale, problem", [
    ('["Like me", "Not like me"]', "has 2 points"),
    ('["a", "b", "c", "d", "e", "a"]', "two points have the same text"),
    ('"six points"', "must be a list"),
])
def test_bad_scale_is_refused(tmp_path, scale, problem):
    original = demo_text()
    text = "\n".join(f"scale = {scale}" if line.startswith("scale =") else line for line in original.splitlines())
    path = tmp_path / "q.toml"
    path.write_text(text)
    with pytest.raises(QuestionnaireError) as err:
        read_questionnaire(path)
    assert f"q.toml:{line_of(text, '[questionnaire]')}: questionnaire.scale: {problem}" in str(err.value)


def test_csv_questionnaire_refuses_a_wrong_key_on_its_row(tmp_path):
    rows = ["id,value,text"] + [f"i{k},{v},A person who cares about {k}" for k, v in enumerate(
        ["power", "achievement", "hedonism", "stimulation", "self_direction", "universalism", "benevolence",
         "tradition", "conformity", "securty"])]
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(QuestionnaireError, match=r"mine.csv:11: items\[9\].value: 'securty'"):
        read_questionnaire(path)


def test_cli_load_refuses_and_loads_nothing_then_loads_and_replaces(tmp_path, capsys):
    study_path = tmp_path / "v.db"
    assert main(["init", "--study", str(study_path), "--design", "valact"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(demo_text().replace('value = "power"', 'value = "might"', 1))
    assert main(["questionnaire", "load", str(bad), "--study", str(study_path)]) == 2
    assert "items[0].value" in capsys.readouterr().err
    study = open_study(study_path)
    assert item_store.count(study, get_design("valact")) == 0
    assert main(["questionnaire", "load", "--study", str(study_path)]) == 0
    other = tmp_path / "licensed.csv"
    other.write_text("id,value,text\n" + "".join(f"x{k},{v},Text {k}\n" for k, v in enumerate(
        ["power", "achievement", "hedonism", "stimulation", "self_direction", "universalism", "benevolence",
         "tradition", "conformity", "security"])))
    assert main(["questionnaire", "load", str(other), "--study", str(study_path)]) == 0
    accepted = list(item_store.iter_items(open_study(study_path), get_design("valact"), status="accepted"))
    assert {i.instrument for i in accepted} == {"licensed"} and len(accepted) == 10
