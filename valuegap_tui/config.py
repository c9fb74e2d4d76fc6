"""The user's configuration file: ``<config dir>/config.toml`` (see ``paths.config_dir``).

Each area reads and writes its own section ("reviewer", "keys", "servers" ...) with its own pydantic
model; this module only reads and writes the file, atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from valuegap_tui.paths import config_dir


class ConfigError(ValueError):
    """The configuration file cannot be read."""


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The whole file as a dict ({} when there is none)."""
    path = path or config_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_section(name: str, path: Path | None = None) -> dict[str, Any]:
    section = load_config(path).get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path or config_path()}: [{name}] must be a table")
    return section


def save_section(name: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Replace one section, keeping the others; written to a temp file then renamed."""
    path = path or config_path()
    data = load_config(path)
    data[name] = values
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "wb") as handle:
            tomli_w.dump(data, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
