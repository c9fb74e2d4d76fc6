"""valuegap generate: write the study's missing items with a model, through its design's generator."""

from __future__ import annotations

import asyncio
import random
import sys

from valuegap_tui.cli._common import COUNT, CliError, add_command, open_or_create, whole
from valuegap_tui.generate.base import GenerationScope, Settings, stderr_reporter

ORDER = 20


def _names(text_list: list[str] | None) -> list[str]:
    """Accept repeated options and comma-separated lists alike."""
    return [part.strip() for text in text_list or [] for part in text.split(",") if part.strip()]


def register(commands) -> None:
    parser = add_command(
        commands, "generate", cmd_generate, "generate the study's missing items with a language model",
        "Plan every missing item in the scope, ask the server concurrently, validate each reply and retry\n"
        "with the problem fed back. Valid items are stored as drafts at once; a killed run resumes where it\n"
        "stopped. The study's design says which of the scope options it takes (others are refused, saying\n"
        "which it takes); a design whose items are imported has no generator. See docs/generation.md and\n"
        "docs/designs.md.",
    )
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--profile", metavar="NAME", help="server profile (default: the configured default or OPENAI_BASE_URL)")
    server.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--model", metavar="M", help="model name (default: the profile's, else the first the server lists)")
    parser.add_argument("--values", action="append", metavar="V,..", help="only these values (ids or names)")
    parser.add_argument("--types", action="append", metavar="T,..", help="only values of these types")
    parser.add_argument("--topics", action="append", metavar="T,..", help="only these topics")
    parser.add_argument("--variants", type=whole(1, 1_000), default=1, metavar="N", help="items per value and topic, or per topic (default 1)")
    parser.add_argument("--concurrency", type=COUNT, default=64, metavar="N", help="requests in flight (default 64)")
    parser.add_argument("--max-attempts", type=whole(1, 20), default=3, metavar="N", help="tries per item, with feedback (default 3)")
    parser.add_argument("--regenerate", nargs="+", metavar="ID",
                        help="replace these draft items (the old versions stay in history)")
    parser.add_argument("--replace-reviewed", action="store_true",
                        help="with --regenerate: also replace reviewed items; each "
                             "becomes a new draft (its decision stays in the history)")
    parser.add_argument("--dry-run", action="store_true", help="only say how many would be generated")


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
    from valuegap_tui.designs import study_design

    design = study_design(study)
    if not design.provides("generator"):
        raise CliError(f"a study of the {design.id!r} design is not generated: import its items "
                       "(`valuegap import`, docs/designs.md)", 2)
    generator = design.generator()
    scope = GenerationScope(values=tuple(_names(args.values)), types=tuple(_names(args.types)),
                            topics=tuple(_names(args.topics)), variants=args.variants,
                            regenerate=tuple(args.regenerate or ()))
    try:
        jobs = generator.jobs(study, scope, replace_reviewed=args.replace_reviewed)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    print(f"{len(jobs)} {generator.noun}(s) to generate", file=sys.stderr)
    if client is None or not jobs:
        return 0
    # A regenerated item must differ: a fresh seed keeps seeded servers from repeating the old reply.
    settings = Settings(max_attempts=args.max_attempts, concurrency=args.concurrency,
                        seed=random.randrange(2**31) if args.regenerate else None,
                        replace_reviewed=args.replace_reviewed)

    async def run():
        try:
            if hasattr(client, "resolve_model"):
                try:  # one clear message for a dead server instead of a failure per item
                    await client.resolve_model()
                except Exception as exc:
                    raise CliError(f"cannot reach the server: {exc}", 1) from None
            return await generator.run(study, client, jobs, settings, on_progress=stderr_reporter(),
                                       action="regenerate" if args.regenerate else "generate")
        finally:
            await client.aclose()

    try:
        progress = asyncio.run(run())
    except KeyboardInterrupt:
        raise CliError(f"interrupted: the {generator.noun}s generated so far are stored; run again to continue",
                       130) from None
    errors, lines = generator.report(study, jobs, progress)
    for line in errors:
        print(line, file=sys.stderr)
    for line in lines:
        print(line)
    return 0 if progress.failed == 0 else 3
