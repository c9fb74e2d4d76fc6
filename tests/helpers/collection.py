"""Studies stopped at each stage of data collection: no, one or a few answers of a model or a person."""

from __future__ import annotations

import asyncio

from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.respond.session import StudyResponder
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from tests.helpers.clients import PlantedClient
from tests.helpers.runs import definition, seed_study

DILEMMAS = 20  # a person's two questions of one dilemma are at least 19 slots apart


PROBS = (0.5, 0.3, 0.1, 0.05, 0.03, 0.02)


def answer_model(study, run_id, model, count, choice=0):
    """Store answers to the first ``count`` of the model's planned items (plan order), all choosing
    the letter that holds ``choice``."""
    items = run_store.pending_items(study, run_id, model=model, limit=count)
    run_store.record_attempts(study, run_id, [
        run_store.Attempt(i.id, 1, "valid", "answered", "ABCDEF"[i.permutation.index(str(choice))],
                          i.permutation.index(str(choice)), choice, (3, 2, 1, -1, -2, -3)[choice])
        for i in items])


def staged_study(path, who: str, answers: dict[str, int]):
    """Model a answered everything. ``who`` = "model": models named in ``answers`` answered that many of
    their first items and the run was stopped; "person": the people named (registered, consented)
    answered that many questions."""
    study = open_study(path, create=True)
    seed_study(study, DILEMMAS)
    names = ["a"] + (list(answers) if who == "model" else [])
    models = [{"name": name, "endpoints": ["http://127.0.0.1:1"], "concurrency": 8} for name in names]
    run_id = create_run(study, definition(models=models, repeats=2))
    if who == "model":
        answer_model(study, run_id, "a", 10_000)
        for name, count in answers.items():
            answer_model(study, run_id, name, count)
        run_store.set_status(study, run_id, "stopped", "stopped by the user")
    else:
        asyncio.run(execute_run(study, run_id, {"a": PlantedClient(PROBS, PROBS, seed=9)}))
        for name, count in answers.items():
            responder = StudyResponder(study, run_id, name)
            responder.agree()
            for q in responder.questions[:count]:
                responder.answer(q, 0, 1.0)
    return study, run_id
