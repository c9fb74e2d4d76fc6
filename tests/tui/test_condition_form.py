"""The Personas screen's form for conditions written by hand: write, save, list, edit, delete."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static, TextArea

from tests.helpers.personas_screen import open_on, settle
from valuegap_tui.personas import generate_personas
from valuegap_tui.personas.written import written_condition
from valuegap_tui.store import personas as persona_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.condition_form import ConditionFormScreen
from valuegap_tui.tui.screens.personas import PersonasScreen


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def listed(screen) -> dict[str, tuple[str, ...]]:
    table = screen.query_one("#persona-table", DataTable)
    return {row.key.value: tuple(str(cell) for cell in table.get_row(row.key)) for row in table.ordered_rows}


async def test_write_save_list_edit_and_delete_a_condition(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ConditionFormScreen) and app.focused is form.query_one("#condition-name", Input)
        await pilot.press(*"Hold care", "tab")  # tab: to the kind
        form.query_one("#condition-kind", Select).value = "instruction"
        form.query_one("#condition-value-type", Select).value = "benevolence"
        form.query_one("#condition-text", TextArea).focus()
        await pilot.press(*"Care for those close to you.", "enter", *"Act on it.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        stored = persona_store.get(study, "hold-care")
        assert (stored.kind, stored.text) == ("instruction", "Care for those close to you.\nAct on it.")
        assert stored.attributes == {"value_type": "benevolence"} and stored.levels == {}
        # listed beside the generated personas with its kind, selected, its text in the preview
        assert listed(screen)["hold-care"][:3] == ("instr", "Hold care", "written")
        assert screen.selected_id == "hold-care"
        assert "Care for those close to you.\nAct on it." in shown(screen, "#persona-preview-text")
        assert "holds the value type benevolence" in shown(screen, "#persona-summary")
        assert "instruction 1" in shown(screen, "#persona-counts")

        # edit: the form opens on the stored text; the id is kept
        await pilot.press("t")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConditionFormScreen)
        assert form.query_one("#condition-text", TextArea).text == stored.text
        name = form.query_one("#condition-name", Input)
        name.value = "Hold care (v2)"
        form.query_one("#condition-kind", Select).value = "custom"
        await pilot.press("ctrl+s")
        await settle(pilot)
        edited = persona_store.get(study, "hold-care")
        assert (edited.name, edited.kind, edited.text) == ("Hold care (v2)", "custom", stored.text)
        assert listed(screen)["hold-care"][:2] == ("custom", "Hold care (v2)")

        # delete asks once, then removes it
        await open_on(pilot, "hold-care")
        await pilot.press("x", "x")
        await settle(pilot)
        assert not persona_store.exists(study, "hold-care") and "hold-care" not in listed(screen)


async def test_a_bad_form_says_why_and_stores_nothing_and_escape_cancels(study):
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        await pilot.press(*"Empty")
        await pilot.press("ctrl+s")  # no text yet
        await pilot.pause()
        assert app.screen is form
        assert "Not saved: text: must hold some text" in shown(form, "#condition-error")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PersonasScreen) and persona_store.list_all(study) == []


async def test_imported_control_characters_are_shown_visibly_and_survive_an_edit(study):
    raw = "Be \x1b[31mred\x1b[0m and \x07loud\u202e."
    persona_store.save(study, written_condition("Odd \x1b]0;title\x07", "custom", raw, condition_id="odd"))
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_on(pilot, "odd")
        preview, summary = shown(screen, "#persona-preview-text"), shown(screen, "#persona-summary")
        assert "Be ␛[31mred␛[0m and ␇loud\\u202e." in preview
        assert "Odd ␛]0;title␇" in summary and "Odd ␛]0;title␇" in listed(screen)["odd"][1]
        for text in (preview, summary, *listed(screen)["odd"]):
            assert not any(ch in text for ch in "\x1b\x07\u202e")
        await pilot.press("t")
        await settle(pilot)
        area = app.screen.query_one("#condition-text", TextArea)
        assert "\x1b" not in area.text and "␛[31m" in area.text
        area.move_cursor(area.document.end)
        area.insert(" Now.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = persona_store.get(study, "odd")
        assert stored.text == raw + " Now."  # the untouched control characters are kept as they were
        assert stored.name == "Odd \x1b]0;title\x07"


async def test_a_condition_a_run_asked_is_not_edited(study):
    persona_store.save(study, written_condition("Asked", "instruction", "Hold it.", condition_id="asked"))
    with study.transaction() as db:
        db.execute("INSERT INTO runs (id, name, definition_json, config_hash, status, created_at)"
                   " VALUES (4, 'r', '{}', 'h', 'planned', 'now')")
        db.execute("INSERT INTO run_personas (run_id, persona_id, name, kind, system_text)"
                   " VALUES (4, 'asked', 'Asked', 'instruction', 'Hold it.')")
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_on(pilot, "asked")
        await pilot.press("t")
        await settle(pilot)
        assert app.screen is screen and "run 4 asked with this text" in shown(screen, "#persona-status")
        await pilot.press("d")  # a copy can be edited
        await settle(pilot)
        assert persona_store.get(study, "asked-copy").text == "Hold it."
