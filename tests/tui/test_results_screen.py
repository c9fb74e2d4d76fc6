"""The Results screen on a synthetic run: tables, heatmap, filters, and a study with no runs."""

from __future__ import annotations

from types import SimpleNamespace

from textual.widgets import DataTable, Select, Static

from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.tui.app import ValueGapApp
from valuegap_tui.tui.screens import results as results_module
from valuegap_tui.tui.widgets.heatmap import Heatmap, rate_style


async def _settle(app, pilot, predicate, tries=200):
    for _ in range(tries):
        await pilot.pause(0.05)
        if predicate():
            return
    raise AssertionError("screen did not settle")


async def test_no_runs_yet_is_explained(study):
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#results-status", Static)
        await _settle(app, pilot, lambda: "No runs yet" in str(status.render()))


async def test_results_show_one_model_at_a_time(study, monkeypatch):
    frame = synthetic_frame(models=("model-a", "model-b"), topics=2, seed=5)
    frame.persona.labels = tuple(l if l != "max-1" else "[bold]max[/]" for l in frame.persona.labels)
    run = SimpleNamespace(id=7, name="synthetic", status="finished")
    monkeypatch.setattr(results_module.run_store, "list_runs", lambda study: [run])
    monkeypatch.setattr(results_module.run_store, "load_answer_frame", lambda study, run_id: frame)
    app = ValueGapApp(study, start_mode="results")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = app.screen
        conditions = screen.query_one("#results-conditions", DataTable)
        values = screen.query_one("#results-values", DataTable)
        status = screen.query_one("#results-status", Static)
        heatmap = screen.query_one("#results-heatmap", Heatmap)
        await _settle(app, pilot, lambda: conditions.row_count == 4 and "intervals" not in str(status.render()))
        assert "Run #7, model model-a" in str(status.render())
        # one model's rows, never both: the first model until another is picked
        assert {str(conditions.get_row_at(i)[0]) for i in range(4)} == {"model-a"}
        first = [str(c) for c in conditions.get_row_at(0)]
        assert first[:3] == ["model-a", "baseline", "baseline"] and "[" in first[4]  # AR with its interval
        second = [str(c) for c in conditions.get_row_at(1)]
        assert second[5] != "–" and "[" in second[6] and "/" in second[7]  # baseline AR, change, Holm / BH
        # markup in a persona name is shown literally
        assert any("[bold]max[/]" in str(conditions.get_row_at(i)[1]) for i in range(conditions.row_count))
        heat = str(heatmap.render())
        assert "Model model-a" in heat and "Universalism" in heat and "Wisdom" in heat
        # the Values tab: the baseline's 56 values, ranked with an interval per rank
        assert values.row_count == 56 and "[" in str(values.get_row_at(0)[0])
        screen.query_one("#results-condition", Select).value = "moderate-1"
        await _settle(app, pilot, lambda: "moderate-1" in str(screen.query_one("#results-values-title", Static).render()))
        assert values.row_count == 56 and "/" in str(values.get_row_at(0)[7])  # adjusted p-values
        # another model: its own rows, heatmap and answers
        screen.query_one("#results-model", Select).value = "model-b"
        await _settle(app, pilot, lambda: "Model model-b" in str(heatmap.render())
                      and str(conditions.get_row_at(0)[0]) == "model-b")
        assert {str(conditions.get_row_at(i)[0]) for i in range(conditions.row_count)} == {"model-b"}
        await pilot.press("n")  # the next estimand: cell means
        await _settle(app, pilot, lambda: "model model-b" in str(status.render())
                      and f"repeats by {results_module.AGGREGATES[1]}" in str(status.render()))
        answers = str(screen.query_one("#results-answers", Static).render())
        assert "Strongly agree / Strongly aligning" in answers and "%" in answers


def test_heatmap_colours_run_red_to_blue():
    low, mid, high = rate_style(0.0), rate_style(0.5), rate_style(1.0)
    assert low.bgcolor.triplet.red > low.bgcolor.triplet.blue
    assert high.bgcolor.triplet.blue > high.bgcolor.triplet.red
    assert mid.bgcolor.triplet.red == mid.bgcolor.triplet.green == mid.bgcolor.triplet.blue
