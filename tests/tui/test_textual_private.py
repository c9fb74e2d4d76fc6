"""Textual's private names are used in one module, and each one is still where that module expects it.

valuegap_tui/tui/textual_private.py is the only place that touches a name Textual does not publish.
When a Textual release moves one, the test named after it fails here and says what to change, instead
of a table or footer failing somewhere in the app.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
from pathlib import Path

import pytest
import textual
from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Select, Static, Tabs

from valuegap_tui.tui import textual_private
from valuegap_tui.tui.textual_private import PRIVATE_NAMES, key_clock

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "valuegap_tui" / "tui" / "textual_private.py"
#: private attributes that must be methods (called, or overridden, by the adapter)
METHODS = {"DataTable._clear_caches", "DataTable._render_line_in_row", "DataTable._update_dimensions",
           "DataTable._get_styles_to_render_cell", "DataTable._on_resize", "Tabs._highlight_active"}


def moved(name: str, why: str) -> str:
    return (f"Textual {textual.__version__}: {name} {why}. valuegap_tui/tui/textual_private.py relies on it: "
            "change the function there that uses it, or keep the pin in pyproject.toml at the release it was "
            "written for")


class Shown(App):
    def compose(self):
        yield DataTable()
        yield Select([("one", 1)])
        yield Static("text")
        yield Tabs("one", "two")
        yield Footer()


@pytest.fixture(scope="module")
def live_objects() -> dict[str, object]:
    """One of each Textual class the adapter reaches into, mounted in a running app (several private
    attributes are set up in __init__ or on mount, so a class alone would not show them)."""
    found: dict[str, object] = {}

    async def collect():
        app = Shown()
        async with app.run_test(size=(60, 20)) as pilot:
            table = app.query_one(DataTable)
            table.add_columns("a")
            table.add_row("x", key="r")
            await pilot.pause()
            found.update(DataTable=table, Select=app.query_one(Select), Footer=app.query_one(Footer),
                         Widget=app.query_one(Static), App=app, Screen=app.screen, Tabs=app.query_one(Tabs),
                         StylesCache=textual_private.styles_cache_of(table))
            # Each object as it stands while the app runs: read the attributes now, not after exit.
            found["present"] = {name: hasattr(found[name.split(".")[0]], name.split(".")[1])
                                for name in PRIVATE_NAMES if not name.startswith("textual.")}
            found["callable"] = {name: callable(getattr(found[name.split(".")[0]], name.split(".")[1], None))
                                 for name in METHODS}

    asyncio.run(collect())
    return found


@pytest.mark.parametrize("name", [n for n in PRIVATE_NAMES if n.startswith("textual.")])
def test_each_private_module_name_is_importable(name):
    module_name, attribute = name.rsplit(".", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.fail(moved(name, f"cannot be imported: the module {module_name} is gone"))
    assert hasattr(module, attribute), moved(name, f"is gone from {module_name}")


@pytest.mark.parametrize("name", [n for n in PRIVATE_NAMES if not n.startswith("textual.")])
def test_each_private_attribute_is_still_there(name, live_objects):
    assert live_objects["present"][name], moved(name, "is gone from a live instance")
    if name in METHODS:
        assert live_objects["callable"][name], moved(name, "is no longer a method")


def test_the_key_clock_is_the_clock_textual_stamps_events_with():
    before = key_clock()
    key = events.Key("a", "a")
    after = key_clock()
    assert before <= key.time <= after, moved("textual._time.get_time", "is not the clock of message.time")


def test_the_classes_named_are_the_ones_checked():
    classes = {name.split(".")[0] for name in PRIVATE_NAMES if not name.startswith("textual.")}
    assert classes <= {"DataTable", "Select", "Footer", "Widget", "App", "Screen", "StylesCache", "Tabs"}
    assert all(issubclass(cls, (Widget, App)) for cls in (DataTable, Select, Footer, Screen, Tabs))


# ---- the rule: nowhere else ------------------------------------------------------------------------

#: attributes with a leading underscore that are public API all the same (namedtuple's methods)
PUBLIC_UNDERSCORED = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
#: names used elsewhere on purpose that Textual happens to define privately too, each with its reason
#: private names of the standard library's modules that Textual also defines: ``os._exit`` (an
#: intervals' child, a finished report) and ``atexit._run_exitfuncs`` are never Textual's
STANDARD_PRIVATE: set[tuple[str, str]] = {("os", "_exit"), ("atexit", "_run_exitfuncs")}


def textual_private_names() -> set[str]:
    """Every private attribute or method name Textual defines (self._x = ..., def _x, _x: ... = ...)."""
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def project_sources() -> list[Path]:
    return [p for folder in ("valuegap_tui", "tests", "bench") for p in sorted((ROOT / folder).rglob("*.py"))
            if p != ADAPTER]


def own_names(trees: dict[Path, ast.Module]) -> set[str]:
    """The private names the project defines itself (its own attributes, methods and class fields)."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        targets = item.targets if isinstance(item, ast.Assign) else \
                            [item.target] if isinstance(item, ast.AnnAssign) else []
                        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def private_uses(paths: list[Path], ours: set[str]) -> list[str]:
    """Each import of a private Textual module or name, and each ``x._name`` where Textual defines
    ``_name``, in these files; a name the project defines too counts as its own on ``self``/``cls``."""
    theirs = textual_private_names() - PUBLIC_UNDERSCORED
    found = []
    for path in paths:
        where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textual":
                if any(part.startswith("_") for part in node.module.split(".") + [a.name for a in node.names]):
                    found.append(f"{where}:{node.lineno} imports from {node.module}")
            elif isinstance(node, ast.Import):
                found += [f"{where}:{node.lineno} imports {alias.name}" for alias in node.names
                          if alias.name.split(".")[0] == "textual" and "._" in alias.name]
            elif isinstance(node, ast.Attribute) and node.attr in theirs and not (
                    isinstance(node.value, ast.Name) and (node.value.id, node.attr) in STANDARD_PRIVATE):
                on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                if not (node.attr in ours and on_self):
                    found.append(f"{where}:{node.lineno} uses .{node.attr}")
    return found


def test_no_private_textual_name_outside_the_adapter():
    paths = project_sources()
    found = private_uses(paths, own_names({p: ast.parse(p.read_text(encoding="utf-8")) for p in paths}))
    assert not found, ("private Textual names outside valuegap_tui/tui/textual_private.py (add a function "
                       "there, and the name to PRIVATE_NAMES):\n" + "\n".join(found))


def test_the_guard_finds_a_private_name(tmp_path):
    """The scan can fail: a module that reads Textual internals is reported, line by line."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from textual._time import get_time\n\n\ndef f(app):\n    return app._notifications\n")
    assert private_uses([sneaky], set()) == ["sneaky.py:1 imports from textual._time",
                                             "sneaky.py:5 uses ._notifications"]


def test_the_adapter_exports_what_it_lists():
    assert set(textual_private.__all__) <= set(dir(textual_private))
