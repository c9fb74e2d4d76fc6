"""Control characters in stored text (from an import or a server reply) never reach the terminal raw.

Every screen is rendered the way the terminal would get it (the compositor's full update) and checked:
no C0/C1 control or bidi override in any segment, every line exactly as wide as the screen.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from textual.widgets import DataTable, Input, TextArea

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.fake_openai_server import FakeServer, chat_reply
from tests.helpers.runs import seed_study
from tests.helpers.pilot import wait_for
from tests.helpers.screen import assert_clean, screen_lines
from valuegap_tui.config import save_section
from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.text import editable, has_unsafe
from valuegap_tui.tui.app import ValueGapApp

ESC_RED = "\x1b[31;41mRED\x1b[0m"
SCENARIO = (f"You find {ESC_RED} a note\x07 that rings\x00, then\r overwrites\x1b[2J the screen \x9b31m with C1 "
            "\x85 and \u202eright-to-left\u202c text. [bold]Markup[/bold] stays literal.\nSecond line.")
ACTIONS = [f"Action {i} \x1b]0;title\x07 \x1b[{i}A moves \x0b\x0c\x7f\x90 [red]x[/red]" for i in range(6)]


def hostile_dilemma():
    return make_dilemma(scenario=SCENARIO, texts=ACTIONS, flags=["odd\x1b[5mflag"])


async def test_dilemma_with_controls_renders_visibly_with_layout_intact(study):
    dilemma_store.save(study, hostile_dilemma(), who="import", action="import")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        assert_clean(app, must_show="\u241b[31;41mRED\u241b[0m")  # ESC shown as ␛, the rest as typed
        text = "\n".join(screen_lines(app))
        assert "[bold]Markup[/bold]" in text and "\\u202e" in text and "\u2407" in text
        await pilot.press("o")  # the action list
        await pilot.pause()
        assert_clean(app, must_show="Action 0 \u241b]0;title\u2407")
        await pilot.press("h")  # the history view
        await pilot.pause()
        assert_clean(app)
        await pilot.press("escape")
        await pilot.pause()
        assert_clean(app)


async def test_editor_shows_controls_and_saving_keeps_them(study):
    original = hostile_dilemma()
    dilemma_store.save(study, original, who="import", action="import")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert area.text == editable(SCENARIO) and not has_unsafe(area.text)
        assert_clean(app)
        await pilot.press("ctrl+s")  # saved untouched: nothing changes, nothing is written
        await pilot.pause(0.3)
        assert dilemma_store.get(study, original.id).scenario == SCENARIO
        assert len(dilemma_store.history(study, original.id)) == 1

        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        area.move_cursor(area.document.end)
        await pilot.press("space", "o", "k")
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: screen.pending == 0
                              and dilemma_store.get(study, original.id).scenario != SCENARIO)
        assert dilemma_store.get(study, original.id).scenario == SCENARIO + " ok"  # every control kept


# A server whose error message and model name hold terminal escapes.
HOSTILE_SERVER = textwrap.dedent("""
    import sys
    from aiohttp import web
    async def chat(request):
        return web.Response(status=400, content_type="application/json",
                            text='{"error": {"message": "bad \\u001b[31;41mRED\\u001b[0m \\u0007 \\u009b thing"}}')
    async def models(request):
        return web.json_response({"object": "list", "data": [{"id": "m\\u001b[5m"}]})
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
""")


@pytest.fixture
def hostile_server(tmp_path):
    from tests.helpers.answer_server import free_port

    port = free_port()
    script = tmp_path / "hostile_server.py"
    script.write_text(HOSTILE_SERVER)
    proc = subprocess.Popen([sys.executable, str(script), str(port)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/v1"
    proc.kill()
    proc.wait(timeout=10)


async def test_generate_failures_with_controls_render_visibly(study, hostile_server):
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        for name, value in dict(server=hostile_server, values="wisdom", topics="politics", attempts="1").items():
            screen.query_one(f"#generate-{name}", Input).value = value
        await pilot.click("#generate-start")
        assert await wait_for(pilot, lambda: not screen.running)
        assert screen.query_one("#generate-failures", DataTable).row_count == 1
        with screen._live.lock:  # a stored dilemma with controls, as the worker hands it over
            screen._live.newest.append(hostile_dilemma())
        screen._refresh_live()
        await pilot.pause()
        assert_clean(app, must_show="bad \u241b[31;41mRED\u241b[0m \u2407")


def test_command_line_messages_show_controls_visibly(tmp_path, hostile_server):
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "generate", "--study", str(tmp_path / "s.db"),
                             "--base-url", hostile_server, "--values", "wisdom", "--topics", "politics",
                             "--max-attempts", "1"], capture_output=True, timeout=60)
    stderr = result.stderr.decode()
    assert result.returncode == 3
    assert "bad \u241b[31;41mRED" in stderr  # the failure line and the client's warning alike
    assert not has_unsafe(stderr)


async def test_runs_replies_with_controls_render_visibly(study):
    seed_study(study, 2)
    server = await FakeServer(reply=chat_reply(f"B {ESC_RED}\x07\x9b\u202e")).start()
    try:
        definition = RunDefinition.model_validate({
            "name": "esc\x1b[31mrun", "repeats": 1, "seed": 1,
            "models": [{"name": "tiny\x1b[5m", "endpoints": [server.base_url], "concurrency": 2}],
            "dilemmas": {"status": ["accepted"]},
        })
        run_id = create_run(study, definition)
        await asyncio.to_thread(run_blocking, study, run_id, plain=True, out=open("/dev/null", "w"))
    finally:
        await server.stop()
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.query_one("#runs-latest", DataTable).row_count > 0)
        await pilot.pause()
        assert_clean(app, must_show="\u241b[31;41mRED")
        await app.action_switch_mode("results")  # run names, model names and kinds there too
        await pilot.pause(0.5)
        assert_clean(app)


async def test_persona_text_with_controls_renders_visibly(study):
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.store import personas as persona_store

    personas = generate_personas()
    hostile = personas[1].model_copy(update={"name": f"Ann {ESC_RED}\x07", "notes": f"note {ESC_RED}\x9b\u202e"})
    persona_store.save_many(study, [personas[0], hostile])
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(140, 45)) as pilot:
        assert await wait_for(pilot, lambda: app.screen.query_one("#persona-table", DataTable).row_count == 2)
        app.screen.query_one("#persona-table", DataTable).move_cursor(row=1)
        await pilot.pause(0.3)
        assert_clean(app, must_show="Ann \u241b[31;41mRED")


async def test_server_model_names_and_errors_render_visibly(study, hostile_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", hostile_server)
    app = ValueGapApp(study, start_mode="servers")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("p")  # the probe reads the model name and the error replies
        from valuegap_tui.store.server import latest_probes

        assert await wait_for(pilot, lambda: latest_probes(study), timeout=20)
        await pilot.pause(0.5)
        assert_clean(app)
        assert "m\u241b[5m" in "\n".join(screen_lines(app))


def test_stored_text_keeps_its_control_characters_through_export_and_import(tmp_path):
    source = tmp_path / "hostile.jsonl"
    from valuegap_tui.dataset.transfer import write_dilemmas

    # Every control character but NUL: an import refuses a NUL (it ends a string in most tools a study's
    # text reaches), and a flag valuegap does not know unless it is named (--allow-flag).
    scenario = SCENARIO.replace("\x00", "")
    write_dilemmas([hostile_dilemma().model_copy(update={"scenario": scenario})], source, "jsonl")
    with_nul = tmp_path / "nul.jsonl"
    write_dilemmas([hostile_dilemma()], with_nul, "jsonl")
    for fmt in ("jsonl", "csv"):
        db = tmp_path / f"{fmt}.db"
        run = lambda *args: subprocess.run([sys.executable, "-m", "valuegap_tui", *args, "--study", str(db)],  # noqa: E731
                                           capture_output=True, text=True, timeout=60)
        refused = run("import", str(with_nul), "--allow-flag", "odd\x1b[5mflag")
        assert refused.returncode == 2 and "NUL" in refused.stderr and refused.stderr.count("\n") == 1
        assert run("import", str(source), "--allow-flag", "odd\x1b[5mflag").returncode == 0
        exported = tmp_path / f"out.{fmt}"
        assert run("export", str(exported)).returncode == 0
        again = tmp_path / f"again.{fmt}"
        assert run("import", str(exported)).returncode == 0 and run("export", str(again)).returncode == 0
        assert exported.read_bytes() == again.read_bytes()
        stored = dilemma_store.get(open_study(db), hostile_dilemma().id)
        assert stored.scenario == scenario and [o.text for o in stored.options] == ACTIONS
