"""What every design's generator shares: the request that never raises, why a reply holds nothing to
read, the JSON reply (a Markdown fence allowed), the feedback turn after a bad reply, the scope a
person asks for, settings, progress and the pool of concurrent jobs.

A design's generator (``Design.generator``) is an object with:

- ``scope_fields``: which ``Scope`` fields it takes (the options of `valuegap generate` and the
  Generate screen's fields); a scope that sets another is refused, saying which fields it takes;
- ``jobs(study, scope)``: the jobs still to do in the scope (each has an ``id``), or ValueError;
- ``async run(study, client, jobs, settings, *, on_progress, stop, action)``: ask, validate, retry
  with feedback and store each valid item the moment it arrives; returns the ``Progress``.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

from valuegap_tui.server.types import ChatClient, CompletionRecord

MAX_TOKENS = 1500
#: how much of a bad reply is echoed back to the model with the problem
FEEDBACK_REPLY_CHARS = 4000


class InvalidReply(ValueError):
    """A reply that does not give a usable item; the message says why (and is fed back)."""


# --- the scope ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GenerationScope:
    """What a person asks to generate, as written (names or ids; empty means all). Each design reads
    the fields it takes (its generator's ``scope_fields``) and refuses the others."""

    values: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    variants: int = 1
    #: item ids to write again
    regenerate: tuple[str, ...] = ()

    def given(self) -> list[str]:
        """The fields set to something other than their default."""
        return [f.name for f in fields(self) if getattr(self, f.name) != f.default]

    def refuse_others(self, taken: Iterable[str], design_title: str) -> None:
        """ValueError naming the fields set here that the design does not take."""
        taken = tuple(taken)
        others = [name for name in self.given() if name not in taken]
        if others:
            raise ValueError(f"a {design_title} study does not generate by {', '.join(others)}: it takes "
                             f"{', '.join(taken) or 'no scope'}")


# --- settings and progress -----------------------------------------------------------------------------
@dataclass
class Settings:
    max_attempts: int = 3
    concurrency: int = 64
    temperature: float | None = 0.8
    max_tokens: int = MAX_TOKENS
    who: str | None = None  # history author; default: the model name
    #: request seeds are seed + attempt when set; regeneration sets a fresh one so the reply changes
    seed: int | None = None
    #: regeneration replaces drafts only; a reviewed item (accepted, rejected, needs-edit) is
    #: replaced, as a new draft, only when this is set (its decision stays in the history)
    replace_reviewed: bool = False


@dataclass
class Progress:
    total: int
    done: int = 0  # valid items stored
    failed: int = 0  # jobs that used every attempt without a valid reply
    kept: int = 0  # valid replies not stored: the item was stored or reviewed meanwhile (kept as is)
    requests: int = 0
    started: float = field(default_factory=time.perf_counter)
    newest: object | None = None
    failure: tuple[str, str] | None = None  # (job id, reason) of the latest failed job
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
        """Finished jobs per second."""
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


def stderr_reporter(interval_s: float = 0.5, stream=None) -> ProgressCallback:
    """A progress callback printing one line at most every ``interval_s`` (and the final one)."""
    last = [0.0]

    def report(progress: Progress) -> None:
        now = time.perf_counter()
        if progress.finished or now - last[0] >= interval_s:
            last[0] = now
            print(progress.line(), file=stream or sys.stderr, flush=True)

    return report


# --- one request and its reply ---------------------------------------------------------------------------
async def ask(client, request) -> CompletionRecord:
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


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def strip_fence(text: str) -> str:
    """The reply without a Markdown code fence around it (models add one though asked for JSON)."""
    return _FENCE.sub(r"\1", text)


def reply_json(text) -> object:
    """The JSON a reply holds (a fence around it allowed), or InvalidReply saying why there is none."""
    if text is not None and not isinstance(text, str):
        raise InvalidReply(f"the reply is a {type(text).__name__}, not text")
    if not text or not text.strip():
        raise InvalidReply("the reply is empty")
    try:
        return json.loads(strip_fence(text))
    except json.JSONDecodeError as exc:
        raise InvalidReply(f"not valid JSON ({exc.msg} at character {exc.pos})") from None


def feedback_messages(raw: str | None, reason: str, what: str = "dilemma") -> list[dict[str, str]]:
    """The follow-up turn after a bad reply: what was wrong, and a request to answer again."""
    return [
        {"role": "assistant", "content": (raw or "")[:FEEDBACK_REPLY_CHARS]},
        {"role": "user", "content": f"That reply cannot be used: {reason}\n"
                                    f"Write the {what} again as one JSON object following the schema, and nothing else."},
    ]


# --- the pool ----------------------------------------------------------------------------------------------
async def run_jobs(jobs: Sequence, one: Callable[[object], Awaitable[None]], concurrency: int,
                   stop: threading.Event | None = None) -> bool:
    """Run ``one(job)`` for every job, ``concurrency`` at a time, until done or ``stop`` is set;
    returns whether it was stopped."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            if stop is not None and stop.is_set():
                return
            await one(queue.get_nowait())

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(jobs))))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    return stop is not None and stop.is_set()


def generate_missing(study, base_url: str, model: str | None = None, scope: GenerationScope = GenerationScope(),
                     concurrency: int = 32, client: ChatClient | None = None) -> int:
    """Generate the study's missing items in ``scope`` (default: all) from ``base_url`` through its
    design's generator; returns how many were stored. ``client``: asked instead of ``base_url`` over
    HTTP (the demo passes the simulator serving it, asked in process)."""
    from valuegap_tui.designs import study_design
    from valuegap_tui.server.client import build_client

    generator = study_design(study).generator()

    async def run() -> Progress:
        asked = client if client is not None else build_client(base_url=base_url, model=model, concurrency=concurrency)
        try:
            return await generator.run(study, asked, generator.jobs(study, scope), Settings(concurrency=concurrency))
        finally:
            await asked.aclose()

    return asyncio.run(run()).done

