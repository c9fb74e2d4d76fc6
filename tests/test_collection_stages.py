"""Every stage of data collection: the report, its tables and figures, the respondents table and the paired
comparisons work with 0, 1 and a few answers of a person or of a model, and say how far the run got."""

from __future__ import annotations

import csv

import pytest

from tests.helpers.runs import definition, seed_study
from tests.helpers.collection import DILEMMAS, answer_model, staged_study
from valuegap_tui.cli import main
from valuegap_tui.report.collection import collection_status
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.between import paired_comparisons
from valuegap_tui.metrics.humans import respondents_table
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store

STAGES = {"none": 0, "one": 1, "few": 7}
# a person's first five questions are the first questions of five dilemmas (respond/share.py): no pair yet
PERSON_STAGES = {"none": 0, "one": 1, "few": 5}


@pytest.mark.parametrize("who", ["person", "model"])
def test_report_tables_and_figures_at_every_stage(tmp_path, who):
    """One report holds a respondent at each stage: no answer, one answer, a few (for a person: none
    paired yet; for a model: two dilemmas paired)."""
    stages = PERSON_STAGES if who == "person" else STAGES
    names = {stage: (f"p{stage}" if who == "person" else f"m{stage}") for stage in stages}
    study, run_id = staged_study(tmp_path / "s.db", who, {names[s]: n for s, n in stages.items()})
    study.close()
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(tmp_path / "s.db")]) == 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    planned = DILEMMAS * 2 * (1 if who == "person" else 2)
    # the run's status and what is pending, first
    assert "## Data collection" in summary.split("## Model")[0]
    if who == "model":
        assert f"Run #{run_id} is stopped (stopped by the user): models asked" in summary
        assert f"models asked {planned + 8} of {planned * 4} planned questions" in summary
    else:
        assert "0 of 3 people finished (still answering: pfew 5/40, pnone 0/40, pone 1/40)" in summary
    with open(out / "respondents.csv" if who == "person" else out / "models.csv", newline="") as fh:
        rows = {r.get("respondent") or r["model"]: r for r in csv.DictReader(fh)}
    expected = {"none": "no answers yet", "one": "no paired answers yet",
                "few": "no paired answers yet" if who == "person" else "in progress"}
    for stage, count in stages.items():
        name = f"human:{names[stage]}" if who == "person" else names[stage]
        line = next(line for line in summary.splitlines() if line.startswith(f"| {name} | {count} |"))
        assert f"| {planned} |" in line and line.endswith(f"| {expected[stage]} |")
        if who == "person":
            assert rows[name]["status"] == expected[stage] and rows[name]["asked"] == str(count)
        if count and expected[stage] != "in progress":
            assert "No paired answers yet" in summary.split(f"## Model: {name}")[1].split("## ")[0]
    if who == "person":  # nobody has a paired answer: the model has none on the people's items either
        assert rows["a"]["status"] == "no answers on the people's items yet" and rows["a"]["items"] == "0"
    # figures for every respondent with a paired item, none (and no error) for the others
    figures = {p.name for p in out.glob("*.png")}
    with_figures = {"a", "mfew"} if who == "model" else {"a"}
    # the respondents with a paired item side by side where there are two; one alone is not set beside
    # itself, and the summary says so
    side_by_side = {"models_conditions.png", "models_kinds.png"} if len(with_figures) > 1 else set()
    assert figures == {f"{kind}_{name}.png" for kind in ("alignment_heatmap", "answer_choices", "kinds", "conditions",
                                                         "position") for name in with_figures} | side_by_side
    assert ("Comparison figures need two models or more" in summary) == (len(with_figures) == 1)
    for png in figures:  # every figure has its PDF beside it, and no SVG unless asked (--formats)
        assert (out / png).with_suffix(".pdf").exists() and not (out / png).with_suffix(".svg").exists(), png
    pairs = list(csv.DictReader((out / "respondent_pairs.csv").open()))
    # a vs mfew on the two dilemmas mfew has both questions of; the people have no pair to compare yet
    assert [(r["first"], r["second"], r["dilemmas"]) for r in pairs] == ([("a", "mfew", "2")] if who == "model" else [])


@pytest.mark.parametrize("answers", [0, 1, 5, 8, 40])
def test_respondents_table_and_pairs_as_a_person_answers(tmp_path, answers):
    study, run_id = staged_study(tmp_path / "s.db", "model", {"b": 10_000})
    responder = StudyResponder(study, run_id, "alice")
    responder.agree()
    for q in responder.questions[:answers]:
        responder.answer(q, 0, 1.0)
    collection = collection_status(study, run_id)
    frame = frame_store.load_answer_frame(study, run_id)
    table = {r["respondent"]: r for r in respondents_table(frame, progress=collection.progress()).records()}
    alice = table["human:alice"]
    assert (alice["asked"], alice["planned"]) == (answers, 2 * DILEMMAS)
    # eight answers: the first and second dilemmas' two questions are both answered (they come close)
    expected = {0: "no answers yet", 1: "no paired answers yet", 5: "no paired answers yet", 8: "answering",
                40: "finished"}
    assert alice["status"] == expected[answers]
    if answers:  # the Runs screen's line for her counts against her questionnaire, not only what she answered
        assert progress_store.progress(study, run_id).by_group[("human:alice", "baseline")] == (answers, 2 * DILEMMAS)
    pairs = {(r["first"], r["second"]): r for r in paired_comparisons(frame).records()}
    assert ("a", "b") in pairs and pairs[("a", "b")]["dilemmas"] == DILEMMAS
    if answers == 40:  # all answered: each model on alice's dilemmas in her option order
        assert alice["items"] == DILEMMAS and table["a"]["items"] == DILEMMAS
        assert pairs[("a", "people")]["dilemmas"] == DILEMMAS and pairs[("a", "people")]["people"] == 1
    elif answers == 8:  # stopped early, yet two dilemmas are paired: a model is compared with her on them
        assert alice["items"] == 2 and table["a"]["items"] == 2 and pairs[("a", "people")]["dilemmas"] == 2
    else:
        assert ("a", "people") not in pairs
    assert not collection.complete  # the run was stopped, whatever alice did
    study.close()


def test_a_stopped_runs_summary_says_so_and_what_is_pending(tmp_path):
    """The measured case: stopped with 52 of 96 items pending, the summary read like a finished run's."""
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 12)
    run_id = create_run(study, definition(repeats=4))  # 12 dilemmas x 2 questions x 4 repeats = 96
    answer_model(study, run_id, "m", 44)
    run_store.set_status(study, run_id, "stopped")
    study.close()
    out = tmp_path / "report"
    assert main(["report", str(run_id), str(out), "--study", str(tmp_path / "s.db")]) == 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert f"Run #{run_id} is stopped: models asked 44 of 96 planned questions (52 pending)" in summary
    assert "| m | 44 | 96 |" in summary


def test_a_run_with_no_answers_still_reports_its_status(tmp_path, capsys):
    study = open_study(tmp_path / "s.db", create=True)
    seed_study(study, 3)
    create_run(study, definition(repeats=1))
    study.close()
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(tmp_path / "s.db")]) == 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "is planned: models asked 0 of 6 planned questions (6 pending)" in summary
    assert "| m | 0 | 6 | – | no answers yet |" in summary
    assert "figure" in capsys.readouterr().out


def test_compare_paired_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "s.db"
    study, run_id = staged_study(path, "model", {"b": 10_000})
    responder = StudyResponder(study, run_id, "alice")
    responder.agree()
    for q in responder.questions[:5]:  # mid-survey: first questions only, nothing paired with people yet
        responder.answer(q, 0, 1.0)
    assert main(["compare", "--paired", "--study", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Run #{run_id} is stopped" in out and "On condition baseline" in out
    assert "| a | b | 20 |" in out and "| a | people" not in out
    for q in responder.questions[5:]:
        responder.answer(q, 0, 1.0)
    study.close()
    csv_path = tmp_path / "pairs.csv"
    assert main(["compare", "--paired", "--study", str(path), "--out", str(csv_path)]) == 0
    rows = {(r["first"], r["second"]): r for r in csv.DictReader(csv_path.open())}
    assert set(rows) == {("a", "b"), ("a", "people"), ("b", "people")}
    assert rows[("a", "people")]["dilemmas"] == "20" and rows[("a", "people")]["people"] == "1"
    capsys.readouterr()
    assert main(["compare", "--paired", "--condition", "nobody", "--study", str(path)]) == 1
    assert "no answers under condition 'nobody'" in capsys.readouterr().err
    assert main(["compare", "--paired", str(path), "--study", str(path)]) == 2
    assert main(["compare", "--study", str(path)]) == 2
    assert "--paired" in capsys.readouterr().err
