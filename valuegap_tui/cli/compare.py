"""valuegap compare: the same models across studies (and designs), headline numbers side by side."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_existing

ORDER = 61


def register(commands) -> None:
    parser = add_command(
        commands, "compare", cmd_compare,
        "compare models across studies of different designs (headline numbers side by side)",
        description="Set the headline numbers of the study's run (--study, --run) and of each other SPEC side by\n"
        "side, one row per model and condition, one column per study, design and metric. SPEC is\n"
        "STUDY.db (its newest run) or STUDY.db:RUN_ID. Each design keeps its own metrics\n"
        "(docs/designs.md): nothing is converted between designs.")
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="another study: STUDY.db or STUDY.db:RUN_ID")
    parser.add_argument("--run", default="latest", metavar="RUN_ID|latest", help="the study's run (default: latest)")
    parser.add_argument("--out", type=Path, help="write the table as CSV here (default: print Markdown)")


def cmd_compare(args) -> int:
    from valuegap_tui.designs.compare import RunSpec, compare_runs
    from valuegap_tui.designs.tables import tables_markdown
    from valuegap_tui.report import ReportError, resolve_run

    runs = []
    specs = [f"{args.study}:{args.run}", *args.specs]
    for index, text in enumerate(specs, start=1):
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
