"""Respondents: the spaced order, storing answers once, and the pack / answer-file round trip."""

from __future__ import annotations

import json

import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.cli import main
from valuegap_tui.plan.items import permutations_for
from valuegap_tui.evaluate.questions import SCORES
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.pack import import_answers, make_pack, read_pack, write_json
from valuegap_tui.respond.questionnaire import RespondError, build_questions, text_hash
from valuegap_tui.respond.session import FileResponder, StudyResponder
from valuegap_tui.store import open_study
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store


def _plan(study, repeats=2):
    seed_study(study, 6)
    return create_run(study, definition(repeats=repeats))


def test_questions_use_the_runs_option_orders(study):
    run_id = _plan(study)
    questions = build_questions(study, run_id, "alice", repeats=2)
    assert len(questions) == 24 and len({q.key for q in questions}) == 24
    for q in questions:
        assert q.permutation == permutations_for(3, q.dilemma_id, q.question, 2)[q.repeat]
    # the first round is done before the second starts
    assert [q.repeat for q in questions] == [0] * 12 + [1] * 12
    # written for people: no letter instruction, no option lines in the text
    assert all("letter" not in q.text and "A. " not in q.text for q in questions)
    assert all(q.text.endswith(("in this context?", "would you choose?")) for q in questions)
    with pytest.raises(RespondError, match="has 2 repeats"):
        build_questions(study, run_id, "alice", repeats=3)
    with pytest.raises(RespondError, match="respondent name"):
        build_questions(study, run_id, "no spaces please")


def test_an_answer_is_stored_once_and_a_conflict_writes_nothing(study):
    run_id = _plan(study)
    responder = StudyResponder(study, run_id, "alice")
    first, second = responder.questions[:2]
    responder.answer(first, 2, 1.0)
    responder.answer(first, 2, 1.0)  # again (a resumed screen): nothing new
    assert len(progress_store.responses_of(study, run_id)) == 1
    given = [respondent_store.GivenAnswer(q.dilemma_id, q.question, q.repeat, q.permutation, p)
             for q, p in ((second, 0), (first, 3))]
    with pytest.raises(ValueError, match="already answered C"):
        respondent_store.store_answers(study, responder.respondent, given, scores=SCORES)
    assert len(progress_store.responses_of(study, run_id)) == 1  # the second answer was not kept either
    item = next(i for i in run_store.all_items(study, run_id) if i.model == "human:alice")
    assert item.persona_id == "baseline" and item.permutation == first.permutation
    # the model's plan is untouched: its items are all still pending
    assert progress_store.progress(study, run_id).by_group[("m", "baseline")] == (0, 24)
    # the Runs screen's live gap has the respondent as a row of its own, never pooled with a model
    for q in responder.questions[1:]:
        responder.answer(q, 0, 1.0)
    assert [row[:2] for row in progress_store.paired_gap_by_kind(study, run_id)] == [("human:alice", "baseline")]


def _answer_all(responder, position=0):
    if not responder.consented():
        responder.agree()
    for q in responder.questions:
        responder.answer(q, position, 2.0)


def test_pack_round_trip_between_two_studies(tmp_path):
    here = open_study(tmp_path / "here.db", create=True)
    run_id = _plan(here)
    pack_path = tmp_path / "alice.questionnaire.json"
    write_json(pack_path, make_pack(here, run_id, "alice"))
    pack_text = pack_path.read_text()
    assert '"answers"' not in pack_text and '"human:' not in pack_text and "position" not in pack_text

    # "there": the respondent's machine has only the pack
    answers_path = tmp_path / "away" / "alice.answers.json"
    answers_path.parent.mkdir()
    responder = FileResponder(read_pack(pack_path), answers_path)
    responder.agree()
    for q in responder.questions[:5]:
        responder.answer(q, 1, 3.0)
    resumed = FileResponder(read_pack(pack_path), answers_path)  # quit and came back
    assert len(resumed.answered_keys()) == 5
    for q in resumed.questions:
        resumed.answer(q, 1, 3.0)
    assert len(json.loads(answers_path.read_text())["answers"]) == 12

    assert import_answers(here, answers_path) == ("alice", 12, 0)
    assert import_answers(here, answers_path) == ("alice", 0, 12)  # idempotent
    assert len(respondent_store.answered(here, run_id, "alice")) == 12
    assert respondent_store.get(here, run_id, "alice").consented_at is not None
    assert "human:alice" in frame_store.load_answer_frame(here, run_id).model.labels

    # tampered: a question's text changed in the answer file
    tampered = json.loads(answers_path.read_text())
    tampered["pack"]["questions"][0]["text"] = "Something else"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    before = len(progress_store.responses_of(here, run_id))
    with pytest.raises(RespondError, match="changed after it was written"):
        import_answers(here, bad)
    # a pack rebuilt with a matching hash but not the one this study wrote (another respondent's name)
    from valuegap_tui.respond.pack import content_hash
    tampered = json.loads(answers_path.read_text())
    tampered["pack"]["respondent"] = "mallory"
    tampered["pack"]["hash"] = content_hash(tampered["pack"])
    bad.write_text(json.dumps(tampered))
    with pytest.raises(RespondError, match="did not pack for 'mallory'"):
        import_answers(here, bad)

    # foreign: the same questionnaire made by another study
    other = open_study(tmp_path / "other.db", create=True)
    other_run = _plan(other)
    write_json(tmp_path / "foreign.questionnaire.json", make_pack(other, other_run, "bob"))
    foreign = FileResponder(read_pack(tmp_path / "foreign.questionnaire.json"), tmp_path / "foreign.answers.json")
    _answer_all(foreign)
    with pytest.raises(RespondError, match="another study"):
        import_answers(here, tmp_path / "foreign.answers.json")
    assert len(progress_store.responses_of(here, run_id)) == before
    assert respondent_store.get(here, run_id, "bob") is None


def test_a_conflicting_answer_file_imports_nothing(tmp_path):
    study = open_study(tmp_path / "s.db", create=True)
    run_id = _plan(study)
    write_json(tmp_path / "p.json", make_pack(study, run_id, "alice"))
    first = FileResponder(read_pack(tmp_path / "p.json"), tmp_path / "a1.json")
    _answer_all(first, 0)
    import_answers(study, tmp_path / "a1.json")
    second = FileResponder(read_pack(tmp_path / "p.json"), tmp_path / "a2.json")
    _answer_all(second, 4)
    with pytest.raises(RespondError, match="already answered A"):
        import_answers(study, tmp_path / "a2.json")
    assert set(respondent_store.answered(study, run_id, "alice").values()) == {0}


def test_respond_cli_pack_import_list(tmp_path, capsys):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    run_id = _plan(study)
    study.close()
    pack = tmp_path / "q.json"
    assert main(["respond", "pack", str(run_id), "--name", "p01", "--out", str(pack), "--study", str(path)]) == 0
    assert "12 questions for p01" in capsys.readouterr().out
    _answer_all(FileResponder(read_pack(pack), tmp_path / "q.answers.json"))
    assert main(["respond", "import", str(tmp_path / "q.answers.json"), "--study", str(path)]) == 0
    assert "p01: 12 answers imported" in capsys.readouterr().out
    assert main(["respond", "list", str(run_id), "--study", str(path)]) == 0
    assert "human:p01  persona baseline  share 1  12 of 12 answered  consented  (packed)" in capsys.readouterr().out
    # bad input: one line that says what to do, no traceback
    (tmp_path / "junk.json").write_text("not json")
    assert main(["respond", "import", str(tmp_path / "junk.json"), "--study", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a valuegap answer file" in err
    assert main(["respond", "start", "99", "--name", "p01", "--study", str(path)]) == 1
    assert "no run 99" in capsys.readouterr().err
    assert main(["respond", "pack", str(run_id), "--name", "p01", "--time-limit", "0", "--study", str(path)]) == 1
    assert "--time-limit" in capsys.readouterr().err


def test_respond_start_opens_the_respond_app(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    run_id = _plan(study)
    study.close()
    from valuegap_tui.cli import respond as respond_cli

    opened = []
    monkeypatch.setattr(respond_cli, "_run_app", lambda responder: (opened.append(responder),
                                                                     _answer_all(responder)))
    assert main(["respond", "start", str(run_id), "--name", "ann", "--study", str(path)]) == 0
    assert opened[0].name == "ann" and "ann: 12 of 12 answered" in capsys.readouterr().out


def test_report_shows_a_respondent_beside_the_model(study, tmp_path, capsys):
    import asyncio
    import csv

    from tests.helpers.clients import PlantedClient
    from valuegap_tui.evaluate.execute import execute_run

    run_id = _plan(study)
    probs = (0.5, 0.3, 0.1, 0.05, 0.03, 0.02)
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(probs, probs, seed=9)}))
    responder = StudyResponder(study, run_id, "bob")
    for q in responder.questions:  # says "strongly agree", then does the most opposing thing
        responder.answer(q, q.permutation.index("0" if q.question == 0 else "5"), 4.0)
    out = tmp_path / "report"
    assert main(["report", "latest", str(out), "--study", str(study.path)]) == 0
    capsys.readouterr()
    with open(out / "conditions.csv", newline="", encoding="utf-8") as fh:
        rows = {row["model"]: row for row in csv.DictReader(fh)}
    assert set(rows) == {"m", "human:bob"}
    assert float(rows["human:bob"]["alignment_rate"]) == 0.0
    assert float(rows["human:bob"]["alignment_distance"]) == 1.0
    assert int(rows["human:bob"]["items"]) == 6 and int(rows["m"]["items"]) == 6
    # people beside models: a respondents table and a section in the summary
    with open(out / "respondents.csv", newline="", encoding="utf-8") as fh:
        respondents = {row["respondent"]: row for row in csv.DictReader(fh)}
    assert respondents["human:bob"]["kind"] == "human" and respondents["m"]["kind"] == "model"
    assert float(respondents["human:bob"]["alignment_distance"]) == 1.0
    # the model's AD is below bob's, the only person: none of the people has a lower AD
    assert float(respondents["m"]["ad_percentile_among_humans"]) == 0.0
    assert "## People and models" in (out / "summary.md").read_text(encoding="utf-8")


def test_a_pack_that_cannot_be_asked_is_refused(study, tmp_path):
    from valuegap_tui.respond.pack import content_hash

    run_id = _plan(study)
    pack = make_pack(study, run_id, "alice")
    pack["questions"][3]["options"] = pack["questions"][3]["options"][:5]
    pack["hash"] = content_hash(pack)  # whole by its own hash, but not a question the app can ask
    write_json(tmp_path / "p.json", pack)
    with pytest.raises(RespondError, match="incomplete"):
        read_pack(tmp_path / "p.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(RespondError, match="not a valuegap questionnaire file"):
        read_pack(tmp_path / "list.json")


def test_the_consent_text_comes_from_the_study_or_a_file(tmp_path, capsys):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    run_id = _plan(study)
    study.close()
    ours = tmp_path / "ethics.md"
    ours.write_text("# Our study\n\nApproved by board 42. Stop whenever you like.\n", encoding="utf-8")
    assert main(["respond", "consent", "--study", str(path)]) == 0
    assert "the one shipped with valuegap" in capsys.readouterr().out
    assert main(["respond", "consent", str(ours), "--study", str(path)]) == 0
    assert main(["respond", "consent", "--study", str(path)]) == 0
    assert "Approved by board 42." in capsys.readouterr().out
    study = open_study(path)
    alice = StudyResponder(study, run_id, "alice")
    assert "Approved by board 42." in alice.consent
    pack = make_pack(study, run_id, "bob")
    assert "Approved by board 42." in pack["consent"]
    alice.agree()
    assert respondent_store.get(study, run_id, "alice").consent_hash == text_hash(ours.read_text(encoding="utf-8"))
    study.close()
    # a file for one command, over the study's
    one_off = tmp_path / "pilot.md"
    one_off.write_text("Pilot session only.\n", encoding="utf-8")
    pack_path = tmp_path / "carol.json"
    assert main(["respond", "pack", str(run_id), "--name", "carol", "--consent", str(one_off), "--out",
                 str(pack_path), "--study", str(path)]) == 0
    assert read_pack(pack_path)["consent"] == "Pilot session only.\n"
    # back to the shipped text; bad files are one line that says what to do
    assert main(["respond", "consent", "--reset", "--study", str(path)]) == 0
    study = open_study(path)
    assert respondent_store.stored_consent(study) is None
    assert "Before you start" in StudyResponder(study, run_id, "dan").consent
    study.close()
    capsys.readouterr()
    for bad, says in ((tmp_path / "missing.md", "no such file"), (tmp_path, "")):
        assert main(["respond", "consent", str(bad), "--study", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    assert main(["respond", "consent", str(tmp_path / "latin1.md"), "--study", str(path)]) == 1
    assert "UTF-8" in capsys.readouterr().err


def test_a_run_of_a_design_without_the_common_questions_is_refused_in_one_line(tmp_path):
    from tests.helpers.via import via_run
    from valuegap_tui.respond.questionnaire import resolve_plan

    study = open_study(tmp_path / "via.db", create=True)
    run_id, _ = via_run(study, tmp_path, countries=("India",), topics=None, repeats=1)
    with pytest.raises(RespondError) as refused:
        resolve_plan(study, run_id)
    message = str(refused.value)
    assert "\n" not in message and f"run {run_id}" in message and "via" in message
    assert respondent_store.list_for_run(study, run_id) == []
    assert respondent_store.get_plan(study, run_id) is None
