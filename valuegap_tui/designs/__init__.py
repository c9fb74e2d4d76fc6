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
META_KEY = "design"


def design_ids() -> tuple[str, ...]:
    return tuple(REGISTRY)


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
