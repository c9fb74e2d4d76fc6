"""Defaults that work with common models, warnings for reasoning models, docs examples that run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from valuegap_tui.plan.definition import DEFAULT_MAX_TOKENS, RunDefinition
from valuegap_tui.server.answers import REASONING_MIN_TOKENS, known_reasoning, token_cap_warning
from valuegap_tui.server.probe import ProbeFindings, _token_cap_notes
from valuegap_tui.server.profiles import load_profiles

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODEL = [{"name": "m", "endpoints": ["http://127.0.0.1:8000/v1"]}]


def toml_blocks(doc: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", (DOCS / doc).read_text(), re.S)


def test_defaults_leave_room_for_reasoning_and_read_one_token_for_logprobs():
    text = RunDefinition.model_validate({"models": MODEL})
    assert text.temperature == 1.0 and text.max_tokens is None
    assert text.token_cap() == DEFAULT_MAX_TOKENS >= REASONING_MIN_TOKENS
    assert RunDefinition.model_validate({"models": MODEL, "answer_mode": "logprobs"}).token_cap() == 1
    assert RunDefinition.model_validate({"models": MODEL, "max_tokens": 16}).token_cap() == 16


@pytest.mark.parametrize("model, switchable", [
    ("openai/gpt-oss-20b", False), ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", False), ("Qwen/QwQ-32B", False),
    ("Qwen/Qwen3-30B-A3B", True), ("Qwen/Qwen3-8B", True), ("Qwen/Qwen3-4B-Thinking-2507", False),
    ("Qwen/Qwen3-4B-Instruct-2507", None), ("meta-llama/Llama-3.1-8B-Instruct", None), ("tiny", None),
])
def test_known_reasoning_models(model, switchable):
    assert known_reasoning(model) is switchable


def test_warnings_name_the_model_and_the_fix():
    assert "cannot be switched off" in token_cap_warning("openai/gpt-oss-20b", 16)
    assert token_cap_warning("openai/gpt-oss-20b", 16, thinking_off=True)  # gpt-oss ignores enable_thinking
    assert token_cap_warning("Qwen/Qwen3-8B", 16, thinking_off=True) is None
    assert "enable_thinking" in token_cap_warning("Qwen/Qwen3-8B", 16)
    assert token_cap_warning("openai/gpt-oss-20b", 4096) is None
    old_defaults = RunDefinition.model_validate({"models": [{**MODEL[0], "name": "openai/gpt-oss-20b"}],
                                                 "max_tokens": 16, "temperature": 0.7})
    assert len(old_defaults.reasoning_warnings()) == 1


def profiles_in(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_profiles(path)


def test_probe_warns_about_a_profile_cap_too_small_for_a_listed_reasoning_model(tmp_path):
    profile = profiles_in(tmp_path, '[servers.lab]\nendpoints = ["http://h:8000/v1"]\n'
                                    '[servers.lab.generation]\nmax_tokens = 16\n')["lab"]
    findings = ProbeFindings(base_url="http://h:8000/v1", models=[{"id": "openai/gpt-oss-20b"}, {"id": "tiny"}])
    notes = _token_cap_notes(findings, profile)
    assert len(notes) == 1 and "gpt-oss-20b" in notes[0] and "max_tokens 16" in notes[0]
    roomy = profile.model_copy(update={"generation": profile.generation.model_copy(update={"max_tokens": None})})
    assert _token_cap_notes(findings, roomy) == []
    # a model nobody listed as reasoning, seen sending reasoning text
    seen = ProbeFindings(base_url="x", models=[{"id": "tiny"}], model="tiny", reasoning_field=True)
    assert "tiny sent reasoning text" in _token_cap_notes(seen, profile)[0]


def test_evaluation_doc_example_is_a_valid_run_with_no_warnings():
    blocks = [b for b in toml_blocks("evaluation.md") if "[[models]]" in b]
    assert blocks
    for block in blocks:
        definition = RunDefinition.from_toml_text(block, "docs/evaluation.md")
        assert definition.reasoning_warnings() == []


def test_servers_doc_profile_example_gives_no_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("VLLM_KEY", "k")
    blocks = [b for b in toml_blocks("servers.md") if "[servers" in b]
    assert blocks
    for block in blocks:
        for name, profile in profiles_in(tmp_path, block).items():
            models = [{"id": "openai/gpt-oss-20b"}, {"id": "Qwen/Qwen3-8B"}]
            assert _token_cap_notes(ProbeFindings(base_url="x", models=models), profile) == [], name
