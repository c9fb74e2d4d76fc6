"""What a persona's kind promises (moderate, max, incongruous ...), whether its levels still keep that
promise after an edit, and how balanced the map's two dimensions are."""

from __future__ import annotations

import re
from dataclasses import dataclass

from valuegap_tui.catalogue import DIMENSION_POLES, Catalogue
from valuegap_tui.personas.model import (COUNTRY_KIND, MAX_MAX_MILD, MODERATE_MAX_EXTREME, Persona, level_sign,
                                         variables_by_dimension)

#: warn when one dimension has this many times as many variables as the other
BALANCE_WARNING_RATIO = 1.5


@dataclass(frozen=True)
class DimensionBalance:
    counts: dict[str, int]
    summary: str
    warning: str | None


def dimension_balance(cat: Catalogue | None = None) -> DimensionBalance:
    """How many variables load on each map dimension. A coordinate is the mean of its dimension's
    variables, so a dimension with fewer variables moves further with each level changed."""
    counts = {d: len(ids) for d, ids in variables_by_dimension(cat).items()}
    poles = lambda d: " vs ".join(p.replace("_", "-") for p in DIMENSION_POLES[d])  # noqa: E731
    summary = ", ".join(f"{n} on {poles(d)}" for d, n in counts.items())
    low, high = min(counts.values()), max(counts.values())
    warning = None
    if low == 0 or high / low >= BALANCE_WARNING_RATIO:
        warning = (f"the dimensions are unbalanced ({summary}): a position on the smaller one averages fewer "
                   "statements, and each of its variables weighs more")
    return DimensionBalance(counts, f"persona variables: {summary}", warning)


def opposite_pole_pairs(levels: dict[str, int]) -> list[tuple[str, str]]:
    """Pairs of variables on the same dimension whose levels point to opposite poles."""
    pairs = []
    for ids in variables_by_dimension().values():
        negative = [v for v in ids if v in levels and level_sign(levels[v]) < 0]
        positive = [v for v in ids if v in levels and level_sign(levels[v]) > 0]
        pairs.extend((n, p) for n in negative for p in positive)
    return pairs


def fits_kind(kind: str, levels: dict[str, int]) -> bool:
    """Whether levels still match what a kind promises (used after an edit)."""
    if kind == "baseline":
        return not levels
    if kind == "custom":
        return bool(levels)
    if kind == COUNTRY_KIND:
        return not levels
    if not levels:
        return False
    if kind == "incongruous":
        return bool(opposite_pole_pairs(levels))
    if opposite_pole_pairs(levels):
        return False
    extreme = sum(level in (1, 4) for level in levels.values())
    if kind == "max":
        return len(levels) - extreme <= MAX_MAX_MILD
    return extreme <= MODERATE_MAX_EXTREME


def kind_after_edit(kind: str, levels: dict[str, int]) -> str:
    """The kind an edited persona should have: its old kind while it still fits, else custom."""
    return kind if fits_kind(kind, levels) else "custom"


def edit_levels(persona: "Persona", levels: dict[str, int], existing_ids: set[str]) -> "Persona":
    """The persona after a level edit. While the levels still fit its kind, the same persona with new
    levels. Once they do not, a *new* custom persona (fresh id, name saying where it came from) and the
    original is left as it was: a persona's id and name never claim a kind it no longer is, and runs
    that used the original keep pointing at what they asked."""
    if fits_kind(persona.kind, levels):
        return persona.model_copy(update={"levels": dict(levels)})
    base = re.sub(r"^(moderate|max|incongruous)-", "", persona.id)
    number, candidate = 1, f"custom-{base}"
    while candidate in existing_ids:
        number += 1
        candidate = f"custom-{base}-{number}"
    name = f"custom (from {persona.name})"[:120]
    return Persona(id=candidate[:64], name=name, kind="custom", levels=dict(levels), seed=persona.seed,
                   notes=f"edited from {persona.id}" + (f"; {persona.notes}" if persona.notes else ""))



def duplicate_persona(persona: Persona, existing_ids: set[str]) -> Persona:
    """A copy with a fresh id and name (same kind, levels or text); the baseline is unique, so it is refused."""
    if persona.kind == "baseline":
        raise ValueError("the baseline has no levels to copy")
    base = re.sub(r"-copy(-\d+)?$", "", persona.id)
    number = 1
    while (candidate := f"{base}-copy" + (f"-{number}" if number > 1 else "")) in existing_ids:
        number += 1
    suffix = " (copy)" if number == 1 else f" (copy {number})"
    return Persona(id=candidate[:64], name=f"{persona.name}{suffix}"[:120], kind=persona.kind,
                   levels=dict(persona.levels), seed=persona.seed, notes=persona.notes, text=persona.text,
                   attributes=dict(persona.attributes))
