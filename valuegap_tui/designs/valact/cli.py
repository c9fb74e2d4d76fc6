"""``valuegap generate`` on a valact study: one scenario per (topic, variant) in the scope."""

from __future__ import annotations

import asyncio
import sys

from valuegap_tui.generate import dilemmas as poster_generate
from valuegap_tui.cli._common import CliError
from valuegap_tui.designs.valact import generate as gen


def _names(groups) -> list[str]:
    return [name.strip() for group in groups or [] for name in group.split(",") if name.strip()]


def generate_scenarios(args, study, client) -> int:
    if args.values or args.types or args.regenerate:
        raise CliError("a valact study generates per topic: use --topics and --variants "
                       "(the four values of each scenario rotate through the ten)", 2)
    try:
        jobs = gen.plan(study, _names(args.topics), args.variants)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    print(f"{len(jobs)} scenario(s) to generate", file=sys.stderr)
    if client is None or not jobs:
        return 0
    settings = poster_generate.Settings(max_attempts=args.max_attempts, concurrency=args.concurrency)

    async def run():
        try:
            return await gen.generate(study, client, jobs, settings)
        finally:
            await client.aclose()

    progress = asyncio.run(run())
    print(f"{progress.done} scenario(s) stored as drafts, {progress.failed} failed"
          + (f" (last: {progress.failure[0]}: {progress.failure[1]})" if progress.failure else ""), file=sys.stderr)
    return 0 if not progress.failed else 1
