"""valuegap compare: the same models across studies (and designs), headline numbers side by side."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, open_existing

ORDER = 61


def register(commands) -> None:
    parser = commands.add_parser(
        "compare", help="compare models across studies of different designs (headline numbers side by side)",
        description="Set each run's headline numbers side by side, one row per model and condition, one\n"
        "column per study, design and metric. SPEC is STUDY.db (its newest run) or STUDY.db:RUN_ID.\n"
        "Each design keeps its own metrics (docs/designs.md): nothing is converted between designs.")
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="STUDY.db or STUDY.db:RUN_ID")
    parser.add_argument("--out", type=Path, help="write the table as CSV here (default: print Markdown)")
    parser.set_defaults(handler=cmd_compare)


def cmd_compare(args) -> int:
    from valuegap_tui.designs.compare import RunSpec, compare_runs
    from valuegap_tui.designs.tables import tables_markdown
    from valuegap_tui.report import ReportError, resolve_run

    runs = []
    for index, text in enumerate(args.specs, start=1):
        spec = RunSpec.parse(text)
        study = open_existing(spec.study)
        try:
            run = resolve_run(study, spec.run)
        except ReportError as exc:
            raise CliError(f"{text}: {exc}") from None
        runs.append((f"[{index}]", study, run))
    table = compare_runs(runs)
    if not table.rows:
        raise CliError("no run named has answers yet")
    if args.out:
        table.write_csv(args.out)
        print(f"wrote {len(table.rows)} rows x {len(table.columns)} columns to {args.out}")
    else:
        for index, (label, study, run) in enumerate(runs, start=1):
            print(f"{label} {study.path} run {run.id} ({run.name}), design {run.design}")
        print()
        sys.stdout.write("\n".join(tables_markdown([table])) + "\n")
    return 0
