"""The poster's design's own commands (``designs.COMMANDS``): flags, check-labels, agreement and
export-dataset, its quality flags, second opinion, label agreement and dataset card from the command line."""

from __future__ import annotations

import asyncio
import sys

from valuegap_tui.cli._common import COUNT, SEED, SHARE, CliError, add_command, open_design_study
from valuegap_tui.dataset.quality import Thresholds, refresh_flags, study_length_cue
from valuegap_tui.designs.graded_actions import label_check
from valuegap_tui.designs.graded_actions import review_tools as review
from valuegap_tui.designs.graded_actions.design import DESIGN
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.evaluate import independence
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.text import one_line


def _study(args):
    return open_design_study(args.study, DESIGN, args.command)


def register(commands) -> None:
    flags = add_command(commands, "flags", cmd_flags, "recompute the quality flags of every dilemma",
                        "Near-duplicate scenarios, look-alike actions, label words in the text, value not named.")
    flags.add_argument("--duplicate-threshold", type=SHARE, default=Thresholds.near_duplicate, metavar="X",
                       help="scenario TF-IDF cosine at or above which two dilemmas are near duplicates (default 0.8)")
    flags.add_argument("--action-threshold", type=SHARE, default=Thresholds.similar_actions, metavar="X",
                       help="word-bigram Jaccard at or above which two actions look alike (default 0.6)")

    check = add_command(
        commands, "check-labels", cmd_check_labels, "ask a model for a second opinion on each dilemma's labels",
        description="A model orders each dilemma's six actions (unlabelled, shuffled afresh each time) from most\n"
        "aligning to most opposing, --judgements times. Each adjacent pair of labels gets the share of judgements\n"
        f"that keep its order; a dilemma where most judgements reverse a pair gets the flag '{label_check.FLAG}'\n"
        "and a suggested fix that a reviewer applies with one key in the Dilemmas screen (nothing is relabelled\n"
        "here). docs/review.md gives the measured error rates.",
    )
    check.add_argument("--server", help="server profile from the config (default: the configured default)")
    check.add_argument("--base-url", help="OpenAI-compatible base URL instead of a profile")
    check.add_argument("--model", help="model name (default: the profile's)")
    check.add_argument("--status", choices=[s.value for s in DilemmaStatus], action="append", help="only this status")
    check.add_argument("--concurrency", type=COUNT, default=8)
    check.add_argument("--seed", type=SEED, default=0, help="shuffle seed for the action order shown")
    check.add_argument("--judgements", type=COUNT, default=label_check.DEFAULT_JUDGEMENTS,
                       help=f"orderings asked per dilemma (default {label_check.DEFAULT_JUDGEMENTS}; "
                       "bench/label_check_quality.py gives the error rates)")

    add_command(commands, "agreement", cmd_agreement, "label agreement between reviewers and the generator")

    export = add_command(
        commands, "export-dataset", cmd_export_dataset, "export the curated dataset with a dataset card",
        description="Write dataset.jsonl, dataset.csv and README.md (counts, agreement, prompt templates).",
    )
    export.add_argument("out_dir", help="directory to write into (created if missing)")
    export.add_argument("--all", action="store_true", help="every dilemma, not only accepted ones")


def make_client(server: str | None, base_url: str | None, model: str | None, concurrency: int):
    try:
        return label_check.make_client(server=server, base_url=base_url, model=model, concurrency=concurrency)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from None


def cmd_flags(args) -> int:
    study = _study(args)
    counts = refresh_flags(study, Thresholds(args.duplicate_threshold, args.action_threshold))
    for name, n in counts.items():
        print(f"{name}: {n}")
    print(study_length_cue(study).describe())
    return 0


def cmd_check_labels(args) -> int:
    study = _study(args)
    dilemmas = list(dilemma_store.iter_dilemmas(study, status=args.status))
    if not dilemmas:
        raise CliError("no dilemmas to check")
    if args.judgements < 1:
        raise CliError("--judgements must be at least 1", exit_code=2)
    client = make_client(args.server, args.base_url, args.model, args.concurrency)
    done = [0]
    by_id = {d.id: d for d in dilemmas}

    def progress(outcome: label_check.CheckOutcome) -> None:
        done[0] += 1
        if outcome.error:
            print(one_line(f"{outcome.dilemma_id}: error: {outcome.error}"), file=sys.stderr)
        if outcome.check is not None and outcome.check.doubtful:
            c = outcome.check
            fix = label_check.describe_fix(by_id[c.dilemma_id], c.suggested_labels)
            print(f"{c.dilemma_id}: doubtful (lowest pair confidence {min(c.pair_confidence):.2f} over"
                  f" {c.judgements} judgements, sign errors {c.sign_errors}); suggested: {fix}")

    async def run():
        try:
            return await label_check.check_dilemmas(
                study, client, dilemmas, model=args.model, concurrency=args.concurrency, seed=args.seed,
                judgements=args.judgements, progress=progress,
            )
        finally:
            await client.aclose()

    outcomes = asyncio.run(run())
    checked = [o.check for o in outcomes if o.check]
    for judge in sorted({c.model for c in checked}):
        for warning in independence.judge_warnings(study, judge, dilemmas):
            print(f"warning: {warning}", file=sys.stderr)
    errors = sum(1 for o in outcomes if o.check is None)
    doubtful = sum(1 for c in checked if c.doubtful)
    mean = sum(c.spearman for c in checked) / len(checked) if checked else float("nan")
    print(f"checked {len(checked)} dilemmas: {doubtful} flagged {label_check.FLAG}, mean spearman {mean:.2f}, {errors} errors")
    return 1 if errors and not checked else 0


def cmd_agreement(args) -> int:
    study = _study(args)
    pairs, found = review.agreement_report(study)
    for line in review.format_agreement(pairs):
        print(line)
    if found:
        print(f"{len(found)} disagreements (largest first):")
        for d in found[:20]:
            labels = ", ".join(f"{rater} {label.score:+d}" for rater, label in sorted(d.labels.items()))
            print(f"  {d.dilemma_id} action {d.option + 1}: {labels}")
    return 0


def cmd_export_dataset(args) -> int:
    study = _study(args)
    if not args.all and not dilemma_store.counts_by(study, "status").get("accepted"):
        raise CliError(f"no accepted dilemma in {study.path}: nothing is written. Accept dilemmas in the app "
                       "(`valuegap tui`, F1), or pass --all to export every status")
    counts = review.export_dataset(study, args.out_dir, include_all=args.all)
    print(f"wrote {counts['dilemmas']} dilemmas to {args.out_dir} (dataset.jsonl, dataset.csv, README.md)")
    return 0
