"""Persona sets as samples of their kind, and incongruous personas matched in extremity and distance.

A kind's result should not rest on one hand-picked persona per quadrant: ``sample_personas`` draws
``per_kind`` distinct personas of each kind for each quadrant (seeded), so the metrics can treat a kind's
personas as a sample. What each kind is, as a band the sample is drawn from (``fits_kind``):

* **moderate**: every variable points to the quadrant's poles; at most ``MODERATE_MAX_EXTREME`` of them
  at the extreme level (level 1 or 4), the rest one step off the centre (extremity 0.33-0.47 for ten
  variables). The canonical moderate persona (all one step off) is drawn first.
* **max**: every variable points to the quadrant's poles; at most ``MAX_MAX_MILD`` of them one step off
  the centre, the rest extreme (extremity 0.87-1.0). The canonical max persona (all extreme) first.
* **incongruous**: one dimension's variables split between its two poles, the other dimension leaning
  one way. A sample has ``per_kind`` personas for each (split dimension, lean) group, its stand-in for
  a quadrant: balanced splits first, then less balanced ones.

*Extremity* is the mean |level offset| over the variables (offsets -1, -1/3, +1/3, +1): 0 for the
baseline, 1/3 for the canonical moderate persona, 1 for the canonical max. The unmatched incongruous
design (split at the extremes, lean one step) sits at 0.6-0.73, between moderate and max, and nearer the
map's centre than either, so a difference between incongruous and moderate personas mixes incongruity
with extremity and with distance from the centre. ``match`` removes both: the incongruous personas are
picked so that their mean extremity and mean distance both come within 0.05 of the matched kind's
(docs/personas.md).
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Literal

import numpy as np

from valuegap_tui.catalogue import DIMENSION_POLES, catalogue
from valuegap_tui.personas.model import (DIMENSIONS, MAX_MAX_MILD, MODERATE_MAX_EXTREME, POLE_LABELS, QUADRANTS,
                                         Persona, baseline_persona, persona_position, quadrant_name,
                                         variables_by_dimension)

Match = Literal["moderate", "max"]
#: the (split dimension, lean sign) groups an incongruous sample is stratified by
INCONGRUOUS_GROUPS: tuple[tuple[str, int], ...] = tuple((d, s) for d in DIMENSIONS for s in (-1, 1))


def _level(sign: int, extreme: bool) -> int:
    return (1 if extreme else 2) if sign < 0 else (4 if extreme else 3)


def _quadrant_levels(ts_sign: int, sse_sign: int, extreme: set[str]) -> dict[str, int]:
    signs = {"traditional_secular": ts_sign, "survival_self_expression": sse_sign}
    return {v: _level(signs[d], v in extreme) for d, ids in variables_by_dimension().items() for v in ids}


def _quadrant_sample(kind: str, ts_sign: int, sse_sign: int, count: int, rng: random.Random,
                     reach: float | None = None) -> list[dict[str, int]]:
    """``count`` distinct level vectors of a kind in a quadrant, the canonical one first. With ``reach``
    (max personas an incongruous set is matched to): only the part of the max band incongruous personas
    can follow, vectors with ``MAX_MAX_MILD`` variables one step off whose distance from the centre is at
    most ``reach`` (the nearest ones if too few are)."""
    ids = [v.id for v in catalogue().persona_variables]
    limit = MODERATE_MAX_EXTREME if kind == "moderate" else MAX_MAX_MILD
    if reach is not None:
        every = [frozenset(c) for c in itertools.combinations(ids, limit)]
        distance = {c: math.hypot(*persona_position(_quadrant_levels(ts_sign, sse_sign, set(ids) - c))) for c in every}
        near = sorted(every, key=lambda c: (distance[c], sorted(c)))
        allowed = [c for c in near if distance[c] <= reach + 1e-9] or near
        if count > len(near):
            raise ValueError(f"only {len(near)} distinct matched max personas can be drawn per quadrant, asked for {count}")
        allowed = allowed if len(allowed) >= count else near[:count]
        return [_quadrant_levels(ts_sign, sse_sign, set(ids) - c) for c in rng.sample(allowed, count)]
    # the variables that differ from the canonical persona: extreme ones for moderate, mild ones for max
    subsets: list[frozenset[str]] = [frozenset()]
    for size in range(1, limit + 1):
        pool = [frozenset(rng.sample(ids, size)) for _ in range(count * 4)]
        subsets.extend(s for s in pool if s not in subsets)
    if count > len(subsets):
        raise ValueError(f"only {len(subsets)} distinct {kind} personas can be drawn per quadrant, asked for {count}")
    chosen = subsets[:1] + rng.sample(subsets[1:], count - 1) if count > 1 else subsets[:count]
    vectors = []
    for differing in chosen:
        extreme = set(differing) if kind == "moderate" else set(ids) - differing
        vectors.append(_quadrant_levels(ts_sign, sse_sign, extreme))
    return vectors


def max_reach() -> float:
    """How far from the centre the matched max personas may sit: the farthest an incongruous persona
    of their extremity (``MAX_MAX_MILD`` variables one step off) gets, plus 0.02. With the shipped
    variables: 1.20 + 0.02, where the canonical max persona sits at 1.41."""
    n = len(catalogue().persona_variables)
    extremity_of = 1 - MAX_MAX_MILD * (2 / 3) / n
    best = 0.0
    for group in INCONGRUOUS_GROUPS:
        _levels, ext, dist, _imbalance = _incongruous_candidates(*group, extreme_split=False)
        best = max(best, float(dist[ext <= extremity_of + 1e-9].max(initial=0.0)))
    return best + 0.02


#: the incongruous candidates of a (split dimension, lean) group: level vectors (catalogue order) with their
#: extremity, distance from the map's centre and split imbalance (|negative - positive| variables)
Candidates = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _incongruous_candidates(split_dim: str, lean: int, extreme_split: bool) -> Candidates:
    """Every incongruous level vector of a group: ``split_dim``'s variables point to both of its poles,
    the other dimension's all to ``lean``. With ``extreme_split`` (the unmatched design) the split
    variables sit at the extreme levels and the leaning ones one step off the centre; otherwise any
    magnitude (matching picks among them)."""
    ids = [v.id for v in catalogue().persona_variables]
    by_dim = variables_by_dimension()
    split, other = by_dim[split_dim], by_dim[DIMENSIONS[1 - DIMENSIONS.index(split_dim)]]
    split_levels = np.array(list(itertools.product((1, 4) if extreme_split else (1, 2, 3, 4), repeat=len(split))))
    positive = split_levels >= 3
    split_levels = split_levels[positive.any(axis=1) & ~positive.all(axis=1)]
    lean_choices = ((2,) if extreme_split else (1, 2)) if lean < 0 else ((3,) if extreme_split else (3, 4))
    lean_levels = np.array(list(itertools.product(lean_choices, repeat=len(other))))
    rows = np.repeat(np.arange(len(split_levels)), len(lean_levels))
    columns = np.tile(np.arange(len(lean_levels)), len(split_levels))
    levels = np.zeros((len(rows), len(ids)), dtype=np.int64)
    levels[:, [ids.index(v) for v in split]] = split_levels[rows]
    levels[:, [ids.index(v) for v in other]] = lean_levels[columns]
    offsets = (levels - 2.5) / 1.5
    position = [offsets[:, [ids.index(v) for v in by_dim[d]]].mean(axis=1) for d in DIMENSIONS]
    imbalance = np.abs((split_levels[rows] >= 3).sum(axis=1) * 2 - len(split))
    return levels, np.abs(offsets).mean(axis=1), np.hypot(*position), imbalance


def _incongruous_note(split_dim: str, lean: int, levels: dict[str, int], matched_to: str | None) -> str:
    cat = catalogue()
    negative, positive = (POLE_LABELS[p] for p in DIMENSION_POLES[split_dim])
    names = lambda sign: ", ".join(cat.variable(v).name for v in variables_by_dimension()[split_dim]  # noqa: E731
                                   if (levels[v] <= 2) == (sign < 0))
    other = DIMENSIONS[1 - DIMENSIONS.index(split_dim)]
    note = (f"{negative}: {names(-1)}; {positive}: {names(1)}; "
            f"leans {POLE_LABELS[DIMENSION_POLES[other][0 if lean < 0 else 1]]}")
    return note + (f"; extremity and distance from the centre matched to {matched_to}" if matched_to else "")


def sample_personas(per_kind: int = 1, seed: int = 0, match: Match | None = None) -> list[Persona]:
    """Baseline, ``per_kind`` moderate and max personas per quadrant, and ``4 * per_kind`` incongruous
    ones (``per_kind`` per split dimension and lean; matched in extremity to the ``match`` kind when
    given). Every level vector is distinct; ids and names say kind, quadrant and number."""
    if per_kind < 1:
        raise ValueError("at least one persona per kind and quadrant")
    rng = random.Random(seed)
    personas = [baseline_persona()]
    by_kind: dict[str, list[Persona]] = {"moderate": [], "max": []}
    for kind in ("moderate", "max"):
        reach = max_reach() if kind == "max" and match == "max" else None
        for ts, sse in QUADRANTS:
            slug = quadrant_name(ts, sse).replace("/", "-")
            for number, levels in enumerate(_quadrant_sample(kind, ts, sse, per_kind, rng, reach), start=1):
                if reach is not None:  # not the canonical max persona: ids of their own
                    persona = Persona(id=f"{kind}-{slug}-m{number}", kind=kind, levels=levels, seed=seed,
                                      name=f"{kind} {quadrant_name(ts, sse)} (matched #{number})")
                else:
                    persona = Persona(id=f"{kind}-{slug}" + ("" if number == 1 else f"-{number}"),
                                      name=f"{kind} {quadrant_name(ts, sse)}" + ("" if number == 1 else f" #{number}"),
                                      kind=kind, levels=levels, seed=seed)
                by_kind[kind].append(persona)
        personas.extend(by_kind[kind])
    personas.extend(_incongruous_sample(per_kind, rng, seed, by_kind[match] if match else None, match))
    return personas


def _incongruous_sample(per_kind: int, rng: random.Random, seed: int, targets: list[Persona] | None,
                        match: str | None) -> list[Persona]:
    """``per_kind`` personas per (split dimension, lean) group, numbered so the groups alternate.

    Unmatched: balanced splits first (the sharpest contradiction), then the next balance tier, in a
    seeded order within a tier. Matched to ``targets`` (the reference kind's personas, one per
    incongruous persona): each pick is the group's unused candidate that keeps the running means of
    extremity and distance from the centre closest to the targets' (and stays close to its own
    target), the more balanced split winning near-ties, so the two kinds agree on both means."""
    ids = [v.id for v in catalogue().persona_variables]
    noise = np.random.default_rng(rng.getrandbits(63))
    pools = {g: _incongruous_candidates(*g, extreme_split=targets is None) for g in INCONGRUOUS_GROUPS}
    used = {g: np.zeros(len(pools[g][0]), dtype=bool) for g in INCONGRUOUS_GROUPS}
    order = {g: np.lexsort((noise.random(len(pools[g][0])), pools[g][3])) for g in INCONGRUOUS_GROUPS}
    drift = np.zeros(2)  # sum over picks of (extremity, distance) minus the same sums of their targets
    slots = [INCONGRUOUS_GROUPS[i % len(INCONGRUOUS_GROUPS)] for i in range(per_kind * len(INCONGRUOUS_GROUPS))]
    aims = (np.array([[t.extremity, math.hypot(*t.position)] for t in targets]) if targets else None)
    picks: list[int] = []
    for index, group in enumerate(slots):
        _levels, ext, dist, imbalance = pools[group]
        if aims is None:
            free = order[group][~used[group][order[group]]]
            if not len(free):
                raise ValueError(f"at most {len(ext)} distinct incongruous personas per split dimension "
                                 f"and lean can be drawn without --match, asked for {per_kind}")
            pick = int(free[0])
        else:
            aim = aims[index % len(aims)]
            # squared, so that being off in both measures at once costs more than alternating between them
            cost = ((drift[0] + ext - aim[0]) ** 2 + (drift[1] + dist - aim[1]) ** 2
                    + 0.05 * ((ext - aim[0]) ** 2 + (dist - aim[1]) ** 2) + 1e-4 * imbalance
                    + 1e-9 * noise.random(len(ext)))
            cost[used[group]] = np.inf
            pick = int(np.argmin(cost))
            drift += (ext[pick] - aim[0], dist[pick] - aim[1])
        used[group][pick] = True
        picks.append(pick)
    if aims is not None:
        _refine(picks, slots, pools, used, aims[np.arange(len(slots)) % len(aims)])
    personas = []
    for index, (group, pick) in enumerate(zip(slots, picks)):
        levels = {v: int(level) for v, level in zip(ids, pools[group][0][pick])}
        target = targets[index % len(targets)] if targets else None
        number = index + 1
        personas.append(Persona(
            id=f"incongruous-{number}", name=f"incongruous #{number}", kind="incongruous", levels=levels, seed=seed,
            notes=_incongruous_note(*group, levels, f"{match} ({target.id})" if target else None)))
    return personas


def _refine(picks: list[int], slots: list[tuple], pools: dict, used: dict, aims: np.ndarray, passes: int = 6) -> None:
    """Improve greedy picks in place: each slot in turn takes the unused candidate of its group that
    brings the set's mean extremity and distance closest to the targets' means (the greedy pass cannot
    look ahead to the groups that cannot reach far from the centre), a little weight kept on each
    persona's closeness to its own target."""
    n = len(slots)
    goal = aims.mean(axis=0)
    total = np.array([[pools[g][1][p], pools[g][2][p]] for g, p in zip(slots, picks)]).sum(axis=0)
    for _ in range(passes):
        changed = False
        for index, group in enumerate(slots):
            _levels, ext, dist, imbalance = pools[group]
            rest = total - (ext[picks[index]], dist[picks[index]])
            cost = (((rest[0] + ext) / n - goal[0]) ** 2 + ((rest[1] + dist) / n - goal[1]) ** 2
                    + 0.01 / n * ((ext - aims[index, 0]) ** 2 + (dist - aims[index, 1]) ** 2) + 1e-7 * imbalance)
            cost[used[group]] = np.inf
            cost[picks[index]] = (((total[0]) / n - goal[0]) ** 2 + ((total[1]) / n - goal[1]) ** 2
                                  + 0.01 / n * ((ext[picks[index]] - aims[index, 0]) ** 2
                                                + (dist[picks[index]] - aims[index, 1]) ** 2)
                                  + 1e-7 * imbalance[picks[index]])
            best = int(np.argmin(cost))
            if best != picks[index]:
                used[group][picks[index]], used[group][best] = False, True
                picks[index] = best
                total = rest + (ext[best], dist[best])
                changed = True
        if not changed:
            return
