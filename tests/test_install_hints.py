"""Every `pip install` the code or the docs tell people to run names a package that exists: this
project by its distribution name (valuegap-tui) with extras it declares, or a package it depends on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HINT = re.compile(r"pip install ((?:[^\s`\"'()&;]+|'[^'\n]*'|\"[^\"\n]*\"| (?=[-.'\"\w]))+)")
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*|\.)(?:\[([A-Za-z0-9_,-]+)\])?(?:[<>=!~].*)?$")


def _project():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    names = {re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower()
             for spec in project["dependencies"] + [s for specs in extras.values() for s in specs]}
    return project["name"], set(extras), names


def _files():
    yield ROOT / "README.md"
    yield ROOT / ".ci" / "run"
    for folder, pattern in (("docs", "*.md"), ("valuegap_tui", "*.py"), ("prompts", "*"), ("bench", "*.py")):
        yield from sorted((ROOT / folder).rglob(pattern))


def hints(text: str) -> list[str]:
    return [m.group(1).strip() for m in HINT.finditer(text)]


def problems(hint: str, name: str, extras: set[str], dependencies: set[str]) -> list[str]:
    found = []
    tokens = iter(hint.split())
    for token in tokens:
        token = token.strip("'\"")
        if token in ("-c", "--constraint", "-r", "--requirement"):
            next(tokens, None)  # a file of versions or requirements, not a package
            continue
        if not token or token.startswith("-"):
            continue  # -e, --upgrade, --quiet
        match = REQUIREMENT.match(token)
        if match is None:
            found.append(f"{token!r} is not a requirement")
            continue
        package, wanted = match.group(1).lower(), set(filter(None, (match.group(2) or "").split(",")))
        if package in (".", name):
            found += [f"{token!r}: no extra {extra!r} in pyproject.toml" for extra in sorted(wanted - extras)]
        elif package not in dependencies | {"pip"}:
            found.append(f"{token!r} is neither {name} nor a package it depends on")
    return found


def test_the_checker_catches_a_wrong_hint():
    name, extras, dependencies = _project()
    assert hints("needs it: pip install 'valuegap[serve]' (or pip install textual-serve)") == [
        "'valuegap[serve]'", "textual-serve"]
    assert problems("'valuegap[serve]'", name, extras, dependencies)  # the distribution is valuegap-tui
    assert problems("'valuegap-tui[nothing]'", name, extras, dependencies)
    assert not problems("--quiet -e '.[test]'", name, extras, dependencies)
    assert not problems("-c constraints.txt -e '.[report]'", name, extras, dependencies)
    assert problems("-c constraints.txt -e '.[nothing]'", name, extras, dependencies)


def test_every_pip_install_hint_names_a_real_package():
    name, extras, dependencies = _project()
    assert name == "valuegap-tui"
    seen, wrong = 0, []
    for path in _files():
        if not path.is_file():
            continue
        for hint in hints(path.read_text(encoding="utf-8", errors="replace")):
            seen += 1
            wrong += [f"{path.relative_to(ROOT)}: pip install {hint}: {p}"
                      for p in problems(hint, name, extras, dependencies)]
    assert seen >= 8  # the hints in the report, export and CLI messages, the docs, README and CI
    assert wrong == []
