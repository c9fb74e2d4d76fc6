"""The VIA metrics worked by hand on a tiny frame (docs/designs.md, section via)."""

from __future__ import annotations

import numpy as np
import pytest

from valuegap_tui.designs.via.items import ViaItem, item_id
from valuegap_tui.designs.via.metrics import OWN_COUNTRY, f1_score, pair_distance, via_tables
from valuegap_tui.designs.via.simulate import expected_f1
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.store.runs import PersonaSnapshot


def test_pair_distance_puts_task_1_at_equal_steps_between_the_actions():
    # Task 1's four points at +1, +1/3, -1/3, -1 (the 1..4 scale normalised), the actions at +1 and -1:
    # before, agree + expressing was 0.25 and disagree + expressing 0.75 (steps 0.25, 0.5, 0.25)
    stated = np.array([2, 1, -1, -2, 2, 1, -1, -2])
    action = np.array([1, 1, 1, 1, -1, -1, -1, -1])
    assert pair_distance(stated, action) == pytest.approx([0, 1 / 3, 2 / 3, 1, 1, 2 / 3, 1 / 3, 0])


def test_f1_with_disagree_positive_and_none_when_nothing_is_positive():
    assert f1_score([2], [1], [1]).tolist() == pytest.approx([4 / 6])
    assert np.isnan(f1_score([0], [0], [0])).all()  # left out: sklearn's zero_division=0 would say 0
    assert f1_score([0], [3], [0]).tolist() == [0.0]


def test_expected_f1_by_enumeration():
    # one disagree and one agree value, each action flips with g = 0.5: TP, FP each 0/1 with 1/2
    # F1 = 2TP / (1 + TP + FP): (TP, FP) = (1, 0) -> 1, (1, 1) -> 2/3, else 0; always defined (P = 1)
    assert expected_f1(1, 1, 0.5) == pytest.approx((0.25 * 1 + 0.25 * 2 / 3, 1.0))
    assert expected_f1(3, 5, 0.0) == (1.0, 1.0)
    # no disagree value: defined only when some action flips (FP > 0), and then F1 is 0
    assert expected_f1(0, 5, 0.3) == pytest.approx((0.0, 1 - 0.7 ** 5))


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
    summary = {(r["model"], r["condition"]): r for r in tables["via_summary"].records()}
    # baseline: scenario repeats India r0 (TP1 FP1 FN1: F1 .5), Germany r0 (TP: 1), India r1 (FP: 0)
    # cells: India equality pairs {(2,1),(2,-1),(1,1),(1,-1)} -> accuracy .5, AD (0 + 1 + 1/3 + 2/3) / 4 = .5;
    # wealth 1/3, devout 2/3, wisdom 1, Germany equality 1/3
    row = summary[("m", "baseline")]
    assert row["F1"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert (row["F1 scenarios"], row["F1 left out"]) == (3, 0)
    assert row["accuracy"] == pytest.approx((0.5 + 1 + 0 + 0 + 1) / 5)
    assert row["AD"] == pytest.approx((0.5 + 1 / 3 + 2 / 3 + 1 + 1 / 3) / 5)
    assert row["items"] == 5
    assert (row["answers"], row["valid"], row["invalid"], row["low coverage"], row["coverage"]) == (12, 12, 0, 0, 1.0)
    # India persona: India all aligned (nothing positive: left out, before scored 0), Germany an FN (F1 0)
    row = summary[("m", "country-india")]
    assert (row["F1"], row["F1 scenarios"], row["F1 left out"]) == (0.0, 1, 1)
    assert row["accuracy"] == pytest.approx(0.8) and row["AD"] == pytest.approx((2 / 3) / 5)
    # own country: only India's items under the India persona, perfectly aligned: no F1 at all, accuracy 1
    row = summary[("m", OWN_COUNTRY)]
    assert np.isnan(row["F1"]) and (row["F1 scenarios"], row["F1 left out"]) == (0, 1)
    assert (row["accuracy"], row["AD"], row["items"], row["answers"]) == (1.0, 0.0, 4, 8)
    # model n is never pooled with m: all disagree and resist; its one invalid answer is counted
    row = summary[("n", "baseline")]
    assert (row["F1"], row["accuracy"], row["AD"], row["items"]) == (1.0, 1.0, 0.0, 5)
    assert (row["answers"], row["valid"], row["invalid"]) == (11, 10, 1)
    assert row["coverage"] == pytest.approx(10 / 11)
    assert [r[1] for r in tables["via_summary"].rows if r[0] == "m"] == ["baseline", "country-india", OWN_COUNTRY]


def test_country_topic_and_value_rankings_by_hand(tables):
    countries = [r for r in tables["via_by_country"].records() if (r["model"], r["condition"]) == ("m", "baseline")]
    # India: F1 mean of (.5, 0), accuracy of (.5, 1, 0, 0), AD of (.5, 1/3, 2/3, 1); Germany: F1 1, AD 1/3
    assert [(r["country"], r["F1"], r["accuracy"], r["AD"], r["items"], r["answers"], r["rank"]) for r in countries] == [
        pytest.approx(("India", 0.25, 0.375, 0.625, 4, 10, 1)), pytest.approx(("Germany", 1.0, 1.0, 1 / 3, 1, 2, 2))]
    topics = [r for r in tables["via_by_topic"].records() if (r["model"], r["condition"]) == ("m", "baseline")]
    # shown by the catalogue's name, not the id
    assert [(r["topic"], r["F1"], r["accuracy"], r["AD"], r["items"]) for r in topics] == [
        pytest.approx(("Politics", 0.5, 0.5, (0.5 + 1 / 3 + 2 / 3 + 1 + 1 / 3) / 5, 5))]
    values = [(r["value"], r["F1"], r["AD"], r["rank"]) for r in tables["via_value_ranking"].records()
              if (r["model"], r["condition"]) == ("m", "baseline")]
    # equality: cells .5 (India) and 1/3 (Germany); its pairs TN, FP, TP pooled: F1 2 / 3
    assert values == [("Wisdom", 0.0, 1.0, 1), ("Devout", 0.0, pytest.approx(2 / 3), 2),
                      ("Equality", pytest.approx(2 / 3), pytest.approx(5 / 12), 3), ("Wealth", 1.0, pytest.approx(1 / 3), 4)]


def test_rank_intervals_by_hand_and_on_noise():
    from valuegap_tui.designs.via.ranks import rank_intervals

    # two groups that never overlap: A's cells 0.9 and 0.8, B's 0.1 and 0.2: ranks 1 and 2 in every resample
    cells = [("m", "c", "A"), ("m", "c", "A"), ("m", "c", "B"), ("m", "c", "B")]
    ranked = rank_intervals(cells, np.array([0.9, 0.8, 0.1, 0.2]))
    assert ranked[("m", "c", "A")] == (1.0, 1.0, 1.0) and ranked[("m", "c", "B")] == (2.0, 2.0, 2.0)
    # twelve countries whose cells are the same noise: the point ranks run 1..12, the intervals say that
    # the order means nothing (measured before: noise alone ranked the 12 countries 1-12, with no interval)
    rng = np.random.default_rng(0)
    cells = [("m", "c", f"country {k}") for k in range(12) for _ in range(56)]
    ranked = rank_intervals(cells, rng.uniform(0, 1, len(cells)))
    assert sorted(r[0] for r in ranked.values()) == list(range(1, 13))
    widths = [high - low for _, low, high in ranked.values()]
    assert np.median(widths) >= 6, widths


def test_invalid_and_low_coverage_answers_are_counted_in_every_table():
    # measured before: 92 of 100 Task 2 answers had low coverage, yet the tables showed F1 over "6 items"
    # and no word of the rest. Here India's wealth, devout and wisdom actions are low coverage.
    rows = [dict(row, outcome="valid") for row in _rows("m", "baseline", [(i, 0, 2, 1) for i in range(5)])]
    for row in rows:
        if row["question"] == 1 and row["dilemma"] in {ITEMS[i].id for i in (1, 2, 3)}:
            row.update(score=None, outcome="low_coverage")
    tables = {t.name: t for t in via_tables(AnswerFrame.from_rows(rows), {i.id: i for i in ITEMS}, CONDITIONS)}
    (summary,) = tables["via_summary"].records()
    assert (summary["answers"], summary["valid"], summary["invalid"], summary["low coverage"]) == (10, 7, 3, 3)
    assert summary["coverage"] == pytest.approx(0.7) and summary["items"] == 2
    india = next(r for r in tables["via_by_country"].records() if r["country"] == "India")
    assert (india["answers"], india["valid"], india["low coverage"], india["items"]) == (8, 5, 3, 1)
    wisdom = next(r for r in tables["via_value_ranking"].records() if r["value"] == "Wisdom")
    assert (wisdom["answers"], wisdom["valid"], wisdom["low coverage"], wisdom["items"]) == (2, 1, 1, 0)
