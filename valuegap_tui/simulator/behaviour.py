"""The behaviour model: from (persona, value, shown options) to the exact answer probabilities.

Model, per (persona, value):

* latent endorsement ``e = base + spread * u(value) + effect * (ts * L_ts(type) + ss * L_ss(type))
  + incongruity * noise * z(persona, value)``, where (ts, ss) is the persona's map position,
  ``L`` the value type's loadings, ``u`` and ``z`` fixed pseudo-random numbers from hashes;
  ``p = sigmoid(e)`` is the probability of taking the value's side.
* stated answer (value question): side by ``p``, then strength by ``value_extremeness``.
* chosen action: side by ``q = p (1 - g) + (1 - p) g`` with the planted gap ``g`` (lower for strong
  personas, higher for incongruous ones, shifted per value by ``value_gap_shift``), strength by
  ``action_strength`` (shrunk towards mild).
* position bias: the probability of the option shown at letter ``l`` is multiplied by
  ``position_bias[l]`` and the six are renormalised.
* ways of asking (``params.protocol_effects``): under a protocol with a planted effect, the side
  probability of the stated answer and of the action is lowered by its ``value_shift`` and
  ``action_shift``; where the option of not choosing is offered, it takes the ``abstain`` share.

The value and the action question are separate requests, so their answers are independent draws.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.scale import DISTANCE, SAME_SIDE
from valuegap_tui.personas import DIMENSIONS, level_offset, level_sign, persona_position
from valuegap_tui.simulator.params import SimulatorParams

LETTERS = "ABCDEFG"  # six options, and the abstain protocol's seventh
PERSONA_HEADER = "You hold the following values and beliefs:"


def _unit_hash(*parts: str) -> float:
    """A fixed number in [0, 1) from strings (stable across processes, unlike hash())."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _normal_hash(*parts: str) -> float:
    u1 = max(_unit_hash("n1", *parts), 1e-12)
    u2 = _unit_hash("n2", *parts)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- personas ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _level_lookup() -> dict[tuple[str, str], tuple[str, int]]:
    """(variable name, level text), lower-cased -> (variable id, 1-based level)."""
    lookup = {}
    for variable in catalogue().persona_variables:
        for index, level in enumerate(variable.levels, start=1):
            lookup[(variable.name.lower(), level.text.lower())] = (variable.id, index)
    return lookup


@lru_cache(maxsize=4096)
def parse_persona(system_text: str | None) -> tuple[tuple[tuple[str, int], ...], int]:
    """Persona levels from a system message, and how many persona lines could not be read.

    Lines look like ``- <variable name>: <measures> -> <level text>``; anything that is not a persona
    (no header) gives no levels, i.e. the baseline.
    """
    if not system_text or PERSONA_HEADER not in system_text:
        return (), 0
    lookup = _level_lookup()
    levels: dict[str, int] = {}
    unread = 0
    for line in system_text.splitlines():
        line = line.strip()
        if not line.startswith("- "):
            continue
        name, _, rest = line[2:].partition(":")
        _, arrow, level_text = rest.rpartition("->")
        found = lookup.get((name.strip().lower(), level_text.strip().lower())) if arrow else None
        if found is None:
            unread += 1
        else:
            levels[found[0]] = found[1]
    return tuple(sorted(levels.items())), unread


@dataclass(frozen=True)
class PersonaTraits:
    position: tuple[float, float]
    #: mean |level offset| over the variables: 0 baseline, 1/3 moderate, 1 max
    strength: float
    #: 0 when every dimension points one way, 1 when each is split half and half
    incongruity: float
    key: str


@lru_cache(maxsize=4096)
def persona_traits(levels: tuple[tuple[str, int], ...]) -> PersonaTraits:
    if not levels:
        return PersonaTraits((0.0, 0.0), 0.0, 0.0, "baseline")
    as_dict = dict(levels)
    cat = catalogue()
    strength = sum(abs(level_offset(v)) for v in as_dict.values()) / len(as_dict)
    split = []
    for dimension in DIMENSIONS:
        signs = [level_sign(as_dict[v.id]) for v in cat.persona_variables if v.dimension == dimension and v.id in as_dict]
        if signs:
            minority = min(signs.count(-1), signs.count(1))
            split.append(minority / (len(signs) / 2))
    incongruity = sum(split) / len(split) if split else 0.0
    key = ",".join(f"{k}={v}" for k, v in levels)
    return PersonaTraits(persona_position(as_dict), strength, incongruity, key)


def _levels_key(levels: dict[str, int] | Sequence[tuple[str, int]] | None) -> tuple[tuple[str, int], ...]:
    if not levels:
        return ()
    items = levels.items() if isinstance(levels, dict) else levels
    return tuple(sorted((str(k), int(v)) for k, v in items))


# --- the model -----------------------------------------------------------------------------------
def endorsement(params: SimulatorParams, levels, value_id: str) -> float:
    """Latent logit of taking the value's side (see the module docstring)."""
    traits = persona_traits(_levels_key(levels))
    value = catalogue().value(value_id)
    ts_load, ss_load = params.type_loadings.get(value.type, (0.0, 0.0))
    ts, ss = traits.position
    e = params.base_endorsement + params.value_spread * (2.0 * _unit_hash("value", value_id) - 1.0)
    e += params.persona_effect * (ts * ts_load + ss * ss_load)
    if traits.incongruity:
        e += traits.incongruity * params.incongruity_noise * _normal_hash("persona", traits.key, value_id)
    return e


def gap_probability(params: SimulatorParams, levels, value_id: str | None = None) -> float:
    """P(the action's side is flipped): the base gap, lowered by persona strength, raised by
    incongruity, shifted per value."""
    traits = persona_traits(_levels_key(levels))
    g = params.gap_probability * (1.0 - params.persona_gap_reduction * traits.strength)
    g += params.incongruity_gap * traits.incongruity
    if value_id is not None:
        g += params.value_gap_shift.get(value_id, 0.0)
    return min(max(g, 0.0), 1.0)


def _sided(p_positive: float, strengths: Sequence[float]) -> list[float]:
    """Six probabilities in catalogue order (strongest positive first) from a side and strengths."""
    total = sum(strengths)
    s = [x / total for x in strengths]
    return [p_positive * s[0], p_positive * s[1], p_positive * s[2],
            (1 - p_positive) * s[2], (1 - p_positive) * s[1], (1 - p_positive) * s[0]]


def _effect(params: SimulatorParams, levels, protocol: str):
    """The protocol's planted shifts for these persona levels (None: none apply)."""
    effect = params.protocol_effects.get(protocol)
    if effect is not None and effect.personas_only and not levels:
        return None  # the baseline
    return effect


def _shifted(p: float, shift: float) -> float:
    return min(max(p - shift, 0.0), 1.0)


def value_distribution(params: SimulatorParams, levels, value_id: str, protocol: str = "standard") -> list[float]:
    """P(stated answer) over the value scale, catalogue order (Strongly agree .. Strongly disagree),
    under a protocol's planted effect (``params.protocol_effects``)."""
    p = _sigmoid(endorsement(params, levels, value_id))
    effect = _effect(params, levels, protocol)
    return _sided(_shifted(p, effect.value_shift) if effect else p, params.value_extremeness)


def action_distribution(params: SimulatorParams, levels, value_id: str, protocol: str = "standard") -> list[float]:
    """P(chosen action) over the alignment labels, catalogue order (strongly aligning first), under a
    protocol's planted effect."""
    p = _sigmoid(endorsement(params, levels, value_id))
    g = gap_probability(params, levels, value_id)
    q = p * (1 - g) + (1 - p) * g
    effect = _effect(params, levels, protocol)
    return _sided(_shifted(q, effect.action_shift) if effect else q, params.action_strength)


def with_abstention(params: SimulatorParams, option_probs: Sequence[float], protocol: str) -> list[float]:
    """The option probabilities with the option of not choosing appended (index 6): it takes the
    protocol's planted ``abstain`` share, the other options the rest in their proportions."""
    effect = params.protocol_effects.get(protocol)
    a = effect.abstain if effect else 0.0
    return [p * (1 - a) for p in option_probs] + [a]


def letter_distribution(params: SimulatorParams, option_probs: Sequence[float], shown: Sequence[int | None]) -> list[float]:
    """P(letter) when letter i shows option ``shown[i]`` (index into option_probs, None = unknown).

    Unknown options get an equal share of what the known ones leave (uniform when none is known),
    then the position bias applies.
    """
    n = len(shown)
    known = [option_probs[k] for k in shown if k is not None]
    unknown = n - len(known)
    fill = (max(0.0, 1.0 - sum(known)) / unknown if unknown and known else 1.0 / n) if unknown else 0.0
    weights = [(option_probs[k] if k is not None else fill) * _bias(params, i) for i, k in enumerate(shown)]
    total = sum(weights) or 1.0
    return [w / total for w in weights]


def _bias(params: SimulatorParams, letter: int) -> float:
    # a seventh letter (the abstain protocol's extra option) has no planted bias
    return params.position_bias[letter] if letter < len(params.position_bias) else 1.0


def answer_probabilities(params: SimulatorParams, levels, value_id: str, question: str,
                         shown: Sequence[int | None], protocol: str = "standard") -> list[float]:
    """The exact letter probabilities the simulator uses for one question.

    ``question`` is "value" or "action"; ``shown[i]`` is the catalogue index (0 = strongly
    agree/aligning .. 5 = strongly disagree/opposing; 6 = not choosing, where offered) of the option
    shown at letter i; ``protocol``, the way it was asked (its planted effect applies).
    """
    dist = (value_distribution(params, levels, value_id, protocol) if question == "value"
            else action_distribution(params, levels, value_id, protocol))
    if 6 in shown:
        dist = with_abstention(params, dist, protocol)
    return letter_distribution(params, dist, shown)


def expected_option_shares(params: SimulatorParams, levels, value_id: str, question: str,
                           permutations: Sequence[Sequence[int]]) -> list[float]:
    """Mean P(option) over the given shown orders (letters mapped back to catalogue options)."""
    shares = [0.0] * 6
    for shown in permutations:
        for letter, prob in enumerate(answer_probabilities(params, levels, value_id, question, shown)):
            shares[shown[letter]] += prob / len(permutations)
    return shares


def expected_position_shares(params: SimulatorParams, levels, value_id: str, question: str,
                             permutations: Sequence[Sequence[int]]) -> list[float]:
    """Mean P(letter A..F) over the given shown orders: what a position-bias measurement should find."""
    shares = [0.0] * 6
    for shown in permutations:
        for letter, prob in enumerate(answer_probabilities(params, levels, value_id, question, shown)):
            shares[letter] += prob / len(permutations)
    return shares


def expected_gap(value_shares: Sequence[float], action_shares: Sequence[float]) -> tuple[float, float]:
    """(alignment rate, alignment distance) of independent value and action answers with these option
    shares, on the metrics' own definitions (docs/metrics.md): P(same side), and E|v - a| / 5 on
    points 1..6. This is what the default ``pairs`` estimand measures for such a cell."""
    total_v, total_a = sum(value_shares) or 1.0, sum(action_shares) or 1.0
    rate = distance = 0.0
    for i, pv in enumerate(value_shares):
        for j, pa in enumerate(action_shares):
            joint = pv * pa / (total_v * total_a)
            rate += joint * SAME_SIDE[i, j]
            distance += joint * DISTANCE[i, j]
    return float(rate), float(distance)
