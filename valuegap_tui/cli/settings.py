"""config check: every problem of the config file, one per line, with its line and field."""

from __future__ import annotations

from pathlib import Path

from valuegap_tui.cli._common import add_command
from valuegap_tui.text import one_line

ORDER = 82


def register(commands) -> None:
    config = add_command(
        commands, "config", lambda args: config.print_help() or 0, "check the config file and environment variables",
        description="The config file (config.toml: [reviewer], [keys], [servers], [limits]) and valuegap's\n"
        "environment variables, read as one typed model: `check` lists every problem with its line and field.",
    )
    sub = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    check = add_command(sub, "check", cmd_check, "list every problem of the config file and environment, one per line",
                        nested=True)
    check.add_argument("--config", type=Path, metavar="FILE", help="check this TOML file instead of config.toml")


def cmd_check(args) -> int:
    from valuegap_tui.config import config_path
    from valuegap_tui.settings import SettingsError, check_config, environment

    path = args.config or config_path()
    problems = [f"{path}: {problem}" for problem in check_config(path)]
    try:
        environment()
    except SettingsError as exc:
        problems += [f"environment: {problem}" for problem in exc.problems]
    for problem in problems:
        print(one_line(problem))
    if not problems:
        print(f"{path}: {'no problems' if path.exists() else 'no such file (the defaults apply)'}")
    return 1 if problems else 0
