"""Position bias per model and condition, from the Latin square, and AR and AD adjusted for it
(metrics.position, docs/metrics.md "Position").

Measured before: a persona whose only effect is to send 30% of its answers to letter A showed an AR
change of -0.263 (p = 0.0001) against a consistent baseline, and letter shares were reported per model
only, pooled over conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuegap_tui.metrics.grid import build_grid
from valuegap_tui.metrics.items import build_items
from valuegap_tui.metrics.paired import Resampler
from valuegap_tui.metrics.position import _adjusted, _position_share, position_tables
from valuegap_tui.metrics.scale import DISTANCE, SAME_SIDE
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import PlantedCondition, latin_square_frame
from tests.helpers.planted import CONSISTENT, POSITION_ONLY


def test_position_share_by_hand():
    # letter counts of one question, two dilemmas (one per half), 12 answers each:
    #   half 0: A 3, B 2, C 2, D 2, E 2, F 1   -> least chosen F; its share in half 1: 1/12 -> 1 - 6/12 = 0.5
    #   half 1: A 4, B 2, C 2, D 2, E 1, F 1   -> least chosen E (first of the ties); in half 0: 2/12 -> 0
    # cross-fitted: the mean, 0.25
    letters = np.array([[3, 2, 2, 2, 2, 1], [4, 2, 2, 2, 1, 1]], dtype=float)
    pi = _position_share(letters, np.array([12.0, 12.0]), np.ones((1, 2)), np.array([0, 1]))
    assert pi == pytest.approx([0.25])


def test_adjusted_ar_and_ad_by_hand():
    # one dilemma: the value answered 4 x strongly agree, 2 x strongly disagree (f_v = 4/6, 0, 0, 0, 0, 2/6)
    # with a position share of 0.25; the action always strongly aligning, no position share.
    # theta_v = u + (f_v - u) / 0.75 = 4/3 f_v - 1/3 u; theta_a = e_0.
    # AR: agree-side mass of theta_v = 4/3 * 4/6 - 1/3 * 1/2 = 13/18   (unadjusted 4/6)
    # AD: theta_v' D e_0 = 4/3 * (2/6 * 1) - 1/3 * (0 + 1 + 2 + 3 + 4 + 5) / 5 / 6 = 4/9 - 1/6 = 5/18
    options = np.array([[[4, 0, 0, 0, 0, 2], [6, 0, 0, 0, 0, 0]]], dtype=float)
    answers = np.array([[6.0, 6.0]])
    pi = np.array([[0.25], [0.0]])
    assert _adjusted(options, answers, pi, np.ones((1, 1)), SAME_SIDE) == pytest.approx([13 / 18])
    assert _adjusted(options, answers, pi, np.ones((1, 1)), DISTANCE) == pytest.approx([5 / 18])
    no_position = np.zeros((2, 1))
    assert _adjusted(options, answers, no_position, np.ones((1, 1)), SAME_SIDE) == pytest.approx([4 / 6])


def _tables(frame, expected=False, confidence=0.95):
    items = build_items(frame, "pairs", expected)
    return position_tables(frame, build_grid(items, expected), expected, True, Resampler([0, 2], confidence=confidence))


@pytest.mark.parametrize("expected", [False, True])
def test_a_position_only_persona_is_reported_as_a_position_effect_not_a_gap(expected):
    frame = latin_square_frame((CONSISTENT, POSITION_ONLY), position_share={"by-letter": 0.3}, dilemmas=300,
                               repeats=6, expected=expected, seed=3)
    # the finding: unadjusted, the persona looks like a large, significant change of the gap
    conditions = {r["condition"]: r for r in compute_results(frame, expected=expected).conditions.records()}
    assert conditions["by-letter"]["ar_change_high"] < -0.15 and conditions["by-letter"]["ar_change_p"] < 0.01
    position, letters = _tables(frame, expected)
    rows = {r["condition"]: r for r in position.records()}
    persona, baseline = rows["by-letter"], rows["baseline"]
    for question in ("value", "action"):
        # reported as a position effect: the share of answers by letter, with an interval that holds 0.3
        assert persona[f"{question}_position_low"] > 0.1
        assert persona[f"{question}_position_low"] - 1e-9 <= 0.3 <= persona[f"{question}_position_high"] + 1e-9
        assert baseline[f"{question}_position_low"] - 1e-9 <= 0 <= baseline[f"{question}_position_high"] + 1e-9
    # adjusted for position, the change against baseline has an interval that covers 0
    for metric in ("ar", "ad"):
        assert persona[f"{metric}_adjusted_change_low"] - 1e-9 <= 0 <= persona[f"{metric}_adjusted_change_high"] + 1e-9
    assert persona["ar_adjusted_baseline"] == pytest.approx(baseline["ar_adjusted"])
    # letter shares per condition, against 1/6: the persona's A is far above, the baseline's is not
    share = {(r["condition"], r["question"], r["letter"]): r for r in letters.records()}
    a = share[("by-letter", "action", "A")]
    assert a["share_low"] > 1 / 6 and a["share_low"] - 1e-9 <= 0.3 + 0.7 / 6 <= a["share_high"] + 1e-9
    assert a["even_share"] == pytest.approx(1 / 6)
    base_a = share[("baseline", "action", "A")]
    assert base_a["share_low"] - 1e-9 <= 1 / 6 <= base_a["share_high"] + 1e-9


@pytest.mark.parametrize("planted", [0.0, 0.15, 0.4])
def test_position_shares_and_content_changes_are_recovered(planted):
    """A persona that changes the action answers' content (planted AR and AD from its probabilities) and
    answers a share ``planted`` by letter: the position share is recovered, and the adjusted level and
    change match the content's, whatever the position share."""
    content = PlantedCondition("shifted", "max", CONSISTENT.value_probs, (0.5, 0.2, 0.1, 0.1, 0.05, 0.05))
    frame = latin_square_frame((CONSISTENT, content), position_share={"shifted": planted}, dilemmas=300, repeats=6,
                               seed=11)
    rows = {r["condition"]: r for r in _tables(frame, confidence=0.99)[0].records()}
    row = rows["shifted"]
    for question in ("value", "action"):
        assert row[f"{question}_position_low"] <= planted <= row[f"{question}_position_high"], question
    planted_ar = _bilinear(content, SAME_SIDE) - _bilinear(CONSISTENT, SAME_SIDE)
    planted_ad = _bilinear(content, DISTANCE) - _bilinear(CONSISTENT, DISTANCE)
    assert row["ar_adjusted_change_low"] <= planted_ar <= row["ar_adjusted_change_high"]
    assert row["ad_adjusted_change_low"] <= planted_ad <= row["ad_adjusted_change_high"]
    assert row["ar_adjusted_low"] <= _bilinear(content, SAME_SIDE) <= row["ar_adjusted_high"]


def _bilinear(condition: PlantedCondition, matrix) -> float:
    value, action = (np.asarray(p, float) / sum(p) for p in (condition.value_probs, condition.action_probs))
    return float(value @ matrix @ action)


def test_other_estimands_leave_the_adjusted_columns_empty():
    frame = latin_square_frame((CONSISTENT, POSITION_ONLY), position_share={"by-letter": 0.3}, dilemmas=40, seed=2)
    results = compute_results(frame, aggregate="cell_mean")
    row = {r["condition"]: r for r in results.tables["position"].records()}["by-letter"]
    assert row["action_position"] > 0.1
    assert math.isnan(row["ar_adjusted"]) and math.isnan(row["ar_adjusted_change"])


def test_the_report_sets_the_position_beside_the_gap(tmp_path):
    import csv

    from valuegap_tui.report.writer import write_report

    frame = latin_square_frame((CONSISTENT, POSITION_ONLY), position_share={"by-letter": 0.3}, dilemmas=200, seed=5)
    report = write_report(compute_results(frame), tmp_path / "out", "Position run")
    summary = report.summary.read_text()
    conditions_at = summary.index("### Conditions against baseline")
    position_at = summary.index("### Position: answers that went by letter, and the gap adjusted for it")
    assert conditions_at < position_at < summary.index("### Persona kinds against baseline")
    (row,) = [line for line in summary[position_at:].splitlines() if line.startswith("| by-letter |")][:1]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[3]) < -0.1  # the unadjusted ΔAR beside ...
    low, high = (float(x) for x in cells[4].split("[")[1].rstrip("]").split(","))
    assert low <= 0 <= high  # ... the adjusted one, whose interval holds 0
    with open(tmp_path / "out" / "letters.csv", newline="") as fh:
        letters = list(csv.DictReader(fh))
    assert {(r["condition"], r["question"]) for r in letters} == {
        (c, q) for c in ("baseline", "by-letter") for q in ("value", "action")}
    assert (tmp_path / "out" / "position.csv").exists()


def test_adjusted_levels_and_intervals_stay_in_the_metrics_range():
    # measured: a condition with few dilemmas and a large position share showed AR 0.739 [0.590, 4.718] on the
    # Results screen; resamples whose position share nears 1 stretch theta_hat without bound
    frame = latin_square_frame((CONSISTENT, POSITION_ONLY), position_share={"by-letter": 0.85}, dilemmas=6,
                               repeats=6, seed=11)
    position, _letters = _tables(frame)
    rows = [r for r in position.records() if r["condition"] == "by-letter"]
    assert rows
    for row in rows:
        for metric in ("ar", "ad"):
            for end in ("", "_low", "_high", "_baseline"):
                value = row[f"{metric}_adjusted{end}"]
                assert math.isnan(value) or 0.0 <= value <= 1.0, (metric, end, value)
            for end in ("_change", "_change_low", "_change_high"):
                value = row[f"{metric}_adjusted{end}"]
                assert math.isnan(value) or -1.0 <= value <= 1.0, (metric, end, value)


def test_the_baselines_figures_are_computed_once_and_are_those_computed_per_condition(monkeypatch):
    """Every condition paired on the same dilemmas compares with the same baseline figures: computed
    once, and the tables exactly those of computing them again for each condition."""
    from valuegap_tui.metrics import position

    opposing = PlantedCondition("opposing", "custom", CONSISTENT.value_probs, (0, 0, 0.05, 0.1, 0.15, 0.7))
    frame = latin_square_frame((CONSISTENT, POSITION_ONLY, opposing), position_share={"by-letter": 0.3},
                               dilemmas=40, repeats=3, seed=5)
    calls = []
    adjusted = position._adjusted
    monkeypatch.setattr(position, "_adjusted", lambda *a: calls.append(1) or adjusted(*a))
    once = _tables(frame)
    conditions = len(once[0].rows)
    # each condition's own, and the baseline's once, per metric (recomputed per condition: 5 x 2)
    assert conditions == 3 and len(calls) == (conditions + 1) * 2
    per_row = position._condition_row
    monkeypatch.setattr(position, "_condition_row", lambda *a: per_row(*a[:-1], None))  # nothing kept between rows
    again = _tables(frame)
    assert [t.rows for t in again] == [t.rows for t in once]
    assert not all(math.isnan(x) for x in once[0].column("ar_adjusted_change_low"))
