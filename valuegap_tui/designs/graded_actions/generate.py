"""Generate dilemmas with a language model: plan what is missing, ask concurrently, validate, retry
with the problem fed back, and store every valid dilemma the moment it arrives.

Each (value, topic, variant) is written in one transaction together with its attempt row, so a
killed run loses nothing already answered and a rerun asks only for what is still missing.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.dataset.quality import label_leaks
from valuegap_tui.designs.graded_actions.models import (
    Dilemma,
    DilemmaStatus,
    GeneratedDilemma,
    Provenance,
    dilemma_id,
)
from valuegap_tui.generate.base import (
    GenerationScope,
    InvalidReply,
    Progress,
    ProgressCallback,
    Settings,
    ask,
    feedback_messages,
    reply_json,
    reply_problem,
    run_jobs,
    stderr_reporter,
)
from valuegap_tui.prompts import PromptTemplate, combined_hash, load_template
from valuegap_tui.server.replies import cap_text
from valuegap_tui.server.types import ChatClient, ChatRequest
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.store.db import Study
from valuegap_tui.validation import format_validation_error

__all__ = ["GenerationScope", "InvalidReply", "Job", "PosterGenerator", "Progress", "Scope", "Settings", "generate",
           "jobs_for_ids", "messages_for", "plan", "stderr_reporter", "validate_reply"]

SYSTEM_TEMPLATE = "generate_dilemma.system.txt"
USER_TEMPLATE = "generate_dilemma.user.txt"
#: the name stored in provenance: both files together make the prompt
PROMPT_NAME = "generate_dilemma"
SCHEMA_NAME = "dilemma"

# Looser than what the prompt asks for: they catch broken replies, not style.
SCENARIO_WORDS = (25, 400)
ACTION_WORDS = (2, 80)
@dataclass(frozen=True)
class Job:
    value_id: str
    topic_id: str
    variant: int = 1

    @property
    def id(self) -> str:
        return dilemma_id(self.value_id, self.topic_id, self.variant)


@dataclass(frozen=True)
class Scope:
    """Which pairs to generate; empty tuples mean all."""

    values: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    variants: int = 1

    @classmethod
    def parse(cls, values: Iterable[str] = (), types: Iterable[str] = (), topics: Iterable[str] = (),
              variants: int = 1) -> "Scope":
        """Accept ids or names; unknown ones raise ValueError naming them."""
        cat = catalogue()
        value_ids, topic_ids, type_ids, unknown = [], [], [], []
        for text in values:
            (value_ids.append(found.id) if (found := cat.find_value(text)) else unknown.append(f"value {text!r}"))
        for text in topics:
            (topic_ids.append(found.id) if (found := cat.find_topic(text)) else unknown.append(f"topic {text!r}"))
        type_index = {t.id: t.id for t in cat.value_types} | {t.name.lower(): t.id for t in cat.value_types}
        for text in types:
            key = text.strip().lower()
            (type_ids.append(type_index[key]) if key in type_index else unknown.append(f"value type {text!r}"))
        if unknown:
            raise ValueError(f"unknown {', '.join(unknown)}")
        if variants < 1:
            raise ValueError("variants must be at least 1")
        return cls(tuple(value_ids), tuple(type_ids), tuple(topic_ids), variants)

    def jobs(self) -> list[Job]:
        cat = catalogue()
        values = [v for v in cat.values
                  if (not self.values or v.id in self.values) and (not self.types or v.type in self.types)]
        topics = [t for t in cat.topics if not self.topics or t.id in self.topics]
        return [Job(v.id, t.id, n) for v in values for t in topics for n in range(1, self.variants + 1)]


def plan(study: Study, scope: Scope) -> list[Job]:
    """Every job of the scope whose dilemma is not stored yet."""
    existing = dilemma_store.existing_ids(study)
    return [job for job in scope.jobs() if job.id not in existing]


def jobs_for_ids(ids: Iterable[str]) -> list[Job]:
    """Jobs to regenerate the given dilemma ids (value--topic--variant)."""
    jobs = []
    for text in ids:
        parts = text.split("--")
        value, topic = (catalogue().find_value(parts[0]), catalogue().find_topic(parts[1])) if len(parts) == 3 else (None, None)
        if value is None or topic is None or not parts[2].isdigit():
            raise ValueError(f"not a dilemma id: {text!r} (expected value--topic--variant)")
        jobs.append(Job(value.id, topic.id, int(parts[2])))
    return jobs


# --- prompt ------------------------------------------------------------------------------------
def templates() -> tuple[PromptTemplate, PromptTemplate]:
    return load_template(SYSTEM_TEMPLATE), load_template(USER_TEMPLATE)


def prompt_hash() -> str:
    return combined_hash(*templates())


def response_format() -> dict:
    return {"type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": GeneratedDilemma.model_json_schema(), "strict": True}}


def messages_for(job: Job) -> list[dict[str, str]]:
    cat = catalogue()
    value, topic = cat.value(job.value_id), cat.topic(job.topic_id)
    system, user = templates()
    text = user.fill(value_name=value.name, value_gloss=value.gloss, value_type=cat.value_type(value.type).name,
                     topic_name=topic.name, topic_description=topic.description)
    if job.variant > 1:
        text += f"\nThis is variant {job.variant}: choose a different situation from the usual one."
    return [{"role": "system", "content": system.text}, {"role": "user", "content": text}]


# --- validation --------------------------------------------------------------------------------
def validate_reply(text: str | None, job: Job) -> Dilemma:
    """The dilemma a reply describes, or InvalidReply saying what is wrong."""
    data = reply_json(text)
    if not isinstance(data, dict):
        raise InvalidReply("the reply is JSON but not an object")
    try:
        generated = GeneratedDilemma.model_validate(data)
    except ValidationError as exc:
        raise InvalidReply(f"does not follow the schema: {format_validation_error(exc)}") from None
    problems = []
    n = len(generated.scenario.split())
    if not SCENARIO_WORDS[0] <= n <= SCENARIO_WORDS[1]:
        problems.append(f"scenario has {n} words (expected {SCENARIO_WORDS[0]}-{SCENARIO_WORDS[1]})")
    for option in generated.options():
        n = len(option.text.split())
        if not ACTION_WORDS[0] <= n <= ACTION_WORDS[1]:
            problems.append(f"{option.label.value} has {n} words (expected {ACTION_WORDS[0]}-{ACTION_WORDS[1]})")
    for where, body_text in [("scenario", generated.scenario)] + [(o.label.value, o.text) for o in generated.options()]:
        if leaks := label_leaks(body_text):
            problems.append(f"{where} names an alignment label ({', '.join(repr(l) for l in leaks)})")
    if problems:
        raise InvalidReply("; ".join(problems))
    try:
        return Dilemma(value=job.value_id, topic=job.topic_id, variant=job.variant,
                       scenario=generated.scenario.strip(),
                       options=[o.model_copy(update={"text": o.text.strip()}) for o in generated.options()])
    except ValidationError as exc:
        raise InvalidReply(format_validation_error(exc)) from None


def may_replace(current: Dilemma | None, *, regenerate: bool, replace_reviewed: bool) -> bool:
    """Whether a new reply may be stored over ``current``: generation fills gaps only; regeneration
    replaces drafts, and reviewed dilemmas only when asked. A person's decision is never lost unasked."""
    if current is None:
        return True
    if not regenerate:
        return False
    return current.status is DilemmaStatus.DRAFT or replace_reviewed


# --- the run -----------------------------------------------------------------------------------
async def generate(study: Study, client: ChatClient, jobs: Sequence[Job], settings: Settings = Settings(), *,
                   on_progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                   action: str = "generate") -> Progress:
    """Run ``jobs`` through ``client``; valid dilemmas are saved as they arrive (status draft)."""
    progress = Progress(total=len(jobs))
    system, user = templates()
    hash_ = combined_hash(system, user)

    def report() -> None:
        if on_progress is not None:
            on_progress(progress)

    async def one(job: Job) -> None:
        messages = messages_for(job)
        reason = "not attempted"
        for attempt in range(1, settings.max_attempts + 1):
            if stop is not None and stop.is_set():
                return
            request = ChatRequest(messages=messages, max_tokens=settings.max_tokens,
                                  temperature=settings.temperature, response_format=response_format(), tag=job.id,
                                  seed=None if settings.seed is None else settings.seed + attempt)
            record = await ask(client, request)
            progress.requests += 1
            dilemma = None
            reason = reply_problem(record, settings.max_tokens)
            if reason is None:
                try:
                    dilemma = validate_reply(record.text, job)
                except InvalidReply as exc:
                    reason = str(exc)
            model = record.model
            row = attempt_store.Attempt(
                dilemma_id=job.id, value_id=job.value_id, topic_id=job.topic_id, variant=job.variant,
                attempt=attempt, model=model, prompt_template=PROMPT_NAME, prompt_hash=hash_,
                raw_reply=cap_text(record.text if isinstance(record.text, str) else None)[0], ok=dilemma is not None,
                reason=reason, latency_s=record.latency_s,
            )
            if dilemma is not None:
                dilemma.provenance = Provenance(source="generated", generator_model=model,
                                                prompt_template=PROMPT_NAME, prompt_hash=hash_)
                # Attempt and dilemma together: a kill between them cannot leave one without the other.
                # The stored dilemma is checked under the same lock: a reviewer may have decided meanwhile.
                with study.transaction():
                    attempt_store.record(study, row)
                    current = dilemma_store.get(study, job.id)
                    stored = may_replace(current, regenerate=action == "regenerate",
                                         replace_reviewed=settings.replace_reviewed)
                    if stored:
                        dilemma_store.save(study, dilemma, who=settings.who or model or "generator", action=action)
                if stored:
                    progress.done += 1
                    progress.newest = dilemma
                else:
                    progress.kept += 1
                report()
                return
            attempt_store.record(study, row)
            if record.ok and isinstance(record.text, str) and record.text:
                messages = messages_for(job) + feedback_messages(record.text, reason)
        progress.failed += 1
        progress.failure = (job.id, reason or "unknown")
        report()

    report()
    progress.stopped = await run_jobs(jobs, one, settings.concurrency, stop)
    progress.finished = True
    report()
    return progress


class PosterGenerator:
    """The poster's design's generator (``generate/base.py`` says what a generator is)."""

    scope_fields = ("values", "types", "topics", "variants", "regenerate")
    noun = "dilemma"

    def jobs(self, study: Study, scope: GenerationScope, *, replace_reviewed: bool = False) -> list[Job]:
        """The missing dilemmas of the scope, or those to regenerate; a reviewed dilemma is regenerated
        only with ``replace_reviewed`` (ValueError names the reviewed ones and the option)."""
        scope.refuse_others(self.scope_fields, "six-graded-actions")
        if scope.regenerate:
            jobs = jobs_for_ids(scope.regenerate)
            _refuse_reviewed(study, jobs, replace_reviewed)
            return jobs
        return plan(study, Scope.parse(scope.values, scope.types, scope.topics, scope.variants))

    async def run(self, study: Study, client: ChatClient, jobs: Sequence[Job], settings: Settings, *,
                  on_progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                  action: str = "generate") -> Progress:
        return await generate(study, client, jobs, settings, on_progress=on_progress, stop=stop, action=action)

    def report(self, study: Study, jobs: Sequence[Job], progress: Progress) -> tuple[list[str], list[str]]:
        """(lines for stderr, lines for stdout) after a run: the failed dilemmas, what was stored, and
        the quality flags recomputed across the set (near duplicates depend on the whole set)."""
        from valuegap_tui.dataset.quality import refresh_flags, study_length_cue
        from valuegap_tui.text import one_line

        failed = attempt_store.failed_pairs(study, [job.id for job in jobs])
        errors = [one_line(f"failed {pair.dilemma_id} after {pair.attempts} attempt(s): {pair.reason}")
                  for pair in failed[:20]]
        if len(failed) > 20:
            errors.append(f"... and {len(failed) - 20} more failed")
        kept = f", kept {progress.kept} that were stored or reviewed meanwhile" if progress.kept else ""
        lines = [f"stored {progress.done}, failed {progress.failed}{kept}, {progress.requests} request(s) "
                 f"in {progress.elapsed_s:.1f} s"]
        if progress.done:
            counts = refresh_flags(study)
            lines += ["quality flags: " + ", ".join(f"{name} {n}" for name, n in counts.items()),
                      study_length_cue(study).describe()]
        return errors, lines


def _refuse_reviewed(study: Study, jobs: Sequence[Job], replace_reviewed: bool) -> None:
    """A reviewer's decision is not replaced unasked: name the reviewed dilemmas and the option."""
    reviewed = [(job.id, d.status.value) for job in jobs
                if (d := dilemma_store.get(study, job.id)) is not None and d.status is not DilemmaStatus.DRAFT]
    if not reviewed:
        return
    if replace_reviewed:
        print(f"replacing {len(reviewed)} reviewed dilemma(s) with new drafts; their decisions stay in the history",
              file=sys.stderr)
        return
    named = ", ".join(f"{dilemma_id} ({status})" for dilemma_id, status in reviewed[:5])
    more = f" and {len(reviewed) - 5} more" if len(reviewed) > 5 else ""
    raise ValueError(f"not regenerating reviewed dilemmas: {named}{more}. Regenerating makes each a new draft; "
                     "add --replace-reviewed to do so (the decision stays in the history)")
