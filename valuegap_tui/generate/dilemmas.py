"""Generate dilemmas with a language model: plan what is missing, ask concurrently, validate, retry
with the problem fed back, and store every valid dilemma the moment it arrives.

Each (value, topic, variant) is written in one transaction together with its attempt row, so a
killed run loses nothing already answered and a rerun asks only for what is still missing.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.designs.graded_actions.models import (
    Dilemma,
    DilemmaStatus,
    GeneratedDilemma,
    Provenance,
    dilemma_id,
    format_validation_error,
)
from valuegap_tui.prompts import PromptTemplate, combined_hash, load_template
from valuegap_tui.dataset.quality import label_leaks
from valuegap_tui.server.replies import cap_text
from valuegap_tui.server.types import ChatClient, ChatRequest, CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import generation as attempt_store
from valuegap_tui.store.db import Study

SYSTEM_TEMPLATE = "generate_dilemma.system.txt"
USER_TEMPLATE = "generate_dilemma.user.txt"
#: the name stored in provenance: both files together make the prompt
PROMPT_NAME = "generate_dilemma"
SCHEMA_NAME = "dilemma"

# Looser than what the prompt asks for: they catch broken replies, not style.
SCENARIO_WORDS = (25, 400)
ACTION_WORDS = (2, 80)
MAX_TOKENS = 1500
#: how much of a bad reply is echoed back to the model with the problem
FEEDBACK_REPLY_CHARS = 4000


class InvalidReply(ValueError):
    """A reply that does not give a usable dilemma; the message says why (and is fed back)."""


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


def feedback_messages(raw: str | None, reason: str) -> list[dict[str, str]]:
    """The follow-up turn after a bad reply: what was wrong, and a request to answer again."""
    return [
        {"role": "assistant", "content": (raw or "")[:FEEDBACK_REPLY_CHARS]},
        {"role": "user", "content": f"That reply cannot be used: {reason}\n"
                                    "Write the dilemma again as one JSON object following the schema, and nothing else."},
    ]


# --- validation --------------------------------------------------------------------------------
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def validate_reply(text: str | None, job: Job) -> Dilemma:
    """The dilemma a reply describes, or InvalidReply saying what is wrong."""
    if text is not None and not isinstance(text, str):
        raise InvalidReply(f"the reply is a {type(text).__name__}, not text")
    if not text or not text.strip():
        raise InvalidReply("the reply is empty")
    body = _FENCE.sub(r"\1", text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidReply(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
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


# --- progress ----------------------------------------------------------------------------------
@dataclass
class Progress:
    total: int
    done: int = 0  # valid dilemmas stored
    failed: int = 0  # pairs that used every attempt without a valid reply
    kept: int = 0  # valid replies not stored: the dilemma was stored or reviewed meanwhile (kept as is)
    requests: int = 0
    started: float = field(default_factory=time.perf_counter)
    newest: Dilemma | None = None
    failure: tuple[str, str] | None = None  # (dilemma id, reason) of the latest failed pair
    finished: bool = False
    stopped: bool = False

    @property
    def finished_jobs(self) -> int:
        return self.done + self.failed + self.kept

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        """Finished pairs per second."""
        elapsed = self.elapsed_s
        return self.finished_jobs / elapsed if elapsed > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.rate
        return (self.total - self.finished_jobs) / rate if rate > 0 else None

    def line(self) -> str:
        eta = "?" if self.eta_s is None else f"{self.eta_s:.0f} s"
        kept = f", kept {self.kept} stored meanwhile" if self.kept else ""
        return (f"generated {self.done}/{self.total}, failed {self.failed}{kept}, "
                f"{self.rate:.1f}/s, elapsed {self.elapsed_s:.1f} s, ETA {eta}")


ProgressCallback = Callable[[Progress], None]


@dataclass
class Settings:
    max_attempts: int = 3
    concurrency: int = 64
    temperature: float | None = 0.8
    max_tokens: int = MAX_TOKENS
    who: str | None = None  # history author; default: the model name
    #: request seeds are seed + attempt when set; regeneration sets a fresh one so the reply changes
    seed: int | None = None
    #: regeneration replaces drafts only; a reviewed dilemma (accepted, rejected, needs-edit) is
    #: replaced, as a new draft, only when this is set (its decision stays in the history)
    replace_reviewed: bool = False


def may_replace(current: Dilemma | None, *, regenerate: bool, replace_reviewed: bool) -> bool:
    """Whether a new reply may be stored over ``current``: generation fills gaps only; regeneration
    replaces drafts, and reviewed dilemmas only when asked. A person's decision is never lost unasked."""
    if current is None:
        return True
    if not regenerate:
        return False
    return current.status is DilemmaStatus.DRAFT or replace_reviewed


# --- the run -----------------------------------------------------------------------------------
async def ask(client, request: ChatRequest) -> CompletionRecord:
    """One generation request; a client bug or an unreachable server gives a failed record, never an
    exception that would end the whole generation run."""
    try:
        return await client.complete(request)
    except Exception as exc:
        return CompletionRecord(error=f"{type(exc).__name__}: {exc}", error_kind="connection")


def reply_problem(record: CompletionRecord, max_tokens: int) -> str | None:
    """Why a reply holds nothing to validate (failed, not a chat completion, cut off), else None."""
    if not record.ok:
        return f"request failed: {record.error}"
    if record.malformed:
        return record.malformed
    if record.finish_reason == "length":
        return f"the reply was cut off at {max_tokens} tokens"
    return None


async def generate(study: Study, client: ChatClient, jobs: Sequence[Job], settings: Settings = Settings(), *,
                   on_progress: ProgressCallback | None = None, stop: threading.Event | None = None,
                   action: str = "generate") -> Progress:
    """Run ``jobs`` through ``client``; valid dilemmas are saved as they arrive (status draft)."""
    progress = Progress(total=len(jobs))
    system, user = templates()
    hash_ = combined_hash(system, user)
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

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

    async def worker() -> None:
        while not queue.empty():
            if stop is not None and stop.is_set():
                return
            await one(queue.get_nowait())

    report()
    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(settings.concurrency, len(jobs))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    progress.stopped = stop is not None and stop.is_set()
    progress.finished = True
    report()
    return progress


def stderr_reporter(interval_s: float = 0.5, stream=None) -> ProgressCallback:
    """A progress callback printing one line at most every ``interval_s`` (and the final one)."""
    last = [0.0]

    def report(progress: Progress) -> None:
        now = time.perf_counter()
        if progress.finished or now - last[0] >= interval_s:
            last[0] = now
            print(progress.line(), file=stream or sys.stderr, flush=True)

    return report


def generate_demo_dilemmas(study: Study, base_url: str, model: str | None = None,
                           values: Sequence[str] = (), topics: Sequence[str] = (),
                           concurrency: int = 32, client: ChatClient | None = None) -> int:
    """Generate the missing dilemmas of a scope (default: every value x topic) from ``base_url``;
    returns how many were stored. ``client``: asked instead of ``base_url`` over HTTP (the simulator
    serving it, in process)."""
    from valuegap_tui.server.client import build_client

    async def run() -> Progress:
        asked = client if client is not None else build_client(base_url=base_url, model=model, concurrency=concurrency)
        try:
            return await generate(study, asked, plan(study, Scope.parse(values, (), topics)),
                                  Settings(concurrency=concurrency))
        finally:
            await asked.aclose()

    return asyncio.run(run()).done
