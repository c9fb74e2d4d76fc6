"""Persona-kind changes against baseline, with and without adjusting for the personas' extremity.

Kinds differ in more than their name promises: the unmatched incongruous design sits between moderate
and max in per-variable extremity (docs/personas.md). To separate "incongruous" from "more extreme":

1. Each persona p's change against baseline, for one model: d_p = mean over the dilemmas both
   answered of (x_p - x_baseline), x = the dilemma's AR or AD (items of the default estimand).
2. The extremity slope b is fitted on the *congruent* personas (moderate and max, whose levels all
   point to one quadrant) by least squares through the origin, d_p = b * e_p: the baseline has
   extremity 0 and, by definition, no change.
3. A persona's adjusted change is d_p - b * e_p: what is left once the change its extremity predicts
   is taken away. A kind's change (adjusted or not) is the mean over its personas.

If only extremity matters, every kind's adjusted change is near zero; an adjusted incongruous change
away from zero is what incongruity adds at equal extremity. The slope also absorbs anything else that
separates moderate from max personas (their distance from the map's centre grows with extremity), which
this design cannot tell apart. Incongruous personas matched in extremity (``personas generate --match``)
make the adjustment unnecessary by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from valuegap_tui.metrics.items import Items
from valuegap_tui.metrics.table import Table

CONGRUENT = ("moderate", "max")
BASELINE = "baseline"
KIND_ORDER = ("moderate", "max", "incongruous", "custom", "instruction")


@dataclass(frozen=True)
class PersonaChange:
    persona: str
    kind: str
    extremity: float
    ar_change: float
    ad_change: float


def persona_changes(items: Items, model: str, extremity_of: dict[str, float]) -> list[PersonaChange]:
    """Each persona's mean per-dilemma change against the baseline of ``model`` (paired dilemmas)."""
    models = items.labels("model")
    if model not in models:
        return []
    mine = items.subset(items.codes["model"] == models.index(model))
    personas, kinds, dilemmas = (mine.labels(a) for a in ("persona", "persona_kind", "dilemma"))
    shape = (len(personas), len(dilemmas))
    flat = mine.codes["persona"].astype(np.int64) * len(dilemmas) + mine.codes["dilemma"]
    count = np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        ar = np.bincount(flat, weights=mine.aligns, minlength=count.size).reshape(shape) / count
        ad = np.bincount(flat, weights=mine.distance, minlength=count.size).reshape(shape) / count
    if BASELINE not in personas:
        return []
    base = personas.index(BASELINE)
    kind_of = dict(zip(mine.codes["persona"].tolist(), mine.codes["persona_kind"].tolist()))
    changes = []
    for p, persona in enumerate(personas):
        if p == base or p not in kind_of or persona not in extremity_of:
            continue
        both = ~np.isnan(ar[p]) & ~np.isnan(ar[base])
        if not both.any():
            continue
        changes.append(PersonaChange(persona, kinds[kind_of[p]], float(extremity_of[persona]),
                                     float((ar[p, both] - ar[base, both]).mean()),
                                     float((ad[p, both] - ad[base, both]).mean())))
    return changes


def extremity_slope(changes: list[PersonaChange], metric: str) -> float:
    """Least squares through the origin of a metric's change on extremity, over congruent personas."""
    congruent = [c for c in changes if c.kind in CONGRUENT and c.extremity > 0]
    if not congruent:
        return float("nan")
    e = np.array([c.extremity for c in congruent])
    d = np.array([getattr(c, f"{metric}_change") for c in congruent])
    return float(e @ d / (e @ e))


def adjusted_kind_table(items: Items, extremity_of: dict[str, float]) -> Table:
    """Per model and kind: personas, mean extremity, AR and AD change against baseline, unadjusted and
    adjusted for extremity (module docstring), and the fitted slopes."""
    table = Table("kinds_adjusted", "Persona kinds against baseline, unadjusted and adjusted for extremity",
                  ("model", "kind", "personas", "extremity", "ar_change", "ar_change_adjusted",
                   "ad_change", "ad_change_adjusted", "ar_slope", "ad_slope"))
    for model in sorted(set(items.labels("model")[c] for c in np.unique(items.codes["model"]))):
        changes = persona_changes(items, model, extremity_of)
        slopes = {m: extremity_slope(changes, m) for m in ("ar", "ad")}
        for kind in sorted({c.kind for c in changes}, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else 9):
            of_kind = [c for c in changes if c.kind == kind]
            mean = lambda xs: float(np.mean(xs))  # noqa: E731
            row = [model, kind, len(of_kind), mean([c.extremity for c in of_kind])]
            for metric in ("ar", "ad"):
                raw = [getattr(c, f"{metric}_change") for c in of_kind]
                adjusted = [r - slopes[metric] * c.extremity for r, c in zip(raw, of_kind)]
                row += [mean(raw), mean(adjusted)]
            table.rows.append(tuple(row + [slopes["ar"], slopes["ad"]]))
    return table
