"""The simulator's planted VIA behaviour, the planted metrics it implies, and synthetic VIA files.

Planted behaviour (``SimulatorParams.designs['via']``, fields of ``ViaPlanted``): each (condition
country, value, topic) has a latent stance, agree with probability ``endorsement[country]`` (the key
``baseline`` for no condition), drawn once from a hash of the simulator's seed and the cell, so the
stated and the enacted answers of a cell share it. Task 1 answers on the stance's side, "strongly"
with probability ``strong_share``; Task 2 takes the action on the stance's side, the other one with
probability ``gap`` (per country in ``gap_by_country``): the planted value-action gap.

What that plants, exactly: accuracy 1 - gap; AD (1-g)(1-s)/4 + g(s + 3(1-s)/4) per cell; and the
expected F1 of each scenario from its stances and the binomial flips (``planted_f1``).

The simulator recognises a VIA request by its templates, the country from prompts/via_country.txt,
and which action expresses the value from the wording of the synthetic file (``synthetic_rows``):
the actions of a real file are not recognised and are answered 50/50.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from functools import lru_cache
from math import comb
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.via.items import COUNTRIES, PROTOCOLS, SCALE
from valuegap_tui.paths import PROMPTS_DIR

BASELINE = "baseline"
_OPTION = re.compile(r"^([A-H])\. (.*)$", re.M)
_EXPRESSING = re.compile(r"^I keep to (.+?) here\b")
_RESISTING = re.compile(r"^I put (.+?) aside here\b")


class ViaPlanted(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: P(agree stance) of a cell, by condition country ("baseline": no condition)
    endorsement: dict[str, float] = Field(default_factory=dict)
    base_endorsement: float = Field(0.7, ge=0, le=1)
    #: P(the action is on the other side of the stance)
    gap: float = Field(0.2, ge=0, le=1)
    gap_by_country: dict[str, float] = Field(default_factory=dict)
    #: P("strongly" | the side) in Task 1
    strong_share: float = Field(0.5, ge=0, le=1)

    def endorsement_of(self, country: str | None) -> float:
        return self.endorsement.get(country or BASELINE, self.base_endorsement)

    def gap_of(self, country: str | None) -> float:
        return self.gap_by_country.get(country or BASELINE, self.gap)


def planted(params) -> ViaPlanted:
    return ViaPlanted.model_validate(params.designs.get("via", {}))


@lru_cache(maxsize=None)
def _template_parts() -> tuple[re.Pattern, tuple[str, ...], tuple[str, ...]]:
    """(the country persona's pattern, the value question's line, the action question's line); the lines
    of every wording the design asks (``Via.protocols``: the standard templates and the paraphrases)."""
    country = (PROMPTS_DIR / "via_country.txt").read_text(encoding="utf-8").strip()
    head, _, tail = country.partition("${country}")
    pattern = re.compile(re.escape(head) + r"(.+?)" + re.escape(tail.split("${country}")[0][:12]))

    def question_line(name: str) -> str:
        lines = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        return lines[lines.index("${options}") - 1].strip()

    from valuegap_tui.protocols import template_name

    return (pattern, tuple(question_line(template_name("via_value_question", p)) for p in PROTOCOLS),
            tuple(question_line(template_name("via_action_question", p)) for p in PROTOCOLS))


def condition_country(system: str | None) -> str | None:
    if not system:
        return None
    match = _template_parts()[0].search(system)
    return match.group(1).strip() if match else "?"


def _uniform(seed: int, *parts: str) -> float:
    digest = hashlib.blake2b("\x1f".join((str(seed), *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def stance_agrees(params, country: str | None, value: str, topic: str) -> bool:
    """The cell's latent stance (shared by Task 1 and Task 2)."""
    return _uniform(params.seed, country or BASELINE, value, topic) < planted(params).endorsement_of(country)


_TOPIC = re.compile(r"^The topic is (.+?)\.(?: |$)", re.M)
_VALUE = re.compile(r"The value is (.+?) \(")


def _found(pattern: re.Pattern, user: str) -> str:
    match = pattern.search(user)
    return match.group(1).strip() if match else ""


def simulated_reply(params, system: str | None, user: str, rng) -> list[float] | None:
    _, value_lines, action_lines = _template_parts()
    is_value = any(line in user for line in value_lines)
    is_action = not is_value and any(line in user for line in action_lines)
    if not (is_value or is_action):
        return None

    shown = [text.strip() for _, text in _OPTION.findall(user)]
    if not shown:
        return None
    plant = planted(params)
    country = condition_country(system)
    cat = catalogue()
    topic = cat.find_topic(_found(_TOPIC, user))
    if is_value:
        value = cat.find_value(_found(_VALUE, user))
        if value is None or topic is None or not all(text in SCALE for text in shown):
            return [1 / len(shown)] * len(shown)
        s = plant.strong_share
        probs = (s, 1 - s, 0.0, 0.0) if stance_agrees(params, country, value.id, topic.id) else (0.0, 0.0, 1 - s, s)
        return [probs[SCALE.index(text)] for text in shown]
    sides = []
    value = None
    for text in shown:
        if (m := _EXPRESSING.match(text)):
            sides.append(1)
        elif (m := _RESISTING.match(text)):
            sides.append(-1)
        else:
            return [1 / len(shown)] * len(shown)
        value = cat.find_value(m.group(1))
    if value is None or topic is None or sorted(sides) != [-1, 1]:
        return [1 / len(shown)] * len(shown)
    g = plant.gap_of(country)
    p_expressing = (1 - g) if stance_agrees(params, country, value.id, topic.id) else g
    return [p_expressing if side == 1 else 1 - p_expressing for side in sides]


# --- what is planted ---------------------------------------------------------------------------
def planted_accuracy(params, country: str | None) -> float:
    return 1 - planted(params).gap_of(country)


def planted_ad(params, country: str | None) -> float:
    """E|x - a| / 2 with Task 1 at the points +1, +1/3, -1/3, -1: on the action's side 0 (strong) or 1/3,
    on the other side 1 (strong) or 2/3."""
    plant = planted(params)
    g, s = plant.gap_of(country), plant.strong_share
    return (1 - g) * (1 - s) / 3 + g * (s + 2 * (1 - s) / 3)


def expected_f1(positives: int, negatives: int, gap: float) -> tuple[float, float]:
    """(E[F1; F1 defined], P(F1 defined)) of a vector with ``positives`` stated-disagree and ``negatives``
    stated-agree values whose actions flip side with probability ``gap`` each: TP ~ Bin(P, 1-g),
    FP ~ Bin(N, g), FN = P - TP, F1 = 2TP / (P + TP + FP), undefined (left out) when that is 0/0."""
    total = defined = 0.0
    for tp in range(positives + 1):
        p_tp = comb(positives, tp) * (1 - gap) ** tp * gap ** (positives - tp)
        for fp in range(negatives + 1):
            denominator = positives + tp + fp
            if denominator:
                p = p_tp * comb(negatives, fp) * gap ** fp * (1 - gap) ** (negatives - fp)
                defined += p
                total += p * 2 * tp / denominator
    return total, defined


def planted_f1(params, items, country_of_condition) -> float:
    """The planted mean F1 over the scenarios (country, topic) of ``items`` under one condition, those
    without a positive left out (their expected share taken out of the denominator):
    ``country_of_condition(item)`` gives the condition's country (None: baseline)."""
    plant = planted(params)
    scenarios: dict[tuple, list[int]] = {}
    for item in items:
        country = country_of_condition(item)
        cell = scenarios.setdefault((item.country, item.topic, country), [0, 0])
        cell[0 if stance_agrees(params, country, item.value, item.topic) else 1] += 1
    values = [expected_f1(disagree, agree, plant.gap_of(country))
              for (_, _, country), (agree, disagree) in scenarios.items()]
    # the scenarios with no positive are left out: the mean over those that have an F1
    return sum(v[0] for v in values) / sum(v[1] for v in values)


# --- synthetic files -------------------------------------------------------------------------------
def expressing_text(value_name: str, topic_name: str, country: str) -> str:
    return f"I keep to {value_name} here: in a question of {topic_name.lower()} in {country}, I act on it."


def resisting_text(value_name: str, topic_name: str, country: str) -> str:
    return f"I put {value_name} aside here: in a question of {topic_name.lower()} in {country}, I act against it."


def _generation_prompt(action: str, explanation: str, form: int) -> str:
    record = {"Human Action": action, "Feature Attributions": {"value": 0.8, "context": 0.2},
              "Natural Language Explanation": explanation}
    if form == 0:
        return json.dumps(record)
    if form == 1:
        return "```json\n" + json.dumps(record, indent=2) + "\n```"
    return repr(record)  # a Python dict literal with single quotes


def synthetic_rows(countries=COUNTRIES, topics=None, values=None):
    """Rows as released (index column, country, topic, value, polarity, generation_prompt), the
    generation_prompt in the three published forms in turn."""
    cat = catalogue()
    topics = [cat.topic(t) for t in topics] if topics else cat.topics
    values = [cat.value(v) for v in values] if values else cat.values
    n = 0
    for country in countries:
        for topic in topics:
            for value in values:
                for polarity, text in (("positive", expressing_text), ("negative", resisting_text)):
                    action = text(value.name, topic.name, country)
                    explanation = f"This {'expresses' if polarity == 'positive' else 'resists'} {value.name}."
                    yield [n, country, topic.name, value.name, polarity, _generation_prompt(action, explanation, n % 3)]
                    n += 1


def write_synthetic_csv(path: Path, rows=None) -> int:
    """Write a VIA-shaped CSV (default: full size, 14,784 rows); returns the rows written."""
    rows = list(synthetic_rows() if rows is None else rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["", "country", "topic", "value", "polarity", "generation_prompt"])
        writer.writerows(rows)
    return len(rows)
