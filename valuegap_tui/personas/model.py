"""A persona: the levels of the ten WVS-derived variables (or a text written by hand), its kind, and its
place on the cultural map.

Position on the map. Each variable loads on one dimension and has four ordered levels, from the
negative pole (traditional / survival) to the positive one (secular-rational / self-expression).
A level's signed offset from the centre is ``(level - 2.5) / 1.5``: -1, -1/3, +1/3, +1. A persona's
coordinate on a dimension is the mean offset of that dimension's variables, so it lies in [-1, 1]:
a max persona sits at +-1 on both axes, a moderate one at +-1/3, and an incongruous dimension (half
the variables at each pole) near 0.

A condition written by hand (``personas.written``) has a ``text`` instead of levels: that text is its
system message, sent as given. It has no place on the map (``position`` and ``extremity`` are None).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from valuegap_tui.catalogue import DIMENSION_POLES, Catalogue, catalogue
from valuegap_tui.validation import not_a_switch

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


#: Quadrants as (traditional_secular sign, survival_self_expression sign), in a fixed order.
QUADRANTS: tuple[tuple[int, int], ...] = ((-1, -1), (-1, 1), (1, -1), (1, 1))


def quadrant_name(ts_sign: int, sse_sign: int) -> str:
    ts = POLE_LABELS[DIMENSION_POLES["traditional_secular"][0 if ts_sign < 0 else 1]]
    sse = POLE_LABELS[DIMENSION_POLES["survival_self_expression"][0 if sse_sign < 0 else 1]]
    return f"{ts}/{sse}"


def baseline_persona() -> Persona:
    return Persona(id=BASELINE_ID, name="baseline (no persona)", kind="baseline", notes="no system message")
