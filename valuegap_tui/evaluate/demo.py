"""A small evaluation for the demo: a few dilemmas x the study's personas x 2 repeats, in seconds."""

from __future__ import annotations

from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.runs import DilemmaFilter, ModelSpec, RunDefinition
from valuegap_tui.store.db import Study


def demo_definition(study: Study, base_url: str, *, model: str = "demo-model", dilemmas: int = 8,
                    repeats: int = 2, per_kind: int = 2) -> RunDefinition:
    """Baseline plus up to ``per_kind`` personas of every kind, so the demo compares all of them."""
    from valuegap_tui.store import personas as persona_store

    chosen: list[str] = []
    taken: dict[str, int] = {}
    for persona in persona_store.list_all(study):
        if persona.id == "baseline" or taken.get(persona.kind, 0) >= per_kind:
            continue
        taken[persona.kind] = taken.get(persona.kind, 0) + 1
        chosen.append(persona.id)
    return RunDefinition(
        name="demo", models=[ModelSpec(name=model, endpoints=[base_url], concurrency=16)], personas=chosen,
        dilemmas=DilemmaFilter(status=[], limit=dilemmas), repeats=repeats, seed=0,
    )


def run_demo_evaluation(study: Study, base_url: str, *, quiet: bool = True, **kwargs) -> int:
    """Plan and run the demo evaluation against ``base_url`` (the simulator); returns the run id.

    Every dilemma status counts here (the demo's dilemmas are drafts); a real run asks accepted ones.
    """
    run_id = create_run(study, demo_definition(study, base_url, **kwargs))
    study.set_meta("runs.selected", str(run_id))
    run_blocking(study, run_id, plain=not quiet)
    return run_id
