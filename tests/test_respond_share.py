"""A share each: seeded shares with a planned overlap, and a dilemma's two questions close together."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.cli import main
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.questionnaire import FIXED_ORDER, RespondError
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.respond.share import PAIR_LAG, coverage, cycle, paired_order, people_needed, share_of
from valuegap_tui.store import open_study
from valuegap_tui.store import respondents as respondent_store


@pytest.mark.parametrize("total", [1, 2, 5, 7, 12, 30])
def test_every_dilemma_gets_its_overlap_once_enough_people_are_registered(total):
    ring = cycle([f"d{i}" for i in range(total)], 11)
    assert sorted(ring) == sorted(f"d{i}" for i in range(total))
    for k in range(1, total + 1):
        for overlap in (1, 2, 3, 4):
            needed = people_needed(total, k, overlap)
            for slot in range(needed + 3):
                share = share_of(ring, slot, k, overlap)
                assert len(share) == len(set(share)) == k  # k distinct dilemmas
            counts = coverage(ring, needed, k, overlap)
            # at least M each, and balanced: never more than one above M
            assert min(counts.values()) >= overlap and max(counts.values()) <= overlap + 1, (k, overlap)
            # and no fewer people would do: one person less leaves some dilemma short
            assert min(coverage(ring, needed - 1, k, overlap).values()) < overlap


def test_a_dilemmas_people_come_one_after_another():
    """Depth first, as annotation tools route an item: with overlap 2 the first two people share half
    their dilemmas, so agreement between people can be measured from the start."""
    ring = cycle([f"d{i}" for i in range(40)], 5)
    first, second = set(share_of(ring, 0, 10, 2)), set(share_of(ring, 1, 10, 2))
    assert len(first & second) == 5
    assert set(share_of(ring, 0, 10, 1)).isdisjoint(share_of(ring, 1, 10, 1))  # overlap 1: no shared dilemma


def _between(order, dilemma):
    where = [slot for slot, (d, _) in enumerate(order) if d == dilemma]
    return where[1] - where[0] - 1


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 9, 20, 100])
def test_a_dilemmas_two_questions_come_close_but_not_together(k):
    share = [f"d{i}" for i in range(k)]
    order = paired_order(share, "seed")
    assert sorted(order) == sorted((d, q) for d in share for q in (0, 1))  # each question exactly once
    gaps = [_between(order, d) for d in share]
    # separated by other items (at least L once the share has more than L dilemmas), never far apart
    assert min(gaps) >= min(PAIR_LAG, k - 1) and max(gaps) <= 2 * PAIR_LAG
    # counterbalanced: half the dilemmas start with the value question, half with the action question
    firsts = Counter(next(q for d2, q in order if d2 == d) for d in share)
    assert abs(firsts[0] - firsts[1]) <= 1
    # a survey stopped after any question has paired answers for all but the last L + 1 dilemmas started
    for stop in range(len(order) + 1):
        asked = Counter(d for d, _ in order[:stop])
        started, paired = len(asked), sum(1 for n in asked.values() if n == 2)
        assert paired >= started - PAIR_LAG - 1
    assert paired_order(share, "other") != order or k <= 2  # shuffled per person


def _study(tmp_path, dilemmas=6, repeats=2):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, dilemmas)
    return study, create_run(study, definition(repeats=repeats))


def test_people_get_seeded_shares_with_the_planned_overlap(tmp_path):
    study, run_id = _study(tmp_path)  # 6 dilemmas
    people = [StudyResponder(study, run_id, f"p{i}", questions=4, overlap=2) for i in range(6)]
    assert [p.respondent.share_slot for p in people] == list(range(6))
    assert people_needed(6, 2, 2) == 6
    per_dilemma = Counter()
    for person in people:
        asked = person.questions
        assert len(asked) == 4 and len({q.dilemma_id for q in asked}) == 2  # both questions of 2 dilemmas
        per_dilemma.update({q.dilemma_id for q in asked})
    assert len(per_dilemma) == 6 and min(per_dilemma.values()) >= 2
    # seeded: the same person gets the same questions when they come back
    again = StudyResponder(study, run_id, "p3")
    assert [q.key for q in again.questions] == [q.key for q in people[3].questions]
    # progress is per respondent, out of their share
    assert respondent_store.progress(study, run_id)["human:p0"] == (0, 4)
    people[0].answer(people[0].questions[0], 1, 2.0)
    assert respondent_store.progress(study, run_id)["human:p0"] == (1, 4)
    # the plan is the run's: another one is refused, and refusing registers no one
    with pytest.raises(RespondError, match="already answer with 4 questions each"):
        StudyResponder(study, run_id, "late", questions=6)
    assert respondent_store.get(study, run_id, "late") is None
    with pytest.raises(RespondError, match="even number from 2 to 12"):
        StudyResponder(study, run_id, "odd", questions=5)


def test_the_scale_order_is_a_choice_per_run_recorded_with_each_answer(tmp_path):
    study, run_id = _study(tmp_path)
    alice = StudyResponder(study, run_id, "alice", scale_order="fixed")
    value = [q for q in alice.questions if q.question == 0]
    action = [q for q in alice.questions if q.question == 1]
    assert {q.permutation for q in value} == {FIXED_ORDER}
    assert value[0].options[0] == "Strongly agree" and value[0].options[-1] == "Strongly disagree"
    assert len({q.permutation for q in action}) > 1  # actions stay shuffled: their order would give labels away
    for q in alice.questions[:3]:
        alice.answer(q, 0, 1.0)
    rows = study.db.execute("SELECT scale_order, place, channel FROM respondent_answers ORDER BY place").fetchall()
    assert rows == [("fixed", 0, "terminal"), ("fixed", 1, "terminal"), ("fixed", 2, "terminal")]
    assert respondent_store.scale_orders(study, run_id) == {"human:alice": "fixed"}
    with pytest.raises(RespondError, match="--scale-order shuffled differs"):
        StudyResponder(study, run_id, "bob", scale_order="shuffled")

    other, other_run = _study(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path)
    shuffled = StudyResponder(other, other_run, "carol")
    assert len({q.permutation for q in shuffled.questions if q.question == 0}) > 1
    assert respondent_store.get_plan(other, other_run).scale_order == "shuffled"


def test_respond_pack_takes_a_share(tmp_path, capsys):
    study, run_id = _study(tmp_path, dilemmas=8, repeats=1)
    path = study.path
    study.close()
    for name in ("p01", "p02"):
        assert main(["respond", "pack", str(run_id), "--name", name, "--questions", "4", "--overlap", "2",
                     "--out", str(tmp_path / f"{name}.json"), "--study", str(path)]) == 0
    out = capsys.readouterr().out
    assert "4 questions for p01" in out and "2 of the 8 registered" in out
    assert main(["respond", "list", str(run_id), "--study", str(path)]) == 0
    listing = capsys.readouterr().out
    assert "0 of 4 answered" in listing and "share 2" in listing
    assert main(["respond", "pack", str(run_id), "--name", "p03", "--questions", "6", "--study", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--questions 6 differs" in err
