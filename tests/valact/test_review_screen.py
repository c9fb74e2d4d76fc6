"""Reviewing valact scenarios in the Dilemmas screen: decisions, relabelling and undo, with history."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, load_into, read_questionnaire
from valuegap_tui.store import items as item_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.valact_review import ValActReviewScreen

from tests.helpers.valact import make_scenarios

NASTY = "[bold]x[/] \x1b[31mred"


def stored(study, item_id):
    return item_store.get(study, get_design("valact"), item_id)


def history(study, item_id):
    return [r[0] for r in study.db.execute(
        "SELECT action FROM dilemma_history WHERE dilemma_id = ? ORDER BY rowid", [item_id])]


async def test_accept_relabel_undo_are_saved_with_history(valact_study):
    study = valact_study
    scenarios = [s.model_copy(update={"status": "draft"}) for s in make_scenarios(3)]
    scenarios[0] = scenarios[0].model_copy(update={"scenario": NASTY})
    item_store.save_many(study, get_design("valact"), scenarios, who="gen", action="import")
    load_into(study, read_questionnaire(DEMO_FILE), who="t")
    app = ValueGapApp(study)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ValActReviewScreen)
        assert len(screen.items) == 3  # the questionnaire's items are listed only on request
        detail = str(screen.query_one("#valact-detail", Static).render())
        assert "[bold]x[/]" in detail and "\x1b" not in detail  # shown as text, never markup or escapes
        first = scenarios[0]
        assert all(f"{k}. " in detail for k in range(1, 5))
        await pilot.press("a")
        assert stored(study, first.id).status == "accepted"
        screen.query_one("DataTable").move_cursor(row=0)
        old = first.values()
        target = old[2]  # give action 1 the value action 3 enacts: the two swap
        await pilot.press("1")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index(target)
        await pilot.press("enter")
        await pilot.pause()
        assert stored(study, first.id).values() == [old[2], old[1], old[0], old[3]]
        await pilot.press("u")
        assert stored(study, first.id).values() == old
        assert stored(study, first.id).status == "accepted"
        await pilot.press("u")
        assert stored(study, first.id).status == "draft"
        assert history(study, first.id) == ["import", "accept", "relabel", "undo", "undo"]
        await pilot.press("t")
        assert len(screen.items) == 23
