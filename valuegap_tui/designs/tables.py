"""A run's results through its design: the tables the Results screen shows and the report writes.

The poster's design has its own richer path (``metrics.summary``); every other design gives its
tables through ``Design.metric_tables`` and is shown and written the same way here.
"""

from __future__ import annotations

import math
from pathlib import Path

from valuegap_tui.designs import get_design
from valuegap_tui.metrics.table import Table


def run_tables(study, run_id: int, model: str | None = None) -> list[Table]:
    """The design's tables for a run (one model's rows only, with ``model``); a run asked under several
    protocols has each table computed under each protocol, with a first column naming it."""
    from valuegap_tui.metrics.answers import outcome_table
    from valuegap_tui.metrics.frame import select
    from valuegap_tui.metrics.protocols import protocols_asked
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import answer_frame as frame_store

    run = run_store.get_run(study, run_id)
    if run is None:
        raise ValueError(f"no run {run_id}")
    design = get_design(run.design)
    frame = frame_store.load_answer_frame(study, run_id)
    if model is not None and model in frame.model.labels:
        frame = select(frame, frame.model.codes == frame.model.labels.index(model))
    items, conditions = run_store.dilemmas_of(study, run_id), run_store.personas_of(study, run_id)
    asked = protocols_asked(frame)
    if len(asked) < 2:
        return design.metric_tables(frame, items, conditions) + [outcome_table(frame)]  # and how each ended
    # asked several ways: every table under each protocol apart (never pooled), the protocol its first column
    merged: dict[str, Table] = {}
    for protocol in asked:
        own = select(frame, frame.protocol.codes == frame.protocol.labels.index(protocol))
        for table in design.metric_tables(own, items, conditions) + [outcome_table(own)]:
            rows = [(protocol, *row) for row in table.rows]
            if table.name in merged:
                merged[table.name].rows.extend(rows)
            else:
                merged[table.name] = Table(table.name, table.title, ("protocol", *table.columns), rows)
    return list(merged.values())


def cell_text(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _markdown_cell(value) -> str:
    from valuegap_tui.text import one_line

    return one_line(cell_text(value)).replace("|", "\\|")


def tables_markdown(tables: list[Table]) -> list[str]:
    lines: list[str] = []
    for table in tables:
        lines += [f"### {table.title}", "", "| " + " | ".join(table.columns) + " |",
                  "|" + "---|" * len(table.columns)]
        lines += ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in table.rows]
        lines.append("")
    return lines


def _design_figures(study, run, design, out_dir: Path, model: str | None) -> list[Path]:
    """The design's own figures (``report_figures``, where it has one; needs matplotlib)."""
    if not design.provides("report_figures"):
        return []
    draw = design.report_figures
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return []
    from valuegap_tui.metrics.frame import select
    from valuegap_tui.store import answer_frame as frame_store
    from valuegap_tui.store import runs as run_store

    from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol

    frame = frame_store.load_answer_frame(study, run.id)
    if model is not None and model in frame.model.labels:
        frame = select(frame, frame.model.codes == frame.model.labels.index(model))
    asked = protocols_asked(frame)
    if len(asked) > 1:  # a figure shows one way of asking (standard where asked), never the ways pooled
        frame = select(frame, frame.protocol.codes == frame.protocol.labels.index(reference_protocol(asked)))
    from valuegap_tui.report.figure_files import figure_style

    with figure_style():  # the report's settings for every figure (names never read as mathtext)
        return draw(frame, run_store.dilemmas_of(study, run.id), run_store.personas_of(study, run.id), out_dir)


def write_design_report(study, run, out_dir: Path, model: str | None = None) -> list[Path]:
    """CSV per table and summary.md for a run of a design other than the poster's; returns the files."""
    design = get_design(run.design)
    tables = run_tables(study, run.id, model)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = out_dir / f"{table.name}.csv"
        table.write_csv(path)
        written.append(path)
    summary = out_dir / "summary.md"
    text = [f"# Run {run.id}: {run.name}", "", f"Design: {design.describe()}. Definitions: docs/designs.md.", ""]
    notes = design.study_notes(study)  # e.g. rows an import left out
    text += [f"Note: {note}" for note in notes] + ([""] if notes else [])
    figures = _design_figures(study, run, design, out_dir, model)
    written += figures
    protocols = sorted({row[0] for table in tables if table.columns[:1] == ("protocol",) for row in table.rows})
    if figures and len(protocols) > 1:
        from valuegap_tui.metrics.protocols import reference_protocol
        from valuegap_tui.protocols import protocol_order

        text += [f"Figures: under {reference_protocol(tuple(protocol_order(protocols)))}; the tables have every way "
                 "of asking, the protocol their first column.", ""]
    text += [f"![{path.stem}]({path.name})" for path in figures if path.suffix == ".png"] + ([""] if figures else [])
    summary.write_text("\n".join(text + tables_markdown(tables)), encoding="utf-8")
    written.append(summary)
    return written
