"""Reviewing dilemmas: decisions, relabels, text edits, undo, blind labels and agreement.

Every change goes through ``store.dilemmas.save``, so the append-only history records who changed
what, when, and the state before and after. Each change reads the dilemma and writes it under one
write lock, so a change made meanwhile by another process (flags, another reviewer) is kept. Only
these functions, called for a person, change a review status; automation writes flags only.

Undo puts back what the reviewer's latest change not yet undone changed (where nobody changed it
since), as a new "undo" revision; ``store.review`` remembers which revisions were undone, so undo
works across restarts and steps back one change at a time.
"""

from __future__ import annotations

import json
from enum import Enum

from pydantic import ValidationError

from valuegap_tui.review.agreement import GENERATOR, Disagreement, PairAgreement, disagreements, pairwise
from valuegap_tui.limits import LimitError, check_value
from valuegap_tui.designs.graded_actions.models import (
    AlignmentLabel,
    Dilemma,
    DilemmaStatus,
    describe_label_problems,
    dilemma_id,
    format_validation_error,
)
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.settings import current_limits
from valuegap_tui.store.db import Study
from valuegap_tui.text import one_line


class ReviewError(ValueError):
    """A review action that cannot be done, with the reason to show the reviewer."""


class Decision(str, Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    NEEDS_EDIT = "needs-edit"
    SKIP = "skip"


DECISION_STATUS = {
    Decision.ACCEPT: DilemmaStatus.ACCEPTED,
    Decision.REJECT: DilemmaStatus.REJECTED,
    Decision.NEEDS_EDIT: DilemmaStatus.NEEDS_EDIT,
}


def _load(study: Study, dilemma_id: str) -> Dilemma:
    dilemma = dilemma_store.get(study, dilemma_id)
    if dilemma is None:
        raise ReviewError(f"no dilemma {dilemma_id!r}")
    return dilemma


def _check_typed(text: str, field: str) -> None:
    """Edited text is held to the field length cap of an import. A NUL is let through: an edit keeps the
    control characters the stored text already had (text.restore_controls), and none can be typed."""
    try:
        check_value(text, current_limits(), allow_nul=True)
    except LimitError as exc:
        raise ReviewError(f"{field}: {exc}") from None


def _revalidate(record: dict) -> Dilemma:
    try:
        return Dilemma.model_validate(record)
    except ValidationError as exc:
        raise ReviewError(format_validation_error(exc)) from None


def decide(study: Study, dilemma_id: str, decision: Decision | str, *, reviewer: str) -> Dilemma | None:
    """Record a decision. Skip writes nothing (the dilemma stays as it is); returns the saved dilemma."""
    decision = Decision(decision)
    if decision is Decision.SKIP:
        return None
    with study.transaction():  # read and write under one lock: nothing changed meanwhile is overwritten
        dilemma = _load(study, dilemma_id)
        if decision is Decision.ACCEPT:
            problems = describe_label_problems([o.label for o in dilemma.options])
            if problems:
                raise ReviewError(f"cannot accept {dilemma_id}: {problems}")
        changed = dilemma.model_copy(update={"status": DECISION_STATUS[decision]})
        dilemma_store.save(study, changed, who=reviewer, action=decision.value)
    return changed


def swap_labels(labels: list, option: int, label: AlignmentLabel | None) -> list:
    """Give ``option`` the label; the option that had it takes the option's old label (a swap)."""
    labels = list(labels)
    if label is not None and label in labels:
        other = labels.index(label)
        labels[other] = labels[option]
    labels[option] = label
    return labels


def relabel(study: Study, dilemma_id: str, option: int, label: AlignmentLabel, *, reviewer: str) -> Dilemma:
    with study.transaction():
        return _relabel(study, dilemma_id, option, label, reviewer=reviewer)


def _relabel(study: Study, dilemma_id: str, option: int, label: AlignmentLabel, *, reviewer: str) -> Dilemma:
    dilemma = _load(study, dilemma_id)
    if not 0 <= option < len(dilemma.options):
        raise ReviewError(f"no action {option + 1} in {dilemma_id}")
    labels = swap_labels([o.label for o in dilemma.options], option, label)
    record = dilemma.to_record()
    for raw, new in zip(record["options"], labels):
        raw["label"] = new.value
    changed = _revalidate(record)
    if changed.options == dilemma.options:
        return dilemma
    dilemma_store.save(study, changed, who=reviewer, action="relabel")
    return changed


def apply_label_fix(study: Study, dilemma_id: str, *, reviewer: str) -> Dilemma:
    """Give the dilemma the labels its latest label check suggests, as this reviewer's relabel.

    It is a person's decision: saved under the reviewer's name with action "relabel", so ``undo`` takes it
    back like any relabel. Refused when there is no suggestion or the labels changed since the check.
    """
    from valuegap_tui.review import label_check

    dilemma = _load(study, dilemma_id)
    check = review_store.latest_label_check(study, dilemma_id)
    if check is None or not check.suggested_labels:
        raise ReviewError(f"no suggested fix for {dilemma_id}: its label check found nothing to fix")
    if not label_check.fix_applies(dilemma, check):
        raise ReviewError(f"the labels of {dilemma_id} changed since its label check: check it again")
    record = dilemma.to_record()
    for raw, new in zip(record["options"], check.suggested_labels):
        raw["label"] = new
    record["flags"] = [f for f in record["flags"] if f != label_check.FLAG]
    changed = _revalidate(record)
    dilemma_store.save(study, changed, who=reviewer, action="relabel")
    return changed


def edit_text(study: Study, dilemma_id: str, field: str | int, text: str, *, reviewer: str) -> Dilemma:
    """field: "scenario" or an option position (0-5). Refuses blank or duplicate text, saying why."""
    with study.transaction():
        return _edit_text(study, dilemma_id, field, text, reviewer=reviewer)


def _edit_text(study: Study, dilemma_id: str, field: str | int, text: str, *, reviewer: str) -> Dilemma:
    _check_typed(text, "scenario" if field == "scenario" else f"action {int(field) + 1}")
    dilemma = _load(study, dilemma_id)
    record = dilemma.to_record()
    if field == "scenario":
        record["scenario"] = text
    else:
        index = int(field)
        if not 0 <= index < len(record["options"]):
            raise ReviewError(f"no action {index + 1} in {dilemma_id}")
        record["options"][index]["text"] = text
    changed = _revalidate(record)
    if changed == dilemma:
        return dilemma
    dilemma_store.save(study, changed, who=reviewer, action="edit")
    return changed


def edit_notes(study: Study, dilemma_id: str, notes: str, *, reviewer: str) -> Dilemma:
    """Replace the reviewer notes of a dilemma (kept in its history like any edit)."""
    _check_typed(notes, "notes")
    with study.transaction():
        dilemma = _load(study, dilemma_id)
        if dilemma.notes == notes:
            return dilemma
        changed = _revalidate({**dilemma.to_record(), "notes": notes})
        dilemma_store.save(study, changed, who=reviewer, action="notes")
        return changed


def add_new(study: Study, dilemma: Dilemma, *, reviewer: str) -> Dilemma:
    """Store a dilemma written by hand; refuses one whose id is taken (nothing is overwritten)."""
    if not dilemma_store.insert_new(study, dilemma, who=reviewer, action="new"):
        raise ReviewError(f"{dilemma.id} exists already: nothing was overwritten")
    return dilemma


def next_variant(study: Study, value: str, topic: str) -> int:
    """The first variant number no dilemma of (value, topic) uses yet."""
    taken = dilemma_store.existing_ids(study)
    variant = 1
    while dilemma_id(value, topic, variant) in taken:
        variant += 1
    return variant


def undo(study: Study, *, reviewer: str) -> Dilemma | None:
    """Undo this reviewer's latest change not yet undone; None when there is nothing to undo.

    Only what that change changed is put back, and only where it is still as the change left it: a
    field someone else changed since (another reviewer's decision, new flags) keeps their value.
    When nothing of the change is left to undo, it is marked undone all the same (so the next undo
    steps further back) and ReviewError says who changed the dilemma since."""
    with study.transaction():
        target = review_store.latest_undoable(study, reviewer)
        if target is None:
            return None
        history_id, dilemma_id = target
        before = Dilemma.model_validate(json.loads(review_store.history_before_json(study, history_id)))
        after = Dilemma.model_validate(json.loads(review_store.history_after_json(study, history_id)))
        current = dilemma_store.get(study, dilemma_id) or after
        restored = _revert(current, before, after)
        conflict = None
        if restored == current:  # an "undo" revision that changes nothing keeps the history telling
            since = review_store.changed_by_since(study, dilemma_id, history_id, besides=reviewer)
            conflict = f"{dilemma_id}: your change there was changed since by {', '.join(since) or 'someone'}"
        dilemma_store.save(study, restored, who=reviewer, action="undo")
        review_store.mark_undone(study, history_id, review_store.latest_history_id(study, dilemma_id), reviewer)
    if conflict:
        raise ReviewError(f"nothing undone on {conflict}; decide again if needed")
    return restored


_UNDO_FIELDS = ("scenario", "options", "status", "notes", "flags")


def _revert(current: Dilemma, before: Dilemma, after: Dilemma) -> Dilemma:
    """``current`` with each field the change altered (``before`` -> ``after``) put back, where it still
    holds the change's value; a field changed since by someone else keeps their value."""
    update = {}
    for name in _UNDO_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new and getattr(current, name) == new:
            update[name] = old
    return current.model_copy(update=update)


# --- blind labelling ----------------------------------------------------------------------------
def blind_labels(study: Study, dilemma_id: str, reviewer: str) -> list[AlignmentLabel | None]:
    saved = review_store.reviewer_labels(study, dilemma_id, reviewer)
    return list(saved.labels) if saved else [None] * 6


def blind_relabel(study: Study, dilemma_id: str, option: int, label: AlignmentLabel, *, reviewer: str) -> list:
    labels = swap_labels(blind_labels(study, dilemma_id, reviewer), option, label)
    complete = not describe_label_problems(labels)
    review_store.save_reviewer_labels(study, dilemma_id, reviewer, labels, complete=complete)
    return labels


def blind_submit(study: Study, dilemma_id: str, *, reviewer: str) -> list[AlignmentLabel]:
    """Check the reviewer's own labels are one per label (the blind-mode accept)."""
    labels = blind_labels(study, dilemma_id, reviewer)
    problems = describe_label_problems(labels)
    if problems:
        raise ReviewError(f"your labels for {dilemma_id} are not complete: {problems}")
    review_store.save_reviewer_labels(study, dilemma_id, reviewer, labels, complete=True)
    return labels


# --- agreement --------------------------------------------------------------------------------
def collect_ratings(study: Study) -> dict[str, dict[str, list[AlignmentLabel]]]:
    """rater -> dilemma -> labels: every reviewer's complete blind labels, plus the generator's (first stored)."""
    ratings: dict[str, dict[str, list[AlignmentLabel]]] = {}
    for entry in review_store.all_reviewer_labels(study):
        ratings.setdefault(entry.reviewer, {})[entry.dilemma_id] = list(entry.labels)
    if ratings:
        rated = set().union(*(set(per) for per in ratings.values()))
        generator = review_store.first_labels(study)
        ratings[GENERATOR] = {d: [AlignmentLabel(v) for v in generator[d]] for d in rated if d in generator}
    return ratings


def agreement_report(study: Study) -> tuple[list[PairAgreement], list[Disagreement]]:
    ratings = collect_ratings(study)
    return pairwise(ratings), disagreements(ratings)


def format_agreement(pairs: list[PairAgreement]) -> list[str]:
    if not pairs:
        return ["no agreement figures yet: reviewers label dilemmas in blind mode first"]
    lines = []
    for p in pairs:
        kappa = "n/a" if p.kappa is None else f"{p.kappa:.3f}"
        lines.append(
            f"{p.rater_a} vs {p.rater_b}: weighted kappa {kappa}, exact {p.exact:.0%} ({p.dilemmas} dilemmas, {p.items} actions)"
        )
    return lines


# --- export of the curated dataset -----------------------------------------------------------------
def export_dataset(study: Study, out_dir, *, include_all: bool = False) -> dict[str, int]:
    """dataset.jsonl, dataset.csv and README.md (a dataset card) in out_dir; returns counts written."""
    from collections import Counter
    from pathlib import Path

    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.paths import PROMPTS_DIR
    from valuegap_tui.dataset.transfer import write_dilemmas

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    status = None if include_all else DilemmaStatus.ACCEPTED.value
    dilemmas = list(dilemma_store.iter_dilemmas(study, status=status))
    write_dilemmas(dilemmas, out / "dataset.jsonl", "jsonl")
    write_dilemmas(dilemmas, out / "dataset.csv", "csv")
    cat = catalogue()
    by_value = Counter(cat.value(d.value).name for d in dilemmas)
    by_topic = Counter(cat.topic(d.topic).name for d in dilemmas)
    by_status = Counter(d.status.value for d in dilemmas)
    templates = sorted({d.provenance.prompt_template for d in dilemmas if d.provenance.prompt_template})
    pairs, _ = agreement_report(study)
    lines = [
        "# valuegap dilemma dataset", "",
        f"{len(dilemmas)} dilemmas ({'all statuses' if include_all else 'accepted only'}) from study `{study.path.name}`.",
        "Each has a second-person scenario, the Schwartz value at stake and six actions labelled from strongly",
        "aligning to strongly opposing the value. Files: `dataset.jsonl`, `dataset.csv`.", "",
        "## Counts per status", "", *_table(by_status, "Status"), "",
        "## Counts per value", "", *_table(by_value, "Value"), "",
        "## Counts per topic", "", *_table(by_topic, "Topic"), "",
        "## Label agreement", "",
        "Quadratic-weighted Cohen's kappa on the ordinal labels, per pair of raters (blind reviewer labels and",
        "the generator's original labels).", "",
        *[f"- {line}" for line in format_agreement(pairs)], "",
        "## Prompt templates used", "",
    ]
    if not templates:
        lines.append("No generation template is recorded for these dilemmas (imported or written by hand).")
    shipped = {p.name: p for p in PROMPTS_DIR.iterdir() if p.is_file()}
    for name in templates:
        # A template is recorded by its stem (generate_dilemma: its .system.txt and .user.txt parts);
        # only the shipped files are read, whatever an imported record names.
        parts = sorted(f for f in shipped if f == name or f.startswith(f"{name}."))
        lines += [f"### {one_line(name)}", ""]
        if not parts:
            lines += ["(no template of this name ships with this version of valuegap)", ""]
        for part in parts:
            lines += [f"`prompts/{part}`:", "", "```text", shipped[part].read_text(encoding="utf-8").rstrip(), "```", ""]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"dilemmas": len(dilemmas)}


def _table(counts, heading: str) -> list[str]:
    rows = [f"| {heading} | Dilemmas |", "|---|---:|"]
    rows += [f"| {key} | {n} |" for key, n in sorted(counts.items())]
    return rows
