"""The same models across studies of different designs: each design's headline numbers side by side.

A study holds one design (docs/designs.md), so a comparison across designs is a comparison of runs of
several studies. Each row is one (model, condition); each design contributes its own metrics, named
by design, and no number of one design is converted into another's: the table only sets them side
by side for the models the runs share.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def headline_rows(study, run) -> list[tuple]:
    from valuegap_tui.store import runs as run_store
    from valuegap_tui.store import answer_frame as frame_store

    design = get_design(run.design)
    frame = frame_store.load_answer_frame(study, run.id)
    if len(frame) == 0:
        return []
    return design.headline(frame, run_store.dilemmas_of(study, run.id), run_store.personas_of(study, run.id))


def compare_runs(runs: list[tuple[str, object, object]]) -> Table:
    """``runs``: (label, study, run). One row per (model, condition) that any run has, one column per
    (label, design, metric); a run without that model or condition leaves its cells empty."""
    columns: list[str] = []
    cells: dict[tuple[str, str], dict[str, object]] = {}
    for label, study, run in runs:
        for model, condition, metric, value in headline_rows(study, run):
            column = f"{label} {run.design} {metric}"
            if column not in columns:
                columns.append(column)
            cells.setdefault((model, condition), {})[column] = value
    table = Table("compare", "Headline numbers per design (each study's own metrics; docs/designs.md)",
                  ("model", "condition", *columns))
    for (model, condition) in sorted(cells, key=lambda k: (k[0], k[1] != "baseline", k[1])):
        row = cells[(model, condition)]
        table.rows.append((model, condition, *(row.get(c) for c in columns)))
    return table
