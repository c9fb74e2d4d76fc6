"""The poster's dilemmas, typed: ``store/items.py`` and ``store/item_rows.py`` with the poster's design.

No SQL of its own: every read and write goes through the one item store, which serves every design.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from valuegap_tui.designs.graded_actions.models import DESIGN_ID, Dilemma
from valuegap_tui.store import item_rows, items
from valuegap_tui.store.db import Study
from valuegap_tui.store.item_rows import ItemRow, counts_by as _counts_by, history_count, last_history_id

__all__ = ["HistoryEntry", "ItemRow", "count", "counts_by", "exists", "existing_ids", "flags_in_use", "get",
           "history", "history_by", "history_count", "import_many", "insert_new", "iter_dilemmas",
           "last_history_id", "list_rows", "rows_changed_since", "save", "save_many", "update_flags"]


class _PosterItems:
    """What the item store needs of the poster's design: its id, and how a record becomes a Dilemma.
    Not the design object itself, whose hooks reach up into generation and review."""

    id = DESIGN_ID

    @staticmethod
    def item_from_record(record: dict) -> Dilemma:
        return Dilemma.model_validate(record)


DESIGN = _PosterItems()


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    dilemma_id: str
    revision: int
    who: str
    at: str
    action: str
    before: Dilemma | None
    after: Dilemma


def save(study: Study, dilemma: Dilemma, *, who: str, action: str) -> int:
    """Write a dilemma (new or changed) and append its history row; returns the new revision."""
    return save_many(study, [dilemma], who=who, action=action)[0]


def save_many(study: Study, dilemmas: Iterable[Dilemma], *, who: str, action: str) -> list[int]:
    """Write several dilemmas in one transaction: all are stored, or none."""
    return items.write(study, DESIGN, dilemmas, who=who, action=action)


def update_flags(study: Study, ids: Iterable[str], new_flags: Callable[[Dilemma], list[str]], *,
                 who: str, action: str) -> int:
    """Change only the flags of these dilemmas (``items.update_flags``); returns how many changed."""
    return items.update_flags(study, DESIGN, ids, lambda record: new_flags(Dilemma.model_validate(record)),
                              who=who, action=action)


def insert_new(study: Study, dilemma: Dilemma, *, who: str, action: str) -> bool:
    """Store a dilemma only if none has its id yet (checked under the write lock); False if one has."""
    return items.insert_new(study, DESIGN, dilemma, who=who, action=action)


def import_many(study: Study, dilemmas: Iterable[Dilemma], *, who: str) -> dict[str, int]:
    """Import records in one transaction. A record that states no status keeps the stored dilemma's
    status (a person's decision is not undone by a file that does not mention it), and one that states
    no provenance keeps the stored provenance; one that states a status sets it, and the result counts
    those changes so the command can say so. A record equal to the stored dilemma is left alone: no
    revision, no history row, counted as unchanged (importing the same file twice changes nothing)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "status_changed": 0}
    with study.transaction():
        stored = []
        for dilemma in dilemmas:
            current = get(study, dilemma.id)
            if current is None:
                counts["new"] += 1
                stored.append(dilemma)
                continue
            kept = {name: getattr(current, name) for name in ("status", "provenance")
                    if name not in dilemma.model_fields_set}
            if kept:
                dilemma = dilemma.model_copy(update=kept)
            if dilemma.to_record() == current.to_record():
                counts["unchanged"] += 1
                continue
            counts["updated"] += 1
            if dilemma.status != current.status:
                counts["status_changed"] += 1
            stored.append(dilemma)
        if stored:
            save_many(study, stored, who=who, action="import")
    return counts


def get(study: Study, dilemma_id: str) -> Dilemma | None:
    return items.get(study, DESIGN, dilemma_id)


def exists(study: Study, dilemma_id: str) -> bool:
    return items.exists(study, dilemma_id)


def existing_ids(study: Study) -> set[str]:
    return items.existing_ids(study, DESIGN)


def iter_dilemmas(study: Study, *, status: str | Iterable[str] | None = None,
                  value_ids: Iterable[str] | None = None, topic_ids: Iterable[str] | None = None) -> Iterator[Dilemma]:
    """Dilemmas in a stable order (value, topic, variant), optionally filtered."""
    return items.iter_items(study, DESIGN, status=status, value_ids=value_ids, topic_ids=topic_ids)


def list_rows(study: Study, *, status: str | Iterable[str] | None = None, limit: int | None = None) -> list[ItemRow]:
    return item_rows.list_rows(study, DESIGN, status=status, limit=limit)


def rows_changed_since(study: Study, history_id: int) -> tuple[list[ItemRow], int]:
    return item_rows.rows_changed_since(study, DESIGN, history_id)


def count(study: Study) -> int:
    return items.count(study, DESIGN)


def flags_in_use(study: Study) -> set[str]:
    return item_rows.flags_in_use(study, DESIGN)


def counts_by(study: Study, column: str) -> dict[str, int]:
    """Number of dilemmas per status, value_id or topic_id."""
    return _counts_by(study, DESIGN, column)


def history(study: Study, dilemma_id: str) -> list[HistoryEntry]:
    """A dilemma's revisions, oldest first."""
    return [_typed(entry) for entry in item_rows.history(study, dilemma_id)]


def history_by(study: Study, who: str, *, limit: int = 50) -> list[HistoryEntry]:
    """One person's most recent changes, newest first."""
    return [_typed(entry) for entry in item_rows.history_by(study, who, limit=limit)]


def _typed(entry: item_rows.HistoryEntry) -> HistoryEntry:
    return HistoryEntry(entry.id, entry.item_id, entry.revision, entry.who, entry.at, entry.action,
                        None if entry.before is None else Dilemma.model_validate(entry.before),
                        Dilemma.model_validate(entry.after))
