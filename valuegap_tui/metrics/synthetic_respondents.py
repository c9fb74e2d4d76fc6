"""Simulated runs of models and people with planted per-dilemma behaviour: for the tests and the bench
of the paired comparisons between respondents (``metrics.between``).

A population of dilemma types gives every respondent a value-answer and an action-answer distribution
per type. A simulated run draws its dilemmas from the population with replacement, asks the models
several times and each person once (the first option order), all under the baseline. The planted
difference between two respondents is the population mean, over dilemma types, of the difference of
their exact expected items (for model vs people: against the mean over the people), which is what the
comparisons estimate.
"""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame, Codes
from valuegap_tui.metrics.scale import CHOICE_SCORES, DISTANCE, SAME_SIDE

HUMAN = "human:"
#: respondent -> (value distributions, action distributions), each (dilemma types x 6)
Behaviour = dict[str, tuple[np.ndarray, np.ndarray]]


def _bumps(rng, n: int, centre_low: float, centre_high: float, width: float) -> np.ndarray:
    """(n x 6) answer distributions: a bump around a centre drawn per dilemma type."""
    centre = rng.uniform(centre_low, centre_high, size=(n, 1))
    weights = np.exp(-((np.arange(6)[None, :] - centre) ** 2) / width)
    return weights / weights.sum(axis=1, keepdims=True)


def population(seed: int, null: bool, types: int = 300, people: int = 5) -> Behaviour:
    """Models ``a`` and ``b`` and ``people`` persons. Null: all of them answer each dilemma type from
    the same distributions. Otherwise b acts against the value more often than a, and the people differ
    from each other and from both models."""
    rng = np.random.default_rng(seed)
    value = _bumps(rng, types, 0, 2.5, 1.5)
    action_a = _bumps(rng, types, 0, 5, 2.0)
    names = ["a", "b"] + [f"{HUMAN}p{k}" for k in range(people)]
    if null:
        return {name: (value, action_a) for name in names}
    out = {"a": (value, action_a), "b": (value, _bumps(rng, types, 1.5, 5, 2.0))}
    for k in range(people):
        out[f"{HUMAN}p{k}"] = (_bumps(rng, types, 0, 3 + 0.3 * k, 1.5), _bumps(rng, types, 0.5 * k, 4, 2.0))
    return out


def expected_items(value: np.ndarray, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact expected AR and AD of an item per dilemma type (the expectation of the ``pairs`` estimand)."""
    return ((value @ SAME_SIDE) * action).sum(axis=1), ((value @ DISTANCE) * action).sum(axis=1)


def planted_differences(behaviour: Behaviour) -> dict[tuple[str, str, str], float]:
    """(first, second, "ar" | "ad") -> the planted difference, for a vs b and each model vs the people."""
    expected = {name: expected_items(*behaviour[name]) for name in behaviour}
    people = [name for name in behaviour if name.startswith(HUMAN)]
    out = {}
    for first, second in (("a", "b"), ("a", "people"), ("b", "people")):
        for m, metric in enumerate(("ar", "ad")):
            theirs = (np.mean([expected[p][m] for p in people], axis=0) if second == "people"
                      else expected[second][m])
            out[(first, second, metric)] = float(np.mean(expected[first][m] - theirs))
    return out


def _draw(rng, probabilities: np.ndarray) -> np.ndarray:
    """One choice per row of a (rows x 6) probability array."""
    return (rng.random((len(probabilities), 1)) > np.cumsum(probabilities, axis=1)).sum(axis=1).clip(0, 5)


def simulated_run(rng, behaviour: Behaviour, dilemmas: int = 40, model_repeats: int = 3) -> AnswerFrame:
    """One run's answers: ``dilemmas`` drawn from the population, models asked ``model_repeats`` times,
    people once, everyone under the baseline."""
    types = rng.integers(0, len(next(iter(behaviour.values()))[0]), dilemmas)
    names = list(behaviour)
    model, dilemma, question, repeat, choice = [], [], [], [], []
    for code, name in enumerate(names):
        repeats = 1 if name.startswith(HUMAN) else model_repeats
        for q in (0, 1):
            choice.append(_draw(rng, np.repeat(behaviour[name][q][types], repeats, axis=0)))
            dilemma.append(np.repeat(np.arange(dilemmas), repeats))
            repeat.append(np.tile(np.arange(repeats), dilemmas))
            question.append(np.full(dilemmas * repeats, q))
            model.append(np.full(dilemmas * repeats, code))
    n = sum(len(c) for c in choice)
    constant, baseline = Codes(np.zeros(n, np.int32), ("x",)), Codes(np.zeros(n, np.int32), ("baseline",))
    chosen = np.concatenate(choice).astype(np.int8)
    return AnswerFrame(
        model=Codes(np.concatenate(model).astype(np.int32), tuple(names)), persona=baseline, persona_kind=baseline,
        dilemma=Codes(np.concatenate(dilemma).astype(np.int32), tuple(f"d{k:03d}" for k in range(dilemmas))),
        value=constant, value_type=constant, topic=constant,
        question=np.concatenate(question).astype(np.int8), repeat=np.concatenate(repeat).astype(np.int16),
        score=CHOICE_SCORES[chosen], position=chosen, choice=chosen)
