"""init, info, import and export: the study file and its dilemmas."""

from __future__ import annotations

import sys
from collections import Counter

from valuegap_tui.catalogue import catalogue
from valuegap_tui.cli._common import CliError, add_command, open_existing, open_or_create
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import items as item_store
from valuegap_tui.dataset.transfer import ImportFailure, detect_format, read_dilemmas, write_dilemmas

ORDER = 10
STATUSES = [s.value for s in DilemmaStatus]


def register(commands) -> None:
    init = add_command(commands, "init", cmd_init, "create an empty study database",
                       description="Create an empty study database. A study holds one design (docs/designs.md):\n"
                       "graded_actions (the poster's six graded actions, the default), via (Shen et al.'s VIA\n"
                       "tasks) or valact (ValAct-style scenarios with a value questionnaire).")
    init.add_argument("--design", default=None, help="the study's design (default: graded_actions)")

    add_command(commands, "info", cmd_info, "show counts by status, value type and topic")

    export = add_command(
        commands, "export", cmd_export, "export dilemmas as JSONL or CSV",
        description="Export dilemmas as JSONL (one JSON object per line) or CSV (one row per dilemma).\n"
        "Export then import reproduces the study's dilemmas exactly.",
    )
    export.add_argument("output", help="file to write, or - for standard output")
    export.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file name, else jsonl")
    export.add_argument("--status", choices=STATUSES, action="append", help="only this status (repeatable); default: all")

    imp = add_command(
        commands, "import", cmd_import, "import dilemmas from JSONL or CSV (all or nothing)",
        description="Import dilemmas. Every row is validated first; on any error nothing is written and the\n"
        "message names the line and field. Dilemmas whose id already exists are updated, with history.",
    )
    imp.add_argument("input", help="a .jsonl or .csv file")
    imp.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file name")
    imp.add_argument("--who", default="import", help="name recorded in the history (default: import)")
    imp.add_argument("--allow-flag", action="append", default=[], metavar="NAME",
                     help="a flag of your own the file may carry (repeatable); valuegap's flags and those the"
                     " study carries are always allowed")


def cmd_init(args) -> int:
    from valuegap_tui.designs import DesignError, set_study_design, study_design

    study = open_or_create(args.study)
    if args.design:
        try:
            set_study_design(study, args.design)
        except DesignError as exc:
            raise CliError(str(exc)) from None
    design = study_design(study)
    print(f"{'created' if study.created else 'opened existing'} study {study.path} (schema version"
          f" {study.schema_version}, design {design.id}: {design.title})")
    return 0


def cmd_info(args) -> int:
    from valuegap_tui.designs import DEFAULT_DESIGN, study_design

    study = open_existing(args.study)
    design = study_design(study)
    if design.id != DEFAULT_DESIGN:
        by_status = item_store.counts_by_status(study, design)
        print(f"study {study.path}: design {design.id} ({design.describe()}), {sum(by_status.values())} items")
        print("by status: " + ", ".join(f"{s} {n}" for s, n in sorted(by_status.items())))
        for note in design.study_notes(study):
            print(note)
        return 0
    cat = catalogue()
    total = dilemma_store.count(study)
    print(f"study {study.path}: {total} dilemmas (of {len(cat.values) * len(cat.topics)} value x topic pairs)")
    by_status = dilemma_store.counts_by(study, "status")
    print("by status: " + ", ".join(f"{s} {by_status.get(s, 0)}" for s in STATUSES))
    by_value = dilemma_store.counts_by(study, "value_id")
    by_type = Counter()
    for value_id, n in by_value.items():
        by_type[cat.value(value_id).type] += n
    print("by value type:")
    for value_type in cat.value_types:
        print(f"  {value_type.name:<16} {by_type.get(value_type.id, 0):>5}")
    by_topic = dilemma_store.counts_by(study, "topic_id")
    print("by topic:")
    for topic in cat.topics:
        print(f"  {topic.name:<32} {by_topic.get(topic.id, 0):>5}")
    return 0


def cmd_export(args) -> int:
    study = open_existing(args.study)
    fmt = args.format or ("jsonl" if args.output == "-" else _format_or_default(args.output))
    dilemmas = dilemma_store.iter_dilemmas(study, status=args.status)
    try:
        n = write_dilemmas(dilemmas, args.output, fmt)
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    if args.output != "-":
        print(f"wrote {n} dilemmas to {args.output} ({fmt})", file=sys.stderr)
    return 0


def _import_design_items(args) -> int | None:
    """A valact study imports scenarios (docs/designs.md); None for the poster's dilemmas."""
    from pathlib import Path

    if not Path(args.study).exists():
        return None
    from valuegap_tui.designs import study_design_id

    study = open_or_create(args.study)
    if study_design_id(study) != "valact":
        study.close()  # the poster's import opens it again: a refused file leaves the study untouched
        return None
    from valuegap_tui.designs.valact.importer import ScenarioImportError, import_file

    try:
        counts = import_file(study, args.input, who=args.who)
    except ScenarioImportError as exc:
        raise CliError(str(exc), exit_code=2) from None
    print(f"imported {counts['read']} scenarios into {study.path} ({counts['new']} new, {counts['updated']} updated)")
    return 0


def _study_flags(path) -> set[str]:
    """The flags the study's dilemmas carry already (a study not yet made has none, and is not made here)."""
    from pathlib import Path

    if not Path(path).exists():
        return set()
    study = open_existing(path)
    try:
        return dilemma_store.flags_in_use(study)
    finally:
        study.close()


def _format_or_default(output: str) -> str:
    try:
        return detect_format(output)
    except ValueError:
        return "jsonl"


def cmd_import(args) -> int:
    if (imported := _import_design_items(args)) is not None:
        return imported
    try:
        fmt = detect_format(args.input, args.format)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None
    try:
        dilemmas = read_dilemmas(args.input, fmt, more_flags=[*args.allow_flag, *_study_flags(args.study)])
    except ImportFailure as exc:
        raise CliError(f"import failed, nothing written: {exc}", exit_code=2) from None
    study = open_or_create(args.study)
    counts = dilemma_store.import_many(study, dilemmas, who=args.who)
    changed = f", {counts['status_changed']} review status(es) set from the file" if counts["status_changed"] else ""
    same = f", {counts['unchanged']} unchanged" if counts["unchanged"] else ""
    print(f"imported {len(dilemmas)} dilemmas into {study.path} ({counts['new']} new, {counts['updated']} updated"
          f"{same}{changed})")
    return 0
