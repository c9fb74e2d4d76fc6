"""Per-dilemma means of every (model, condition): the unit that comparisons against baseline pair and
resample.

A condition's level and its change against baseline are both taken over the same *paired* dilemmas (those
the condition and the baseline of the same model both answered), each dilemma weighted equally, so the
change is exactly the condition's level minus the baseline's level on those dilemmas (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from valuegap_tui.metrics.alignment import item_aligns, item_distance
from valuegap_tui.metrics.items import Items

BASELINE = "baseline"
KIND_ORDER = ("baseline", "moderate", "max", "incongruous", "custom", "instruction")


@dataclass
class DilemmaGrid:
    """Arrays indexed (model code, condition code, dilemma code) into the frame's vocabularies."""

    models: tuple[str, ...]
    conditions: tuple[str, ...]  # persona ids
    ar: np.ndarray  # mean P(aligns) over the cell's items; NaN where the cell has no item
    ad: np.ndarray  # mean E|v - a| / 5
    items: np.ndarray  # items per cell (int)
    baseline: int | None  # condition code of the baseline, if the run has one
    kind_of: dict[str, str]  # persona id -> persona kind
    value_of_dilemma: np.ndarray  # value code of each dilemma code (-1: no item)
    expected: bool = False  # logprob answers as distributions (retest uses the same answers as the items)
    with_retest: bool = True  # whether the tables compute test-retest consistency
    cache: dict = field(default_factory=dict)  # numbers several tables share

    @property
    def answered(self) -> np.ndarray:
        return self.items > 0

    def has_baseline(self) -> np.ndarray:
        """Per model: whether its baseline answered anything (a change against baseline is defined)."""
        if self.baseline is None:
            return np.zeros(self.answered.shape[0], bool)
        return self.answered[:, self.baseline].any(axis=1)

    def paired(self) -> np.ndarray:
        """Cells whose dilemma the same model's baseline answered too (the baseline's own cells: all its
        answered ones). For a model without baseline answers every answered cell counts, and no change
        is defined."""
        answered = self.answered
        if self.baseline is None:
            return answered
        return answered & (answered[:, self.baseline : self.baseline + 1, :] | ~self.has_baseline()[:, None, None])

    def baseline_of(self, values: np.ndarray) -> np.ndarray:
        """``values`` of each model's baseline, broadcast to every condition (NaN without a baseline)."""
        if self.baseline is None:
            return np.full_like(values, np.nan)
        return np.broadcast_to(values[:, self.baseline : self.baseline + 1, :], values.shape)

    def present(self) -> list[tuple[int, list[int]]]:
        """(model code, condition codes in display order) for every model with items."""
        per_model = self.answered.any(axis=2)
        out = []
        for m in range(len(self.models)):
            codes = np.flatnonzero(per_model[m])
            if len(codes):
                out.append((m, [self.conditions.index(c) for c in
                                condition_order([self.conditions[i] for i in codes], self.kind_of)]))
        return sorted(out, key=lambda entry: self.models[entry[0]])


def condition_order(labels: list[str], kind_of: dict[str, str]) -> list[str]:
    """Baseline first, then by persona kind (KIND_ORDER), then by name."""
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(labels, key=lambda c: (c != BASELINE, rank.get(kind_of.get(c, c), len(rank)), c))


def kind_of_personas(items: Items) -> dict[str, str]:
    if len(items) == 0:
        return {}
    personas, kinds = items.labels("persona"), items.labels("persona_kind")
    seen = np.zeros((len(personas), len(kinds)), bool)
    seen[items.codes["persona"], items.codes["persona_kind"]] = True
    return {personas[p]: kinds[k] for p, k in zip(*np.nonzero(seen))}


def build_grid(items: Items, expected: bool | None = None) -> DilemmaGrid:
    models, conditions, dilemmas = (items.labels(a) for a in ("model", "persona", "dilemma"))
    shape = (max(len(models), 1), max(len(conditions), 1), max(len(dilemmas), 1))
    cell = ((items.codes["model"].astype(np.int64) * shape[1] + items.codes["persona"]) * shape[2]
            + items.codes["dilemma"])
    size = shape[0] * shape[1] * shape[2]
    count = np.bincount(cell, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        ar = np.bincount(cell, weights=item_aligns(items), minlength=size) / count
        ad = np.bincount(cell, weights=item_distance(items), minlength=size) / count
    value_of_dilemma = np.full(shape[2], -1, np.int64)
    value_of_dilemma[items.codes["dilemma"]] = items.codes["value"]
    baseline = conditions.index(BASELINE) if BASELINE in conditions else None
    return DilemmaGrid(models, conditions, ar.reshape(shape), ad.reshape(shape), count.reshape(shape),
                       baseline, kind_of_personas(items), value_of_dilemma,
                       items.expected if expected is None else expected)


def paired_item_mask(grid: DilemmaGrid, items: Items) -> np.ndarray:
    """Per item: whether its cell is paired (so F1 and item counts describe the same dilemmas as AR/AD)."""
    paired = grid.paired()
    return paired[items.codes["model"], items.codes["persona"], items.codes["dilemma"]]
