"""Load and validate the catalogues in data/: values, topics, answer scales, persona variables.

A broken file raises CatalogueError naming the file and the entry, so a researcher who edits a
catalogue learns at start-up exactly what is wrong.
"""

from __future__ import annotations

import os

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from valuegap_tui.config import ConfigError, read_toml
from valuegap_tui.paths import DATA_DIR

Dimension = Literal["traditional_secular", "survival_self_expression"]
Pole = Literal["traditional", "secular_rational", "survival", "self_expression"]

#: Which poles belong to which dimension, negative pole first.
DIMENSION_POLES: dict[str, tuple[str, str]] = {
    "traditional_secular": ("traditional", "secular_rational"),
    "survival_self_expression": ("survival", "self_expression"),
}


class CatalogueError(ValueError):
    """A catalogue file is missing, unreadable or inconsistent."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueType(_Entry):
    id: str
    name: str
    description: str


class SchwartzValue(_Entry):
    id: str
    name: str
    type: str
    gloss: str


class Topic(_Entry):
    id: str
    name: str
    description: str


class ScalePoint(_Entry):
    id: str
    text: str
    score: int = Field(ge=-3, le=3)

    @field_validator("score")
    @classmethod
    def _no_zero(cls, score: int) -> int:
        if score == 0:
            raise ValueError("scores run +3..+1 and -1..-3; there is no neutral point")
        return score


class PersonaLevel(_Entry):
    text: str
    pole: Pole


class PersonaVariable(_Entry):
    id: str
    name: str
    measures: str
    dimension: Dimension
    levels: tuple[PersonaLevel, PersonaLevel, PersonaLevel, PersonaLevel]

    def level_offset(self, level: int) -> float:
        """Signed position of a 1-based level: -1.5, -0.5, +0.5, +1.5 (negative pole first)."""
        return level - 2.5


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value_types: tuple[ValueType, ...]
    values: tuple[SchwartzValue, ...]
    topics: tuple[Topic, ...]
    value_scale: tuple[ScalePoint, ...]
    action_labels: tuple[ScalePoint, ...]
    persona_variables: tuple[PersonaVariable, ...]

    # Lookups by id, built once: screens and the simulator call them in hot loops.
    _by_id: dict[str, dict] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context) -> None:
        for name in ("value_types", "values", "topics", "persona_variables", "value_scale", "action_labels"):
            self._by_id[name] = {entry.id: entry for entry in getattr(self, name)}

    def value(self, value_id: str) -> SchwartzValue:
        return self._by_id["values"][value_id]

    def topic(self, topic_id: str) -> Topic:
        return self._by_id["topics"][topic_id]

    def value_type(self, type_id: str) -> ValueType:
        return self._by_id["value_types"][type_id]

    def variable(self, variable_id: str) -> PersonaVariable:
        return self._by_id["persona_variables"][variable_id]

    def action_label(self, label_id: str) -> ScalePoint:
        return self._by_id["action_labels"][label_id]

    def values_of_type(self, type_id: str) -> list[SchwartzValue]:
        return [v for v in self.values if v.type == type_id]

    def find_value(self, text: str) -> SchwartzValue | None:
        """A value by id or (case-insensitive) name."""
        key = text.strip().lower()
        return self._by_id["values"].get(key) or next((v for v in self.values if v.name.lower() == key), None)

    def find_topic(self, text: str) -> Topic | None:
        """A topic by id or (case-insensitive) name."""
        key = text.strip().lower()
        return self._by_id["topics"].get(key) or next((t for t in self.topics if t.name.lower() == key), None)


def _read_toml(path: Path) -> dict:
    try:
        return read_toml(path)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: catalogue file is missing") from None
    except ConfigError as exc:
        raise CatalogueError(str(exc)) from None


def _entries(path: Path, raw: dict, key: str, model: type[BaseModel]) -> tuple:
    items = raw.get(key)
    if not isinstance(items, list) or not items:
        raise CatalogueError(f"{path}: expected a non-empty list [[{key}]]")
    parsed = []
    for position, item in enumerate(items, start=1):
        label = item.get("id", f"#{position}") if isinstance(item, dict) else f"#{position}"
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(entry)'}: {err['msg']}" for err in exc.errors()
            )
            raise CatalogueError(f"{path}: {key} entry {position} ({label}): {problems}") from None
    duplicates = [i for i, n in Counter(getattr(e, "id") for e in parsed).items() if n > 1]
    if duplicates:
        raise CatalogueError(f"{path}: {key}: duplicate id(s) {', '.join(duplicates)}")
    return tuple(parsed)


#: a researcher's own persona variable set (same format as data/persona_variables.toml)
PERSONA_VARIABLES_ENV = "VALUEGAP_PERSONA_VARIABLES"


def persona_variables_path(data_dir: Path = DATA_DIR) -> Path:
    """The persona variable file in use: $VALUEGAP_PERSONA_VARIABLES when set, else the shipped set."""
    explicit = os.environ.get(PERSONA_VARIABLES_ENV)
    return Path(explicit) if explicit else data_dir / "persona_variables.toml"


def load_catalogue(data_dir: Path = DATA_DIR) -> Catalogue:
    """Read and cross-check every catalogue file in data_dir."""
    values_path = data_dir / "values.toml"
    raw_values = _read_toml(values_path)
    value_types = _entries(values_path, raw_values, "types", ValueType)
    values = _entries(values_path, raw_values, "values", SchwartzValue)
    type_ids = {t.id for t in value_types}
    for position, value in enumerate(values, start=1):
        if value.type not in type_ids:
            raise CatalogueError(
                f"{values_path}: values entry {position} ({value.id}): type {value.type!r} is not one of the [[types]]"
            )

    topics_path = data_dir / "topics.toml"
    topics = _entries(topics_path, _read_toml(topics_path), "topics", Topic)

    scales_path = data_dir / "scales.toml"
    raw_scales = _read_toml(scales_path)
    value_scale = _entries(scales_path, raw_scales, "value_scale", ScalePoint)
    action_labels = _entries(scales_path, raw_scales, "action_labels", ScalePoint)
    for key, scale in (("value_scale", value_scale), ("action_labels", action_labels)):
        scores = [p.score for p in scale]
        if sorted(scores, reverse=True) != [3, 2, 1, -1, -2, -3] or scores != sorted(scores, reverse=True):
            raise CatalogueError(f"{scales_path}: {key}: scores must be 3, 2, 1, -1, -2, -3 in that order, got {scores}")

    variables_path = persona_variables_path(data_dir)
    try:
        raw_variables = _read_toml(variables_path)
    except CatalogueError as exc:
        if os.environ.get(PERSONA_VARIABLES_ENV):  # say where the path came from, so it can be fixed
            raise CatalogueError(f"{exc} (named by {PERSONA_VARIABLES_ENV}: unset it for the shipped set)") from None
        raise
    variables = _entries(variables_path, raw_variables, "variables", PersonaVariable)
    for position, variable in enumerate(variables, start=1):
        negative, positive = DIMENSION_POLES[variable.dimension]
        expected = (negative, negative, positive, positive)
        got = tuple(level.pole for level in variable.levels)
        if got != expected:
            raise CatalogueError(
                f"{variables_path}: variables entry {position} ({variable.id}): level poles must be "
                f"{', '.join(expected)} for dimension {variable.dimension}, got {', '.join(got)}"
            )

    return Catalogue(
        value_types=value_types,
        values=values,
        topics=topics,
        value_scale=value_scale,
        action_labels=action_labels,
        persona_variables=variables,
    )


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The project's catalogue, loaded once per process."""
    return load_catalogue()
