"""Command-line findings of a first run: no stray study, nothing exported said so, the card's templates."""

from __future__ import annotations

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.review import decisions as review
from valuegap_tui.cli import main
from valuegap_tui.designs.graded_actions.models import Provenance
from valuegap_tui.store import dilemmas as dilemma_store


def test_probe_without_a_study_creates_none(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VALUEGAP_STUDY", raising=False)
    main(["server", "probe", "--base-url", "http://127.0.0.1:9"])
    assert list(tmp_path.iterdir()) == []
    assert "findings not stored: no study at" in capsys.readouterr().out


def test_export_dataset_with_nothing_accepted_says_so(study, tmp_path, capsys):
    dilemma_store.save(study, make_dilemma(), who="generator", action="create")
    out = tmp_path / "out"
    assert main(["export-dataset", str(out), "--study", str(study.path)]) == 1
    err = capsys.readouterr().err
    assert "no accepted dilemma" in err and "--all" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_dataset_card_names_the_generation_template_files(study, tmp_path):
    generated = make_dilemma(provenance=Provenance(source="generated", prompt_template="generate_dilemma"))
    foreign = make_dilemma(variant=2, provenance=Provenance(source="import", prompt_template="../../../etc/passwd"))
    for dilemma in (generated, foreign):
        dilemma_store.save(study, dilemma, who="generator", action="create")
        review.decide(study, dilemma.id, "accept", reviewer="ann")
    review.export_dataset(study, tmp_path / "out")
    card = (tmp_path / "out" / "README.md").read_text()
    assert "not found" not in card
    assert "`prompts/generate_dilemma.system.txt`" in card and "`prompts/generate_dilemma.user.txt`" in card
    assert "root:" not in card and "no template of this name ships" in card
