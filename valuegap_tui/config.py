"""The user's configuration file: ``<config dir>/config.toml`` (see ``paths.config_dir``).

Each area reads and writes its own section ("reviewer", "keys", "servers" ...) with its own pydantic
model; this module only reads and writes the file, atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from valuegap_tui.limits import Limits, LimitError, check_value, read_bytes
from valuegap_tui.paths import config_dir


class ConfigError(ValueError):
    """The configuration file cannot be read."""


def config_path() -> Path:
    return config_dir() / "config.toml"


def parse_toml(text: str, source: str, limits: Limits | None = None) -> dict[str, Any]:
    """``tomllib.loads`` whose every failure is a ConfigError naming the source and, where known, the line.

    Besides syntax errors the parser raises RecursionError on deep nesting and a bare ValueError on an
    integer longer than Python's integer-string limit. Text fields are held to ``limits`` (the field
    length cap, no NUL; valuegap_tui.limits).
    """
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: arrays or tables nested too deeply") from None
    except ValueError:
        limit = sys.get_int_max_str_digits()
        found = re.search(r"\d[\d_]{%d,}" % limit, text)
        where = f", line {text.count(chr(10), 0, found.start()) + 1}" if found else ""
        raise ConfigError(f"{source}{where}: a number with more than {limit:,} digits") from None
    try:
        check_value(value, limits or Limits())
    except LimitError as exc:
        where = TomlLines(text).line_of(tuple(exc.field.split("."))) if exc.field else None
        raise ConfigError(f"{source}{f', line {where}' if where else ''}: {exc}") from None
    return value


_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PATH = re.compile(rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*")
_HEADER = re.compile(r"\s*(\[\[?)\s*(.*?)\s*\]\]?\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_KEY_PATH.pattern})\s*=")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, text))


class TomlLines:
    """Where each table and key of a TOML text starts, so a message can name the line of a field.

    Paths are as a validator names them: keys, with arrays of tables (``[[models]]``) numbered from 0.
    A best effort for messages: a key inside an inline table or a multi-line array takes the line of
    the key that holds it.
    """

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        self.tables: set[tuple] = set()
        arrays: dict[tuple, int] = {}
        current: tuple = ()
        in_string = False
        for number, line in enumerate(text.split("\n"), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_string:
                in_string = quotes % 2 == 0
                continue
            header = _HEADER.fullmatch(line)
            if header and _KEY_PATH.fullmatch(header.group(2)):
                parts = _key_parts(header.group(2))
                if header.group(1) == "[[":
                    current = (*self._resolve(parts[:-1], arrays), parts[-1])
                    arrays[current] = arrays.get(current, -1) + 1
                    current = (*current, arrays[current])
                else:
                    current = self._resolve(parts, arrays)
                    self.tables.add(current)
                self.lines.setdefault(current, number)
            elif key := _KEY_LINE.match(line):
                self.lines.setdefault((*current, *_key_parts(key.group(1))), number)
            in_string = quotes % 2 == 1

    @staticmethod
    def _resolve(parts: tuple[str, ...], arrays: dict[tuple, int]) -> tuple:
        path: tuple = ()
        for part in parts:
            path = (*path, part)
            if path in arrays:
                path = (*path, arrays[path])
        return path

    def line_of(self, loc: tuple) -> int | None:
        """The line of the field at ``loc``, else of the nearest table or key that holds it."""
        for end in range(len(loc), 0, -1):
            if tuple(loc[:end]) in self.lines:
                return self.lines[tuple(loc[:end])]
        return None

    def field_name(self, loc: tuple) -> str:
        """``loc`` as a person finds it in the file: ``[servers.lab] endpoints.0`` under a table header."""
        dotted = ".".join(str(part) for part in loc)
        for end in range(len(loc) - 1, 0, -1):
            if tuple(loc[:end]) in self.tables:
                return f"[{'.'.join(str(p) for p in loc[:end])}] {'.'.join(str(p) for p in loc[end:])}"
        return dotted


def read_toml_text(path: Path, limits: Limits | None = None) -> str:
    """A TOML file's text (a byte-order mark is dropped), held to the size cap; FileNotFoundError passes
    through."""
    try:
        return read_bytes(Path(path), limits or Limits()).decode("utf-8-sig")
    except LimitError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): is this a TOML file?") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a TOML file") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_toml(path: Path, limits: Limits | None = None) -> dict[str, Any]:
    """A TOML file as a dict (a byte-order mark is dropped); FileNotFoundError passes through."""
    return parse_toml(read_toml_text(path, limits), str(path), limits)


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The whole file as a dict ({} when there is none)."""
    path = path or config_path()
    try:
        return read_toml(path)
    except FileNotFoundError:
        return {}


def load_section(name: str, path: Path | None = None) -> dict[str, Any]:
    section = load_config(path).get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path or config_path()}: [{name}] must be a table")
    return section


def save_section(name: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Set one section's keys, keeping everything else as the user wrote it (comments, order, layout).

    Keys of the section missing from ``values`` are removed. A file that cannot be read is left alone
    (ConfigError). Written to a temp file then renamed.
    """
    import tomlkit  # only to edit the file: reading it needs the standard library alone

    path = path or config_path()
    load_config(path)  # refuses a broken file with the same message readers give
    try:
        document = tomlkit.parse(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        document = tomlkit.document()
    section = document.get(name)
    if isinstance(section, dict):
        for key in [k for k in section if k not in values]:
            del section[key]
        for key, value in values.items():
            section[key] = value
    else:
        document[name] = values
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(tomlkit.dumps(document))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
