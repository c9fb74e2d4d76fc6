from __future__ import annotations

import shutil
from collections import Counter

import pytest

from valuegap_tui.catalogue import CatalogueError, load_catalogue
from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.paths import DATA_DIR


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_counts(cat):
    assert len(cat.values) == 56
    assert len(cat.value_types) == 10
    assert len(cat.topics) == 11
    assert len(cat.value_scale) == 6
    assert len(cat.action_labels) == 6
    assert len(cat.persona_variables) == 10
    assert all(len(v.levels) == 4 for v in cat.persona_variables)


def test_every_value_belongs_to_exactly_one_known_type(cat):
    type_ids = {t.id for t in cat.value_types}
    assert all(v.type in type_ids for v in cat.values)
    per_type = Counter(v.type for v in cat.values)
    # Schwartz (1994), Table 3: 5+6+2+3+5+9+9+6+4+7
    assert per_type == {"power": 5, "achievement": 6, "hedonism": 2, "stimulation": 3, "self_direction": 5,
                        "universalism": 9, "benevolence": 9, "tradition": 6, "conformity": 4, "security": 7}
    assert len({v.id for v in cat.values}) == 56 and len({v.name for v in cat.values}) == 56


def test_scales_run_from_plus_three_to_minus_three(cat):
    assert [p.score for p in cat.value_scale] == [3, 2, 1, -1, -2, -3]
    assert [p.text for p in cat.value_scale][0] == "Strongly agree"
    assert [p.score for p in cat.action_labels] == [3, 2, 1, -1, -2, -3]


def test_alignment_label_enum_agrees_with_catalogue(cat):
    assert [p.id for p in cat.action_labels] == [label.value for label in AlignmentLabel.ordered()]
    assert [p.score for p in cat.action_labels] == [label.score for label in AlignmentLabel.ordered()]


def test_persona_variables_split_over_both_dimensions(cat):
    dims = Counter(v.dimension for v in cat.persona_variables)
    assert set(dims) == {"traditional_secular", "survival_self_expression"}
    for variable in cat.persona_variables:
        poles = [level.pole for level in variable.levels]
        assert poles[0] == poles[1] != poles[2] == poles[3]


def test_lookup_by_name_or_id(cat):
    assert cat.find_value("Social Justice").id == "social_justice"
    assert cat.find_value("social_justice").name == "Social Justice"
    assert cat.find_topic("Family & Changing Gender Roles").id == "family_gender_roles"
    assert cat.find_value("nonsense") is None


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_broken_value_entry_names_file_and_entry(tmp_path):
    data = _copy_data(tmp_path)
    text = (data / "values.toml").read_text().replace('type = "tradition"', 'type = "traditon"', 1)
    (data / "values.toml").write_text(text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(data)
    assert "values.toml" in str(err.value) and "devout" in str(err.value) and "traditon" in str(err.value)


def test_invalid_toml_is_reported_with_file(tmp_path):
    data = _copy_data(tmp_path)
    (data / "topics.toml").write_text("[[topics]\nid = ")
    with pytest.raises(CatalogueError, match="topics.toml: not valid TOML"):
        load_catalogue(data)


def test_missing_field_names_entry_and_field(tmp_path):
    data = _copy_data(tmp_path)
    text = (data / "persona_variables.toml").read_text().replace('measures = "How happy one feels, all things considered"\n', "")
    (data / "persona_variables.toml").write_text(text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(data)
    assert "happiness" in str(err.value) and "measures" in str(err.value)


def test_wrong_pole_order_is_rejected(tmp_path):
    data = _copy_data(tmp_path)
    text = (data / "persona_variables.toml").read_text().replace(
        '{ text = "deeply religious", pole = "traditional" }', '{ text = "deeply religious", pole = "secular_rational" }'
    )
    (data / "persona_variables.toml").write_text(text)
    with pytest.raises(CatalogueError, match="religiosity"):
        load_catalogue(data)
