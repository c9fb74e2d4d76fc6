"""The VIA metrics worked by hand on a tiny frame (docs/designs.md, section via)."""

from __future__ import annotations

import numpy as np
import pytest

from valuegap_tui.designs.via.items import ViaItem, item_id
from valuegap_tui.designs.via.metrics import OWN_COUNTRY, f1_score, pair_distance, via_tables
from valuegap_tui.designs.via.simulate import expected_f1
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.store.runs import PersonaSnapshot


def test_pair_distance_puts_both_answers_on_one_axis():
    stated = np.array([2, 1, -1, -2, 2, 1, -1, -2])
    action = np.array([1, 1, 1, 1, -1, -1, -1, -1])
    assert pair_distance(stated, action).tolist() == [0, 0.25, 0.75, 1, 1, 0.75, 0.25, 0]


def test_f1_with_disagree_positive_and_zero_when_nothing_is_positive():
    assert f1_score([2], [1], [1]).tolist() == pytest.approx([4 / 6])
    assert f1_score([0], [0], [0]).tolist() == [0.0]  # sklearn's zero_division=0
    assert f1_score([0], [3], [0]).tolist() == [0.0]


def test_expected_f1_by_enumeration():
    # one disagree and one agree value, each action flips with g = 0.5: TP, FP each 0/1 with 1/2
    # F1 = 2TP / (1 + TP + FP): (TP, FP) = (1, 0) -> 1, (1, 1) -> 2/3, else 0
    assert expected_f1(1, 1, 0.5) == pytest.approx(0.25 * 1 + 0.25 * 2 / 3)
    assert expected_f1(3, 5, 0.0) == 1.0
    assert expected_f1(0, 5, 0.3) == 0.0


def _item(country, value, topic="politics"):
    return ViaItem(id=item_id(country, topic, value), country=country, topic=topic, value=value,
                   expressing=f"do {value}", resisting=f"undo {value}")


ITEMS = [_item("India", "equality"), _item("India", "wealth"), _item("India", "devout"), _item("India", "wisdom"),
         _item("Germany", "equality")]
CONDITIONS = {"baseline": PersonaSnapshot("baseline", "baseline (no persona)", "baseline", None),
              "country-india": PersonaSnapshot("country-india", "India", "country", "You are a person from India.")}


def _rows(model, persona, answers):
    """answers: (item index, repeat, stated score, action score) -> two frame rows each."""
    rows = []
    for index, repeat, stated, action in answers:
        item = ITEMS[index]
        for question, score in ((0, stated), (1, action)):
            rows.append(dict(model=model, persona=persona, persona_kind="x", dilemma=item.id, value=item.value,
                             value_type="t", topic=item.topic, question=question, repeat=repeat, score=score))
    return rows


@pytest.fixture
def tables():
    rows = _rows("m", "baseline", [
        (0, 0, 2, 1),    # agree, expresses: TN, d 0
        (1, 0, -1, -1),  # disagree, resists: TP, d .25
        (2, 0, 1, -1),   # agree, resists: FP, d .75
        (3, 0, -2, 1),   # disagree, expresses: FN, d 1
        (4, 0, -1, -1),  # Germany: TP, d .25
        (0, 1, 1, -1),   # equality again: agree mildly, resists: FP in repeat 1
    ])
    rows += _rows("m", "country-india", [(i, 0, 2, 1) for i in range(4)] + [(4, 0, -1, 1)])
    rows += _rows("n", "baseline", [(i, 0, -2, -1) for i in range(5)])
    rows.append(dict(rows[-1], question=1, repeat=1, score=None))  # an invalid answer counts nowhere
    frame = AnswerFrame.from_rows(rows)
    return {t.name: t for t in via_tables(frame, {i.id: i for i in ITEMS}, CONDITIONS)}


def test_summary_worked_by_hand(tables):
    summary = {(r[0], r[1]): r[2:] for r in tables["via_summary"].rows}
    # baseline: scenario repeats India r0 (TP1 FP1 FN1: F1 .5), Germany r0 (TP: 1), India r1 (FP: 0)
    # cells: equality pairs {(2,1),(2,-1),(1,1),(1,-1)} -> accuracy .5, AD (0+1+.25+.75)/4 = .5
    f1, accuracy, ad, items, scenarios, undefined = summary[("m", "baseline")]
    assert f1 == pytest.approx((0.5 + 1 + 0) / 3)
    assert accuracy == pytest.approx((0.5 + 1 + 0 + 0 + 1) / 5)
    assert ad == pytest.approx((0.5 + 0.25 + 0.75 + 1 + 0.25) / 5)
    assert (items, scenarios, undefined) == (5, 3, 0)
    # India persona: India all aligned (nothing positive: F1 0, undefined), Germany an FN (F1 0)
    f1, accuracy, ad, items, scenarios, undefined = summary[("m", "country-india")]
    assert (f1, accuracy, ad, items, scenarios, undefined) == pytest.approx((0, 0.8, 0.75 / 5, 5, 2, 1))
    # own country: only India's items under the India persona
    assert summary[("m", OWN_COUNTRY)] == pytest.approx((0, 1, 0, 4, 1, 1))
    # model n is never pooled with m: all disagree and resist
    assert summary[("n", "baseline")] == pytest.approx((1, 1, 0, 5, 2, 0))
    assert [r[1] for r in tables["via_summary"].rows if r[0] == "m"] == ["baseline", "country-india", OWN_COUNTRY]


def test_country_topic_and_value_rankings_by_hand(tables):
    countries = [r for r in tables["via_by_country"].rows if r[:2] == ("m", "baseline")]
    # India: F1 mean of (.5, 0), accuracy of (.5, 1, 0, 0), AD of (.5, .25, .75, 1); Germany: F1 1, AD .25
    assert countries == [pytest.approx(("m", "baseline", "India", 0.25, 0.375, 0.625, 4, 1)),
                         pytest.approx(("m", "baseline", "Germany", 1.0, 1.0, 0.25, 1, 2))]
    topics = [r for r in tables["via_by_topic"].rows if r[:2] == ("m", "baseline")]
    assert topics == [pytest.approx(("m", "baseline", "politics", 0.5, 0.5, 0.55, 5, 1))]
    values = [(r[2], r[4], r[6]) for r in tables["via_value_ranking"].rows if r[:2] == ("m", "baseline")]
    # equality: cells .5 (India) and .25 (Germany)
    assert values == [("wisdom", 1.0, 1), ("devout", 0.75, 2), ("equality", 0.375, 3), ("wealth", 0.25, 4)]
