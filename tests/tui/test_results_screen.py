"""The Results screen on a synthetic run: keys and palette, the compact and the wide form, heatmap codes
and cursor, per-condition answers, kinds, values and topics, and a study with no runs."""

from __future__ import annotations

from textual.widgets import DataTable, Select, Static, TabbedContent

from tests.helpers.pilot import palette_entries
from tests.helpers.results_app import LONG, intervals_shown, settle, use_fixed_run
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens import results as results_module
from valuegap_tui.tui.widgets.heatmap import Heatmap, condition_codes, rate_style


#: What the palette must offer on the Results screen, written out (not read from its bindings)
RESULTS_PALETTE = {f"Results: {title}": f"key: {key}" for title, key in [
    ("Tab: Conditions", "1"), ("Tab: Kinds", "2"), ("Tab: Heatmap", "3"), ("Tab: Answers", "4"),
    ("Tab: Values", "5"), ("Tab: Topics", "6"), ("Tab: Design", "7"), ("Tab: Respondents", "8"),
    ("Tab: Protocols", "9"),
    ("Next model", "m"), ("Next condition", "c"), ("Next topic", "t"), ("Next estimand", "n"),
    ("Logprobs: distribution / top letter", "l"), ("Layout", "w"), ("Recompute", "r"), ("Write report", "R"),
]}


async def test_no_runs_yet_is_explained(study):
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#results-status", Static)
        await settle(pilot, lambda: "No runs yet" in str(status.render()))


async def test_compact_form_at_100_columns_shows_levels_changes_intervals_and_p(study, monkeypatch):
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        conditions = screen.query_one("#results-conditions", DataTable)
        await settle(pilot, lambda: intervals_shown(screen) and conditions.row_count == 4)
        assert len(conditions.columns) == 3
        assert sum(c.get_render_width(conditions) for c in conditions.columns.values()) <= 100 - 2
        ar, ad = (str(c) for c in conditions.get_row_at(1)[1:])
        for cell in (ar, ad):
            level, change, adjusted = cell.split("\n")
            assert "[" in level and change.startswith("Δ") and "[" in change and " p " in change
            assert adjusted.startswith("adj Δ") and "[" in adjusted  # the change adjusted for position
        assert str(conditions.get_row_at(1)[0]).split("\n")[1].startswith("pos ")  # the share by letter
        # names are cut in the table and whole (markup shown literally) on the cursor line
        names = [str(conditions.get_row_at(i)[0]).split("\n")[0] for i in range(4)]
        assert any(n.endswith("…") for n in names) and "[bold red]max[/]" in " ".join(names)
        await pilot.press("down")
        assert LONG in str(screen.query_one("#results-detail", Static).render())
        status = str(screen.query_one("#results-status", Static).render())
        assert "estimand pairs (every value repeat with every action repeat)" in status
        assert "repeats by" not in status
        await pilot.press("w")  # the wide form on demand
        await settle(pilot, lambda: len(conditions.columns) == 8)


async def test_keys_reach_every_tab_and_view_option(study, monkeypatch):
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        tabs = screen.query_one("#results-tabs", TabbedContent)
        await settle(pilot, lambda: intervals_shown(screen))
        assert len(screen.query_one("#results-conditions", DataTable).columns) == 8  # wide at 160
        for key, (tab, _title) in zip("123456", results_module.TABS):
            await pilot.press(key)
            assert tabs.active == f"results-tab-{tab}"
        listed = await palette_entries(pilot)
        assert {title: hint for title, hint in listed.items() if title.startswith("Results: ")} == RESULTS_PALETTE
        heatmap = screen.query_one("#results-heatmap", Heatmap)
        await pilot.press("3")
        heat = str(heatmap.render())
        assert "Model model-a" in heat and "  B " in heat and "M1" in heat and "X1" in heat and "I1" in heat
        assert LONG in heat and "▶ Social Power" in heat  # legend in full, cursor row's value in full
        await pilot.press("down")
        assert "▶ Authority" in str(heatmap.render())
        await pilot.press("4")
        answers = str(screen.query_one("#results-answers-conditions", Static).render())
        assert "baseline" in answers and answers.count(" v ") == 4 and "%" in answers
        await pilot.press("2")
        chart = str(screen.query_one("#results-kind-chart", Static).render())
        assert "incongruous" in chart and "Δ" in chart and "Holm-adjusted" in chart
        assert "Adjusted for extremity" in chart and "0.600" in chart  # the incongruous persona's extremity
        await pilot.press("c")  # the next condition, on the Values and the Topics tab
        condition = screen.query_one("#results-condition", Select)
        assert condition.value == LONG
        await pilot.press("5")
        values = screen.query_one("#results-values", DataTable)
        # closing the palette resumed the screen, which computes again unless the intervals are kept by
        # then: the rows come back with their intervals
        await settle(pilot, lambda: LONG in str(screen.query_one("#results-values-title", Static).render())
                     and values.row_count and "[" in str(values.get_row_at(0)[0]))
        assert values.row_count == 56 and "[" in str(values.get_row_at(0)[0]) and "/" in str(values.get_row_at(0)[7])
        await pilot.press("6")
        topics = screen.query_one("#results-topics", DataTable)
        assert topics.row_count == 2
        ads = [float(str(topics.get_row_at(i)[2]).split()[0]) for i in range(2)]
        assert "[" in str(topics.get_row_at(0)[2]) and "[" in str(topics.get_row_at(0)[3])  # with intervals
        assert ads == sorted(ads, reverse=True)
        await pilot.press("m")  # the next model: its own rows
        await settle(pilot, lambda: "org/model [i]b[/i]" in str(screen.query_one("#results-status", Static).render())
                      and intervals_shown(screen))
        await pilot.press("n")  # the next estimand: cell means
        await settle(pilot, lambda: "estimand cell means" in str(screen.query_one("#results-status", Static).render()))
        await pilot.press("t")  # a topic filter
        assert screen.query_one("#results-topic", Select).value is not Select.NULL


def test_condition_codes_tell_kinds_apart():
    kinds = {"baseline": "baseline", "a": "moderate", "b": "moderate", "c": "max", "d": "incongruous", "e": "custom"}
    assert condition_codes(list(kinds), kinds) == ["B", "M1", "M2", "X1", "I1", "C1"]


def test_heatmap_colours_run_red_to_blue():
    low, mid, high = rate_style(0.0), rate_style(0.5), rate_style(1.0)
    assert low.bgcolor.triplet.red > low.bgcolor.triplet.blue
    assert high.bgcolor.triplet.blue > high.bgcolor.triplet.red
    assert mid.bgcolor.triplet.red == mid.bgcolor.triplet.green == mid.bgcolor.triplet.blue


async def test_kinds_tab_names_how_many_personas_each_kind_rests_on(study, monkeypatch):
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen))
        await pilot.press("2")
        kinds = screen.query_one("#results-kinds", DataTable)
        await settle(pilot, lambda: kinds.row_count == 4)
        names = [str(kinds.get_row_at(i)[0]) for i in range(kinds.row_count)]
        assert names[1] == "moderate\n1 persona", names
        title = str(screen.query_one("#results-kinds-title", Static).render())
        assert "personas - 1 degrees of freedom" in title


async def test_the_values_tab_shows_each_change_its_p_and_d_z_in_their_own_columns(study, monkeypatch):
    """Each change cell (ΔAD, p, d_z, ΔAR, p, d_z) in its column: they were drawn as two tuples of texts."""
    use_fixed_run(monkeypatch)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: intervals_shown(screen) and screen.drawn)
        await pilot.press("5")
        values = screen.query_one("#results-values", DataTable)
        await settle(pilot, lambda: values.row_count == 56)
        await pilot.press("c")  # the first condition after the baseline
        await settle(pilot, lambda: "baseline" not in str(screen.query_one("#results-values-title", Static).render())
                     .split(" (c: next")[0])
        for i in range(values.row_count):
            cells = [str(cell) for cell in values.get_row_at(i)]
            assert len(cells) == len(values.columns) == 12
            ad_change, ad_p, ad_dz, ar_change, ar_p, ar_dz = cells[6:]
            for change in (ad_change, ar_change):
                assert change[:1] in "+-–" and "[" in change, change
            for p in (ad_p, ar_p):
                assert " / " in p, p
            assert not any("<text" in cell for cell in cells)
