"""Which files a report writes for each figure: always the PNG (the summary shows it), and beside it the
PDF, the SVG, both or neither; and whether it draws the models side by side (``run_models``). Drawing
every figure in every format is most of a report's time at a large run, so the command and the app write
PNG and PDF unless asked for more (docs/metrics.md, "Figures").
No pyplot here: the formats are read before anything is drawn."""

from __future__ import annotations

from contextlib import contextmanager

#: every format a figure can be written as, in the order they are drawn (the PNG first: a figure that
#: lays itself out does so for the PNG, and the others keep that layout)
FORMATS = ("png", "pdf", "svg")
#: what `valuegap report` and the app write unless asked: the PDF for the paper (vector, fonts embedded),
#: the PNG to look at and for summary.md; the SVG (text editable in Inkscape or Illustrator) on request
DEFAULT_FORMATS = ("png", "pdf")

#: the formats figures are being written as now (``drawn_as``); one report draws at a time in a process
_current = FORMATS


def parse_formats(text: str) -> tuple[str, ...]:
    """``"pdf,svg"`` -> ``("png", "pdf", "svg")``: the formats named, in drawing order, the PNG always;
    ValueError with a line that says what to write for a name that is not a format."""
    names = [name.strip().lower().lstrip(".") for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown figure format {unknown[0]!r}: give some of {', '.join(FORMATS)}, "
                         "comma-separated (the PNG is always written)")
    return tuple(fmt for fmt in FORMATS if fmt == "png" or fmt in names)


def suffixes(formats: tuple[str, ...]) -> tuple[str, ...]:
    """``(".png", ".pdf")`` for ``("png", "pdf")``."""
    return tuple(f".{fmt}" for fmt in formats)


def current_formats() -> tuple[str, ...]:
    """The formats the figure being drawn is written as (``drawn_as``; every format outside one)."""
    return _current


@contextmanager
def drawn_as(formats: tuple[str, ...]):
    """Around drawing a report's figures (and forking the processes that draw them): each is written as
    ``formats`` (the PNG always)."""
    global _current
    if "png" not in formats or not set(formats) <= set(FORMATS):
        raise ValueError(f"figure formats must include png and be among {FORMATS}: {formats}")
    before, _current = _current, tuple(fmt for fmt in FORMATS if fmt in formats)
    try:
        yield
    finally:
        _current = before


def files_text(formats: tuple[str, ...]) -> str:
    """Where each figure's other files are, as the summary says it (every format: as it always said)."""
    others = [fmt.upper() for fmt in formats if fmt != "png"]
    if not others:
        return "PNG only; PDF and SVG with `valuegap report --formats png,pdf,svg`"
    text = f"each also as {' and '.join(others)} beside the PNG, {'their' if len(others) > 1 else 'its'} text editable"
    return text if "svg" in formats else f"{text}; SVG with `valuegap report --formats png,pdf,svg`"


#: what the summary says where a run's one respondent with paired answers is not drawn beside itself
ONE_RESPONDENT = ("Comparison figures need two models or more: this run has one with paired answers, and its "
                  "own conditions and persona-kind figures below show the same numbers.")


def paired_models(results) -> list[str]:
    """Every reported model (or person) of ``results`` with a paired item, in report order."""
    with_items = {r["model"] for r in results.per_model.records() if r["items"]}
    return [m for m in results.reported_models if m in with_items]


def run_models(results) -> list[str]:
    """The models drawn side by side (``comparison_figures``): every reported model with a paired item,
    where there are two or more; [] for one (its own figures hold the same bars and intervals) or none."""
    models = paired_models(results)
    return models if len(models) > 1 else []
