"""The canonical persona set and the default one.

``generate_personas`` gives the canonical set, deterministic for a given seed: per quadrant one
moderate (levels 2/3) and one max (levels 1/4) persona, N incongruous personas and the baseline. The
default set (``default_personas``) is a seeded sample of 8 personas per kind (``personas.sampling``).
"""

from __future__ import annotations

import random
from typing import Literal

from valuegap_tui.catalogue import DIMENSION_POLES, catalogue
from valuegap_tui.personas.model import (DIMENSIONS, POLE_LABELS, QUADRANTS, Persona, baseline_persona,
                                         quadrant_name, variables_by_dimension)


def _quadrant_slug(ts_sign: int, sse_sign: int) -> str:
    return quadrant_name(ts_sign, sse_sign).replace("/", "-")


def _pointing(sign: int, extreme: bool) -> int:
    if extreme:
        return 1 if sign < 0 else 4
    return 2 if sign < 0 else 3


def quadrant_persona(kind: Literal["moderate", "max"], ts_sign: int, sse_sign: int, seed: int | None = None) -> Persona:
    by_dim = variables_by_dimension()
    signs = {"traditional_secular": ts_sign, "survival_self_expression": sse_sign}
    levels = {v: _pointing(signs[d], kind == "max") for d, ids in by_dim.items() for v in ids}
    return Persona(
        id=f"{kind}-{_quadrant_slug(ts_sign, sse_sign)}",
        name=f"{kind} {quadrant_name(ts_sign, sse_sign)}",
        kind=kind,
        levels=levels,
        seed=seed,
    )


def _splits(ids: list[str], rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """Every way to send some of ids to the negative pole and the rest to the positive one.

    Most balanced splits first (the sharpest contradiction); the seed orders splits within a tier.
    """
    splits = []
    for mask in range(1, 2 ** len(ids) - 1):
        negative = [v for i, v in enumerate(ids) if mask >> i & 1]
        splits.append((negative, [v for v in ids if v not in negative]))
    rng.shuffle(splits)
    splits.sort(key=lambda split: abs(len(split[0]) - len(split[1])))  # stable: keeps the seeded order
    return splits


def incongruous_personas(count: int, seed: int = 0) -> list[Persona]:
    """``count`` distinct personas that each split one dimension's variables between its two poles.

    Systematic enumeration: every split of a dimension's variables into a negative and a positive
    group, the most balanced first, alternating between the two dimensions; the other dimension
    leans one step off the centre, alternating between its poles. The split dimension uses extreme
    levels (1 and 4) so the contradiction is unmistakable. The seed orders the splits within each
    balance tier and decides which dimension and lean come first.
    """
    rng = random.Random(seed)
    cat = catalogue()
    by_dim = variables_by_dimension(cat)
    dims = list(DIMENSIONS)
    rng.shuffle(dims)
    first_lean = rng.choice((-1, 1))
    plans = {}
    for dim in dims:
        splits = _splits(by_dim[dim], rng)
        # Each split with one lean, then (once every split is used) with the other.
        plans[dim] = [(neg, pos, first_lean * (1 if j % 2 == 0 else -1) * (1 if r == 0 else -1))
                      for r in (0, 1) for j, (neg, pos) in enumerate(splits)]
    available = sum(len(plan) for plan in plans.values())
    if count > available:
        raise ValueError(f"at most {available} distinct incongruous personas exist, asked for {count}")
    order = [(dim, plans[dim][j]) for j in range(max(map(len, plans.values()))) for dim in dims if j < len(plans[dim])]
    names = lambda ids: ", ".join(cat.variable(v).name for v in ids)  # noqa: E731
    personas: list[Persona] = []
    for number, (dim, (negative, positive, lean)) in enumerate(order[:count], start=1):
        other = DIMENSIONS[1 - DIMENSIONS.index(dim)]
        levels = {v: 1 for v in negative} | {v: 4 for v in positive}
        levels |= {v: _pointing(lean, extreme=False) for v in by_dim[other]}
        neg_pole, pos_pole = (POLE_LABELS[p] for p in DIMENSION_POLES[dim])
        notes = (
            f"{neg_pole}: {names(negative)}; {pos_pole}: {names(positive)}; "
            f"leans {POLE_LABELS[DIMENSION_POLES[other][0 if lean < 0 else 1]]}"
        )
        personas.append(
            Persona(id=f"incongruous-{number}", name=f"incongruous #{number}", kind="incongruous",
                    levels=levels, seed=seed, notes=notes)
        )
    return personas


def generate_personas(seed: int = 0, incongruous: int = 4) -> list[Persona]:
    """The default set: baseline, a moderate and a max persona per quadrant, ``incongruous`` more."""
    if incongruous < 0:
        raise ValueError("the number of incongruous personas cannot be negative")
    personas = [baseline_persona()]
    for kind in ("moderate", "max"):
        personas.extend(quadrant_persona(kind, ts, sse, seed=seed) for ts, sse in QUADRANTS)
    personas.extend(incongruous_personas(incongruous, seed=seed))
    return personas


#: the default set: this many moderate and max personas per quadrant and incongruous personas per (split
#: dimension, lean), i.e. 8 of each kind, so a kind's interval rests on 7 degrees of freedom, not 3
DEFAULT_PER_KIND = 2


def default_personas(seed: int = 0) -> list[Persona]:
    """The default set: the baseline and a seeded sample of ``DEFAULT_PER_KIND`` personas of each kind
    per quadrant (``personas.sampling``), the canonical moderate and max persona of each quadrant first."""
    from valuegap_tui.personas.sampling import sample_personas

    return sample_personas(DEFAULT_PER_KIND, seed=seed)

