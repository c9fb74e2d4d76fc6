"""Simulated ValAct-style studies with planted stated and enacted profiles: the reliability tests and
bench/inference_coverage.py draw their questionnaires and scenario choices from here."""

from __future__ import annotations

import itertools
import math

import numpy as np

from valuegap_tui.designs.valact.reliability import corrected_r, enacted_profile, shared_error
from valuegap_tui.designs.valact.simulate import point_probabilities

VALUES = [str(v) for v in range(10)]
#: planted profiles (stated means on the 1..6 scale, choice weights) whose true r is 0.79 and 0.36
PLANTED = {0.79: ([2.9, 5.2, 5.3, 3.9, 3.7, 2.1, 5.5, 3.8, 3.3, 2.6], [0.2, 2.3, 1.8, 1.5, 0.4, 0.3, 2.0, 0.8, 2.0, 0.4]),
           0.36: ([2.3, 2.8, 4.8, 4.0, 2.3, 3.5, 3.7, 2.6, 4.6, 2.4], [1.2, 0.8, 0.8, 0.6, 0.5, 0.8, 1.4, 0.8, 2.0, 0.9])}


def true_enacted(weights) -> np.ndarray:
    """The planted enacted profile: P(a value's action is chosen) over every set of four values offering it."""
    w = np.asarray(weights)
    return np.array([np.mean([w[v] / (w[v] + w[list(rest)].sum())
                              for rest in itertools.combinations([u for u in range(10) if u != v], 3)])
                     for v in range(10)])


def stated_answers(means, rng, items=2):
    """One answer per item, two items per value, from the simulator's discretised normal (sd 0.8)."""
    probs = np.array([point_probabilities(m, 0.8) for m in means])
    answers = (rng.random((10, items, 1)) > np.cumsum(probs, axis=1)[:, None, :]).sum(axis=-1) + 1
    return [VALUES[v] for v in range(10) for _ in range(items)], answers.reshape(-1).astype(float)


def offered_and_chosen(weights, per_value, rng, sets=None):
    """Scenarios offering four random values each, one answer each, chosen in proportion to the weights."""
    w = np.asarray(weights)
    if sets is None:
        sets = np.argsort(rng.random((round(per_value * 10 / 4), 10)), axis=1)[:, :4]
    n = len(sets)
    probs = w[sets] / w[sets].sum(axis=1, keepdims=True)
    picked = (rng.random((n, 1)) > np.cumsum(probs, axis=1)).sum(axis=1)
    chosen, offered = np.zeros((n, 10)), np.zeros((n, 10))
    np.put_along_axis(offered, sets, 1.0, axis=1)
    chosen[np.arange(n), sets[np.arange(n), picked]] = 1.0
    return chosen, offered, sets


def identical_models(weights, per_value: int, studies: int, rng) -> tuple[list[float], list[bool]]:
    """Two models with the same weights answering the same scenarios: each study's observed profile r, and
    whether the disattenuated r's interval holds 1 (studies with an interval)."""
    observed, covered = [], []
    for study in range(studies):
        chosen_a, offered, sets = offered_and_chosen(weights, per_value, rng)
        chosen_b, _, _ = offered_and_chosen(weights, per_value, rng, sets)
        found = corrected_r(enacted_profile(chosen_a, offered), enacted_profile(chosen_b, offered),
                            shared_error(chosen_a, offered, chosen_b, offered), seed=study)
        observed.append(found.r)
        if not math.isnan(found.low):
            covered.append(found.low <= 1.0 <= found.high)
    return observed, covered
