"""The client, answer modes and probe against a real llama.cpp server (tiny random-weight models)."""

from __future__ import annotations

import json
import math

import pytest

from valuegap_tui.server.answers import LETTERS, parse_answer, question_request
from valuegap_tui.server.client import build_client
from valuegap_tui.server.probe import probe_profile
from valuegap_tui.server.profiles import profile_for_url
from valuegap_tui.server.types import AnswerMode, ChatRequest
from valuegap_tui.store.server import constraint_style_for, latest_probes, probed_constraint, save_probe

pytestmark = pytest.mark.llama_server

QUESTION = [
    {"role": "user", "content": 'How strongly do you agree with "Honesty"?\nA. Strongly agree\nB. Agree\n'
     "C. Somewhat agree\nD. Somewhat disagree\nE. Disagree\nF. Strongly disagree\nAnswer with one letter."}
]
#: the FIXED model's logits for A..F; every other token has logit 0
FIXED_LOGITS = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


@pytest.mark.parametrize("transport", ["aiohttp", "openai"])
async def test_probe_finds_what_llama_server_supports(llama_server, study, transport):
    profile = profile_for_url(llama_server.base_url, name="llama")
    (findings,) = await probe_profile(profile, transport=transport)
    assert findings.healthy and findings.health_status == 200
    assert [m["id"] for m in findings.models] == ["tiny"] and findings.model == "tiny"
    # llama-server ignores vLLM's structured_outputs and guided_choice (HTTP 200, unconstrained
    # reply) but honours response_format json_schema: only an effect-based probe tells them apart.
    assert findings.constraints["structured_outputs"] is False
    assert findings.constraints["guided_choice"] is False
    assert findings.constraints["json_schema"] is True
    assert findings.constraint_style == "json_schema"
    assert findings.logprobs is True and 1 <= findings.top_logprobs <= 5
    assert findings.json_schema_generation is True
    assert set(findings.answer_modes) == {"text", "constrained", "logprobs"}

    save_probe(study, findings)
    assert latest_probes(study)[0].constraint_style == "json_schema"
    assert constraint_style_for(study, llama_server.base_url) == "json_schema"


async def test_constrained_mode_uses_the_probed_style(llama_server, study):
    profile = profile_for_url(llama_server.base_url, name="llama")
    save_probe(study, (await probe_profile(profile))[0])
    async with build_client(profile, constraint=probed_constraint(study, profile)) as client:
        assert client.constraint == "json_schema"
        for seed in range(5):
            request = question_request(QUESTION, AnswerMode.CONSTRAINED, temperature=1.0, seed=seed)
            record = await client.complete(request)
            answer = parse_answer(record, AnswerMode.CONSTRAINED)
            assert record.ok and answer.valid and answer.letter in LETTERS, (record, answer)


async def test_logprobs_mode_renormalises_to_the_known_distribution(fixed_llama_server):
    expected_mass = [math.exp(l) for l in FIXED_LOGITS]
    expected = {letter: m / sum(expected_mass) for letter, m in zip(LETTERS, expected_mass)}
    async with build_client(base_url=fixed_llama_server.base_url) as client:
        record = await client.complete(question_request(QUESTION, AnswerMode.LOGPROBS))
    answer = parse_answer(record, AnswerMode.LOGPROBS)
    assert answer.valid and answer.letter == "A"
    for letter in LETTERS:
        assert answer.distribution[letter] == pytest.approx(expected[letter], abs=1e-3)
    # every other token of the vocabulary has logit 0, so the letters cover sum(e^l) / Z
    assert 0.5 < answer.covered_mass < 1.0


async def test_text_mode_reads_a_letter_and_refuses_to_guess(fixed_llama_server):
    async with build_client(base_url=fixed_llama_server.base_url) as client:
        short = await client.complete(question_request(QUESTION, AnswerMode.TEXT, max_tokens=1))
        long = await client.complete(question_request(QUESTION, AnswerMode.TEXT, max_tokens=6))
    assert parse_answer(short, AnswerMode.TEXT).letter == "A"
    # the fixed model repeats "A": "AAAAAA" is no standalone letter, so it is invalid, raw text kept
    answer = parse_answer(long, AnswerMode.TEXT)
    assert long.text == "AAAAAA" and not answer.valid and answer.raw == "AAAAAA"


async def test_text_mode_on_a_random_model_is_never_guessed(llama_server):
    async with build_client(base_url=llama_server.base_url) as client:
        record = await client.complete(question_request(QUESTION, AnswerMode.TEXT, max_tokens=12))
    answer = parse_answer(record, AnswerMode.TEXT)
    assert record.ok and record.completion_tokens and answer.raw == record.text
    assert answer.valid == (answer.letter is not None)


@pytest.mark.parametrize("transport", ["aiohttp", "openai"])
async def test_json_schema_generation(llama_server, transport):
    schema = {
        "type": "object",
        "properties": {"ranking": {"type": "array", "items": {"type": "string", "enum": list(LETTERS)},
                                   "minItems": 6, "maxItems": 6}},
        "required": ["ranking"],
    }
    request = ChatRequest(
        messages=[{"role": "user", "content": "Order these actions."}], max_tokens=200, temperature=0.0,
        response_format={"type": "json_schema", "json_schema": {"name": "action_ranking", "schema": schema}},
    )
    async with build_client(base_url=llama_server.base_url, transport=transport) as client:
        record = await client.complete(request)
    assert record.ok and record.finish_reason == "stop", record
    ranking = json.loads(record.text)["ranking"]
    assert len(ranking) == 6 and set(ranking) <= set(LETTERS)


async def test_context_too_long_is_a_clear_error_without_retry(llama_server):
    huge = "word " * 5000  # the server runs with -c 2048
    async with build_client(base_url=llama_server.base_url) as client:
        record = await client.complete(ChatRequest(messages=[{"role": "user", "content": huge}], max_tokens=1))
    assert not record.ok and record.attempts == 1 and record.error_kind == "too_long", record
    assert "context" in record.error.lower()
