"""The demo's evaluation: every dilemma x a persona of every kind in every quadrant x 2 repeats, in seconds."""

from __future__ import annotations

from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.runs import DilemmaFilter, ModelSpec, RunDefinition
from valuegap_tui.store.db import Study


def demo_definition(study: Study, base_url: str, *, model: str = "demo-model", dilemmas: int | None = None,
                    repeats: int = 2, per_kind: int = 2) -> RunDefinition:
    """Baseline plus ``per_kind`` personas of every kind, chosen so that together they sit in every
    quadrant of the cultural map, on enough dilemmas (``None``: all) for the intervals to mean something."""
    from valuegap_tui.store import personas as persona_store

    chosen: list[str] = []
    taken: dict[str, int] = {}
    quadrants: dict[tuple[bool, bool], int] = {}
    # Least-covered quadrant first: moderate takes two opposite corners, max the other two, and so on.
    candidates = [p for p in persona_store.list_all(study) if p.id != "baseline"]
    for kind in dict.fromkeys(p.kind for p in candidates):
        of_kind = [p for p in candidates if p.kind == kind]
        while of_kind and taken.get(kind, 0) < per_kind:
            best = min(of_kind, key=lambda p: quadrants.get(_quadrant(p), 0))
            of_kind.remove(best)
            quadrants[_quadrant(best)] = quadrants.get(_quadrant(best), 0) + 1
            taken[kind] = taken.get(kind, 0) + 1
            chosen.append(best.id)
    return RunDefinition(
        name="demo", models=[ModelSpec(name=model, endpoints=[base_url], concurrency=16)], personas=chosen,
        dilemmas=DilemmaFilter(status=[], limit=dilemmas), repeats=repeats, seed=0,
    )


def _quadrant(persona) -> tuple[bool, bool]:
    secular, self_expression = persona.position or (0.0, 0.0)  # a written condition has no position
    return secular >= 0, self_expression >= 0


def run_demo_evaluation(study: Study, base_url: str, *, quiet: bool = True, simulator=None, **kwargs) -> int:
    """Plan and run the demo evaluation against ``base_url`` (the simulator); returns the run id.

    Every dilemma status counts here (the demo's dilemmas are drafts); a real run asks accepted ones.
    ``simulator`` (the Simulator serving ``base_url``) is asked directly, without HTTP: the same replies,
    fast enough for the demo's 17,000 items to take seconds. The run still names ``base_url``.
    """
    definition = demo_definition(study, base_url, **kwargs)
    run_id = create_run(study, definition)
    study.set_meta("runs.selected", str(run_id))
    clients = None
    if simulator is not None:
        from valuegap_tui.server.simulator.inprocess import SimulatorClient

        clients = {spec.name: SimulatorClient(simulator, spec.name) for spec in definition.models}
    run_blocking(study, run_id, plain=not quiet, clients=clients)
    return run_id
