"""Reviewers on several machines: export, merge, conflicts; history entries that say what changed."""

from __future__ import annotations

import json
import shutil

import pytest

from valuegap_tui.review import decisions as review
from valuegap_tui.review import merge as review_merge
from valuegap_tui.cli import main
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, DilemmaStatus
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from tests.helpers.dilemmas import make_dilemma

L = AlignmentLabel.ordered()


def _snapshot(study):
    tables = ("dilemmas", "dilemma_history", "reviewer_labels", "merged_reviews")
    return {t: study.db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


@pytest.fixture
def copies(tmp_path):
    """A study with three dilemmas, and two reviewers' copies of it (standing for two machines)."""
    master = open_study(tmp_path / "master.db", create=True)
    ids = []
    for variant in (1, 2, 3):
        d = make_dilemma(variant=variant)
        dilemma_store.save(master, d, who="generator", action="create")
        ids.append(d.id)
    master.close()
    for name in ("ann", "bob"):
        shutil.copy(tmp_path / "master.db", tmp_path / f"{name}.db")
    return tmp_path, ids


def _review_both(tmp_path, ids):
    d1, d2, d3 = ids
    ann = open_study(tmp_path / "ann.db")
    review.decide(ann, d1, "accept", reviewer="ann")
    review.edit_notes(ann, d1, "clear case", reviewer="ann")
    review.relabel(ann, d2, 0, AlignmentLabel.MILDLY_ALIGNING, reviewer="ann")
    for i, label in enumerate(L):
        review.blind_relabel(ann, d3, i, label, reviewer="ann")
    review.decide(ann, d2, "reject", reviewer="ann")
    review.undo(ann, reviewer="ann")  # the reject is taken back: ann decided nothing on d2
    review_merge.write_export(ann, "ann", tmp_path / "ann.json")
    ann.close()
    bob = open_study(tmp_path / "bob.db")
    review.decide(bob, d1, "reject", reviewer="bob")
    review.decide(bob, d2, "accept", reviewer="bob")
    for i, label in enumerate(reversed(L)):
        review.blind_relabel(bob, d3, i, label, reviewer="bob")
    review_merge.write_export(bob, "bob", tmp_path / "bob.json")
    bob.close()


def test_two_exports_merge_and_show_their_disagreements(copies, capsys):
    tmp_path, (d1, d2, d3) = copies
    _review_both(tmp_path, [d1, d2, d3])
    master = open_study(tmp_path / "master.db")
    outcomes = review_merge.merge(master, [tmp_path / "ann.json", tmp_path / "bob.json"])
    assert [o.reviewer for o in outcomes] == ["ann", "bob"]
    # nobody's decision is applied over the study or over another's: the dilemmas stay drafts
    assert {dilemma_store.get(master, d).status for d in (d1, d2, d3)} == {DilemmaStatus.DRAFT}
    pos = review_merge.positions(master)
    assert (pos[d1]["ann"].decision, pos[d1]["bob"].decision) == ("accept", "reject")
    assert pos[d1]["ann"].notes == "clear case"
    assert pos[d2]["ann"].decision is None and pos[d2]["ann"].labels[0] is AlignmentLabel.MILDLY_ALIGNING
    assert pos[d3]["ann"].labels_from == "blind" and pos[d3]["bob"].labels == tuple(reversed(L))
    found = review_merge.conflicts(master)
    assert set(found) == {d1, d2, d3}
    assert "decisions ann accept, bob reject" in found[d1]
    assert any(r.startswith("labels differ on action 1, ") for r in found[d3])
    # agreement runs over the merged blind labels: ann and bob reversed each other
    pairs, disagreements = review.agreement_report(master)
    ann_bob = next(p for p in pairs if (p.rater_a, p.rater_b) == ("ann", "bob"))
    assert ann_bob.items == 6 and ann_bob.kappa is not None and ann_bob.kappa < 0
    assert {d.dilemma_id for d in disagreements} == {d3}
    master.close()

    capsys.readouterr()
    assert main(["review", "conflicts", "--study", str(tmp_path / "master.db")]) == 0
    out = capsys.readouterr().out
    assert f"{d1}: decisions ann accept, bob reject" in out and "3 dilemmas in conflict" in out


def test_merging_twice_changes_nothing(copies, capsys):
    tmp_path, ids = copies
    _review_both(tmp_path, ids)
    path = tmp_path / "master.db"
    assert main(["review", "merge", str(tmp_path / "ann.json"), str(tmp_path / "bob.json"), "--study", str(path)]) == 0
    master = open_study(path)
    before = _snapshot(master)
    master.close()
    capsys.readouterr()
    assert main(["review", "merge", str(tmp_path / "bob.json"), "--study", str(path)]) == 0
    assert "(already merged)" in capsys.readouterr().out
    master = open_study(path)
    assert _snapshot(master) == before
    # an export of a reviewer from the merged study merges back as the same review
    review_merge.write_export(master, "ann", tmp_path / "ann-again.json")
    review_merge.merge(master, [tmp_path / "ann-again.json"])
    assert _snapshot(master) == before
    master.close()


def test_a_tampered_or_foreign_file_is_refused_with_the_study_unchanged(copies, capsys):
    tmp_path, ids = copies
    _review_both(tmp_path, ids)
    data = json.loads((tmp_path / "bob.json").read_text())
    data["entries"][0]["action"] = "accept"
    (tmp_path / "tampered.json").write_text(json.dumps(data))
    other = open_study(tmp_path / "other.db", create=True)  # the same dilemmas, stored apart
    for variant in (1, 2, 3):
        dilemma_store.save(other, make_dilemma(variant=variant), who="generator", action="create")
    review.decide(other, ids[0], "accept", reviewer="cy")
    review_merge.write_export(other, "cy", tmp_path / "foreign.json")
    other.close()
    (tmp_path / "broken.json").write_text("{not json")

    path = tmp_path / "master.db"
    master = open_study(path)
    before = _snapshot(master)
    master.close()
    for bad, reason in (("tampered.json", "was changed after it was written"),
                        ("foreign.json", "exported from another study"),
                        ("broken.json", "is not a valuegap review file"), ("missing.json", "no such file")):
        capsys.readouterr()
        # a good file beside the bad one is not merged either: all or nothing
        assert main(["review", "merge", str(tmp_path / "ann.json"), str(tmp_path / bad), "--study", str(path)]) == 1
        err = capsys.readouterr().err.strip()
        assert reason in err and len(err.splitlines()) == 1 and "Traceback" not in err
    master = open_study(path)
    assert _snapshot(master) == before
    master.close()


def test_export_names_a_reviewer_with_a_review(copies, capsys):
    tmp_path, _ = copies
    assert main(["review", "export", str(tmp_path / "x.json"), "--reviewer", "nobody",
                 "--study", str(tmp_path / "master.db")]) == 1
    assert "has no review in this study" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_history_says_what_changed(study, capsys):
    d = make_dilemma(scenario="You see a child take an apple from the stall at the market today.")
    dilemma_store.save(study, d, who="generator", action="create")
    review.edit_text(study, d.id, "scenario", "You see a boy take an apple from the stall at the market today.",
                     reviewer="ann")
    review.relabel(study, d.id, 0, AlignmentLabel.MILDLY_ALIGNING, reviewer="ann")
    capsys.readouterr()
    assert main(["review", "history", d.id, "--study", str(study.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "created" in lines[0]
    assert "scenario: You see a [-child-] {+boy+} take an apple …" in lines[1]
    assert "action 1 label strongly_aligning (+3) -> mildly_aligning (+1)" in lines[2]
    assert "action 3 label mildly_aligning (+1) -> strongly_aligning (+3)" in lines[2]


def test_a_rehashed_file_naming_unknown_dilemmas_is_refused(copies):
    tmp_path, ids = copies
    _review_both(tmp_path, ids)
    data = json.loads((tmp_path / "bob.json").read_text())
    data["entries"][0]["dilemma_id"] = "wisdom--politics--99"
    data["hash"] = review_merge._digest({k: v for k, v in data.items() if k != "hash"})
    (tmp_path / "forged.json").write_text(json.dumps(data))
    master = open_study(tmp_path / "master.db")
    before = _snapshot(master)
    with pytest.raises(review_merge.MergeError, match="not a review of this study's dilemmas"):
        review_merge.merge(master, [tmp_path / "forged.json"])
    data["entries"][0]["dilemma_id"] = ids[0]
    data["entries"][0]["after"] = {"id": ids[0]}
    data["hash"] = review_merge._digest({k: v for k, v in data.items() if k != "hash"})
    (tmp_path / "forged.json").write_text(json.dumps(data))
    with pytest.raises(review_merge.MergeError, match="incomplete"):
        review_merge.merge(master, [tmp_path / "forged.json"])
    assert _snapshot(master) == before
    master.close()
