"""Forms and keys: labelled fields, messages in words, filter mistakes shown, letters never firing in a field."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, Static

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.config import save_section
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.tui.app import STAGES, ValueGapApp
from valuegap_tui.tui.screens.dilemmas import parse_filter
from valuegap_tui.tui.textual_private import notifications


def test_filter_mistakes_are_reported_not_taken_as_text():
    assert parse_filter("stauts:draft").problems == ["unknown filter key 'stauts' (keys: status, value, type, topic, flag, conflict)"]
    assert parse_filter("value:wisdon").problems == ["unknown value 'wisdon'"]
    assert parse_filter("status:done").problems == ["unknown status 'done'"]
    good = parse_filter("status:draft value:wisdom bribe")
    assert not good.problems and good.status == "draft" and good.value == "wisdom" and good.text == "bribe"


async def test_a_bad_filter_keeps_its_box_open_and_says_why(study):
    dilemma_store.save(study, make_dilemma(), who="generator", action="create")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"stauts:draft", "enter")
        await pilot.pause()
        box = app.screen.query_one("#review-filter", Input)
        assert box.display and box.value == "stauts:draft" and app.screen.focused is box
        assert any("unknown filter key 'stauts'" in str(n.message) for n in notifications(app))


async def test_generate_fields_are_labelled_and_numbers_checked_in_words(study):
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        labels = [str(label.render()) for label in screen.query(Label)]
        assert labels == ["Server", "Model", "Values", "Types", "Topics", "Variants", "Concurrency", "Attempts"]
        for label in screen.query(Label):  # not cut at 80 columns
            assert label.size.width >= len(str(label.render()))
        screen.query_one("#generate-variants", Input).value = "S-Tab"
        screen.action_start()
        await pilot.pause()
        shown = str(screen.query_one("#generate-progress", Static).render())
        assert "Variants takes a whole number from 1 to 100, not 'S-Tab'" in shown and "int()" not in shown


@pytest.mark.parametrize("mode", [mode for mode, _title, _key in STAGES])
async def test_single_letter_keys_never_fire_while_a_text_field_has_focus(study, mode, monkeypatch):
    dilemma_store.save(study, make_dilemma(), who="generator", action="create")
    save_section("reviewer", {"name": "ann"})
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    app = ValueGapApp(study, start_mode=mode)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        if mode == "runs":
            await pilot.press("n")
        if mode == "dilemmas":
            await pilot.press("slash")
        letters = sorted({b.key for b in screen.BINDINGS if len(b.key) == 1 and b.key.isalnum()})
        fields = [w for w in screen.query("Input, TextArea") if w.display and w.focusable]
        history = len(dilemma_store.history(study, make_dilemma().id))
        for field in fields:
            field.focus()
            await pilot.pause()
            await pilot.press(*letters)  # typed into the field (which may have selected its text on focus)
            await pilot.pause()
            after = field.value if isinstance(field, Input) else field.text
            assert "".join(letters) in after, (mode, field.id)
            assert app.screen is screen and screen.focused is field, (mode, field.id)
        assert len(dilemma_store.history(study, make_dilemma().id)) == history
        if mode == "generate":
            assert not screen.running
        if mode == "runs":
            assert screen.control is None
