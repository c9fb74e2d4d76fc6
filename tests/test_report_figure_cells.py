"""A heatmap's cells in each of a figure's files: the PNG resampled as it always was, the PDF and SVG holding
the cells themselves (one pixel a cell, scaled up by the viewer without smoothing), each cell the colour of
its number in the results."""

from __future__ import annotations

import base64
import io
import re
import zlib

import numpy as np
import pytest
from PIL import Image

from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import figure_files
from valuegap_tui.report.figures import draw_model_figure


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


@pytest.fixture(scope="module")
def results():
    frame = synthetic_frame(models=("model-a",), topics=2, repeats=2, seed=4)
    results = compute_results(frame)
    results.heatmaps["model-a"].rates[[3, 3, 40], [0, 1, 2]] = np.nan  # values a condition has no items of
    return results


def _cell_colours(rates: np.ndarray) -> np.ndarray:
    """Each cell's colour as the figure draws it: RdBu over 0..1, grey where there is no rate."""
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("RdBu").with_extremes(bad="#dddddd")
    return cmap(np.ma.masked_invalid(rates), bytes=True)


def _svg_images(path) -> list[tuple[str, np.ndarray]]:
    found = []
    for tag in re.findall(r"<image\b.*?/>", path.read_text(encoding="utf-8"), re.S):
        data = re.search(r'base64,([A-Za-z0-9+/=\s]+)"', tag).group(1)
        found.append((tag, np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA"))))
    return found


def test_the_heatmaps_vector_files_hold_its_cells_in_the_colours_of_its_rates(tmp_path, results):
    rates = results.heatmaps["model-a"].rates
    assert np.isnan(rates).any() and (~np.isnan(rates)).sum() > 10  # grey cells and coloured ones
    png = draw_model_figure(results, "alignment_heatmap", "model-a", tmp_path / "heat.png", "Heat")
    cells = [(tag, pixels) for tag, pixels in _svg_images(png.with_suffix(".svg")) if pixels.shape[:2] == rates.shape]
    assert len(cells) == 1  # the heatmap as its cells, not a page's worth of resampled pixels
    tag, pixels = cells[0]
    assert "image-rendering:pixelated" in tag  # scaled up as blocks, never smoothed
    assert np.array_equal(pixels, _cell_colours(rates))
    pdf = png.with_suffix(".pdf").read_bytes()
    images = re.findall(rb"/Subtype /Image.*?stream\n", pdf, re.S)
    heat = [i for i in images if re.search(rb"/Width %d\b" % rates.shape[1], i)
            and re.search(rb"/Height %d\b" % rates.shape[0], i)]
    assert len(heat) == 1 and b"/Interpolate true" not in heat[0]  # PDF's default: shown without smoothing


def test_the_heatmaps_png_is_drawn_as_before(tmp_path, results, monkeypatch):
    """The PNG comes before the vector files change how the image is drawn: byte for byte the PNG drawn
    when every file resampled the image."""
    now = draw_model_figure(results, "alignment_heatmap", "model-a", tmp_path / "now.png", "Heat")
    monkeypatch.setattr(figure_files, "cells_as_they_are", lambda fig: None)
    before = draw_model_figure(results, "alignment_heatmap", "model-a", tmp_path / "before.png", "Heat")
    assert now.read_bytes() == before.read_bytes()
    # the vector files differ only in how the image is held: the same text, in the same places
    texts = lambda p: re.sub(r"<image\b.*?/>", "", p.with_suffix(".svg").read_text(encoding="utf-8"), flags=re.S)
    assert texts(now) == texts(before)
