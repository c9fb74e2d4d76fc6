"""One VIA item: a (country, topic, value) with the action that expresses the value and the one that
resists it (Shen, Clark & Mitra 2025), each with the explanation the dataset gives for it."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Task 1's four points in canonical order (index = stored choice) and their scores
SCALE: tuple[str, ...] = ("Strongly agree", "Agree", "Disagree", "Strongly disagree")
SCALE_SCORES: tuple[int, ...] = (2, 1, -1, -2)
#: the twelve countries of the released data, in the paper's order
COUNTRIES: tuple[str, ...] = ("United States", "India", "Pakistan", "Nigeria", "Philippines", "United Kingdom",
                              "Germany", "Uganda", "Canada", "Egypt", "France", "Australia")
#: other spellings seen for a country, lower case -> the name above
COUNTRY_ALIASES = {"usa": "United States", "us": "United States", "united states of america": "United States",
                   "uk": "United Kingdom", "great britain": "United Kingdom", "britain": "United Kingdom",
                   "the philippines": "Philippines"}
MAX_TEXT = 4000


def country_slug(country: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", country.lower()).strip("-")


def find_country(text: str) -> str | None:
    key = " ".join(text.split()).lower()
    return next((c for c in COUNTRIES if c.lower() == key), None) or COUNTRY_ALIASES.get(key)


def item_id(country: str, topic: str, value: str) -> str:
    return f"via-{country_slug(country)}-{topic}-{value}"


class ViaItem(BaseModel):
    """``value`` and ``topic`` are catalogue ids; ``country`` one of COUNTRIES."""

    model_config = ConfigDict(extra="forbid")

    id: str
    country: str
    topic: str
    value: str
    expressing: str = Field(min_length=1, max_length=MAX_TEXT)
    resisting: str = Field(min_length=1, max_length=MAX_TEXT)
    expressing_explanation: str = Field("", max_length=MAX_TEXT)
    resisting_explanation: str = Field("", max_length=MAX_TEXT)
    status: str = "accepted"
    provenance: dict = Field(default_factory=lambda: {"source": "import-shen"})

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        found = find_country(value)
        if found is None:
            raise ValueError(f"unknown country {value!r}; one of {', '.join(COUNTRIES)}")
        return found

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        from valuegap_tui.catalogue import catalogue

        if value not in {t.id for t in catalogue().topics}:
            raise ValueError(f"unknown topic id {value!r}")
        return value

    @field_validator("value")
    @classmethod
    def _known_value(cls, value: str) -> str:
        from valuegap_tui.catalogue import catalogue

        if value not in {v.id for v in catalogue().values}:
            raise ValueError(f"unknown value id {value!r}")
        return value

    @model_validator(mode="after")
    def _distinct_actions(self) -> "ViaItem":
        if " ".join(self.expressing.split()) == " ".join(self.resisting.split()):
            raise ValueError("the expressing and the resisting action have the same text")
        return self

    def to_record(self) -> dict:
        return self.model_dump(mode="json")


#: the ways of asking the design supports (``Via.protocols``): its questions and their paraphrases
PROTOCOLS = ("standard", "paraphrase-1", "paraphrase-2", "paraphrase-3")
