"""`valuegap respond serve`: a clear message without textual-serve; with it, a token opens one respondent only."""

from __future__ import annotations

import sys

import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.cli import main
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.serve import INSTALL_HINT, new_tokens, respondent_command, token_server
from valuegap_tui.store import open_study


def _study(tmp_path):
    path = tmp_path / "s.db"
    study = open_study(path, create=True)
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=2))
    study.close()
    return path, run_id


def test_serve_without_textual_serve_says_how_to_install(tmp_path, monkeypatch, capsys):
    path, run_id = _study(tmp_path)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "textual_serve.app_service", None)
    assert main(["respond", "serve", str(run_id), "--name", "alice", "--study", str(path)]) == 1
    err = capsys.readouterr().err
    assert "pip install 'valuegap[serve]'" in err and err.count("\n") == 1
    assert INSTALL_HINT.split(":")[0] in err


async def test_a_token_opens_its_respondent_only(tmp_path):
    from aiohttp.test_utils import TestClient, TestServer

    path, run_id = _study(tmp_path)
    tokens = new_tokens(["alice", "bob"])
    commands = {t: respondent_command(path, run_id, n, persona_id="baseline", repeats=1, time_limit_s=None)
                for t, n in tokens.items()}
    alice, bob = (t for t, n in tokens.items() if n == "alice"), (t for t, n in tokens.items() if n == "bob")
    alice, bob = next(alice), next(bob)
    assert len(alice) >= 40 and alice != bob
    server = token_server(commands, "127.0.0.1", 8000)
    assert server.command_for(alice).count("--name alice") == 1 and "bob" not in server.command_for(alice)
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        page = await client.get(f"/r/{alice}")
        assert page.status == 200
        body = await page.text()
        assert f"/r/{alice}/ws" in body and bob not in body
        for path_ in ("/", f"/r/{alice[:-1]}", "/r/", f"/r/{alice}x", "/r/wrong/ws", "/download/x"):
            assert (await client.get(path_)).status == 404, path_
        other = await (await client.get(f"/r/{bob}")).text()
        assert f"/r/{bob}/ws" in other and alice not in other
    finally:
        await client.close()


@pytest.mark.parametrize("name", ["_make_app", "_process_messages"])
def test_the_textual_serve_internals_the_token_server_uses_are_there(name):
    """respond/serve.py overrides Server._make_app and calls Server._process_messages: textual-serve has no
    public hook for one command per token. textual-serve is pinned; this names what a release moved."""
    from textual_serve.server import Server

    assert callable(getattr(Server, name, None)), \
        f"textual-serve's Server has no {name}: valuegap_tui/respond/serve.py uses it; change TokenServer there"
