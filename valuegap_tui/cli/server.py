"""server list / server probe: the configured server profiles and what a server really supports."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_or_create
from valuegap_tui.paths import DEFAULT_STUDY
from valuegap_tui.server.profiles import ProfileError, get_profile, load_profiles, profile_for_url

ORDER = 80


def register(commands) -> None:
    server = add_command(
        commands, "server", lambda args: server.print_help() or 0, "server profiles and probing (list, probe)",
        description="OpenAI-compatible servers (vLLM, llama-server, the simulator): list the configured\n"
        "profiles, and probe what a server really supports before a study relies on it.",
    )
    sub = server.add_subparsers(dest="server_command", metavar="SUBCOMMAND")

    listing = add_command(sub, "list", cmd_list, "list server profiles (config file and OPENAI_BASE_URL)",
                          nested=True)
    listing.add_argument("--config", type=Path, metavar="FILE", help="read [servers] from this TOML file instead")

    probe = add_command(
        sub, "probe", cmd_probe, "check health, models and supported answer modes of a server",
        description="Check /health and /v1/models, then test which features really hold: constrained choice\n"
        "(structured_outputs, json_schema enum, guided_choice), logprobs, JSON-schema generation.\n"
        "Servers ignore unknown fields silently, so each constraint is tested by its effect.\n"
        "Findings are stored in the study (without --study: in ./valuegap.db only if it exists) and used\n"
        "to send constraints the way the server honours.",
        nested=True,
    )
    target = probe.add_mutually_exclusive_group()
    target.add_argument("--profile", metavar="NAME", help="a configured profile (default: the default profile)")
    target.add_argument("--base-url", metavar="URL", help="a server URL, e.g. http://127.0.0.1:8000/v1")
    probe.add_argument("--model", help="model to test (default: the profile's, else the first listed)")
    probe.add_argument("--config", type=Path, metavar="FILE", help="read [servers] from this TOML file instead")
    probe.add_argument("--transport", choices=["http", "aiohttp", "openai"], help="HTTP client to use (default: profile's)")
    probe.add_argument("--no-store", action="store_true", help="show the findings without storing them")
    probe.add_argument("--max-tokens", type=int, metavar="N",
                       help="the token cap runs will use, checked against the server's context (default: the"
                            " profile's, else 4096, a text run's default)")


def cmd_list(args) -> int:
    try:
        profiles = load_profiles(args.config)
    except ProfileError as exc:
        raise CliError(str(exc)) from None
    if not profiles:
        print("no server profiles: set OPENAI_BASE_URL or add [servers.NAME] to the config (see docs/servers.md)")
        return 0
    for profile in profiles.values():
        print(f"{profile.name}  model={profile.model or '(first listed)'}  transport={profile.transport}"
              f"  timeout={profile.timeout_s:g}s  source={profile.source}")
        for endpoint in profile.endpoints:
            key = "key set" if endpoint.api_key is not None else "no key"
            print(f"  {endpoint.display_url}  concurrency {endpoint.concurrency}  ({key})")
    return 0


def cmd_probe(args) -> int:
    try:
        if args.base_url:
            profile = profile_for_url(args.base_url, model=args.model)
        else:
            profile = get_profile(args.profile, args.config)
    except (ProfileError, ValueError) as exc:
        raise CliError(str(exc)) from None
    from valuegap_tui.server.probe import probe_profile

    # A diagnostic creates no study unless asked to: without --study (nor $VALUEGAP_STUDY) and no
    # ./valuegap.db the findings are shown only.
    named = args.study is not DEFAULT_STUDY or "VALUEGAP_STUDY" in os.environ
    if args.no_store or not (named or Path(args.study).exists()):
        study = None
    else:
        study = open_or_create(args.study)
    from valuegap_tui.evaluate.questions import sample_question

    findings = asyncio.run(probe_profile(profile, model=args.model, transport=args.transport,
                                         question=sample_question(), max_tokens=args.max_tokens))
    all_healthy = True
    for found in findings:
        print("\n".join(found.summary_lines()))
        all_healthy &= found.usable
        if study is not None:
            from valuegap_tui.store.server import save_probe

            save_probe(study, found)
    if study is not None:
        print(f"findings stored in {study.path}")
    elif not args.no_store:
        print(f"findings not stored: no study at {args.study} (give --study of a study to keep them)")
    return 0 if all_healthy else 2
