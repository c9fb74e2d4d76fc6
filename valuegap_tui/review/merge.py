"""Reviewers on several machines: export one reviewer's review, merge several into one study, list conflicts.

An export holds one reviewer's changes from the study's append-only history (decisions, relabels, text
edits, notes, undos, each marked undone or not) and their blind labels, with the study's id and a hash
over everything. A merge refuses a file from another study or one changed since it was written, and
stores its entries under the reviewer's name in ``merged_reviews``, apart from the dilemmas: a merge
never changes a dilemma or another person's decision. Blind labels go to the reviewer's own row of
``reviewer_labels`` (the later of the two when the reviewer has labels here too), so agreement counts
them. Merging a file twice changes nothing.

A reviewer's **position** on a dilemma is their latest decision not undone (accept, reject, needs-edit)
and the labels of their latest relabel or accept not undone (accepting endorses the labels the dilemma
had), else their complete blind labels. A **conflict** is
a dilemma where two reviewers' positions differ in decision or labels.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from valuegap_tui.limits import LimitError, parse_json, read_bytes
from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma
from valuegap_tui.settings import current_limits
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study, now_iso
from valuegap_tui.store.merged_reviews import (BlindLabels, MergedFile, ReviewChange, first_change, local_changes,
                                               merged_changes, store_merge)

EXPORT_FORMAT = "valuegap-review"
DECISIONS = ("accept", "reject", "needs-edit")
REVIEW_ACTIONS = (*DECISIONS, "relabel", "edit", "notes", "undo")


class MergeError(ValueError):
    """A review file that cannot be exported or merged, with what to do."""


def _study_id(study: Study) -> str:
    """The study's first history row, hashed: the same in every copy of a study, whenever it was copied,
    and different in a study built apart (its first dilemma was stored at another time)."""
    row = first_change(study)
    if row is None:
        raise MergeError(f"{study.path.name} has no dilemmas, so no review: import or generate dilemmas first")
    return _digest(list(row))


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
                          ).hexdigest()


# --- export --------------------------------------------------------------------------------------
def build_export(study: Study, reviewer: str) -> dict:
    if not reviewer.strip():
        raise MergeError("name the reviewer whose review to export (--reviewer NAME)")
    entries = [_entry(c) for c in local_changes(study, REVIEW_ACTIONS, reviewer=reviewer)]
    merged_here = [_entry(c) for c in merged_changes(study, reviewer=reviewer)]  # merged here earlier
    entries += [e for e in merged_here if e not in entries]
    blind = [{"dilemma_id": b.dilemma_id, "labels": [x.value if x else None for x in b.labels],
              "complete": b.complete, "at": b.at}
             for b in review_store.all_reviewer_labels(study, complete_only=False) if b.reviewer == reviewer]
    if not entries and not blind:
        raise MergeError(f"{reviewer!r} has no review in this study: check the name (valuegap review conflicts"
                         " lists the reviewers)")
    export = {"format": EXPORT_FORMAT, "version": 1, "study": _study_id(study), "reviewer": reviewer,
              "exported_at": now_iso(), "entries": entries, "blind_labels": blind}
    export["hash"] = _digest({k: v for k, v in export.items() if k != "hash"})
    return export


def _entry(change: ReviewChange) -> dict:
    return {"dilemma_id": change.dilemma_id, "action": change.action, "at": change.at, "undone": change.undone,
            "before": change.before, "after": change.after}


def write_export(study: Study, reviewer: str, out: Path) -> dict:
    export = build_export(study, reviewer)
    Path(out).write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return export


# --- merge ---------------------------------------------------------------------------------------
def read_export(path: Path) -> dict:
    limits = current_limits()
    try:
        data = parse_json(read_bytes(Path(path), limits), limits)
    except FileNotFoundError:
        raise MergeError(f"{path}: no such file") from None
    except LimitError as exc:
        raise MergeError(f"{path}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise MergeError(f"{path} is not a valuegap review file ({exc}): give the file"
                         " `valuegap review export` wrote") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise MergeError(f"{path} is not a valuegap review file: give the file `valuegap review export` wrote")
    if data.get("hash") != _digest({k: v for k, v in data.items() if k != "hash"}):
        raise MergeError(f"{path} was changed after it was written (its hash does not match): export it again")
    return data


def _check(study: Study, data: dict, path: Path) -> tuple[list[tuple[str, ReviewChange]], list[BlindLabels]]:
    """The changes (with their entry hashes) and blind labels to store, or MergeError: every entry must be
    a valid dilemma record of this study."""
    if data.get("study") != _study_id(study):
        raise MergeError(f"{path} was exported from another study: merge it into the study its reviewer worked on")
    reviewer = data.get("reviewer")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise MergeError(f"{path} names no reviewer: export it again")
    known = dilemma_store.existing_ids(study)
    entries, blind = [], []
    try:
        for e in data["entries"]:
            if e["action"] not in REVIEW_ACTIONS or e["dilemma_id"] not in known:
                raise MergeError(f"{path}: an entry on {e['dilemma_id']!r} ({e['action']!r}) is not a review of this"
                                 " study's dilemmas; nothing was merged")
            after = Dilemma.model_validate(e["after"])
            before = Dilemma.model_validate(e["before"]) if e["before"] is not None else None
            if after.id != e["dilemma_id"]:
                raise MergeError(f"{path}: an entry on {e['dilemma_id']} holds another dilemma; nothing was merged")
            entries.append((_digest([reviewer, e]),
                            ReviewChange(reviewer, e["dilemma_id"], e["action"], str(e["at"]), bool(e["undone"]),
                                         before.to_record() if before else None, after.to_record())))
        for b in data["blind_labels"]:
            labels = [AlignmentLabel(v) if v else None for v in b["labels"]]
            if b["dilemma_id"] not in known or len(labels) != 6:
                raise MergeError(f"{path}: blind labels on {b['dilemma_id']!r} do not fit this study; nothing was merged")
            blind.append(BlindLabels(b["dilemma_id"], reviewer, tuple(x.value if x else None for x in labels),
                                     bool(b["complete"]), str(b["at"])))
    except MergeError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MergeError(f"{path}: the review in it is incomplete; export it again") from None
    return entries, blind


@dataclass(frozen=True)
class MergeOutcome:
    reviewer: str
    new_entries: int
    blind_labels: int


def merge(study: Study, paths: list[Path]) -> list[MergeOutcome]:
    """Merge every file, or none: all are checked before anything is written."""
    checked = [(Path(p), *_check(study, read_export(p), Path(p))) for p in paths]
    files = [MergedFile(hashlib.sha256(path.read_bytes()).hexdigest(), entries, blind)
             for path, entries, blind in checked]
    outcomes = []
    for file, (added, labelled) in zip(files, store_merge(study, files)):
        reviewer = file.changes[0][1].reviewer if file.changes else (file.blind[0].reviewer if file.blind else "?")
        outcomes.append(MergeOutcome(reviewer, added, labelled))
    return outcomes


# --- positions and conflicts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Position:
    reviewer: str
    decision: str | None
    labels: tuple[AlignmentLabel, ...] | None
    labels_from: str  # "relabel", "accepted", "blind" or ""
    notes: str
    at: str


def _all_entries(study: Study, dilemma_id: str | None) -> list[ReviewChange]:
    """Every review change, local and merged, oldest first."""
    found = local_changes(study, REVIEW_ACTIONS, dilemma_id=dilemma_id) + merged_changes(study, dilemma_id=dilemma_id)
    found.sort(key=lambda change: change.at)
    return found


def positions(study: Study, dilemma_id: str | None = None) -> dict[str, dict[str, Position]]:
    """dilemma id -> reviewer -> what that reviewer decided (local history, merged reviews, blind labels)."""
    state: dict[tuple[str, str], dict] = {}
    for e in _all_entries(study, dilemma_id):
        s = state.setdefault((e.dilemma_id, e.reviewer), {"decision": None, "labels": None, "from": "",
                                                          "notes": "", "at": ""})
        s["at"] = max(s["at"], e.at)
        if e.undone:
            continue
        if e.action in DECISIONS:
            s["decision"] = e.action
        if e.action in ("relabel", "accept"):  # accepting a dilemma endorses the labels it had then
            s["labels"] = tuple(AlignmentLabel(o["label"]) for o in e.after["options"])
            s["from"] = "relabel" if e.action == "relabel" else "accepted"
        elif e.action == "notes":
            s["notes"] = e.after.get("notes", "")
    for b in review_store.all_reviewer_labels(study):
        if dilemma_id and b.dilemma_id != dilemma_id:
            continue
        s = state.setdefault((b.dilemma_id, b.reviewer), {"decision": None, "labels": None, "from": "",
                                                          "notes": "", "at": b.at})
        if s["labels"] is None:
            s["labels"], s["from"] = tuple(b.labels), "blind"
    result: dict[str, dict[str, Position]] = {}
    for (d, reviewer), s in state.items():
        result.setdefault(d, {})[reviewer] = Position(reviewer, s["decision"], s["labels"], s["from"], s["notes"], s["at"])
    return result


def conflict_reasons(per_reviewer: dict[str, Position]) -> list[str]:
    decisions = {p.reviewer: p.decision for p in per_reviewer.values() if p.decision}
    labels = {p.reviewer: p.labels for p in per_reviewer.values() if p.labels}
    reasons = []
    if len(set(decisions.values())) > 1:
        reasons.append("decisions " + ", ".join(f"{r} {d}" for r, d in sorted(decisions.items())))
    if len(set(labels.values())) > 1:
        options = sorted({i for a in labels.values() for b in labels.values() for i in range(6) if a[i] != b[i]})
        reasons.append("labels differ on action " + ", ".join(str(i + 1) for i in options))
    return reasons


def conflicts(study: Study) -> dict[str, list[str]]:
    """dilemma id -> why its reviewers disagree, for every dilemma with a disagreement."""
    found = {}
    for d, per_reviewer in sorted(positions(study).items()):
        reasons = conflict_reasons(per_reviewer)
        if reasons:
            found[d] = reasons
    return found
