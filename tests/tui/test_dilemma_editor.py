"""Writing a dilemma by hand in the Dilemmas screen, and reviewer notes."""

from __future__ import annotations

from textual.widgets import Input, Select, Static, TextArea

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.pilot import wait_for
from valuegap_tui.config import save_section
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, DilemmaStatus
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.dataset.transfer import read_dilemmas, write_dilemmas
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.dilemma_editor import NewDilemmaScreen

SCENARIO = "You find a wallet on the train with cash in it. Nobody saw you pick it up."
ACTIONS = ["Hand it to the conductor at once", "Post it to the address on the card", "Leave it on the seat",
           "Keep the cash and post the card", "Keep the cash and bin the rest", "Sell the card online"]
KEY_NAMES = {" ": "space", ".": "full_stop", ",": "comma"}


def keys(text: str) -> list[str]:
    return [KEY_NAMES.get(c, c) for c in text]


async def test_a_dilemma_written_from_nothing_by_keyboard_is_accepted_and_exports_exactly(study, tmp_path):
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(130, 50)) as pilot:
        screen = app.screen
        assert "write one (ctrl+n)" in str(screen.query_one("#dilemma-detail-text", Static).render())
        await pilot.press("ctrl+n")
        assert await wait_for(pilot, lambda: isinstance(app.screen, NewDilemmaScreen), timeout=5)
        form = app.screen
        assert "ctrl+a select all" in str(form.query_one("#new-hint", Static).render())
        await pilot.press("ctrl+s")  # empty: refused, the form stays
        assert app.screen is form and "pick a value and a topic" in str(form.query_one("#new-error").render())
        await pilot.press("enter", *keys("hon"), "enter")  # the value list, searched by typing
        await pilot.press("tab", "enter", *keys("pol"), "enter")  # the topic
        await pilot.press("tab", *keys(SCENARIO))
        for i, action in enumerate(ACTIONS):
            await pilot.press("tab", *keys(action), "tab")  # the action, then its label's list
            if i == 4:
                await pilot.press("enter", "down", "enter")  # moderately -> strongly opposing
        await pilot.press("ctrl+s")  # labels 5 and 6 are now both strongly opposing: refused
        assert app.screen is form and "label" in str(form.query_one("#new-error").render())
        await pilot.press("enter", "up", "enter")  # action 6: moderately opposing (a swap)
        assert form.query_one("#new-label-5", Select).value == AlignmentLabel.MODERATELY_OPPOSING.value
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: dilemma_store.get(study, "honest--politics--1") is not None)
        assert await wait_for(pilot, lambda: screen.dilemma is not None and screen.dilemma.id == "honest--politics--1")
        await pilot.press("a")  # accept
        assert await wait_for(pilot, lambda: dilemma_store.get(study, "honest--politics--1").status
                              == DilemmaStatus.ACCEPTED)
    written = dilemma_store.get(study, "honest--politics--1")
    assert written.scenario == SCENARIO and [o.text for o in written.options] == ACTIONS
    assert written.options[4].label == AlignmentLabel.STRONGLY_OPPOSING and written.provenance.source == "manual"
    assert [h.action for h in dilemma_store.history(study, written.id)][:1] == ["new"]
    out = tmp_path / "out.jsonl"
    write_dilemmas([written], out, "jsonl")
    again = read_dilemmas(out)
    assert [d.to_record() for d in again] == [written.to_record()]


async def test_duplicate_fills_the_form_and_saves_a_new_variant(study):
    original = make_dilemma(value="honest", topic="politics", variant=1, texts=ACTIONS)
    dilemma_store.save_many(study, [original], who="x", action="import")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(130, 50)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.dilemma is not None)
        await pilot.press("D")
        assert await wait_for(pilot, lambda: isinstance(app.screen, NewDilemmaScreen), timeout=5)
        form = app.screen
        assert form.query_one("#new-action-2", Input).value == ACTIONS[2]
        await pilot.press("tab", "tab", "ctrl+a", *keys("You hesitate"))  # a new scenario, typed over the old
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: dilemma_store.get(study, "honest--politics--2") is not None)
    copy = dilemma_store.get(study, "honest--politics--2")
    assert copy.scenario == "You hesitate" and [o.text for o in copy.options] == ACTIONS
    assert dilemma_store.get(study, original.id).scenario == original.scenario  # untouched


async def test_a_second_new_dilemma_takes_the_next_variant(study):
    dilemma_store.save_many(study, [make_dilemma(value="honest", topic="politics", variant=1)], who="x",
                            action="import")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("ctrl+n")
        assert await wait_for(pilot, lambda: isinstance(app.screen, NewDilemmaScreen), timeout=5)
        form = app.screen
        form.query_one("#new-value", Select).value = "honest"
        form.query_one("#new-topic", Select).value = "politics"
        form.query_one("#new-scenario", TextArea).text = SCENARIO
        for i, text in enumerate(ACTIONS):
            form.query_one(f"#new-action-{i}", Input).value = text
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: dilemma_store.get(study, "honest--politics--2") is not None)
    assert dilemma_store.get(study, "honest--politics--1").scenario != SCENARIO  # untouched


async def test_reviewer_notes_are_written_and_shown(study):
    dilemma_store.save_many(study, [make_dilemma(variant=1)], who="x", action="import")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(130, 50)) as pilot:
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.dilemma is not None)
        await pilot.press("m")
        editor = app.screen.query_one(TextArea)
        editor.text = "Action 3 reads as [b]neutral[/b]\x1b[31m"
        await pilot.press("ctrl+s")
        assert await wait_for(pilot, lambda: "Notes:" in str(screen.query_one("#dilemma-detail-text").render()))
        shown = str(screen.query_one("#dilemma-detail-text").render())
        assert "[b]neutral[/b]" in shown and "\x1b" not in shown  # markup literal, control shown visibly
    assert dilemma_store.get(study, make_dilemma(variant=1).id).notes.startswith("Action 3 reads as")
    history = dilemma_store.history(study, make_dilemma(variant=1).id)
    assert history[-1].action == "notes" and history[-1].who == "ann"
    from valuegap_tui.tui.screens.dilemmas import _describe_change
    assert _describe_change(history[-1].before, history[-1].after).startswith("notes: {+Action 3 reads as [b]")

