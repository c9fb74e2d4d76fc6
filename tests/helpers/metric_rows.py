"""Answer rows written by hand for the metric tests, and the five hand-worked items of tests/test_metrics.py."""

from __future__ import annotations

from valuegap_tui.metrics.scale import CHOICE_SCORES

SCORES = {c: float(s) for c, s in enumerate(CHOICE_SCORES)}  # choice 0 = +3 ... choice 5 = -3


def row(dilemma, question, choice, *, value="wisdom", topic="t1", persona="baseline", kind="baseline",
        model="m", repeat=0, position=0, refusal=False, distribution=None):
    return {"model": model, "persona": persona, "persona_kind": kind, "dilemma": dilemma, "value": value,
            "value_type": "universalism", "topic": topic, "question": question, "repeat": repeat,
            "score": None if choice is None else SCORES[choice], "choice": -1 if choice is None else choice,
            "position": -1 if choice is None else position, "refusal": refusal, "distribution": distribution}


def pair(dilemma, v_choice, a_choice, **kw):
    return [row(dilemma, "value", v_choice, **kw), row(dilemma, "action", a_choice, **kw)]


# Five items:             v (choice->point)  a (choice->point)  aligns  |v-a|/5   topic
#  d1: +3 / +2             0 -> 6             1 -> 5             yes     1/5       t1
#  d2: +1 / -1             2 -> 4             3 -> 3             no      1/5       t1
#  d3: -3 / -2             5 -> 1             4 -> 2             yes     1/5       t1
#  d4: -2 / +3             4 -> 2             0 -> 6             no      4/5       t2
#  d5: +2 / +1             1 -> 5             2 -> 4             yes     1/5       t2
FIVE = (pair("d1", 0, 1) + pair("d2", 2, 3) + pair("d3", 5, 4) + pair("d4", 4, 0, topic="t2")
        + pair("d5", 1, 2, topic="t2"))
