"""The via design's own command (``designs.COMMANDS``): import-shen, Shen et al.'s released VIA file
into a `via` study (docs/designs.md, section via)."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_or_create


def register(commands) -> None:
    imp = add_command(
        commands, "import-shen", cmd_import_shen, "import Shen et al.'s VIA file (CSV or zip) into a via study",
        description="Import the VIA data of Shen, Clark & Mitra 2025 as released (the CSV, or the zip holding it):\n"
        "one item per (country, topic, value), pairing its positive and negative row. Every row that cannot\n"
        "be read is listed with its line and the reason. By default such a file is refused and nothing is\n"
        "written; --keep-readable imports the rest and keeps the list in the study (`valuegap info` says so).\n"
        "The study must hold the via design (`valuegap init --design via`); a new, empty study gets it.",
    )
    imp.add_argument("input", type=Path, help="the released CSV, or a zip holding it")
    imp.add_argument("--keep-readable", action="store_true",
                     help="import the readable rows when some cannot be read (the list is stored in the study)")
    imp.add_argument("--who", default="import-shen", help="name recorded in the history (default: import-shen)")


def cmd_import_shen(args) -> int:
    from valuegap_tui.designs import DesignError, set_study_design
    from valuegap_tui.designs.via import DESIGN as design
    from valuegap_tui.designs.via.importer import ShenFileError, problem_lines, read_shen, store_refused
    from valuegap_tui.store import items as item_store

    try:
        result = read_shen(args.input)
    except ShenFileError as exc:
        raise CliError(f"import-shen: nothing written: {exc}", exit_code=2) from None
    print(f"read {args.input}: {result.summary()}")
    if result.mended:
        listed = ", ".join(str(n) for n in result.mended[:10]) + (" ..." if len(result.mended) > 10 else "")
        print(f"{len(result.mended)} rows whose Python dict broke on a quote were read by their keys, the action "
              f"intact (lines {listed})")
    if result.problems:
        print(f"{len(result.problems)} rows cannot be used ({result.kinds_line()}):", file=sys.stderr)
        for line in problem_lines(result.problems):
            print(line, file=sys.stderr)
        if not args.keep_readable:
            raise CliError("import-shen: refused, nothing written; fix these rows, or pass --keep-readable to import"
                           " the rest (the list is kept in the study)", exit_code=2)
    if not result.items:
        raise CliError("import-shen: no item could be read, nothing written", exit_code=2)
    study = open_or_create(args.study)
    try:
        with study.transaction():
            set_study_design(study, design.id)
            counts = item_store.save_many(study, design, result.items, who=args.who, action="import-shen")
            store_refused(study, result)
    except DesignError as exc:
        raise CliError(f"import-shen: nothing written: {exc}") from None
    left = f"; {len(result.problems)} rows left out (kept in the study)" if result.problems else ""
    print(f"imported {len(result.items):,} items into {study.path} ({counts['new']} new, {counts['updated']} updated,"
          f" {counts['unchanged']} unchanged){left}")
    print("next: `valuegap personas countries` adds the twelve country conditions")
    return 0
