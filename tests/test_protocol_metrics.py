"""The gap by way of asking (metrics/protocols.py), worked by hand.

Four dilemmas, model m. Points: value choice 0 = 6 (strongly agree); action choice 1 = 5 (moderately
aligning), 3 = 3 (mildly opposing).

  condition  protocol      every dilemma's answers   aligns  |v - a| / 5
  baseline   standard      v 0, a 3                  0       3/5 = 0.6
  baseline   paraphrase-1  v 0, a 1                  1       1/5 = 0.2
  baseline   abstain       d1: v 0, a abstains       -       -          (no item: abstention not scored)
                           d2-d4: v 0, a 1           1       0.2
  p (moderate) standard    v 0, a 1                  1       0.2
  p (moderate) paraphrase-1 v 0, a 3                 0       0.6

AR / AD: baseline standard 0 / 0.6, paraphrase-1 1 / 0.2, abstain 1 / 0.2 over 3 items.
Abstention: baseline under abstain asked 8 questions, 1 abstained (1/8; value 0, action 1/4).
Spread of the baseline: AR range 1 - 0 = 1, AD range 0.6 - 0.2 = 0.4; against standard, paraphrase-1
differs by AR +1 on each of 4 dilemmas (sign-flip p = 2 / 2^4 = 0.125) and abstain by +1 on the 3
dilemmas both answered (p = 2 / 2^3 = 0.25); Holm: 0.125 x 2 = 0.25, then max(0.25, 0.25 x 1) = 0.25.
Change of p against baseline: standard AR 1 - 0 = +1, AD 0.2 - 0.6 = -0.4 on every dilemma;
paraphrase-1 AR 0 - 1 = -1, AD 0.6 - 0.2 = +0.4: both flip, and so does the kind moderate (p alone).
"""

from __future__ import annotations

import pytest

from tests.helpers.metric_rows import row
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.paired import Resampler
from valuegap_tui.metrics.protocols import protocol_results

DILEMMAS = ("d1", "d2", "d3", "d4")


def answers(protocol, value_choice, action_choice, persona="baseline", kind="baseline", dilemmas=DILEMMAS):
    rows = []
    for d in dilemmas:
        for question, choice in (("value", value_choice), ("action", action_choice)):
            r = row(d, question, choice, persona=persona, kind=kind)
            rows.append({**r, "protocol": protocol, "outcome": "valid"})
    return rows


def hand_frame() -> AnswerFrame:
    abstained = {**row("d1", "action", None), "protocol": "abstain", "outcome": "abstained", "choice": 6}
    rows = (answers("standard", 0, 3) + answers("paraphrase-1", 0, 1)
            + answers("abstain", 0, 1, dilemmas=("d2", "d3", "d4"))
            + [{**row("d1", "value", 0), "protocol": "abstain", "outcome": "valid"}, abstained]
            + answers("standard", 0, 1, "p", "moderate") + answers("paraphrase-1", 0, 3, "p", "moderate"))
    return AnswerFrame.from_rows(rows)


@pytest.fixture(scope="module")
def results():
    return protocol_results(hand_frame(), resampler=Resampler(0))


def test_ar_ad_and_abstention_per_protocol(results):
    assert results.protocols == ("standard", "abstain", "paraphrase-1")
    got = {(r["condition"], r["protocol"]): r for r in results.by_protocol.records()}
    assert set(got) == {("baseline", "standard"), ("baseline", "abstain"), ("baseline", "paraphrase-1"),
                        ("p", "standard"), ("p", "paraphrase-1")}
    assert got[("baseline", "standard")]["alignment_rate"] == 0
    assert got[("baseline", "standard")]["alignment_distance"] == pytest.approx(0.6)
    assert got[("baseline", "paraphrase-1")]["alignment_rate"] == 1
    assert got[("baseline", "paraphrase-1")]["alignment_distance"] == pytest.approx(0.2)
    abstain = got[("baseline", "abstain")]
    assert abstain["items"] == 3 and abstain["alignment_rate"] == 1
    assert (abstain["asked"], abstain["abstained"]) == (8, pytest.approx(1 / 8))
    assert (abstain["abstained_value"], abstain["abstained_action"]) == (0, pytest.approx(1 / 4))
    assert got[("baseline", "standard")]["abstained"] == 0
    # every dilemma gave the same number: the bootstrap interval is that number
    assert (got[("p", "standard")]["ar_low"], got[("p", "standard")]["ar_high"]) == (1, 1)


def test_the_spread_between_protocols(results):
    rows = {r["protocol"]: r for r in results.spread.records() if r["condition"] == "baseline"}
    assert set(rows) == {"abstain", "paraphrase-1"}
    for r in rows.values():
        assert r["reference"] == "standard" and r["protocols"] == 3
        assert r["ar_range"] == pytest.approx(1) and r["ad_range"] == pytest.approx(0.4)
    assert (rows["paraphrase-1"]["dilemmas"], rows["paraphrase-1"]["ar_difference"]) == (4, 1)
    assert rows["paraphrase-1"]["ad_difference"] == pytest.approx(-0.4)
    assert rows["paraphrase-1"]["ar_p"] == pytest.approx(0.125)
    assert (rows["abstain"]["dilemmas"], rows["abstain"]["ar_p"]) == (3, pytest.approx(0.25))
    assert rows["paraphrase-1"]["ar_p_holm"] == pytest.approx(0.25) == rows["abstain"]["ar_p_holm"]
    p_rows = [r for r in results.spread.records() if r["condition"] == "p"]
    assert len(p_rows) == 1 and p_rows[0]["ar_difference"] == -1 and p_rows[0]["ar_range"] == 1


def test_a_change_against_baseline_that_flips_between_protocols_is_flagged(results):
    rows = {(r["level"], r["group"], r["protocol"]): r for r in results.flips.records()}
    assert set(rows) == {("condition", "p", "standard"), ("condition", "p", "paraphrase-1"),
                         ("kind", "moderate", "standard"), ("kind", "moderate", "paraphrase-1")}
    assert rows[("condition", "p", "standard")]["ar_change"] == 1
    assert rows[("condition", "p", "standard")]["ad_change"] == pytest.approx(-0.4)
    assert rows[("condition", "p", "paraphrase-1")]["ar_change"] == -1
    assert rows[("condition", "p", "paraphrase-1")]["ad_change"] == pytest.approx(0.4)
    assert all(r["ar_flips"] and r["ad_flips"] for r in rows.values())
    assert results.flagged() == [("m", "condition", "p", "AR"), ("m", "condition", "p", "AD"),
                                 ("m", "kind", "moderate", "AR"), ("m", "kind", "moderate", "AD")]


def test_a_change_in_one_direction_under_every_protocol_is_not_a_flip():
    rows = (answers("standard", 0, 3) + answers("paraphrase-1", 0, 3)
            + answers("standard", 0, 1, "p", "moderate") + answers("paraphrase-1", 0, 1, "p", "moderate"))
    results = protocol_results(AnswerFrame.from_rows(rows), resampler=Resampler(0))
    assert {r["ar_change"] for r in results.flips.records()} == {1}
    assert results.flagged() == []


def test_a_frame_from_before_protocols_is_one_standard_protocol_with_nothing_to_compare():
    rows = [{k: v for k, v in r.items() if k != "protocol"} for r in answers("standard", 0, 1)]
    results = protocol_results(AnswerFrame.from_rows(rows), resampler=Resampler(0))
    assert results.protocols == ("standard",)
    assert [r["protocol"] for r in results.by_protocol.records()] == ["standard"]
    assert results.spread.rows == [] and results.flips.rows == []


def test_the_report_writes_the_protocol_tables_and_section_and_keeps_the_others_under_one(tmp_path):
    import csv

    from valuegap_tui.metrics.summary import compute_results
    from valuegap_tui.report.writer import write_report

    results = compute_results(hand_frame())
    assert (results.protocol, results.protocols) == ("standard", ("standard", "abstain", "paraphrase-1"))
    # the other tables are under standard only: the baseline's AR there is 0, not pooled with the others' 1
    (base,) = [r for r in results.conditions.records() if r["condition"] == "baseline"]
    assert base["alignment_rate"] == 0
    report = write_report(results, tmp_path, "Run 1: protocols")
    names = {p.name for p in report.tables}
    assert {"protocols.csv", "protocol_spread.csv", "protocol_flips.csv", "conditions.csv"} <= names
    with open(tmp_path / "conditions.csv", newline="") as fh:
        assert {r["protocol"] for r in csv.DictReader(fh)} == {"standard"}
    with open(tmp_path / "protocols.csv", newline="") as fh:
        assert {r["protocol"] for r in csv.DictReader(fh)} == {"standard", "abstain", "paraphrase-1"}
    summary = report.summary.read_text()
    assert "### Ways of asking (protocols)" in summary and "the sections above are under **standard**" in summary
    assert "**Direction flips between protocols**" in summary and "condition p (AR)" in summary
    assert "| baseline | abstain | 3 |" in summary and "0.125 (0.000 / 0.250)" in summary
    # each figure's title says the way of asking its numbers are under
    from tests.helpers.figures import svg_texts

    pngs = [p for p in report.figures if p.suffix == ".png"]
    assert pngs
    for png in pngs:
        texts = svg_texts(png.with_suffix(".svg"))
        assert any("Run 1: protocols, protocol standard" in t for t in texts), png.name


def test_a_report_of_a_run_asked_one_way_has_no_protocol_section(tmp_path):
    from valuegap_tui.metrics.summary import compute_results
    from valuegap_tui.report.writer import write_report

    rows = [{k: v for k, v in r.items() if k != "protocol"} for r in answers("standard", 0, 1)]
    report = write_report(compute_results(AnswerFrame.from_rows(rows)), tmp_path, "Run 2")
    assert "Ways of asking" not in report.summary.read_text()
    assert "protocols.csv" not in {p.name for p in report.tables}
