from __future__ import annotations

import pytest

from valuegap_tui.review import decisions as review
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, DilemmaStatus
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from tests.helpers.dilemmas import make_dilemma

L = AlignmentLabel.ordered()


@pytest.fixture
def one(study):
    d = make_dilemma()
    dilemma_store.save(study, d, who="generator", action="create")
    return d.id


def test_decisions_save_with_history(study, one):
    review.decide(study, one, "reject", reviewer="ann")
    assert dilemma_store.get(study, one).status is DilemmaStatus.REJECTED
    review.decide(study, one, review.Decision.ACCEPT, reviewer="ann")
    assert dilemma_store.get(study, one).status is DilemmaStatus.ACCEPTED
    entry = dilemma_store.history(study, one)[-1]
    assert (entry.who, entry.action) == ("ann", "accept")
    assert entry.before.status is DilemmaStatus.REJECTED and entry.after.status is DilemmaStatus.ACCEPTED
    assert review.decide(study, one, "skip", reviewer="ann") is None
    assert len(dilemma_store.history(study, one)) == 3


def test_relabel_swaps(study, one):
    changed = review.relabel(study, one, 0, AlignmentLabel.STRONGLY_OPPOSING, reviewer="ann")
    assert changed.options[0].label is AlignmentLabel.STRONGLY_OPPOSING
    assert changed.options[5].label is AlignmentLabel.STRONGLY_ALIGNING
    assert dilemma_store.get(study, one).options[5].label is AlignmentLabel.STRONGLY_ALIGNING


def test_edit_refuses_blank_and_duplicates(study, one):
    review.edit_text(study, one, "scenario", "A new [bold]scenario[/].", reviewer="ann")
    assert dilemma_store.get(study, one).scenario == "A new [bold]scenario[/]."
    with pytest.raises(review.ReviewError, match="blank"):
        review.edit_text(study, one, 2, "   ", reviewer="ann")
    with pytest.raises(review.ReviewError, match="same text"):
        review.edit_text(study, one, 2, dilemma_store.get(study, one).options[1].text, reviewer="ann")


def test_multi_level_undo_survives_reopen(tmp_path):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    d = make_dilemma()
    dilemma_store.save(study, d, who="generator", action="create")
    review.decide(study, d.id, "reject", reviewer="ann")
    review.edit_text(study, d.id, "scenario", "Edited.", reviewer="ann")
    review.decide(study, d.id, "accept", reviewer="bob")  # someone else's change is not ann's to undo
    study.close()

    study = open_study(path)
    review.undo(study, reviewer="ann")
    assert dilemma_store.get(study, d.id).scenario == "You face a choice."
    assert dilemma_store.get(study, d.id).status is DilemmaStatus.ACCEPTED  # bob's decision stands
    study.close()

    study = open_study(path)
    # ann's reject was overtaken by bob's accept: nothing of it is left to undo, and she is told why.
    with pytest.raises(review.ReviewError, match="changed since by bob"):
        review.undo(study, reviewer="ann")
    assert dilemma_store.get(study, d.id).status is DilemmaStatus.ACCEPTED
    assert review.undo(study, reviewer="ann") is None  # the creation is not undoable
    assert [h.action for h in dilemma_store.history(study, d.id)][-2:] == ["undo", "undo"]
    study.close()


def test_undo_puts_back_only_what_the_change_changed(study, one):
    review.decide(study, one, "accept", reviewer="ann")
    flagged = dilemma_store.get(study, one).model_copy(update={"flags": ["near_duplicate"]})
    dilemma_store.update_flags(study, [one], lambda d: ["near_duplicate"], who="quality", action="flags")
    restored = review.undo(study, reviewer="ann")
    assert restored.status is DilemmaStatus.DRAFT and restored.flags == flagged.flags  # flags stay
    review.decide(study, one, "reject", reviewer="ann")
    review.edit_text(study, one, "scenario", "Bob rewrote it.", reviewer="bob")
    restored = review.undo(study, reviewer="ann")  # her reject is undone; bob's text stays
    assert restored.status is DilemmaStatus.DRAFT and restored.scenario == "Bob rewrote it."


def test_blind_labels_and_agreement(study, one):
    for i, label in enumerate(L):
        review.blind_relabel(study, one, i, label, reviewer="ann")
    with pytest.raises(review.ReviewError, match="not complete"):
        review.blind_submit(study, one, reviewer="bob")
    for i, label in enumerate([L[1], L[0], *L[2:]]):
        review.blind_relabel(study, one, i, label, reviewer="bob")
    assert review.blind_submit(study, one, reviewer="bob")[0] is L[1]
    pairs, disagreements = review.agreement_report(study)
    by_pair = {(p.rater_a, p.rater_b): p for p in pairs}
    assert by_pair[("ann", "generator")].kappa == pytest.approx(1.0)
    assert by_pair[("ann", "bob")].kappa < 1.0
    assert {d.option for d in disagreements} == {0, 1}


def test_export_dataset_cli(study, one, tmp_path, capsys):
    from valuegap_tui.cli import main

    other = make_dilemma(variant=2)
    dilemma_store.save(study, other, who="generator", action="create")
    review.decide(study, one, "accept", reviewer="ann")
    out = tmp_path / "out"
    assert main(["export-dataset", str(out), "--study", str(study.path)]) == 0
    lines = (out / "dataset.jsonl").read_text().splitlines()
    assert len(lines) == 1 and one in lines[0]
    card = (out / "README.md").read_text()
    assert "| accepted | 1 |" in card and "weighted kappa" in card.lower() or "agreement" in card.lower()
    assert main(["export-dataset", str(out), "--all", "--study", str(study.path)]) == 0
    assert len((out / "dataset.csv").read_text().strip().splitlines()) == 3  # header + 2
    assert main(["agreement", "--study", str(study.path)]) == 0
