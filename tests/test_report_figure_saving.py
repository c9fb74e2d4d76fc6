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


@pytest.mark.parametrize("name", ["alignment_heatmap", "answer_choices", "position"])
def test_each_png_holds_the_pixels_matplotlib_writes(name, drawn_from, tmp_path, monkeypatch):
    """The PNG is written from matplotlib's own pixels, as RGB at zlib level 1 (opaque figures): decoded,
    the same pixels, size and resolution as matplotlib's ``savefig``, and a Software line of its own."""
    import numpy as np
    from PIL import Image

    now = tmp_path / "now"
    _draw(name, drawn_from, now)
    real = figure_files.write_png
    monkeypatch.setattr(figure_files, "write_png", lambda fig, path, dpi=figure_files.DPI: fig.savefig(path, dpi=dpi))
    _draw(name, drawn_from, tmp_path / "matplotlib")
    monkeypatch.setattr(figure_files, "write_png", real)
    ours, theirs = Image.open(now / f"{name}.png"), Image.open(tmp_path / "matplotlib" / f"{name}.png")
    assert ours.mode == "RGB" and theirs.mode == "RGBA" and ours.size == theirs.size
    assert ours.info["dpi"] == theirs.info["dpi"] and ours.info["Software"] == theirs.info["Software"]
    assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs))
    # the other formats are untouched
    for suffix in (".pdf", ".svg"):
        assert (now / f"{name}{suffix}").read_bytes() == (tmp_path / "matplotlib" / f"{name}{suffix}").read_bytes()


def test_a_png_with_transparent_pixels_keeps_them(tmp_path):
    import numpy as np
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(2, 1))
    fig.patch.set_alpha(0.0)  # a see-through background: RGBA, as matplotlib writes it
    ax.plot([0, 1], [0, 1])
    figure_files.write_png(fig, tmp_path / "clear.png")
    fig.savefig(tmp_path / "theirs.png", dpi=figure_files.DPI)
    plt.close(fig)
    ours, theirs = Image.open(tmp_path / "clear.png"), Image.open(tmp_path / "theirs.png")
    assert ours.mode == "RGBA" and np.array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("name", ["answer_choices", "position"])
def test_labels_left_out_of_the_layout_leave_every_file_as_it_was(name, drawn_from, tmp_path, monkeypatch):
    """The labels inside cells and bars are not measured by the layout (they cannot move it): every file
    is byte for byte the one drawn with them measured."""
    import matplotlib.text

    now = _draw(name, drawn_from, tmp_path / "now")
    monkeypatch.setattr(matplotlib.text.Text, "set_in_layout", lambda self, value: None)  # all measured, as before
    assert _draw(name, drawn_from, tmp_path / "before") == now
