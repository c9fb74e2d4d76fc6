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

Optional hooks (harlequin's adapter idea): a design declares what it provides, and the core asks
(``provides``) rather than guessing from the design's id. Each is documented where it is declared
below and in docs/designs.md ("Hooks"): the review screen's parts (``review_parts``), a generator
(``generator``), an importer (``import_file``), CLI commands (the registry in ``designs/__init__.py``,
declared without importing the design) and the options of `valuegap generate` (the generator's
``scope_fields``), the run planner's fixed questions, the report's figures and the simulator's hooks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from valuegap_tui.protocols import STANDARD

if TYPE_CHECKING:
    from pathlib import Path

    from valuegap_tui.designs.review import ReviewParts
    from valuegap_tui.metrics.frame import AnswerFrame
    from valuegap_tui.metrics.table import Table
    from valuegap_tui.store.db import Study

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
    #: the answers sit on the common six-point axis that the ``metrics`` package reads: AR, AD and F1
    #: by kind, the Results screen's tabs 1-6, the live gap of the Runs screen, the report's sections,
    #: paired comparisons and the answers export. A design without it reports through
    #: ``metric_tables`` (the Results screen's Design tab, ``designs/tables.py``).
    core_metrics: ClassVar[bool] = False

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

    def option_labels(self, item: Item, question: int) -> list[str] | None:
        """Short stable ids of the options in canonical order (``strongly_agree``, ``expressing``, a
        value id ...): the answers export's ``option_label``. None (the default) when the options have
        no ids beyond their texts; the export then leaves the column empty."""
        return None

    def fixed_questions(self) -> tuple[tuple[int, int], ...] | None:
        """(question, option count) pairs asked of every item alike, when they do not depend on the
        item: the run planner then plans without reading an item, and a run's size is a product.
        None (the default) when they do; the planner then asks ``questions_of`` per item."""
        return None

    def protocols(self) -> tuple[str, ...]:
        """The ways of asking (``protocols.py``) this design's questions can be asked in: ``standard``
        always; a protocol with its own wording only where each question has its template
        (``prompts/<template>.<protocol>.txt``); ``abstain`` where the metrics can count an abstention
        apart; ``third-person`` where a condition can describe another person. A run definition naming
        another is refused before anything is stored. Called when a run is planned and by the Runs
        form."""
        return (STANDARD,)

    # --- results ---------------------------------------------------------------------------------
    def metric_tables(self, frame: "AnswerFrame", items: dict[str, Item],
                      conditions: dict[str, Any]) -> list["Table"]:
        """The design's own tables (Results screen, report, CSV). ``conditions`` maps persona id to
        the run's snapshot of it. A design with ``core_metrics`` has the core's screens and returns []."""
        return []

    def report_figures(self, frame: "AnswerFrame", items: dict[str, Item], conditions: dict[str, Any],
                       out_dir: "Path") -> list["Path"]:
        """Optional: the design's own figures, drawn into ``out_dir`` by `valuegap report` (needs
        matplotlib); returns the files written. Called once per report of a run of this design."""
        raise NotImplementedError

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

    def simulator_study(self, study: "Study") -> int:
        """Optional: what the simulator learns from a study of this design before it serves it (its
        ground truth, e.g. which value each stored action enacts); returns how many items it read.
        Called by ``valuegap simulate --study`` and the demo."""
        raise NotImplementedError

    def study_notes(self, study) -> list[str]:
        """Lines about the study's items that ``valuegap info`` and the report print (e.g. rows an
        import refused); none by default."""
        return []

    # --- plug-in parts: each optional; ``provides(name)`` says whether this design has it ----------
    def review_parts(self) -> "ReviewParts":
        """How the review screen (F1) lists, shows, filters and changes this design's items: list
        columns, the detail, decisions, labels, tools (``designs/review.py``). The default parts
        show and change what every item has (status, notes, flags). Called when the screen opens."""
        from valuegap_tui.designs.review import ReviewParts

        return ReviewParts(self)

    def generator(self):
        """Optional: the design's generator (``generate/base.py``'s ``Generator``): which scope
        fields it takes (the options of `valuegap generate` and the Generate screen's fields), the
        jobs a scope leaves to do, and the run that asks a model and stores what it writes. Called
        by `valuegap generate` and the Generate screen on a study of this design."""
        raise NotImplementedError

    def import_file(self, study: "Study", path: "Path", *, fmt: str | None, who: str,
                    allow_flags: list[str]) -> str:
        """Optional: `valuegap import FILE` on a study of this design. Read the whole file first: a
        file that cannot be used raises ``DesignError`` saying which line and field, and nothing is
        written. Returns the one-line summary the command prints."""
        raise NotImplementedError

    def provides(self, hook: str) -> bool:
        """Whether this design has the optional hook ``hook`` (a method named above)."""
        mine = getattr(type(self), hook, None)
        return mine is not None and mine is not getattr(Design, hook, None)

    def describe(self) -> str:
        return f"{self.title} ({self.reference})"
