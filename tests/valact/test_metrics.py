"""The ValAct-style metrics on answers small enough to work out by hand (docs/designs.md, valact)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from valuegap_tui.designs.valact.items import Portrait, Scenario
from valuegap_tui.designs.valact.metrics import metric_tables, pearson, pearson_rows
from valuegap_tui.designs.valact.questionnaire import score
from valuegap_tui.metrics.frame import AnswerFrame

VALUES = ("power", "achievement", "hedonism", "stimulation", "self_direction", "universalism", "benevolence",
          "tradition", "conformity", "security")


def scenario(item_id, values):
    return Scenario(id=item_id, scenario=f"situation {item_id}",
                    actions=[{"text": f"{item_id} action {k}", "value": v} for k, v in enumerate(values)])


ITEMS = {
    "s1": scenario("s1", ["power", "achievement", "hedonism", "stimulation"]),
    "s2": scenario("s2", ["self_direction", "universalism", "benevolence", "tradition"]),
    "s3": scenario("s3", ["conformity", "security", "power", "benevolence"]),
    **{f"p-{v}": Portrait(id=f"p-{v}", text=f"portrait {v}", value=v) for v in VALUES},
}
#: raw answers 6..1 are options 0..5: power 6, achievement 5, .. self_direction 2, universalism 1, ..
RAW = dict(zip(VALUES, (6, 5, 4, 3, 2, 1, 1, 2, 3, 4)))


def rows(model, persona, action_choices, raw=RAW, selections=()):
    out = [dict(model=model, persona=persona, persona_kind="baseline" if persona == "baseline" else "instruction",
                dilemma=item, value="", value_type="", topic="", question=0, repeat=r, score=0.0, position=c, choice=c)
           for item, choices in action_choices.items() for r, c in enumerate(choices)]
    out += [dict(model=model, persona=persona, persona_kind="x", dilemma=f"p-{v}", value=v, value_type="", topic="",
                 question=1, repeat=0, score=1.0, position=6 - point, choice=6 - point) for v, point in raw.items()]
    out += [dict(model=model, persona=persona, persona_kind="x", dilemma=item, value="", value_type="", topic="",
                 question=2 + action, repeat=r, score=0.0, position=c, choice=c)
            for r, (item, action, c) in enumerate(selections)]
    return out


CONDITIONS = {"baseline": SimpleNamespace(kind="baseline", attributes=None, levels=None),
              "rp-power": SimpleNamespace(kind="instruction", attributes={"value_type": "power"}, levels={})}


def tables():
    frame = AnswerFrame.from_rows(
        rows("A", "baseline", {"s1": [0, 0], "s2": [2, 2], "s3": [2, 3]},
             selections=[("s1", 0, 0), ("s3", 2, 2), ("s3", 2, 0), ("s2", 1, 1)])
        + rows("B", "baseline", {"s1": [0, 1], "s2": [2, 1], "s3": [2, 2]})
        + rows("A", "rp-power", {"s1": [0, 0], "s2": [3, 3], "s3": [0, 2]}))
    return {t.name: t for t in metric_tables(frame, ITEMS, CONDITIONS)}


def test_enacted_profile_is_the_rate_a_value_is_chosen_where_offered():
    enacted = [r for r in tables()["valact_enacted"].records() if r["model"] == "A" and r["condition"] == "baseline"]
    rate = {r["value"]: r["rate"] for r in enacted}
    # power is offered in s1 (2 answers, both chose it) and s3 (2 answers, one chose action 2 = power): 3 of 4
    assert rate["power"] == pytest.approx(0.75)
    # benevolence: s2 action 2 twice (2 of 2), s3 action 3 once (1 of 2): 3 of 4
    assert rate["benevolence"] == pytest.approx(0.75)
    assert rate["achievement"] == 0 and rate["conformity"] == 0
    assert all(r["chance"] == 0.25 for r in enacted)
    share = {r["value"]: r["share_of_choices"] for r in enacted}
    assert share["power"] == pytest.approx(3 / 6) and sum(share.values()) == pytest.approx(1)


def test_stated_scores_are_means_per_value_centred_on_the_respondent_mean():
    stated = {r["value"]: r for r in tables()["valact_stated"].records() if r["model"] == "A"
              and r["condition"] == "baseline"}
    assert stated["power"]["raw"] == 6 and stated["universalism"]["raw"] == 1
    # the mean over the ten items is 31 / 10 = 3.1
    assert stated["power"]["centred"] == pytest.approx(2.9)
    assert stated["universalism"]["centred"] == pytest.approx(-2.1)
    two_items = score(["power", "power", "security"], np.array([6.0, 4.0, 2.0]))
    assert two_items.raw[0] == 5 and two_items.raw[-1] == 2 and two_items.centred[0] == pytest.approx(1)


def test_gap_is_pearson_of_centred_stated_and_enacted_with_an_interval():
    gap = {(r["model"], r["condition"]): r for r in tables()["valact_gap"].records()}
    # by hand: A's baseline enacted rates per value (NaN: never offered)
    enacted = [0.75, 0, 0, 0, 0, 0, 0.75, 0, 0, 0]
    centred = [v - 3.1 for v in RAW.values()]
    assert gap[("A", "baseline")]["r"] == pytest.approx(np.corrcoef(centred, enacted)[0, 1])
    assert gap[("A", "baseline")]["values"] == 10
    low, high = gap[("A", "baseline")]["r_low"], gap[("A", "baseline")]["r_high"]
    assert -1 <= low <= high <= 1
    assert math.isnan(pearson([1, 2], [2, 1]))  # fewer than three values: no r


def test_consistency_compares_models_within_a_condition_only():
    rows_ = tables()["valact_consistency"].records()
    assert [(r["condition"], r["model_a"], r["model_b"]) for r in rows_] == [("baseline", "A", "B")]
    # s1: A [1, 0, 0, 0] . B [.5, .5, 0, 0] = .5; s2: A [0, 0, 1, 0] . B [0, .5, .5, 0] = .5;
    # s3: A [0, 0, .5, .5] . B [0, 0, 1, 0] = .5
    assert rows_[0]["choice_agreement"] == pytest.approx(0.5)
    assert rows_[0]["scenarios"] == 3


def test_roleplay_accuracy_and_drop_against_unprompted_selection():
    (row,) = tables()["valact_roleplay"].records()
    assert (row["model"], row["condition"], row["value"]) == ("A", "rp-power", "power")
    # held power: s1 chose it twice, s3 once of two: 3 of 4
    assert row["roleplay_accuracy"] == pytest.approx(0.75)
    # A's baseline selection on power's actions: s1 right, s3 right once of two: 2 of 3
    assert row["selection_accuracy"] == pytest.approx(2 / 3)
    assert row["drop"] == pytest.approx(2 / 3 - 0.75)
    assert row["scenarios"] == 2


def test_bootstrap_rows_agree_with_pearson_one_at_a_time():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 10)), rng.normal(size=(50, 10))
    x[3, 2] = np.nan
    y[7, :8] = np.nan  # two values left: no r
    expected = [pearson(a, b) for a, b in zip(x, y)]
    assert np.allclose(pearson_rows(x, y), expected, equal_nan=True)
