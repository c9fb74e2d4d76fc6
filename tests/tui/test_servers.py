"""The Servers screen: endpoints from the environment, probe in a worker, live counters."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from tests.helpers.fake_openai_server import FakeServer, chat_reply
from valuegap_tui.server.client import build_client
from valuegap_tui.server.types import ChatRequest
from valuegap_tui.store.server import latest_probes
from valuegap_tui.tui.app import ValueGapApp


def honours_choice(body):
    if "structured_outputs" in body:
        return chat_reply(body["structured_outputs"]["choice"][1])
    return chat_reply("Hello there, friend")


async def _wait_for(predicate, pilot, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_probe_from_the_screen_is_shown_and_stored(study, monkeypatch):
    server = await FakeServer(reply=honours_choice).start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    try:
        app = ValueGapApp(study, start_mode="servers")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#servers-table", DataTable)
            assert table.row_count == 1
            assert str(table.get_row_at(0)[1]) == server.base_url
            await pilot.press("p")
            await _wait_for(lambda: latest_probes(study), pilot)
            await _wait_for(lambda: str(table.get_row_at(0)[5]) == "structured_outputs", pilot)
            detail = str(app.screen.query_one("#servers-detail", Static).render())
            assert "constraint structured_outputs: yes" in detail

            await pilot.press("h")
            await _wait_for(lambda: str(table.get_row_at(0)[4]) == "ok", pilot)

            # a client at work elsewhere in the process shows up in the live counters
            server.latency_s = 2.5  # longer than the screen's 1 s refresh
            pool = build_client(base_url=server.base_url, model="m")
            tasks = [asyncio.create_task(pool.complete(ChatRequest(messages=[{"role": "user", "content": "x"}])))
                     for _ in range(3)]
            await _wait_for(lambda: str(table.get_row_at(0)[7]) == "3", pilot, timeout=5)
            await asyncio.gather(*tasks)
            await pool.aclose()
    finally:
        await server.stop()


async def test_no_servers_says_what_to_do(study, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    app = ValueGapApp(study, start_mode="servers")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        status = str(app.screen.query_one("#servers-status", Static).render())
        assert "OPENAI_BASE_URL" in status
        await pilot.press("p")  # nothing selected: a notice, no crash
        await pilot.pause()


async def test_start_the_simulated_server_and_probe_it(study, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    app = ValueGapApp(study, start_mode="servers")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#servers-table", DataTable)
        await pilot.press("s")
        await _wait_for(lambda: table.row_count == 1, pilot)
        assert str(table.get_row_at(0)[0]) == "SIMULATED"
        assert "SIMULATED" in str(app.screen.query_one("#servers-status", Static).render())
        await pilot.press("p")
        await _wait_for(lambda: str(table.get_row_at(0)[5]) == "structured_outputs", pilot)
        assert latest_probes(study)[0].logprobs is True
