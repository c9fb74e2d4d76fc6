"""The demo's evaluation: every dilemma x a persona of every kind in every quadrant x 2 repeats, in seconds."""

from __future__ import annotations

from collections.abc import Callable

from valuegap_tui.evaluate.session import run_blocking
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import DilemmaFilter, ModelSpec, RunDefinition
from valuegap_tui.server.types import ChatClient
from valuegap_tui.store.db import Study


def demo_definition(study: Study, base_url: str, *, model: str = "demo-model", dilemmas: int | None = None,
                    repeats: int = 2, per_kind: int = 4) -> RunDefinition:
    """Baseline plus ``per_kind`` personas of every kind, each kind balanced over the sides of the
    cultural map, on enough dilemmas (``None``: all) for the intervals to mean something."""
    from valuegap_tui.store import personas as persona_store

    chosen: list[str] = []
    candidates = [p for p in persona_store.list_all(study) if p.id != "baseline"]
    for kind in dict.fromkeys(p.kind for p in candidates):
        chosen += [p.id for p in balanced_over_sides([p for p in candidates if p.kind == kind], per_kind)]
    return RunDefinition(
        name="demo", models=[ModelSpec(name=model, endpoints=[base_url], concurrency=16)], personas=chosen,
        dilemmas=DilemmaFilter(status=[], limit=dilemmas), repeats=repeats, seed=0,
    )


def balanced_over_sides(personas: list, count: int) -> list:
    """``count`` of ``personas`` (in their order where it does not matter) whose sides of each map axis
    cancel out as far as they can: a kind's result then does not mix the kind with a side of the map
    (two moderate personas both traditional would). Each pick takes the persona that brings the sums of
    the signs of both coordinates closest to 0, the fewest of its quadrant first."""
    left, chosen = list(personas), []
    sums = [0, 0]
    quadrants: dict[tuple[int, int], int] = {}
    while left and len(chosen) < count:
        best = min(left, key=lambda p: (sum(abs(total + side) for total, side in zip(sums, _sides(p))),
                                        quadrants.get(_sides(p), 0)))
        left.remove(best)
        chosen.append(best)
        sums = [total + side for total, side in zip(sums, _sides(best))]
        quadrants[_sides(best)] = quadrants.get(_sides(best), 0) + 1
    return chosen


def _sides(persona) -> tuple[int, int]:
    """The sign of each coordinate: -1, +1, or 0 at the centre (a written condition has no position)."""
    position = persona.position or (0.0, 0.0)
    return tuple(0 if abs(x) < 1e-9 else (1 if x > 0 else -1) for x in position)  # type: ignore[return-value]


def run_demo_evaluation(study: Study, base_url: str, *, quiet: bool = True,
                        client_for: Callable[[str], ChatClient] | None = None, **kwargs) -> int:
    """Plan and run the demo evaluation against ``base_url`` (the simulator); returns the run id.

    Every dilemma status counts here (the demo's dilemmas are drafts); a real run asks accepted ones.
    ``client_for(model)`` gives the client each model is asked through instead of HTTP (the simulator
    serving ``base_url``, asked in process: the same replies, fast enough for the demo's 17,000 items
    to take seconds). The run still names ``base_url``.
    """
    definition = demo_definition(study, base_url, **kwargs)
    run_id = create_run(study, definition)
    study.set_meta("runs.selected", str(run_id))
    clients = None
    if client_for is not None:
        clients = {spec.name: client_for(spec.name) for spec in definition.models}
    run_blocking(study, run_id, plain=not quiet, clients=clients)
    return run_id
