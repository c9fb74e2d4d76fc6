"""Turn a run definition into a stored, fully planned run (snapshots of personas and dilemmas).

Everything the definition names is checked first (servers, personas, the dilemma filter); only then
is anything written, so a definition with a mistake leaves the study as it was.
"""

from __future__ import annotations

import difflib
import itertools
import random

from valuegap_tui import personas as persona_model
from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs import get_design, study_design
from valuegap_tui.evaluate.collector import fewer_collections
from valuegap_tui.evaluate.handoff import keep_dilemmas
from valuegap_tui.plan.items import plan_rows
from valuegap_tui.evaluate.independence import record_run_warnings
from valuegap_tui.evaluate.questions import template_hashes
from valuegap_tui.plan.definition import BASELINE_ID, RunDefinition
from valuegap_tui.server.profiles import ProfileError
from valuegap_tui.store import items as item_store
from valuegap_tui.store import personas as persona_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study


class PlanError(ValueError):
    """The definition asks for something the study does not have."""


def unknown(field: str, what: str, wrong: str, known: list[str], hint: str = "") -> PlanError:
    """'field: unknown what 'x' (did you mean ...?)' with the closest known names."""
    close = difflib.get_close_matches(wrong, known, n=3, cutoff=0.6)
    suggestion = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return PlanError(f"{field}: unknown {what} {wrong!r}{suggestion}" + (f"; {hint}" if hint else ""))


def check_servers(definition: RunDefinition) -> None:
    from valuegap_tui.evaluate.clients import profile_for_spec

    for index, spec in enumerate(definition.models):
        try:
            profile_for_spec(spec)
        except ProfileError as exc:
            raise PlanError(f"models.{index}.profile: {exc} (see `valuegap server list`)") from None


def resolve_personas(study: Study, ids: list[str]) -> list[run_store.PersonaSnapshot]:
    """A snapshot of each persona asked; nothing is written."""
    snapshots = []
    for persona_id in ids:
        found = persona_store.get(study, persona_id)
        if found is None and persona_id == BASELINE_ID:
            found = persona_model.baseline_persona()
        if found is None:
            known = [p.id for p in persona_store.list_all(study)]
            raise unknown("personas", "persona", persona_id, known, "see `valuegap personas list`")
        kind = getattr(found.kind, "value", found.kind)
        snapshots.append(run_store.PersonaSnapshot(found.id, found.name, str(kind),
                                                   persona_model.render_persona_text(found),
                                                   dict(found.levels), found.position, found.extremity,
                                                   dict(found.attributes)))
    return snapshots


def _known_ids(field: str, wanted: list[str] | None, find, known: list[str], what: str) -> list[str] | None:
    if wanted is None:
        return None
    ids = []
    for text in wanted:
        found = find(text)
        if found is None:
            raise unknown(field, what, text, known)
        ids.append(found.id)
    return ids


def select_dilemmas(study: Study, definition: RunDefinition):
    wanted = definition.dilemmas
    cat = catalogue()
    design = study_design(study)
    statuses = list(design.review_parts().statuses)
    for status in wanted.status:
        if status not in statuses:
            raise unknown("dilemmas.status", "status", status, statuses, f"one of {', '.join(statuses)}")
    values = _known_ids("dilemmas.values", wanted.values, cat.find_value, [v.id for v in cat.values], "value")
    topics = _known_ids("dilemmas.topics", wanted.topics, cat.find_topic, [t.id for t in cat.topics], "topic")
    if wanted.ids is not None:
        stored = item_store.existing_ids(study, design)
        for dilemma_id in wanted.ids:
            if dilemma_id not in stored:
                raise unknown("dilemmas.ids", "dilemma", dilemma_id, sorted(stored), "not in this study")
    found = list(item_store.iter_items(study, design, status=wanted.status or None, value_ids=values,
                                       topic_ids=topics))
    if wanted.ids is not None:
        keep = set(wanted.ids)
        found = [d for d in found if d.id in keep]
    if wanted.first:
        found = found[: wanted.first]
    elif wanted.limit:
        found = stratified_sample(found, wanted.limit, definition.seed)
    if not found:
        parts = [f"status {', '.join(wanted.status) or 'any'}"]
        parts += [f"{name} {', '.join(chosen)}" for name, chosen in
                  (("values", wanted.values), ("topics", wanted.topics), ("ids", wanted.ids)) if chosen is not None]
        raise PlanError(f"dilemmas: no dilemma in the study matches {'; '.join(parts)} "
                        "(see `valuegap info` for what the study holds)")
    return found


def stratified_sample(found: list, size: int, seed: int) -> list:
    """``size`` of the ``found`` items (each with a ``value`` and a ``topic``), spread as evenly as they
    allow over values first and topics second, the ties broken by a seeded shuffle; listed in the order
    of ``found``.

    Each pick takes, among the items left, one whose value has been picked least often so far and,
    among those, whose topic has: every value appears once before any appears twice, and 8 dilemmas of
    a full study are 8 values on 8 topics."""
    if size >= len(found):
        return list(found)
    rng = random.Random(f"dilemma-sample\x00{seed}")
    order = list(range(len(found)))
    rng.shuffle(order)
    by_value: dict[str, int] = {}
    by_topic: dict[str, int] = {}
    chosen: list[int] = []
    left = order
    for _ in range(size):
        best = min(left, key=lambda i: (by_value.get(found[i].value, 0), by_topic.get(found[i].topic, 0)))
        left = [i for i in left if i != best]
        chosen.append(best)
        by_value[found[best].value] = by_value.get(found[best].value, 0) + 1
        by_topic[found[best].topic] = by_topic.get(found[best].topic, 0) + 1
    return [found[i] for i in sorted(chosen)]


#: items stored with the run when its plan streams in (``create_run(..., stream=True)``): enough
#: for the first requests; the run executor stores the rest while they go out
STREAM_HEAD = 256


def create_run(study: Study, definition: RunDefinition, *, stream: bool = False) -> int:
    """Check the definition against the study, then plan every item and store the run; nothing is sent yet.

    With ``stream``, the run is stored with the plan's first items only and the run executor stores
    the rest as it starts sending (``rest_of_plan``), so a 154,000-item run sends its first request
    at once; a run whose planning was cut short has its plan completed when it is resumed."""
    with fewer_collections():  # thousands of item snapshots, freed by reference counting
        return _create_run(study, definition, stream)


def _create_run(study: Study, definition: RunDefinition, stream: bool) -> int:
    check_servers(definition)
    personas = resolve_personas(study, definition.persona_ids())
    if not personas:
        raise PlanError("personas: the run asks no persona (include the baseline or name personas)")
    dilemmas = select_dilemmas(study, definition)
    if any(p.id == BASELINE_ID for p in personas) and not persona_store.exists(study, BASELINE_ID):
        persona_store.save(study, persona_model.baseline_persona())  # so run_personas can reference it
    design = study_design(study)
    check_protocols(design, definition)
    if "temperature" not in definition.model_fields_set and definition.temperature != design.default_temperature:
        definition = definition.model_copy(update={"temperature": design.default_temperature})
    items = plan_rows([m.name for m in definition.models], [p.id for p in personas], [d.id for d in dilemmas],
                       definition.repeats, definition.seed, questions_asked(design, dilemmas), definition.protocols)
    run_id = run_store.create_run(study, definition, personas, dilemmas, items,
                                  template_hashes(design, definition.protocols),
                                  head=STREAM_HEAD if stream else None, design=design.id)
    record_run_warnings(study, run_id, [m.name for m in definition.models], dilemmas)
    keep_dilemmas(study.path, run_id, {d.id: d for d in dilemmas})
    return run_id


def check_protocols(design, definition: RunDefinition) -> None:
    """Refuse, in one line, a protocol the study's design cannot ask (``Design.protocols``)."""
    supported = design.protocols()
    for name in definition.protocols:
        if name not in supported:
            raise PlanError(f"protocols: the {design.title.lower()} design cannot ask {name!r}; it asks"
                            f" {', '.join(supported)} (docs/designs.md says why)")


def questions_asked(design, items):
    """The planner's ``questions_of`` for these items: (question, option count) per item id; the same
    for every item when the design's questions do not depend on the item (``fixed_questions``)."""
    if (fixed := design.fixed_questions()) is not None:
        return lambda _item_id: fixed
    asked = {item.id: tuple((q, design.option_count(item, q)) for q in design.questions_of(item)) for item in items}
    return asked.__getitem__


def rest_of_plan(study: Study, run_id: int):
    """The planned items a run does not store yet (None when its plan is complete), in plan order.

    Items are stored in plan order, a whole chunk per transaction, so what is stored is always the
    plan's beginning; the rest is planned again from the run's own snapshots (the plan is seeded)."""
    stored, total = run_store.stored_items(study, run_id), run_store.planned_total(study, run_id)
    if stored >= total:
        return None
    run = run_store.get_run(study, run_id)
    personas, dilemmas = run_store.plan_members(study, run_id)
    design = get_design(run.design)
    snapshot = run_store.dilemmas_of(study, run_id) if design.fixed_questions() is None else {}
    items = plan_rows([m.name for m in run.definition.models], personas, dilemmas, run.definition.repeats,
                       run.definition.seed, questions_asked(design, snapshot.values()), run.definition.protocols)
    return itertools.islice(items, stored, None)
