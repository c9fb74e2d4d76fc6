from __future__ import annotations

import pytest
from pydantic import ValidationError

from valuegap_tui.designs.graded_actions.models import (
    ActionOption, AlignmentLabel, Dilemma, GeneratedDilemma, dilemma_id, format_validation_error,
)
from tests.helpers.dilemmas import make_dilemma


def test_id_is_stable_from_value_topic_variant():
    d = make_dilemma(value="Social Justice", topic="Environment", variant=2)
    assert d.id == "social_justice--environment--2" == dilemma_id("social_justice", "environment", 2)
    assert make_dilemma(value="social_justice", topic="environment", variant=2).id == d.id


def test_mismatched_id_is_refused():
    with pytest.raises(ValidationError, match="does not match"):
        make_dilemma(id="wisdom--politics--9")


def test_label_order_and_scores():
    assert [label.score for label in AlignmentLabel.ordered()] == [3, 2, 1, -1, -2, -3]
    assert AlignmentLabel.parse("Mildly opposing") is AlignmentLabel.MILDLY_OPPOSING
    assert AlignmentLabel.parse("-3") is AlignmentLabel.STRONGLY_OPPOSING
    assert AlignmentLabel.parse("+2") is AlignmentLabel.MODERATELY_ALIGNING
    assert AlignmentLabel.STRONGLY_ALIGNING.rank == 0 and AlignmentLabel.STRONGLY_OPPOSING.rank == 5


def _options(labels):
    return [ActionOption(text=f"action {i}", label=label) for i, label in enumerate(labels)]


@pytest.mark.parametrize(
    "labels, message",
    [
        (AlignmentLabel.ordered()[:5], "exactly 6 options, got 5"),
        ([AlignmentLabel.MILDLY_ALIGNING] * 2 + AlignmentLabel.ordered()[2:], "label used more than once: mildly_aligning"),
    ],
)
def test_options_must_be_six_one_per_label(labels, message):
    with pytest.raises(ValidationError) as err:
        Dilemma(value="wisdom", topic="politics", scenario="You", options=_options(labels))
    text = format_validation_error(err.value)
    assert text.startswith("options:") and message in text


def test_unknown_value_and_topic_name_the_field():
    with pytest.raises(ValidationError) as err:
        make_dilemma(value="Telepathy")
    assert "value: unknown Schwartz value 'Telepathy'" in format_validation_error(err.value)
    with pytest.raises(ValidationError) as err:
        make_dilemma(topic="Astrology")
    assert "topic: unknown topic 'Astrology'" in format_validation_error(err.value)


def test_duplicate_action_text_refused():
    with pytest.raises(ValidationError, match="same text"):
        make_dilemma(texts=["same"] * 2 + [f"x{i}" for i in range(4)])


def test_blank_scenario_refused():
    with pytest.raises(ValidationError, match="scenario"):
        make_dilemma(scenario="   ")


def test_generated_dilemma_schema_requires_one_field_per_label():
    schema = GeneratedDilemma.model_json_schema()
    assert set(schema["required"]) == {"scenario"} | {label.value for label in AlignmentLabel}
    generated = GeneratedDilemma(scenario="You", **{label.value: f"do {label.value}" for label in AlignmentLabel})
    assert [o.label for o in generated.options()] == AlignmentLabel.ordered()
