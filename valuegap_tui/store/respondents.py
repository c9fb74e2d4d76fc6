"""Respondents of a run and their answers, stored as ordinary run items of model ``human:<name>``.

An answer is written as a finished item and its one attempt in one transaction; the items table's
``UNIQUE (run_id, model, persona_id, dilemma_id, question, repeat)`` makes a second answer to the
same question impossible, so resuming, or importing the same answer file twice, stores nothing twice.
Each answer also keeps how it was asked (``respondent_answers``: the scale order, its place in the
questionnaire, where it was given). The run's plan for people (``run_respond_plans``) is set with the
first person registered; each person gets the next share slot of their condition.
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
    #: the person's place in the run's plan (None: registered before shares; answers every dilemma)
    share_slot: int | None = None

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
    #: the question's place (0, 1, ...) in the person's questionnaire
    place: int | None = None


@dataclass(frozen=True)
class StoredPlan:
    """A run's plan for people (respond/share.py): dilemmas per person (None: all), overlap, scale order."""

    dilemmas_each: int | None
    overlap: int
    scale_order: str


class PlanConflict(ValueError):
    """The run already has another plan for people."""

    def __init__(self, stored: StoredPlan):
        super().__init__("the run has another plan for people")
        self.stored = stored


_COLUMNS = ("run_id, name, persona_id, repeats, time_limit_s, pack_hash, created_at, consented_at, consent_hash,"
            " share_slot")
CONSENT_KEY = "respond.consent"


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


def get_plan(study: Study, run_id: int) -> StoredPlan | None:
    row = study.db.execute("SELECT dilemmas_each, overlap, scale_order FROM run_respond_plans WHERE run_id = ?",
                           [run_id]).fetchone()
    return StoredPlan(*row) if row else None


def register(study: Study, run_id: int, name: str, persona_id: str, repeats: int,
             time_limit_s: float | None = None, plan: StoredPlan | None = None) -> Respondent:
    """Add the respondent, or return the one already there (whose settings then must match)."""
    return register_many(study, run_id, [name], persona_id, repeats, time_limit_s, plan)[0]


def register_many(study: Study, run_id: int, names: list[str], persona_id: str, repeats: int,
                  time_limit_s: float | None = None, plan: StoredPlan | None = None) -> list[Respondent]:
    """Add every respondent not there yet, each with the next share slot of the condition, all in one
    transaction. The run's plan is stored if it has none; ``plan`` differing from the stored one raises
    PlanConflict and adds no one."""
    plan = plan or StoredPlan(None, 1, "shuffled")
    with study.transaction() as db:
        stored = get_plan(study, run_id)
        if stored is None:
            db.execute("INSERT INTO run_respond_plans (run_id, dilemmas_each, overlap, scale_order, created_at)"
                       " VALUES (?, ?, ?, ?, ?)", [run_id, plan.dilemmas_each, plan.overlap, plan.scale_order,
                                                  now_iso()])
        elif stored != plan:
            raise PlanConflict(stored)
        for name in names:
            (slot,) = db.execute("SELECT COALESCE(MAX(share_slot) + 1, 0) FROM run_respondents"
                                 " WHERE run_id = ? AND persona_id = ?", [run_id, persona_id]).fetchone()
            db.execute("INSERT OR IGNORE INTO run_respondents (run_id, name, persona_id, repeats, time_limit_s,"
                       " created_at, share_slot) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [run_id, name, persona_id, repeats, time_limit_s, now_iso(), slot])
    return [get(study, run_id, name) for name in names]


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


def store_answers(study: Study, respondent: Respondent, answers: list[GivenAnswer], *, scores: Sequence[int],
                  scale_order: str = "shuffled", channel: str = "terminal") -> int:
    """Store answers not stored yet, all in one transaction; returns how many were new. ``scores``: each
    option's score, by its index in the canonical order (what the questions' permutations index). Each
    answer keeps the scale order it was asked under and the channel it came by (terminal, browser, file).

    An answer already stored with the same letter is skipped; one stored with another letter is a
    conflict, and nothing at all is written (ValueError)."""
    model = respondent.model
    new = 0
    with study.transaction() as db:
        for a in answers:
            existing = db.execute(
                "SELECT position FROM run_items WHERE run_id = ? AND model = ? AND persona_id = ? AND dilemma_id = ?"
                " AND question = ? AND repeat = ? AND protocol = 'standard'",
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
            db.execute("INSERT INTO respondent_answers (item_id, run_id, scale_order, place, channel)"
                       " VALUES (?, ?, ?, ?, ?)", [cursor.lastrowid, respondent.run_id, scale_order, a.place, channel])
            new += 1
    return new


def _letter(position: int | None) -> str:
    return LETTERS[position] if position is not None else "(no answer in time)"


def share_size(plan: StoredPlan | None, respondent: Respondent, dilemmas: int) -> int:
    """How many of the run's ``dilemmas`` the respondent answers."""
    if plan is None or plan.dilemmas_each is None or respondent.share_slot is None:
        return dilemmas
    return min(plan.dilemmas_each, dilemmas)


def progress(study: Study, run_id: int) -> dict[str, tuple[int, int]]:
    """``human:<name>`` -> (questions answered or timed out, questions in their questionnaire) for every
    respondent of the run: both questions of each dilemma of their share, once per round (docs/respond.md)."""
    (dilemmas,) = study.db.execute("SELECT COUNT(*) FROM run_dilemmas WHERE run_id = ?", [run_id]).fetchone()
    # from the item counts the writes keep (store/schema/v025_run_counts.py), not a pass over the items
    asked = dict(study.db.execute("SELECT model, SUM(n) FROM run_item_counts WHERE run_id = ? AND model LIKE 'human:%'"
                                  " AND status != 'pending' GROUP BY model HAVING SUM(n) > 0", [run_id]).fetchall())
    plan = get_plan(study, run_id)
    return {r.model: (asked.get(r.model, 0), share_size(plan, r, dilemmas) * 2 * r.repeats)
            for r in list_for_run(study, run_id)}


def paired_people(study: Study, run_id: int, persona_id: str) -> dict[str, int]:
    """Dilemma -> how many people have a valid answer to both of its questions under the condition."""
    rows = study.db.execute(
        "SELECT dilemma_id, COUNT(*) FROM (SELECT dilemma_id, model FROM run_items WHERE run_id = ?"
        " AND persona_id = ? AND model LIKE 'human:%' AND status = 'answered' GROUP BY dilemma_id, model"
        " HAVING COUNT(DISTINCT question) = 2) GROUP BY dilemma_id", [run_id, persona_id])
    return dict(rows.fetchall())


def scale_orders(study: Study, run_id: int) -> dict[str, str]:
    """``human:<name>`` -> the scale order the respondent's answers were asked under (the run's plan's for
    those without answers yet; ``mixed`` should the answers disagree)."""
    plan = get_plan(study, run_id)
    found: dict[str, set[str]] = {}
    for model, order in study.db.execute(
            "SELECT DISTINCT i.model, a.scale_order FROM respondent_answers a JOIN run_items i ON i.id = a.item_id"
            " WHERE a.run_id = ?", [run_id]):
        found.setdefault(model, set()).add(order)
    default = plan.scale_order if plan else "shuffled"
    return {r.model: (found[r.model].pop() if len(found.get(r.model, ())) == 1 else
                      "mixed" if found.get(r.model) else default) for r in list_for_run(study, run_id)}


def stored_consent(study: Study) -> str | None:
    """The consent text set for the study (``valuegap respond consent``), None if none is set."""
    return study.get_meta(CONSENT_KEY)


def set_consent(study: Study, text: str | None) -> None:
    """Set the study's consent text; None goes back to the one shipped with valuegap."""
    if text is not None:
        study.set_meta(CONSENT_KEY, text)
        return
    with study.transaction() as db:
        db.execute("DELETE FROM study_meta WHERE key = ?", [CONSENT_KEY])
