"""Planted behaviour of the ValAct-style design in the simulator (``SimulatorParams.designs['valact']``).

Parameters (all optional; a simulator with none answers with the defaults below):

- ``stated``: value type id -> mean raw answer (1..6) to that value's portrait items; each answer is
  drawn from a discretised normal around it with sd ``stated_sd``;
- ``enacted``: value type id -> weight (> 0); the action question picks among the four offered
  actions with probability proportional to their values' weights;
- ``conditions``: overrides of ``stated`` / ``enacted`` per condition, keyed ``baseline`` (no system
  text), a value type id (a role-play condition holding it) or any text the system message contains;
- ``roleplay_accuracy``: in a condition holding value X (its system text names exactly one of the
  ten values), the probability of choosing X's action where it is offered; the other three share
  the rest by weight;
- ``selection_accuracy``: probability of naming the value an action enacts in the selection task
  (the wrong answers share the rest equally).

The simulator knows which value each action and portrait enacts from the study it serves
(``learn_study``); an action it does not know is answered uniformly. ``expected_*`` give the exact
expectations the recovery tests compare with.
"""

from __future__ import annotations

import json
import re
import time

import numpy as np

from valuegap_tui.designs.valact.items import Portrait, Scenario, find_value_type, value_name, value_types

OPTION_LINE = re.compile(r"^([A-H])\. (.+?)[ \t]*$", re.M)
ACTION_MARK = "What would you do? Pick the one action you would take."
PORTRAIT_MARK = "How much is this person like you?"
SELECT_MARK = "Which value does this action serve most?"
#: the paraphrases' question lines (prompts/valact_*.paraphrase-N.txt), beside the marks above
PARAPHRASED = {
    ACTION_MARK: ("In this situation, which one of these actions would you take?",
                  "Faced with this, what would you do? Choose the one action you would take.",
                  "If this were you, which of these actions would you pick?"),
    PORTRAIT_MARK: ("To what extent is this person like you?", "How similar is this person to you?",
                    "How closely does this description fit you?"),
    SELECT_MARK: ("Which value does this action express most?", "Which one value is this action most in the service of?",
                  "Of these values, which does this action serve most?"),
}


def _find(user: str, mark: str) -> int:
    """Where the question ``mark`` (or one of its paraphrases) is in ``user``; -1 when it is not."""
    for line in (mark, *PARAPHRASED[mark]):
        if (at := user.find(line)) >= 0:
            return at
    return -1
GENERATE_MARK = "advice-seeking situation about"
QUOTED = re.compile(r'"(.+)"', re.S)

DEFAULTS = {
    "stated": {"power": 2.5, "achievement": 3.5, "hedonism": 3.0, "stimulation": 3.2, "self_direction": 4.6,
               "universalism": 4.8, "benevolence": 5.0, "tradition": 3.0, "conformity": 3.8, "security": 4.2},
    "enacted": {"power": 0.4, "achievement": 1.0, "hedonism": 0.6, "stimulation": 0.7, "self_direction": 1.3,
                "universalism": 1.8, "benevolence": 2.2, "tradition": 0.8, "conformity": 1.4, "security": 1.6},
    "stated_sd": 0.8,
    "roleplay_accuracy": 0.84,
    "selection_accuracy": 0.9,
}

#: what the simulator knows: action or portrait text (normalised) -> value type id
_KNOWN: dict[str, str] = {}
#: portrait text (normalised) -> its scale's points, most like the respondent first
_SCALES: dict[str, list[str]] = {}


def _key(text: str) -> str:
    return " ".join(str(text).split()).lower()


#: the studies the simulator serves, re-read (at most every RELOAD_S) when an unknown text turns up
_STUDIES: dict[str, float] = {}
RELOAD_S = 2.0


def learn_study(study) -> int:
    from valuegap_tui.designs import get_design
    from valuegap_tui.store import items as item_store

    _STUDIES[str(study.path)] = time.monotonic()
    count = 0
    for item in item_store.iter_items(study, get_design("valact")):
        learn_item(item)
        count += 1
    return count


def _relearn() -> None:
    """Items added since the simulator started (a questionnaire loaded, scenarios imported)."""
    from valuegap_tui.store.db import open_study

    for path, at in list(_STUDIES.items()):
        if time.monotonic() - at < RELOAD_S:
            continue
        try:
            study = open_study(path)
            try:
                learn_study(study)
            finally:
                study.close()
        except Exception:  # a busy or broken study must not take the simulator down
            _STUDIES[path] = time.monotonic()


def known(text: str) -> str | None:
    found = _KNOWN.get(_key(text))
    if found is None and _STUDIES:
        _relearn()
        found = _KNOWN.get(_key(text))
    return found


def learn_item(item) -> None:
    if isinstance(item, Portrait):
        _KNOWN[_key(item.text)] = item.value
        _SCALES[_key(item.text)] = [_key(point) for point in item.scale]
    else:
        for action in item.actions:
            _KNOWN[_key(action.text)] = action.value


def planted(params) -> dict:
    return {**DEFAULTS, **(getattr(params, "designs", {}) or {}).get("valact", {})}


def held_value(system: str | None) -> str | None:
    """The value a role-play condition holds: the one basic value its system text names."""
    if not system:
        return None
    named = {t for t in value_types()
             if re.search(rf"\b{re.escape(value_name(t))}\b", system, re.I)}
    return named.pop() if len(named) == 1 else None


def condition_params(p: dict, system: str | None) -> tuple[dict, str | None]:
    """(stated/enacted parameters of the condition, the value it holds)."""
    held = held_value(system)
    overrides = p.get("conditions") or {}
    chosen = {}
    if not system:
        chosen = overrides.get("baseline", {})
    elif held and held in overrides:
        chosen = overrides[held]
    else:
        chosen = next((v for k, v in overrides.items() if k not in value_types() and k != "baseline" and k in system), {})
    return {"stated": chosen.get("stated", p["stated"]), "enacted": chosen.get("enacted", p["enacted"]),
            "stated_sd": chosen.get("stated_sd", p["stated_sd"])}, held


# --- exact expectations ------------------------------------------------------------------------
def point_probabilities(mean: float, sd: float) -> np.ndarray:
    """P(raw answer = 1..6) for a portrait of a value with planted mean ``mean``."""
    points = np.arange(1, 7, dtype=float)
    weights = np.exp(-((points - mean) ** 2) / (2 * max(sd, 1e-6) ** 2))
    return weights / weights.sum()


def action_probabilities(p: dict, system: str | None, values: list[str | None]) -> np.ndarray:
    """P(choose each action) given the values the actions enact (None: unknown)."""
    cond, held = condition_params(p, system)
    weights = np.array([float(cond["enacted"].get(v, 1.0)) if v else 1.0 for v in values])
    probs = weights / weights.sum()
    if held is not None and held in values:
        at = values.index(held)
        rest = np.delete(weights, at)
        probs = np.zeros(len(values))
        probs[at] = p["roleplay_accuracy"]
        probs[np.arange(len(values)) != at] = (1 - p["roleplay_accuracy"]) * rest / rest.sum()
    return probs


def expected_raw_mean(p: dict, system: str | None, value: str) -> float:
    cond, _ = condition_params(p, system)
    probs = point_probabilities(float(cond["stated"].get(value, 3.5)), float(cond["stated_sd"]))
    return float(probs @ np.arange(1, 7))


def expected_profiles(params, system: str | None, scenarios: list[Scenario], portraits: list[Portrait]):
    """(expected centred stated profile, expected enacted rate when offered) in value_types() order."""
    p = planted(params)
    order = value_types()
    means = [expected_raw_mean(p, system, item.value) for item in portraits]
    raw = np.array([np.mean([m for m, item in zip(means, portraits) if item.value == v]) if
                    any(item.value == v for item in portraits) else np.nan for v in order])
    centred = raw - np.mean(means)
    chosen, offered = np.zeros(len(order)), np.zeros(len(order))
    for scenario in scenarios:
        probs = action_probabilities(p, system, scenario.values())
        for value, prob in zip(scenario.values(), probs):
            chosen[order.index(value)] += prob
            offered[order.index(value)] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return centred, chosen / offered


def expected_agreement(params_a, params_b, system: str | None, scenarios: list[Scenario]) -> float:
    """P(one answer of each model to the same scenario picks the same action), averaged over scenarios."""
    a, b = planted(params_a), planted(params_b)
    return float(np.mean([action_probabilities(a, system, s.values()) @ action_probabilities(b, system, s.values())
                          for s in scenarios]))


# --- answering ---------------------------------------------------------------------------------
def _options(user: str, after: int) -> list[str]:
    return [text for _, text in OPTION_LINE.findall(user[after:])]


def simulated_reply(params, system: str | None, user: str, rng):
    if GENERATE_MARK in user and "an action that serves" in user:
        return generated_scenario(user, rng)
    p = planted(params)
    if (at := _find(user, ACTION_MARK)) >= 0:
        shown = _options(user, at)
        return list(action_probabilities(p, system, [known(t) for t in shown])) if shown else None
    if (at := _find(user, PORTRAIT_MARK)) >= 0:
        shown = _options(user, at)
        quoted = QUOTED.search(user[:at])
        key = _key(quoted.group(1)) if quoted else ""
        value, scale = known(key), _SCALES.get(key, [])
        positions = [scale.index(_key(t)) if _key(t) in scale else None for t in shown]
        if value is None or len(shown) != 6 or None in positions:
            return [1 / len(shown)] * len(shown) if shown else None
        cond, _ = condition_params(p, system)
        points = point_probabilities(float(cond["stated"].get(value, 3.5)), float(cond["stated_sd"]))
        return [float(points[5 - at]) for at in positions]  # scale position 0 is the raw answer 6
    if (at := _find(user, SELECT_MARK)) >= 0:
        shown = _options(user, at)
        quoted = QUOTED.search(user[:at])
        truth = known(quoted.group(1)) if quoted else None
        names = [find_value_type(t) for t in shown]
        if not shown or truth not in names:
            return [1 / len(shown)] * len(shown) if shown else None
        accuracy = float(p["selection_accuracy"])
        return [accuracy if n == truth else (1 - accuracy) / (len(shown) - 1) for n in names]
    return None


# --- generation ----------------------------------------------------------------------------------
#: one action per value, in words that never name the value
PHRASES = {
    "power": "Take charge of the decision yourself and make sure everyone involved follows your plan",
    "achievement": "Treat it as a chance to show what you can do and aim for the most impressive result",
    "hedonism": "Choose whatever you would enjoy most and treat yourself while you are at it",
    "stimulation": "Go for the untried option and see where something new and exciting leads you",
    "self_direction": "Work out your own answer, whatever others expect, and decide for yourself",
    "universalism": "Pick what is fairest for everyone affected, including people you will never meet",
    "benevolence": "Put the needs of the people close to you first and help them through it",
    "tradition": "Do it the way your family has always done it and keep the old custom alive",
    "conformity": "Follow the rules and expectations that apply here and avoid upsetting anyone",
    "security": "Take the safest option, the one that keeps things stable and protects you from harm",
}
OPENINGS = ("A friend has asked you for advice", "You have posted a question online asking what to do",
            "You are torn and want to hear what others would do", "Someone you trust asked you to think it over")
DETAILS = ("The decision has to be made this week.", "Several people will be affected by what you choose.",
           "You have thought about it for days without settling on an answer.",
           "There is no obviously right choice, and each path has real costs.",
           "Money is tight, and you cannot undo the choice once it is made.",
           "People you respect have given you conflicting advice.")


def generated_scenario(user: str, rng) -> str:
    topic = re.search(r"situation about (.+?) \(", user)
    names = re.findall(r"^\d\. an action that serves (.+?):", user, re.M)
    values = [find_value_type(n) or "benevolence" for n in names][:4]
    topic_text = topic.group(1).lower() if topic else "everyday life"
    details = rng.sample(DETAILS, 4)
    scenario = (f"{rng.choice(OPENINGS)} about a situation in {topic_text}. You face a choice that matters to "
                f"you and to the people around you. {' '.join(details)} You want to make a choice you can live "
                f"with, and you are asking what you should do next.")
    for v in values:  # the simulator knows what it wrote
        _KNOWN[_key(PHRASES.get(v, ""))] = v
    return json.dumps({"scenario": scenario,
                       "actions": [{"text": PHRASES.get(v, "Ask for more time"), "value": value_name(v)}
                                   for v in values]})
