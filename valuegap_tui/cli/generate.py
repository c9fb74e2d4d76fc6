"""valuegap generate | valuegap flags: write dilemmas with a model, recompute quality flags."""

from __future__ import annotations

import asyncio
import random
import sys

from valuegap_tui.generate import dilemmas as gen
from valuegap_tui.cli._common import COUNT, SHARE, CliError, add_command, open_existing, open_or_create, whole
from valuegap_tui.dataset.quality import Thresholds, refresh_flags, study_length_cue
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.text import one_line

ORDER = 20


def _names(text_list: list[str] | None) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    return [part.strip() for text in text_list or [] for part in text.split(",") if part.strip()]


def register(commands) -> None:
    parser = add_command(
        commands, "generate", cmd_generate, "generate the missing dilemmas with a language model",
        "Plan every missing (value, topic, variant) in the scope, ask the server concurrently, validate\n"
        "each reply and retry with the problem fed back. Valid dilemmas are stored as drafts at once; a\n"
        "killed run resumes where it stopped. Every attempt's raw reply is kept. See docs/generation.md.",
    )
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--profile", metavar="NAME", help="server profile (default: the configured default or OPENAI_BASE_URL)")
    server.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--model", metavar="M", help="model name (default: the profile's, else the first the server lists)")
    parser.add_argument("--values", action="append", metavar="V,..", help="only these values (ids or names)")
    parser.add_argument("--types", action="append", metavar="T,..", help="only values of these types")
    parser.add_argument("--topics", action="append", metavar="T,..", help="only these topics")
    parser.add_argument("--variants", type=whole(1, 1_000), default=1, metavar="N", help="dilemmas per value and topic (default 1)")
    parser.add_argument("--concurrency", type=COUNT, default=64, metavar="N", help="requests in flight (default 64)")
    parser.add_argument("--max-attempts", type=whole(1, 20), default=3, metavar="N", help="tries per dilemma, with feedback (default 3)")
    parser.add_argument("--regenerate", nargs="+", metavar="ID",
                        help="replace these draft dilemmas (the old versions stay in history)")
    parser.add_argument("--replace-reviewed", action="store_true",
                        help="with --regenerate: also replace accepted, rejected or needs-edit dilemmas; each "
                             "becomes a new draft (its decision stays in the history)")
    parser.add_argument("--dry-run", action="store_true", help="only say how many would be generated")

    flags = add_command(commands, "flags", cmd_flags, "recompute the quality flags of every dilemma",
                        "Near-duplicate scenarios, look-alike actions, label words in the text, value not named.")
    flags.add_argument("--duplicate-threshold", type=SHARE, default=Thresholds.near_duplicate, metavar="X",
                       help="scenario TF-IDF cosine at or above which two dilemmas are near duplicates (default 0.8)")
    flags.add_argument("--action-threshold", type=SHARE, default=Thresholds.similar_actions, metavar="X",
                       help="word-bigram Jaccard at or above which two actions look alike (default 0.6)")


def _client(args):
    from valuegap_tui.server.client import build_client
    from valuegap_tui.server.profiles import ProfileError, get_profile

    try:
        if args.base_url:
            return build_client(base_url=args.base_url, model=args.model, concurrency=args.concurrency)
        return build_client(get_profile(args.profile), model=args.model, concurrency=args.concurrency)
    except (ProfileError, ValueError) as exc:
        raise CliError(str(exc), 2) from None


def cmd_generate(args) -> int:
    if args.max_attempts < 1 or args.concurrency < 1:
        raise CliError("--max-attempts and --concurrency must be at least 1", 2)
    # a wrong server is named before anything is planned (sessions open on first use: nothing to close)
    client = None if args.dry_run else _client(args)
    study = open_or_create(args.study)
    from valuegap_tui.designs import study_design_id

    if study_design_id(study) == "valact":  # four-action scenarios (docs/designs.md)
        from valuegap_tui.designs.valact.cli import generate_scenarios

        return generate_scenarios(args, study, client)
    try:
        if args.regenerate:
            jobs = gen.jobs_for_ids(args.regenerate)
            _refuse_reviewed(study, jobs, args.replace_reviewed)
        else:
            scope = gen.Scope.parse(_names(args.values), _names(args.types), _names(args.topics), args.variants)
            jobs = gen.plan(study, scope)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    print(f"{len(jobs)} dilemma(s) to generate", file=sys.stderr)
    if client is None or not jobs:
        return 0
    # A regenerated dilemma must differ: a fresh seed keeps seeded servers from repeating the old reply.
    settings = gen.Settings(max_attempts=args.max_attempts, concurrency=args.concurrency,
                            seed=random.randrange(2**31) if args.regenerate else None,
                            replace_reviewed=args.replace_reviewed)

    async def run():
        try:
            if hasattr(client, "resolve_model"):
                try:  # one clear message for a dead server instead of a failure per dilemma
                    await client.resolve_model()
                except Exception as exc:
                    raise CliError(f"cannot reach the server: {exc}", 1) from None
            return await gen.generate(study, client, jobs, settings, on_progress=gen.stderr_reporter(),
                                      action="regenerate" if args.regenerate else "generate")
        finally:
            await client.aclose()

    try:
        progress = asyncio.run(run())
    except KeyboardInterrupt:
        raise CliError("interrupted: the dilemmas generated so far are stored; run again to continue", 130) from None
    failed = attempt_store.failed_pairs(study, [job.id for job in jobs])
    for pair in failed[:20]:
        print(one_line(f"failed {pair.dilemma_id} after {pair.attempts} attempt(s): {pair.reason}"), file=sys.stderr)
    if len(failed) > 20:
        print(f"... and {len(failed) - 20} more failed", file=sys.stderr)
    kept = (f", kept {progress.kept} that were stored or reviewed meanwhile" if progress.kept else "")
    print(f"stored {progress.done}, failed {progress.failed}{kept}, {progress.requests} request(s) "
          f"in {progress.elapsed_s:.1f} s")
    if progress.done:
        # Near duplicates depend on the whole set, so flags are recomputed across it after each run.
        counts = refresh_flags(study)
        print("quality flags: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        print(study_length_cue(study).describe())
    return 0 if progress.failed == 0 else 3


def _refuse_reviewed(study, jobs, replace_reviewed: bool) -> None:
    """A reviewer's decision is not replaced unasked: name the reviewed dilemmas and the option."""
    from valuegap_tui.designs.graded_actions.models import DilemmaStatus
    from valuegap_tui.store import dilemmas as dilemma_store

    reviewed = [(job.id, d.status.value) for job in jobs
                if (d := dilemma_store.get(study, job.id)) is not None and d.status is not DilemmaStatus.DRAFT]
    if not reviewed:
        return
    if replace_reviewed:
        print(f"replacing {len(reviewed)} reviewed dilemma(s) with new drafts; their decisions stay in the history",
              file=sys.stderr)
        return
    named = ", ".join(f"{dilemma_id} ({status})" for dilemma_id, status in reviewed[:5])
    more = f" and {len(reviewed) - 5} more" if len(reviewed) > 5 else ""
    raise CliError(f"not regenerating reviewed dilemmas: {named}{more}. Regenerating makes each a new draft; "
                   "add --replace-reviewed to do so (the decision stays in the history)", 2)


def cmd_flags(args) -> int:
    study = open_existing(args.study)
    counts = refresh_flags(study, Thresholds(args.duplicate_threshold, args.action_threshold))
    for name, n in counts.items():
        print(f"{name}: {n}")
    print(study_length_cue(study).describe())
    return 0
