"""Where the catalogues, prompt templates and default study live."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    # An installed wheel carries data/ and prompts/ inside the package; a source checkout
    # (editable install) keeps them at the repository root.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


DATA_DIR = _resource_dir("data")
PROMPTS_DIR = _resource_dir("prompts")

#: The study used when no --study is given: ./valuegap.db, or $VALUEGAP_STUDY.
DEFAULT_STUDY = Path(os.environ.get("VALUEGAP_STUDY", "valuegap.db"))


def config_dir() -> Path:
    """Per-user configuration (reviewer name, server profiles, key map).

    $VALUEGAP_CONFIG_DIR wins (tests and shared machines), then $XDG_CONFIG_HOME/valuegap.
    """
    if explicit := os.environ.get("VALUEGAP_CONFIG_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "valuegap"
