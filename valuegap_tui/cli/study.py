"""init, info, import and export: the study file and its items."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, add_json_option, open_existing, open_or_create, print_json
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.dataset.transfer import detect_format, write_dilemmas

ORDER = 10
STATUSES = [s.value for s in DilemmaStatus]


def register(commands) -> None:
    from valuegap_tui.designs import DEFAULT_DESIGN, design_ids

    init = add_command(commands, "init", cmd_init, "create an empty study database",
                       description="Create an empty study database. A study holds one design (docs/designs.md):\n"
                       f"one of {', '.join(design_ids())}.")
    init.add_argument("--design", default=None, help=f"the study's design (default: {DEFAULT_DESIGN})")

    add_json_option(add_command(commands, "info", cmd_info, "show counts by status, value type and topic"))

    export = add_command(
        commands, "export", cmd_export, "export dilemmas as JSONL or CSV",
        description="Export dilemmas as JSONL (one JSON object per line) or CSV (one row per dilemma).\n"
        "Export then import reproduces the study's dilemmas exactly.",
    )
    export.add_argument("output", help="file to write, or - for standard output")
    export.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file name, else jsonl")
    export.add_argument("--status", choices=STATUSES, action="append", help="only this status (repeatable); default: all")

    imp = add_command(
        commands, "import", cmd_import, "import a study's items from a file (all or nothing)",
        description="Import the study's items through its design (dilemmas or scenarios from JSONL or CSV).\n"
        "Every row is validated first; on any error nothing is written and the message names the line and\n"
        "field. Items whose id already exists are updated, with history. A new study gets the default design.",
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
    from valuegap_tui.designs import study_design
    from valuegap_tui.store.item_rows import counts_by

    study = open_existing(args.study)
    design = study_design(study)
    by_status = counts_by(study, design, "status")
    statuses = [*design.review_parts().statuses, *sorted(set(by_status) - set(design.review_parts().statuses))]
    if args.json:
        print_json({"study": str(study.path), "schema_version": study.schema_version, "design": design.id,
                    "design_title": design.title, "items": sum(by_status.values()),
                    "by_status": {s: by_status.get(s, 0) for s in statuses}, "notes": design.study_notes(study)})
        return 0
    print(f"study {study.path}: design {design.id} ({design.describe()}), {sum(by_status.values())} items")
    print("by status: " + ", ".join(f"{s} {by_status.get(s, 0)}" for s in statuses))
    for note in design.study_notes(study):
        print(note)
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


def _format_or_default(output: str) -> str:
    try:
        return detect_format(output)
    except ValueError:
        return "jsonl"


def cmd_import(args) -> int:
    from valuegap_tui.designs import DesignError, get_design, study_design

    if Path(args.study).exists():
        study = open_existing(args.study)
        design = study_design(study)
        study.close()  # the design opens it again once the file is read: a refused file leaves it untouched
    else:
        design = get_design()  # a new study is made only once the file is read
    if not design.provides("import_file"):
        raise CliError(f"a study of the {design.id!r} design has no `valuegap import`: docs/designs.md says how "
                       "its items come in", exit_code=2)
    try:
        print(design.import_file(args.study, args.input, fmt=args.format, who=args.who, allow_flags=args.allow_flag))
    except DesignError as exc:
        raise CliError(str(exc), exit_code=2) from None
    return 0
