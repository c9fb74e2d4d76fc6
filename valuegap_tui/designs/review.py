"""A design's parts of the review screen (``Design.review_parts``), headless.

The review screen (F1, ``tui/screens/dilemmas.py``) is the same for every design: the list, paging,
filters, reviewer name, blind mode, undo, history, the palette and the writer thread. What differs
is asked of these parts: the list's columns, the words a filter understands, the detail, the
decisions a reviewer can take, what a digit key labels, and which of the optional review tools the
design has. Everything here is data or a pure function of an item: the screen draws it, and
``review/decisions.py`` saves the changes, so a design needs no screen code of its own.

Text a design returns for display is shown as text, never read as markup, with control characters
made visible; ``style`` strings are Rich style names.

The defaults below serve any design whose items have the common fields (``id``, ``value``,
``topic``, ``status``, ``flags`` and, where the record has one, ``scenario`` and ``notes``); a design
overrides what it shows or changes differently (``designs/graded_actions/review.py``,
``designs/valact/review.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from valuegap_tui.designs.base import Design
    from valuegap_tui.store.db import Study

#: a piece of shown text and its Rich style
Segment = tuple[str, str]

#: the review tools a design may have; the screen hides the keys of those it lacks
TOOLS = frozenset({
    "notes",  # m: reviewer notes on an item
    "edit",  # e: edit the item's text (``edited``)
    "blind_labels",  # blind mode keeps each reviewer's own labels apart (agreement is computed on them)
    "agreement",  # y: agreement between reviewers
    "label_check",  # c / f: a model's second opinion on the labels, and its suggested fix
    "write_new",  # ctrl+n / D: write a new item by hand, or a copy of this one
    "reviewers",  # C: the reviewers' labels side by side
})


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int


@dataclass(frozen=True)
class ShownOption:
    """One option of an item as the detail lists it: a label chip (None: unlabelled) and its text."""

    label: str | None
    style: str
    text: str


@dataclass(frozen=True)
class Vocabulary:
    """The words a filter understands for this design (``review/filters.py``): each finder takes
    what a person typed and gives the stored id, or None for a word it does not know."""

    statuses: tuple[str, ...]
    find_value: Callable[[str], str | None]
    find_topic: Callable[[str], str | None]
    find_type: Callable[[str], str | None]
    #: the value type of a row's value id ("" when it has none)
    type_of: Callable[[str], str]


def _catalogue_vocabulary(statuses: tuple[str, ...]) -> Vocabulary:
    from valuegap_tui.catalogue import catalogue

    cat = catalogue()

    def find_value(text: str) -> str | None:
        found = cat.find_value(text)
        return found.id if found else None

    def find_topic(text: str) -> str | None:
        found = cat.find_topic(text)
        return found.id if found else None

    def find_type(text: str) -> str | None:
        return next((t.id for t in cat.value_types if text.lower() in (t.id, t.name.lower())), None)

    def type_of(value_id: str) -> str:
        try:
            return cat.value(value_id).type
        except KeyError:
            return ""

    return Vocabulary(statuses, find_value, find_topic, find_type, type_of)


class ReviewParts:
    """The default parts: any design's items listed by value and topic, decided, annotated."""

    #: the list's columns between Status (first) and Flags, Reviewer (last)
    columns: ClassVar[tuple[Column, ...]] = (Column("value", "Value", 18), Column("topic", "Topic", 18))
    #: every status an item may have, in the order the counts line shows them
    statuses: ClassVar[tuple[str, ...]] = ("draft", "accepted", "rejected")
    #: decision (the review key's action) -> the status it sets; "skip" (move on) is always there
    decisions: ClassVar[Mapping[str, str]] = {"accept": "accepted", "reject": "rejected", "draft": "draft"}
    #: what the digit keys 1..n do, one description each: with ``relabel_by`` "label", digit k gives
    #: the highlighted option label k; with "option", digit k picks option k and a list of its labels
    #: opens (``label_choices``)
    label_keys: ClassVar[tuple[str, ...]] = ()
    relabel_by: ClassVar[str] = "label"
    #: the optional review tools (TOOLS) this design has
    tools: ClassVar[frozenset[str]] = frozenset()
    #: topics whose items the list leaves out unless a filter names the topic (``topic:NAME``)
    hidden_topics: ClassVar[tuple[str, ...]] = ()
    #: what the list says when the study has none of the design's items
    empty_hint: ClassVar[str] = "No items yet: import some (`valuegap import FILE`; docs/designs.md)."
    #: the guidelines file (prompts/) the g key shows
    guidelines: ClassVar[str] = "review_guidelines.md"

    def __init__(self, design: "Design"):
        self.design = design

    # --- the list ------------------------------------------------------------------------------
    def cells(self, row) -> list[str]:
        """The texts of ``columns`` for a list row (``store.item_rows.ItemRow``: ids, no text)."""
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        return [_name(cat.value, row.value_id), _name(cat.topic, row.topic_id)]

    def vocabulary(self) -> Vocabulary:
        return _catalogue_vocabulary(self.statuses)

    # --- the detail ----------------------------------------------------------------------------
    def heading(self, item) -> list[Segment]:
        """What the item is about, above its text: a title line, then the start of a facts line that
        the screen ends with the status, the flags and the id (so it ends with " | " when not empty)."""
        from valuegap_tui.catalogue import catalogue

        cat = catalogue()
        topic = _name(cat.topic, item.topic)
        return [(_name(cat.value, item.value) or item.id, "bold"), ("\n", ""), (f"{topic} | " if topic else "", "")]

    def body(self, item) -> str:
        """The item's main text (untrusted)."""
        return str(getattr(item, "scenario", "") or "")

    def options(self, item, *, blind: bool = False, labels: list | None = None) -> list[ShownOption]:
        """The item's options in stored order. ``blind`` hides what a reviewer would be anchored by;
        ``labels`` are the reviewer's own blind labels where the design keeps them."""
        return []

    def flag_notes(self, item) -> list[tuple[str, str]]:
        """(flag, why it is there) for each of the item's flags."""
        return [(flag, "set by hand, by an import or by a quality check") for flag in getattr(item, "flags", [])]

    def second_opinion(self, study: "Study", item) -> list[Segment]:
        """Lines about a second opinion on the item's labels (the ``label_check`` tool)."""
        return []

    # --- changes: each returns the changed item, or raises ValueError saying why not ----------------
    def accept_problem(self, item, labels: list | None = None) -> str | None:
        """Why the item (or the reviewer's own blind ``labels``) cannot be accepted yet; None if it can."""
        return None

    def label_choices(self, item, option: int) -> list[tuple[str, str]]:
        """(label id, name) a reviewer may give option ``option``."""
        return []

    def label_of(self, key: int) -> str:
        """The label id digit ``key`` (0-based) gives, with ``relabel_by`` "label"."""
        raise ValueError("this design has no labels to give")

    def relabelled(self, item, option: int, label: str):
        """The item with option ``option`` labelled ``label`` (the option that had it takes the old one)."""
        raise ValueError("this design has no labels to change")

    def editable(self, item, option: int | None) -> tuple[str, str]:
        """(title, text) of what ``e`` edits: the highlighted option's text, or (None) the body."""
        return f"Edit the text of {item.id}", self.body(item)

    def edited(self, item, option: int | None, text: str):
        """The item with the edited text in place (``editable``'s field)."""
        raise ValueError("this design's items are not edited here")

    # --- the optional tools (``tools``): called only when the design lists the tool ----------------
    def blind_labels(self, study: "Study", item_id: str, reviewer: str) -> list:
        """blind_labels: the reviewer's own labels of the item's options (None where not given yet)."""
        raise NotImplementedError

    def blind_relabel(self, study: "Study", item_id: str, option: int, label: str, reviewer: str) -> list:
        """blind_labels: give option ``option`` the reviewer's own label; returns their labels."""
        raise NotImplementedError

    def blind_submit(self, study: "Study", item_id: str, reviewer: str) -> None:
        """blind_labels: the blind accept: the reviewer's own labels are complete (else ValueError)."""
        raise NotImplementedError

    def with_label(self, labels: list, option: int, label: str) -> list:
        """blind_labels: ``labels`` with option ``option`` given ``label`` (as ``relabelled`` does)."""
        raise NotImplementedError

    def agreement(self, study: "Study") -> list[Segment]:
        """agreement: the agreement between reviewers (and with the generator), as shown text."""
        raise NotImplementedError

    def label_check_client(self):
        """label_check: the client that asks for the second opinion (ValueError: none configured)."""
        raise NotImplementedError

    async def check_labels(self, study: "Study", client, items: list) -> tuple[int, int]:
        """label_check: ask for a second opinion on ``items``; returns (doubtful, errors)."""
        raise NotImplementedError

    def fix_applies(self, study: "Study", item) -> bool:
        """label_check: whether the latest second opinion suggests a fix that still applies."""
        raise NotImplementedError

    def apply_fix(self, study: "Study", item_id: str, reviewer: str):
        """label_check: apply the suggested fix as the reviewer's relabel (undone like one)."""
        raise NotImplementedError

    def add_new(self, study: "Study", item, reviewer: str):
        """write_new: store an item written by hand; ValueError when its id is taken (nothing overwritten)."""
        raise NotImplementedError

    def next_variant(self, study: "Study", value: str, topic: str) -> int:
        """write_new: the first variant number no item of (value, topic) uses yet."""
        raise NotImplementedError

    def describe_change(self, before: dict | None, after: dict) -> str:
        """One line saying what a revision changed (the history view)."""
        if before is None:
            return "created"
        changed = [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
        parts = []
        for key in changed:
            old, new = before.get(key), after.get(key)
            if isinstance(old, str) and isinstance(new, str) and len(old) + len(new) < 60:
                parts.append(f"{key}: {old or '-'} -> {new or '-'}")
            else:
                parts.append(f"{key} changed")
        return "; ".join(parts) or "no change"


def _name(find: Callable[[str], Any], item_id: str) -> str:
    """A catalogue entry's name, or the id as stored when the catalogue has no such entry."""
    if not item_id:
        return ""
    try:
        return find(item_id).name
    except KeyError:
        return item_id
