"""Shared pieces of the command line: the --study option, opening a study, errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from valuegap_tui.paths import DEFAULT_STUDY
from valuegap_tui.store import Study, StudyError, open_study


class CliError(RuntimeError):
    """An error to show as one line on stderr, with a non-zero exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


STUDY_HELP = f"study database file (default: $VALUEGAP_STUDY or ./{DEFAULT_STUDY})"


def add_study_option(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    # A nested subcommand (`valuegap run start`) leaves --study unset unless given there, so
    # `valuegap run --study X start` and `valuegap run start --study X` mean the same.
    default = argparse.SUPPRESS if nested else DEFAULT_STUDY
    parser.add_argument("--study", type=Path, default=default, metavar="PATH", help=STUDY_HELP)


def add_command(commands, name: str, handler, help: str, description: str | None = None,
                *, nested: bool = False) -> argparse.ArgumentParser:
    """A subcommand with --study, its handler and useful help; ``nested`` for a group's subcommands."""
    parser = commands.add_parser(
        name, help=help, description=description or help, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_study_option(parser, nested=nested)
    parser.set_defaults(handler=handler)
    return parser


def open_existing(path: Path) -> Study:
    try:
        return open_study(path)
    except StudyError as exc:
        raise CliError(str(exc)) from None


def open_or_create(path: Path) -> Study:
    try:
        return open_study(path, create=True)
    except StudyError as exc:
        raise CliError(str(exc)) from None
