"""The ValAct-style design's items: a scenario with four actions, each enacting one of Schwartz's ten
basic value types (``data/values.toml`` [[types]]), and a questionnaire's portrait item keyed to one
value type. Both are stored in the study's ``dilemmas`` table as records (``store/items.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator, model_validator

from valuegap_tui.catalogue import catalogue

ACTIONS = 4
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ItemId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")]
Status = Literal["draft", "accepted", "rejected"]
PORTRAIT_TOPIC = "questionnaire"
#: the portrait scale's six points, most like the respondent first (the option order)
DEFAULT_SCALE = ("Very much like me", "Like me", "Somewhat like me", "A little like me", "Not like me",
                 "Not like me at all")
#: portrait option index (very much like me first) -> score
PORTRAIT_SCORES = (3, 2, 1, -1, -2, -3)


@lru_cache(maxsize=1)
def value_types() -> tuple[str, ...]:
    """The ten basic value type ids in the catalogue's order."""
    return tuple(t.id for t in catalogue().value_types)


def value_name(type_id: str) -> str:
    return catalogue().value_type(type_id).name


def find_value_type(text: str) -> str | None:
    """A value type id from its id or name, case and punctuation ignored ("Self-direction")."""
    key = re.sub(r"[^a-z]", "", str(text).lower())
    for t in catalogue().value_types:
        if key in (re.sub(r"[^a-z]", "", t.id), re.sub(r"[^a-z]", "", t.name.lower())):
            return t.id
    return None


def _value_type(text: str) -> str:
    found = find_value_type(text)
    if found is None:
        raise ValueError(f"{text!r} is not one of the ten basic values ({', '.join(value_types())})")
    return found


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    #: the basic value type this action enacts
    value: str

    _check_value = field_validator("value")(classmethod(lambda cls, v: _value_type(v)))


class Scenario(BaseModel):
    """An advice-seeking situation and four actions, each enacting a different basic value."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["scenario"] = "scenario"
    id: ItemId
    scenario: Text
    actions: list[Action] = Field(min_length=ACTIONS, max_length=ACTIONS)
    topic: str = ""
    status: Status = "draft"
    flags: list[str] = Field(default_factory=list)
    notes: str = ""
    provenance: dict = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_value_per_action(self):
        values = [a.value for a in self.actions]
        if len(set(values)) != len(values):
            twice = sorted({v for v in values if values.count(v) > 1})
            raise ValueError(f"actions: each action enacts a different value ({', '.join(twice)} appears twice)")
        return self

    @property
    def value(self) -> str:  # a scenario has no single value at stake
        return ""

    def values(self) -> list[str]:
        return [a.value for a in self.actions]

    def to_record(self) -> dict:
        return self.model_dump(mode="json")

    def relabelled(self, action: int, value: str) -> "Scenario":
        """The scenario with action ``action`` (0..3) enacting ``value``; when another action enacted
        that value, the two swap, so every action keeps a value of its own."""
        value = _value_type(value)
        actions = [a.model_copy() for a in self.actions]
        for other in actions:
            if other.value == value:
                other.value = actions[action].value
        actions[action] = actions[action].model_copy(update={"value": value})
        return self.model_copy(update={"actions": actions})


class Portrait(BaseModel):
    """One questionnaire item: a short description of a person, keyed to one basic value."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["portrait"] = "portrait"
    id: ItemId
    text: Text
    value: str
    instrument: str = ""
    scale: list[Text] = Field(default_factory=lambda: list(DEFAULT_SCALE), min_length=6, max_length=6)
    #: the questionnaire's items are not reviewed: they enter a study accepted
    status: Status = "accepted"
    flags: list[str] = Field(default_factory=list)
    notes: str = ""
    provenance: dict = Field(default_factory=dict)

    _check_value = field_validator("value")(classmethod(lambda cls, v: _value_type(v)))

    @property
    def topic(self) -> str:
        return PORTRAIT_TOPIC

    @property
    def scenario(self) -> str:  # the column every screen lists
        return self.text

    def to_record(self) -> dict:
        return self.model_dump(mode="json")


ValActItem = Annotated[Union[Scenario, Portrait], Field(discriminator="kind")]
_ADAPTER = TypeAdapter(ValActItem)


def item_from_record(record: dict) -> Scenario | Portrait:
    if isinstance(record, dict) and "kind" not in record:
        record = {**record, "kind": "scenario"}
    return _ADAPTER.validate_python(record)
