"""What the Results screen reads from a run's answers beside its results, kept with the results with
intervals (store/results_cache.py), so a screen opened again on the same answers shows everything without
reading the answers: the respondents (their table, the paired comparisons and the run's status), the
answers per condition and the extremity-adjusted kinds.

They are kept under the results' own key (the run's answer fingerprint and the options) and, inside the
kept text, a digest of what they depend on that the fingerprint does not see (``Inputs``):

- the run's collection status (report/collection.py): the run's status and stop reason (a run stopped
  or resumed changes them, not its answers), each respondent's progress and each person's scale order;
- the extremity each persona is adjusted with: a run records it, but for runs from before it was
  recorded it comes from the persona store's current levels, which can be edited.

Kept extras are read only while the answers' fingerprint and that digest are both the current ones; the
digest costs a read of the run's status and its personas (tens of ms at 154,000 answers), not of the
answers. Only data is kept (JSON), never code.
"""

from __future__ import annotations

from dataclasses import dataclass

from valuegap_tui.metrics.summary import Results
from valuegap_tui.report import writer
from valuegap_tui.report.collection import Respondents, collection_status
from valuegap_tui.report.kept_report import (Inputs, choices_record, keep_for_inputs, keyed_fields, keyed_text,
                                             read_choices, read_for_inputs, read_respondents, respondents_record)

#: bump when what is kept changes, so extras kept by an older layout are read afresh
FORMAT = 1


def read_inputs(study, run_id: int) -> Inputs:
    """The run's collection status and its personas' extremities, as they are now."""
    try:
        collection = collection_status(study, run_id)
    except Exception:  # the run's status cannot be read (gone, or not a stored run): say nothing of it
        collection = None
    try:
        extremities, missing = writer.run_extremities(study, run_id)  # looked up late: tests stand one in
    except Exception as exc:  # the tables must still show
        return Inputs(collection, None, (), str(exc))
    return Inputs(collection, dict(extremities), tuple(missing))


@dataclass
class Extras:
    who: Respondents
    per_condition: dict[str, list[tuple[str, dict]]]  # report.writer.choices_by_condition
    adjusted: list[dict]  # metrics.covariates.adjusted_kind_table's records
    missing: tuple[str, ...]  # as in Inputs: said under the adjusted kinds


def adjusted_rows(frame, aggregate: str, extremities: dict[str, float]) -> list[dict]:
    """The kinds' changes adjusted for extremity (metrics.covariates), as records."""
    from valuegap_tui.metrics.covariates import adjusted_kind_table
    from valuegap_tui.metrics.items import build_items

    return adjusted_kind_table(build_items(frame, aggregate), extremities).records()


def same_conditions(a: Results, b: Results) -> bool:
    """The answers per condition of ``a`` serve for ``b`` (the same models and conditions, in order)."""
    return (a.reported_models == b.reported_models
            and [(r["model"], r["condition"]) for r in a.conditions.records()]
            == [(r["model"], r["condition"]) for r in b.conditions.records()])


def extras_options(options: str) -> str:
    """The cache's options for the extras kept beside the results kept under ``options``."""
    return f"{options}|extras"


def to_text(extras: Extras, inputs_key: str) -> str:
    return keyed_text(FORMAT, inputs_key, {"who": respondents_record(extras.who),
                                           "per_condition": choices_record(extras.per_condition),
                                           "adjusted": extras.adjusted, "missing": list(extras.missing)})


def from_text(text: str, inputs_key: str) -> Extras | None:
    """The extras in ``text``, or None when they were kept by another layout or for other inputs."""
    record = keyed_fields(text, FORMAT, inputs_key)
    if record is None:
        return None
    return Extras(read_respondents(record["who"]), read_choices(record["per_condition"]), record["adjusted"],
                  tuple(record["missing"]))


def kept_extras(study, run_id: int, options: str, state: str, inputs: Inputs) -> Extras | None:
    """The extras kept for the results under ``options`` and answers in ``state``, if kept for ``inputs``."""
    return read_for_inputs(study, run_id, extras_options(options), state, inputs, from_text)


def keep_extras(study, run_id: int, options: str, state: str, inputs: Inputs, extras: Extras) -> None:
    """Keep ``extras`` for the next time (nothing where the inputs are unknown or the study read-only)."""
    keep_for_inputs(study, run_id, extras_options(options), state, inputs, lambda key: to_text(extras, key))
