"""The probe against a fake vLLM-like server: constraints judged by their effect; findings stored, keys not."""

from __future__ import annotations

import json

import pytest

from tests.helpers.fake_openai_server import FakeServer, chat_reply
from valuegap_tui.cli import main
from valuegap_tui.server.client import build_client
from valuegap_tui.server.probe import probe_profile
from valuegap_tui.server.profiles import profile_for_url
from valuegap_tui.store.server import constraint_style_for, latest_probe, latest_probes, probed_constraint, save_probe

SECRET = "sk-probe-secret-987654321"


def vllm_like(body):
    """Honours structured_outputs and logprobs; ignores guided_choice like vLLM >= 0.12."""
    if "structured_outputs" in body:
        return chat_reply(body["structured_outputs"]["choice"][0])
    if body.get("response_format"):
        name = body["response_format"]["json_schema"]["name"]
        return chat_reply('{"answer": "A"}' if name == "choice" else '{"ranking": ["B", "A", "C"]}')
    if body.get("logprobs"):
        return chat_reply("A", top_logprobs={"A": -0.2, "B": -1.9})
    return chat_reply("Hello there, have a lovely day!")


def ignores_everything(body):
    return chat_reply("Hello there, have a lovely day!")


@pytest.fixture
async def server():
    fake = await FakeServer(reply=vllm_like).start()
    yield fake
    await fake.stop()


async def test_probe_reports_what_holds(server):
    (found,) = await probe_profile(profile_for_url(server.base_url, name="gpu"))
    assert found.healthy and found.models == [{"id": "fake-model", "max_model_len": 4096}]
    assert found.max_model_len == 4096 and found.model == "fake-model"
    assert found.constraints == {"structured_outputs": True}  # preferred style holds: older ones not tried
    assert found.constraint_style == "structured_outputs"
    assert found.logprobs and found.top_logprobs == 2 and found.json_schema_generation
    assert found.answer_modes == ["text", "constrained", "logprobs"]


async def test_ignored_constraints_are_found_out(server):
    server.reply = ignores_everything
    (found,) = await probe_profile(profile_for_url(server.base_url))
    assert found.constraints == {"structured_outputs": False, "json_schema": False, "guided_choice": False}
    assert found.constraint_style is None and found.logprobs is False and found.json_schema_generation is False
    assert found.answer_modes == ["text"]
    assert any("ignored" in note for note in found.notes)


async def test_dead_server_is_reported_not_raised():
    (found,) = await probe_profile(profile_for_url("http://127.0.0.1:9/v1"))
    assert not found.healthy and found.health_error and found.constraint_style is None


async def test_findings_are_stored_and_steer_the_client(server, study):
    (found,) = await probe_profile(profile_for_url(server.base_url, api_key=SECRET))
    save_probe(study, found)
    assert latest_probe(study, server.base_url).constraint_style == "structured_outputs"
    assert [f.base_url for f in latest_probes(study)] == [server.base_url]
    assert constraint_style_for(study, server.base_url) == "structured_outputs"
    profile = profile_for_url(server.base_url)
    async with build_client(profile, constraint=probed_constraint(study, profile)) as client:
        assert client.constraint == "structured_outputs"


async def test_cli_probe_stores_findings_and_never_the_key(server, tmp_path, monkeypatch, capsys, caplog):
    import asyncio
    import logging

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    study_path = tmp_path / "s.db"
    # the command runs its own event loop: in a thread, so the fake server keeps answering
    assert await asyncio.to_thread(main, ["server", "probe", "--base-url", server.base_url, "--study", str(study_path)]) == 0
    out = capsys.readouterr().out
    assert "constraint structured_outputs: yes" in out and "max_model_len 4096" in out
    assert server.headers[-1]["Authorization"] == f"Bearer {SECRET}"
    for path in tmp_path.iterdir():  # the database and its WAL/SHM files
        assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in out and SECRET not in caplog.text
    from valuegap_tui.store import open_study

    with open_study(study_path) as study:
        assert json.dumps([f.to_dict() for f in latest_probes(study)]).count("fake-model") >= 1


def test_cli_probe_of_a_dead_server_exits_nonzero(tmp_path, capsys):
    assert main(["server", "probe", "--base-url", "http://127.0.0.1:9", "--no-store"]) == 2
    assert "NOT ready" in capsys.readouterr().out


async def test_a_chat_template_that_drops_the_prompt_fails_the_probe(server, capsys):
    """llama-server with --chat-template gemma turned every prompt into the word "gemma" (3 prompt tokens):
    the probe said healthy, and generation answered {"scenario": "gemma", ...}."""
    import asyncio

    server.count_prompt_tokens = False  # every request counts the same prompt tokens, whatever was sent
    (found,) = await probe_profile(profile_for_url(server.base_url))
    assert found.healthy and found.prompt_dropped and not found.usable
    assert any("chat template drops the prompt" in p for p in found.problems)
    assert await asyncio.to_thread(main, ["server", "probe", "--base-url", server.base_url, "--no-store"]) == 2
    out = capsys.readouterr().out
    assert "the prompt reaches the model: NO" in out and "PROBLEM: the chat template drops the prompt" in out


async def test_the_prompt_reaching_the_model_passes(server):
    (found,) = await probe_profile(profile_for_url(server.base_url))
    assert found.prompt_dropped is False and found.usable
    assert found.question_prompt_tokens > found.short_prompt_tokens + 40


async def test_max_tokens_past_the_context_is_warned_with_the_fix(server, capsys):
    """vLLM lists max_model_len; a text run's 4096 tokens plus a question do not fit a 4096-token model."""
    import asyncio

    (found,) = await probe_profile(profile_for_url(server.base_url), max_tokens=4096)
    assert found.context_length == 4096 and "max_model_len" in found.context_source
    (note,) = [n for n in found.notes if "exceed the server's context" in n]
    assert "max_tokens 4096" in note and f"at most {4096 - found.question_prompt_tokens}" in note
    assert found.usable  # a warning: short replies still fit
    (fits,) = await probe_profile(profile_for_url(server.base_url), max_tokens=32)
    assert not any("exceed the server's context" in n for n in fits.notes)
    assert await asyncio.to_thread(main, ["server", "probe", "--base-url", server.base_url, "--no-store"]) == 0
    assert "context per request: 4096 tokens" in capsys.readouterr().out
