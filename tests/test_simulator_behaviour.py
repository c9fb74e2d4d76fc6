"""The simulator's behaviour model: persona parsing, direction of persona effects, and answer
frequencies that match the planted probabilities it publishes."""

from __future__ import annotations

import math
import random

import pytest

from valuegap_tui.catalogue import catalogue
from valuegap_tui.personas import generate_personas, quadrant_persona, render_persona_text
from valuegap_tui.simulator import (
    Simulator,
    SimulatorParams,
    action_distribution,
    answer_probabilities,
    endorsement,
    expected_gap,
    expected_option_shares,
    expected_position_shares,
    gap_probability,
    parse_persona,
    persona_traits,
    value_distribution,
)

LETTERS = "ABCDEF"
SCALE = [p.text for p in catalogue().value_scale]


def test_persona_text_parses_back_to_levels_and_position():
    for persona in generate_personas(seed=1, incongruous=3):
        levels, unread = parse_persona(render_persona_text(persona))
        assert unread == 0
        assert dict(levels) == persona.levels
        assert persona_traits(levels).position == pytest.approx(persona.position)
    assert parse_persona(None) == ((), 0)
    text = render_persona_text(quadrant_persona("max", -1, -1)) + "\n- shoe size: how big -> enormous"
    levels, unread = parse_persona(text)
    assert unread == 1 and len(levels) == 10


def test_persona_direction_and_incongruity():
    params = SimulatorParams()
    traditional = quadrant_persona("max", -1, -1).levels
    secular = quadrant_persona("max", 1, 1).levels
    by_type = lambda t: catalogue().values_of_type(t)[0].id  # noqa: E731
    for kind in ("tradition", "conformity", "security", "power"):
        assert endorsement(params, traditional, by_type(kind)) > endorsement(params, secular, by_type(kind))
    for kind in ("self_direction", "universalism", "stimulation"):
        assert endorsement(params, secular, by_type(kind)) > endorsement(params, traditional, by_type(kind))
    incongruous = [p for p in generate_personas(seed=0, incongruous=2) if p.kind == "incongruous"][0].levels
    assert persona_traits(tuple(sorted(incongruous.items()))).incongruity >= 0.5
    assert gap_probability(params, incongruous) > gap_probability(params, {}) > gap_probability(params, secular)


def test_distributions_are_skewed_as_planted():
    params = SimulatorParams()
    value = value_distribution(params, {}, "freedom")
    action = action_distribution(params, {}, "freedom")
    assert sum(value) == pytest.approx(1) and sum(action) == pytest.approx(1)
    # stated answers go to the extremes, actions cluster on the mild/moderate options
    assert value[0] + value[5] > value[2] + value[3]
    assert action[1] + action[2] + action[3] + action[4] > 0.7
    rate, distance = expected_gap(value, action)
    assert 0.4 < rate < 0.95 and 0 < distance < 1


def _shuffled(rng: random.Random) -> list[int]:
    order = list(range(6))
    rng.shuffle(order)
    return order


def _messages(persona_text, user):
    return ([{"role": "system", "content": persona_text}] if persona_text else []) + [{"role": "user", "content": user}]


def test_measured_frequencies_match_planted_probabilities():
    """Thousands of shuffled questions: letter and option shares agree with the published model."""
    params = SimulatorParams(seed=4)
    simulator = Simulator(params)
    persona = quadrant_persona("moderate", -1, 1)
    persona_text = render_persona_text(persona)
    value = catalogue().find_value("Freedom")
    texts = [f"Action number {i} in the test dilemma." for i in range(6)]
    simulator.remember(value.id, "You are tested.", {t: rank for rank, t in enumerate(texts)})
    rng = random.Random(9)
    n = 3000
    for question in ("value", "action"):
        orders = [_shuffled(rng) for _ in range(n)]
        letter_counts, option_counts = [0] * 6, [0] * 6
        for i, shown in enumerate(orders):
            labels = SCALE if question == "value" else texts
            lines = "\n".join(f"{LETTERS[j]}. {labels[k]}" for j, k in enumerate(shown))
            if question == "value":
                user = f"You are tested.\n\nHow strongly do you agree or disagree with \"{value.name}\" in this context?\n{lines}\n\nAnswer."
            else:
                user = f"You are tested.\n\nWhich of the following actions would you choose?\n{lines}\n\nAnswer."
            reply = simulator.respond({"messages": _messages(persona_text, user), "seed": i})
            letter = LETTERS.index(reply["choices"][0]["message"]["content"])
            letter_counts[letter] += 1
            option_counts[shown[letter]] += 1
        expected_letters = expected_position_shares(params, persona.levels, value.id, question, orders)
        expected_options = expected_option_shares(params, persona.levels, value.id, question, orders)
        for counts, expected in ((letter_counts, expected_letters), (option_counts, expected_options)):
            for count, p in zip(counts, expected):
                assert abs(count / n - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9, (question, counts, expected)
        # the planted position bias shows: A is chosen more often than its fair share
        assert expected_letters[0] > 1 / 6 + 0.01 and letter_counts[0] / n > 1 / 6
    assert simulator.stats.unknown_actions == 0 and simulator.stats.by_kind == {"value": n, "action": n}


def test_logprobs_match_the_answer_distribution():
    params = SimulatorParams(logprob_leak=0.05)
    simulator = Simulator(params)
    shown = [3, 0, 5, 1, 4, 2]
    lines = "\n".join(f"{LETTERS[j]}. {SCALE[k]}" for j, k in enumerate(shown))
    user = f"Scene.\n\nHow strongly do you agree or disagree with \"Wealth\" in this context?\n{lines}\n\nAnswer."
    reply = simulator.respond({"messages": _messages(None, user), "logprobs": True, "top_logprobs": 20, "max_tokens": 1})
    top = {t["token"]: math.exp(t["logprob"]) for t in reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]}
    expected = answer_probabilities(params, {}, catalogue().find_value("Wealth").id, "value", shown)
    for letter, p in zip(LETTERS, expected):
        assert top[letter] == pytest.approx(p * 0.95)
    assert sum(top.values()) == pytest.approx(1.0)


def test_ranking_is_close_to_the_true_order():
    params = SimulatorParams(ranking_error_rate=0.0)
    simulator = Simulator(params)
    texts = [f"Ranked action {i}." for i in range(6)]
    simulator.remember("honest", "Rank me.", {t: rank for rank, t in enumerate(texts)})
    shown = [4, 2, 0, 5, 1, 3]
    lines = "\n".join(f"{LETTERS[j]}. {texts[k]}" for j, k in enumerate(shown))
    user = f"Rank me.\n\nOrder these actions from most aligning to most opposing the value \"Honest\" (genuine, sincere):\n{lines}\n"
    import json
    ranking = json.loads(simulator.respond({"messages": _messages(None, user)})["choices"][0]["message"]["content"])["ranking"]
    assert [shown[LETTERS.index(letter)] for letter in ranking] == [0, 1, 2, 3, 4, 5]
