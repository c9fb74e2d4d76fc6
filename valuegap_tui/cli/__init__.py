"""The ``valuegap`` command line. Each module in this package adds its subcommands via ``register``.

Every subcommand calls the headless core; the TUI is one subcommand among them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from valuegap_tui import __version__
from valuegap_tui.catalogue import CatalogueError
from valuegap_tui.cli._common import CliError


def _command_modules():
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    # ORDER puts the pipeline in order in --help: init, info, import/export, generate, review ...
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="valuegap",
        description=(
            "Measure the value-action gap of language models: generate and curate moral dilemmas, "
            "build cultural personas, evaluate models on a local OpenAI-compatible server, and report."
        ),
        epilog="Start with `valuegap demo` (no GPU needed). Every command takes --study PATH.",
    )
    parser.add_argument("--version", action="version", version=f"valuegap {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"valuegap: {exc}", file=sys.stderr)
        return exc.exit_code
    except CatalogueError as exc:  # e.g. a broken $VALUEGAP_PERSONA_VARIABLES file
        print(f"valuegap: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("valuegap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `valuegap export - | head`): not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
