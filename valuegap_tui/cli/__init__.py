"""The ``valuegap`` command line. Each module in this package adds its subcommands via ``register``.

Every subcommand calls the headless core; the TUI is one subcommand among them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sqlite3
import sys

from valuegap_tui import __version__
from valuegap_tui.catalogue import CatalogueError
from valuegap_tui.cli._common import CliError
from valuegap_tui.text import visible
from valuegap_tui.store import StudyError, describe_sqlite_error
from valuegap_tui.store.db import busy_timeout_s


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


class _VisibleStderr(logging.Handler):
    """Warnings to stderr, as Python would print them, with control characters shown, not sent raw
    (a server's error message is quoted in them)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(visible(self.format(record)) + "\n")
        except Exception:  # noqa: BLE001 - logging must never end a command
            self.handleError(record)


def _log_visibly() -> None:
    logger = logging.getLogger("valuegap")
    if not any(isinstance(h, _VisibleStderr) for h in logger.handlers):
        logger.addHandler(_VisibleStderr())


def main(argv: list[str] | None = None) -> int:
    _log_visibly()
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        # Messages may quote a file or a server reply: control characters are shown, not sent raw.
        print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except CatalogueError as exc:  # e.g. a broken $VALUEGAP_PERSONA_VARIABLES file
        print(f"valuegap: {exc}", file=sys.stderr)
        return 2
    except StudyError as exc:
        print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        # Disk full, a write lock held past the busy timeout, a damaged file, a read-only study:
        # the transaction that hit it was rolled back, so one line is all the user needs.
        print(f"valuegap: {describe_sqlite_error(exc, getattr(args, 'study', None), busy_timeout_s())}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("valuegap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `valuegap export - | head`): not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.filename is None:
            raise
        print(f"valuegap: {visible(str(exc.filename))}: {exc.strerror or exc}", file=sys.stderr)
        return 1
