"""Respondents of a run and their answers, stored as ordinary run items of model ``human:<name>``.

An answer is written as a finished item and its one attempt in one transaction; the items table's
``UNIQUE (run_id, model, persona_id, dilemma_id, question, repeat)`` makes a second answer to the
same question impossible, so resuming, or importing the same answer file twice, stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from valuegap_tui.designs.base import LETTERS
from valuegap_tui.store.db import Study, now_iso

#: the outcome and error stored when a time limit ran out before an answer
TIMED_OUT_ERROR = "no answer within the time limit"


@dataclass(frozen=True)
class Respondent:
    run_id: int
    name: str
    persona_id: str
    repeats: int
    time_limit_s: float | None
    pack_hash: str | None
    created_at: str
    consented_at: str | None
    consent_hash: str | None

    @property
    def model(self) -> str:
        return f"human:{self.name}"


@dataclass(frozen=True)
class GivenAnswer:
    """One answer: the letter position chosen (None: the time ran out) and how long it took."""

    dilemma_id: str
    question: int
    repeat: int
    permutation: str
    position: int | None
    seconds: float | None = None
    at: str | None = None


_COLUMNS = "run_id, name, persona_id, repeats, time_limit_s, pack_hash, created_at, consented_at, consent_hash"


def get(study: Study, run_id: int, name: str) -> Respondent | None:
    row = study.db.execute(f"SELECT {_COLUMNS} FROM run_respondents WHERE run_id = ? AND name = ?",
                           [run_id, name]).fetchone()
    return Respondent(*row) if row else None


def list_for_run(study: Study, run_id: int) -> list[Respondent]:
    rows = study.db.execute(f"SELECT {_COLUMNS} FROM run_respondents WHERE run_id = ? ORDER BY name", [run_id])
    return [Respondent(*r) for r in rows]


def respondent_models(study: Study, run_id: int) -> list[str]:
    return [f"human:{r[0]}" for r in study.db.execute(
        "SELECT name FROM run_respondents WHERE run_id = ? ORDER BY name", [run_id])]


def register(study: Study, run_id: int, name: str, persona_id: str, repeats: int,
             time_limit_s: float | None = None) -> Respondent:
    """Add the respondent, or return the one already there (whose settings then must match)."""
    with study.transaction() as db:
        db.execute("INSERT OR IGNORE INTO run_respondents (run_id, name, persona_id, repeats, time_limit_s,"
                   " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [run_id, name, persona_id, repeats, time_limit_s, now_iso()])
    return get(study, run_id, name)


def set_pack_hash(study: Study, run_id: int, name: str, pack_hash: str) -> None:
    with study.transaction() as db:
        db.execute("UPDATE run_respondents SET pack_hash = ? WHERE run_id = ? AND name = ?",
                   [pack_hash, run_id, name])


def record_consent(study: Study, run_id: int, name: str, consent_hash: str, at: str | None = None) -> None:
    with study.transaction() as db:
        db.execute("UPDATE run_respondents SET consented_at = COALESCE(consented_at, ?),"
                   " consent_hash = COALESCE(consent_hash, ?) WHERE run_id = ? AND name = ?",
                   [at or now_iso(), consent_hash, run_id, name])


def answered(study: Study, run_id: int, name: str) -> dict[tuple[str, int, int], int | None]:
    """(dilemma, question, repeat) -> the letter position answered (None: timed out)."""
    rows = study.db.execute("SELECT dilemma_id, question, repeat, position FROM run_items"
                            " WHERE run_id = ? AND model = ? AND status != 'pending'", [run_id, f"human:{name}"])
    return {(d, q, r): p for d, q, r, p in rows}


def store_answers(study: Study, respondent: Respondent, answers: list[GivenAnswer], *, scores: Sequence[int]) -> int:
    """Store answers not stored yet, all in one transaction; returns how many were new. ``scores``: each
    option's score, by its index in the canonical order (what the questions' permutations index).

    An answer already stored with the same letter is skipped; one stored with another letter is a
    conflict, and nothing at all is written (ValueError)."""
    model = respondent.model
    new = 0
    with study.transaction() as db:
        for a in answers:
            existing = db.execute(
                "SELECT position FROM run_items WHERE run_id = ? AND model = ? AND persona_id = ? AND dilemma_id = ?"
                " AND question = ? AND repeat = ?",
                [respondent.run_id, model, respondent.persona_id, a.dilemma_id, a.question, a.repeat]).fetchone()
            if existing is not None:
                if existing[0] != a.position:
                    raise ValueError(f"{a.dilemma_id} question {a.question} round {a.repeat + 1} is already answered"
                                     f" {_letter(existing[0])} in the study, not {_letter(a.position)}")
                continue
            choice = int(a.permutation[a.position]) if a.position is not None else None
            status = "answered" if choice is not None else "invalid"
            cursor = db.execute(
                "INSERT INTO run_items (run_id, model, persona_id, dilemma_id, question, repeat, permutation, status,"
                " attempts, position, choice, score, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                [respondent.run_id, model, respondent.persona_id, a.dilemma_id, a.question, a.repeat, a.permutation,
                 status, a.position, choice, scores[choice] if choice is not None else None,
                 "valid" if choice is not None else "no_letter"])
            db.execute(
                "INSERT INTO run_responses (run_id, item_id, attempt, outcome, letter, position, choice, score,"
                " raw_text, latency_s, error, endpoint, created_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [respondent.run_id, cursor.lastrowid, "valid" if choice is not None else "no_letter",
                 _letter(a.position) if choice is not None else None, a.position, choice,
                 scores[choice] if choice is not None else None, _letter(a.position) if choice is not None else None,
                 a.seconds, None if choice is not None else TIMED_OUT_ERROR, "person", a.at or now_iso()])
            new += 1
    return new


def _letter(position: int | None) -> str:
    return LETTERS[position] if position is not None else "(no answer in time)"


def progress(study: Study, run_id: int) -> dict[str, tuple[int, int]]:
    """``human:<name>`` -> (questions answered or timed out, questions in their questionnaire) for every
    respondent of the run: each dilemma of the run, both questions, once per round (docs/respond.md)."""
    (dilemmas,) = study.db.execute("SELECT COUNT(*) FROM run_dilemmas WHERE run_id = ?", [run_id]).fetchone()
    asked = dict(study.db.execute("SELECT model, COUNT(*) FROM run_items WHERE run_id = ? AND model LIKE 'human:%'"
                                  " AND status != 'pending' GROUP BY model", [run_id]).fetchall())
    return {r.model: (asked.get(r.model, 0), dilemmas * 2 * r.repeats) for r in list_for_run(study, run_id)}
