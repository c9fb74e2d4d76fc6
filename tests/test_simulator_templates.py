"""The simulator's generated dilemmas read as correct English and differ per value within a topic."""

from __future__ import annotations

import random
import re

from valuegap_tui.catalogue import catalogue
from valuegap_tui.simulator.templates import DEFAULT_TOPIC, TOPICS, generate_dilemma


def _all_texts():
    values = catalogue().values
    for topic in [*TOPICS, None]:
        for value in values:
            yield topic, value, generate_dilemma(value.name, value.gloss, topic, random.Random(7))


def test_no_doubled_determiner_and_groups_agree_with_their_verb():
    for _, _, reply in _all_texts():
        for text in reply.values():
            assert not re.search(r"\b[Tt]he (your|the|a|an)\b", text), text
            assert not re.search(r"(^|\. )(Your biggest customer|The parents. association) expect", text), text
            assert "  " not in text and text[0].isupper(), text
    groups = [ctx.group for ctx in [*TOPICS.values(), DEFAULT_TOPIC]]
    assert all(not g.startswith(("The ", "the the")) for g in groups)


def test_the_values_of_one_topic_do_not_share_a_scenario_skeleton():
    for topic in TOPICS:
        skeletons = set()
        values = catalogue().values
        for value in values:
            scenario = generate_dilemma(value.name, value.gloss, topic, random.Random(7))["scenario"]
            skeletons.add(scenario.replace(f'"{value.name}"', "V").replace(value.gloss, "G"))
        assert len(skeletons) >= len(values) // 4, topic  # not one scenario with the name swapped
