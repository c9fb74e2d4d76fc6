"""The live gap table of the Run screen: alignment rate (accuracy) and distance by persona kind,
with the difference against baseline.

Definitions are the metrics package's default estimand (items = (model, persona, dilemma) cells,
every value repeat paired with every action repeat, distance |v - a| / 5). The screen computes it inside the database (``live_gap_by_kind``);
``gap_by_kind`` gives the same table from an AnswerFrame through the metrics package.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    from valuegap_tui.metrics.alignment import alignment
    from valuegap_tui.metrics.items import build_items

    if len(frame) == 0:
        return []
    result = alignment(build_items(frame), by=("persona_kind",))
    return _with_deltas({key[0]: (int(n), float(ar), float(ad)) for key, n, ar, ad in
                         zip(result.groups.keys, result.items, result.accuracy, result.distance) if n})


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
