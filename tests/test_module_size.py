"""Modules stay small enough to read in one sitting: a module that grows past the limit is split by job
(docs/architecture.md, "Rules that hold everywhere")."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the most lines a module of the package may have
MAX_LINES = 450


def modules_over(folder: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Every Python module under ``folder`` longer than ``limit`` lines, with its length."""
    return {str(path.relative_to(folder)): n for path in sorted(folder.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit}


def test_no_module_is_over_the_limit():
    too_long = modules_over(ROOT / "valuegap_tui")
    assert too_long == {}, f"split these by job (at most {MAX_LINES} lines each): {too_long}"


def test_the_check_sees_a_long_module(tmp_path):
    (tmp_path / "at_limit.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "over.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert modules_over(tmp_path) == {"inner/over.py": MAX_LINES + 1}
