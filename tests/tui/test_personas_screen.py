from __future__ import annotations

from textual.widgets import Static

from tests.helpers.personas_screen import open_on, settle
from valuegap_tui.personas import Persona, generate_personas
from valuegap_tui.store import personas as persona_store
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens.personas import LevelsTable
from valuegap_tui.tui.widgets.persona_map import MapPoint, render_map


async def test_keys_change_levels_and_are_stored(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_on(pilot, "moderate-secular-survival")
        await pilot.press("e")  # focus the levels; cursor on the first variable (religiosity)
        assert isinstance(app.focused, LevelsTable)
        await pilot.press("right")
        await settle(pilot)
        stored = persona_store.get(study, "moderate-secular-survival")
        assert stored.levels["religiosity"] == 4
        assert stored.kind == "moderate"  # one extreme level still fits a moderate persona
        await pilot.press("down", "1")  # child rearing to the traditional pole: no longer moderate
        await settle(pilot)
        original = persona_store.get(study, "moderate-secular-survival")
        assert original.kind == "moderate" and original.levels["child_rearing"] == 3  # untouched
        copy = persona_store.get(study, "custom-secular-survival")
        assert copy.kind == "custom" and copy.levels["child_rearing"] == 1 and copy.levels["religiosity"] == 4
        assert copy.name.startswith("custom") and "saved as new custom persona" in str(
            screen.query_one("#persona-status", Static).render())
        await settle(pilot)
        assert screen.selected_id == "custom-secular-survival"
        preview = str(screen.query_one("#persona-preview-text", Static).render())
        assert "obedience and faith above all" in preview and "highly secular" in preview


async def test_incongruous_keeps_its_kind_while_it_fits(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_on(pilot, "incongruous-1")
        before = persona_store.get(study, "incongruous-1")
        await pilot.press("e", "down", "down", "down", "down", "down", "down", "down", "down", "down")
        await pilot.press("3" if before.levels["gender_equality"] != 3 else "2")
        await settle(pilot)
        after = persona_store.get(study, "incongruous-1")
        assert after.levels["gender_equality"] != before.levels["gender_equality"]
        assert after.kind == "incongruous"


async def test_duplicate_and_delete(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_on(pilot, "max-secular-survival")
        await pilot.press("d")
        await settle(pilot)
        copy = persona_store.get(study, "max-secular-survival-copy")
        assert copy is not None and copy.levels == persona_store.get(study, "max-secular-survival").levels
        screen = await open_on(pilot, "max-secular-survival-copy")
        await pilot.press("x")
        await settle(pilot)
        assert persona_store.exists(study, "max-secular-survival-copy")  # first x only asks
        await pilot.press("x")
        await settle(pilot)
        assert not persona_store.exists(study, "max-secular-survival-copy")
        assert "max-secular-survival-copy" not in [p.id for p in screen.personas]


async def test_delete_refused_when_a_run_uses_it(study):
    persona_store.save_many(study, generate_personas())
    with study.transaction() as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'run_personas'").fetchone():
            db.execute("CREATE TABLE run_personas (run_id INTEGER, persona_id TEXT)")
            db.execute("INSERT INTO run_personas (run_id, persona_id) VALUES (3, 'incongruous-2')")
        else:
            db.execute(
                "INSERT INTO runs (id, name, definition_json, config_hash, status, created_at)"
                " VALUES (3, 'r', '{}', 'h', 'planned', 'now')"
            )
            db.execute("INSERT INTO run_personas (run_id, persona_id, name, kind) VALUES (3, 'incongruous-2', 'n', 'incongruous')")
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_on(pilot, "incongruous-2")
        await pilot.press("x", "x")
        await settle(pilot)
        assert persona_store.exists(study, "incongruous-2")
        assert "used by run 3" in str(screen.query_one("#persona-status", Static).render())


async def test_generate_key_fills_an_empty_study_and_baseline_cannot_be_edited(study):
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert len(persona_store.list_all(study)) == 1 + 3 * 8  # the baseline and 8 personas of each kind
        screen = await open_on(pilot, "baseline")
        await pilot.press("e", "right")
        await settle(pilot)
        assert persona_store.get(study, "baseline").levels == {}
        assert "baseline has no levels" in str(screen.query_one("#persona-status", Static).render())


async def test_names_are_shown_literally(study):
    levels = generate_personas()[1].levels
    persona_store.save(study, Persona(id="odd", name="[bold]x[/] [link=http://x]y", kind="custom", levels=levels))
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        summary = str(app.screen.query_one("#persona-summary", Static).render())
        assert "[bold]x[/] [link=http://x]y" in summary


def test_map_places_markers_by_position_and_highlights_the_selection():
    points = [MapPoint("a", "max", -1, 1), MapPoint("b", "max", 1, -1), MapPoint("c", "baseline", 0, 0)]
    text = render_map(points, "b", 41, 15)
    rows = text.plain.split("\n")
    assert len(rows) == 15 and all(len(r) == 41 for r in rows)
    cells = {(r, c): ch for r, row in enumerate(rows) for c, ch in enumerate(row)}
    max_cells = sorted(k for k, ch in cells.items() if ch == "M")
    assert max_cells[0] == (1, 0)  # traditional/self-expression: top left
    assert max_cells[1][1] == 40 and max_cells[1][0] > 8  # secular/survival: bottom right
    (axis_row,) = [r for r in range(len(rows)) if cells[(r, 1)] == "─"]
    assert cells[(axis_row, 20)] == "o"  # the baseline sits where the axes cross
    assert "self-expression" in rows[0] and "survival" in rows[-2] and "trad" in rows[-2]
    selected = [span for span in text.spans if "reverse" in str(span.style)]
    assert len(selected) == 1


async def test_the_header_count_follows_an_edit_that_makes_a_custom_persona(study):
    persona_store.save_many(study, generate_personas())
    app = ValueGapApp(study, start_mode="personas")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_on(pilot, "moderate-secular-survival")
        counts = lambda: str(screen.query_one("#persona-counts", Static).render())  # noqa: E731
        total = len(persona_store.list_all(study))
        assert f"{total} personas" in counts() and "custom" not in counts()
        await pilot.press("e", "right", "down", "1")  # no longer moderate: saved as a new custom persona
        await settle(pilot)
        for _ in range(40):
            if "custom 1" in counts():
                break
            await pilot.pause(0.1)
        assert f"{total + 1} personas" in counts() and "custom 1" in counts()
