"""The same models across studies of different designs: each design's headline numbers side by side.

A study holds one design (docs/designs.md), so a comparison across designs is a comparison of runs of
several studies. Each row is one (model, condition); each design contributes its own metrics, named
by design, and no number of one design is converted into another's: the table only sets them side
by side for the models the runs share. A run asked in several ways contributes the numbers of one way
(``standard`` where asked), never pooled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.designs import get_design
from valuegap_tui.metrics.table import Table


@dataclass(frozen=True)
class RunSpec:
    study: Path
    run: str = "latest"

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        """``study.db`` (its newest run) or ``study.db:RUN_ID``."""
        path, sep, run = text.rpartition(":")
        if sep and path and (run.isdigit() or run == "latest"):
            return cls(Path(path), run)
        return cls(Path(text))


@dataclass
class Comparison:
    table: Table
    #: label -> (the way of asking the run's numbers are under, every way the run asked)
    protocols: dict[str, tuple[str | None, tuple[str, ...]]] = field(default_factory=dict)


def headline_rows(study, run) -> tuple[list[tuple], str | None, tuple[str, ...]]:
    """The design's headline rows of the run under one way of asking (``standard`` where the run asked
    it: protocols are never pooled, docs/metrics.md "Protocols"), that protocol, and every one asked."""
    from valuegap_tui.metrics.frame import select
    from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import answer_frame as frame_store

    design = get_design(run.design)
    frame = frame_store.load_answer_frame(study, run.id)
    if len(frame) == 0:
        return [], None, ()
    asked = protocols_asked(frame)
    protocol = reference_protocol(asked)
    if len(asked) > 1:
        frame = select(frame, frame.protocol.codes == frame.protocol.labels.index(protocol))
    rows = design.headline(frame, run_store.dilemmas_of(study, run.id), run_store.personas_of(study, run.id))
    return rows, protocol, asked


def compare_runs(runs: list[tuple[str, object, object]]) -> Comparison:
    """``runs``: (label, study, run). One row per (model, condition) that any run has, one column per
    (label, design, metric); a run without that model or condition leaves its cells empty. Each run's
    numbers are under one protocol (``Comparison.protocols`` says which)."""
    columns: list[str] = []
    cells: dict[tuple[str, str], dict[str, object]] = {}
    protocols = {}
    for label, study, run in runs:
        rows, protocol, asked = headline_rows(study, run)
        protocols[label] = (protocol, asked)
        for model, condition, metric, value in rows:
            column = f"{label} {run.design} {metric}"
            if column not in columns:
                columns.append(column)
            cells.setdefault((model, condition), {})[column] = value
    table = Table("compare", "Headline numbers per design (each study's own metrics; docs/designs.md)",
                  ("model", "condition", *columns))
    for (model, condition) in sorted(cells, key=lambda k: (k[0], k[1] != "baseline", k[1])):
        row = cells[(model, condition)]
        table.rows.append((model, condition, *(row.get(c) for c in columns)))
    return Comparison(table, protocols)
