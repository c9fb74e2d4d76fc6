"""review: reviewers on several machines (export, merge, conflicts) and a dilemma's history (docs/review.md)."""

from __future__ import annotations

from pathlib import Path

from valuegap_tui.review import merge as review_merge
from valuegap_tui.review import history as history_diff
from valuegap_tui.cli._common import CliError, add_command, open_existing
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.text import one_line

ORDER = 32


def register(commands) -> None:
    parser = add_command(
        commands, "review", None, "reviewers on several machines: export, merge, conflicts; a dilemma's history",
        description="Each reviewer works on a copy of the study and exports their review; `merge` brings the exports\n"
        "into one study under each reviewer's name (no dilemma and no other decision is changed), and\n"
        "`conflicts` lists the dilemmas where reviewers disagree, for adjudication in the Dilemmas screen.",
    )
    sub = parser.add_subparsers(dest="review_command", metavar="SUBCOMMAND", required=True)
    export = add_command(sub, "export", cmd_export, "write one reviewer's decisions, relabels, edits, notes and blind labels",
                         nested=True)
    export.add_argument("out", type=Path, help="review file to write (JSON)")
    export.add_argument("--reviewer", required=True, help="the reviewer, as named in the study's history")
    merge = add_command(sub, "merge", cmd_merge, "bring reviewers' exports into this study (all or nothing, idempotent)",
                        nested=True)
    merge.add_argument("files", type=Path, nargs="+")
    add_command(sub, "conflicts", cmd_conflicts, "dilemmas where reviewers' decisions or labels differ", nested=True)
    history = add_command(sub, "history", cmd_history, "a dilemma's revisions, each with what it changed", nested=True)
    history.add_argument("dilemma_id")


def cmd_export(args) -> int:
    study = open_existing(args.study)
    try:
        export = review_merge.write_export(study, args.reviewer, args.out)
    except review_merge.MergeError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {len(export['entries'])} changes and {len(export['blind_labels'])} blind labellings of"
          f" {args.reviewer} to {args.out}")
    return 0


def cmd_merge(args) -> int:
    study = open_existing(args.study)
    try:
        outcomes = review_merge.merge(study, args.files)
    except review_merge.MergeError as exc:
        raise CliError(str(exc)) from None
    for path, o in zip(args.files, outcomes):
        print(one_line(f"{path}: {o.reviewer}: {o.new_entries} new changes, {o.blind_labels} blind labellings"
                       + (" (already merged)" if not (o.new_entries or o.blind_labels) else "")))
    found = review_merge.conflicts(study)
    print(f"{len(found)} dilemmas in conflict: `valuegap review conflicts`, or filter conflict:yes in the Dilemmas screen")
    return 0


def cmd_conflicts(args) -> int:
    study = open_existing(args.study)
    found = review_merge.conflicts(study)
    if not found:
        print("no conflicts: reviewers agree wherever two of them reviewed a dilemma")
        return 0
    for dilemma_id, reasons in found.items():
        print(one_line(f"{dilemma_id}: {'; '.join(reasons)}"))
    print(f"{len(found)} dilemmas in conflict")
    return 0


def cmd_history(args) -> int:
    study = open_existing(args.study)
    entries = dilemma_store.history(study, args.dilemma_id)
    if not entries:
        raise CliError(f"no dilemma {args.dilemma_id!r}: `valuegap export` lists the ids")
    undone = review_store.undone_ids(study)
    for e in entries:
        mark = " (undone)" if e.id in undone else ""
        print(one_line(f"r{e.revision:<3} {e.at[:19]}  {e.who:<12} {e.action:<11}{mark}  "
                       f"{history_diff.describe_change(e.before, e.after)}"))
    return 0
