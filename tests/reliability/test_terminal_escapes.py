"""Control characters in stored text (from an import or a server reply) never reach the terminal raw.

Every screen is rendered the way the terminal would get it (the compositor's full update) and checked:
no C0/C1 control or bidi override in any segment, every line exactly as wide as the screen.
"""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from textual.widgets import DataTable, TextArea

from tests.conftest import make_dilemma
from tests.fake_openai_server import FakeServer, chat_reply
from tests.test_evaluate import seed_study
from tests.tui.pilot import wait_for
from valuegap_tui.config import save_section
from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.runs import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.text import editable, has_unsafe
from valuegap_tui.tui.app import ValueGapApp

ESC_RED = "\x1b[31;41mRED\x1b[0m"
SCENARIO = (f"You find {ESC_RED} a note\x07 that rings\x00, then\r overwrites\x1b[2J the screen \x9b31m with C1 "
            "\x85 and \u202eright-to-left\u202c text. [bold]Markup[/bold] stays literal.\nSecond line.")
ACTIONS = [f"Action {i} \x1b]0;title\x07 \x1b[{i}A moves \x0b\x0c\x7f\x90 [red]x[/red]" for i in range(6)]


def hostile_dilemma():
    return make_dilemma(scenario=SCENARIO, texts=ACTIONS, flags=["odd\x1b[5mflag"])


def screen_lines(app) -> list[str]:
    """What the terminal would be sent for the whole screen, one string per line (styles aside)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def assert_clean(app, *, must_show: str | None = None) -> None:
    lines = screen_lines(app)
    width = app.size.width
    for number, line in enumerate(lines):
        assert not has_unsafe(line), f"raw control character on line {number}: {line!r}"
        assert "\t" not in line and "\n" not in line
        assert cell_len(line) == width, f"line {number} is {cell_len(line)} cells wide, not {width}: {line!r}"
    if must_show is not None:
        assert must_show in "\n".join(lines)


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


async def test_generate_failures_with_controls_render_visibly(study):
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        with screen._live.lock:  # what the generation worker hands over for a failed pair
            screen._live.failures.append(("wisdom--politics--1", f"not valid JSON: {ESC_RED}\x07\x9b"))
            screen._live.newest.append(hostile_dilemma())
        screen._refresh_live()
        await pilot.pause()
        assert screen.query_one("#generate-failures", DataTable).row_count == 1
        assert_clean(app, must_show="\u241b[31;41mRED")


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
