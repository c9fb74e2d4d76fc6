"""What one person is asked, and in which order.

A respondent answers the questions of a run's plan under one persona condition (the baseline: no
persona, by default), with the run's own option orders: round r shows each question's options in
the order of the run's Latin-square row r, exactly as a model's repeat r saw them.

The order of questions is shuffled per respondent, and spaced so that a dilemma's value question
and its action question are never close: the dilemmas are shuffled into a cycle of n, and slot 2k
asks the value question of dilemma k while slot 2k+1 asks the action question of dilemma
k - n//2 (mod n). Value and action questions alternate, and the two questions of one dilemma are
at least n - 1 slots apart (n dilemmas, 2n questions a round).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import asdict, dataclass

from valuegap_tui.plan.items import LETTERS, permutations_for
from valuegap_tui.evaluate.questions import option_texts, user_message
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study

HUMAN_PREFIX = "human:"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
CONSENT_FILE = PROMPTS_DIR / "respond_consent.md"


class RespondError(ValueError):
    """A respondent, pack or answer file that cannot be used, said in one line with what to do."""


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise RespondError(f"respondent name {name!r}: use 1-40 letters, digits, '.', '_' or '-' (say alice or p01)")
    return name


def respondent_model(name: str) -> str:
    """The ``model`` value a respondent's answers are stored under, beside the models'."""
    return HUMAN_PREFIX + check_name(name)


def is_respondent(model: str) -> bool:
    return model.startswith(HUMAN_PREFIX)


def consent_text() -> str:
    return CONSENT_FILE.read_text(encoding="utf-8")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Question:
    dilemma_id: str
    question: int  # 0 value, 1 action
    repeat: int
    permutation: str
    #: the text a model gets as its user message, word for word
    text: str
    #: the six options in the order shown (letter A first)
    options: tuple[str, ...]
    #: the persona's system text, shown above the question (None: the person answers as themselves)
    persona_text: str | None = None

    @property
    def key(self) -> str:
        return f"{self.dilemma_id}/{self.question}/{self.repeat}"

    def split_text(self) -> tuple[str, str]:
        """The text before and after the option lines (to show the options as a selectable list)."""
        block = "\n".join(f"{LETTERS[p]}. {o}" for p, o in enumerate(self.options))
        head, found, tail = self.text.partition(block)
        return (head.rstrip(), tail.strip()) if found else (self.text, "")

    def to_record(self) -> dict:
        record = asdict(self)
        record["options"] = list(self.options)
        return record

    @classmethod
    def from_record(cls, record: dict) -> "Question":
        return cls(str(record["dilemma_id"]), int(record["question"]), int(record["repeat"]),
                   str(record["permutation"]), str(record["text"]), tuple(str(o) for o in record["options"]),
                   record.get("persona_text"))


def spaced_order(dilemma_ids: list[str], seed: str) -> list[tuple[str, int]]:
    """(dilemma id, question) for one round: shuffled, value and action alternating, a dilemma's two
    questions at least n - 1 slots apart (see the module's docstring)."""
    cycle = sorted(dilemma_ids)
    random.Random(seed).shuffle(cycle)
    n, half = len(cycle), len(cycle) // 2
    order = []
    for k in range(n):
        order.append((cycle[k], 0))
        order.append((cycle[(k - half) % n], 1))
    return order


def build_questions(study: Study, run_id: int, name: str, persona_id: str = BASELINE_ID,
                    repeats: int = 1) -> list[Question]:
    """Every question the respondent is asked, in the order they are asked."""
    check_name(name)
    run = run_store.get_run(study, run_id)
    if run is None:
        raise RespondError(f"no run {run_id} in {study.path} (see `valuegap run list`)")
    personas = run_store.personas_of(study, run_id)
    if persona_id not in personas:
        raise RespondError(f"run {run_id} has no persona {persona_id!r}; it asks: {', '.join(personas)}")
    if not 1 <= repeats <= run.definition.repeats:
        raise RespondError(f"repeats {repeats}: run {run_id} has {run.definition.repeats} repeats; ask 1 to that many")
    dilemmas = run_store.dilemmas_of(study, run_id)
    seed = run.definition.seed
    orders = {(d, q): permutations_for(seed, d, q, repeats) for d in dilemmas for q in (0, 1)}
    persona_text = personas[persona_id].system_text
    questions = []
    for repeat in range(repeats):
        for dilemma_id, question in spaced_order(list(dilemmas), f"{seed}\x00{name}\x00{repeat}"):
            dilemma, permutation = dilemmas[dilemma_id], orders[(dilemma_id, question)][repeat]
            texts = option_texts(dilemma, question)
            questions.append(Question(
                dilemma_id, question, repeat, permutation, user_message(dilemma, question, permutation, texts),
                tuple(texts[int(o)] for o in permutation), persona_text))
    return questions
