"""Rules the test suite keeps: shared helpers live in tests/helpers, an import error fails instead of
skipping, and the tests that need root say so, skipping only where they may."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import root

THIS = Path(__file__).resolve()
ROOT = THIS.parents[1]
SOURCES = sorted(p for folder in ("tests", "bench") for p in (ROOT / folder).rglob("*.py"))
# "from tests.test_x import", "from tests.tui.conftest import", "from .conftest import", "import tests.test_x";
# in code or in a script a test writes for another process.
BORROWED = re.compile(r"\bfrom\s+(?:tests(?:\.\w+)*\.|\.+)(?:test_\w+|conftest)\s+import\b"
                      r"|\bimport\s+tests(?:\.\w+)*\.(?:test_\w+|conftest)\b")


def where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, offset) + 1}"


def test_no_test_imports_from_a_test_module_or_a_conftest():
    found = [where(p, text, m.start()) for p in SOURCES if p != THIS
             for text in [p.read_text(encoding="utf-8")] for m in BORROWED.finditer(text)]
    assert not found, f"move what these import into tests/helpers/ and import it from there: {found}"


def test_the_rule_above_can_fail():
    for line in ("from tests.test_evaluate import seed_study", "    from tests.reliability.conftest import X",
                 "from .conftest import make_scenarios", "import tests.tui.test_shell"):
        assert BORROWED.search(line), line
    for line in ("from tests.helpers.runs import seed_study", "from tests.reliability.hostile import LONG"):
        assert not BORROWED.search(line), line


def test_no_import_is_skipped():
    """Every package the tests use is in the test extra (and constraints.txt), and the project's own
    modules are always there: an import that fails is an error to see, never a skip."""
    found = [where(p, text, m.start()) for p in SOURCES if p != THIS
             for text in [p.read_text(encoding="utf-8")] for m in re.finditer(r"importorskip\(", text)]
    assert not found, f"import the module plainly (add a package to the test extra if it is missing): {found}"


def test_mounting_goes_through_the_root_helper():
    """A test that mounts a file system uses tests/helpers/root.py, which says why when it skips and
    fails instead where the root-only tests are required (CI)."""
    helper = ROOT / "tests" / "helpers" / "root.py"
    found = [where(p, text, m.start()) for p in SOURCES if p not in (helper, THIS)
             for text in [p.read_text(encoding="utf-8")] for m in re.finditer(r"""["']u?mount["']|geteuid""", text)]
    assert not found, f"use tests.helpers.root.mounted: {found}"


def test_a_root_only_test_skips_with_its_reason(monkeypatch):
    monkeypatch.delenv(root.REQUIRED, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs root"):
        root.cannot("needs root to mount")


def test_a_root_only_test_fails_where_root_only_tests_are_required(monkeypatch):
    monkeypatch.setenv(root.REQUIRED, "1")
    with pytest.raises(pytest.fail.Exception, match=f"needs root to mount, and {root.REQUIRED}=1"):
        root.cannot("needs root to mount")


def test_ci_requires_the_root_only_tests():
    assert f"export {root.REQUIRED}=1" in (ROOT / ".ci" / "run").read_text()
