"""How a report figure is saved: each of its files is drawn once (no dry run to lay out a figure whose
layout is done), and every file is byte for byte the one drawn when each file was drawn twice."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import figure_files
from valuegap_tui.report.comparison_figures import RUN_FIGURES, draw_run_figure
from valuegap_tui.report.figure_formats import FORMATS, drawn_as
from valuegap_tui.report.figures import FIGURES, draw_model_figure
from valuegap_tui.report.writer import choices_by_condition

#: the figures matplotlib lays out as it draws them (a constrained layout): their PNG is laid out first
CONSTRAINED = {"position", *RUN_FIGURES}


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


@pytest.fixture(scope="module")
def drawn_from():
    frame = synthetic_frame(models=("model-a", "model-b"), topics=2, repeats=2, seed=4)
    results = compute_results(frame)
    return results, choices_by_condition(frame, results)


def _draw(name: str, drawn_from, folder) -> dict[str, bytes]:
    results, per_condition = drawn_from
    folder.mkdir(exist_ok=True)
    with drawn_as(FORMATS):
        if name in RUN_FIGURES:
            png = draw_run_figure(results, name, folder, "Run 1")
        else:
            png = draw_model_figure(results, name, "model-a", folder / f"{name}.png", "Run 1",
                                    per_condition["model-a"])
    assert png is not None, name
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", [*RUN_FIGURES, *FIGURES])
def test_each_file_of_a_figure_is_drawn_once(name, drawn_from, tmp_path, monkeypatch):
    draws = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: draws.append(fig) or real(fig, renderer))
    files = _draw(name, drawn_from, tmp_path)
    assert len(files) == len(FORMATS)
    # one drawing per file; a constrained layout is worked out once, for the PNG (a dry run), and kept
    assert len(draws) == len(FORMATS) + (name in CONSTRAINED), name


@pytest.mark.parametrize("name", [*RUN_FIGURES, *FIGURES])
def test_each_file_is_the_one_drawn_twice_as_before(name, drawn_from, tmp_path, monkeypatch):
    now = _draw(name, drawn_from, tmp_path / "now")
    # before: the layout engine was left as a placeholder, so every file was laid out in a dry run first
    monkeypatch.setattr(figure_files, "laid_out", lambda fig: fig.set_layout_engine("none"))
    before = _draw(name, drawn_from, tmp_path / "before")
    assert now == before
