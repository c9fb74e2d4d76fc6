"""No design names in the core: outside ``valuegap_tui/designs/`` no code names a design by its id or
branches on the default design; it asks the study's design (``designs/base.py``'s hooks) instead.

The store's migrations are the one exception: a migration keeps the text it shipped with (v016 gave
every existing row the poster's design id as its default), since changing an applied migration would
make two studies of the same schema version differ.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import valuegap_tui
from valuegap_tui.designs import design_ids

PACKAGE = Path(valuegap_tui.__file__).parent
EXEMPT = (PACKAGE / "designs", PACKAGE / "store" / "schema")


def _core_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if not any(p.is_relative_to(e) for e in EXEMPT))


def design_names_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for each string that is a design id, or holds one quoted (SQL, a message), and each
    comparison with the default design."""
    ids = design_ids()
    quoted = re.compile(r"""['"](%s)['"]""" % "|".join(map(re.escape, ids)))
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in ids or quoted.search(node.value):
                found.append((node.lineno, repr(node.value)[:60]))
        elif isinstance(node, ast.Compare):
            names = [n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
                     for n in (node.left, *node.comparators)]
            if "DEFAULT_DESIGN" in names:
                found.append((node.lineno, "a comparison with DEFAULT_DESIGN"))
    return found


def test_the_check_finds_what_it_looks_for():
    sample = 'if run.design != "graded_actions":\n    x = "SELECT 1 WHERE design = \'valact\'"\nif d.id == DEFAULT_DESIGN: pass\n'
    assert sorted(line for line, _ in design_names_in(sample)) == [1, 2, 3]
    assert design_names_in('x = "shown via the palette"\ny = "a valact-style study"\n') == []


def test_no_design_names_outside_designs():
    files = _core_files()
    assert PACKAGE / "store" / "runs.py" in files and PACKAGE / "tui" / "app.py" in files
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
             for path in files for line, what in design_names_in(path.read_text(encoding="utf-8"))]
    assert found == [], "ask the study's design (designs/base.py) instead:\n" + "\n".join(found)


def test_no_design_imports_another_design():
    """What designs share lives outside them (generate/base.py, validation.py, designs/review.py), so no
    design reaches into another's modules, let alone its private names (valact used the poster's _FENCE)."""
    packages = [p for p in (PACKAGE / "designs").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert {p.name for p in packages} >= set(design_ids())
    found = []
    for package in packages:
        others = {p.name for p in packages} - {package.name}
        for path in package.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                         else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                for name in names:
                    parts = name.split(".")
                    if parts[:2] == ["valuegap_tui", "designs"] and len(parts) > 2 and parts[2] in others:
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}")
    assert found == []
