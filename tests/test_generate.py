"""Dilemma generation: validation, retries with feedback, storage of every attempt, resuming, regenerating."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers.clients import ScriptedClient, good_reply
from valuegap_tui.generate import dilemmas as gen
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, GeneratedDilemma
from valuegap_tui.server.client import build_client
from valuegap_tui.simulator import run_simulator
from valuegap_tui.simulator.params import SimulatorParams
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.store import open_study

JOB = gen.Job("wisdom", "politics", 1)


# --- validation ------------------------------------------------------------------------------
def test_valid_reply_becomes_a_dilemma_with_one_action_per_label():
    dilemma = gen.validate_reply(json.dumps(good_reply()), JOB)
    assert dilemma.id == "wisdom--politics--1"
    assert sorted(o.label.value for o in dilemma.options) == sorted(l.value for l in AlignmentLabel)


def test_reply_in_a_code_fence_is_accepted():
    assert gen.validate_reply("```json\n" + json.dumps(good_reply()) + "\n```", JOB).value == "wisdom"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ('{"scenario": "You', "not valid JSON"),
        ("[1, 2]", "not an object"),
        (json.dumps({"scenario": "You"}), "does not follow the schema"),
        (json.dumps(good_reply(extra="x")), "does not follow the schema"),
        (json.dumps(good_reply(scenario="You must choose now.")), "scenario has 4 words"),
        (json.dumps(good_reply(mildly_opposing="Go")), "mildly_opposing has 1 words"),
        (json.dumps(good_reply(strongly_aligning="Choose the strongly aligning path and stick to it firmly.")),
         "names an alignment label"),
        (json.dumps(good_reply(mildly_aligning="Do something that is opposing the value a little bit.")),
         "names an alignment label"),
        (json.dumps(good_reply(mildly_aligning=good_reply()["strongly_aligning"])), "same text"),
    ],
)
def test_invalid_replies_say_why(text, reason):
    with pytest.raises(gen.InvalidReply, match=reason):
        gen.validate_reply(text, JOB)


def test_user_message_carries_the_lines_the_simulator_reads():
    user = gen.messages_for(gen.Job("honest", "environment"))[1]["content"]
    assert "Value: Honest (genuine, sincere)" in user.splitlines()
    assert "Topic: Environment" in user.splitlines()
    assert "${" not in user
    assert gen.response_format()["json_schema"]["schema"] == GeneratedDilemma.model_json_schema()


def test_scope_parses_names_and_rejects_unknown_ones():
    scope = gen.Scope.parse(["Wisdom", "honest"], [], ["Politics"], variants=2)
    assert sorted(j.id for j in scope.jobs()) == ["honest--politics--1", "honest--politics--2",
                                           "wisdom--politics--1", "wisdom--politics--2"]
    assert len(gen.Scope.parse(types=["tradition"]).jobs()) % 11 == 0
    assert len(gen.Scope().jobs()) == 616
    with pytest.raises(ValueError, match="value 'nope'"):
        gen.Scope.parse(["nope"])


# --- retries and attempts --------------------------------------------------------------------
def test_bad_reply_is_retried_with_the_problem_fed_back(study):
    client = ScriptedClient(['{"scenario": broken', json.dumps(good_reply())])
    progress = asyncio.run(gen.generate(study, client, [JOB]))
    assert (progress.done, progress.failed, progress.requests) == (1, 0, 2)
    follow_up = client.requests[1].messages
    assert follow_up[-2] == {"role": "assistant", "content": '{"scenario": broken'}
    assert "not valid JSON" in follow_up[-1]["content"]
    attempts = attempt_store.attempts_for(study, JOB.id)
    assert [(a.attempt, a.ok) for a in attempts] == [(1, False), (2, True)]
    assert attempts[0].raw_reply == '{"scenario": broken' and "not valid JSON" in attempts[0].reason
    stored = dilemma_store.get(study, JOB.id)
    assert stored.provenance.source == "generated" and stored.provenance.generator_model == "scripted"
    assert stored.provenance.prompt_template == gen.PROMPT_NAME and stored.provenance.prompt_hash == gen.prompt_hash()
    assert stored.status.value == "draft"


def test_a_pair_that_never_succeeds_is_failed_with_its_last_reason(study):
    client = ScriptedClient(["nonsense"] * 5)
    progress = asyncio.run(gen.generate(study, client, [JOB], gen.Settings(max_attempts=2)))
    assert (progress.done, progress.failed, progress.requests) == (0, 1, 2)
    [failed] = attempt_store.failed_pairs(study)
    assert failed.dilemma_id == JOB.id and failed.attempts == 2 and "not valid JSON" in failed.reason
    assert not dilemma_store.exists(study, JOB.id)


def test_thirty_percent_malformed_every_dilemma_valid_or_failed_with_reason(study):
    jobs = gen.plan(study, gen.Scope())
    with run_simulator(SimulatorParams(fault_malformed=0.3, seed=3)) as sim:
        async def run():
            client = build_client(base_url=sim.base_url, concurrency=32)
            try:
                return await gen.generate(study, client, jobs, gen.Settings(max_attempts=3, concurrency=32))
            finally:
                await client.aclose()

        progress = asyncio.run(run())
        requests = sim.stats.requests
        malformed = sim.stats.faults["malformed"]
    stored = dilemma_store.existing_ids(study)
    failed = {f.dilemma_id: f for f in attempt_store.failed_pairs(study)}
    assert malformed > 0.2 * requests
    assert progress.done == len(stored) and progress.failed == len(failed)
    assert stored.isdisjoint(failed) and stored | set(failed) == {j.id for j in jobs}
    assert all(f.reason and f.attempts == 3 for f in failed.values())
    assert attempt_store.count_attempts(study) == requests == progress.requests
    assert attempt_store.count_attempts(study, ok=True) == len(stored)
    for dilemma in dilemma_store.iter_dilemmas(study):  # every stored one passes validation again
        assert dilemma.provenance.source == "generated" and len({o.text for o in dilemma.options}) == 6


def test_rerun_generates_only_what_is_missing(study):
    with run_simulator(SimulatorParams()) as sim:
        async def run(jobs):
            client = build_client(base_url=sim.base_url, concurrency=8)
            try:
                return await gen.generate(study, client, jobs)
            finally:
                await client.aclose()

        scope = gen.Scope.parse(["wisdom", "honest"], [], [])
        asyncio.run(run(gen.plan(study, scope)[:5]))
        assert dilemma_store.count(study) == 5
        assert len(gen.plan(study, scope)) == 17
        asyncio.run(run(gen.plan(study, scope)))
        assert sim.stats.requests == 22 and dilemma_store.count(study) == 22
        assert gen.plan(study, scope) == []


def test_regenerate_replaces_and_keeps_history(study, tmp_path):
    with run_simulator(SimulatorParams(seed=1)) as sim:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        base = [sys.executable, "-m", "valuegap_tui", "generate", "--study", str(study.path), "--base-url", sim.base_url]
        first = subprocess.run(base + ["--values", "wisdom", "--topics", "politics,religion"], capture_output=True,
                               text=True, env=env, timeout=60)
        assert first.returncode == 0, first.stderr
        before = dilemma_store.get(study, "wisdom--politics--1")
        again = subprocess.run(base + ["--regenerate", "wisdom--politics--1"], capture_output=True, text=True,
                               env=env, timeout=60)
        assert again.returncode == 0, again.stderr
        assert sim.stats.requests == 3
    after = dilemma_store.get(study, "wisdom--politics--1")
    assert after.scenario != before.scenario or after.options != before.options
    history = dilemma_store.history(study, "wisdom--politics--1")
    assert [h.action for h in history][-2:] == ["generate", "regenerate"] or \
        sorted(h.action for h in history) == ["generate", "regenerate"]
    assert any(h.before is not None and h.before.scenario == before.scenario for h in history)


def test_cli_rejects_unknown_scope(tmp_path):
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "generate", "--study", str(tmp_path / "s.db"),
                             "--base-url", "http://127.0.0.1:9/v1", "--values", "nope"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown value 'nope'" in result.stderr


def test_kill_9_midway_then_rerun_loses_nothing_and_asks_only_for_the_missing(tmp_path):
    path = tmp_path / "study.db"
    open_study(path, create=True).close()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with run_simulator(SimulatorParams(latency_ms=20)) as sim:
        command = [sys.executable, "-m", "valuegap_tui", "generate", "--study", str(path),
                   "--base-url", sim.base_url, "--concurrency", "4"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        study = open_study(path)
        try:
            deadline = time.monotonic() + 60
            while dilemma_store.count(study) < 60 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(10)
        time.sleep(0.2)  # let requests the killed process left in flight finish on the server
        stored_first = {d.id: d.scenario for d in dilemma_store.iter_dilemmas(study)}
        assert 60 <= len(stored_first) < 616
        requests_first = sim.stats.requests
        rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert sim.stats.requests - requests_first == 616 - len(stored_first)
    rows = list(study.db.execute("SELECT id, COUNT(*) FROM dilemmas GROUP BY id HAVING COUNT(*) > 1"))
    assert rows == [] and dilemma_store.count(study) == 616
    for dilemma_id, scenario in stored_first.items():  # nothing stored before the kill was replaced
        assert dilemma_store.get(study, dilemma_id).scenario == scenario
    study.close()


def test_demo_generation_fills_a_small_scope_quickly(study):
    with run_simulator(SimulatorParams(latency_ms=5)) as sim:
        started = time.perf_counter()
        stored = gen.generate_demo_dilemmas(study, sim.base_url, values=("wisdom", "honest"), topics=("politics", "religion"))
        elapsed = time.perf_counter() - started
        assert gen.generate_demo_dilemmas(study, sim.base_url, values=("wisdom",), topics=("politics",)) == 0
    assert stored == 4 == dilemma_store.count(study)
    assert elapsed < 30  # generous: a sanity bound, the figure itself is bench/generate_speed.py's job


def test_dead_server_gives_one_clear_message_and_stores_nothing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "generate", "--study", str(tmp_path / "s.db"),
                             "--base-url", "http://127.0.0.1:9/v1", "--values", "wisdom", "--topics", "politics"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "cannot reach the server" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_client_that_raises_records_a_failed_attempt(study):
    class Broken:
        async def complete(self, request, *, model=None):
            raise RuntimeError("boom")

    progress = asyncio.run(gen.generate(study, Broken(), [JOB], gen.Settings(max_attempts=2)))
    assert progress.failed == 1
    assert "boom" in attempt_store.failed_pairs(study)[0].reason
