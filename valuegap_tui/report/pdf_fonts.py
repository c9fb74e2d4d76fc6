"""The fonts a report's PDF figures embed: each a subset of the glyphs the figure shows, without the
tables that only a program shaping text reads.

matplotlib embeds a PDF figure's fonts as TrueType (the report's ``pdf.fonttype`` 42), each cut by
fontTools to the glyphs the figure uses. Its subset keeps the font's OpenType layout tables (GSUB, GPOS,
GDEF) and works out which of their substitutions and kerning pairs touch the kept glyphs: for DejaVu Sans,
whose layout tables are large, that was most of each subset's time (0.05-0.18 s a subset, two subsets a
figure: about a fifth of drawing the report's figures as PNG and PDF). A PDF viewer never reads those
tables: matplotlib has already placed every glyph, kerning and ligatures included, and the page names the
glyphs it shows. The subset made here leaves them out, so each glyph, its outline and its width are the
ones matplotlib's own subset holds; the pages render pixel for pixel the same (tests/test_report_pdf_fonts.py
compares the glyphs; pdftoppm renders of the bench run's figures were compared by hand).

``use_for_pdf`` puts it in place of matplotlib's subsetter for this process (matplotlib is pinned; where
its subsetter is not found as expected, matplotlib's own is left in place).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

#: read only by text-shaping programs, never by a PDF viewer drawing placed glyphs
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH")
#: font-editor notes and metadata that no viewer reads (matplotlib leaves them out too)
EDITOR_TABLES = ("FFTM", "PfEd", "BDF", "meta")

_matplotlibs_own = None  # matplotlib's subsetter, once replaced
_replacing = threading.Lock()  # the app writes its reports from worker threads


def subset(fontfile, glyphs):
    """Stands in for matplotlib's ``get_glyphs_subset(fontfile, glyphs)``: the font at ``fontfile`` cut to
    the glyph indices ``glyphs``, as matplotlib's ``SubsetResults`` (the font, open, and each glyph's
    index in it), used as a context manager that closes the font."""
    from fontTools import subset as subsetting
    from matplotlib.backends import _backend_pdf_ps as pdf_ps

    options = subsetting.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += [*LAYOUT_TABLES, *EDITOR_TABLES]
    options.font_number = getattr(fontfile, "face_index", 0)  # one font of a collection (.ttc)
    font = subsetting.load_font(fontfile, options)
    subsetter = subsetting.Subsetter(options=options)
    subsetter.populate(gids=glyphs)
    subsetter.subset(font)
    return _closing(pdf_ps.SubsetResults(font, subsetter.glyph_index_map))


@contextmanager
def _closing(results):
    with results.font:
        yield results


def use_for_pdf() -> None:
    """From now on, this process's PDF figures embed fonts subset by ``subset`` (idempotent)."""
    global _matplotlibs_own
    from matplotlib.backends import _backend_pdf_ps as pdf_ps

    with _replacing:
        if _matplotlibs_own is not None or not hasattr(pdf_ps, "SubsetResults") \
                or not callable(getattr(pdf_ps, "get_glyphs_subset", None)):
            return  # in place already, or matplotlib's is not as expected: its own stays
        _matplotlibs_own = pdf_ps.get_glyphs_subset
        pdf_ps.get_glyphs_subset = subset


def matplotlibs_own():
    """matplotlib's own subsetter (to compare with), whether or not ``use_for_pdf`` replaced it."""
    from matplotlib.backends import _backend_pdf_ps as pdf_ps

    return _matplotlibs_own or pdf_ps.get_glyphs_subset
