"""A study with accepted dilemmas, and run definitions that send nothing anywhere."""

from __future__ import annotations

from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.dilemmas import make_dilemma

VALUES = ["wisdom", "honest", "equality", "wealth", "politeness", "social_justice"]
#: how often a run executor flushes its answers in the tests that time its writes
FLUSH_S = 0.05


def seed_study(study, n):
    """``n`` accepted dilemmas: the six VALUES in turn, on politics, actions "Action 0" .. "Action 5"."""
    dilemmas = []
    for i in range(n):
        d = make_dilemma(value=VALUES[i % len(VALUES)], topic="politics", variant=1 + i // len(VALUES),
                         texts=[f"Action {k}" for k in range(6)])
        d.status = DilemmaStatus.ACCEPTED
        dilemmas.append(d)
    dilemma_store.save_many(study, dilemmas, who="test", action="import")


def definition(**kw):
    """A run of model "m", 6 repeats, seed 3; its endpoint answers nothing (tests hand the run a client)."""
    base = dict(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1"], "concurrency": 8}], repeats=6, seed=3)
    base.update(kw)
    return RunDefinition.model_validate(base)


def run_definition(**kw) -> RunDefinition:
    """As ``definition``, with 5 repeats (the reliability tests' runs)."""
    base = dict(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1/v1"], "concurrency": 8}], repeats=5, seed=3)
    base.update(kw)
    return RunDefinition.model_validate(base)


def two_model_run(study, models: tuple[str, str], dilemmas: int, repeats: int = 2) -> int:
    """A run of two models over ``dilemmas`` seeded dilemmas, asked under the baseline, two max personas
    and a moderate one (the generated personas, all saved in the study)."""
    from valuegap_tui.evaluate.setup import create_run
    from valuegap_tui.personas import generate_personas
    from valuegap_tui.store import personas as persona_store

    personas = generate_personas()
    persona_store.save_many(study, personas)
    chosen = [p.id for p in personas if p.kind == "max"][:2] + [p.id for p in personas if p.kind == "moderate"][:1]
    seed_study(study, dilemmas)
    endpoints = [{"name": name, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for name in models]
    return create_run(study, definition(models=endpoints, personas=chosen, repeats=repeats))
