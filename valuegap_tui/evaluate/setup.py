"""Turn a run definition into a stored, fully planned run (snapshots of personas and dilemmas)."""

from __future__ import annotations

import importlib

from valuegap_tui.evaluate.plan import plan_items
from valuegap_tui.evaluate.questions import template_hashes
from valuegap_tui.runs import BASELINE_ID, RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study

BASELINE = run_store.PersonaSnapshot(BASELINE_ID, "Baseline (no persona)", "baseline", None, {}, (0.0, 0.0), 0.0)


class PlanError(ValueError):
    """The definition asks for something the study does not have."""


def _persona_modules():
    try:
        return importlib.import_module("valuegap_tui.personas"), importlib.import_module("valuegap_tui.store.personas")
    except ImportError:
        return None, None


def resolve_personas(study: Study, ids: list[str]) -> list[run_store.PersonaSnapshot]:
    personas, store = _persona_modules()
    snapshots = []
    for persona_id in ids:
        found = store.get(study, persona_id) if store is not None else None
        if found is None and persona_id == BASELINE_ID and store is not None:
            found = personas.baseline_persona()  # stored so run_personas can reference it
            store.save(study, found)
        if found is None:
            if persona_id == BASELINE_ID:
                snapshots.append(BASELINE)
                continue
            raise PlanError(f"unknown persona {persona_id!r} (see `valuegap persona list`)")
        kind = getattr(found.kind, "value", found.kind)
        snapshots.append(run_store.PersonaSnapshot(found.id, found.name, str(kind), personas.render_persona_text(found),
                                                   dict(found.levels), found.position, found.extremity))
    return snapshots


def select_dilemmas(study: Study, definition: RunDefinition):
    wanted = definition.dilemmas
    found = list(dilemma_store.iter_dilemmas(study, status=wanted.status or None, value_ids=wanted.values,
                                             topic_ids=wanted.topics))
    if wanted.ids is not None:
        keep = set(wanted.ids)
        found = [d for d in found if d.id in keep]
    if wanted.limit:
        found = found[: wanted.limit]
    if not found:
        raise PlanError(f"no dilemmas match the run's filter (status {', '.join(wanted.status) or 'any'})")
    return found


def create_run(study: Study, definition: RunDefinition) -> int:
    """Plan every item and store the run; nothing is sent yet."""
    personas = resolve_personas(study, definition.persona_ids())
    if not personas:
        raise PlanError("the run asks no persona (include the baseline or name personas)")
    dilemmas = select_dilemmas(study, definition)
    items = plan_items([m.name for m in definition.models], [p.id for p in personas], [d.id for d in dilemmas],
                       definition.repeats, definition.seed)
    return run_store.create_run(study, definition, personas, dilemmas, items, template_hashes())
