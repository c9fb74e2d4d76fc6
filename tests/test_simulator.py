"""The simulated respondent server: protocol shape, constraints, generation, determinism, faults."""

from __future__ import annotations

import asyncio
import json
import math

import aiohttp
import openai
import pytest

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import GeneratedDilemma
from valuegap_tui.simulator import SIMULATED_MODEL, SimulatorParams, run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.dilemmas import make_dilemma

LETTERS = "ABCDEF"
SCALE = [p.text for p in catalogue().value_scale]
LABEL_WORDS = ("strongly aligning", "moderately aligning", "mildly aligning", "mildly opposing",
               "moderately opposing", "strongly opposing", "aligning", "opposing")


def generation_messages(value="Freedom", gloss="freedom of action and thought", topic="Politics"):
    return [{"role": "user", "content": f"Write one dilemma.\nValue: {value} ({gloss})\nTopic: {topic}\n"}]


def dilemma_format():
    return {"type": "json_schema", "json_schema": {"name": "dilemma", "schema": GeneratedDilemma.model_json_schema()}}


def value_question(scenario: str, value_name: str, order=range(6)) -> str:
    options = "\n".join(f"{LETTERS[i]}. {SCALE[k]}" for i, k in enumerate(order))
    return (f"{scenario}\n\nHow strongly do you agree or disagree with \"{value_name}\" in this context?\n"
            f"{options}\n\nAnswer with the letter of one option only.")


def action_question(scenario: str, texts: list[str]) -> str:
    options = "\n".join(f"{LETTERS[i]}. {t}" for i, t in enumerate(texts))
    return f"{scenario}\n\nWhich of the following actions would you choose?\n{options}\n\nAnswer with the letter of one option only."


async def post(sim, body: dict) -> tuple[int, dict, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.base_url + "/chat/completions", json=body) as response:
            return response.status, dict(response.headers), await response.json(content_type=None)


def client(sim) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=sim.base_url, api_key="unused", max_retries=0)


async def test_openai_client_lists_models_and_chats():
    with run_simulator(SimulatorParams()) as sim:
        api = client(sim)
        models = await api.models.list()
        assert [m.id for m in models.data] == [SIMULATED_MODEL]
        assert models.data[0].model_extra["max_model_len"] == 8192
        assert models.data[0].model_extra["simulated"] is True
        reply = await api.chat.completions.create(model=SIMULATED_MODEL, messages=[{"role": "user", "content": "Hello"}])
        assert reply.choices[0].finish_reason == "stop"
        assert "simulated" in reply.choices[0].message.content.lower()
        assert reply.usage.prompt_tokens > 0
        await api.close()
        async with aiohttp.ClientSession() as session:
            async with session.get(sim.root_url + "/health") as health:
                assert health.status == 200
            async with session.get(sim.root_url + "/simulator/params") as planted:
                body = await planted.json()
        assert body["simulated"] is True and body["gap_probability"] == SimulatorParams().gap_probability


async def test_generation_replies_validate_and_are_remembered():
    with run_simulator(SimulatorParams(seed=3)) as sim:
        api = client(sim)
        texts = set()
        for value, topic in (("Freedom", "Politics"), ("Obedient", "Religion"), ("Wealth", "Environment")):
            gloss = catalogue().find_value(value).gloss
            reply = await api.chat.completions.create(
                model=SIMULATED_MODEL, messages=generation_messages(value, gloss, topic), response_format=dilemma_format())
            generated = GeneratedDilemma.model_validate_json(reply.choices[0].message.content)
            options = generated.options()
            assert len({o.text for o in options}) == 6
            words = len(generated.scenario.split())
            assert 60 <= words <= 180 and "you" in generated.scenario.lower()
            lowered = " ".join([generated.scenario] + [o.text for o in options]).lower()
            assert not any(word in lowered for word in LABEL_WORDS)
            assert value.lower() in lowered
            texts.add(generated.scenario)
            assert sim.simulator.by_action[" ".join(options[0].text.split()).lower()][1] == 0
        assert len(texts) == 3
        await api.close()


async def test_choice_constraint_and_logprobs():
    with run_simulator(SimulatorParams()) as sim:
        api = client(sim)
        user = value_question("You must choose.", "Freedom")
        for seed in range(20):
            reply = await api.chat.completions.create(
                model=SIMULATED_MODEL, messages=[{"role": "user", "content": user}], seed=seed, max_tokens=1,
                logprobs=True, top_logprobs=20, extra_body={"structured_outputs": {"choice": ["B", "D"]}})
            assert reply.choices[0].message.content in ("B", "D")
            top = reply.choices[0].logprobs.content[0].top_logprobs
            letters = {t.token: math.exp(t.logprob) for t in top if t.token in LETTERS}
            assert set(letters) == set(LETTERS)
            total = sum(math.exp(t.logprob) for t in top)
            assert 0.99 < total <= 1.0001 and 0.9 < sum(letters.values()) < 1.0
        # a constraint the server does not know (the removed guided_choice) is ignored, as newer vLLM does
        reply = await api.chat.completions.create(
            model=SIMULATED_MODEL, messages=[{"role": "user", "content": "Name a colour."}],
            extra_body={"guided_choice": ["A", "B"]})
        assert reply.choices[0].message.content not in ("A", "B")
        # json_schema enum answers come wrapped
        fmt = {"type": "json_schema", "json_schema": {"name": "choice", "schema": {
            "type": "object", "properties": {"answer": {"type": "string", "enum": ["A", "C"]}}, "required": ["answer"]}}}
        reply = await api.chat.completions.create(model=SIMULATED_MODEL, messages=[{"role": "user", "content": user}],
                                                  response_format=fmt)
        assert json.loads(reply.choices[0].message.content)["answer"] in ("A", "C")
        await api.close()


async def test_same_seed_same_answer_and_max_tokens_cut():
    params = SimulatorParams(seed=11)
    body = {"model": SIMULATED_MODEL, "messages": generation_messages(), "response_format": dilemma_format(), "seed": 5}
    with run_simulator(params) as first:
        a = (await post(first, body))[2]["choices"][0]["message"]["content"]
        answers_a = [(await post(first, {"model": SIMULATED_MODEL, "seed": s, "messages": [
            {"role": "user", "content": value_question("Pick.", "Wealth")}]}))[2]["choices"][0]["message"]["content"]
            for s in range(15)]
        status, _, cut = await post(first, {**body, "max_tokens": 10})
    with run_simulator(params) as second:
        b = (await post(second, body))[2]["choices"][0]["message"]["content"]
        answers_b = [(await post(second, {"model": SIMULATED_MODEL, "seed": s, "messages": [
            {"role": "user", "content": value_question("Pick.", "Wealth")}]}))[2]["choices"][0]["message"]["content"]
            for s in range(15)]
    assert a == b and answers_a == answers_b
    assert len(set(answers_a)) > 1  # the request seed changes the draw
    assert status == 200 and cut["choices"][0]["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 10 and len(cut["choices"][0]["message"]["content"]) <= 40


async def test_study_dilemmas_are_known(study, tmp_path):
    dilemma = make_dilemma(value="wealth", topic="environment", scenario="You run a factory by a river.")
    dilemma_store.save(study, dilemma, who="test", action="create")
    with run_simulator(SimulatorParams(), study_path=study.path) as sim:
        texts = [o.text for o in dilemma.options]
        status, _, reply = await post(sim, {"model": SIMULATED_MODEL, "messages": [
            {"role": "user", "content": action_question(dilemma.scenario, texts)}]})
        assert status == 200 and reply["choices"][0]["message"]["content"] in LETTERS
        assert sim.stats.unknown_actions == 0 and sim.stats.by_kind["action"] == 1
        await post(sim, {"model": SIMULATED_MODEL, "messages": [
            {"role": "user", "content": action_question("Something new.", ["x1", "x2", "x3", "x4", "x5", "x6"])}]})
        assert sim.stats.unknown_actions == 6


async def test_bad_requests_get_400():
    with run_simulator(SimulatorParams(max_model_len=100)) as sim:
        status, _, reply = await post(sim, {"model": SIMULATED_MODEL, "messages": [{"role": "user", "content": "x" * 2000}]})
        assert status == 400 and "maximum context length" in reply["error"]["message"]
        status, _, _ = await post(sim, {"model": SIMULATED_MODEL, "messages": "nope"})
        assert status == 400


async def test_fault_rates_within_tolerance():
    n = 600
    params = SimulatorParams(fault_429=0.1, fault_500=0.1, fault_malformed=0.1, retry_after_s=2)
    body = {"model": SIMULATED_MODEL, "messages": [{"role": "user", "content": value_question("Pick.", "Honest")}]}
    with run_simulator(params) as sim:
        async with aiohttp.ClientSession() as session:
            async def one(_):
                async with session.post(sim.base_url + "/chat/completions", json=body) as response:
                    data = await response.json(content_type=None)
                    return response.status, response.headers.get("Retry-After"), data
            results = await asyncio.gather(*(one(i) for i in range(n)))
        statuses = [r[0] for r in results]
        malformed = sum(1 for s, _, d in results if s == 200 and d["choices"][0]["message"]["content"] not in LETTERS)
        tolerance = 4 * math.sqrt(0.1 * 0.9 / n)  # four standard errors
        for observed in (statuses.count(429) / n, statuses.count(500) / n, malformed / n):
            assert abs(observed - 0.1) < tolerance
        assert all(r[1] == "2" for r in results if r[0] == 429)
        assert sim.stats.faults["429"] == statuses.count(429) and sim.stats.faults["malformed"] == malformed


async def test_timeout_fault_hangs_past_client_timeout():
    with run_simulator(SimulatorParams(fault_timeout=1.0, timeout_hang_s=5)) as sim:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as session:
            with pytest.raises(asyncio.TimeoutError):
                await session.post(sim.base_url + "/chat/completions",
                                   json={"model": SIMULATED_MODEL, "messages": [{"role": "user", "content": "hi"}]})
        assert sim.stats.faults["timeout"] == 1


async def test_dilemmas_added_after_start_are_picked_up(study, monkeypatch):
    from valuegap_tui.simulator import respondent

    monkeypatch.setattr(respondent, "STUDY_RELOAD_S", 0.0)
    with run_simulator(SimulatorParams(), study_path=study.path) as sim:
        dilemma = make_dilemma(value="honest", topic="religion", scenario="You keep the accounts of your temple.")
        dilemma_store.save(study, dilemma, who="test", action="create")
        await post(sim, {"model": SIMULATED_MODEL, "messages": [
            {"role": "user", "content": action_question(dilemma.scenario, [o.text for o in dilemma.options])}]})
        assert sim.stats.unknown_actions == 0


def test_child_process_runner_serves():
    from valuegap_tui.simulator import run_simulator_process

    with run_simulator_process(SimulatorParams(seed=2)) as sim:
        async def ask():
            async with aiohttp.ClientSession() as session:
                async with session.get(sim.base_url + "/models") as response:
                    return (await response.json())["data"][0]["id"]
        assert asyncio.run(ask()) == SIMULATED_MODEL
    assert sim.process.poll() is not None


@pytest.mark.parametrize("mode,constraint", [("text", None), ("constrained", "structured_outputs"),
                                             ("constrained", "json_schema"), ("logprobs", None)])
async def test_project_client_reads_answers_in_every_mode(mode, constraint):
    from valuegap_tui.server.answers import parse_answer, question_request
    from valuegap_tui.server.client import build_client

    with run_simulator(SimulatorParams()) as sim:
        async with build_client(base_url=sim.base_url, model=SIMULATED_MODEL, constraint=constraint) as pool:
            messages = [{"role": "user", "content": value_question("You decide.", "Honest")}]
            for seed in range(5):
                record = await pool.complete(question_request(messages, mode, seed=seed), model=SIMULATED_MODEL)
                answer = parse_answer(record, mode, options=dict(zip(LETTERS, SCALE)))
                assert record.ok and answer.valid and answer.letter in LETTERS, (record, answer)
                if mode == "logprobs":
                    assert answer.covered_mass == pytest.approx(1 - SimulatorParams().logprob_leak)


async def test_reasoning_counts_against_max_tokens():
    with run_simulator(SimulatorParams(reasoning_tokens=100)) as sim:
        user = {"role": "user", "content": value_question("Pick.", "Honest")}
        _, _, cut = await post(sim, {"model": SIMULATED_MODEL, "messages": [user], "max_tokens": 16})
        choice = cut["choices"][0]
        assert choice["finish_reason"] == "length" and choice["message"]["content"] == ""
        assert choice["message"]["reasoning"]
        _, _, full = await post(sim, {"model": SIMULATED_MODEL, "messages": [user], "max_tokens": 400})
        assert full["choices"][0]["message"]["content"] in LETTERS and full["choices"][0]["finish_reason"] == "stop"
        assert full["usage"]["completion_tokens"] == 101
        _, _, off = await post(sim, {"model": SIMULATED_MODEL, "messages": [user], "max_tokens": 1,
                                     "chat_template_kwargs": {"enable_thinking": False}})
        assert "reasoning" not in off["choices"][0]["message"] and off["choices"][0]["message"]["content"] in LETTERS


def test_simulate_command_serves_and_says_it_is_a_simulation():
    import re
    import subprocess
    import sys
    import urllib.request

    process = subprocess.Popen([sys.executable, "-m", "valuegap_tui", "simulate", "--port", "0", "--seed", "5",
                                "--fault-500", "0.1", "--position-bias", "2,1,1,1,1,1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = [process.stdout.readline() for _ in range(5)]
        assert "SIMULATED" in banner[0]
        assert "knows      0 dilemmas" in banner[2] and "WARNING" in banner[3] and "mean nothing" in banner[4]
        port = int(re.search(r"127\.0\.0\.1:(\d+)/v1", banner[1]).group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/simulator/params", timeout=10) as response:
            planted = json.loads(response.read())
        assert planted["seed"] == 5 and planted["fault_500"] == 0.1 and planted["position_bias"][0] == 2.0
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_simulate_command_rejects_bad_settings(tmp_path):
    from valuegap_tui.cli import main

    assert main(["simulate", "--fault-429", "0.8", "--fault-500", "0.5"]) != 0
    assert main(["simulate", "--study", str(tmp_path / "missing.db")]) != 0
