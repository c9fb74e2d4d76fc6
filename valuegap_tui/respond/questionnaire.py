"""What one person is asked, and in which order.

A respondent answers the questions of a run's plan under one persona condition (the baseline: no
persona, by default), for the dilemmas of their share (respond/share.py), in the words of
``prompts/respond_*.txt``: the scenario and the question a model gets, without the instruction to
answer with a letter (the app and the page say how to answer). The options are the run's: round r of
the action question shows them in the order of the run's Latin-square row r, exactly as a model's
repeat r saw them; the agreement scale too with the plan's ``shuffled`` scale order, or in its own
order (Strongly agree first) with ``fixed``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from string import Template

from valuegap_tui.designs import get_design
from valuegap_tui.plan.items import LETTERS, N_OPTIONS, permutations_for
from valuegap_tui.evaluate.questions import option_texts
from valuegap_tui.paths import PROMPTS_DIR
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.respond.share import SCALE_ORDERS, SharePlan, cycle, paired_order, people_needed, share_of
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study

HUMAN_PREFIX = "human:"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
CONSENT_FILE = PROMPTS_DIR / "respond_consent.md"
#: the canonical option order: the agreement scale from Strongly agree to Strongly disagree
FIXED_ORDER = "".join(str(i) for i in range(N_OPTIONS))
#: the question words people see, per question of the poster's design (value, action)
PEOPLE_TEMPLATES = ("respond_value_question", "respond_action_question")
#: what people are told on every question, in the terminal and in the browser alike
HOW_TO_ANSWER = "Choose the option that fits you best, then give your answer. It cannot be changed afterwards."


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


def default_consent() -> str:
    return CONSENT_FILE.read_text(encoding="utf-8")


def consent_text(study: Study | None = None) -> str:
    """The study's consent text (``valuegap respond consent FILE`` sets it), else the one shipped."""
    stored = respondent_store.stored_consent(study) if study is not None else None
    return stored if stored is not None else default_consent()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Question:
    dilemma_id: str
    question: int  # 0 value, 1 action
    repeat: int
    permutation: str
    #: the question as people read it: the scenario and the question, without the options
    text: str
    #: the six options in the order shown (letter A first)
    options: tuple[str, ...]
    #: the persona's system text, shown above the question (None: the person answers as themselves)
    persona_text: str | None = None

    @property
    def key(self) -> str:
        return f"{self.dilemma_id}/{self.question}/{self.repeat}"

    def split_text(self) -> tuple[str, str]:
        """The text before and after the option lines. A questionnaire written before people had
        their own words holds the model's text, options and letter instruction included: the options
        come out (they are shown as a list) and so does the instruction."""
        block = "\n".join(f"{LETTERS[p]}. {o}" for p, o in enumerate(self.options))
        head, found, tail = self.text.partition(block)
        if not found:
            return self.text, ""
        tail = tail.strip()
        return head.rstrip(), "" if "letter" in tail.lower() else tail

    def to_record(self) -> dict:
        record = asdict(self)
        record["options"] = list(self.options)
        return record

    @classmethod
    def from_record(cls, record: dict) -> "Question":
        return cls(str(record["dilemma_id"]), int(record["question"]), int(record["repeat"]),
                   str(record["permutation"]), str(record["text"]), tuple(str(o) for o in record["options"]),
                   record.get("persona_text"))


def people_text(dilemma, question: int, design) -> str:
    template = (PROMPTS_DIR / f"{PEOPLE_TEMPLATES[question]}.txt").read_text(encoding="utf-8")
    return Template(template).substitute(**design.template_fields(dilemma, question)).strip()


def resolve_plan(study: Study, run_id: int, *, questions: int | None = None, overlap: int | None = None,
                 scale_order: str | None = None) -> SharePlan:
    """The run's plan for people: the one stored, else one from the options given (defaults: every
    question, overlap 1, the scale shuffled). An option that differs from the stored plan is refused."""
    run = run_store.get_run(study, run_id)
    if run is None:
        raise RespondError(f"no run {run_id} in {study.path} (see `valuegap run list`)")
    design = get_design(run.design)
    if not design.core_metrics:  # people are asked the value and the action question on the common scale
        raise RespondError(f"run {run_id} asks the {design.title} design ({run.design}); people answer runs of a"
                           " design with a value and an action question on the common scale (the poster's)")
    total = len(run_store.dilemmas_of(study, run_id))
    if questions is not None and (questions < 2 or questions % 2 or questions > 2 * total):
        raise RespondError(f"--questions {questions}: give an even number from 2 to {2 * total} (run {run_id} has"
                           f" {total} dilemmas, two questions each)")
    if scale_order is not None and scale_order not in SCALE_ORDERS:
        raise RespondError(f"--scale-order {scale_order}: give {' or '.join(SCALE_ORDERS)}")
    if overlap is not None and overlap < 1:
        raise RespondError(f"--overlap {overlap}: give 1 or more people per dilemma")
    stored = respondent_store.get_plan(study, run_id)
    if stored is None:
        return SharePlan(None if questions is None or questions == 2 * total else questions // 2,
                         overlap or 1, scale_order or "shuffled")
    plan = SharePlan(stored.dilemmas_each, stored.overlap, stored.scale_order)
    asked = {"--questions": (questions, 2 * plan.share_size(total)), "--overlap": (overlap, plan.overlap),
             "--scale-order": (scale_order, plan.scale_order)}
    differ = [f"{flag} {given}" for flag, (given, have) in asked.items() if given is not None and given != have]
    if differ:
        raise RespondError(f"run {run_id}'s people already answer with {plan.describe(total)}; {', '.join(differ)}"
                           " differs: leave it out, or make a new run for another plan")
    return plan


def stored_plan(plan: SharePlan) -> respondent_store.StoredPlan:
    return respondent_store.StoredPlan(plan.dilemmas_each, plan.overlap, plan.scale_order)


def plan_conflict_message(run_id: int, error: respondent_store.PlanConflict) -> str:
    stored = error.stored
    each = "every question" if stored.dilemmas_each is None else f"{2 * stored.dilemmas_each} questions"
    return (f"run {run_id}'s plan for people was set meanwhile ({each} each, overlap {stored.overlap}, scale"
            f" {stored.scale_order}): run the command again without --questions, --overlap and --scale-order")


def check_respondent(study: Study, run_id: int, name: str, persona_id: str, repeats: int) -> None:
    """Refuse, in one line, a respondent who cannot answer the run as asked (nothing is stored)."""
    check_name(name)
    run = run_store.get_run(study, run_id)
    if run is None:
        raise RespondError(f"no run {run_id} in {study.path} (see `valuegap run list`)")
    personas = run_store.personas_of(study, run_id)
    if persona_id not in personas:
        raise RespondError(f"run {run_id} has no persona {persona_id!r}; it asks: {', '.join(personas)}")
    if not 1 <= repeats <= run.definition.repeats:
        raise RespondError(f"repeats {repeats}: run {run_id} has {run.definition.repeats} repeats; ask 1 to that many")
    known = respondent_store.get(study, run_id, name)
    if known is not None and (known.persona_id, known.repeats) != (persona_id, repeats):
        raise RespondError(f"{name} already answers run {run_id} as persona {known.persona_id!r} with"
                           f" {known.repeats} round(s): use those, or another name")


def build_questions(study: Study, run_id: int, name: str, persona_id: str = BASELINE_ID, repeats: int = 1,
                    *, slot: int | None = None, plan: SharePlan | None = None) -> list[Question]:
    """Every question the respondent is asked, in the order they are asked: the dilemmas of share
    ``slot`` of ``plan`` (every dilemma without a slot), round after round."""
    check_respondent(study, run_id, name, persona_id, repeats)
    plan = plan or resolve_plan(study, run_id)
    run = run_store.get_run(study, run_id)
    design = get_design(run.design)
    personas = run_store.personas_of(study, run_id)
    dilemmas = run_store.dilemmas_of(study, run_id)
    seed = run.definition.seed
    ring = cycle(list(dilemmas), seed)
    share = ring if slot is None else share_of(ring, slot, plan.share_size(len(ring)), plan.overlap)
    persona_text = personas[persona_id].system_text
    texts = {(d, q): (option_texts(dilemmas[d], q, design), people_text(dilemmas[d], q, design))
             for d in share for q in (0, 1)}
    questions = []
    for repeat in range(repeats):
        for dilemma_id, question in paired_order(share, f"{seed}\x00{name}\x00{repeat}"):
            if question == 0 and plan.scale_order == "fixed":
                permutation = FIXED_ORDER
            else:
                permutation = permutations_for(seed, dilemma_id, question, repeats)[repeat]
            options, text = texts[(dilemma_id, question)]
            questions.append(Question(dilemma_id, question, repeat, permutation, text,
                                      tuple(options[int(o)] for o in permutation), persona_text))
    return questions


def plan_note(study: Study, run_id: int, plan: SharePlan, persona_id: str) -> str:
    """One line on the plan and how far registration has got under the condition."""
    total = len(run_store.dilemmas_of(study, run_id))
    k = plan.share_size(total)
    slots = sum(1 for r in respondent_store.list_for_run(study, run_id)
                if r.persona_id == persona_id and r.share_slot is not None)
    needed = people_needed(total, k, plan.overlap)
    return (f"plan: {plan.describe(total)}; {slots} of the {needed} registered under {persona_id}"
            + ("" if slots >= needed else f" (register {needed - slots} more for the overlap)"))
