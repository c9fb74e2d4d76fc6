"""The foundations are pinned: a new release upstream changes nothing until it is taken on purpose.

pyproject.toml pins every runtime dependency exactly; constraints.txt locks the whole test environment,
transitive packages included, and CI and the demo install with it. These tests read both files, and the
environment they run in, so a dependency added to pyproject without a lock entry fails here, not later
in someone's install.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_EXTRAS = ("report", "parquet", "serve")
FIX = ("run scripts/refresh_constraints.sh, then pip install -c constraints.txt -e '.[test]' "
       "(README, \"Upgrading a dependency\")")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def constraints() -> dict[str, str]:
    """Package name (canonical) -> version, from constraints.txt; refuses anything but name==version."""
    found: dict[str, str] = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)", line)
        assert match, f"constraints.txt line {number} is not NAME==VERSION: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in found, f"constraints.txt names {name} twice (line {number})"
        found[name] = match.group(2)
    return found


def runtime_requirements() -> list[Requirement]:
    extras = project()["optional-dependencies"]
    return [Requirement(r) for r in project()["dependencies"]] + \
        [Requirement(r) for extra in RUNTIME_EXTRAS for r in extras[extra]]


def test_every_runtime_dependency_is_pinned_exactly():
    loose = [str(r) for r in runtime_requirements()
             if len(r.specifier) != 1 or next(iter(r.specifier)).operator != "=="]
    assert not loose, f"runtime dependencies without an exact pin (==) in pyproject.toml: {loose}"


def test_the_lock_agrees_with_the_pins():
    locked = constraints()
    for requirement in runtime_requirements():
        pinned = next(iter(requirement.specifier)).version
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is pinned in pyproject.toml but missing from constraints.txt: {FIX}"
        assert locked[name] == pinned, \
            f"{name}: pyproject.toml pins {pinned}, constraints.txt locks {locked[name]}: {FIX}"


def test_the_lock_is_what_ci_and_the_demo_install_with():
    ci = (ROOT / ".ci" / "run").read_text()
    installs = [line for line in ci.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    demo = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.endswith("valuegap demo"))
    assert "pip install -c constraints.txt" in demo, demo


def required_tree(name: str, extras: frozenset[str]) -> dict[str, str | None]:
    """Every distribution ``name[extras]`` needs, directly or not: canonical name -> installed version
    (None where it is not installed)."""
    found: dict[str, str | None] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [(canonicalize_name(name), extras)]
    while queue:
        current, wanted = queue.pop()
        if (current, wanted) in seen:
            continue
        seen.add((current, wanted))
        try:
            dist = metadata.distribution(current)
        except metadata.PackageNotFoundError:
            found[current] = None  # required, not installed
            continue
        found[current] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
                queue.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return found


def test_the_installed_test_environment_is_the_locked_one():
    locked = constraints()
    installed = required_tree("valuegap-tui", frozenset({"test", *RUNTIME_EXTRAS}))
    installed.pop("valuegap-tui")
    absent = sorted(name for name, version in installed.items() if version is None)
    assert not absent, f"required by the test extra but not installed: {absent}: {FIX}"
    missing = sorted(set(installed) - set(locked))
    assert not missing, f"installed for the tests but not locked in constraints.txt: {missing}: {FIX}"
    moved = {name: (version, locked[name]) for name, version in installed.items() if version != locked[name]}
    assert not moved, f"installed (left) at another version than constraints.txt locks (right): {moved}: {FIX}"
