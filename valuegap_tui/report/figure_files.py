"""What every report figure shares: its files (PNG, and as asked PDF and SVG with text kept as text;
``figure_formats.py``), its drawing settings, file-name-safe model names, names cut to fit and the colours. Needs matplotlib (Agg backend)."""

from __future__ import annotations

import importlib
import re
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from valuegap_tui.report.figure_formats import FORMATS, current_formats  # noqa: E402,F401  (FORMATS: figures.py takes it from here)
from valuegap_tui.report.pdf_fonts import use_for_pdf  # noqa: E402

VALUE_COLOUR, ACTION_COLOUR = "#4c72b0", "#dd8452"
#: one colour per model where models stand side by side (colour-blind safe, Okabe-Ito), then repeated
MODEL_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
#: while a figure is drawn: names as written, never read as mathtext (a model called "a$b$")
DRAW_RC = {"text.parse_math": False}
#: while it is saved: SVG text as <text> elements a person can edit, PDF fonts embedded as TrueType (42)
SAVE_RC = {"svg.fonttype": "none", "pdf.fonttype": 42}


def figure_slug(model: str) -> str:
    """A file-name-safe form of a model name ("Qwen/Qwen3-8B" -> "Qwen_Qwen3-8B")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._") or "model"


@contextmanager
def figure_style():
    """The report's drawing settings, around every figure's drawing (the designs' hooks too)."""
    with plt.rc_context(DRAW_RC):
        yield


def import_backends(formats: tuple[str, ...]) -> None:
    """Import the matplotlib backends that write ``formats`` (the PDF's brings fontTools' subsetter,
    about 0.4 s of CPU) here, before the drawing workers are forked: each worker would otherwise import
    them itself."""
    for fmt in formats:
        if fmt != "png":  # Agg, pyplot's own
            importlib.import_module(f"matplotlib.backends.backend_{fmt}")


def files_of(png: Path) -> list[Path]:
    """The files written for the figure ``png``: the PNG and its twins in the formats being drawn."""
    return [png.with_suffix(f".{fmt}") for fmt in current_formats()]


def save_figure(fig, path: Path, rect=(0, 0, 1, 1)) -> Path:
    """``path`` (.png) and its twins in the formats being drawn (.pdf, .svg; ``figure_formats.drawn_as``);
    returns the PNG. ``rect``: the part of the figure for
    the axes (None: the figure lays itself out, a constrained layout)."""
    if rect is not None:
        fig.tight_layout(rect=rect)
        laid_out(fig)
    with plt.rc_context(SAVE_RC):
        for fmt in current_formats():  # the PNG first
            if fmt == "pdf":
                use_for_pdf()  # its fonts subset without the tables no viewer reads
            if fmt == "png":
                write_png(fig, path, DPI)
            else:
                fig.savefig(path.with_suffix(f".{fmt}"), dpi=DPI)
            # a figure that lays itself out did so for the PNG, the first format: the others keep that
            # layout rather than work it out again (most of their drawing time), so all three agree
            laid_out(fig)
            if fmt == "png":
                cells_as_they_are(fig)
    plt.close(fig)
    return path


#: the figures' resolution in the PNG (the PDF and SVG are vector: it sets only their images of cells)
DPI = 120


def write_png(fig, path: Path, dpi: int = DPI) -> None:
    """The figure's PNG at ``path``: the pixels matplotlib draws for ``savefig(path, dpi=dpi)``, with
    its metadata, written as RGB where every pixel is opaque (a report's figures are) and compressed at
    zlib level 1. matplotlib writes RGBA at level 6: encoding was up to a third of a large figure's
    PNG (a 4080 x 1560 heatmap: 0.19 s to encode against 0.13 s at level 1, 0.11 s as RGB), and the
    files come out about the same size, since a fourth channel that is 255 everywhere still costs."""
    import io

    import numpy as np
    from PIL import Image, PngImagePlugin

    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi)
    renderer = getattr(fig.canvas, "renderer", None)
    width, height = (int(getattr(renderer, "width", 0)), int(getattr(renderer, "height", 0)))
    if width * height * 4 != raw.getbuffer().nbytes:  # another canvas drew it: matplotlib writes the file
        fig.savefig(path.with_suffix(".png"), dpi=dpi)
        return
    pixels = np.frombuffer(raw.getbuffer(), dtype=np.uint8).reshape(height, width, 4)
    opaque = bool((pixels[..., 3] == 255).all())
    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]) if opaque else pixels)  # RGB or RGBA
    info = PngImagePlugin.PngInfo()  # what matplotlib writes in every PNG
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    image.save(path.with_suffix(".png"), format="png", compress_level=1, dpi=(dpi, dpi), pnginfo=info)


def laid_out(fig) -> None:
    """The figure's layout is done: it keeps no layout engine. matplotlib draws a figure that has one
    twice per file, a dry run to lay it out and then the drawing, even where the engine is the
    placeholder that ``tight_layout`` leaves behind and lays out nothing: the dry run was a third of
    each file's time, for the same bytes. (A matplotlibrc asking for a layout on every figure is set
    aside here: it would bring an engine back.)"""
    with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


def cells_as_they_are(fig) -> None:
    """For the vector files, after the PNG: each image of cells (a heatmap) is written as its cells, one
    pixel a cell, which the viewer scales up without smoothing ('none'), instead of resampled to the page
    first ('nearest'): the same blocks of the same colours, sharp at any zoom, drawn in a fraction of the
    time (resampling a 56 x 25 heatmap to a page's worth of pixels and colouring each was most of its PDF
    and SVG). The PNG is drawn before this, resampled as ever."""
    for image in fig.findobj(AxesImage):
        if image.get_interpolation() == "nearest":
            image.set_interpolation("none")


def label_bar(ax, value: float, y: float, text: str, end: float = 1.0, room: float = 0.12, **style) -> None:
    """Write a bar's ``text`` beside its end, or inside the bar near its end (in white) where the axis
    (0 to ``end``) has less than ``room`` of its width left after the bar: a value never runs over the
    panel's edge or onto the next bar's label."""
    style = {"va": "center", "fontsize": 7, **style}
    if value > end * (1 - room):
        ax.text(value - 0.01 * end, y, text, ha="right", color="white", **style)
    else:
        ax.text(value + 0.01 * end, y, text, ha="left", **style)


def short_name(name: str, limit: int = 48) -> str:
    """A long name cut in the middle ("org/very-long…checkpoint-2000"), so two names that differ only at
    their end stay apart; the full names are in the tables."""
    name = str(name)
    if len(name) <= limit:
        return name
    keep = limit - 1
    return name[:keep - keep // 2] + "…" + name[len(name) - keep // 2:]
