"""Evaluation runs: definitions, snapshots, planned items and every answer attempt.

Answers arrive in batches; each batch is one transaction that inserts the attempts and updates their
items together, so a killed process leaves every item either answered (with its attempt) or still
pending, never half-written. ``UNIQUE (item_id, attempt)`` makes a duplicate answer impossible.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import Dilemma
from valuegap_tui.outcomes import INVALID_OUTCOMES, OUTCOMES
from valuegap_tui.evaluate.definition import RunDefinition
from valuegap_tui.store.db import Study, now_iso
from valuegap_tui.store.respondents import progress as respondent_progress
from valuegap_tui.store.respondents import respondent_models


class _NumpyOnFirstUse:
    """Stands for numpy until the answer frame or a coverage figure first needs it: `run start`
    and `run status` never import it (about 0.1 s)."""

    def __getattr__(self, name: str):
        import numpy

        globals()["np"] = numpy
        return getattr(numpy, name)


np = _NumpyOnFirstUse()

if TYPE_CHECKING:  # the metrics package is imported by the first frame load, not by every command
    from valuegap_tui.metrics.frame import AnswerFrame

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
    design: str = "graded_actions"


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


_ITEM_COLUMNS = "id, model, persona_id, dilemma_id, question, repeat, permutation, attempts, attempt_base"


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
                " permutation) VALUES (?, ?, ?, ?, ?, ?, ?)")


def create_run(study: Study, definition: RunDefinition, personas: list[PersonaSnapshot], dilemmas: list,
               items: Iterable, prompt_hashes: dict[str, str], *, head: int | None = None,
               design: str = "graded_actions") -> int:
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


def _insert_items(db, run_id: int, items: Iterable) -> int:
    chunk, stored = [], 0
    for item in items:
        chunk.append((run_id, item.model, item.persona_id, item.dilemma_id, item.question, item.repeat,
                      item.permutation))
        if len(chunk) >= INSERT_CHUNK:
            db.conn.executemany(_INSERT_ITEM, chunk)
            stored += len(chunk)
            chunk.clear()
    if chunk:
        db.conn.executemany(_INSERT_ITEM, chunk)
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
    """How many items the run's full plan holds: every model x condition x dilemma x question x repeat."""
    run = get_run(study, run_id)
    if run is None:
        return 0
    (personas,) = study.db.execute("SELECT COUNT(*) FROM run_personas WHERE run_id = ?", [run_id]).fetchone()
    if run.design == "graded_actions":
        (dilemmas,) = study.db.execute("SELECT COUNT(*) FROM run_dilemmas WHERE run_id = ?", [run_id]).fetchone()
        return len(run.definition.models) * personas * dilemmas * 2 * run.definition.repeats
    from valuegap_tui.designs import get_design

    design = get_design(run.design)
    questions = sum(len(design.questions_of(item)) for item in dilemmas_of(study, run_id).values())
    return len(run.definition.models) * personas * questions * run.definition.repeats


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
    if run is None or run.design == "graded_actions":
        return {r[0]: Dilemma.model_validate_json(r[1]) for r in rows}
    from valuegap_tui.designs import get_design

    design = get_design(run.design)
    return {r[0]: design.item_from_record(json.loads(r[1])) for r in rows}


def persona_in_use(study: Study, persona_id: str) -> bool:
    """Whether any run asked this persona (a persona a run used must not be deleted)."""
    return study.db.execute("SELECT 1 FROM run_personas WHERE persona_id = ? LIMIT 1", [persona_id]).fetchone() is not None


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
    return [ItemRow(*r) for r in rows]


def all_items(study: Study, run_id: int) -> list[ItemRow]:
    rows = study.db.execute(f"SELECT {_ITEM_COLUMNS} FROM run_items WHERE run_id = ? ORDER BY id", [run_id])
    return [ItemRow(*r) for r in rows]


def record_attempts(study: Study, run_id: int, attempts: list[Attempt]) -> None:
    """Store a batch of attempts and the state of their items in one transaction (which also
    renews the run's heartbeat)."""
    if not attempts:
        return
    at = now_iso()
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
    with study.transaction() as db:
        db.conn.executemany(
            "INSERT INTO run_responses (run_id, item_id, attempt, outcome, letter, position, choice, score, raw_text,"
            " reasoning, distribution_json, covered_mass, latency_s, prompt_tokens, completion_tokens, finish_reason,"
            " error, error_kind, endpoint, created_at, raw_dropped, reasoning_dropped)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            responses,
        )
        db.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [at, run_id])
        db.conn.executemany(
            "UPDATE run_items SET status = ?, attempts = ?, position = ?, choice = ?, score = ?, refusal = ?,"
            " distribution_json = ?, outcome = ? WHERE id = ?",
            updates,
        )


# --- progress ------------------------------------------------------------------------------------
@dataclass
class Progress:
    total: int
    done: int  # answered + invalid + too_long + server_error: asked to the end (for now)
    answered: int
    invalid: int  # the model answered, but not usably
    #: (model, persona kind) -> (done, total)
    by_group: dict[tuple[str, str], tuple[int, int]]
    #: outcome -> count over all attempts (valuegap_tui.outcomes.OUTCOMES)
    outcomes: dict[str, int]
    responses: int
    #: no answer came back (after every attempt); `run resume` asks these again
    server_error: int = 0
    #: the request did not fit the server's context; `run resume --retry-invalid` asks them again
    too_long: int = 0
    #: outcome -> finished items whose last attempt ended so (why the invalid ones are invalid)
    item_outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.total - self.done

    def invalid_line(self) -> str:
        """The invalid items by outcome, e.g. "conflict 21, no_letter 3" ("none" without any)."""
        found = [(name, self.item_outcomes.get(name, 0)) for name in INVALID_OUTCOMES]
        return ", ".join(f"{name} {n}" for name, n in found if n) or "none"


def progress(study: Study, run_id: int) -> Progress:
    rows = study.db.execute(
        "SELECT i.model, p.kind, i.status, COUNT(*) FROM run_items i"
        " JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id"
        " WHERE i.run_id = ? GROUP BY i.model, p.kind, i.status", [run_id]).fetchall()
    by_group: dict[tuple[str, str], list[int]] = {}
    totals = {"answered": 0, "invalid": 0, "server_error": 0, "pending": 0}
    for model, kind, status, n in rows:
        entry = by_group.setdefault((model, kind), [0, 0])
        entry[1] += n
        if status != "pending":
            entry[0] += n
        totals[status] = totals.get(status, 0) + n
    outcomes = dict(study.db.execute(
        "SELECT outcome, COUNT(*) FROM run_responses WHERE run_id = ? GROUP BY outcome", [run_id]).fetchall())
    if any(model.startswith("human:") for model, _kind in by_group):  # a person's items exist once answered:
        people = respondent_progress(study, run_id)  # their total is their questionnaire
        for (model, _kind), entry in by_group.items():
            if model in people:
                entry[1] = max(entry[1], people[model][1])
    item_outcomes = dict(study.db.execute(
        "SELECT coalesce(outcome, CASE status WHEN 'answered' THEN 'valid' WHEN 'server_error' THEN 'server_error'"
        " ELSE 'no_letter' END), COUNT(*) FROM run_items WHERE run_id = ? AND status != 'pending' GROUP BY 1",
        [run_id]).fetchall())
    too_long = item_outcomes.get("too_long", 0)
    total = sum(totals.values())
    return Progress(
        total=total, done=total - totals["pending"], answered=totals["answered"], invalid=totals["invalid"] - too_long,
        by_group={k: (v[0], v[1]) for k, v in by_group.items()}, outcomes=outcomes, responses=sum(outcomes.values()),
        server_error=totals["server_error"], too_long=too_long, item_outcomes=item_outcomes,
    )


@dataclass(frozen=True)
class Coverage:
    """How much of the first token's probability the letters A-F covered, over a run's logprob attempts."""

    answers: int
    mean: float
    median: float
    p10: float  # the 10th percentile: how bad the worst tenth is
    below_min: int  # attempts under the run's minimum (stored as low_coverage, not valid)
    min_coverage: float

    def line(self) -> str:
        share = self.below_min / self.answers if self.answers else 0.0
        return (f"logprob coverage (mass of the first token on A-F): median {self.median:.3f}, mean {self.mean:.3f},"
                f" 10th percentile {self.p10:.3f} over {self.answers} attempts; {self.below_min} ({share:.1%}) below"
                f" the run's minimum {self.min_coverage:g}, kept as low_coverage (no answer)")


def coverage_of(study: Study, run_id: int) -> Coverage | None:
    """The run's logprob coverage figures (None when no attempt recorded a covered mass)."""
    masses = np.asarray([r[0] for r in study.db.execute(
        "SELECT covered_mass FROM run_responses WHERE run_id = ? AND covered_mass IS NOT NULL", [run_id])],
        dtype=np.float64)
    run = get_run(study, run_id)
    if not len(masses) or run is None:
        return None
    minimum = run.definition.min_coverage
    return Coverage(len(masses), float(masses.mean()), float(np.median(masses)), float(np.quantile(masses, 0.1)),
                    int((masses < minimum).sum()), minimum)


def run_notes(study: Study, run_id: int) -> list[str]:
    """Lines a report prints about how a run went: server errors apart from answers, logprob coverage."""
    notes = []
    p = progress(study, run_id)
    if p.server_error or p.outcomes.get("server_error"):
        notes.append(f"Server errors: {p.server_error} of {p.total} items got no answer from the server (not counted"
                     f" as invalid answers; `valuegap run resume {run_id}` asks them again);"
                     f" {p.outcomes.get('server_error', 0)} failed attempts in all.")
    coverage = coverage_of(study, run_id)
    if coverage is not None:
        notes.append(coverage.line()[0].upper() + coverage.line()[1:] + ".")
    return notes


def done_counts(study: Study) -> dict[int, tuple[int, int]]:
    """run id -> (items asked to the end, items), for every run in one query (the run list's Done column)."""
    return {run_id: (done, total) for run_id, done, total in study.db.execute(
        "SELECT run_id, SUM(status != 'pending'), COUNT(*) FROM run_items GROUP BY run_id")}


def first_error(study: Study, run_id: int) -> str | None:
    """The first attempt's error text (a server error, or why an answer was unusable), in full."""
    row = study.db.execute("SELECT outcome, error FROM run_responses WHERE run_id = ? AND error IS NOT NULL"
                           " AND error != '' ORDER BY id LIMIT 1", [run_id]).fetchone()
    return None if row is None else f"{row[0]}: {row[1]}"


def finished_rate(study: Study, run_id: int) -> float:
    """Answers per second over a run's whole stored span: what a run that is not going any more shows."""
    row = study.db.execute("SELECT COUNT(*), (julianday(MAX(created_at)) - julianday(MIN(created_at))) * 86400"
                           " FROM run_responses WHERE run_id = ?", [run_id]).fetchone()
    count, span = row[0] or 0, row[1] or 0.0
    return count / span if span > 0 else float(count)


def latest_responses(study: Study, run_id: int, limit: int = 10) -> list[dict]:
    rows = study.db.execute(
        "SELECT r.id, i.model, i.persona_id, i.dilemma_id, i.question, i.repeat, r.outcome, r.letter, r.score,"
        " r.raw_text, r.error FROM run_responses r JOIN run_items i ON i.id = r.item_id"
        " WHERE r.run_id = ? ORDER BY r.id DESC LIMIT ?", [run_id, limit])
    keys = ("id", "model", "persona_id", "dilemma_id", "question", "repeat", "outcome", "letter", "score",
            "raw_text", "error")
    return [dict(zip(keys, r)) for r in rows]


def responses_of(study: Study, run_id: int) -> list[dict]:
    """Every attempt of a run (tests, exports)."""
    cursor = study.db.execute("SELECT * FROM run_responses WHERE run_id = ? ORDER BY id", [run_id])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r)) for r in cursor]


def response_rate(study: Study, run_id: int, seconds: float = 10.0) -> float:
    """Answers per second over the last ``seconds`` (by their stored time)."""
    row = study.db.execute(
        "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM (SELECT created_at FROM run_responses"
        " WHERE run_id = ? ORDER BY id DESC LIMIT 20000) WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%f',"
        " 'now', ?)", [run_id, f"-{seconds} seconds"]).fetchone()
    return (row[0] or 0) / seconds


# --- the metrics input ---------------------------------------------------------------------------
def _codes(keys: list, labels_of: dict) -> tuple[dict, tuple[str, ...]]:
    """key -> code into sorted labels (the order ``Codes.encode`` would give)."""
    labels = tuple(sorted(set(labels_of.values())))
    index = {label: i for i, label in enumerate(labels)}
    return {key: index[labels_of[key]] for key in keys}, labels


# Every item of a run comes back from SQLite as one decimal integer in a single comma-separated
# string per query (no per-row Python objects), which numpy parses in one call. The plan part
# (model, persona, dilemma, question, repeat) never changes after planning, so it is read once per
# run and kept; each load then reads only the outcome part, without joins, in rowid order.
_PLAN_PACK = ("i.question + 8 * i.repeat + 65536 * ({model}) + 16777216 * (p.rowid - ?)"
              " + 1099511627776 * (d.rowid - ?)")
_OUTCOME_CODE = ("(CASE outcome " + " ".join(f"WHEN '{name}' THEN {code}" for code, name in enumerate(OUTCOMES))
                 + " ELSE (CASE WHEN status = 'answered' THEN 0 WHEN status = 'server_error' THEN"
                 f" {OUTCOMES.index('server_error')} WHEN refusal THEN {OUTCOMES.index('refusal')}"
                 f" ELSE {OUTCOMES.index('no_letter')} END) END)")
_OUTCOME_PACK = ("(CASE status WHEN 'pending' THEN 0 WHEN 'answered' THEN 1 WHEN 'invalid' THEN 2 ELSE 3 END)"
                 " + 4 * coalesce(score + 3, 7) + 32 * (coalesce(position, -1) + 1)"
                 f" + 512 * (coalesce(choice, -1) + 1) + 8192 * {_OUTCOME_CODE}")
_PENDING, _SERVER_ERROR, _NO_SCORE = 0, 3, 7
_MAX_MODELS, _MAX_PERSONAS, _MAX_DILEMMAS, _MAX_REPEAT = 255, 65535, 1 << 22, 8191


@dataclass(frozen=True)
class _Plan:
    """A run's items in id order as codes, with the labels the codes index."""

    key: str | None  # the run's created_at: a study made again at the same path is read afresh
    first_id: int
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


def _read_plan(study: Study, run_id: int, key: str | None) -> _Plan:
    db = study.db
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
    text, max_repeat, first_id = db.execute(
        f"SELECT group_concat(packed, ','), max(repeat), min(id) FROM (SELECT {_PLAN_PACK.format(model=model_case)}"
        " AS packed, i.repeat, i.id FROM run_items i"
        " JOIN run_personas p ON p.run_id = i.run_id AND p.persona_id = i.persona_id"
        " JOIN run_dilemmas d ON d.run_id = i.run_id AND d.dilemma_id = i.dilemma_id"
        " WHERE i.run_id = ? ORDER BY i.id)",
        [*[v for index, name in enumerate(models) for v in (name, index)], p_base, d_base, run_id]).fetchone()
    if (max_repeat or 0) > _MAX_REPEAT:
        raise ValueError(f"run {run_id} has more than {_MAX_REPEAT} repeats")
    packed = _integers(text)
    model = ((packed >> 16) & 0xFF).astype(np.int32)
    if (model == _MAX_MODELS).any():
        raise ValueError(f"run {run_id} holds items of a model its definition does not name")
    persona, dilemma = (packed >> 24) & 0xFFFF, packed >> 40
    types_of = {v.id: v.type for v in catalogue().values}
    columns = {"model": model, "question": (packed & 7).astype(np.int8),
               "repeat": ((packed >> 3) & 0x1FFF).astype(np.int16)}
    labels = {"model": tuple(models)}
    for name, rows, base, span, at, offsets in (
        ("persona", personas, p_base, p_span, 1, persona), ("persona_kind", personas, p_base, p_span, 2, persona),
        ("dilemma", dilemmas, d_base, d_span, 1, dilemma), ("value", dilemmas, d_base, d_span, 2, dilemma),
        ("value_type", dilemmas, d_base, d_span, None, dilemma), ("topic", dilemmas, d_base, d_span, 3, dilemma),
    ):
        of = {r[0] - base: (types_of.get(r[2], "") if at is None else r[at]) for r in rows}
        code, labels[name] = _codes(list(of), of)
        columns[name] = _lookup(code, span)[offsets]
    return _Plan(key, first_id or 0, len(packed), columns, labels)


def _plan_of(study: Study, run_id: int, key: str | None) -> _Plan:
    plan = _read_plan(study, run_id, key)
    _PLANS.pop((str(study.path), run_id), None)
    if len(_PLANS) >= 4:  # a few runs' plans at most (154,000 items take about 4 MB)
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[(str(study.path), run_id)] = plan
    return plan


def _distribution_width(study: Study, run_id: int) -> int:
    """Six for the poster's design; otherwise the most options any question of the design shows."""
    (design,) = study.db.execute("SELECT design FROM runs WHERE id = ?", [run_id]).fetchone() or ("graded_actions",)
    if design == "graded_actions":
        return 6
    from valuegap_tui.designs.base import MAX_OPTIONS

    return MAX_OPTIONS


def load_answer_frame(study: Study, run_id: int) -> AnswerFrame:
    """Finished items (answered, invalid or server error) as column arrays, in plan order.

    The run's plan is read once per process and kept (it never changes); each load reads the
    items' outcomes as one string of integers. 154,000 answers load in a few tens of milliseconds.
    """
    db = study.db
    created = db.execute("SELECT created_at FROM runs WHERE id = ?", [run_id]).fetchone()
    key = created[0] if created else None
    plan = _PLANS.get((str(study.path), run_id))
    first_id = plan.first_id if plan is not None and plan.key == key else 0
    # NOT INDEXED: a rowid scan from the run's first item gives its items in id order (the plan's
    # order) without a sort; the count tells whether the kept plan still covers every item.
    in_order = "FROM (SELECT {} FROM run_items NOT INDEXED WHERE id >= ? AND run_id = ? ORDER BY id)"
    outcomes, count, with_distribution = db.execute(
        "SELECT group_concat(packed, ','), count(*), sum(dist) "
        + in_order.format(f"{_OUTCOME_PACK} AS packed, distribution_json IS NOT NULL AS dist"),
        [first_id, run_id]).fetchone()
    if plan is None or plan.key != key or plan.count != count:
        plan = _plan_of(study, run_id, key)
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
            if values[index]:
                distribution[row, : len(values[index])] = values[index]
        # the letter shares of answer distributions need the option order each was asked with
        (orders,) = db.execute("SELECT group_concat(permutation, ',') " + in_order.format("permutation"),
                               bounds).fetchone()
        permutation = np.full((len(packed), width), -1, dtype=np.int8)
        # items stored since the outcomes were read come last: the first len(finished) are the ones read
        for row, order in enumerate(np.asarray(orders.split(",")[: len(finished)], dtype=object)[finished]):
            digits = np.frombuffer(order.encode(), dtype=np.uint8)[:width].astype(np.int8) - 48
            permutation[row, : len(digits)] = digits
    from valuegap_tui.metrics.frame import AnswerFrame, Codes

    c = {name: column[:count] for name, column in plan.columns.items()}
    labels = plan.labels
    return AnswerFrame(
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
    )


def item_statuses(study: Study, run_id: int) -> dict[int, str]:
    return dict(study.db.execute("SELECT id, status FROM run_items WHERE run_id = ?", [run_id]).fetchall())


_COUNTS = ", ".join(f"SUM(question = {q} AND choice = {c}) AS {'va'[q]}{c}" for q in (0, 1) for c in range(6))
#: the same sums with each logprob answer counted as its distribution over the options (one-hot without one)
_MASSES = ", ".join(f"SUM(CASE WHEN question = {q} THEN coalesce(json_extract(distribution_json, '$[{c}]'),"
                    f" choice = {c}) ELSE 0 END) AS {'va'[q]}{c}" for q in (0, 1) for c in range(6))
#: sum over all (value, action) answer pairs of |point_v - point_a|, from the per-option counts
_PAIR_DISTANCE = " + ".join(f"v{i} * a{j} * {abs(i - j)}" for i in range(6) for j in range(6) if i != j)


def paired_gap_by_kind(study: Study, run_id: int, distributions: bool = False) -> list[tuple]:
    """Per (model, persona kind): (model, kind, personas, items, AR, AD, baseline AR, baseline AD),
    computed in SQLite (which runs without holding Python's GIL, so the Run screen stays responsive while
    a large run is refreshed).

    Same definitions as the metrics package (docs/metrics.md): an item is a (model, persona, dilemma)
    cell of the default ``pairs`` estimand (over every pair of its valid value and action answers, AR =
    P(same side), AD = E|v - a| / 5; choice c is point 6 - c, choices 0-2 agree, 3-5 oppose). A persona's
    level and its baseline's level are means over the dilemmas both answered (every dilemma for the
    baseline itself, and for a model whose baseline has not answered yet); a kind is the mean over its
    personas. Each cell finds its baseline through a window over (model, dilemma), not a join.
    ``distributions``: a logprob answer counts as its distribution over the options, as the metrics count
    it by default (the sums of the pair formulas are bilinear, so the same formulas hold)."""
    return study.db.execute(
        f"WITH counts AS (SELECT model, persona_id, dilemma_id, {_MASSES if distributions else _COUNTS} FROM run_items"
        "  WHERE run_id = ? AND status = 'answered' AND choice >= 0 GROUP BY model, persona_id, dilemma_id),"
        " sides AS (SELECT model, persona_id, dilemma_id, v0 + v1 + v2 AS v_agree, v3 + v4 + v5 AS v_oppose,"
        "  a0 + a1 + a2 AS a_agree, a3 + a4 + a5 AS a_oppose,"
        f"  ({_PAIR_DISTANCE}) * 1.0 AS distance_sum FROM counts),"
        " cell AS (SELECT model, persona_id, dilemma_id, persona_id = 'baseline' AS is_base,"
        "  (v_agree * a_agree + v_oppose * a_oppose) * 1.0 / ((v_agree + v_oppose) * (a_agree + a_oppose)) AS ar,"
        "  distance_sum / ((v_agree + v_oppose) * (a_agree + a_oppose)) / 5.0 AS ad"
        "  FROM sides WHERE v_agree + v_oppose > 0 AND a_agree + a_oppose > 0),"
        " with_base AS (SELECT *, MAX(CASE WHEN is_base THEN ar END) OVER dilemma AS base_ar,"
        "  MAX(CASE WHEN is_base THEN ad END) OVER dilemma AS base_ad, MAX(is_base) OVER dilemma AS paired,"
        "  MAX(is_base) OVER (PARTITION BY model) AS model_has_base FROM cell"
        "  WINDOW dilemma AS (PARTITION BY model, dilemma_id)),"
        " persona AS (SELECT model, persona_id, COUNT(*) AS items, AVG(ar) AS ar, AVG(ad) AS ad,"
        "  AVG(base_ar) AS base_ar, AVG(base_ad) AS base_ad FROM with_base"
        "  WHERE paired OR NOT model_has_base GROUP BY model, persona_id)"
        " SELECT persona.model, p.kind, COUNT(*), SUM(items), AVG(ar), AVG(ad), AVG(base_ar), AVG(base_ad)"
        " FROM persona JOIN run_personas p ON p.run_id = ? AND p.persona_id = persona.persona_id"
        " GROUP BY persona.model, p.kind", [run_id, run_id]).fetchall()
