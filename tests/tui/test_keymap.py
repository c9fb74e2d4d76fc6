"""One keymap, applied by the app at start from the [keys] section: for every screen and every design,
from the first key on; unknown ids and keys taken twice said one line each (at start and by
`valuegap config check`); the palette shows the keys in use."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.pilot import wait_for
from valuegap_tui.cli import main
from valuegap_tui.config import config_path, save_section
from valuegap_tui.keymap import BY_ID, SPECS, check_keymap
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.textual_private import notifications


def test_every_binding_of_every_screen_is_in_the_table_with_its_default_key():
    """The table the keymap is checked against is the bindings the screens have: no id missing, no key
    different (the screens build their bindings from it; a binding written by hand would slip out)."""
    import valuegap_tui.tui as tui

    found = {}
    for info in pkgutil.walk_packages(tui.__path__, prefix="valuegap_tui.tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    found[binding.id] = binding
    from valuegap_tui.designs import design_ids, get_design
    from valuegap_tui.tui.screens.dilemmas import digit_bindings

    for design_id in design_ids():  # the digit keys each design's review screen has
        found.update({b.id: b for b in digit_bindings(get_design(design_id).review_parts())})
    assert set(found) - set(BY_ID) == set(), "add the binding to valuegap_tui/keymap.py"
    for binding_id, binding in found.items():
        spec = BY_ID[binding_id]
        assert (binding.key, binding.show, binding.priority) == (spec.key, spec.show, spec.priority), binding_id


def test_the_default_keys_never_clash_and_a_remap_is_checked():
    for scope in {spec.scope for spec in SPECS}:
        keys = [key for spec in SPECS if spec.scope in (scope, "app") for key in spec.key.split(",")]
        assert len(keys) == len(set(keys)), scope
    assert check_keymap({}) == ({}, [])
    usable, problems = check_keymap({"screen.runs": "f9", "review.acept": "z", "review.reject": "a",
                                     "review.filter": "?"})
    assert usable == {"screen.runs": "f9", "review.reject": "a", "review.filter": "question_mark"}
    assert problems[0].startswith("[keys] 'review.acept' is not a binding id (ids here: review.accept")
    assert any("'a' is taken twice in review: 'review.accept' (Accept) and 'review.reject' (Reject)" in p
               for p in problems)
    assert any("'question_mark' is taken twice in review" in p and "'app.keys'" in p for p in problems)
    assert len(problems) == 3
    # the same key in two screens that never apply together is no clash
    assert check_keymap({"runs.new": "z", "personas.new": "z"})[1] == []
    assert all(spec.id.count(".") == 1 for spec in SPECS)


@pytest.mark.parametrize("design", ["graded_actions", "valact"])
async def test_a_stage_key_remap_works_from_the_first_key_in_every_design(tmp_path, design):
    from valuegap_tui.designs import set_study_design
    from valuegap_tui.store import open_study

    study = open_study(tmp_path / "s.db", create=True)
    set_study_design(study, design)
    save_section("reviewer", {"name": "ann"})
    save_section("keys", {"screen.runs": "f9"})
    app = ValueGapApp(study, start_mode="generate")  # the review screen (F1) never opened
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        assert await wait_for(pilot, lambda: app.current_mode == "runs")
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Go to Runs"] == "Open the Runs screen (F9)"
        await pilot.press("f1")
        assert await wait_for(pilot, lambda: app.current_mode == "dilemmas")
        await pilot.press("f9")
        assert await wait_for(pilot, lambda: app.current_mode == "runs")
    study.close()


async def test_unknown_ids_and_clashes_are_said_at_start_and_the_rest_applies(study):
    dilemma_store.save(study, make_dilemma(), who="generator", action="create")
    save_section("reviewer", {"name": "ann"})
    save_section("keys", {"review.acept": "z", "review.reject": "a", "review.undo": "z"})
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        said = [str(n.message) for n in notifications(app)]
        assert sum("'review.acept' is not a binding id" in m for m in said) == 1
        assert sum("'a' is taken twice in review" in m for m in said) == 1
        assert all("\n" not in m for m in said)
        await pilot.press("a", "z")  # both on a: Textual's clash; z is the undo the rest of the map gave
        assert await wait_for(pilot, lambda: app.screen.pending == 0 and app.screen.writer.idle())


def test_config_check_lists_the_keymap_problems_one_per_line(tmp_path, capsys):
    save_section("keys", {"review.acept": "z", "screen.runs": "f1"})
    assert main(["config", "check"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{config_path()}: [keys] ") for line in lines)
    assert "'review.acept' is not a binding id" in lines[0]
    assert "'f1' is taken twice in app: 'screen.dilemmas' (Dilemmas) and 'screen.runs' (Runs)" in lines[1]


def test_the_configuration_doc_names_every_binding_id_with_its_default_key():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [spec.id for spec in SPECS if f"`{spec.id}` = `{spec.key}`" not in doc]
    assert missing == [], "docs/configuration.md#keys: add " + ", ".join(missing)
