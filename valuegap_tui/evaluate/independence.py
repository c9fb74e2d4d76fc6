"""Independence of a study's models: no model should judge or generate the dilemmas it is evaluated on.

A model that generated a dilemma wrote its labels, and a model whose label check kept a dilemma agreed
with them: either way its alignment rate on those dilemmas is inflated. A run warns (and stores the
warning for the report) when an evaluated model generated or judged any of the dilemmas it asks.
Model names are compared without case and without an organisation prefix ("Qwen/Qwen3-8B" and
"qwen3-8b" are the same model).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from valuegap_tui.designs.graded_actions.models import Dilemma
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study
from valuegap_tui.store.independence import RunWarning, save_run_warnings


def same_model(a: str | None, b: str | None) -> bool:
    def key(name: str) -> str:
        return name.strip().lower().rsplit("/", 1)[-1]

    return bool(a and b) and key(a) == key(b)


def _generator(item) -> str | None:
    # items of designs without a provenance (imported sets) name no generator
    return getattr(getattr(item, "provenance", None), "generator_model", None)


def warnings_for(study: Study, run_id: int, evaluated: Iterable[str], dilemmas: Sequence[Dilemma]) -> list[RunWarning]:
    """What an evaluated model generated or judged among ``dilemmas``."""
    judges = review_store.judge_models(study)
    asked = {d.id for d in dilemmas}
    found = []
    for model in evaluated:
        generated = [d for d in dilemmas if same_model(model, _generator(d))]
        if generated:
            found.append(RunWarning(run_id, "generated", model, len(generated),
                                    f"{model} is evaluated on {len(generated)} of the {len(dilemmas)} dilemmas it "
                                    "generated itself: its alignment there may be inflated"))
        judged = set().union(*([ids & asked for judge, ids in judges.items() if same_model(model, judge)] or [set()]))
        if judged:
            found.append(RunWarning(run_id, "judged", model, len(judged),
                                    f"{model} is evaluated on {len(judged)} of the {len(dilemmas)} dilemmas whose "
                                    "labels it judged (check-labels): keeping dilemmas it agreed with inflates its alignment"))
    return found


def record_run_warnings(study: Study, run_id: int, evaluated: Iterable[str], dilemmas: Sequence[Dilemma]) -> list[RunWarning]:
    found = warnings_for(study, run_id, list(evaluated), dilemmas)
    if found:
        save_run_warnings(study, run_id, found)
    return found


def judge_warnings(study: Study, judge: str, dilemmas: Sequence[Dilemma]) -> list[str]:
    """Why this judge's opinion on these dilemmas is not independent: it generated them, or it is evaluated."""
    from valuegap_tui.store import runs as run_store

    found = []
    own = sum(1 for d in dilemmas if same_model(judge, d.provenance.generator_model))
    if own:
        found.append(f"{judge} judged {own} dilemmas it generated itself: it tends to agree with its own labels")
    evaluated = sorted({run.id for run in run_store.list_runs(study)
                        if any(same_model(judge, m.name) for m in run.definition.models)})
    if evaluated:
        found.append(f"{judge} is evaluated in run(s) {', '.join(map(str, evaluated))}: filtering dilemmas on its "
                     "agreement inflates its alignment there")
    return found
