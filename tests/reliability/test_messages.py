"""Messages say what is wrong: every `valuegap COMMAND` a hint or a doc names exists."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

from valuegap_tui.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
# "valuegap run start", "valuegap info": the words after valuegap that name a command and a subcommand
COMMAND = r"valuegap ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?"
# in code: a hint in backticks, in parentheses or after a colon ("start one with: valuegap run start")
IN_CODE = re.compile(r"(?:`|\(|: |^)" + COMMAND)
IN_DOC_TEXT = re.compile(r"`" + COMMAND)
IN_DOC_BLOCK = re.compile(r"(?:^|\s|&&\s*)" + COMMAND)


def command_tree(parser: argparse.ArgumentParser) -> dict[str, dict]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: command_tree(sub) for name, sub in action.choices.items()}
    return {}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def hints_in_code() -> list[tuple[str, str, str | None]]:
    found = []
    for path in sorted((ROOT / "valuegap_tui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                for match in IN_CODE.finditer(node.value):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", match[1], match[2]))
    return found


def hints_in_docs() -> list[tuple[str, str, str | None]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        in_block = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("```"):
                in_block = not in_block
                continue
            pattern = IN_DOC_BLOCK if in_block else IN_DOC_TEXT
            found += [(f"{path.relative_to(ROOT)}:{number}", m[1], m[2]) for m in pattern.finditer(line)]
    return found


def missing_commands(hints, tree) -> list[str]:
    wrong = []
    for where, command, sub in hints:
        if command not in tree:
            wrong.append(f"{where}: valuegap {command}")
        elif sub is not None and tree[command] and sub not in tree[command]:
            wrong.append(f"{where}: valuegap {command} {sub}")
    return wrong


def test_every_command_named_in_a_message_exists():
    hints = hints_in_code()
    assert len(hints) >= 5  # the scan does find the hints
    assert missing_commands(hints, command_tree(build_parser())) == []


def test_every_command_named_in_the_docs_exists():
    hints = hints_in_docs()
    assert len(hints) >= 20
    assert missing_commands(hints, command_tree(build_parser())) == []


def test_the_check_catches_a_wrong_name():
    tree = command_tree(build_parser())
    assert "personas" in tree and "list" in tree["personas"]
    assert missing_commands([("x", "persona", "list"), ("y", "run", "begin"), ("z", "report", "latest")], tree) == [
        "x: valuegap persona", "y: valuegap run begin",
    ]
