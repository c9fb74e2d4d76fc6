"""The live gap table of the Run screen: alignment rate and distance per model and persona kind, with
the change against the same model's baseline.

Definitions are the metrics package's (docs/metrics.md): the default estimand per (model, persona,
dilemma) cell; a persona's level and its baseline's level over the dilemmas both answered, so the change
is their difference; a kind is the mean over its personas. The screen computes it inside the database
(``live_gap_by_kind``); ``gap_by_kind`` gives the same table from an AnswerFrame through the metrics
package (its persona-kinds table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.server.types import AnswerMode

KIND_ORDER = ("baseline", "moderate", "max", "incongruous", "custom", "instruction")


@dataclass(frozen=True)
class KindGap:
    model: str
    kind: str
    personas: int
    pairs: int  # items (cells with both answers) on the paired dilemmas
    alignment_rate: float
    alignment_distance: float
    delta_rate: float | None  # against the same model's baseline on the same dilemmas
    delta_distance: float | None


def _ordered(gaps: list[KindGap]) -> list[KindGap]:
    return sorted(gaps, key=lambda g: (g.model, KIND_ORDER.index(g.kind) if g.kind in KIND_ORDER else 9, g.kind))


def _delta(level: float, baseline: float | None) -> float | None:
    return None if baseline is None or math.isnan(baseline) else level - baseline


def gap_by_kind(frame: AnswerFrame) -> list[KindGap]:
    from valuegap_tui.metrics.conditions import kinds_table
    from valuegap_tui.metrics.grid import build_grid
    from valuegap_tui.metrics.items import build_items

    from valuegap_tui.metrics.frame import select
    from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol

    if len(frame) == 0:
        return []
    asked = protocols_asked(frame)
    if len(asked) > 1:  # under one way of asking, as the Results screen's tabs 1-6
        frame = select(frame, frame.protocol.codes == frame.protocol.labels.index(reference_protocol(asked)))
    items = build_items(frame)
    grid = build_grid(items)
    grid.with_retest = False
    return _ordered([KindGap(r["model"], r["condition"], r["personas"], r["items"], r["alignment_rate"],
                             r["alignment_distance"], _delta(r["alignment_rate"], r["baseline_ar"]),
                             _delta(r["alignment_distance"], r["baseline_ad"]))
                     for r in kinds_table(grid, items, None).records()])


def live_gap_by_kind(study, run_id: int) -> list[KindGap]:
    """The same table computed inside the database (what the Run screen polls); designs with the core's
    metrics only (other designs' tables are in the Results screen's Design tab)."""
    from valuegap_tui.store.runs import get_run
    from valuegap_tui.store.run_progress import paired_gap_by_kind

    from valuegap_tui.designs import get_design

    run = get_run(study, run_id)
    if run is not None and not get_design(run.design).core_metrics:
        return []
    logprobs = run is not None and run.definition.answer_mode == AnswerMode.LOGPROBS
    gaps = []
    from valuegap_tui.metrics.protocols import reference_protocol
    from valuegap_tui.protocols import protocol_order

    # the same reference as the frame's (metrics.protocols_asked: the catalogue's order, not the definition's)
    protocol = reference_protocol(tuple(protocol_order(run.definition.protocols))) if run is not None else "standard"
    for model, kind, personas, items, ar, ad, base_ar, base_ad in paired_gap_by_kind(study, run_id, logprobs,
                                                                                     protocol):
        baseline = kind == "baseline"
        gaps.append(KindGap(model, kind, personas, items, ar, ad, None if baseline else _delta(ar, base_ar),
                            None if baseline else _delta(ad, base_ad)))
    return _ordered(gaps)
