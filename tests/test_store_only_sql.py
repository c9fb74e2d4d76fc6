"""Only ``valuegap_tui/store/`` speaks SQL: every other module asks a store function.

Read from the source (an AST scan), so a statement in a function that no test happens to call is found
too. Three things count as speaking SQL: a string literal that holds an SQL statement, importing the
database driver (``sqlite3``) or the store's connection handle (``store.database``), and reaching for a
study's connection (``study.db``, ``.conn``, ``.execute(...)``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import valuegap_tui

PACKAGE = Path(valuegap_tui.__file__).parent
STORE = PACKAGE / "store"

# Upper case, as every statement in this code base is written, so prose ("select the rows from ...")
# in help texts and messages is not taken for SQL.
_SQL = re.compile(
    r"\bSELECT\b[^;]*\bFROM\b|^\s*SELECT\s|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\b(?:CREATE|DROP)\s+(?:TEMP\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b|\bALTER\s+TABLE\b"
    r"|\bPRAGMA\s+\w+|\bWHERE\s+\w+\s+(?:=|IN\b|LIKE\b|IS\b)|\bGROUP\s+BY\b|\bORDER\s+BY\s+\w+\s*(?:,|$|DESC|ASC)"
)
_DRIVERS = {"sqlite3", "sqlite_utils", "apsw", "valuegap_tui.store.database"}
_CONNECTION_ATTRIBUTES = {"db", "conn"}
_STATEMENT_CALLS = {"execute", "executemany", "executescript"}


def _literal_texts(tree: ast.AST):
    """(line, text) of every string literal; an f-string's literal parts count as one text."""
    inside_fstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            inside_fstrings.update(id(v) for v in node.values)
            yield node.lineno, " ? ".join(parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstrings:
            yield node.lineno, node.value


def sql_spoken(source: str, name: str = "<module>") -> list[str]:
    """Where ``source`` speaks SQL, one 'name:line: what' per finding."""
    tree = ast.parse(source)
    found = []
    for line, text in _literal_texts(tree):
        if _SQL.search(text):
            found.append(f"{name}:{line}: SQL in a string: {text.strip()[:70]!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            modules = []
        for module in modules:
            if module in _DRIVERS or module.split(".")[0] in _DRIVERS:
                found.append(f"{name}:{node.lineno}: imports {module}")
        if isinstance(node, ast.Attribute) and node.attr in _CONNECTION_ATTRIBUTES:
            found.append(f"{name}:{node.lineno}: reaches the study's connection (.{node.attr})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _STATEMENT_CALLS:
            found.append(f"{name}:{node.lineno}: runs a statement (.{node.func.attr}(...))")
    return found


def _modules_outside_store():
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE not in path.parents:
            yield path


def test_the_scan_finds_sql_and_passes_prose():
    # the scan itself can fail: each of these speaks SQL ...
    speaking = {
        "literal": 'rows = f("SELECT id FROM dilemmas WHERE design = ?")',
        "f-string": 'sql = f"SELECT {cols} FROM runs WHERE id = ?"',
        "split": 'sql = "SELECT id, status"\nsql += " FROM dilemmas"\nq = " WHERE status = ?"',
        "insert": 'db.run("INSERT OR IGNORE INTO merged_reviews (a) VALUES (?)")',
        "pragma": 'x = "PRAGMA user_version"',
        "driver": "import sqlite3",
        "handle": "from valuegap_tui.store.database import Database",
        "connection": "count = study.db.fetch()",
        "statement": "cursor.execute(text)",
    }
    for what, source in speaking.items():
        assert sql_spoken(source), what
    # ... and none of these does
    prose = ('help = "Select the dilemmas to review; the list shows them from newest to oldest."\n'
             'msg = f"update {name} with the new labels, then delete from the list what you do not need"\n'
             'order = "ORDER"\nlabel = "Group by value"\nimport sqlite3_helpers_elsewhere\nresult = job.run()\n')
    assert sql_spoken(prose) == []


def test_only_the_store_speaks_sql():
    modules = list(_modules_outside_store())
    assert any(p.name == "merge.py" for p in modules) and all(STORE not in p.parents for p in modules)
    found = []
    for path in modules:
        found += sql_spoken(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert found == [], "SQL outside valuegap_tui/store/ (give it a function in store/):\n" + "\n".join(found)


def test_the_store_does_speak_sql():
    # the scan reads the files it should: the store's own modules are full of what it looks for
    assert sum(len(sql_spoken(p.read_text(encoding="utf-8"))) for p in STORE.rglob("*.py")) > 100
