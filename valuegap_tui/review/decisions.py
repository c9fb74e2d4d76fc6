"""Reviewing a study's items, for every design: decisions, relabels, text edits, notes and undo.

Every change goes through the one item store (``store/items.py``), so the append-only history
records who changed what, when, and the record before and after. Each change reads the item and
writes it under one write lock, so a change made meanwhile by another process (flags, another
reviewer) is kept. Only these functions, called for a person, change a review status; automation
writes flags only. What a change means for the study's design (which labels there are, which text
may be edited, when an item may be accepted) is asked of its review parts (``designs/review.py``).

Undo puts back what the reviewer's latest change not yet undone changed (where nobody changed it
since), as a new "undo" revision; ``store.review`` remembers which revisions were undone, so undo
works across restarts and steps back one change at a time.

The poster's own tools (blind labels, agreement, the second opinion's fix, dilemmas written by
hand) are in ``designs/graded_actions/review_tools.py``.
"""

from __future__ import annotations

import json
from enum import Enum

from pydantic import ValidationError

from valuegap_tui.designs import study_design
from valuegap_tui.limits import LimitError, check_value
from valuegap_tui.settings import current_limits
from valuegap_tui.store import items as item_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study
from valuegap_tui.validation import format_validation_error


class ReviewError(ValueError):
    """A review action that cannot be done, with the reason to show the reviewer."""


class Decision(str, Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    NEEDS_EDIT = "needs-edit"
    DRAFT = "draft"
    SKIP = "skip"


#: the status each decision sets, where the study's design has it (its parts' ``decisions``)
DECISION_STATUS = {
    Decision.ACCEPT: "accepted",
    Decision.REJECT: "rejected",
    Decision.NEEDS_EDIT: "needs-edit",
    Decision.DRAFT: "draft",
}


def revalidated(model, record: dict):
    """``model`` validated from ``record``, or ReviewError saying which field and why."""
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        raise ReviewError(format_validation_error(exc)) from None


def _design_item(design, record: dict):
    try:
        return design.item_from_record(record)
    except ValueError as exc:  # pydantic's ValidationError is one too
        raise ReviewError(format_validation_error(exc)) from None


def _load(study: Study, item_id: str):
    design = study_design(study)
    item = item_store.get(study, design, item_id)
    if item is None:
        raise ReviewError(f"no item {item_id!r}")
    return design, item


def _save(study: Study, design, item, *, who: str, action: str) -> None:
    item_store.write(study, design, [item], who=who, action=action)


def _check_typed(text: str, field: str) -> None:
    """Edited text is held to the field length cap of an import. A NUL is let through: an edit keeps the
    control characters the stored text already had (text.restore_controls), and none can be typed."""
    try:
        check_value(text, current_limits(), allow_nul=True)
    except LimitError as exc:
        raise ReviewError(f"{field}: {exc}") from None


def decide(study: Study, item_id: str, decision: Decision | str, *, reviewer: str):
    """Record a decision. Skip writes nothing (the item stays as it is); returns the saved item."""
    decision = Decision(decision)
    if decision is Decision.SKIP:
        return None
    with study.transaction():  # read and write under one lock: nothing changed meanwhile is overwritten
        design, item = _load(study, item_id)
        parts = design.review_parts()
        if decision.value not in parts.decisions:
            raise ReviewError(f"a {design.id} item has no decision {decision.value!r}"
                              f" (its decisions: {', '.join(parts.decisions)})")
        if decision is Decision.ACCEPT and (problem := parts.accept_problem(item)):
            raise ReviewError(f"cannot accept {item_id}: {problem}")
        changed = _design_item(design, {**item.to_record(), "status": parts.decisions[decision.value]})
        _save(study, design, changed, who=reviewer, action=decision.value)
    return changed


def relabel(study: Study, item_id: str, option: int, label: str, *, reviewer: str):
    """Give option ``option`` the label ``label`` (a label id of the design); the option that had it
    takes the old one. Returns the item as saved (unchanged when it had the label already)."""
    with study.transaction():
        design, item = _load(study, item_id)
        try:
            changed = design.review_parts().relabelled(item, option, str(getattr(label, "value", label)))
        except ValueError as exc:
            raise ReviewError(f"{item_id}: {format_validation_error(exc)}") from None
        if changed.to_record() == item.to_record():
            return item
        _save(study, design, changed, who=reviewer, action="relabel")
        return changed


def edit_text(study: Study, item_id: str, field: str | int, text: str, *, reviewer: str):
    """field: "scenario" (the item's main text) or an option position. Refuses what the design's
    validation refuses (blank or duplicate text), saying why."""
    option = None if field == "scenario" else int(field)
    _check_typed(text, "scenario" if option is None else f"action {option + 1}")
    with study.transaction():
        design, item = _load(study, item_id)
        try:
            changed = design.review_parts().edited(item, option, text)
        except ValueError as exc:
            raise ReviewError(format_validation_error(exc)) from None
        if changed.to_record() == item.to_record():
            return item
        _save(study, design, changed, who=reviewer, action="edit")
        return changed


def edit_notes(study: Study, item_id: str, notes: str, *, reviewer: str):
    """Replace the reviewer notes of an item (kept in its history like any edit)."""
    _check_typed(notes, "notes")
    with study.transaction():
        design, item = _load(study, item_id)
        record = item.to_record()
        if "notes" not in record:
            raise ReviewError(f"a {design.id} item has no notes")
        if record["notes"] == notes:
            return item
        changed = _design_item(design, {**record, "notes": notes})
        _save(study, design, changed, who=reviewer, action="notes")
        return changed


def undo(study: Study, *, reviewer: str):
    """Undo this reviewer's latest change not yet undone; None when there is nothing to undo.

    Only what that change changed is put back, and only where it is still as the change left it: a
    field someone else changed since (another reviewer's decision, new flags) keeps their value.
    When nothing of the change is left to undo, it is marked undone all the same (so the next undo
    steps further back) and ReviewError says who changed the item since."""
    with study.transaction():
        target = review_store.latest_undoable(study, reviewer)
        if target is None:
            return None
        history_id, item_id = target
        design = study_design(study)
        before = json.loads(review_store.history_before_json(study, history_id))
        after = json.loads(review_store.history_after_json(study, history_id))
        current = item_store.get_record(study, design, item_id) or after
        restored = revert(current, before, after)
        conflict = None
        if restored == current:  # an "undo" revision that changes nothing keeps the history telling
            since = review_store.changed_by_since(study, item_id, history_id, besides=reviewer)
            conflict = f"{item_id}: your change there was changed since by {', '.join(since) or 'someone'}"
        item = _design_item(design, restored)
        _save(study, design, item, who=reviewer, action="undo")
        review_store.mark_undone(study, history_id, review_store.latest_history_id(study, item_id), reviewer)
    if conflict:
        raise ReviewError(f"nothing undone on {conflict}; decide again if needed")
    return item


def revert(current: dict, before: dict, after: dict) -> dict:
    """``current`` with each field the change altered (``before`` -> ``after``) put back, where it still
    holds the change's value; a field changed since by someone else keeps their value."""
    restored = dict(current)
    for name in set(before) | set(after):
        if name == "id":
            continue
        old, new = before.get(name), after.get(name)
        if old != new and current.get(name) == new:
            if name in before:
                restored[name] = old
            else:
                restored.pop(name, None)
    return restored
