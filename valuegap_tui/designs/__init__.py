"""Study designs as plug-ins: one module per design behind the contract in ``base.py``.

A study holds exactly one design, chosen when it is made (``valuegap init --design ID``) and kept in
``study_meta``; studies made before designs existed hold the poster's. Comparing a model across
designs means one study per design and ``valuegap report --compare`` over them (docs/designs.md).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

from valuegap_tui.designs.base import Design, DesignError
from valuegap_tui.store.contents import items_and_runs

if TYPE_CHECKING:
    from valuegap_tui.store.db import Study

DEFAULT_DESIGN = "graded_actions"
#: design id -> module that defines ``DESIGN`` (imported when first asked for)
REGISTRY: dict[str, str] = {
    "graded_actions": "valuegap_tui.designs.graded_actions.design",
    "via": "valuegap_tui.designs.via",
    "valact": "valuegap_tui.designs.valact",
}
#: design id -> the `valuegap` subcommands the design adds, as (command, module, one-line help): the
#: module (imported only when its command runs) has ``register(commands)``. Declared here, as data,
#: so `valuegap --help` lists them without importing any design (like a plug-in's entry points).
COMMANDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "graded_actions": (
        ("flags", "valuegap_tui.designs.graded_actions.cli", "recompute the quality flags of every dilemma"),
        ("check-labels", "valuegap_tui.designs.graded_actions.cli",
         "ask a model for a second opinion on each dilemma's labels"),
        ("agreement", "valuegap_tui.designs.graded_actions.cli", "label agreement between reviewers and the generator"),
        ("export-dataset", "valuegap_tui.designs.graded_actions.cli", "export the curated dataset with a dataset card"),
    ),
    "via": (
        ("import-shen", "valuegap_tui.designs.via.cli", "import Shen et al.'s VIA file (CSV or zip) into a via study"),
    ),
    "valact": (
        ("questionnaire", "valuegap_tui.designs.valact.cli", "load or show the value questionnaire of a valact study"),
    ),
}
META_KEY = "design"


def design_ids() -> tuple[str, ...]:
    return tuple(REGISTRY)


def design_commands() -> list[tuple[str, str, str]]:
    """Every design's subcommands, (command, module, help), in the registry's order."""
    return [command for design_id in REGISTRY for command in COMMANDS.get(design_id, ())]


def design_of_command(command: str) -> str | None:
    """The design whose subcommand ``command`` is (None for the core's)."""
    return next((design_id for design_id, commands in COMMANDS.items() if any(c[0] == command for c in commands)), None)


@lru_cache(maxsize=None)
def get_design(design_id: str | None = None) -> Design:
    design_id = design_id or DEFAULT_DESIGN
    module = REGISTRY.get(design_id)
    if module is None:
        raise DesignError(f"unknown design {design_id!r}; known designs: {', '.join(REGISTRY)}")
    return importlib.import_module(module).DESIGN


def study_design_id(study: "Study") -> str:
    return study.get_meta(META_KEY) or DEFAULT_DESIGN


def study_design(study: "Study") -> Design:
    return get_design(study_design_id(study))


def set_study_design(study: "Study", design_id: str) -> None:
    """Choose a new study's design; a study that already holds items keeps the one it has."""
    get_design(design_id)
    current = study_design_id(study)
    if current == design_id:
        study.set_meta(META_KEY, design_id)
        return
    count, runs = items_and_runs(study)
    if count or runs:
        raise DesignError(f"this study holds the {current!r} design with {count} items and {runs} runs; "
                          f"make a new study for the {design_id!r} design (`valuegap init --design {design_id}`)")
    study.set_meta(META_KEY, design_id)
