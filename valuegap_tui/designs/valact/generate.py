"""Generate ValAct-style scenarios with a language model: one request per (topic, variant), asking
for four actions that serve four given values, validated against a JSON schema and retried with
the problem fed back (the pieces every generator shares: ``valuegap_tui.generate.base``).

Refused (and retried): not JSON, not the schema, an action serving another value than asked, text
out of its word bounds, a value named in the text. Flagged (kept, shown in review): near-duplicate
scenarios, look-alike actions (``quality_flags``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.dataset.quality import jaccard, near_duplicate_pairs, shingles
from valuegap_tui.designs.valact.items import ACTIONS, Scenario, find_value_type, value_name, value_types
from valuegap_tui.generate.base import (GenerationScope, InvalidReply, Progress, Settings, ask, feedback_messages,
                                        reply_json, reply_problem, run_jobs)
from valuegap_tui.prompts import combined_hash, load_template
from valuegap_tui.server.types import ChatRequest
from valuegap_tui.validation import format_validation_error

SYSTEM_TEMPLATE, USER_TEMPLATE = "valact_generate.system.txt", "valact_generate.user.txt"
PROMPT_NAME, SCHEMA_NAME = "valact_generate", "valact_scenario"
SCENARIO_WORDS, ACTION_WORDS = (25, 250), (3, 60)
NEAR_DUPLICATE, SIMILAR_ACTIONS, VALUE_NAMED = "near_duplicate", "similar_actions", "value_named"


class GeneratedAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    value: str


class GeneratedScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str
    actions: list[GeneratedAction] = Field(min_length=ACTIONS, max_length=ACTIONS)


@dataclass(frozen=True)
class Job:
    id: str
    topic: str
    values: tuple[str, ...]


def plan(study, topics: list[str] | None = None, variants: int = 1) -> list[Job]:
    """One job per (topic, variant) not in the study yet; the four values rotate so each of the ten
    is asked about equally often."""
    from valuegap_tui.designs import study_design
    from valuegap_tui.store import items as item_store

    design = study_design(study)  # the study's own: this design (imported by name it would be a cycle)

    cat = catalogue()
    topic_ids = [cat.find_topic(t).id if cat.find_topic(t) else t for t in topics] if topics else [t.id for t in cat.topics]
    unknown = [t for t in topic_ids if cat.find_topic(t) is None]
    if unknown:
        raise ValueError(f"unknown topic {unknown[0]!r} (see data/topics.toml)")
    have = {item.id for item in item_store.iter_items(study, design)}
    types, jobs = value_types(), []
    for n, (variant, topic) in enumerate((v, t) for v in range(1, variants + 1) for t in topic_ids):
        job_id = f"{topic}--{variant}"
        values = tuple(types[(n + k) % 10] for k in (0, 3, 5, 8))
        if job_id not in have:
            jobs.append(Job(job_id, topic, values))
    return jobs


def templates():
    return load_template(SYSTEM_TEMPLATE), load_template(USER_TEMPLATE)


def messages_for(job: Job) -> list[dict[str, str]]:
    cat = catalogue()
    system, user = templates()
    topic = cat.topic(job.topic)
    fields = {"topic_name": topic.name, "topic_description": topic.description}
    for k, value in enumerate(job.values, 1):
        fields[f"value_{k}"] = value_name(value)
        fields[f"gloss_{k}"] = cat.value_type(value).description
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.fill(**fields)}]


def response_format() -> dict:
    return {"type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": GeneratedScenario.model_json_schema(), "strict": True}}


#: the ten names and the words built on them ("powerful", "traditional", "conformist")
VALUE_WORDS = re.compile(r"\b(power\w*|achiev\w*|hedon\w*|stimulat\w*|self[- ]direct\w*|universalis\w*|"
                         r"benevolen\w*|tradition\w*|conform\w*|security)\b", re.I)


def named_values(text: str) -> list[str]:
    """The value names (or words built on them) a text contains."""
    return sorted({m.group(0).lower() for m in VALUE_WORDS.finditer(text)})


def validate_reply(text, job: Job) -> Scenario:
    data = reply_json(text)
    try:
        generated = GeneratedScenario.model_validate(data)
    except ValidationError as exc:
        raise InvalidReply(f"does not follow the schema: {format_validation_error(exc)}") from None
    problems = []
    for k, (action, wanted) in enumerate(zip(generated.actions, job.values), 1):
        if find_value_type(action.value) != wanted:
            problems.append(f"action {k} should serve {value_name(wanted)}, not {action.value!r}")
    n = len(generated.scenario.split())
    if not SCENARIO_WORDS[0] <= n <= SCENARIO_WORDS[1]:
        problems.append(f"scenario has {n} words (expected {SCENARIO_WORDS[0]}-{SCENARIO_WORDS[1]})")
    for k, action in enumerate(generated.actions, 1):
        n = len(action.text.split())
        if not ACTION_WORDS[0] <= n <= ACTION_WORDS[1]:
            problems.append(f"action {k} has {n} words (expected {ACTION_WORDS[0]}-{ACTION_WORDS[1]})")
    for where, body in [("scenario", generated.scenario)] + [(f"action {k}", a.text) for k, a in
                                                             enumerate(generated.actions, 1)]:
        if named := named_values(body):
            problems.append(f"{where} names a value ({', '.join(named)}); describe what is done instead")
    if problems:
        raise InvalidReply("; ".join(problems))
    return Scenario(id=job.id, topic=job.topic, scenario=generated.scenario.strip(),
                    actions=[{"text": a.text.strip(), "value": v} for a, v in zip(generated.actions, job.values)])


def quality_flags(scenarios: list[Scenario]) -> dict[str, list[str]]:
    """Flags per scenario id: near-duplicate scenarios, look-alike actions, a value named in the text."""
    flags: dict[str, list[str]] = {s.id: [] for s in scenarios}
    for a, b, _ in near_duplicate_pairs(scenarios):
        for item in (a, b):
            if NEAR_DUPLICATE not in flags[item]:
                flags[item].append(NEAR_DUPLICATE)
    for s in scenarios:
        texts = [shingles(a.text) for a in s.actions]
        if any(jaccard(texts[i], texts[j]) >= 0.6 for i in range(ACTIONS) for j in range(i + 1, ACTIONS)):
            flags[s.id].append(SIMILAR_ACTIONS)
        if named_values(" ".join([s.scenario, *(a.text for a in s.actions)])):
            flags[s.id].append(VALUE_NAMED)
    return flags


def with_flags(scenarios: list[Scenario], others: list[Scenario] = ()) -> list[Scenario]:
    """The scenarios with their quality flags set (compared with ``others`` already stored too)."""
    flags = quality_flags([*scenarios, *others])
    return [s.model_copy(update={"flags": sorted(set(s.flags) - {NEAR_DUPLICATE, SIMILAR_ACTIONS, VALUE_NAMED}
                                                 | set(flags[s.id]))}) for s in scenarios]


async def generate(study, client, jobs: list[Job], settings=Settings(), *, on_progress=None,
                   stop: threading.Event | None = None):
    """Ask for every job (concurrently), retrying with feedback; valid scenarios are stored as drafts."""
    from valuegap_tui.designs import study_design
    from valuegap_tui.store import items as item_store

    design = study_design(study)

    progress = Progress(total=len(jobs))
    hash_ = combined_hash(*templates())

    async def one(job: Job) -> None:
        messages, reason = messages_for(job), "not attempted"
        for attempt in range(1, settings.max_attempts + 1):
            request = ChatRequest(messages=messages, max_tokens=settings.max_tokens, temperature=settings.temperature,
                                  response_format=response_format(), tag=job.id,
                                  seed=None if settings.seed is None else settings.seed + attempt)
            record = await ask(client, request)
            progress.requests += 1
            reason = reply_problem(record, settings.max_tokens)
            if reason is None:
                try:
                    scenario = validate_reply(record.text, job)
                except InvalidReply as exc:
                    reason = str(exc)
                else:
                    scenario.provenance = {"source": "generated", "generator_model": record.model,
                                           "prompt_template": PROMPT_NAME, "prompt_hash": hash_, "attempts": attempt}
                    stored = list(item_store.iter_items(study, design, topic_ids=[job.topic]))
                    item_store.save_many(study, design, with_flags([scenario], stored), who=settings.who
                                         or record.model or "generator", action="generate")
                    progress.done += 1
                    if on_progress:
                        on_progress(progress)
                    return
            if record.ok and isinstance(record.text, str) and record.text:
                messages = messages_for(job) + feedback_messages(record.text, reason, "scenario")
        progress.failed += 1
        progress.failure = (job.id, reason)
        if on_progress:
            on_progress(progress)

    progress.stopped = await run_jobs(jobs, one, settings.concurrency, stop)
    progress.finished = True
    if on_progress:
        on_progress(progress)
    return progress


class ValActGenerator:
    """One scenario per (topic, variant) in the scope; the four values of each rotate through the ten."""

    scope_fields = ("topics", "variants")
    noun = "scenario"

    def jobs(self, study, scope: GenerationScope, *, replace_reviewed: bool = False) -> list[Job]:
        scope.refuse_others(self.scope_fields, "valact")
        return plan(study, list(scope.topics), scope.variants)

    async def run(self, study, client, jobs, settings: Settings, *, on_progress=None, stop=None,
                  action: str = "generate") -> Progress:
        return await generate(study, client, jobs, settings, on_progress=on_progress, stop=stop)

    def report(self, study, jobs, progress: Progress) -> tuple[list[str], list[str]]:
        last = f" (last: {progress.failure[0]}: {progress.failure[1]})" if progress.failure else ""
        return [], [f"{progress.done} scenario(s) stored as drafts, {progress.failed} failed{last}"]

