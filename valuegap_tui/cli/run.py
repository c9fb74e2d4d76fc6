"""run: plan, execute, resume and inspect evaluation runs; batch files for cluster jobs."""

from __future__ import annotations

import sys
from pathlib import Path

from valuegap_tui.cli._common import RUN_ID, CliError, add_command, add_json_option, open_existing, print_json, whole
from valuegap_tui.outcomes import INVALID_OUTCOMES
from valuegap_tui.protocols import protocol_order
from valuegap_tui.evaluate.setup import PlanError, check_servers, create_run
from valuegap_tui.plan.definition import RunDefinition, RunDefinitionError
from valuegap_tui.urls import basic_auth_for
from valuegap_tui.store import independence as independence_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store

ORDER = 50


def register(commands) -> None:
    parser = add_command(
        commands, "run", None, "evaluate models: value and action questions, resumable",
        description="Plan and run evaluations. A run asks every model x persona x dilemma both questions,\n"
        "several times with shuffled options, and keeps every answer. A killed run resumes where it stopped.",
    )
    sub = parser.add_subparsers(dest="run_command", metavar="SUBCOMMAND", required=True)
    start = _subcommand(sub, "start", cmd_start, "plan a run from a TOML definition and run it")
    start.add_argument("definition", type=Path, help="run definition (TOML, see docs/evaluation.md)")
    start.add_argument("--plain", action="store_true", help="print progress lines instead of opening the app")
    start.add_argument("--plan-only", action="store_true", help="store the plan, send nothing (as `run plan`)")
    plan = _subcommand(sub, "plan", cmd_plan, "store a run's plan and send nothing (for batch engines)")
    plan.add_argument("definition", type=Path, help="run definition (TOML, see docs/evaluation.md)")
    resume = _subcommand(sub, "resume", cmd_resume,
                         "ask the unanswered items of a run, and those whose requests failed on the server")
    resume.add_argument("run_id", type=RUN_ID)
    resume.add_argument("--plain", action="store_true", help="print progress lines instead of opening the app")
    resume.add_argument("--retry-invalid", action="store_true",
                        help="also ask again the items whose answers were invalid (a fresh max_attempts each)")
    add_json_option(_subcommand(sub, "list", cmd_list, "list the study's runs"))
    status = _subcommand(sub, "status", cmd_status, "progress and outcomes of a run")
    status.add_argument("run_id", type=RUN_ID)
    add_json_option(status)
    export = _subcommand(sub, "export-batch", cmd_export_batch,
                         "write a run's pending requests as batch files (OpenAI, Anthropic, vllm run-batch)")
    export.description = (
        "Write the run's pending and server-error requests into DIR: one model a file, split by the target's\n"
        "limits (openai: 50,000 lines / 200 MB; anthropic: 100,000 / 256 MB; vllm: none), and manifest.json\n"
        "(files, models, line counts, sha256, custom_id ranges, the run's configuration hash). docs/evaluation.md,\n"
        "\"Beyond one machine\".")
    export.add_argument("run_id", type=RUN_ID)
    export.add_argument("out_dir", type=Path, metavar="DIR", help="folder for the request files and manifest.json")
    export.add_argument("--target", choices=("openai", "anthropic", "vllm"), default="openai",
                        help="the engine that will answer them (default openai)")
    export.add_argument("--max-lines", type=whole(1, 10_000_000), default=None, metavar="N",
                        help="at most N requests a file (default: the target's limit)")
    export.add_argument("--max-bytes", type=whole(1024, 1 << 40), default=None, metavar="B",
                        help="at most B bytes a file (default: the target's limit)")
    export.add_argument("--model", default=None, metavar="NAME", help="only this model's requests")
    export.add_argument("--retry-invalid", action="store_true", help="include the items whose answers were invalid")
    imp = _subcommand(sub, "import-batch", cmd_import_batch,
                      "load batch output and error files back into a run, in any order, reconciled by custom_id")
    imp.add_argument("run_id", type=RUN_ID)
    imp.add_argument("results", type=Path, nargs="+", metavar="FILE", help="output and error files (any target)")
    answers = _subcommand(sub, "export-answers", cmd_export_answers,
                          "write every answer of one or more runs to a tidy CSV, JSONL or Parquet file")
    answers.description = (
        "Write one row per asked question and attempt (long form, for pandas or R) to OUT; its extension\n"
        "chooses the format: .csv, .jsonl or .parquet (needs pip install 'valuegap-tui[parquet]').\n"
        "A data dictionary goes next to it (OUT.dictionary.json); columns: docs/answers.md.")
    answers.add_argument("run_ids", type=RUN_ID, nargs="+", metavar="RUN_ID", help="the runs to export")
    answers.add_argument("output", type=Path, metavar="OUT", help="file to write: .csv, .jsonl or .parquet")


def _subcommand(sub, name, handler, help):
    return add_command(sub, name, handler, help, nested=True)


def _existing_run(study, run_id: int, *, servers: bool = False):
    """The stored run; with ``servers``, also check its server profiles can still be found."""
    run = run_store.get_run(study, run_id)
    if run is None:
        raise CliError(f"no run {run_id} in {study.path} (see `valuegap run list`)")
    if servers:
        try:
            check_servers(run.definition)
        except PlanError as exc:
            raise CliError(f"run {run_id}: {exc}", exit_code=2) from None
    return run


#: exit status per final run status: finished 0; failed (nothing answered, or the study could not
#: be written) 1; stopped with items pending, or unfinished (server errors left to re-ask) 3
EXIT_CODES = {"finished": 0, "failed": 1, "stopped": 3, "unfinished": 3}


def _execute(study, run_id: int, plain: bool) -> int:
    # the app needs a terminal to draw on: output to a file or a pipe (a script, nohup, a job queue) gets the
    # progress lines, not the app's screen codes
    if plain or not (sys.stdin.isatty() and sys.stdout.isatty()):
        from valuegap_tui.evaluate.execute import RunControl
        from valuegap_tui.evaluate.session import run_blocking

        control = RunControl()
        status = run_blocking(study, run_id, control=control)
        if control.reason and control.reason.startswith("cannot write"):
            return 1
        return EXIT_CODES.get(status, 1)
    from valuegap_tui.cli.app import run_app

    study.set_meta("runs.selected", str(run_id))
    study.set_meta("runs.autostart", str(run_id))
    return run_app(study, "runs")


def protocols_note(definition: RunDefinition) -> str:
    """What the item count owes to the ways of asking, when the run asks more than one."""
    n = len(definition.protocols)
    if n < 2:
        return ""
    return (f" ({n} protocols: {', '.join(definition.protocols)}; every question is asked under each, so"
            f" {n} times the items of one)")


def cmd_start(args) -> int:
    try:
        definition = RunDefinition.load(args.definition)
    except RunDefinitionError as exc:
        raise CliError(str(exc), exit_code=2) from None
    study = open_existing(args.study)
    try:
        # When it runs now, the plan streams in: the executor stores the rest as requests go out.
        run_id = create_run(study, definition, stream=not args.plan_only)
    except PlanError as exc:
        raise CliError(f"{args.definition}: {exc}", exit_code=2) from None
    print(f"planned run {run_id} ({definition.config_hash()}): {run_store.planned_total(study, run_id)} items"
          + protocols_note(definition), flush=True)
    for warning in independence_store.run_warnings(study, run_id):
        print(f"warning: {warning.message}", file=sys.stderr, flush=True)
    if any(basic_auth_for(url) for spec in definition.models for url in spec.endpoints):
        print("note: the user:password in the endpoint URLs is used by this command only and was not stored; "
              "to resume the run later, give it in a server profile (docs/servers.md)", file=sys.stderr)
    for warning in definition.reasoning_warnings():
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    if args.plan_only:
        return 0
    return _execute(study, run_id, args.plain)


def cmd_resume(args) -> int:
    study = open_existing(args.study)
    _existing_run(study, args.run_id, servers=True)
    statuses = ("server_error", "invalid") if args.retry_invalid else ("server_error",)
    reopened = run_store.reopen_items(study, args.run_id, statuses)
    if reopened:
        print(f"run {args.run_id}: asking {reopened} items again ({' and '.join(statuses).replace('_', ' ')})",
              flush=True)
    return _execute(study, args.run_id, args.plain)


def cmd_list(args) -> int:
    study = open_existing(args.study)
    runs = run_store.list_runs(study)
    if args.json:
        print_json({"study": str(study.path), "runs": [_run_record(study, run) for run in runs]})
        return 0
    if not runs:
        print("no runs yet (start one with: valuegap run start RUN.toml)")
    for run in runs:
        p = progress_store.read_progress(study, run.id)
        models = ", ".join(m.name for m in run.definition.models)
        print(f"{run.id:>4}  {run.name:<20} {run.status:<11} {p.done:>7}/{p.total:<7} {run.config_hash}  {models}")
    return 0


def cmd_status(args) -> int:
    study = open_existing(args.study)
    run = _existing_run(study, args.run_id)
    p = progress_store.read_progress(study, run.id)
    if args.json:
        print_json(_status_record(study, run, p))
        return 0
    print(f"run {run.id} {run.name!r}: {run.status}, {p.done}/{p.total} done ({p.answered} answered, "
          f"{p.invalid} invalid, " + (f"{p.too_long} too long for the server's context, " if p.too_long else "")
          + f"{p.server_error} server errors, {p.pending} pending); config {run.config_hash}")
    if run.status == "interrupted":
        print(f"  its process ended without recording how (killed, or the study could not be written at the end):"
              f" `valuegap run resume {run.id}` goes on")
    elif run.stop_reason:
        print(f"  {run.stop_reason}")
    asked = protocol_order(run.definition.protocols)
    if len(asked) > 1:
        print(f"  asked {len(asked)} ways: {', '.join(asked)} (the metrics of each apart: Results tab 9, the "
              "report's \"Ways of asking\")")
    for (model, kind), (done, total) in sorted(p.by_group.items()):
        print(f"  {model:<24} {kind:<12} {done:>7}/{total}")
    print(f"invalid items by outcome: {p.invalid_line()}")
    print("attempts: " + (", ".join(f"{k} {v}" for k, v in sorted(p.outcomes.items())) or "none"))
    coverage = progress_store.read_coverage(study, run.id)
    if coverage is not None:
        print(coverage.line())
    return 0


def _run_record(study, run, p=None) -> dict:
    """A run's keys in `run list --json` (README, "Output for scripts")."""
    p = p or progress_store.read_progress(study, run.id)
    return {"id": run.id, "name": run.name, "status": run.status, "design": run.design,
            "config_hash": run.config_hash, "models": [m.name for m in run.definition.models],
            "protocols": protocol_order(run.definition.protocols),
            "done": p.done, "total": p.total, "created_at": run.created_at, "started_at": run.started_at,
            "finished_at": run.finished_at}


def _status_record(study, run, p) -> dict:
    """`run status --json`: the run's keys and how far it got."""
    coverage = progress_store.read_coverage(study, run.id)
    return {**_run_record(study, run, p), "stop_reason": run.stop_reason, "answered": p.answered,
            "invalid": p.invalid, "too_long": p.too_long, "server_error": p.server_error, "pending": p.pending,
            "responses": p.responses,
            "groups": [{"model": model, "kind": kind, "done": done, "total": total}
                       for (model, kind), (done, total) in sorted(p.by_group.items())],
            "invalid_by_outcome": {name: p.item_outcomes.get(name, 0) for name in INVALID_OUTCOMES},
            "attempts_by_outcome": dict(sorted(p.outcomes.items())),
            "coverage": None if coverage is None else {
                "answers": coverage.answers, "mean": coverage.mean, "median": coverage.median, "p10": coverage.p10,
                "below_min": coverage.below_min, "min_coverage": coverage.min_coverage}}


def cmd_export_batch(args) -> int:
    from valuegap_tui.evaluate.batch import BatchError, export_batch  # only here: `run start` starts faster

    study = open_existing(args.study)
    _existing_run(study, args.run_id, servers=True)
    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise CliError(f"{args.out_dir} is a file: give a folder for the batch files and their manifest", exit_code=2)
    try:
        manifest = export_batch(study, args.run_id, args.out_dir, target=args.target, max_lines=args.max_lines,
                                max_bytes=args.max_bytes, model=args.model, retry_invalid=args.retry_invalid)
    except BatchError as exc:
        raise CliError(str(exc), exit_code=2) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.out_dir}: {exc.strerror or exc}") from None
    for f in manifest.files:
        print(f"{f.file}: {f.lines} requests of {f.model}, {f.bytes:,} bytes")
    print(f"wrote {manifest.lines} requests in {len(manifest.files)} file(s) and manifest.json to {args.out_dir}"
          f" for {args.target}")
    return 0


def cmd_import_batch(args) -> int:
    from valuegap_tui.evaluate.batch import BatchError, import_batch

    study = open_existing(args.study)
    _existing_run(study, args.run_id)
    try:
        report = import_batch(study, args.run_id, args.results)
    except BatchError as exc:
        raise CliError(f"import failed, nothing written: {exc}", exit_code=2) from None
    for f in report.files:
        print(f.line())
    print(f"run {args.run_id}: {report.imported} attempts stored; {report.pending} items pending; {report.status}")
    return 0


def cmd_plan(args) -> int:
    try:
        definition = RunDefinition.load(args.definition)
    except RunDefinitionError as exc:
        raise CliError(str(exc), exit_code=2) from None
    study = open_existing(args.study)
    try:
        run_id = create_run(study, definition, stream=False)
    except PlanError as exc:
        raise CliError(f"{args.definition}: {exc}", exit_code=2) from None
    print(f"planned run {run_id} ({definition.config_hash()}): {run_store.planned_total(study, run_id)} items"
          f"{protocols_note(definition)}; nothing sent (`valuegap run export-batch {run_id} DIR` writes them for a batch engine,"
          f" `valuegap run resume {run_id}` asks them here)")
    for warning in independence_store.run_warnings(study, run_id):
        print(f"warning: {warning.message}", file=sys.stderr, flush=True)
    return 0


def cmd_export_answers(args) -> int:
    from valuegap_tui.export import ExportError, export_answers

    study = open_existing(args.study)
    try:
        result = export_answers(study, args.run_ids, args.output)
    except ExportError as exc:
        raise CliError(str(exc), exit_code=2) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc} (nothing was written)") from None
    runs = ", ".join(str(r) for r in result.runs)
    print(f"wrote {result.rows} answers of run{'s' if len(result.runs) > 1 else ''} {runs} to {result.path}"
          f" (columns: {result.dictionary})")
    return 0
