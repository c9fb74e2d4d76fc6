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

from valuegap_tui.paths import config_dir


class ConfigError(ValueError):
    """The configuration file cannot be read."""


def config_path() -> Path:
    return config_dir() / "config.toml"


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """``tomllib.loads`` whose every failure is a ConfigError naming the source and, where known, the line.

    Besides syntax errors the parser raises RecursionError on deep nesting and a bare ValueError on an
    integer longer than Python's integer-string limit.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: arrays or tables nested too deeply") from None
    except ValueError:
        limit = sys.get_int_max_str_digits()
        found = re.search(r"\d[\d_]{%d,}" % limit, text)
        where = f", line {text.count(chr(10), 0, found.start()) + 1}" if found else ""
        raise ConfigError(f"{source}{where}: a number with more than {limit:,} digits") from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict (a byte-order mark is dropped); FileNotFoundError passes through."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): is this a TOML file?") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a TOML file") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_toml(text, str(path))


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
