"""A quick gap summary for the live Run screen: alignment rate and distance by persona kind.

Value and action answers are paired by (model, persona, dilemma, repeat). AR = share of pairs whose
signs agree (accuracy); AD = mean |v - a| / 6 on the +-3 scale. The metrics package gives the full
treatment (F1, bootstrap); this is the cheap live view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.frame import AnswerFrame


@dataclass(frozen=True)
class KindGap:
    kind: str
    pairs: int
    alignment_rate: float
    alignment_distance: float
    delta_rate: float | None  # against baseline
    delta_distance: float | None


def gap_by_kind(frame: AnswerFrame) -> list[KindGap]:
    if len(frame) == 0:
        return []
    # One integer per (model, persona, dilemma, repeat); pair value and action answers on it.
    dims = [len(frame.model.labels), len(frame.persona.labels), len(frame.dilemma.labels), int(frame.repeat.max()) + 1]
    key = np.ravel_multi_index((frame.model.codes, frame.persona.codes, frame.dilemma.codes,
                                frame.repeat.astype(np.int64)), dims)
    ok = frame.valid
    value_rows = np.flatnonzero(ok & (frame.question == 0))
    action_rows = np.flatnonzero(ok & (frame.question == 1))
    _, vi, ai = np.intersect1d(key[value_rows], key[action_rows], assume_unique=False, return_indices=True)
    v, a = frame.score[value_rows[vi]], frame.score[action_rows[ai]]
    kinds = frame.persona_kind.codes[value_rows[vi]]
    agree, distance = np.sign(v) == np.sign(a), np.abs(v - a) / 6
    result = {}
    for code, label in enumerate(frame.persona_kind.labels):
        mask = kinds == code
        if mask.any():
            result[label] = (int(mask.sum()), float(agree[mask].mean()), float(distance[mask].mean()))
    return _with_deltas(result)


def _with_deltas(result: dict[str, tuple[int, float, float]]) -> list[KindGap]:
    base = result.get("baseline")
    order = ["baseline", "moderate", "max", "incongruous", "custom"]
    return [
        KindGap(kind, n, ar, ad, None if base is None or kind == "baseline" else ar - base[1],
                None if base is None or kind == "baseline" else ad - base[2])
        for kind, (n, ar, ad) in sorted(result.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)
    ]


def live_gap_by_kind(study, run_id: int) -> list[KindGap]:
    """The same table computed inside the database (what the Run screen polls)."""
    from valuegap_tui.store.runs import paired_gap_by_kind

    return _with_deltas(paired_gap_by_kind(study, run_id))
