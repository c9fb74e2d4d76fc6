"""`valuegap respond serve`: a token opens one respondent's pages only; forms give answers once; a
refused serve registers no one. (The pages in a real browser: tests/test_respond_browser.py.)"""

from __future__ import annotations

import re
import socket

from aiohttp.test_utils import TestClient, TestServer

from tests.helpers.runs import definition, seed_study
from valuegap_tui.cli import main
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.serve import Survey, new_tokens
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import open_study
from valuegap_tui.store import respondents as respondent_store


def _study(tmp_path):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=2))
    return study, run_id


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _survey(study, run_id, names, **options):
    survey = Survey(clock=Clock())
    tokens = new_tokens(names)
    for token, name in tokens.items():
        survey.responders[token] = StudyResponder(study, run_id, name, channel="browser", **options)
    return survey, {name: token for token, name in tokens.items()}


async def _client(survey):
    client = TestClient(TestServer(survey.application()))
    await client.start_server()
    return client


async def test_a_token_opens_its_respondent_only(tmp_path):
    study, run_id = _study(tmp_path)
    survey, tokens = _survey(study, run_id, ["alice", "bob"])
    alice, bob = tokens["alice"], tokens["bob"]
    assert len(alice) >= 40 and alice != bob
    client = await _client(survey)
    try:
        page = await client.get(f"/r/{alice}")
        assert page.status == 200
        body = await page.text()
        assert "<title>Survey: before you start</title>" in body and alice not in body and bob not in body
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
        # nothing from another host: no address in the page, and the browser is told to load none
        assert not re.search(r"(src|href)=|https?://|@import|url\(", body)
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
        for path_ in ("/", f"/r/{alice[:-1]}", "/r/", f"/r/{alice}x", "/r/wrong", "/static/x", "/favicon.ico"):
            assert (await client.get(path_)).status == 404, path_
        assert (await client.post(f"/r/{alice}x", data={"action": "agree"})).status == 404
        other = await (await client.get(f"/r/{bob}")).text()
        assert alice not in other
    finally:
        await client.close()
    assert respondent_store.get(study, run_id, "alice").consented_at is None  # looking is not agreeing


async def test_forms_agree_and_answer_once(tmp_path):
    study, run_id = _study(tmp_path)
    survey, tokens = _survey(study, run_id, ["alice"], questions=4)
    token = tokens["alice"]
    responder = survey.responders[token]
    client = await _client(survey)
    try:
        # an answer before agreeing is not taken
        first = responder.questions[0]
        await client.post(f"/r/{token}", data={"action": "answer", "key": first.key, "option": "1"})
        assert respondent_store.answered(study, run_id, "alice") == {}
        reply = await client.post(f"/r/{token}", data={"action": "agree"}, allow_redirects=False)
        assert reply.status == 303 and reply.headers["Location"] == f"/r/{token}"
        page = await (await client.get(f"/r/{token}")).text()
        assert "<title>Survey: question 1 of 4</title>" in page and "Give answer" in page
        assert "letter" not in page.lower()
        # giving without a choice: told to choose, nothing stored
        page = await (await client.post(f"/r/{token}", data={"action": "answer", "key": first.key})).text()
        assert "Choose one of the options first" in page and respondent_store.answered(study, run_id, "alice") == {}
        survey.clock.now += 7.5
        await client.post(f"/r/{token}", data={"action": "answer", "key": first.key, "option": "4"})
        # the same form again (a double tap, the back button): nothing changes, the next question shows
        page = await (await client.post(f"/r/{token}", data={"action": "answer", "key": first.key,
                                                              "option": "2"})).text()
        assert "already answered" in page and "question 2 of 4" in page
        stored = respondent_store.answered(study, run_id, "alice")
        assert stored == {(first.dilemma_id, first.question, first.repeat): 4}
        (latency,) = study.db.execute("SELECT latency_s FROM run_responses").fetchone()
        assert latency == 7.5
        for q in responder.questions[1:]:
            await client.get(f"/r/{token}")
            await client.post(f"/r/{token}", data={"action": "answer", "key": q.key, "option": "0"})
        page = await (await client.get(f"/r/{token}")).text()
        assert "<title>Survey: thank you</title>" in page and "All 4 questions are answered" in page
    finally:
        await client.close()
    assert {r[0] for r in study.db.execute("SELECT channel FROM respondent_answers")} == {"browser"}


async def test_a_time_limit_keeps_a_late_answer_as_not_answered(tmp_path):
    study, run_id = _study(tmp_path)
    survey, tokens = _survey(study, run_id, ["tim"], questions=4, time_limit_s=20)
    token = tokens["tim"]
    responder = survey.responders[token]
    client = await _client(survey)
    try:
        await client.post(f"/r/{token}", data={"action": "agree"})
        page = await (await client.get(f"/r/{token}")).text()
        assert 'data-left="20"' in page and 'id="timeout"' in page
        first, second = responder.questions[:2]
        survey.clock.now += 5  # a time-out form before the time is up is not taken
        await client.post(f"/r/{token}", data={"action": "timeout", "key": first.key})
        assert respondent_store.answered(study, run_id, "tim") == {}
        survey.clock.now += 16
        await client.post(f"/r/{token}", data={"action": "timeout", "key": first.key})
        await client.get(f"/r/{token}")
        survey.clock.now += 60  # the answer comes long after the limit: kept as not answered
        page = await (await client.post(f"/r/{token}", data={"action": "answer", "key": second.key,
                                                              "option": "1"})).text()
    finally:
        await client.close()
    assert respondent_store.answered(study, run_id, "tim") == {
        (q.dilemma_id, q.question, q.repeat): None for q in (first, second)}


def test_a_refused_serve_registers_no_one(tmp_path, capsys):
    study, run_id = _study(tmp_path)
    path = study.path
    study.close()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        assert main(["respond", "serve", str(run_id), "--name", "alice", "--name", "bob", "--port", str(port),
                     "--study", str(path)]) == 1
    finally:
        busy.close()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose another --port" in err
    # a bad name among good ones, a persona the run does not ask: refused before anything is stored
    assert main(["respond", "serve", str(run_id), "--name", "alice", "--name", "no spaces", "--port", "0",
                 "--study", str(path)]) == 1
    assert "respondent name" in capsys.readouterr().err
    assert main(["respond", "serve", str(run_id), "--name", "alice", "--persona", "nobody", "--port", "0",
                 "--study", str(path)]) == 1
    assert main(["respond", "serve", str(run_id), "--port", "0", "--study", str(path)]) == 1
    assert "say who answers" in capsys.readouterr().err
    study = open_study(path)
    assert respondent_store.list_for_run(study, run_id) == [] and respondent_store.get_plan(study, run_id) is None
