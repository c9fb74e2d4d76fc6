"""A run's finished items as the metrics' input (``AnswerFrame``), read fast.

Every item of a run comes back from SQLite as one decimal integer in a single comma-separated string per
query (no per-row Python objects), which numpy parses in one call. The plan part (model, persona,
dilemma, question, repeat) changes only when items are added or edited, so it is read once, kept in the
process and in the study (``store/plan_copies.py``: any later process reads it as one row), and each load
then reads only the outcome part, without joins, in rowid order. 154,000 answers load in a few tens of
milliseconds. A load that finds no plan kept under the run's current key reads it in a thread of its own
while it reads the outcomes (``_PlanAhead``): at a million answers the two reads take about 1 s and 0.3 s
of SQLite's time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.frame import AnswerFrame, Codes
from valuegap_tui.outcomes import OUTCOMES
from valuegap_tui.protocols import PROTOCOL_IDS
from valuegap_tui.store import plan_copies
from valuegap_tui.store.db import Study
from valuegap_tui.store.respondents import respondent_models
from valuegap_tui.store.runs import get_run


def _codes(keys: list, labels_of: dict) -> tuple[dict, tuple[str, ...]]:
    """key -> code into sorted labels (the order ``Codes.encode`` would give)."""
    labels = tuple(sorted(set(labels_of.values())))
    index = {label: i for i, label in enumerate(labels)}
    return {key: index[labels_of[key]] for key in keys}, labels


# Every item of a run comes back from SQLite as one decimal integer in a single comma-separated
# string per query (no per-row Python objects), which numpy parses in one call. The plan part
# (model, persona, dilemma, question, repeat) never changes after planning, so it is read once per
# run and kept; each load then reads only the outcome part, without joins, in rowid order.
_PLAN_PACK = ("i.question + 8 * i.repeat + 8192 * ({protocol}) + 65536 * ({model}) + 16777216 * (p.rowid - ?)"
              " + 1099511627776 * (d.rowid - ?)")
#: the protocol's code: its place in PROTOCOL_IDS (those labels are every frame's protocol vocabulary)
_PROTOCOL_CODE = ("CASE i.protocol " + " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(PROTOCOL_IDS))
                  + " ELSE 7 END")
_OUTCOME_CODE = ("(CASE outcome " + " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(OUTCOMES))
                 + " ELSE (CASE WHEN status = 'answered' THEN 0 WHEN status = 'server_error' THEN"
                 f" {OUTCOMES.index('server_error')} WHEN refusal THEN {OUTCOMES.index('refusal')}"
                 f" ELSE {OUTCOMES.index('no_letter')} END) END)")
_OUTCOME_PACK = ("(CASE status WHEN 'pending' THEN 0 WHEN 'answered' THEN 1 WHEN 'invalid' THEN 2 ELSE 3 END)"
                 " + 4 * coalesce(score + 3, 7) + 32 * (coalesce(position, -1) + 1)"
                 f" + 512 * (coalesce(choice, -1) + 1) + 8192 * {_OUTCOME_CODE}")
_PENDING, _SERVER_ERROR, _NO_SCORE = 0, 3, 7
_MAX_MODELS, _MAX_PERSONAS, _MAX_DILEMMAS, _MAX_REPEAT = 255, 65535, 1 << 22, 1023


@dataclass(frozen=True)
class _Plan:
    """A run's items in id order as codes, with the labels the codes index."""

    key: str | None  # the plan's state when read (plan_copies.current_key): any change makes it another
    first_id: int
    last_id: int
    count: int
    columns: dict[str, np.ndarray]
    labels: dict[str, tuple[str, ...]]


_PLANS: dict[tuple[str, int], _Plan] = {}


def _integers(text: str | None) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


def _lookup(offsets_to_codes: dict[int, int], size: int) -> np.ndarray:
    table = np.full(size, -1, dtype=np.int32)
    for offset, code in offsets_to_codes.items():
        table[offset] = code
    return table


#: the reading's own version, part of every kept plan's key: raise it when the codes change meaning
_PLAN_FORMAT = 1


@lru_cache(maxsize=1)
def _plan_version() -> str:
    """What the plan's codes depend on besides the study: their format, the protocols and the value types."""
    types = sorted((v.id, v.type) for v in catalogue().values)
    text = json.dumps([_PLAN_FORMAT, PROTOCOL_IDS, types, _MAX_MODELS, _MAX_PERSONAS, _MAX_DILEMMAS, _MAX_REPEAT])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plan_key(study: Study, run_id: int) -> str | None:
    return plan_copies.current_key(study, run_id, _plan_version())


def plan_kept(study: Study, run_id: int) -> bool:
    """Whether the study keeps the run's plan as it is now: a process's first load then reads it as one row."""
    key = _plan_key(study, run_id)
    return key is not None and plan_copies.kept(study, run_id, key)


def _read_plan(study: Study, run_id: int, after_id: int = 0) -> _Plan:
    """The run's plan (its items after ``after_id``) read from its items, conditions and dilemmas, with
    its key, all in one snapshot."""
    db = study.db
    opened = not db.conn.in_transaction
    if opened:
        db.conn.execute("BEGIN")  # one read snapshot: the key names exactly what is read
    try:
        return _read_plan_now(study, run_id, after_id)
    finally:
        if opened and db.conn.in_transaction:
            db.conn.execute("COMMIT")


def _read_plan_now(study: Study, run_id: int, after_id: int) -> _Plan:
    db = study.db
    key = _plan_key(study, run_id)
    personas = db.execute("SELECT rowid, persona_id, kind FROM run_personas WHERE run_id = ?", [run_id]).fetchall()
    dilemmas = db.execute("SELECT rowid, dilemma_id, value_id, topic_id FROM run_dilemmas WHERE run_id = ?",
                          [run_id]).fetchall()
    run = get_run(study, run_id)
    models = sorted({m.name for m in run.definition.models}) if run else []
    models += sorted(set(respondent_models(study, run_id)) - set(models))  # people beside models (docs/respond.md)
    p_base = min((r[0] for r in personas), default=0)
    d_base = min((r[0] for r in dilemmas), default=0)
    p_span = max((r[0] for r in personas), default=0) - p_base + 1
    d_span = max((r[0] for r in dilemmas), default=0) - d_base + 1
    if len(models) > _MAX_MODELS or p_span > _MAX_PERSONAS or d_span > _MAX_DILEMMAS:
        raise ValueError(f"run {run_id} is too large for the answer frame ({len(models)} models, {p_span} personas,"
                         f" {d_span} dilemmas)")
    model_case = ("CASE i.model " + " ".join("WHEN ? THEN ?" for _ in models) + f" ELSE {_MAX_MODELS} END"
                  if models else str(_MAX_MODELS))
    # An ordered subquery is not flattened into the aggregate: group_concat sees the items in id order.
    text, max_repeat, first_id, last_id = db.execute(
        f"SELECT group_concat(packed, ','), max(repeat), min(id), max(id) FROM (SELECT"
        f" {_PLAN_PACK.format(model=model_case, protocol=_PROTOCOL_CODE)}"
        " AS packed, i.repeat, i.id FROM run_items i"
        " JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id"
        " JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"
        " WHERE i.run_id = ? AND i.id > ? ORDER BY i.id)",
        [*[v for index, name in enumerate(models) for v in (name, index)], p_base, d_base, run_id,
         after_id]).fetchone()
    if (max_repeat or 0) > _MAX_REPEAT:
        raise ValueError(f"run {run_id} has more than {_MAX_REPEAT} repeats")
    packed = _integers(text)
    model = ((packed >> 16) & 0xFF).astype(np.int32)
    if (model == _MAX_MODELS).any():
        raise ValueError(f"run {run_id} holds items of a model its definition does not name")
    persona, dilemma = (packed >> 24) & 0xFFFF, packed >> 40
    types_of = {v.id: v.type for v in catalogue().values}
    protocol = ((packed >> 13) & 7).astype(np.int32)
    if (protocol >= len(PROTOCOL_IDS)).any():
        raise ValueError(f"run {run_id} holds items of a protocol this valuegap does not know")
    columns = {"model": model, "question": (packed & 7).astype(np.int8),
               "repeat": ((packed >> 3) & 0x3FF).astype(np.int16), "protocol": protocol}
    labels = {"model": tuple(models), "protocol": PROTOCOL_IDS}
    for name, rows, base, span, at, offsets in (
        ("persona", personas, p_base, p_span, 1, persona), ("persona_kind", personas, p_base, p_span, 2, persona),
        ("dilemma", dilemmas, d_base, d_span, 1, dilemma), ("value", dilemmas, d_base, d_span, 2, dilemma),
        ("value_type", dilemmas, d_base, d_span, None, dilemma), ("topic", dilemmas, d_base, d_span, 3, dilemma),
    ):
        of = {r[0] - base: (types_of.get(r[2], "") if at is None else r[at]) for r in rows}
        code, labels[name] = _codes(list(of), of)
        columns[name] = _lookup(code, span)[offsets]
    return _Plan(key, first_id or 0, last_id or after_id, len(packed), columns, labels)


def _plan_of(study: Study, run_id: int) -> _Plan:
    return _keep_plan(study, run_id, _read_plan(study, run_id))


def _kept_copy(study: Study, run_id: int) -> _Plan | None:
    """The plan the study keeps of the run, under whatever key it was kept (a process's first load)."""
    kept = plan_copies.load(study, run_id)
    return None if kept is None else _Plan(*kept)


def _extended(study: Study, run_id: int, plan: _Plan) -> _Plan | None:
    """``plan`` with the items stored after its last one, read alone, when nothing else has changed (the
    same run, no plan edit, the same labels: the new items coded alike); None when it cannot be."""
    tail = _read_plan(study, run_id, plan.last_id)
    if (not plan_copies.grown_only(plan.key, tail.key) or tail.labels != plan.labels
            or plan_copies.item_count(tail.key) != plan.count + tail.count):
        return None
    columns = {name: np.concatenate([column, tail.columns[name]]) for name, column in plan.columns.items()}
    return _Plan(tail.key, plan.first_id, tail.last_id, plan.count + tail.count, columns, plan.labels)


def _current(study: Study, run_id: int, key: str | None, kept: _Plan | None) -> tuple[_Plan | None, bool]:
    """A plan for ``key`` without reading every item: the one kept in this process or the study, or one of
    them with the items stored since; and whether it was read here (to keep in the study)."""
    if kept is not None and kept.key == key:
        return kept, False
    copy_key = plan_copies.kept_key(study, run_id)  # the copy itself read only where it can serve
    kept_grown = kept is not None and plan_copies.grown_only(kept.key, key)
    useful = copy_key == key or (plan_copies.grown_only(copy_key, key)
                                 and not (kept_grown and kept.count >= plan_copies.item_count(copy_key)))
    copy = _kept_copy(study, run_id) if copy_key is not None and useful else None
    if copy is not None and copy.key == key:
        return _keep_plan(study, run_id, copy), False
    grown = [p for p in (kept, copy) if p is not None and plan_copies.grown_only(p.key, key)]
    if grown:
        extended = _extended(study, run_id, max(grown, key=lambda p: p.count))
        if extended is not None:
            return _keep_plan(study, run_id, extended), True
    return None, False


def _save_copy(study: Study, run_id: int, plan: _Plan) -> None:
    if plan.key is not None:
        plan_copies.save(study, run_id, plan.key, plan.first_id, plan.last_id, plan.count, plan.columns,
                         plan.labels)


def _keep_plan(study: Study, run_id: int, plan: _Plan) -> _Plan:
    _PLANS.pop((str(study.path), run_id), None)
    if len(_PLANS) >= 4:  # a few runs' plans at most (154,000 items take about 4 MB)
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[(str(study.path), run_id)] = plan
    return plan


class _PlanAhead:
    """A run's plan read in a thread of its own, over its own connection, while the caller reads the
    outcomes: SQLite lets go of the interpreter while it reads, so on two cores the two reads overlap
    (at a million answers the plan takes about 1 s, the outcomes 0.3 s). The thread has ended, and its
    connection is closed, once ``result`` returns (a process with other threads running never forks)."""

    def __init__(self, study: Study, run_id: int):
        self.plan: _Plan | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._read, args=(study, run_id), name="valuegap-plan",
                                       daemon=True)
        self.thread.start()

    def _read(self, study: Study, run_id: int) -> None:
        try:
            self.plan = _read_plan(study, run_id)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self.error = exc
        finally:
            study.close_thread()

    def result(self) -> _Plan:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.plan


def _distribution_width(study: Study, run_id: int) -> int:
    """The most options any question of the run's design shows (six on the core's six-point axis)."""
    from valuegap_tui.designs import get_design
    from valuegap_tui.designs.base import MAX_OPTIONS

    (design,) = study.db.execute("SELECT design FROM runs WHERE id = ?", [run_id]).fetchone() or (None,)
    return 6 if get_design(design).core_metrics else MAX_OPTIONS


def load_answer_frame(study: Study, run_id: int) -> AnswerFrame:
    """Finished items (answered, invalid or server error) as column arrays, in plan order.

    The run's plan is read once per process and kept (it never changes); each load reads the
    items' outcomes as one string of integers. 154,000 answers load in a few tens of milliseconds.
    """
    db = study.db
    key = _plan_key(study, run_id)
    plan = _PLANS.get((str(study.path), run_id))
    # a plan kept of the same run (items since added or edited) still tells where its items start: ids
    # only grow, and a deleted first item leaves nothing of the run before the old first id
    first_id = plan.first_id if plan is not None and plan_copies.same_run(plan.key, key) else 0
    plan, extended = _current(study, run_id, key, plan)
    first_id = plan.first_id if plan is not None else first_id
    # no plan kept under the current key (in this process or the study): it is read meanwhile
    ahead = _PlanAhead(study, run_id) if plan is None else None
    # NOT INDEXED: a rowid scan from the run's first item gives its items in id order (the plan's
    # order) without a sort; the count tells whether the kept plan still covers every item.
    in_order = "FROM (SELECT {} FROM run_items NOT INDEXED WHERE id >= ? AND run_id = ? ORDER BY id)"
    try:
        outcomes, count, with_distribution = db.execute(
            "SELECT group_concat(packed, ','), count(*), sum(dist) "
            + in_order.format(f"{_OUTCOME_PACK} AS packed, distribution_json IS NOT NULL AS dist"),
            [first_id, run_id]).fetchone()
    except BaseException:
        if ahead is not None:
            ahead.thread.join()
        raise
    read = plan if extended else None  # a plan read from the items here: kept in the study for the next process
    if ahead is not None:  # read beside the outcomes: it misses items stored before they were read
        plan = read = _keep_plan(study, run_id, ahead.result())
        stale = plan.count < count
    else:
        stale = plan.count != count
    if stale:
        plan = read = _plan_of(study, run_id)
        if plan.count < count:  # cannot happen (the plan was read last); read both again
            return load_answer_frame(study, run_id)
    # Items stored after the outcomes were read (a plan still streaming in) come last in id order:
    # the outcomes cover the plan's first ``count`` items.
    bounds = [first_id, run_id]
    packed = _integers(outcomes)
    status = packed & 3
    finished = status != _PENDING
    packed = packed[finished]
    score = ((packed >> 2) & 7).astype(np.float64)
    score[score == _NO_SCORE] = np.nan
    width = _distribution_width(study, run_id)
    distribution = np.full((len(packed), width), np.nan)
    permutation = None
    if with_distribution:
        (texts,) = db.execute("SELECT group_concat(dist, ',') "
                              + in_order.format("coalesce(distribution_json, 'null') AS dist"), bounds).fetchone()
        values = json.loads(f"[{texts}]")
        for row, index in enumerate(np.flatnonzero(finished)):
            if values[index]:  # the abstain protocol's extra option is not a point of the scale: left out
                distribution[row, : min(len(values[index]), width)] = values[index][:width]
        # the letter shares of answer distributions need the option order each was asked with
        (orders,) = db.execute("SELECT group_concat(permutation, ',') " + in_order.format("permutation"),
                               bounds).fetchone()
        permutation = np.full((len(packed), width), -1, dtype=np.int8)
        # items stored since the outcomes were read come last: the first len(finished) are the ones read
        for row, order in enumerate(np.asarray(orders.split(",")[: len(finished)], dtype=object)[finished]):
            digits = np.frombuffer(order.encode(), dtype=np.uint8)[:width].astype(np.int8) - 48
            digits[digits >= width] = -1  # the abstain protocol's extra option: none of the scale's
            permutation[row, : len(digits)] = digits
    c = {name: column[:count] for name, column in plan.columns.items()}
    labels = plan.labels
    frame = AnswerFrame(
        model=Codes(c["model"][finished], labels["model"]),
        persona=Codes(c["persona"][finished], labels["persona"]),
        persona_kind=Codes(c["persona_kind"][finished], labels["persona_kind"]),
        dilemma=Codes(c["dilemma"][finished], labels["dilemma"]),
        value=Codes(c["value"][finished], labels["value"]),
        value_type=Codes(c["value_type"][finished], labels["value_type"]),
        topic=Codes(c["topic"][finished], labels["topic"]),
        question=c["question"][finished],
        repeat=c["repeat"][finished],
        score=score - 3,
        position=(((packed >> 5) & 15) - 1).astype(np.int8),
        choice=(((packed >> 9) & 15) - 1).astype(np.int8),
        distribution=distribution,
        outcome=((packed >> 13) & 15).astype(np.int8),
        permutation=permutation,
        protocol=Codes(c["protocol"][finished], labels["protocol"]),
    )
    if read is not None:
        _save_copy(study, run_id, read)
    return frame
