"""The command palette lists every action of every screen: typed words find a screen's action from any
screen, and choosing it opens that screen and runs it there (README: "lists every action")."""

from __future__ import annotations

from tests.helpers.personas_screen import settle
from tests.helpers.pilot import palette_entries, run_from_palette, wait_for
from valuegap_tui.keymap import SPECS
from valuegap_tui.personas import generate_personas
from valuegap_tui.store import personas as persona_store
from valuegap_tui.tui.app import ValueGapApp


def _notes(app) -> list[str]:
    """Every notification the app shows from now on (the message text)."""
    shown: list[str] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        shown.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = record
    return shown


async def test_typed_words_find_and_run_actions_of_other_screens(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study)  # opens on the review screen
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = _notes(app)

        offered = await run_from_palette(pilot, "new run", "Runs: New run")
        assert app.current_mode == "runs"
        assert await wait_for(pilot, lambda: app.screen.query_one("#runs-form").display, timeout=10)

        await pilot.press("escape")  # close the form
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("down")  # a persona past the baseline (which has no levels to copy)
        offered = await run_from_palette(pilot, "start", "Runs: Start/resume")
        assert "Generate: Start" in offered and "Servers: Start simulator" in offered
        assert app.current_mode == "runs"
        assert await wait_for(pilot, lambda: any("No run selected" in note for note in shown), timeout=10)

        offered = await run_from_palette(pilot, "stop", "Generate: Stop")
        assert "Runs: Stop" in offered
        assert app.current_mode == "generate"

        offered = await run_from_palette(pilot, "duplicate", "Personas: Duplicate")
        assert "Review: Duplicate dilemma" in offered
        assert app.current_mode == "personas"
        await settle(pilot)
        assert await wait_for(pilot, lambda: any(p.id.endswith("-copy") for p in persona_store.list_all(study)),
                              timeout=10)

        await run_from_palette(pilot, "probe", "Servers: Probe")
        assert app.current_mode == "servers"
        assert await wait_for(pilot, lambda: any("no endpoint selected" in note for note in shown)
                              or "probing" in str(app.screen.query_one("#servers-status").render()), timeout=10)


async def test_the_palette_lists_each_stage_screens_actions_with_their_keys(study):
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = await palette_entries(pilot)
    for prefix, scope in (("Generate", "generate"), ("Personas", "personas"), ("Runs", "runs"),
                          ("Servers", "servers")):
        own = {spec.description: spec.key for spec in SPECS if spec.scope == scope}
        for description in ("Start", "Stop", "Duplicate", "Probe", "New run", "Health", "Write new"):
            if description in own:
                assert listed[f"{prefix}: {description}"].startswith(f"key: {own[description]}")
    assert listed["Review: Accept"].startswith("key: a")


async def test_every_action_of_every_stage_screen_is_listed_and_bound_on_its_screen(study):
    """Every binding of a stage screen's scope that may run from anywhere is in the palette from another
    screen, and its screen really has it (so choosing it runs something)."""
    import importlib

    from valuegap_tui.keymap import STAGE_SCOPES
    from valuegap_tui.tui.app import STAGE_SCREENS

    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listed = await palette_entries(pilot)
    for scope, (mode, prefix) in STAGE_SCOPES.items():
        specs = [spec for spec in SPECS if spec.scope == scope]
        assert specs, scope
        for spec in specs:
            if spec.anywhere or mode == "results":  # the shown screen lists its own too
                assert f"{prefix}: {spec.description}" in listed, (scope, spec.id)
        module, name = STAGE_SCREENS.get(mode, ("dilemmas", "DilemmasScreen"))
        screen_class = getattr(importlib.import_module(f"valuegap_tui.tui.screens.{module}"), name)
        bound = {getattr(b, "id", None) for b in screen_class.BINDINGS}
        anywhere = {spec.id for spec in specs if spec.anywhere}  # the others act on a widget of the screen
        assert anywhere <= bound, (scope, anywhere - bound)
