"""The answer choices per condition (``report.writer.choices_by_condition``), read from the two columns the
shares use: the same, bit for bit, as the shares of each condition's whole sub-frame."""

from __future__ import annotations

import numpy as np

from valuegap_tui.metrics.answers import choice_distribution, choice_shares
from valuegap_tui.metrics.frame import select
from valuegap_tui.metrics.summary import compute_results, filter_frame
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report.writer import choices_by_condition


def test_choice_shares_by_hand():
    # value: two A, one B, one invalid (not counted); action: one C
    shares = choice_shares(np.array([0, 0, 1, -1, 2], dtype=np.int8), np.array([0, 0, 0, 0, 1]))
    assert np.array_equal(shares["value"], [2 / 3, 1 / 3, 0, 0, 0, 0])
    assert np.array_equal(shares["action"], [0, 0, 1, 0, 0, 0])
    assert np.isnan(choice_shares(np.array([-1], dtype=np.int8), np.array([1]))["action"]).all()


def test_same_as_each_conditions_sub_frame():
    frame = synthetic_frame(models=("model-a", "model-b"), topics=2, repeats=2, invalid_rate=0.1, seed=7)
    results = compute_results(frame, bootstrap=False)
    # one condition of one model left with no answers: NaN shares, as from its empty sub-frame
    dropped = results.conditions.records()[-1]
    keep = ~((frame.model.codes == frame.model.labels.index(dropped["model"]))
             & (frame.persona.codes == frame.persona.labels.index(dropped["condition"])))
    frame = select(frame, keep)
    got = choices_by_condition(frame, results)
    assert sorted(got) == sorted(results.reported_models)
    checked = 0
    for model, rows in got.items():
        shown = filter_frame(frame, model)
        assert [c for c, _ in rows] == [r["condition"] for r in results.conditions.records() if r["model"] == model]
        for condition, shares in rows:
            want = choice_distribution(select(shown, shown.persona.codes == shown.persona.labels.index(condition)))
            assert shares.keys() == want.keys()
            for question in want:
                assert np.array_equal(shares[question], want[question], equal_nan=True), (model, condition)
            checked += 1
    assert checked == len(results.conditions.records())
    assert np.isnan(dict(got[dropped["model"]])[dropped["condition"]]["value"]).all()
