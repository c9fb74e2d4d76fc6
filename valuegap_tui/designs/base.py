"""The contract every study design keeps (docs/designs.md).

A *design* says what one instrument item holds, which questions are asked of it and with which
options, how a chosen option scores, and which metrics apply. The core (storage, planner, request
builder, answer reader, runs, screens, report) works only through this contract, never through a
design's own fields, so a design is one module (or package) in ``valuegap_tui/designs/`` plus its
entry in the registry (``designs/__init__.py``).

Fixed by the core, the same for every design:

- an item has an ``id`` (unique in the study), a ``value`` id and a ``topic`` id (strings, ``""``
  where the design has none) and ``to_record()``, the JSON-ready form the study stores;
- a question is asked with 2..8 options shown as letters A..H in a shuffled, balanced order
  (``plan/items.py``); the *choice* is the option's index in the design's canonical order;
- a chosen option's *score* is an integer in -3..3 (``choice_score``): on ordinal questions its
  position on the value's scale (positive agrees / enacts), 0 on nominal questions (where the choice
  itself is the answer). The answer frame keeps both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from valuegap_tui.metrics.frame import AnswerFrame
    from valuegap_tui.metrics.table import Table

MIN_OPTIONS, MAX_OPTIONS = 2, 8
LETTERS = "ABCDEFGH"


class DesignError(ValueError):
    """A study, file or command asks for something the study's design does not have."""


@dataclass(frozen=True)
class Question:
    """One question a design asks. Its index in ``Design.questions`` is what runs store."""

    id: str  # "value", "action", ...: names the question in tables and exports
    template: str  # prompts/<template>.txt; ${options} receives the lettered options
    ordinal: bool = True  # the options are points on the value's scale (else: nominal choices)


class Item(Protocol):
    id: str
    value: str
    topic: str

    def to_record(self) -> dict: ...


class Design(ABC):
    #: stable id, stored in the study (study_meta 'design') and in each run
    id: ClassVar[str]
    title: ClassVar[str]
    #: the publication the design follows
    reference: ClassVar[str]
    questions: ClassVar[tuple[Question, ...]]
    #: sampling temperature a new run of this design starts from
    default_temperature: ClassVar[float] = 1.0

    # --- items -----------------------------------------------------------------------------------
    @abstractmethod
    def item_from_record(self, record: dict) -> Item:
        """Validate a stored or imported record; raise ValueError saying which field and why."""

    def questions_of(self, item: Item) -> tuple[int, ...]:
        """The questions (indexes into ``questions``) asked of this item, in asking order."""
        return tuple(range(len(self.questions)))

    # --- asking --------------------------------------------------------------------------------
    @abstractmethod
    def option_texts(self, item: Item, question: int) -> list[str]:
        """The options in canonical order (index = choice code), MIN_OPTIONS..MAX_OPTIONS of them."""

    @abstractmethod
    def template_fields(self, item: Item, question: int) -> dict[str, str]:
        """The template's fields other than ${options} (scenario, value name, ...)."""

    @abstractmethod
    def choice_score(self, item: Item, question: int, choice: int) -> int:
        """The score of a chosen option: -3..3 on an ordinal question (no 0), 0 on a nominal one."""

    def option_count(self, item: Item, question: int) -> int:
        return len(self.option_texts(item, question))

    # --- results ---------------------------------------------------------------------------------
    def metric_tables(self, frame: "AnswerFrame", items: dict[str, Item],
                      conditions: dict[str, Any]) -> list["Table"]:
        """The design's own tables (Results screen, report, CSV). ``conditions`` maps persona id to
        the run's snapshot of it. The poster's design keeps its richer screens and returns []."""
        return []

    def headline(self, frame: "AnswerFrame", items: dict[str, Item], conditions: dict[str, Any]) -> list[tuple]:
        """The design's headline numbers, as (model, condition, metric, value) rows: what
        ``valuegap compare`` sets side by side across studies of different designs."""
        return []

    # --- the simulator -------------------------------------------------------------------------
    def simulated_reply(self, params, system: str | None, user: str, rng) -> list[float] | str | None:
        """The simulator's planted answer to a request of this design: probabilities of the letters
        shown (the simulator draws one), or the reply text itself; None when the request is not one
        of this design's questions. ``params.designs[self.id]`` holds the planted parameters."""
        return None

    def study_notes(self, study) -> list[str]:
        """Lines about the study's items that ``valuegap info`` and the report print (e.g. rows an
        import refused); none by default."""
        return []

    def describe(self) -> str:
        return f"{self.title} ({self.reference})"
