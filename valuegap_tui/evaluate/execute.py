"""Send a planned run's pending items, keep every answer, stop cleanly, resume where it stopped.

One dispatcher per model keeps at most ``concurrency x endpoints`` requests in flight; answers are
buffered and written in batches (one transaction each) a few times a second. An invalid answer or a
failed call is stored as an attempt and the item is asked again until ``max_attempts``; then the
item keeps its invalid outcome. Nothing is guessed and nothing is dropped.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from valuegap_tui.evaluate.plan import LETTERS
from valuegap_tui.evaluate.questions import SCORES, build_request, option_texts, read_reply, user_message
from valuegap_tui.server.types import AnswerMode, ChatClient
from valuegap_tui.store import runs as run_store
from valuegap_tui.store.db import Study

PAGE = 2000


class RunControl:
    """Thread-safe stop switch shared by the CLI's Ctrl+C handler or the Run screen's stop button."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


@dataclass
class Counters:
    sent: int = 0
    answered: int = 0
    invalid_final: int = 0
    invalid_attempts: int = 0
    errors: int = 0
    written: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def score_attempt(item: run_store.ItemRow, record, attempt: int, shown: list[str], max_attempts: int,
                  mode=AnswerMode.TEXT) -> run_store.Attempt:
    """Turn a reply into a stored attempt: letter -> option through the permutation -> score."""
    reading = read_reply(record, shown, mode)
    position = reading.position
    choice = int(item.permutation[position]) if position is not None else None
    distribution = None
    if reading.distribution is not None:
        distribution = [0.0] * len(LETTERS)
        for pos, p in enumerate(reading.distribution):
            distribution[int(item.permutation[pos])] = p
    if reading.outcome == "valid":
        status = "answered"
    else:
        status = "invalid" if attempt >= max_attempts else "pending"
    return run_store.Attempt(
        item_id=item.id, attempt=attempt, outcome=reading.outcome, item_status=status,
        letter=LETTERS[position] if position is not None else None, position=position, choice=choice,
        score=SCORES[choice] if choice is not None else None, raw_text=record.text, reasoning=record.reasoning,
        distribution=distribution, covered_mass=reading.covered_mass, latency_s=record.latency_s,
        prompt_tokens=record.prompt_tokens, completion_tokens=record.completion_tokens,
        finish_reason=record.finish_reason, error=record.error or (reading.reason if position is None else None),
        error_kind=record.error_kind,
        endpoint=record.endpoint,
    )


class RunExecutor:
    def __init__(self, study: Study, run_id: int, clients: dict[str, ChatClient], *,
                 control: RunControl | None = None, flush_interval_s: float = 0.25, flush_size: int = 1000,
                 on_flush: Callable[[Counters], None] | None = None):
        run = run_store.get_run(study, run_id)
        if run is None:
            raise ValueError(f"no run {run_id}")
        self.study, self.run_id, self.run_row = study, run_id, run
        self.definition = run.definition
        self.clients = clients
        self.control = control or RunControl()
        self.flush_interval_s, self.flush_size = flush_interval_s, flush_size
        self.on_flush = on_flush
        self.counters = Counters()
        self.personas = run_store.personas_of(study, run_id)
        self.dilemmas = run_store.dilemmas_of(study, run_id)
        self._texts = {(d, q): option_texts(dilemma, q) for d, dilemma in self.dilemmas.items() for q in (0, 1)}
        self._buffer: list[run_store.Attempt] = []

    # --- one request -----------------------------------------------------------------------------
    async def _ask(self, item: run_store.ItemRow, attempt: int) -> run_store.Attempt:
        texts = self._texts[(item.dilemma_id, item.question)]
        prompt = user_message(self.dilemmas[item.dilemma_id], item.question, item.permutation, texts)
        shown = [texts[int(o)] for o in item.permutation]
        seed = (self.definition.seed * 1_000_003 + item.id * 31 + attempt) % 2**31
        request = build_request(self.definition, self.personas[item.persona_id].system_text, prompt,
                                tag=str(item.id), seed=seed)
        try:
            record = await self.clients[item.model].complete(request, model=item.model)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client bug or a dead connection must not kill the run
            from valuegap_tui.server.types import CompletionRecord

            record = CompletionRecord(error=f"{type(exc).__name__}: {exc}", error_kind="client")
        return score_attempt(item, record, attempt, shown, self.definition.max_attempts, self.definition.answer_mode)

    # --- per model ------------------------------------------------------------------------------
    def _limit(self, model: str) -> int:
        spec = next(m for m in self.definition.models if m.name == model)
        return spec.concurrency * max(1, len(spec.endpoints))

    async def _dispatch_model(self, model: str) -> None:
        limit = asyncio.Semaphore(self._limit(model))
        retries: deque[tuple[run_store.ItemRow, int]] = deque()
        in_flight: set[asyncio.Task] = set()
        after_id = 0
        page: deque[run_store.ItemRow] = deque()
        exhausted = False

        def finished(task: asyncio.Task, item: run_store.ItemRow) -> None:
            in_flight.discard(task)
            limit.release()
            if task.cancelled():
                return
            result = task.exception()
            if result is not None:  # cannot happen (_ask catches), but never lose an item silently
                return
            attempt = task.result()
            self._count(attempt)
            self._buffer.append(attempt)
            if attempt.item_status == "pending":
                retries.append((item, attempt.attempt + 1))

        while not self.control.stopped:
            if retries:
                item, attempt = retries.popleft()
            else:
                if not page and not exhausted:
                    rows = await asyncio.to_thread(self._page, model, after_id)
                    if rows:
                        after_id = rows[-1].id
                        page.extend(rows)
                    else:
                        exhausted = True
                if page:
                    item = page.popleft()
                    attempt = item.attempts + 1
                elif retries:  # answers that came back while the page was read
                    continue
                elif in_flight:
                    await asyncio.wait(set(in_flight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                else:
                    break
            await limit.acquire()
            if self.control.stopped:
                limit.release()
                break
            task = asyncio.create_task(self._ask(item, attempt))
            in_flight.add(task)
            task.add_done_callback(lambda t, item=item: finished(t, item))
            self.counters.sent += 1
        if in_flight:  # stop: let the answers already asked for arrive and be written
            await asyncio.wait(set(in_flight))

    def _page(self, model: str, after_id: int) -> list[run_store.ItemRow]:
        return [i for i in run_store.pending_items(self.study, self.run_id, after_id=after_id, limit=PAGE,
                                                   model=model)]

    def _count(self, attempt: run_store.Attempt) -> None:
        c = self.counters
        if attempt.outcome == "error":
            c.errors += 1
        elif attempt.outcome != "valid":
            c.invalid_attempts += 1
        if attempt.item_status == "answered":
            c.answered += 1
        elif attempt.item_status == "invalid":
            c.invalid_final += 1

    # --- writing --------------------------------------------------------------------------------
    def _flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if batch:
            run_store.record_attempts(self.study, self.run_id, batch)
            self.counters.written += len(batch)
        if self.on_flush:
            self.on_flush(self.counters)

    async def _writer(self, done: asyncio.Event) -> None:
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), self.flush_interval_s)
            except asyncio.TimeoutError:
                pass
            if self._buffer:
                await asyncio.to_thread(self._flush)

    async def run(self) -> str:
        """Ask every pending item (or until stopped); returns the run's final status."""
        run_store.set_status(self.study, self.run_id, "running")
        done = asyncio.Event()
        writer = asyncio.create_task(self._writer(done))
        try:
            await asyncio.gather(*(self._dispatch_model(m.name) for m in self.definition.models))
        finally:
            done.set()
            await writer
            await asyncio.to_thread(self._flush)
            remaining = run_store.progress(self.study, self.run_id).pending
            status = "finished" if remaining == 0 else "stopped"
            run_store.set_status(self.study, self.run_id, status)
        return status


async def execute_run(study: Study, run_id: int, clients: dict[str, ChatClient], **kwargs) -> str:
    return await RunExecutor(study, run_id, clients, **kwargs).run()
