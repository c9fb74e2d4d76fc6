"""Reviewing valact scenarios in the one review screen: decisions, relabelling and undo with history,
the reviewer's name on every change, filters, blind mode and the palette, written off the UI thread."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from tests.helpers.pilot import palette_entries
from tests.helpers.pilot import wait_for
from valuegap_tui.config import save_section
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.items import value_name
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.store import items as item_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.dilemmas import DilemmasScreen

from tests.helpers.valact import make_scenarios

NASTY = "[bold]x[/] \x1b[31mred"


def stored(study, item_id):
    return item_store.get(study, get_design("valact"), item_id)


def history(study, item_id):
    return [(r[0], r[1]) for r in study.db.execute(
        "SELECT action, who FROM dilemma_history WHERE dilemma_id = ? ORDER BY rowid", [item_id])]


def fill(study, n=3):
    scenarios = [s.model_copy(update={"status": "draft"}) for s in make_scenarios(n)]
    scenarios[0] = scenarios[0].model_copy(update={"scenario": NASTY})
    item_store.save_many(study, get_design("valact"), scenarios, who="gen", action="import")
    load_into(study, read_questionnaire(DEMO_FILE), who="t")
    return scenarios


async def settle(pilot, screen):
    assert await wait_for(pilot, lambda: screen.pending == 0 and screen.writer.idle())


async def test_accept_relabel_undo_are_saved_with_history_under_the_reviewers_name(valact_study):
    study = valact_study
    scenarios = fill(study)
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DilemmasScreen)
        assert len(screen.filtered) == 3  # the questionnaire's items are listed when a filter names them
        detail = str(screen.query_one("#dilemma-detail-text", Static).render())
        assert "[bold]x[/]" in detail and "\x1b" not in detail  # shown as text, never markup or escapes
        first = scenarios[0]
        options = str(screen.query_one("#review-actions", OptionList).get_option_at_index(0).prompt)
        assert value_name(first.actions[0].value) in options
        await pilot.press("a")
        await settle(pilot, screen)
        assert stored(study, first.id).status == "accepted"
        await pilot.press("k")
        old = first.values()
        target = old[2]  # give action 1 the value action 3 enacts: the two swap
        await pilot.press("1")
        await pilot.pause()
        choices = app.screen.query_one("#review-choices", OptionList)
        choices.highlighted = [o.id for o in choices.options].index(target)
        await pilot.press("enter")
        await settle(pilot, screen)
        assert stored(study, first.id).values() == [old[2], old[1], old[0], old[3]]
        await pilot.press("u")
        await settle(pilot, screen)
        assert stored(study, first.id).values() == old
        assert stored(study, first.id).status == "accepted"
        await pilot.press("u")
        await settle(pilot, screen)
        assert stored(study, first.id).status == "draft"
        assert history(study, first.id) == [("import", "gen"), ("accept", "ann"), ("relabel", "ann"),
                                            ("undo", "ann"), ("undo", "ann")]
        await pilot.press("slash", *"topic:questionnaire", "enter")
        await pilot.pause()
        assert len(screen.filtered) == 20 and all(r.topic_id == "questionnaire" for r in screen.filtered)


async def test_no_reviewer_name_no_change_and_the_name_is_asked_for(valact_study):
    fill(valact_study)
    app = ValueGapApp(valact_study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        name = screen.query_one("#review-name", Input)
        assert name.display and screen.focused is name
        await pilot.press(*"bea", "enter")
        await pilot.press("r")
        await settle(pilot, screen)
        item = screen.filtered[0].id
        assert stored(valact_study, item).status == "rejected" and history(valact_study, item)[-1] == ("reject", "bea")


async def test_blind_mode_hides_the_values_and_the_design_keys_are_in_the_palette(valact_study):
    fill(valact_study)
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(valact_study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("b")
        await pilot.pause()
        first = screen.item
        options = [str(o.prompt) for o in screen.query_one("#review-actions", OptionList).options]
        assert all("? unlabelled" in o for o in options)
        assert not any(value_name(v) in o for o in options for v in first.values())
        detail = str(screen.query_one("#dilemma-detail-text", Static).render())
        assert not any(value_name(v) in detail for v in first.values())  # nor in the heading
        keys = await palette_entries(pilot)
        assert keys["Review: Relabel action 1"] == "key: 1" and keys["Review: Back to draft"] == "key: d"
        assert "Review: Needs edit" not in keys and "Review: Check labels" not in keys  # not this design's
        assert not screen.check_action("relabel", (4,))  # four actions: no fifth label key
