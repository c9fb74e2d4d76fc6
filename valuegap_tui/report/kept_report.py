"""What a run's report reads from the answers beside its results, kept with the results with intervals
(store/results_cache.py), so a report of unchanged answers reads none of them: the extremity-adjusted kinds
(persona_kinds_adjusted.csv), the respondents (respondents.csv, their paired comparisons and the people's
sections) and each model's answers per condition (the answer-choice figures). At a million answers,
reading the answers for them is about 1.5 s of a report's time.

They are kept under the report's results key (the run's answer fingerprint and the options) and, inside the
kept text, the digest of what they depend on that the fingerprint does not see (``Inputs``: the run's
collection status and the personas' extremities, as for the Results screen's extras, report/kept_extras.py).
Kept text is read only while both are the current ones; a report that finds none reads the answers and
keeps what it computed. Only data is kept (JSON), never code. The tables come back as they were computed:
a report written from them is byte for byte the one written from the answers (tests/test_kept_report.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Callable, TypeVar

import numpy as np

from valuegap_tui.metrics import results_record
from valuegap_tui.metrics.table import Table
from valuegap_tui.report.collection import Collection, RespondentProgress, Respondents
from valuegap_tui.report.kept import read_kept
from valuegap_tui.store import results_cache

#: bump when what is kept changes, so a report's extras kept by an older layout are read afresh
FORMAT = 1
STAGE = "intervals"  # kept beside the results with intervals, which a report is written from
T = TypeVar("T")


@dataclass(frozen=True)
class Inputs:
    """What the extras depend on beside the answers and the options."""

    collection: Collection | None  # None: the run's status cannot be read (the screen says nothing of it)
    extremities: dict[str, float] | None  # None: unreadable (``error`` says why; nothing is kept then)
    missing: tuple[str, ...] = ()  # personas whose extremity is known to neither the run nor the store
    error: str | None = None

    def key(self) -> str | None:
        """A digest of every input, or None when the extremities could not be read."""
        if self.extremities is None:
            return None
        record = {"collection": asdict(self.collection) if self.collection is not None else None,
                  "extremities": sorted(self.extremities.items()), "missing": list(self.missing)}
        return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def respondents_record(who: Respondents) -> dict:
    return {"collection": asdict(who.collection) if who.collection is not None else None,
            "order": list(who.order), "table": results_record.table_record(who.table),
            "pairs": results_record.table_record(who.pairs)}


def _collection(record: dict | None) -> Collection | None:
    if record is None:
        return None
    return Collection(**{**record, "respondents": tuple(RespondentProgress(**r) for r in record["respondents"])})


def read_respondents(record: dict) -> Respondents:
    return Respondents(_collection(record["collection"]), tuple(record["order"]),
                       results_record.read_table(record["table"]), results_record.read_table(record["pairs"]))


def choices_record(per_condition: dict) -> dict:
    return {model: [[condition, {q: np.asarray(v).tolist() for q, v in shares.items()}]
                    for condition, shares in conditions] for model, conditions in per_condition.items()}


def read_choices(record: dict) -> dict:
    return {model: [(condition, {q: np.asarray(v, dtype=float) for q, v in shares.items()})
                    for condition, shares in conditions] for model, conditions in record.items()}


@dataclass
class ReportExtras:
    adjusted: Table  # metrics.covariates.adjusted_kind_table
    who: Respondents  # report.collection.respondents_of
    per_condition: dict[str, list[tuple[str, dict]]]  # report.writer.choices_by_condition


def report_options(options: str) -> str:
    """The cache's options for the report's extras beside the results kept under ``options``."""
    return f"{options}|report"


def keyed_text(fmt: int, inputs_key: str, fields: dict) -> str:
    """Kept text of ``fields``, marked with its layout and the digest of its inputs."""
    return json.dumps({"format": fmt, "inputs": inputs_key, **fields}, default=results_record.plain,
                      separators=(",", ":"))


def keyed_fields(text: str, fmt: int, inputs_key: str) -> dict | None:
    """The fields of kept ``text``, or None when kept by another layout or for other inputs."""
    record = json.loads(text)
    if not isinstance(record, dict) or record.get("format") != fmt or record.get("inputs") != inputs_key:
        return None
    return record


def read_for_inputs(study, run_id: int, options: str, state: str, inputs: Inputs,
                    read: Callable[[str, str], T | None]) -> T | None:
    """``read(text, inputs_key)`` of the text kept under ``options`` for answers in ``state``; None where
    the inputs are unknown or nothing is kept for them."""
    key = inputs.key()
    if key is None:
        return None
    return read_kept(study, run_id, options, STAGE, state, lambda text: read(text, key))


def keep_for_inputs(study, run_id: int, options: str, state: str, inputs: Inputs,
                    write: Callable[[str], str]) -> None:
    """Keep ``write(inputs_key)`` (nothing where the inputs are unknown or the study read-only)."""
    key = inputs.key()
    if key is not None:
        results_cache.save(study, run_id, options, STAGE, state, write(key))


def to_text(extras: ReportExtras, inputs_key: str) -> str:
    return keyed_text(FORMAT, inputs_key, {"adjusted": results_record.table_record(extras.adjusted),
                                           "who": respondents_record(extras.who),
                                           "per_condition": choices_record(extras.per_condition)})


def from_text(text: str, inputs_key: str) -> ReportExtras | None:
    """The extras in ``text``, or None when they were kept by another layout or for other inputs."""
    record = keyed_fields(text, FORMAT, inputs_key)
    if record is None:
        return None
    return ReportExtras(results_record.read_table(record["adjusted"]), read_respondents(record["who"]),
                        read_choices(record["per_condition"]))


def kept_report_extras(study, run_id: int, options: str, state: str, inputs: Inputs) -> ReportExtras | None:
    """The extras kept beside the results under ``options`` for answers in ``state`` and these ``inputs``."""
    return read_for_inputs(study, run_id, report_options(options), state, inputs, from_text)


def keep_report_extras(study, run_id: int, options: str, state: str, inputs: Inputs, extras: ReportExtras) -> None:
    """Keep ``extras`` for the next report (nothing where the inputs are unknown or the study read-only)."""
    keep_for_inputs(study, run_id, report_options(options), state, inputs, lambda key: to_text(extras, key))
