"""The export's rows: every stored attempt of a run, read through the run's own design.

Each run is read with the design it was asked with (``runs.design``): its question ids, its options'
ids (``Design.option_labels``), its scores as stored, and ``point`` on the question's own scale. Text
is written exactly as stored: a reply, a name or an error keeps every character, control characters
included; making them visible is the job of whatever prints a cell to a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs import get_design
from valuegap_tui.designs.base import LETTERS
from valuegap_tui.export.columns import COLUMN_NAMES, HUMAN_PREFIX, PROBABILITIES
from valuegap_tui.store import Study
from valuegap_tui.store import answers as answer_store
from valuegap_tui.store import runs as run_store

NO_DISTRIBUTION = (None,) * PROBABILITIES


def respondent_kind(respondent: str | None) -> str:
    """``human`` for a person's ``human:<name>``, ``model`` for everything else."""
    return "human" if respondent is not None and respondent.startswith(HUMAN_PREFIX) else "model"


def order_letters(permutation: str) -> str:
    """A stored permutation ("301524": letter p showed option permutation[p]) as the letters of the
    options in canonical order shown at each place ("DABFCE"): text no CSV reader turns into a number,
    read the same way (the option shown as letter p is the p-th character, A = the first option)."""
    return "".join(LETTERS[int(c)] for c in permutation)


def _distribution(text: str | None) -> tuple:
    if not text:
        return NO_DISTRIBUTION
    values = json.loads(text)
    if len(values) > PROBABILITIES:
        raise ValueError(f"a logprob distribution over {len(values)} options: the export holds {PROBABILITIES}")
    return (*values, *NO_DISTRIBUTION[len(values):])


class _RunReader:
    """What one run's rows need from its design, worked out once per (item, question)."""

    def __init__(self, study: Study, run_id: int):
        run = run_store.get_run(study, run_id)
        self.name = run.name if run else None
        self.design = get_design(run.design if run else None)
        self.design_id = self.design.id
        self.question_ids = [q.id for q in self.design.questions]
        self.ordinal = [q.ordinal for q in self.design.questions]
        self.items = run_store.dilemmas_of(study, run_id)
        self._labels: dict[tuple[str, int], list[str] | None] = {}

    def labels(self, item_id: str, question: int) -> list[str] | None:
        key = (item_id, question)
        if key not in self._labels:
            item = self.items.get(item_id)
            self._labels[key] = None if item is None else self.design.option_labels(item, question)
        return self._labels[key]


#: how many of the export's leading columns (run .. question) ``answer_parts`` gives as a row's head
HEAD_COLUMNS = 14


def answer_parts(study: Study, run_ids: Iterable[int]) -> Iterator[tuple[tuple, tuple]]:
    """The export's rows in two parts, ``(head, tail)``: the head is the first ``HEAD_COLUMNS`` columns
    (run to question: who answered what), the tail the rest, in ``COLUMNS`` order. Rows of the same
    question asked of the same respondent in the same condition (its repeats and attempts, which follow
    one another in plan order) share one head object, so a writer can encode it once."""
    return stretch_parts(study, [(run_id, None, None) for run_id in run_ids])


def stretch_parts(study: Study, stretches: Iterable[tuple[int, int | None, int | None]]) -> Iterator[tuple[tuple, tuple]]:
    """``answer_parts`` over stretches of runs: ``(run_id, first, last)`` the rows of the run's items with
    ids ``first`` to ``last`` (None, None: every item), in the order given."""
    type_of = {v.id: v.type for v in catalogue().values}
    kinds: dict[str | None, str] = {}
    orders: dict[str, str] = {}
    no_condition, no_place = (None, None), (None, None, None)
    for run_id, first, last in stretches:
        run = _RunReader(study, run_id)
        run_name, design_id, question_ids, ordinal = run.name, run.design_id, run.question_ids, run.ordinal
        conditions = answer_store.run_conditions(study, run_id)
        places = {item: (value, type_of.get(value), topic)
                  for item, (value, topic) in answer_store.run_item_places(study, run_id).items()}
        last_key, head, labels, is_ordinal = None, (), None, False
        # attempt_rows' fields 6..13 (repeat .. option) and 17.. (covered_mass .. answered_at) are the
        # export's columns in the export's order: sliced, not unpacked and packed again
        for rows in answer_store.attempt_chunks(study, run_id, first=first, last=last):
            for row in rows:
                key = row[1:6]  # model, condition, dilemma, protocol, question
                if key != last_key:
                    model, condition, dilemma, protocol, question = last_key = key
                    kind = kinds.get(model) or kinds.setdefault(model, respondent_kind(model))
                    head = (run_id, run_name, model, kind, condition, *conditions.get(condition, no_condition), dilemma,
                            *places.get(dilemma, no_place), design_id, protocol, question_ids[question])
                    labels, is_ordinal = run.labels(dilemma, question), ordinal[question]
                option, permutation, distribution_json = row[13], row[15], row[16]
                order = orders.get(permutation) or orders.setdefault(permutation, order_letters(permutation))
                label = point = None
                # the design's own options: the abstain protocol shows one more (not choosing), which has no
                # label and no point, and leaves every other option's point where it is
                own = len(labels) if labels is not None else len(permutation)
                if option is not None and 0 <= option < own:
                    if labels is not None:
                        label = labels[option]
                    if is_ordinal:
                        point = own - option
                probabilities = _distribution(distribution_json) if distribution_json else NO_DISTRIBUTION
                yield head, row[6:14] + (label, row[14], point, order, *probabilities) + row[17:]


def answer_rows(study: Study, run_ids: Iterable[int]) -> Iterator[tuple]:
    """The export's rows, as tuples in ``COLUMNS`` order."""
    for head, tail in answer_parts(study, run_ids):
        yield head + tail


def answer_dicts(study: Study, run_ids: Iterable[int]) -> Iterator[dict]:
    """The export's rows as dicts keyed by column name."""
    for row in answer_rows(study, run_ids):
        yield dict(zip(COLUMN_NAMES, row))


def design_codes(study: Study, run_ids: Iterable[int]) -> dict:
    """For each design in the export: its questions with whether they are ordinal, and the ids their
    options take (one list when every item has the same, else every id seen): the codes of
    ``question``, ``option_label``, ``score`` and ``point`` for a file of that design."""
    found: dict[str, dict] = {}
    for run_id in run_ids:
        run = _RunReader(study, run_id)
        entry = found.setdefault(run.design_id, {"title": run.design.title, "reference": run.design.reference,
                                                 "questions": {}})
        for index, question in enumerate(run.design.questions):
            seen = entry["questions"].setdefault(question.id, {"ordinal": question.ordinal, "labels": {}})
            for item_id, item in run.items.items():
                if index in run.design.questions_of(item):
                    labels = run.labels(item_id, index)
                    scores = [run.design.choice_score(item, index, k) for k in range(len(labels or ()))]
                    seen["labels"][tuple(labels or ())] = scores
    for entry in found.values():
        for question in entry["questions"].values():
            variants = question.pop("labels")
            if len(variants) == 1:
                (labels, scores), = variants.items()
                question.update(option_labels=list(labels), scores=scores,
                                points=[len(labels) - k for k in range(len(labels))] if question["ordinal"] else None)
            else:
                question["option_labels"] = sorted({label for labels in variants for label in labels})
                question["varies_by_item"] = True
    return found
