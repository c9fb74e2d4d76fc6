"""How far a run's data collection has got: the run's status, and for every respondent (each model and
each person) how many of its planned questions were asked. The report and the Results screen say it the
same way, so a stopped or half-answered run never reads like a finished one.

A model's plan is the run's items for it (every condition, dilemma, question and repeat); a question
counts as asked once it ended (answered, invalid, or no answer from the server). A person's plan is their
questionnaire: every dilemma of the run, both questions, in as many rounds as they were given
(docs/respond.md); a question left without an answer when its time ran out counts as asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from valuegap_tui.metrics.between import paired_comparisons
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.humans import HUMAN_PREFIX, respondents_table
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE
from valuegap_tui.metrics.table import Table
from valuegap_tui.store import Study
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.text import one_line


@dataclass(frozen=True)
class RespondentProgress:
    respondent: str  # a model name or human:<name>
    asked: int  # questions that ended (answered, invalid, timed out, no answer from the server)
    planned: int

    @property
    def human(self) -> bool:
        return self.respondent.startswith(HUMAN_PREFIX)

    @property
    def pending(self) -> int:
        return max(self.planned - self.asked, 0)

    def line(self) -> str:
        """``7 of 40 questions answered`` (people) or ``44 of 96 questions asked`` (models)."""
        return f"{self.asked} of {self.planned} questions {'answered' if self.human else 'asked'}"


@dataclass(frozen=True)
class Collection:
    run_id: int
    status: str  # the run's status (planned, running, stopped, unfinished, finished, failed, interrupted)
    stop_reason: str | None
    respondents: tuple[RespondentProgress, ...]  # models first, then people, each sorted by name
    #: human:<name> -> the agreement scale's order the person was asked in (shuffled or fixed)
    scale_orders: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[RespondentProgress]:
        return [r for r in self.respondents if not r.human]

    @property
    def people(self) -> list[RespondentProgress]:
        return [r for r in self.respondents if r.human]

    @property
    def complete(self) -> bool:
        """The run finished and every respondent (models and people) was asked everything planned."""
        return self.status == "finished" and not any(r.pending for r in self.respondents)

    def of(self, respondent: str) -> RespondentProgress | None:
        return next((r for r in self.respondents if r.respondent == respondent), None)

    def progress(self) -> dict[str, tuple[int, int]]:
        """respondent -> (asked, planned), for ``metrics.humans.respondents_table``."""
        return {r.respondent: (r.asked, r.planned) for r in self.respondents}

    def headline(self) -> str:
        """One line: the run's status and what is still to come."""
        reason = f" ({one_line(self.stop_reason)})" if self.stop_reason else ""
        if self.complete:
            return f"Run #{self.run_id} finished: every planned question was asked."
        models, people = self.models, self.people
        parts = []
        if models:
            asked, planned = sum(m.asked for m in models), sum(m.planned for m in models)
            parts.append(f"models asked {asked} of {planned} planned questions ({planned - asked} pending)"
                         if asked < planned else f"models asked all {planned} planned questions")
        if people:
            waiting = [p for p in people if p.pending]
            names = ", ".join(f"{p.respondent[len(HUMAN_PREFIX):]} {p.asked}/{p.planned}" for p in waiting[:4])
            parts.append(f"{len(people) - len(waiting)} of {len(people)} people finished"
                         + (f" (still answering: {names}{', …' if len(waiting) > 4 else ''})" if waiting else ""))
        return (f"Run #{self.run_id} is {self.status}{reason}: " + "; ".join(parts or ["nothing planned"])
                + ". The numbers cover the answers so far.")


def collection_status(study: Study, run_id: int, progress: progress_store.Progress | None = None) -> Collection:
    """The run's status and every respondent's progress, read from the study (``progress``: the run's,
    already read: it is not read again)."""
    run = run_store.get_run(study, run_id)
    if run is None:
        raise ValueError(f"no run {run_id}")
    per_model: dict[str, list[int]] = {}
    progress = progress if progress is not None else progress_store.read_progress(study, run_id)
    for (model, _kind), (done, total) in progress.by_group.items():
        entry = per_model.setdefault(model, [0, 0])
        entry[0] += done
        entry[1] += total
    models = [RespondentProgress(m, done, total) for m, (done, total) in sorted(per_model.items())
              if not m.startswith(HUMAN_PREFIX)]
    people = [RespondentProgress(model, asked, planned)
              for model, (asked, planned) in sorted(respondent_store.progress(study, run_id).items())]
    return Collection(run_id, run.status, run.stop_reason, tuple(models + people),
                      respondent_store.scale_orders(study, run_id))


@dataclass
class Respondents:
    """Who answered a run and how they compare: what the Results screen's Respondents tab, its respondent
    selector and the report's sections on people show."""

    collection: Collection | None  # None: the run's status could not be read
    order: tuple[str, ...]  # every respondent, models first, then people, each by name
    table: Table  # metrics.humans.respondents_table
    pairs: Table  # metrics.between.paired_comparisons

    @property
    def people(self) -> bool:
        return any(name.startswith(HUMAN_PREFIX) for name in self.order)


def respondents_of(frame: AnswerFrame, collection: Collection | None, aggregate: str = DEFAULT_AGGREGATE,
                   expected: bool | None = None, *, bootstrap: bool = True) -> Respondents:
    """Every respondent of ``frame`` and of ``collection`` (those with no answer yet too), the
    respondents table and the paired comparisons (``bootstrap=False``: without intervals and p)."""
    present = {frame.model.labels[c] for c in np.unique(frame.model.codes)} if len(frame) else set()
    known = present | {r.respondent for r in (collection.respondents if collection else ())}
    order = tuple(sorted(known, key=lambda name: (name.startswith(HUMAN_PREFIX), name)))
    progress = collection.progress() if collection is not None else None
    scale_orders = collection.scale_orders if collection is not None else None
    return Respondents(collection, order, respondents_table(frame, aggregate, expected, progress, scale_orders),
                       paired_comparisons(frame, aggregate, expected, bootstrap=bootstrap))
