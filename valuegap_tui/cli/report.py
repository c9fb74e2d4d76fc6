"""valuegap report: a run's metric tables, summary and figures written to a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_existing
from valuegap_tui.cli._ending import at_once
from valuegap_tui.metrics.items import AGGREGATES, DEFAULT_AGGREGATE
from valuegap_tui.report.figure_formats import DEFAULT_FORMATS, parse_formats

ORDER = 60


def register(commands) -> None:
    parser = add_command(
        commands, "report", cmd_report, "write a run's metric tables (CSV), summary (Markdown) and figures (PNG and PDF; SVG on request)",
        description="Compute every metric of a run and write them to OUT_DIR:\n"
        "  CSV tables (models, conditions, persona kinds, kinds adjusted for extremity, per-value inference,\n"
        "  breakdowns, value ranking, answers; every table has a model column), summary.md with one section\n"
        "  per model, models_conditions and models_kinds (every model side by side, where two or more have\n"
        "  paired answers), and per model alignment_heatmap_MODEL, answer_choices_MODEL, kinds_MODEL,\n"
        "  conditions_MODEL and position_MODEL, each as .png and .pdf (its text editable), and .svg with\n"
        "  --formats png,pdf,svg (figures need matplotlib: pip install 'valuegap-tui[report]').\n"
        "Definitions of every number: docs/metrics.md.",
    )
    parser.add_argument("run", metavar="RUN_ID|latest", help="the run to report, or 'latest'")
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--model", metavar="NAME", help="report only this model of the run (default: every model)")
    parser.add_argument("--aggregate", choices=AGGREGATES, default=DEFAULT_AGGREGATE,
                        help="how repeats are combined: pairs = every value repeat with every action repeat (the default; "
                             "does not depend on the repeat count), cell_mean, majority, or repeat (docs/metrics.md)")
    parser.add_argument("--formats", metavar="LIST", default=",".join(DEFAULT_FORMATS),
                        help="what each figure is written as, comma-separated among png, pdf and svg (the PNG "
                             "always: summary.md shows it); default png,pdf: the PDF for a paper, the SVG (text "
                             "editable in Inkscape or Illustrator) on request, since drawing every figure in "
                             "every format is most of a large run's report time (docs/metrics.md)")
    answers = parser.add_mutually_exclusive_group()
    answers.add_argument("--top-letter", action="store_true",
                         help="logprob runs: count each answer as its most likely letter (the argmax) instead of its"
                              " distribution over the options (the default; docs/metrics.md)")
    # kept so that older scripts still run: distributions are the default now
    answers.add_argument("--expected", action="store_true", help=argparse.SUPPRESS)


def cmd_report(args) -> int:
    from valuegap_tui.report.resolve import ReportError
    from valuegap_tui.report.writer import report_run

    try:
        formats = parse_formats(args.formats)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None
    study = open_existing(args.study)
    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise CliError(f"{args.out_dir} exists and is not a folder", exit_code=2)
    try:
        report = report_run(study, args.run, args.out_dir, aggregate=args.aggregate,
                            expected=False if args.top_letter else None, model=args.model, formats=formats)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None
    print(f"wrote {len(report.tables)} tables, {report.summary.name} and {len(report.figures)} figure files "
          f"({', '.join(fmt.upper() for fmt in report.formats)}) to {report.out_dir}")
    for note in report.notes:
        print(note)
    study.close()  # everything written and closed: the process may end without its modules' teardown
    at_once()
    return 0
