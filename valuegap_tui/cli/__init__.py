"""The ``valuegap`` command line. Each module in this package adds its subcommands via ``register``.

Every subcommand calls the headless core; the TUI is one subcommand among them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from valuegap_tui import __version__
from valuegap_tui.text import visible

#: (command, module, one-line help) in --help order: the pipeline, init to the app. Only the module of
#: the command that runs is imported, so `valuegap --help` and every command start fast;
#: tests/test_cli.py checks this table against what the modules register. Each design adds its own
#: commands (``designs.COMMANDS``), listed after ``import``.
COMMANDS = (
    ("init", "study", "create an empty study database"),
    ("info", "study", "show counts by status, value type and topic"),
    ("export", "study", "export dilemmas as JSONL or CSV"),
    ("import", "study", "import a study's items from a file (all or nothing)"),
    ("generate", "generate", "generate the study's missing items with a language model"),
    ("review", "reviewers", "reviewers on several machines: export, merge, conflicts; a dilemma's history"),
    ("personas", "personas", "build, write, list and move cultural personas and other conditions"),
    ("respond", "respond", "people answer a run's questions, stored as respondents beside the models"),
    ("run", "run", "evaluate models: value and action questions, resumable"),
    ("report", "report", "write a run's metric tables (CSV), summary (Markdown) and figures (PNG and PDF; SVG on request)"),
    ("compare", "compare", "compare models across studies of different designs (headline numbers side by side), "
                           "or the respondents of one run, paired (--paired)"),
    ("server", "server", "server profiles and probing (list, probe)"),
    ("config", "settings", "check the config file and environment variables"),
    ("simulate", "simulate", "serve a SIMULATED respondent (OpenAI-compatible, no GPU)"),
    ("tui", "app", "open the interactive app on a study"),
    ("demo", "app", "build a demo study with no GPU and open it"),
)


def all_commands() -> list[tuple[str, str, str]]:
    """(command, module path, help) of every command, the designs' after ``import``."""
    from valuegap_tui.designs import design_commands

    core = [(name, f"{__name__}.{module}", help) for name, module, help in COMMANDS]
    at = next(n for n, (name, _, _) in enumerate(core) if name == "import") + 1
    return core[:at] + design_commands() + core[at:]


def _unlisted_modules() -> list[str]:
    """Command modules the table does not name yet: imported every time (slow, but never lost)."""
    listed = {module for _, module, _ in COMMANDS}
    return sorted(info.name for info in pkgutil.iter_modules(__path__)
                  if not info.name.startswith("_") and info.name not in listed)


def _register(commands, module_name: str) -> None:
    module = importlib.import_module(module_name)
    if hasattr(module, "register"):
        module.register(commands)


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named on the line: the first word that is not an option (the top level has
    only --help and --version, which take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


class _OneLineErrors(argparse.ArgumentParser):
    """argparse whose refusals are one line, like every other (the usage is one --help away); the
    subcommands' parsers are of this class too (argparse builds them with the parent's class)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("valuegap").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"valuegap: {where}{visible(message, newlines=False)} (`{self.prog} --help` lists the"
                     " arguments)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the full options of the command ``argv`` names, the others listed by name and
    help only; without ``argv``, every command in full."""
    parser = _OneLineErrors(
        prog="valuegap",
        description=(
            "Measure the value-action gap of language models: generate and curate moral dilemmas, "
            "build cultural personas, evaluate models on a local OpenAI-compatible server, and report."
        ),
        epilog="Start with `valuegap demo` (no GPU needed). Every command takes --study PATH.",
    )
    parser.add_argument("--version", action="version", version=f"valuegap {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = None if argv is None else _chosen_command(argv)
    listed = all_commands()
    modules = {module for name, module, _ in listed if argv is None or name == chosen}
    unlisted = _unlisted_modules()
    for name, module, help in listed:
        if module in modules:
            if name not in commands.choices:
                _register(commands, module)
        elif name not in commands.choices:
            commands.add_parser(name, help=help, add_help=False)
    for module in unlisted:
        _register(commands, f"{__name__}.{module}")
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


def launch():
    """The process's entry point (``valuegap``, ``python -m valuegap_tui``): ``main``, then the end of the
    process (``cli/_ending.py``)."""
    from valuegap_tui.cli._ending import finish

    finish(main())


def main(argv: list[str] | None = None) -> int:
    _log_visibly()
    argv = sys.argv[1:] if argv is None else argv
    if _chosen_command(argv) == "tui":
        from valuegap_tui.tui import idle_gc

        # the app's launch: the collector is held off from here to its first frame (tui/idle_gc.py)
        with idle_gc.held_for_start():
            return _main(argv)
    return _main(argv)


def _main(argv: list[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    # Imported once a command runs (its module imports them anyway), not for --help.
    from valuegap_tui.settings import SettingsError, environment

    if args.command != "config":  # `config check` lists the environment's problems itself
        try:
            environment()  # a variable that cannot be read is refused before anything runs
        except SettingsError as exc:
            print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
            return 2
    from valuegap_tui.cli._common import terminals_shown_visibly

    with terminals_shown_visibly():
        return _run(handler, args)


def _run(handler, args) -> int:
    """The command, with every failure a person can act on turned into one line on stderr."""
    from valuegap_tui.catalogue import CatalogueError
    from valuegap_tui.cli._common import CliError
    from valuegap_tui.config import ConfigError
    from valuegap_tui.store import DatabaseError, StudyError, describe_sqlite_error
    from valuegap_tui.store.db import busy_timeout_s

    try:
        return int(handler(args) or 0)
    except CliError as exc:
        # Messages may quote a file or a server reply: control characters are shown, not sent raw.
        print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except CatalogueError as exc:  # e.g. a broken $VALUEGAP_PERSONA_VARIABLES file
        print(f"valuegap: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:  # the config file, read by a command that needs one of its sections
        print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
        return 2
    except StudyError as exc:
        print(f"valuegap: {visible(str(exc))}", file=sys.stderr)
        return 1
    except DatabaseError as exc:
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
