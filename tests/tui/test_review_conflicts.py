"""Pilot: after two reviewers' exports are merged, the Dilemmas screen filters the conflicts and shows
what each reviewer decided side by side."""

from __future__ import annotations

import shutil

from textual.widgets import DataTable, Input

from valuegap_tui.review import decisions as review
from valuegap_tui.review import merge as review_merge
from valuegap_tui.config import save_section
from valuegap_tui.designs.graded_actions.models import AlignmentLabel
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.dilemmas import DilemmasScreen
from valuegap_tui.tui.screens.review_conflicts import ReviewersSideBySide
from valuegap_tui.tui.widgets.labels import SHORT
from tests.helpers.dilemmas import make_dilemma


def _merged_study(tmp_path):
    master = open_study(tmp_path / "master.db", create=True)
    dilemmas = [make_dilemma(variant=v) for v in (1, 2, 3, 4)]
    dilemma_store.save_many(master, dilemmas, who="generator", action="create")
    master.close()
    d1, d2, d3, _ = (d.id for d in dilemmas)
    for name, decisions in (("ann", {d1: "accept", d2: "accept", d3: "needs-edit"}),
                            ("bob", {d1: "reject", d2: "accept"})):
        shutil.copy(tmp_path / "master.db", tmp_path / f"{name}.db")
        copy = open_study(tmp_path / f"{name}.db")
        for dilemma_id, decision in decisions.items():
            review.decide(copy, dilemma_id, decision, reviewer=name)
        if name == "bob":
            review.relabel(copy, d3, 0, AlignmentLabel.MILDLY_ALIGNING, reviewer="bob")
            review.decide(copy, d3, "accept", reviewer="bob")
        review_merge.write_export(copy, name, tmp_path / f"{name}.json")
        copy.close()
    master = open_study(tmp_path / "master.db")
    review_merge.merge(master, [tmp_path / "ann.json", tmp_path / "bob.json"])
    return master, (d1, d2, d3)


async def test_conflict_filter_and_side_by_side_view(tmp_path):
    study, (d1, d2, d3) = _merged_study(tmp_path)
    save_section("reviewer", {"name": "cy"})
    app = ValueGapApp(study)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, DilemmasScreen)
        await pilot.press("slash")
        box = screen.query_one("#review-filter", Input)
        box.value = "conflict:yes"
        await pilot.press("enter")
        await pilot.pause()
        # d2: both accepted the same labels, no conflict; d4: nobody reviewed it
        assert [r.id for r in screen.filtered] == [d1, d3]
        assert screen.dilemma.id == d1
        await pilot.press("C")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, ReviewersSideBySide)
        table = view.query_one("#reviewers-table", DataTable)
        assert [str(c.label) for c in table.columns.values()][1:] == ["ann", "bob"]
        assert [str(c) for c in table.get_row("decision")] == ["decision", "accept", "reject"]
        assert "decisions ann accept, bob reject" in str(view.query_one("#reviewers-heading").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("j", "C")
        await pilot.pause()
        table = app.screen.query_one("#reviewers-table", DataTable)
        assert [str(c) for c in table.get_row("decision")] == ["decision", "needs-edit", "accept"]
        assert [str(c) for c in table.get_row("action-0")][1:] == ["-", SHORT[AlignmentLabel.MILDLY_ALIGNING]]
        await pilot.press("escape")
        await pilot.pause()
        # blind mode keeps the other reviewers hidden
        await pilot.press("b", "C")
        await pilot.pause()
        assert app.screen is screen
    study.close()


async def test_history_view_shows_what_changed(study):
    d = make_dilemma(scenario="You see a child take an apple from the stall at the market today.")
    dilemma_store.save(study, d, who="generator", action="create")
    review.edit_text(study, d.id, "scenario", "You see a boy take an apple from the stall at the market today.",
                     reviewer="ann")
    review.relabel(study, d.id, 0, AlignmentLabel.MILDLY_ALIGNING, reviewer="ann")
    save_section("reviewer", {"name": "ann"})
    app = ValueGapApp(study)
    async with app.run_test(size=(200, 45)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        shown = str(app.screen.query_one("#review-view-text").render())
        assert "[-child-] {+boy+}" in shown
        assert "action 1 label strongly_aligning (+3) -> mildly_aligning (+1)" in shown
