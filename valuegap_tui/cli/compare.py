"""valuegap compare: the same models across studies (and designs), headline numbers side by side; with
--paired, the respondents of one run (models and people) compared dilemma by dilemma."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_existing
from valuegap_tui.metrics.items import AGGREGATES, DEFAULT_AGGREGATE

ORDER = 61


def register(commands) -> None:
    parser = add_command(
        commands, "compare", cmd_compare,
        "compare models across studies of different designs (headline numbers side by side), or the "
        "respondents of one run, paired (--paired)",
        description="Set the headline numbers of the study's run (--study, --run) and of each other SPEC side by\n"
        "side, one row per model and condition, one column per study, design and metric. SPEC is\n"
        "STUDY.db (its newest run) or STUDY.db:RUN_ID. Each design keeps its own metrics\n"
        "(docs/designs.md): nothing is converted between designs.\n\n"
        "--paired compares the respondents of the one run instead: every pair of models and every model\n"
        "with the people, on the dilemmas both answered, under one condition (--condition; default: the\n"
        "one people answered, else the baseline): AR and AD differences with 95% paired bootstrap\n"
        "intervals, sign-flip p-values adjusted by Holm and Benjamini-Hochberg, and people's percentile\n"
        "of each model on the same items (docs/respond.md).")
    parser.add_argument("specs", nargs="*", metavar="SPEC", help="another study: STUDY.db or STUDY.db:RUN_ID")
    parser.add_argument("--run", default="latest", metavar="RUN_ID|latest", help="the study's run (default: latest)")
    parser.add_argument("--out", type=Path, help="write the table as CSV here (default: print Markdown)")
    parser.add_argument("--paired", action="store_true",
                        help="compare the run's respondents with each other, paired by dilemma")
    parser.add_argument("--condition", metavar="ID", help="with --paired: the condition to compare on")
    parser.add_argument("--aggregate", choices=AGGREGATES, default=DEFAULT_AGGREGATE,
                        help="with --paired: how a dilemma's repeats are combined (docs/metrics.md)")
    parser.add_argument("--top-letter", action="store_true",
                        help="with --paired, logprob runs: count each answer as its most likely letter instead of"
                             " its distribution over the options (the default)")


def cmd_compare(args) -> int:
    if args.paired:
        return _paired(args)
    if args.condition or args.top_letter or args.aggregate != DEFAULT_AGGREGATE:
        raise CliError("--condition, --aggregate and --top-letter go with --paired", exit_code=2)
    if not args.specs:
        raise CliError("name another study to compare with (STUDY.db or STUDY.db:RUN_ID), or compare the run's "
                       "respondents with --paired", exit_code=2)
    from valuegap_tui.designs.compare import RunSpec, compare_runs
    from valuegap_tui.designs.tables import tables_markdown
    from valuegap_tui.report.resolve import ReportError, resolve_run

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
    comparison = compare_runs(runs)
    table = comparison.table
    if not table.rows:
        raise CliError("no run named has answers yet")
    if args.out:
        table.write_csv(args.out)
        print(f"wrote {len(table.rows)} rows x {len(table.columns)} columns to {args.out}")
    else:
        for index, (label, study, run) in enumerate(runs, start=1):
            protocol, asked = comparison.protocols.get(label, (None, ()))
            ways = (f", under {protocol} (asked {len(asked)} ways: {', '.join(asked)}; each way in valuegap report)"
                    if len(asked) > 1 else "")
            print(f"{label} {study.path} run {run.id} ({run.name}), design {run.design}{ways}")
        print()
        sys.stdout.write("\n".join(tables_markdown([table])) + "\n")
    return 0


def _paired(args) -> int:
    from valuegap_tui.report.collection import collection_status
    from valuegap_tui.metrics.between import default_condition, paired_comparisons
    from valuegap_tui.report.resolve import ReportError, resolve_run
    from valuegap_tui.report.writer import load_frame
    from valuegap_tui.report.people import pairs_markdown
    from valuegap_tui.text import visible

    if args.specs:
        raise CliError("--paired compares the respondents of one run: name no other study", exit_code=2)
    study = open_existing(args.study)
    try:
        run = resolve_run(study, args.run)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    from valuegap_tui.designs import get_design

    if not get_design(run.design).core_metrics:
        raise CliError(f"run {run.id} asks the {run.design} design: --paired compares runs on the six-point axis"
                       " of the core's metrics (docs/designs.md)")
    frame = load_frame(study, run.id)
    if args.condition is not None and args.condition not in set(frame.persona.decode()):
        known = ", ".join(sorted(set(frame.persona.decode()))) or "none answered yet"
        raise CliError(f"run {run.id} has no answers under condition {args.condition!r} (its conditions: {known})")
    condition = args.condition or default_condition(frame)
    table = paired_comparisons(frame, args.aggregate, False if args.top_letter else None, condition)
    print(visible(collection_status(study, run.id).headline()))
    if args.out:
        table.write_csv(args.out)
        print(f"wrote {len(table.rows)} comparisons on condition {visible(str(condition))} to {args.out}")
    else:
        print()
        sys.stdout.write("\n".join(pairs_markdown(table)[2:]) + "\n")
    return 0
