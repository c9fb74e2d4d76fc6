"""Server profiles from the config file, a TOML file and the OpenAI environment variables."""

from __future__ import annotations

import pytest

from valuegap_tui.cli import main
from valuegap_tui.config import save_section
from valuegap_tui.server.profiles import ProfileError, get_profile, load_profiles, normalise_base_url
from valuegap_tui.urls import strip_credentials

SECRET = "sk-profile-secret-42"


def test_config_profiles_with_several_endpoints(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("GPU_KEY", SECRET)
    save_section("servers", {
        "default": "cluster",
        "cluster": {
            "model": "Qwen/Qwen3-8B", "concurrency": 128, "api_key_env": "GPU_KEY", "timeout_s": 90,
            "endpoints": ["http://gpu1:8000", {"url": "http://gpu2:8000/v1/", "concurrency": 32}],
            "generation": {"temperature": 0.0, "enable_thinking": False},
        },
        "other": {"url": "http://other:8000/v1", "transport": "openai"},
    })
    profiles = load_profiles()
    assert set(profiles) == {"cluster", "other"}
    cluster = get_profile()
    assert cluster.name == "cluster" and cluster.model == "Qwen/Qwen3-8B" and cluster.timeout_s == 90
    assert [e.url for e in cluster.endpoints] == ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]
    assert [e.concurrency for e in cluster.endpoints] == [128, 32] and cluster.capacity == 160
    assert all(e.api_key.get_secret_value() == SECRET for e in cluster.endpoints)
    assert cluster.generation.body_defaults() == {"temperature": 0.0, "chat_template_kwargs": {"enable_thinking": False}}
    assert SECRET not in repr(cluster) and SECRET not in str(cluster.endpoints) and SECRET not in cluster.model_dump_json()
    assert profiles["other"].transport == "openai"


def test_env_profile(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    profile = get_profile()
    assert profile.name == "env" and profile.endpoints[0].url == "http://127.0.0.1:8000/v1"
    assert profile.endpoints[0].api_key.get_secret_value() == SECRET


def test_profiles_from_a_file_and_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    good = tmp_path / "servers.toml"
    good.write_text('[servers.local]\nendpoints = ["http://127.0.0.1:8000/v1"]\nconcurrency = 8\n')
    assert get_profile("local", good).endpoints[0].concurrency == 8
    with pytest.raises(ProfileError, match="no server profile 'nope'"):
        get_profile("nope", good)
    bad = tmp_path / "bad.toml"
    bad.write_text('[servers.local]\nendpoints = ["ftp://x"]\n')
    with pytest.raises(ProfileError, match=r"\[servers.local\].*http"):
        load_profiles(bad)
    with pytest.raises(ProfileError, match="not valid TOML"):
        (tmp_path / "broken.toml").write_text("[servers\n")
        load_profiles(tmp_path / "broken.toml")
    monkeypatch.setenv("VALUEGAP_MISSING_KEY_VAR_X", "")
    monkeypatch.delenv("VALUEGAP_MISSING_KEY_VAR_X")
    missing = tmp_path / "missing.toml"
    missing.write_text('[servers.a]\nurl = "http://h:1"\napi_key_env = "VALUEGAP_MISSING_KEY_VAR_X"\n')
    with pytest.raises(ProfileError, match="VALUEGAP_MISSING_KEY_VAR_X"):
        load_profiles(missing)
    with pytest.raises(ProfileError, match="no server configured"):
        get_profile(None, tmp_path / "empty.toml" if (tmp_path / "empty.toml").write_text("") is not None else None)


def test_urls():
    assert normalise_base_url("http://h:8000/") == "http://h:8000/v1"
    assert strip_credentials("http://user:pw@h:8000/v1") == "http://h:8000/v1"


def test_server_list_masks_keys(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    path = tmp_path / "servers.toml"
    path.write_text(f'[servers.local]\nurl = "http://127.0.0.1:8000"\napi_key = "{SECRET}"\n')
    assert main(["server", "list", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/v1" in out and "key set" in out and SECRET not in out
