"""The core must never import Textual: everything the app does, scripts can do without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import valuegap_tui


def _core_modules():
    for info in pkgutil.walk_packages(valuegap_tui.__path__, prefix="valuegap_tui."):
        # __main__ modules run a program when imported; they are entry points, not library code.
        if info.name.startswith("valuegap_tui.tui") or info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        yield info.name


def test_core_imports_without_textual():
    modules = sorted(_core_modules())
    assert "valuegap_tui.store.db" in modules and "valuegap_tui.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "from valuegap_tui.cli import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
