"""Hostile input typed or pasted into the app's forms: the run definition, the generate fields, a
condition written by hand, a new dilemma, the review filter and name, and a config the review screen
reads. Each is refused with one line on the screen, the form stays open, and the study is unchanged
(the hash of its SQL dump). One app per form, every case of that form in turn."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, Static, TextArea

from tests.helpers.dilemmas import make_dilemma
from tests.reliability.hostile import dump_digest
from tests.reliability.hostile_forms import (CONDITION_FORM, CONFIG_READ_BY_THE_APP, DILEMMA_FORM, GENERATE_FORM,
                                            REVIEW, RUN_FORM)
from tests.helpers.pilot import wait_for
from valuegap_tui.config import config_path, save_section
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.textual_private import notifications


def one_line_holding(text: str, expected: str) -> None:
    assert text.strip() and "\n" not in text.strip(), text
    assert expected in text, text
    assert "Traceback" not in text and "\x1b" not in text and "\x00" not in text


def _rendered(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.fixture
def study_with_dilemma(study):
    dilemma_store.save(study, make_dilemma(), who="generator", action="create")
    return study


async def test_the_run_form_refuses_each_bad_definition(study_with_dilemma):
    study = study_with_dilemma
    app = ValueGapApp(study, start_mode="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        error = screen.query_one("#runs-form-error", Static)
        for name, text, expected in RUN_FORM:
            before = dump_digest(study.path)
            error.update("")
            screen.query_one("#runs-definition", TextArea).text = text
            screen.action_plan()
            assert await wait_for(pilot, lambda: str(error.render()).strip(), timeout=10), name
            one_line_holding(str(error.render()), expected)
            assert run_store.list_runs(study) == [] and dump_digest(study.path) == before, name
            assert screen.query_one("#runs-form").display, name


async def test_the_generate_fields_refuse_each_bad_value(study_with_dilemma):
    study = study_with_dilemma
    app = ValueGapApp(study, start_mode="generate")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for name, fields, expected in GENERATE_FORM:
            before = dump_digest(study.path)
            for field in ("variants", "concurrency", "attempts", "values", "topics"):
                default = {"variants": "1", "concurrency": "64", "attempts": "3"}.get(field, "")
                screen.query_one(f"#generate-{field}", Input).value = fields.get(field, default)
            screen.action_start()
            await pilot.pause()
            shown = _rendered(screen, "#generate-progress")
            assert shown.startswith("Cannot start"), (name, shown)
            one_line_holding(shown, expected)
            assert not screen.running and dump_digest(study.path) == before, name


async def test_the_condition_form_refuses_each_bad_condition(study_with_dilemma):
    from valuegap_tui.tui.screens.condition_form import ConditionFormScreen

    study = study_with_dilemma
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        assert await wait_for(pilot, lambda: isinstance(app.screen, ConditionFormScreen), timeout=5)
        form = app.screen
        for name, fields, expected in CONDITION_FORM:
            before = dump_digest(study.path)
            form.query_one("#condition-name", Input).value = fields["name"]
            form.query_one("#condition-text", TextArea).text = fields["text"]
            form.action_save()
            await pilot.pause()
            assert app.screen is form, name
            one_line_holding(_rendered(form, "#condition-error"), expected)
            assert dump_digest(study.path) == before, name


async def test_the_new_dilemma_form_refuses_each_bad_dilemma(study_with_dilemma):
    from valuegap_tui.tui.screens.dilemma_editor import NewDilemmaScreen

    study = study_with_dilemma
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("ctrl+n")
        assert await wait_for(pilot, lambda: isinstance(app.screen, NewDilemmaScreen), timeout=5)
        form = app.screen
        for name, fields, expected in DILEMMA_FORM:
            before = dump_digest(study.path)
            form.query_one("#new-value", Select).value = fields.get("value", Select.NULL)
            form.query_one("#new-topic", Select).value = fields.get("topic", Select.NULL)
            form.query_one("#new-scenario", TextArea).text = fields.get("scenario", "")
            for i in range(6):
                text = "The same action" if fields.get("same") and i < 2 else f"Action number {i + 1}"
                form.query_one(f"#new-action-{i}", Input).value = text
            form.action_save()
            await pilot.pause()
            assert app.screen is form, name
            one_line_holding(_rendered(form, "#new-error"), expected)
            assert dump_digest(study.path) == before, name


async def test_the_review_screen_refuses_a_blank_name_and_a_bad_filter(study_with_dilemma):
    study = study_with_dilemma
    app = ValueGapApp(study)  # no reviewer yet: the name box opens first
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        box = screen.query_one("#review-name", Input)
        for name, typed, expected in REVIEW:
            before = dump_digest(study.path)
            app.clear_notifications()
            if typed is None:
                assert box.display and box.has_focus
                box.value = "   "
                await pilot.press("enter")
            else:
                await pilot.press("slash", *typed, "enter")
            await pilot.pause()
            messages = [str(n.message) for n in notifications(app)]
            assert len(messages) == 1, (name, messages)
            one_line_holding(messages[0], expected)
            assert dump_digest(study.path) == before, name
            if typed is None:  # then a name, to reach the filter
                box.value = "ann"
                await pilot.press("enter")
            else:
                await pilot.press("escape")
            await pilot.pause()


@pytest.mark.parametrize("name, body, expected", CONFIG_READ_BY_THE_APP, ids=[c[0] for c in CONFIG_READ_BY_THE_APP])
async def test_a_config_the_review_screen_cannot_use_is_named_in_one_line(study_with_dilemma, name, body, expected):
    study = study_with_dilemma
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(body, encoding="utf-8")
    before = dump_digest(study.path)
    app = ValueGapApp(study)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        errors = [str(n.message) for n in notifications(app) if n.severity == "error"]
        assert len(errors) == 1, errors
        one_line_holding(errors[0], expected)
        assert "line " in errors[0]
        assert app.screen.blind is False  # "false" in quotes never turns blind mode on
    assert config_path().read_text(encoding="utf-8") == body  # never rewritten
    assert dump_digest(study.path) == before
