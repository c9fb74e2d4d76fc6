"""A report PDF's fonts are subset without the layout tables no viewer reads: every other part of the
file is the one matplotlib's own subset gives, and every glyph the page names has the same outline and
width as in matplotlib's subset, so the page is drawn the same."""

from __future__ import annotations

import io
import re
import zlib

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib.backends import _backend_pdf_ps

from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.metrics.synthetic import synthetic_frame
from valuegap_tui.report import pdf_fonts
from valuegap_tui.report.figure_formats import drawn_as
from valuegap_tui.report.figures import draw_model_figure

#: matplotlib's subsetter is a private name (matplotlib is pinned): where a release moves it, matplotlib's
#: own is kept and this says what to change
MOVED = (f"matplotlib {matplotlib.__version__}: _backend_pdf_ps.get_glyphs_subset or SubsetResults moved; "
         "change valuegap_tui/report/pdf_fonts.py, or keep the pin in pyproject.toml")
_OBJECT = re.compile(rb"\n(\d+) 0 obj\n(.*?)\nendobj", re.S)


pytestmark = pytest.mark.usefixtures("fixed_file_stamps")


@pytest.fixture(scope="module")
def results():
    return compute_results(synthetic_frame(models=("model-a",), topics=2, repeats=2, seed=4))


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object of a PDF matplotlib wrote: its dictionary and its stream (inflated), if it has one."""
    found = {}
    for number, body in _OBJECT.findall(data):
        head, marker, rest = body.partition(b"\nstream\n")
        stream = rest.rsplit(b"\nendstream", 1)[0] if marker else None
        if stream is not None and b"/FlateDecode" in head:
            stream = zlib.decompress(stream)
        found[int(number)] = (head, stream)
    return found


def _refs(objects, key: bytes) -> set[int]:
    return {int(n) for head, _ in objects.values() for n in re.findall(rb"/%s (\d+) 0 R" % key, head)}


def _fonts(objects) -> list[tuple[TTFont, list[int]]]:
    """Each embedded font with its CIDToGIDMap (a glyph index per character code)."""
    fonts = []
    for head, _ in objects.values():
        if b"/CIDFontType2" in head:
            descriptor = objects[int(re.search(rb"/FontDescriptor (\d+) 0 R", head).group(1))][0]
            file = objects[int(re.search(rb"/FontFile2 (\d+) 0 R", descriptor).group(1))][1]
            to_gid = objects[int(re.search(rb"/CIDToGIDMap (\d+) 0 R", head).group(1))][1]
            gids = [int.from_bytes(to_gid[i:i + 2], "big") for i in range(0, len(to_gid), 2)]
            fonts.append((TTFont(io.BytesIO(file)), gids))
    return fonts


def _glyph(font: TTFont, gid: int):
    name = font.getGlyphName(gid)
    coordinates, ends, flags = font["glyf"][name].getCoordinates(font["glyf"])
    return list(coordinates), list(ends), bytes(flags), font["hmtx"][name]


@pytest.mark.parametrize("name", ["kinds", "alignment_heatmap"])
def test_the_pdf_is_matplotlibs_but_for_its_fonts_layout_tables(name, results, tmp_path, monkeypatch):
    with drawn_as(("png", "pdf")), matplotlib.rc_context({"pdf.compression": 6}):
        ours = draw_model_figure(results, name, "model-a", tmp_path / "ours.png", "Run 1").with_suffix(".pdf")
        assert _backend_pdf_ps.get_glyphs_subset is pdf_fonts.subset, MOVED
        monkeypatch.setattr(_backend_pdf_ps, "get_glyphs_subset", pdf_fonts.matplotlibs_own())
        theirs = draw_model_figure(results, name, "model-a", tmp_path / "theirs.png", "Run 1").with_suffix(".pdf")
    mine, own = _objects(ours.read_bytes()), _objects(theirs.read_bytes())
    assert mine.keys() == own.keys()
    # what holds the subset font: the font file, its CID-to-glyph map, and their lengths
    font_parts = _refs(own, b"FontFile2") | _refs(own, b"CIDToGIDMap")
    lengths = {int(n) for k in font_parts for n in re.findall(rb"/Length (\d+) 0 R", own[k][0])}
    assert font_parts and _refs(mine, b"FontFile2") | _refs(mine, b"CIDToGIDMap") == font_parts
    for number in own.keys() - font_parts - lengths:  # the page, its text and every font dictionary
        assert mine[number] == own[number], number
    pairs = list(zip(_fonts(mine), _fonts(own)))
    assert pairs and len(_fonts(mine)) == len(_fonts(own))
    shown = 0
    for (font, gids), (their_font, their_gids) in pairs:
        assert "GPOS" in their_font and not {"GSUB", "GPOS", "GDEF"} & set(font.keys())
        assert len(gids) == len(their_gids)
        for cid, (gid, their_gid) in enumerate(zip(gids, their_gids)):
            if their_gid:  # a character the page uses: the same glyph
                assert _glyph(font, gid) == _glyph(their_font, their_gid), cid
                shown += 1
    assert shown > 20
    assert ours.stat().st_size < theirs.stat().st_size


def test_matplotlibs_own_subsetter_is_kept_to_compare_with():
    pdf_fonts.use_for_pdf()
    pdf_fonts.use_for_pdf()  # twice: still matplotlib's own kept, not ours
    assert _backend_pdf_ps.get_glyphs_subset is pdf_fonts.subset, MOVED
    assert pdf_fonts.matplotlibs_own() is not pdf_fonts.subset
    assert pdf_fonts.matplotlibs_own().__module__ == _backend_pdf_ps.__name__
