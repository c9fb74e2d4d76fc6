"""Credentials: a password in a URL is used, in memory only, and never reaches the study file, its
write-ahead log, the logs or an export; endpoints get their key from the profile or the environment;
config edits keep what the user wrote."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from pathlib import Path

import pytest

from tests.helpers.fake_openai_server import Fault, FakeServer
from valuegap_tui.cli import main
from valuegap_tui.config import ConfigError, config_path, load_section, save_section
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.server.client import build_client
from valuegap_tui.server.types import ChatRequest
from valuegap_tui.store import open_study
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.dataset.transfer import read_dilemmas

PASSWORD = "s3cr3t-Pw0rd"
BASIC = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()


class RecordingServer(FakeServer):
    """The fake server, also recording the Authorization header of /health and /v1/models."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.authorizations: list[str | None] = []

    async def _chat(self, request):
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._chat(request)

    async def _models(self, request):
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._models(request)

    async def _health(self, request):
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._health(request)


@pytest.fixture(autouse=True)
def _no_remembered_credentials(monkeypatch):
    """Credentials from one test's URLs must not be sent to a later test's server on a reused port."""
    from valuegap_tui import urls

    monkeypatch.setattr(urls, "_basic_auth", {})


@pytest.fixture
def server():
    """A recording server on its own event loop thread, so the CLI can run its own loop here."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(RecordingServer().start(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def study_path(tmp_path) -> Path:
    path = tmp_path / "study.db"
    study = open_study(path, create=True)
    dilemma_store.save_many(study, read_dilemmas(DATA_DIR / "sample" / "dilemmas.jsonl")[:2], who="t", action="import")
    study.close()
    return path


def with_credentials(base_url: str, user: str = "alice", password: str = PASSWORD) -> str:
    return base_url.replace("http://", f"http://{user}:{password}@")


def write_run(tmp_path: Path, endpoint: str, extra: str = "") -> Path:
    path = tmp_path / "run.toml"
    path.write_text(f'repeats = 1\n[[models]]\nname = "fake-model"\nendpoints = ["{endpoint}"]\n{extra}\n'
                    '[dilemmas]\nstatus = []\n', encoding="utf-8")
    return path


def leaked(secret: str, *paths: Path, texts: tuple[str, ...] = ()) -> list[str]:
    """Which of the files (and texts) hold the secret, or its Basic-auth form."""
    needles = [secret.encode(), base64.b64encode(f"alice:{secret}".encode())]
    found = [str(p) for p in paths if p.exists() and any(n in p.read_bytes() for n in needles)]
    found += [f"text {i}" for i, text in enumerate(texts) if any(n.decode() in text for n in needles)]
    return found


def test_url_password_is_used_but_never_stored_logged_or_exported(server, study_path, tmp_path, capsys, caplog,
                                                                   monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    caplog.set_level(logging.DEBUG)
    server.faults.append(Fault(status=500))  # one retry, so the client logs the endpoint
    run_file = write_run(tmp_path, with_credentials(server.base_url))
    assert PASSWORD in run_file.read_text()

    assert main(["run", "start", str(run_file), "--plain", "--study", str(study_path)]) == 0
    # the password was sent, as Basic auth, from memory
    assert server.authorizations and set(server.authorizations) == {BASIC}
    wal = Path(f"{study_path}-wal")
    wal_bytes = wal.read_bytes() if wal.exists() else b""  # before anything checkpoints it away

    out = tmp_path / "out"
    assert main(["run", "export-batch", "1", str(tmp_path / "batch.jsonl"), "--study", str(study_path)]) == 0
    assert main(["report", "latest", str(out), "--study", str(study_path)]) == 0
    assert main(["export", str(tmp_path / "dilemmas.jsonl"), "--study", str(study_path)]) == 0
    captured = capsys.readouterr()
    assert "planned run 1" in captured.out
    assert "was not stored" in captured.err  # says a later resume needs the password in a profile

    (tmp_path / "wal-copy").write_bytes(wal_bytes)
    files = [study_path, wal, tmp_path / "wal-copy", tmp_path / "batch.jsonl", tmp_path / "dilemmas.jsonl",
             *sorted(out.rglob("*"))]
    assert not leaked(PASSWORD, *[f for f in files if f.is_file()],
                      texts=(captured.out, captured.err, caplog.text))
    assert "127.0.0.1" in caplog.text  # the log did name the endpoint, without its password

    study = open_study(study_path)
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import run_progress as progress_store

    run = run_store.get_run(study, 1)
    assert run.definition.models[0].endpoints == [server.base_url]
    assert progress_store.progress(study, 1).answered == progress_store.progress(study, 1).total
    study.close()


def test_run_endpoints_send_the_environment_key(server, study_path, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    run_file = write_run(tmp_path, server.base_url)
    assert main(["run", "start", str(run_file), "--plain", "--study", str(study_path)]) == 0
    assert set(server.authorizations) == {"Bearer sk-from-env"}


def test_run_endpoints_with_a_profile_send_its_key(server, study_path, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[servers.lab]\nendpoints = ["http://elsewhere:1/v1"]\napi_key = "lab-key"\n')
    run_file = write_run(tmp_path, server.base_url, extra='profile = "lab"')
    assert main(["run", "start", str(run_file), "--plain", "--study", str(study_path)]) == 0
    assert set(server.authorizations) == {"Bearer lab-key"}


def test_probe_with_url_credentials_and_a_key(server, study_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    code = main(["server", "probe", "--base-url", with_credentials(server.base_url), "--study", str(study_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert server.authorizations and set(server.authorizations) == {BASIC}
    assert not leaked(PASSWORD, study_path, Path(f"{study_path}-wal"), texts=(captured.out, captured.err))
    assert f"server {server.base_url}" in captured.out


@pytest.mark.parametrize("transport", ["http", "aiohttp", "openai"])
async def test_both_transports_send_url_credentials(transport, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    fake = await RecordingServer().start()
    try:
        pool = build_client(base_url=with_credentials(fake.base_url, "bob", "pw:with@odd%chars"),
                            model="fake-model", transport=transport, max_attempts=1)
        async with pool:
            record = await pool.complete(ChatRequest(messages=[{"role": "user", "content": "hi"}]))
        assert record.error is None, record.error
        assert record.endpoint == fake.base_url
        expected = "Basic " + base64.b64encode(b"bob:pw:with@odd%chars").decode()
        assert fake.authorizations == [expected]
    finally:
        await fake.stop()


# --- the config file --------------------------------------------------------------------------------
USER_CONFIG = """\
# my valuegap settings (do not lose this comment)

[servers]
default = "lab"   # the cluster

[servers.lab]
endpoints = [
    "http://gpu1:8000/v1",  # rack A
    "http://gpu2:8000/v1",
]

[reviewer]
# who I am when I review
name = "old name"   # changed by the app
blind = false
"""


def test_saving_the_reviewer_keeps_comments_and_layout(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG, encoding="utf-8")
    save_section("reviewer", {"name": "Ada", "blind": True}, path)
    text = path.read_text(encoding="utf-8")
    assert text == (USER_CONFIG.replace('name = "old name"', 'name = "Ada"')
                    .replace("blind = false", "blind = true"))
    assert load_section("reviewer", path) == {"name": "Ada", "blind": True}

    save_section("keys", {"accept": "y"}, path)  # a new section goes at the end, nothing else moves
    assert path.read_text(encoding="utf-8").startswith(text)
    assert load_section("keys", path) == {"accept": "y"}


def test_saving_into_a_broken_config_changes_nothing(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"# mine\n[reviewer\nname = 'x'\n")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="config.toml"):
        save_section("reviewer", {"name": "Ada"}, path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("url, clean, header", [
    ("http://h:8000/v1", "http://h:8000/v1", None),
    ("http://alice:pw@h:8000/v1", "http://h:8000/v1", "alice:pw"),
    ("https://a%40b:p%3Aw@[::1]:9/v1?x=1", "https://[::1]:9/v1?x=1", "a@b:p:w"),
    ("http://token@h/v1", "http://h/v1", "token:"),
    ("http://u:pw@[::1/v1", "http://[::1/v1", None),  # not a URL: still nothing secret left in it
])
def test_strip_credentials(url, clean, header):
    from valuegap_tui.urls import basic_auth_for, strip_credentials

    assert strip_credentials(url) == clean
    expected = None if header is None else "Basic " + base64.b64encode(header.encode()).decode()
    assert basic_auth_for(clean) == expected
