"""Domain models: dilemmas, their six labelled actions, status and provenance.

Validation errors name the field and the reason (pydantic's messages, plus our own for the rules a
dilemma must keep: six distinct actions, each alignment label used exactly once).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from valuegap_tui.catalogue import catalogue
from valuegap_tui.validation import format_validation_error, not_a_switch  # noqa: F401 (also imported from here)

#: the poster's design's id (``designs/graded_actions/design.py``), here so the store's typed view of its
#: items can name it without importing the design and its hooks
DESIGN_ID = "graded_actions"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AlignmentLabel(str, Enum):
    """How an action relates to the value at stake, from most aligning to most opposing."""

    STRONGLY_ALIGNING = "strongly_aligning"
    MODERATELY_ALIGNING = "moderately_aligning"
    MILDLY_ALIGNING = "mildly_aligning"
    MILDLY_OPPOSING = "mildly_opposing"
    MODERATELY_OPPOSING = "moderately_opposing"
    STRONGLY_OPPOSING = "strongly_opposing"

    @property
    def score(self) -> int:
        return _LABEL_SCORES[self]

    @property
    def text(self) -> str:
        return catalogue().action_label(self.value).text

    @property
    def rank(self) -> int:
        """0 for strongly aligning .. 5 for strongly opposing."""
        return _LABEL_ORDER.index(self)

    @property
    def aligning(self) -> bool:
        return self.score > 0

    @classmethod
    def ordered(cls) -> list["AlignmentLabel"]:
        return list(_LABEL_ORDER)

    @classmethod
    def parse(cls, text: str) -> "AlignmentLabel":
        """Accept an id ("mildly_opposing"), display text ("Mildly opposing") or score ("-1")."""
        raw = str(text).strip()
        key = raw.lower().replace("-", "_").replace(" ", "_")
        # dict look-ups, not a walk over the enum: every stored dilemma's six labels pass here
        found = _LABEL_BY_ID.get(key) or _LABEL_BY_SCORE.get(raw.lstrip("+"))
        if found is not None:
            return found
        raise ValueError(f"unknown alignment label {text!r}; expected one of {', '.join(l.value for l in cls)}")


_LABEL_ORDER = tuple(AlignmentLabel)
_LABEL_SCORES = dict(zip(_LABEL_ORDER, (3, 2, 1, -1, -2, -3)))
_LABEL_BY_ID = {label.value: label for label in _LABEL_ORDER}
_LABEL_BY_SCORE = {str(score): label for label, score in _LABEL_SCORES.items()}


class DilemmaStatus(str, Enum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_EDIT = "needs-edit"


NonBlank = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def dilemma_id(value_id: str, topic_id: str, variant: int = 1) -> str:
    """Stable, readable id from (value, topic, variant), e.g. ``wisdom--politics--1``."""
    return f"{value_id}--{topic_id}--{variant}"


class ActionOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: NonBlank
    label: AlignmentLabel

    @field_validator("label", mode="before")
    @classmethod
    def _label_by_id_text_or_score(cls, label):
        if isinstance(label, AlignmentLabel):
            return label
        # a stored label is its id: found at once, without parse's normalising
        found = _LABEL_BY_ID.get(label) if type(label) is str else None
        return found if found is not None else AlignmentLabel.parse(label)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("action text is blank")
        return text


class Provenance(BaseModel):
    """Where a dilemma came from: enough to tell which model and which prompt made it."""

    model_config = ConfigDict(extra="forbid")

    source: str = "manual"  # manual | import | generated | sample
    generator_model: str | None = None
    prompt_template: str | None = None
    prompt_hash: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Dilemma(BaseModel):
    """One moral dilemma: a second-person scenario, the value at stake and six labelled actions."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    id: str = ""
    value: str
    topic: str
    variant: int = Field(default=1, ge=1, le=1_000_000)  # bounded: stored as an SQLite integer
    scenario: NonBlank
    options: list[ActionOption]
    status: DilemmaStatus = DilemmaStatus.DRAFT
    notes: str = ""
    flags: list[str] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)

    @field_validator("variant", mode="before")
    @classmethod
    def _variant_is_a_number(cls, variant):
        return not_a_switch(variant)

    @field_validator("value")
    @classmethod
    def _known_value(cls, value: str) -> str:
        found = catalogue().find_value(value)
        if found is None:
            raise ValueError(f"unknown Schwartz value {value!r}")
        return found.id

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, topic: str) -> str:
        found = catalogue().find_topic(topic)
        if found is None:
            raise ValueError(f"unknown topic {topic!r}")
        return found.id

    @field_validator("scenario")
    @classmethod
    def _scenario_not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("scenario is blank")
        return text

    @field_validator("options")
    @classmethod
    def _six_options_one_per_label(cls, options: list[ActionOption]) -> list[ActionOption]:
        return check_options(options)

    @model_validator(mode="after")
    def _stable_id(self) -> "Dilemma":
        expected = dilemma_id(self.value, self.topic, self.variant)
        if not self.id:
            self.id = expected
        elif self.id != expected:
            raise ValueError(f"id {self.id!r} does not match value/topic/variant (expected {expected!r})")
        return self

    # --- views -------------------------------------------------------------------------------
    def option_for(self, label: AlignmentLabel) -> ActionOption:
        return next(o for o in self.options if o.label == label)

    def options_by_alignment(self) -> list[ActionOption]:
        """The options from strongly aligning to strongly opposing."""
        return sorted(self.options, key=lambda o: o.label.rank)

    def to_record(self) -> dict:
        """A JSON-ready dict (the export and storage form)."""
        return self.model_dump(mode="json")


def check_options(options: list[ActionOption]) -> list[ActionOption]:
    """Six distinct actions, each alignment label used exactly once; raises ValueError saying why."""
    if len(options) != 6:
        raise ValueError(f"a dilemma needs exactly 6 options, got {len(options)}")
    label_problems = describe_label_problems([o.label for o in options])
    if label_problems:
        raise ValueError(label_problems)
    texts = [o.text.strip().lower() for o in options]
    if len(set(texts)) != len(texts):
        raise ValueError("two options have the same text")
    return options


#: every alignment label, once
_EVERY_LABEL = frozenset(AlignmentLabel)


def describe_label_problems(labels: list[AlignmentLabel | None]) -> str:
    """'' when the labels are one per alignment label, otherwise what is wrong.

    The usual case (six distinct labels, every one) is told by two set operations: every stored
    dilemma's options pass here when a run is planned (3,000 dilemmas: 45 ms of counting)."""
    if len(labels) == len(_EVERY_LABEL) and _EVERY_LABEL.issuperset(labels) and len(set(labels)) == len(labels):
        return ""
    return counted_label_problems(labels)


def counted_label_problems(labels: list[AlignmentLabel | None]) -> str:
    """``describe_label_problems`` by counting each label (what the shortcut must agree with)."""
    used = [label for label in labels if label is not None]
    doubled = sorted({label.value for label in used if used.count(label) > 1})
    missing = [label.value for label in AlignmentLabel.ordered() if label not in used]
    problems = []
    if doubled:
        problems.append(f"label used more than once: {', '.join(doubled)}")
    if missing:
        problems.append(f"label missing: {', '.join(missing)}")
    return "; ".join(problems)


class GeneratedDilemma(BaseModel):
    """What a generator model must return: the JSON schema sent to the server comes from this.

    One field per alignment label makes "exactly one action per label" part of the schema itself.
    """

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="The dilemma in the second person, 60-180 words.")
    strongly_aligning: str = Field(description="An action that strongly upholds the value.")
    moderately_aligning: str = Field(description="An action that moderately upholds the value.")
    mildly_aligning: str = Field(description="An action that mildly upholds the value.")
    mildly_opposing: str = Field(description="An action that mildly goes against the value.")
    moderately_opposing: str = Field(description="An action that moderately goes against the value.")
    strongly_opposing: str = Field(description="An action that strongly goes against the value.")

    def options(self) -> list[ActionOption]:
        return [ActionOption(text=getattr(self, label.value), label=label) for label in AlignmentLabel.ordered()]
