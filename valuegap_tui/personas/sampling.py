"""Persona sets as samples of their kind, and incongruous personas matched in extremity.

A kind's result should not rest on one hand-picked persona per quadrant: ``sample_personas`` draws
``per_kind`` distinct personas of each kind for each quadrant (seeded), so the metrics can resample
personas within a kind. What each kind is, as a band the sample is drawn from (``fits_kind``):

* **moderate**: every variable points to the quadrant's poles; at most ``MODERATE_MAX_EXTREME`` of them
  at the extreme level (level 1 or 4), the rest one step off the centre (extremity 0.33-0.47 for ten
  variables). The canonical moderate persona (all one step off) is drawn first.
* **max**: every variable points to the quadrant's poles; at most ``MAX_MAX_MILD`` of them one step off
  the centre, the rest extreme (extremity 0.87-1.0). The canonical max persona (all extreme) first.
* **incongruous**: one dimension's variables split between its two poles, the other dimension leaning
  one way. A sample has ``per_kind`` personas for each (split dimension, lean) pair, its stand-in for
  a quadrant.

*Extremity* is the mean |level offset| over the variables (offsets -1, -1/3, +1/3, +1): 0 for the
baseline, 1/3 for the canonical moderate persona, 1 for the canonical max. The unmatched incongruous
design (split at the extremes, lean one step) sits at 0.6-0.73, between moderate and max, so a
difference between incongruous and moderate personas mixes incongruity with extremity. ``match``
removes that: each incongruous persona copies the level magnitudes (extreme or one step) of one
persona of the matched kind and only rearranges the poles, so the two sets have the same extremity,
persona by persona.
"""

from __future__ import annotations

import random
from typing import Literal

from valuegap_tui.catalogue import DIMENSION_POLES, catalogue
from valuegap_tui.personas import (
    DIMENSIONS,
    MAX_MAX_MILD,
    MODERATE_MAX_EXTREME,
    POLE_LABELS,
    QUADRANTS,
    Persona,
    baseline_persona,
    quadrant_name,
    variables_by_dimension,
)

Match = Literal["moderate", "max"]
#: the (split dimension, lean sign) groups an incongruous sample is stratified by
INCONGRUOUS_GROUPS: tuple[tuple[str, int], ...] = tuple((d, s) for d in DIMENSIONS for s in (-1, 1))


def _level(sign: int, extreme: bool) -> int:
    return (1 if extreme else 2) if sign < 0 else (4 if extreme else 3)


def _quadrant_levels(ts_sign: int, sse_sign: int, extreme: set[str]) -> dict[str, int]:
    signs = {"traditional_secular": ts_sign, "survival_self_expression": sse_sign}
    return {v: _level(signs[d], v in extreme) for d, ids in variables_by_dimension().items() for v in ids}


def _quadrant_sample(kind: str, ts_sign: int, sse_sign: int, count: int, rng: random.Random) -> list[dict[str, int]]:
    """``count`` distinct level vectors of a kind in a quadrant, the canonical one first."""
    ids = [v.id for v in catalogue().persona_variables]
    limit = MODERATE_MAX_EXTREME if kind == "moderate" else MAX_MAX_MILD
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


def _incongruous_levels(split_dim: str, lean: int, magnitudes: dict[str, bool], rng: random.Random) -> dict[str, int]:
    """Split ``split_dim``'s variables half and half between its poles (a random balanced split), lean the
    other dimension to ``lean``; each variable extreme or one step as ``magnitudes`` says."""
    by_dim = variables_by_dimension()
    split = list(by_dim[split_dim])
    rng.shuffle(split)
    negative = set(split[: len(split) // 2])
    levels = {v: _level(-1 if v in negative else 1, magnitudes[v]) for v in by_dim[split_dim]}
    other = DIMENSIONS[1 - DIMENSIONS.index(split_dim)]
    levels |= {v: _level(lean, magnitudes[v]) for v in by_dim[other]}
    return levels


def _incongruous_note(split_dim: str, lean: int, levels: dict[str, int], matched_to: str | None) -> str:
    cat = catalogue()
    negative, positive = (POLE_LABELS[p] for p in DIMENSION_POLES[split_dim])
    names = lambda sign: ", ".join(cat.variable(v).name for v in variables_by_dimension()[split_dim]  # noqa: E731
                                   if (levels[v] <= 2) == (sign < 0))
    other = DIMENSIONS[1 - DIMENSIONS.index(split_dim)]
    note = (f"{negative}: {names(-1)}; {positive}: {names(1)}; "
            f"leans {POLE_LABELS[DIMENSION_POLES[other][0 if lean < 0 else 1]]}")
    return note + (f"; extremity matched to {matched_to}" if matched_to else "")


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
        for ts, sse in QUADRANTS:
            slug = quadrant_name(ts, sse).replace("/", "-")
            for number, levels in enumerate(_quadrant_sample(kind, ts, sse, per_kind, rng), start=1):
                suffix = "" if number == 1 else f"-{number}"
                persona = Persona(id=f"{kind}-{slug}{suffix}", name=f"{kind} {quadrant_name(ts, sse)}"
                                  + ("" if number == 1 else f" #{number}"), kind=kind, levels=levels, seed=seed)
                by_kind[kind].append(persona)
        personas.extend(by_kind[kind])
    personas.extend(_incongruous_sample(per_kind, rng, seed, by_kind[match] if match else None, match))
    return personas


def _incongruous_sample(per_kind: int, rng: random.Random, seed: int, targets: list[Persona] | None,
                        match: str | None) -> list[Persona]:
    ids = [v.id for v in catalogue().persona_variables]
    seen: set[tuple] = set()
    personas = []
    for index in range(per_kind * len(INCONGRUOUS_GROUPS)):
        split_dim, lean = INCONGRUOUS_GROUPS[index % len(INCONGRUOUS_GROUPS)]
        target = targets[index % len(targets)] if targets else None
        magnitudes = ({v: target.levels[v] in (1, 4) for v in ids} if target is not None
                      else {v: v in variables_by_dimension()[split_dim] for v in ids})
        for _ in range(200):  # a fresh balanced split until the vector is new
            levels = _incongruous_levels(split_dim, lean, magnitudes, rng)
            key = tuple(sorted(levels.items()))
            if key not in seen:
                break
        else:
            raise ValueError(f"cannot draw {per_kind} distinct incongruous personas per split dimension and lean")
        seen.add(key)
        number = index + 1
        personas.append(Persona(
            id=f"incongruous-{number}", name=f"incongruous #{number}", kind="incongruous", levels=levels, seed=seed,
            notes=_incongruous_note(split_dim, lean, levels, f"{match} ({target.id})" if target else None)))
    return personas
