"""Evaluation runs: definitions, snapshots, planned items and every answer attempt (a run's progress is
read by ``store.run_progress``, its answers as arrays by ``store.answer_frame``).

Answers arrive in batches; each batch is one transaction that inserts the attempts and updates their
items together, so a killed process leaves every item either answered (with its attempt) or still
pending, never half-written. ``UNIQUE (item_id, attempt)`` makes a duplicate answer impossible.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter

from valuegap_tui.designs import DEFAULT_DESIGN, get_design
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store.batch_updates import UPDATE_GIVEN_HEAD, UPDATE_HEAD, insert_answers, insert_items, update_items
from valuegap_tui.store.db import Study, now_iso


INSERT_CHUNK = 5000
#: a running process writes the run's heartbeat this often ...
HEARTBEAT_S = 5.0
#: ... so a "running" run whose heartbeat is older than this was killed: it shows as interrupted
HEARTBEAT_STALE_S = 30.0
#: item statuses that end an item for now (pending is the only other one)
FINAL_STATUSES = ("answered", "invalid", "server_error")


@dataclass(frozen=True)
class RunRow:
    id: int
    name: str
    definition: RunDefinition
    config_hash: str
    #: planned | running | stopped | unfinished | finished | failed, or interrupted: stored as running
    #: but its process stopped writing its heartbeat (killed)
    status: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat_at: str | None = None
    #: why it stopped or failed (a write error, nothing answered ...), when known
    stop_reason: str | None = None
    #: characters of reply text stored per attempt at most (the rest counted in raw_dropped)
    text_cap: int | None = None
    #: the study design the run asks (designs/): its items, questions and metrics
    design: str = DEFAULT_DESIGN


@dataclass(frozen=True)
class PersonaSnapshot:
    id: str
    name: str
    kind: str
    system_text: str | None
    #: the persona's levels when the run was made (None for runs made before they were kept)
    levels: dict[str, int] | None = None
    position: tuple[float, float] | None = None
    extremity: float | None = None
    #: what a written condition stands for (e.g. ``value_type`` of a role-play); None before they were kept
    attributes: dict[str, str] | None = None


@dataclass(frozen=True)
class ItemRow:
    id: int
    model: str
    persona_id: str
    dilemma_id: str
    question: int
    repeat: int
    permutation: str
    attempts: int
    #: attempts used before the item was last re-opened; it may use max_attempts more from here
    attempt_base: int = 0
    #: the way the question is asked (``protocols.py``)
    protocol: str = "standard"


_ITEM_COLUMNS = "id, model, persona_id, dilemma_id, question, repeat, permutation, attempts, attempt_base, protocol"
_ITEM_FIELDS = tuple(_ITEM_COLUMNS.split(", "))


@dataclass
class Attempt:
    """One answer attempt and the item state it leads to."""

    item_id: int
    attempt: int
    #: valid | no_letter | refusal | cut_off | malformed | low_coverage (model answers that are not
    #: usable) | server_error (no answer came back: 5xx, refused connection, timeout)
    outcome: str
    item_status: str  # answered | invalid | server_error | pending (will be asked again)
    letter: str | None = None
    position: int | None = None
    choice: int | None = None
    score: int | None = None
    raw_text: str | None = None
    reasoning: str | None = None
    distribution: list[float] | None = None  # per option, catalogue order
    covered_mass: float | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    error: str | None = None
    error_kind: str | None = None
    endpoint: str | None = None
    #: characters of the reply (and of its reasoning) cut off beyond the run's text cap
    raw_dropped: int = 0
    reasoning_dropped: int = 0


_INSERT_ITEM = ("INSERT OR IGNORE INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat,"
                " permutation, protocol) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def create_run(study: Study, definition: RunDefinition, personas: list[PersonaSnapshot], dilemmas: list,
               items: Iterable, prompt_hashes: dict[str, str], *, head: int | None = None,
               design: str = DEFAULT_DESIGN) -> int:
    """Store a run with its snapshots and its plan, all or nothing; returns the run id.

    With ``head``, only the plan's first ``head`` items are stored with the run: the run executor
    stores the rest (``add_items``) while the first requests go out, and completes the plan of a run
    whose planning was cut short (``planned_total`` tells)."""
    at = now_iso()
    with study.transaction() as db:
        cursor = db.execute(
            "INSERT INTO runs (name, definition_json, config_hash, status, prompt_hashes_json, created_at, design)"
            " VALUES (?, ?, ?, 'planned', ?, ?, ?)",
            [definition.name, definition.to_json(), definition.config_hash(), json.dumps(prompt_hashes), at, design],
        )
        run_id = cursor.lastrowid
        db.conn.executemany(
            "INSERT INTO run_personas (run_id, persona_id, name, kind, system_text, levels_json, position_ts,"
            " position_sse, extremity, attributes_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, p.id, p.name, p.kind, p.system_text, None if p.levels is None else json.dumps(p.levels),
              *(p.position or (None, None)), p.extremity,
              None if p.attributes is None else json.dumps(p.attributes, ensure_ascii=False)) for p in personas],
        )
        db.conn.executemany(
            "INSERT INTO run_dilemmas (run_id, dilemma_id, value_id, topic_id, record_json) VALUES (?, ?, ?, ?, ?)",
            [(run_id, d.id, d.value, d.topic, json.dumps(d.to_record(), ensure_ascii=False)) for d in dilemmas],
        )
        items = iter(items)
        if head is None:
            _insert_items(db, run_id, items)
        else:
            _insert_items(db, run_id, (item for _, item in zip(range(head), items)))
    return run_id


#: a planned item's columns, in the order of plan.items.plan_rows' tuples
_PLANNED = attrgetter("model", "persona_id", "dilemma_id", "question", "repeat", "permutation", "protocol")


def _insert_items(db, run_id: int, items: Iterable) -> int:
    """Store planned items: PlannedItems, or plan_rows' tuples (the same fields in the same order)."""
    chunk, stored = [], 0
    for item in items:
        chunk.append(item if type(item) is tuple else _PLANNED(item))
        if len(chunk) >= INSERT_CHUNK:
            insert_items(db.conn, _INSERT_ITEM, run_id, chunk)  # many rows a statement (store/batch_updates.py)
            stored += len(chunk)
            chunk.clear()
    if chunk:
        insert_items(db.conn, _INSERT_ITEM, run_id, chunk)
        stored += len(chunk)
    return stored


def add_items(study: Study, run_id: int, items: Iterable, stop=lambda: False) -> int:
    """Store more of a run's planned items, a chunk per transaction (so answers are written in
    between), skipping any already stored; stops early once ``stop()``. Returns how many were sent."""
    items, stored = iter(items), 0
    while not stop():
        chunk = [item for _, item in zip(range(INSERT_CHUNK), items)]
        if not chunk:
            break
        with study.transaction() as db:
            stored += _insert_items(db, run_id, chunk)
    return stored


def planned_total(study: Study, run_id: int) -> int:
    """How many items the run's full plan holds: every model x condition x protocol x dilemma x question
    x repeat."""
    run = get_run(study, run_id)
    if run is None:
        return 0
    (personas,) = study.db.execute("SELECT COUNT(*) FROM run_personas WHERE run_id = ?", [run_id]).fetchone()
    design = get_design(run.design)
    if (fixed := design.fixed_questions()) is not None:  # every item asked alike: a product, no item read
        (dilemmas,) = study.db.execute("SELECT COUNT(*) FROM run_dilemmas WHERE run_id = ?", [run_id]).fetchone()
        return (len(run.definition.models) * personas * dilemmas * len(fixed) * run.definition.repeats
                * len(run.definition.protocols))
    questions = sum(len(design.questions_of(item)) for item in dilemmas_of(study, run_id).values())
    return len(run.definition.models) * personas * questions * run.definition.repeats * len(run.definition.protocols)


def stored_items(study: Study, run_id: int) -> int:
    (count,) = study.db.execute("SELECT COUNT(*) FROM run_items WHERE run_id = ?", [run_id]).fetchone()
    return count


def _heartbeat_stale(heartbeat_at: str | None) -> bool:
    if heartbeat_at is None:
        return True
    try:
        beat = datetime.fromisoformat(heartbeat_at)
    except ValueError:
        return True
    return (datetime.now(timezone.utc) - beat).total_seconds() > HEARTBEAT_STALE_S


def _runner_key(run_id: int) -> str:
    return f"run.{run_id}.runner"


def _runner_ended(study: Study, run_id: int) -> bool:
    """Whether the process that set the run running, on this machine, has ended: a run it could not mark
    as ended (the disk was full) is then interrupted at once, not only once its heartbeat is stale."""
    host, _, pid = (study.get_meta(_runner_key(run_id)) or "").rpartition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process (or none recorded): only the heartbeat tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def _run_row(row, study: Study) -> RunRow:
    status = row[4]
    if status == "running" and (_heartbeat_stale(row[8]) or _runner_ended(study, row[0])):
        status = "interrupted"
    return RunRow(
        id=row[0], name=row[1], definition=RunDefinition.model_validate_json(row[2]), config_hash=row[3],
        status=status, created_at=row[5], started_at=row[6], finished_at=row[7], heartbeat_at=row[8],
        stop_reason=row[9], text_cap=row[10], design=row[11],
    )


_RUN_COLUMNS = ("id, name, definition_json, config_hash, status, created_at, started_at, finished_at,"
                " heartbeat_at, stop_reason, text_cap, design")


def get_run(study: Study, run_id: int) -> RunRow | None:
    if not 0 < run_id < 2**63:  # no such run can be stored (and SQLite cannot take the number)
        return None
    row = study.db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", [run_id]).fetchone()
    return _run_row(row, study) if row else None


def list_runs(study: Study) -> list[RunRow]:
    return [_run_row(r, study) for r in study.db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id")]


def set_status(study: Study, run_id: int, status: str, reason: str | None = None, *,
               text_cap: int | None = None) -> None:
    """Set the run's status; ``reason`` says why it stopped or failed (cleared when it runs again)."""
    at = now_iso()
    with study.transaction() as db:
        if status == "running":
            db.execute("UPDATE runs SET status = ?, started_at = COALESCE(started_at, ?), heartbeat_at = ?,"
                       " stop_reason = NULL, text_cap = COALESCE(?, text_cap) WHERE id = ?",
                       [status, at, at, text_cap, run_id])
            db.execute("INSERT INTO study_meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key)"
                       " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                       [_runner_key(run_id), f"{socket.gethostname()} {os.getpid()}", at])
        elif status in ("finished", "stopped", "unfinished", "failed"):
            db.execute("UPDATE runs SET status = ?, finished_at = ?, stop_reason = ? WHERE id = ?",
                       [status, at, reason, run_id])
        else:
            db.execute("UPDATE runs SET status = ? WHERE id = ?", [status, run_id])


def heartbeat(study: Study, run_id: int) -> None:
    """Say the run's process is alive (see HEARTBEAT_STALE_S)."""
    with study.transaction() as db:
        db.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [now_iso(), run_id])


def end_as_server_errors(study: Study, item_ids: list[int]) -> None:
    """Pending items whose last attempt was a server error end as server errors (their server never
    replied this session)."""
    with study.transaction() as db:
        db.conn.executemany("UPDATE run_items SET status = 'server_error', outcome = 'server_error' WHERE id = ? AND status = 'pending'",
                            [(i,) for i in item_ids])


def reopen_items(study: Study, run_id: int, statuses: Iterable[str] = ("server_error",)) -> int:
    """Make finished items with these statuses pending again, each with a fresh attempt budget;
    their earlier attempts stay stored. Returns how many were re-opened."""
    statuses = [s for s in statuses if s in ("invalid", "server_error")]
    if not statuses:
        return 0
    marks = ", ".join("?" for _ in statuses)
    with study.transaction() as db:
        cursor = db.execute(
            "UPDATE run_items SET status = 'pending', attempt_base = attempts, position = NULL, choice = NULL,"
            f" score = NULL, refusal = 0, distribution_json = NULL, outcome = NULL"
            f" WHERE run_id = ? AND status IN ({marks})",
            [run_id, *statuses])
        return cursor.rowcount


def personas_of(study: Study, run_id: int) -> dict[str, PersonaSnapshot]:
    rows = study.db.execute(
        "SELECT persona_id, name, kind, system_text, levels_json, position_ts, position_sse, extremity,"
        " attributes_json FROM run_personas WHERE run_id = ? ORDER BY rowid", [run_id])
    return {r[0]: PersonaSnapshot(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4]),
                                  None if r[5] is None else (r[5], r[6]), r[7],
                                  None if r[8] is None else json.loads(r[8])) for r in rows}


def dilemmas_of(study: Study, run_id: int) -> dict:
    """The run's snapshot of its items (poster dilemmas, or the items of the run's design)."""
    rows = study.db.execute("SELECT dilemma_id, record_json FROM run_dilemmas WHERE run_id = ? ORDER BY rowid",
                            [run_id])
    run = get_run(study, run_id)
    design = get_design(run.design if run is not None else None)
    return {r[0]: design.item_from_record(json.loads(r[1])) for r in rows}


def persona_in_use(study: Study, persona_id: str) -> bool:
    """Whether any run asked this persona (a persona a run used must not be deleted)."""
    return study.db.execute("SELECT 1 FROM run_personas WHERE persona_id = ? LIMIT 1", [persona_id]).fetchone() is not None


def plan_members(study: Study, run_id: int) -> tuple[list[str], list[str]]:
    """The ids of the run's conditions (personas) and items, in the order the run was made with: what its
    seeded plan is drawn from again."""
    personas = [r[0] for r in study.db.execute(
        "SELECT persona_id FROM run_personas WHERE run_id = ? ORDER BY rowid", [run_id])]
    items = [r[0] for r in study.db.execute(
        "SELECT dilemma_id FROM run_dilemmas WHERE run_id = ? ORDER BY rowid", [run_id])]
    return personas, items


def pending_items(study: Study, run_id: int, *, after_id: int = 0, limit: int = 2000,
                  model: str | None = None, statuses: Iterable[str] = ("pending",)) -> list[ItemRow]:
    """Unfinished items (or items with other ``statuses``) in plan order, a page at a time (the plan
    may hold 150,000 items)."""
    statuses = list(statuses)
    model_clause = " AND model = ?" if model is not None else ""
    rows = study.db.execute(
        f"SELECT {_ITEM_COLUMNS} FROM run_items WHERE run_id = ?"
        f" AND status IN ({', '.join('?' for _ in statuses)}) AND id > ?{model_clause} ORDER BY id LIMIT ?",
        [run_id, *statuses, after_id] + ([model] if model is not None else []) + [limit],
    )
    return _item_rows(rows)


def _item_rows(rows) -> list[ItemRow]:
    """``[ItemRow(*row) for row in rows]`` without the frozen dataclass's __init__, which sets each of
    its ten fields through object.__setattr__: a run reads every item it asks this way."""
    new, fields = object.__new__, _ITEM_FIELDS
    items = []
    for row in rows:
        item = new(ItemRow)
        item.__dict__.update(zip(fields, row))
        items.append(item)
    return items


def all_items(study: Study, run_id: int) -> list[ItemRow]:
    rows = study.db.execute(f"SELECT {_ITEM_COLUMNS} FROM run_items WHERE run_id = ? ORDER BY id", [run_id])
    return _item_rows(rows)


def record_attempts(study: Study, run_id: int, attempts: list[Attempt]) -> None:
    """Store a batch of attempts and the state of their items in one transaction (which also
    renews the run's heartbeat)."""
    if not attempts:
        return
    at = now_iso()
    if any(a.distribution for a in attempts):
        responses, updates = _rows_with_distributions(run_id, attempts, at)
        insert, update = _INSERT_RESPONSE, _UPDATE_ITEM
    else:
        # The usual batch (no distributions): each row's values read in C by one attrgetter, the run and
        # the time given once, the item's refusal and outcome worked out by SQLite; the same rows as
        # _rows_with_distributions gives (tests/test_record_attempts.py).
        responses, updates = list(map(_RESPONSE_FIELDS, attempts)), list(map(_UPDATE_FIELDS, attempts))
        insert, update = _insert_plain(int(run_id), at), _UPDATE_PLAIN
    plain = update is _UPDATE_PLAIN
    with study.transaction() as db:  # many rows a statement (store/batch_updates.py)
        insert_answers(db.conn, _VALUES_HEAD[plain], insert, responses, (int(run_id), at) if plain else ())
        db.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [at, run_id])
        update_items(db.conn, update, updates, UPDATE_HEAD if plain else UPDATE_GIVEN_HEAD)


_RESPONSE_COLUMNS = ("item_id, attempt, outcome, letter, position, choice, score, raw_text, reasoning, covered_mass,"
                     " latency_s, prompt_tokens, completion_tokens, finish_reason, error, error_kind, endpoint,"
                     " raw_dropped, reasoning_dropped")
_RESPONSE_FIELDS = attrgetter(*_RESPONSE_COLUMNS.split(", "))
_UPDATE_FIELDS = attrgetter("item_status", "attempt", "position", "choice", "score", "outcome", "item_id")
_INSERT_RESPONSE = (
    "INSERT INTO run_responses (run_id, item_id, attempt, outcome, letter, position, choice, score, raw_text,"
    " reasoning, distribution_json, covered_mass, latency_s, prompt_tokens, completion_tokens, finish_reason,"
    " error, error_kind, endpoint, created_at, raw_dropped, reasoning_dropped)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPDATE_ITEM = ("UPDATE run_items SET status = ?, attempts = ?, position = ?, choice = ?, score = ?, refusal = ?,"
                " distribution_json = ?, outcome = ? WHERE id = ?")
#: an attempt without a distribution: the item keeps none, refused when the outcome says so, and its
#: outcome is kept once it is final (not pending)
_UPDATE_PLAIN = ("UPDATE run_items SET status = ?1, attempts = ?2, position = ?3, choice = ?4, score = ?5,"
                 " refusal = (?6 = 'refusal'), distribution_json = NULL,"
                 " outcome = CASE WHEN ?1 = 'pending' THEN NULL ELSE ?6 END WHERE id = ?7")


#: the response inserts' heads for VALUES lists: every column given (False), or plain (True): the run, the time
#: and NULL, then _insert_plain's columns
_VALUES_HEAD = {False: _INSERT_RESPONSE.split(" VALUES ")[0] + " VALUES ",
                True: f"INSERT INTO run_responses (run_id, created_at, distribution_json, {_RESPONSE_COLUMNS}) VALUES "}


def _insert_plain(run_id: int, at: str) -> str:
    if "'" in at:  # never, from now_iso(); said here because the time is written into the statement
        raise ValueError(f"not a timestamp: {at!r}")
    return (f"INSERT INTO run_responses (run_id, created_at, distribution_json, {_RESPONSE_COLUMNS})"
            f" VALUES ({run_id}, '{at}', NULL, {', '.join('?' for _ in _RESPONSE_COLUMNS.split(', '))})")


def _rows_with_distributions(run_id: int, attempts: list[Attempt], at: str) -> tuple[list[tuple], list[tuple]]:
    responses, updates = [], []
    for a in attempts:
        distribution = json.dumps([round(p, 6) for p in a.distribution]) if a.distribution else None
        responses.append((
            run_id, a.item_id, a.attempt, a.outcome, a.letter, a.position, a.choice, a.score, a.raw_text,
            a.reasoning, distribution, a.covered_mass, a.latency_s, a.prompt_tokens, a.completion_tokens,
            a.finish_reason, a.error, a.error_kind, a.endpoint, at, a.raw_dropped, a.reasoning_dropped,
        ))
        # A low-coverage answer keeps its distribution on the attempt only: the item has no answer.
        updates.append((a.item_status, a.attempt, a.position, a.choice, a.score, int(a.outcome == "refusal"),
                        distribution if a.item_status == "answered" else None,
                        None if a.item_status == "pending" else a.outcome, a.item_id))
    return responses, updates
