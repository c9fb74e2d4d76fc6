"""Shared pieces of the command line: the --study option, opening a study, errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from valuegap_tui.paths import DEFAULT_STUDY
from valuegap_tui.store import Study, StudyError, open_study
from valuegap_tui.text import visible


class CliError(RuntimeError):
    """An error to show as one line on stderr, with a non-zero exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def whole(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``; anything else is one line saying so."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {low:,} to {high:,}")
        return value
    return parse


def number(low: float, high: float):
    """An argparse type: a finite number from ``low`` to ``high``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{text} is out of range: give {low:g} to {high:g}")
        return value
    return parse


#: the usual ranges: a TCP port (0 = any free), a count of things, a run's id (an SQLite integer),
#: a seed, a share of requests, a time in seconds (a year at most)
PORT = whole(0, 65_535)
COUNT = whole(1, 1_000_000)
RUN_ID = whole(1, 2**63 - 1)
SEED = whole(-(2**63), 2**63 - 1)
SHARE = number(0.0, 1.0)
SECONDS = number(0.0, 365 * 86_400.0)

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


def open_design_study(path: Path, design, command: str) -> Study:
    """An existing study that holds ``design``: a design's own command refuses another design's study."""
    from valuegap_tui.designs import study_design_id

    study = open_existing(path)
    held = study_design_id(study)
    if held != design.id:
        raise CliError(f"{study.path} holds the {held!r} design; `valuegap {command}` belongs to a study of the "
                       f"{design.id!r} design (`valuegap init --design {design.id}`)", 2)
    return study


def open_or_create(path: Path) -> Study:
    try:
        return open_study(path, create=True)
    except StudyError as exc:
        raise CliError(str(exc)) from None


class VisibleTerminal:
    """A terminal's stdout or stderr that shows control characters visibly (ESC as ␛, newline and tab
    kept): whatever a command prints may quote a file, a model's reply or a server's message, and sent
    raw an escape sequence would set the terminal's title or colours."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(visible(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


@contextmanager
def terminals_shown_visibly() -> Iterator[None]:
    """stdout and stderr wrapped in VisibleTerminal where they are terminals, for one command. A file or
    a pipe (`valuegap export - > out.csv`) gets the bytes exactly."""
    original = sys.stdout, sys.stderr
    if _is_terminal(sys.stdout):
        sys.stdout = VisibleTerminal(sys.stdout)
    if _is_terminal(sys.stderr):
        sys.stderr = VisibleTerminal(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = original


@contextmanager
def streams_for_an_app() -> Iterator[None]:
    """The terminal's own streams while a Textual app runs: the app draws with escape sequences of its
    own (with the streams wrapped its notifications were never drawn), and shows untrusted text visibly
    itself."""
    wrapped = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (stream.stream if isinstance(stream, VisibleTerminal) else stream for stream in wrapped)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = wrapped


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """``--json``: one JSON object on standard output instead of the lines a person reads (its keys are
    documented in README, "Output for scripts", and kept stable)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object for scripts (keys: README)")


def print_json(data: dict) -> None:
    """``data`` as JSON: ASCII only (every other character escaped, so the output is valid JSON however a
    terminal shows it), NaN and infinities as null."""
    import json
    import math

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    print(json.dumps(clean(data), indent=2))
