"""The architecture's import rules (``[tool.importlinter]`` in pyproject.toml), checked on every run of the suite.

``lint-imports`` builds the import graph with every import counted, those inside functions too, and
checks the contracts: the pipeline's layers, no cycle inside any package, a headless core, only the
store opening the database, designs as separate plug-ins. Beside it: no module reaches itself through
others (the import cycles that imports inside functions used to hide), and every top-level module has
its place in the layers, so a new package cannot slip past them.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp

import valuegap_tui

ROOT = Path(__file__).resolve().parent.parent
#: designs sit beside the layers: their plug-ins hook into several stages (see the plug-in contracts)
OUTSIDE_THE_LAYERS = {"__main__", "designs"}


def _lint_imports(cwd: Path, *args: str, env_path: Path | None = None) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    env = None
    if env_path is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(env_path)}
    return subprocess.run([sys.executable, "-c", code, "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, env=env)


def import_cycles(package: str) -> list[list[str]]:
    """Every group of modules of ``package`` that import one another round a cycle (imports inside
    functions included), each sorted; none in a healthy package."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)  # those never run
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:  # Tarjan's strongly connected components, without recursion
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return cycles


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and " kept" in result.stdout


def test_no_module_reaches_itself_through_others():
    assert import_cycles("valuegap_tui") == []


def test_every_top_level_module_has_its_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (pipeline,) = [c for c in config["contracts"] if c["id"] == "pipeline"]
    layered = {name.strip().removeprefix("valuegap_tui.")
               for layer in pipeline["layers"] for name in layer.replace("|", ":").split(":")}
    top_level = {info.name for info in pkgutil.iter_modules(valuegap_tui.__path__)}
    assert top_level - OUTSIDE_THE_LAYERS == layered, "place each new top-level module in a layer of pyproject.toml"


def test_the_checks_see_imports_inside_functions(tmp_path):
    # a planted package: its lower layer imports the higher one inside a function, round a cycle
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("from planted import low\n")
    (package / "low.py").write_text(textwrap.dedent("""
        def later():
            from planted import high  # an import inside a function still counts
            return high
    """))
    (tmp_path / ".importlinter").write_text(textwrap.dedent("""
        [importlinter]
        root_package = planted

        [importlinter:contract:layers]
        name = planted layers
        type = layers
        layers =
            planted.high
            planted.low
    """))
    result = _lint_imports(tmp_path, ".importlinter", env_path=tmp_path)
    assert result.returncode != 0 and "planted.low is not allowed to import planted.high" in result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        assert import_cycles("planted") == [["planted.high", "planted.low"]]
    finally:
        sys.path.remove(str(tmp_path))
