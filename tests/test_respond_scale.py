"""The agreement scale's order, shuffled or fixed: recorded per answer, shown in the respondents table,
and what it does to a person who leans to the first option (planted, recovered through the store)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.humans import respondents_table
from valuegap_tui.report.collection import collection_status
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import open_study

SCORES = (3, 2, 1, -1, -2, -3)
DILEMMAS = 60
PEOPLE = 5
LEAN = 0.4  # the planted share of value questions answered by the first option, whatever it says


def _answer(responder, acts_with_value: bool, rng: random.Random) -> list[float]:
    """Answer everything: the action on the planted side; the value question as stated (Agree or
    Disagree, the same side), except a share LEAN of the time the first option shown. Returns the
    expected chance of alignment of each dilemma, worked from the orders actually shown."""
    action, stated = (0, 1) if acts_with_value else (5, 4)  # catalogue positions
    expected = []
    for q in responder.questions:
        if q.question == 1:
            responder.answer(q, q.permutation.index(str(action)), 1.0)
            continue
        first = int(q.permutation[0])  # the option at the first position
        agrees_first = (SCORES[first] > 0) == acts_with_value
        expected.append((1 - LEAN) + LEAN * agrees_first)
        lean = rng.random() < LEAN
        responder.answer(q, 0 if lean else q.permutation.index(str(stated)), 1.0)
    return expected


@pytest.mark.parametrize("order", ["shuffled", "fixed"])
def test_a_lean_to_the_first_option_under_each_scale_order(tmp_path, order):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, DILEMMAS)
    run_id = create_run(study, definition(repeats=1))
    rng = random.Random(7)
    expected = {}
    for i in range(2 * PEOPLE):
        with_value = i < PEOPLE
        responder = StudyResponder(study, run_id, f"p{i}", scale_order=order)
        responder.agree()
        expected[f"human:p{i}"] = (with_value, _answer(responder, with_value, rng))
    collection = collection_status(study, run_id)
    frame = frame_store.load_answer_frame(study, run_id)
    table = {r["respondent"]: r for r in respondents_table(
        frame, progress=collection.progress(), scale_orders=collection.scale_orders).records()}
    for with_value in (True, False):
        names = [name for name, (side, _) in expected.items() if side == with_value]
        assert {table[n]["scale_order"] for n in names} == {order}
        measured = np.mean([table[n]["alignment_rate"] for n in names])
        chances = np.concatenate([expected[n][1] for n in names])
        planted = chances.mean()
        se = np.sqrt((chances * (1 - chances)).sum()) / len(chances)
        assert abs(measured - planted) <= 3.5 * max(se, 1e-9), (with_value, measured, planted)
        # the two orders differ as the docs say: fixed puts the lean on "Strongly agree"
        if order == "fixed":
            assert planted == pytest.approx(1.0 if with_value else 1 - LEAN)
        else:
            assert 1 - LEAN < planted < 1 and abs(planted - (1 - LEAN / 2)) < 0.1
    assert table["m"]["scale_order"] == "shuffled"  # the models' orders, always shuffled
