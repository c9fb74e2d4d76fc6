"""Personas: levels of the ten WVS-derived variables, their place on the cultural map, their text.

Position on the map. Each variable loads on one dimension and has four ordered levels, from the
negative pole (traditional / survival) to the positive one (secular-rational / self-expression).
A level's signed offset from the centre is ``(level - 2.5) / 1.5``: -1, -1/3, +1/3, +1. A persona's
coordinate on a dimension is the mean offset of that dimension's variables, so it lies in [-1, 1]:
a max persona sits at +-1 on both axes, a moderate one at +-1/3, and an incongruous dimension (half
the variables at each pole) near 0.

The default set (``default_personas``) is a seeded sample of 8 personas per kind (``personas.sampling``).
``generate_personas`` gives the canonical set, deterministic for a given seed: per quadrant one moderate
(levels 2/3) and one max (levels 1/4) persona, N incongruous personas and the baseline.

A condition written by hand (``personas.written``) has a ``text`` instead of levels: that text is its
system message, sent as given. It has no place on the map (``position`` and ``extremity`` are None).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from string import Template
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from valuegap_tui.catalogue import DIMENSION_POLES, Catalogue, catalogue
from valuegap_tui.validation import not_a_switch
from valuegap_tui.paths import PROMPTS_DIR

PersonaKind = Literal["baseline", "moderate", "max", "incongruous", "custom", "instruction", "country"]
KINDS: tuple[str, ...] = ("baseline", "moderate", "max", "incongruous", "custom", "instruction", "country")
#: kinds a condition written by hand can have: a persona (custom) or an instruction (e.g. a role-play)
WRITTEN_KINDS: tuple[str, ...] = ("custom", "instruction")
#: the longest system message a written condition may hold
MAX_TEXT_CHARS = 20_000
#: a country condition (the VIA design): no levels, its name is the country, its text prompts/via_country.txt
COUNTRY_KIND, COUNTRY_TEMPLATE = "country", "via_country"
BASELINE_ID = "baseline"
DIMENSIONS: tuple[str, str] = ("traditional_secular", "survival_self_expression")
PERSONA_TEMPLATE = "persona"

#: Short pole names used in persona names and on the map.
POLE_LABELS = {
    "traditional": "traditional",
    "secular_rational": "secular",
    "survival": "survival",
    "self_expression": "self-expression",
}

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def level_offset(level: int) -> float:
    """A 1-based level as a signed offset in [-1, 1]: -1, -1/3, +1/3, +1."""
    return (level - 2.5) / 1.5


def level_sign(level: int) -> int:
    """-1 when the level points to the negative pole (1, 2), +1 for the positive pole (3, 4)."""
    return -1 if level <= 2 else 1


#: a moderate persona has at most this many variables at an extreme level (1 or 4)
MODERATE_MAX_EXTREME = 2
#: a max persona has at most this many variables one step off the centre (2 or 3)
MAX_MAX_MILD = 2


def extremity(levels: dict[str, int]) -> float:
    """Mean |level offset| over the variables, 0..1: 0 baseline, 1/3 all one step off, 1 all extreme."""
    if not levels:
        return 0.0
    return round(sum(abs(level_offset(v)) for v in levels.values()) / len(levels), 6)


class Persona(BaseModel):
    """A condition: a persona with a level (1-4) for every persona variable, the baseline (nothing), or
    a condition written by hand (``text``, kind custom or instruction). ``attributes`` record what a
    written condition stands for (a role-play's ``value_type``), for metrics to read from a run."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str
    name: str = Field(min_length=1, max_length=120)
    kind: PersonaKind
    levels: dict[str, int] = Field(default_factory=dict)
    seed: int | None = Field(None, ge=-(2**63), le=2**63 - 1)  # stored as an SQLite integer
    notes: str = ""
    #: the system message of a condition written by hand, stored and sent exactly as given
    text: str | None = Field(None, max_length=MAX_TEXT_CHARS)
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID_PATTERN.match(value):
            raise ValueError("must be 1-64 characters: lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
        return value

    @field_validator("name")
    @classmethod
    def _name_one_line(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value:
            raise ValueError("must be a non-empty single line")
        return value

    @field_validator("seed", mode="before")
    @classmethod
    def _seed_is_a_number(cls, value):
        return not_a_switch(value)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must hold some text (the system message)")
        return value

    @field_validator("attributes")
    @classmethod
    def _attribute_keys(cls, attributes: dict[str, str]) -> dict[str, str]:
        for key, value in attributes.items():
            if not _ID_PATTERN.match(key):
                raise ValueError(f"attribute name {key!r}: 1-64 lowercase letters, digits, '-', '_' or '.'")
            if len(value) > 200 or "\n" in value:
                raise ValueError(f"attribute {key!r}: a single line of at most 200 characters")
        if "value_type" in attributes:  # metrics score a role-play by it: it must name a known type
            known = [t.id for t in catalogue().value_types]
            if attributes["value_type"] not in known:
                raise ValueError(f"value_type {attributes['value_type']!r} is not one of {', '.join(known)}")
        return attributes

    @field_validator("levels")
    @classmethod
    def _levels_known(cls, levels: dict[str, int]) -> dict[str, int]:
        if not levels:
            return levels
        cat = catalogue()
        known = [v.id for v in cat.persona_variables]
        unknown = sorted(set(levels) - set(known))
        if unknown:
            raise ValueError(f"unknown variable(s) {', '.join(unknown)}")
        missing = [v for v in known if v not in levels]
        if missing:
            raise ValueError(f"missing level for {', '.join(missing)}")
        bad = [f"{k}={v}" for k, v in levels.items() if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 4]
        if bad:
            raise ValueError(f"levels must be 1-4, got {', '.join(bad)}")
        # Keep catalogue order so records and rendered text are stable.
        return {v: levels[v] for v in known}

    @model_validator(mode="after")
    def _baseline_shape(self) -> "Persona":
        if self.text is not None:
            if self.kind not in WRITTEN_KINDS:
                raise ValueError(f"only a custom or instruction condition has a text, not a {self.kind} one")
            if self.levels:
                raise ValueError("a condition has either levels or a text, not both")
        elif self.kind == "instruction":
            raise ValueError("an instruction condition needs a text (its system message)")
        elif self.kind in ("baseline", COUNTRY_KIND) and self.levels:
            raise ValueError(f"a {self.kind} persona has no levels")
        elif self.kind not in ("baseline", COUNTRY_KIND) and not self.levels:
            raise ValueError(f"a {self.kind} persona needs a level for every variable")
        if (self.id == BASELINE_ID) != (self.kind == "baseline"):
            raise ValueError(f"the baseline persona is the one with id {BASELINE_ID!r} and kind 'baseline'")
        return self

    @property
    def written(self) -> bool:
        """Whether this is a condition written by hand (its text is the system message)."""
        return self.text is not None

    @property
    def position(self) -> tuple[float, float] | None:
        """(traditional_secular, survival_self_expression), each in [-1, 1]; (0, 0) for the baseline;
        None for a written condition, which has no place on the map."""
        return None if self.written else persona_position(self.levels)

    @property
    def extremity(self) -> float | None:
        return None if self.written else extremity(self.levels)

    def to_record(self) -> dict:
        return self.model_dump(mode="json")


def persona_position(levels: dict[str, int], cat: Catalogue | None = None) -> tuple[float, float]:
    """Mean level offset per dimension (see the module docstring)."""
    if not levels:
        return (0.0, 0.0)
    cat = cat or catalogue()
    sums = {d: 0.0 for d in DIMENSIONS}
    counts = {d: 0 for d in DIMENSIONS}
    for variable in cat.persona_variables:
        if variable.id in levels:
            sums[variable.dimension] += level_offset(levels[variable.id])
            counts[variable.dimension] += 1
    return tuple(round(sums[d] / counts[d], 6) if counts[d] else 0.0 for d in DIMENSIONS)  # type: ignore[return-value]


def variables_by_dimension(cat: Catalogue | None = None) -> dict[str, list[str]]:
    cat = cat or catalogue()
    return {d: [v.id for v in cat.persona_variables if v.dimension == d] for d in DIMENSIONS}


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


# --- text ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((PROMPTS_DIR / f"{PERSONA_TEMPLATE}.txt").read_text(encoding="utf-8"))


def persona_template_text() -> str:
    """The raw template, for hashing into a run's prompt record."""
    return _template().template


def render_persona_text(persona: Persona) -> str | None:
    """The system message for a persona, or None for the baseline (no system message)."""
    if persona.text is not None:
        return persona.text
    if persona.kind == COUNTRY_KIND:
        return Template((PROMPTS_DIR / f"{COUNTRY_TEMPLATE}.txt").read_text(encoding="utf-8")).substitute(
            country=persona.name).rstrip("\n")
    if persona.kind == "baseline" or not persona.levels:
        return None
    cat = catalogue()
    lines = []
    for variable in cat.persona_variables:
        level = persona.levels[variable.id]
        lines.append(f"- {variable.name}: {variable.measures} -> {variable.levels[level - 1].text}")
    return _template().substitute(lines="\n".join(lines)).rstrip("\n")


# --- generator -------------------------------------------------------------------------------------
#: Quadrants as (traditional_secular sign, survival_self_expression sign), in a fixed order.
QUADRANTS: tuple[tuple[int, int], ...] = ((-1, -1), (-1, 1), (1, -1), (1, 1))


def quadrant_name(ts_sign: int, sse_sign: int) -> str:
    ts = POLE_LABELS[DIMENSION_POLES["traditional_secular"][0 if ts_sign < 0 else 1]]
    sse = POLE_LABELS[DIMENSION_POLES["survival_self_expression"][0 if sse_sign < 0 else 1]]
    return f"{ts}/{sse}"


def _quadrant_slug(ts_sign: int, sse_sign: int) -> str:
    return quadrant_name(ts_sign, sse_sign).replace("/", "-")


def _pointing(sign: int, extreme: bool) -> int:
    if extreme:
        return 1 if sign < 0 else 4
    return 2 if sign < 0 else 3


def baseline_persona() -> Persona:
    return Persona(id=BASELINE_ID, name="baseline (no persona)", kind="baseline", notes="no system message")


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


def ensure_default_personas(study, seed: int = 0) -> list["Persona"]:
    """Store the default set in a study unless those ids are already there; returns every persona."""
    from valuegap_tui.store import personas as persona_store

    wanted = default_personas(seed)
    missing = [p for p in wanted if not persona_store.exists(study, p.id)]
    if missing:
        persona_store.save_many(study, missing)
    return persona_store.list_all(study)


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
