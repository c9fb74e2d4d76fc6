"""Send a planned run's pending items, keep every answer, stop cleanly, resume where it stopped.

One dispatcher per model keeps at most ``concurrency x endpoints`` requests in flight; answers are
buffered and written in batches (one transaction each) a few times a second. An unusable answer or a
failed request is stored as an attempt and the item is asked again until ``max_attempts`` (counted
from the item's last re-opening; after a server error only once the server has replied at all, so a
dead endpoint fails fast); then it keeps its outcome: ``invalid`` when the model answered
unusably, ``server_error`` when no answer came back (``run resume`` asks those again). Nothing is
guessed and nothing is dropped.

When the study cannot be written (disk full, the write lock held by another process past the busy
timeout) the run stops sending at once, cancels what is in flight, keeps what was written and says
why; a resume asks the rest. The writer renews the run's heartbeat, so a killed run shows as
interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from valuegap_tui.designs import get_design
from valuegap_tui.evaluate.attempts import option_scores, score_attempt, settle_status
from valuegap_tui.evaluate.handoff import take_dilemmas
from valuegap_tui.evaluate.questions import QuestionTexts, RequestMaker, system_text_for
from valuegap_tui.server.replies import REPLY_TEXT_CAP
from valuegap_tui.server.types import ChatClient, CompletionRecord
from valuegap_tui.store import DatabaseError
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store.db import Study

PAGE = 2000
#: how long a dispatcher waits for the next chunk of a plan that is being stored
PLAN_WAIT_S = 0.02
#: a model whose every endpoint has refused or dropped every request this long is stopped: its items
#: stay pending for `run resume` instead of being retried for hours (a dead server)
UNREACHABLE_STOP_S = 30.0
log = logging.getLogger("valuegap.run")


class RunControl:
    """Thread-safe stop switch shared by the CLI's Ctrl+C handler or the Run screen's stop button;
    after the run it carries why the run ended the way it did (``reason``)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.reason: str | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


class RunStoreError(RuntimeError):
    """The run could not be started because the study cannot be written."""


@dataclass
class Counters:
    sent: int = 0
    received: int = 0  # replies (or failures) that came back
    answered: int = 0
    invalid_final: int = 0
    invalid_attempts: int = 0
    errors: int = 0  # attempts that ended in a server error
    server_error_final: int = 0
    reasked: int = 0  # attempts after an item's first in this session
    written: int = 0
    unsaved: int = 0  # received but never written (the study could not be written): asked again on resume
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def describe_write_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another process held the study's write lock past the {30:g} s busy timeout)"
    return text


class RunExecutor:
    def __init__(self, study: Study, run_id: int, clients: dict[str, ChatClient], *,
                 control: RunControl | None = None, flush_interval_s: float = 0.25, flush_size: int = 1000,
                 on_flush: Callable[[Counters], None] | None = None, unreachable_stop_s: float = UNREACHABLE_STOP_S):
        run = run_store.get_run(study, run_id)
        if run is None:
            raise ValueError(f"no run {run_id}")
        self.study, self.run_id, self.run_row = study, run_id, run
        self.definition = run.definition
        self.clients = clients
        self.control = control or RunControl()
        self.flush_interval_s, self.flush_size = flush_interval_s, flush_size
        #: answers held in memory at most before sending pauses
        self.max_buffered = 4 * flush_size
        self.on_flush = on_flush
        self.counters = Counters()
        self.personas = run_store.personas_of(study, run_id)
        self.design = get_design(run.design)
        # the snapshots just planned in this process, else read back from the study
        self.dilemmas = take_dilemmas(study.path, run_id) or run_store.dilemmas_of(study, run_id)
        self._questions = QuestionTexts(self.dilemmas, self.design)
        self._make_request = RequestMaker(self.definition)
        self._scores: dict[tuple[str, int], tuple[int, ...]] = {}
        self._buffer: list[run_store.Attempt] = []
        self._in_flight: set[asyncio.Task] = set()
        #: items whose requests failed before their server ever replied: server errors at the end
        self._unreached: list[int] = []
        #: why the study could not be written, once it could not
        self.write_error: str | None = None
        #: set once every planned item is stored (at once unless the plan streams in as the run starts)
        self._plan_stored = threading.Event()
        self._plan_stored.set()
        self.unreachable_stop_s = unreachable_stop_s
        #: model -> why its requests were stopped (its server stopped answering)
        self._stopped_models: dict[str, str] = {}
        #: model -> what its server says about its context, once a request did not fit it
        self._context_notes: dict[str, str] = {}

    # --- one request -----------------------------------------------------------------------------
    async def _ask(self, item: run_store.ItemRow, attempt: int) -> run_store.Attempt:
        persona_text = self.personas[item.persona_id].system_text
        prompt, shown = self._questions.question(item.dilemma_id, item.question, item.permutation, item.protocol,
                                                 persona_text)
        seed = (self.definition.seed * 1_000_003 + item.id * 31 + attempt) % 2**31
        request = self._make_request(system_text_for(persona_text, item.protocol), prompt,
                                     tag=str(item.id), seed=seed, n_options=len(shown))
        try:
            record = await self.clients[item.model].complete(request, model=item.model)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client bug or a dead connection must not kill the run
            record = CompletionRecord(error=f"{type(exc).__name__}: {exc}", error_kind="client")
        if record.error_kind == "too_long":
            record.error = f"{record.error} (the request asked for max_tokens {self.definition.token_cap()})"
            if item.model not in self._context_notes:
                self._context_notes[item.model] = ""  # looked up once, in the background
                asyncio.create_task(self._note_context(item.model))
        return score_attempt(item, record, attempt, shown, self.definition.max_attempts, self.definition.answer_mode,
                             self.definition.min_coverage, self._scores_of(item.dilemma_id, item.question, len(shown)))

    def _scores_of(self, dilemma_id: str, question: int, n_options: int) -> tuple[int | None, ...]:
        """Each option's score; an option beyond the design's own (the abstain protocol's) has none."""
        key = (dilemma_id, question, n_options)
        scores = self._scores.get(key)
        if scores is None:
            scores = self._scores[key] = option_scores(self.design, self.dilemmas[dilemma_id], question, n_options)
        return scores

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
        #: the next page's read, started while this page still has items (whether the whole plan was
        #: stored when it started, and the read): the requests in flight go on meanwhile, and the
        #: dispatcher does not stop sending to wait for a page (18 reads at 30,000 items)
        ahead: tuple[bool, asyncio.Future] | None = None
        reached: list[bool] = []  # non-empty once the server gave any reply that was not a failure
        deferred: list[tuple[run_store.ItemRow, int]] = []

        def finished(task: asyncio.Task, item: run_store.ItemRow) -> None:
            in_flight.discard(task)
            self._in_flight.discard(task)
            limit.release()
            if task.cancelled():
                return  # never stored: the item stays pending and is asked again on resume
            if task.exception() is not None:  # _ask catches everything; say so if that ever breaks
                log.error("item %d: %s", item.id, task.exception())
                return
            attempt = task.result()
            self.counters.received += 1
            self._count(attempt)
            self._buffer.append(attempt)
            if attempt.outcome != "server_error" and not reached:
                reached.append(True)
                retries.extend(deferred)  # the server is up after all: ask them again
                deferred.clear()
            if attempt.item_status != "pending":
                return
            if attempt.outcome == "server_error" and not reached:
                # Nothing has come back from this server yet and the client already retried with
                # backoff: wait for a first reply before asking again, so a dead endpoint fails fast.
                deferred.append((item, attempt.attempt + 1))
            else:
                retries.append((item, attempt.attempt + 1))

        watchdog = asyncio.create_task(self._watch(model, in_flight))
        # the loop's own create_task: asyncio.create_task looks the running loop up again at each item
        # (a getpid call) and then names the task, which an unnamed task does not need
        create_task = asyncio.get_running_loop().create_task
        while not self.control.stopped and model not in self._stopped_models:
            if retries:
                item, attempt = retries.popleft()
                self.counters.reasked += 1
            else:
                if not page and not exhausted:
                    plan_stored, read = ahead or self._read_page(model, after_id)
                    ahead = None
                    rows = await read
                    if rows:
                        after_id = rows[-1].id
                        page.extend(rows)
                    elif plan_stored:
                        exhausted = True
                if ahead is None and not exhausted and page and len(page) <= PAGE // 2:
                    ahead = self._read_page(model, after_id)
                if page:
                    item = page.popleft()
                    attempt = item.attempts + 1
                elif retries:  # answers that came back while the page was read
                    continue
                elif not exhausted:  # the rest of the plan is still being stored
                    await asyncio.sleep(PLAN_WAIT_S)
                    continue
                elif in_flight:
                    await asyncio.wait(set(in_flight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                else:
                    break
            # Backpressure: while the writer cannot keep up (or waits for a lock), do not ask for
            # more answers than could be lost.
            while len(self._buffer) >= self.max_buffered and not self.control.stopped:
                await asyncio.sleep(self.flush_interval_s / 4)
            await limit.acquire()
            if self.control.stopped or model in self._stopped_models:
                limit.release()
                break
            task = create_task(self._ask(item, attempt))
            in_flight.add(task)
            self._in_flight.add(task)
            task.add_done_callback(lambda t, item=item: finished(t, item))
            self.counters.sent += 1
        if in_flight:  # stop: let the answers already asked for arrive and be written
            await asyncio.wait(set(in_flight))
        if ahead is not None:  # stopped with a page read under way: it ends before the study may close
            await asyncio.wait([ahead[1]])
            if not ahead[1].cancelled():
                ahead[1].exception()  # a page the stopped run does not need: its failure is not the run's
        watchdog.cancel()
        if not self.control.stopped and model not in self._stopped_models:
            self._unreached.extend(item.id for item, _ in deferred)

    async def _watch(self, model: str, in_flight: set[asyncio.Task]) -> None:
        """Stop a model whose server has refused or dropped every request for ``unreachable_stop_s``:
        its requests in flight are cancelled (their items stay pending: nothing is lost, nothing is
        stored twice) and it is asked no more in this session."""
        unreachable_for = getattr(self.clients[model], "unreachable_for", None)
        if unreachable_for is None:
            return
        while True:
            await asyncio.sleep(min(1.0, self.unreachable_stop_s / 4))
            silent = unreachable_for()
            if silent >= self.unreachable_stop_s:
                break
        error = getattr(self.clients[model], "unreachable_error", None)
        reason = (f"model {model}: its server stopped answering ({error or 'no reply'}; none for {silent:.0f} s),"
                  " so its requests were stopped")
        self._stopped_models[model] = reason
        log.error("run %d: %s; `valuegap run resume %d` asks the rest once it answers again", self.run_id, reason,
                  self.run_id)
        for task in list(in_flight):
            task.cancel()

    async def _note_context(self, model: str) -> None:
        """What the model's server says its context is (llama-server /props, vLLM /v1/models), for the
        message about requests too long for it."""
        from valuegap_tui.server.discovery import context_length

        endpoints = getattr(getattr(self.clients[model], "profile", None), "endpoints", None)
        if not endpoints:
            return
        try:
            found = await context_length(endpoints[0])
        except Exception:  # noqa: BLE001 - a note, never a reason to fail the run
            found = None
        if found is not None:
            tokens, where = found
            self._context_notes[model] = f"the server's context is {tokens} tokens per request ({where})"

    def _read_page(self, model: str, after_id: int) -> tuple[bool, asyncio.Future]:
        """Start reading the pending items after ``after_id`` (in a thread); with whether the whole plan
        was stored before the read began (items stored after it are on the next page)."""
        plan_stored = self._plan_stored.is_set()
        return plan_stored, asyncio.ensure_future(asyncio.to_thread(self._page, model, after_id))

    def _page(self, model: str, after_id: int) -> list[run_store.ItemRow]:
        return run_store.pending_items(self.study, self.run_id, after_id=after_id, limit=PAGE, model=model)

    def _count(self, attempt: run_store.Attempt) -> None:
        c = self.counters
        if attempt.outcome == "server_error":
            c.errors += 1
        elif attempt.outcome not in ("valid", "abstained"):
            c.invalid_attempts += 1
        if attempt.item_status == "answered":
            c.answered += 1
        elif attempt.item_status == "invalid":
            c.invalid_final += 1
        elif attempt.item_status == "server_error":
            c.server_error_final += 1

    # --- writing --------------------------------------------------------------------------------
    def _flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if batch:
            try:
                run_store.record_attempts(self.study, self.run_id, batch)
            except BaseException:
                self._buffer = batch + self._buffer  # kept for one last try when the run ends
                raise
            self.counters.written += len(batch)
        if self.on_flush:
            self.on_flush(self.counters)

    def _write_failed(self, exc: BaseException) -> None:
        """Stop sending now; answers still in flight could not be written either, so cancel them."""
        self.write_error = describe_write_error(exc)
        log.error("run %d: cannot write to the study: %s", self.run_id, self.write_error)
        self.control.stop()
        for task in list(self._in_flight):
            task.cancel()

    async def _writer(self, done: asyncio.Event) -> None:
        last_beat = time.monotonic()
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), self.flush_interval_s)
            except asyncio.TimeoutError:
                pass
            try:
                if self._buffer:
                    await asyncio.to_thread(self._flush)
                    last_beat = time.monotonic()  # the flush renewed the heartbeat
                elif time.monotonic() - last_beat >= run_store.HEARTBEAT_S:
                    await asyncio.to_thread(run_store.heartbeat, self.study, self.run_id)
                    last_beat = time.monotonic()
            except (DatabaseError, OSError) as exc:
                self._write_failed(exc)
                return

    async def run(self) -> str:
        """Ask every pending item (or until stopped); returns the run's final status."""
        try:
            run_store.set_status(self.study, self.run_id, "running", text_cap=REPLY_TEXT_CAP)
        except (DatabaseError, OSError) as exc:
            raise RunStoreError(f"cannot start run {self.run_id}: cannot write to {self.study.path}:"
                                f" {describe_write_error(exc)}") from None
        done = asyncio.Event()
        writer = asyncio.create_task(self._writer(done))
        planner = await self._start_planner()
        try:
            await asyncio.gather(*(self._dispatch_model(m.name) for m in self.definition.models))
        finally:
            done.set()
            if planner is not None:
                await planner
            await writer
            try:
                await asyncio.to_thread(self._flush)
                if self._unreached and self.write_error is None:
                    await asyncio.to_thread(run_store.end_as_server_errors, self.study, self._unreached)
            except (DatabaseError, OSError) as exc:
                if self.write_error is None:
                    self.write_error = describe_write_error(exc)
            self.counters.unsaved = len(self._buffer)
            status, reason = self._final_status()
            self.control.reason = reason
            try:
                run_store.set_status(self.study, self.run_id, status, reason)
            except (DatabaseError, OSError):
                pass  # the heartbeat stops, so the run shows as interrupted
        return status

    async def _start_planner(self) -> asyncio.Task | None:
        """Store the plan's remaining items (a streamed or cut-short plan) while requests go out."""
        from valuegap_tui.evaluate.setup import rest_of_plan

        try:
            rest = await asyncio.to_thread(rest_of_plan, self.study, self.run_id)
        except (DatabaseError, OSError) as exc:
            self._write_failed(exc)
            return None
        if rest is None:
            return None
        self._plan_stored.clear()
        loop = asyncio.get_running_loop()

        def store() -> None:  # in a worker thread: the failure is handled on the loop's thread
            try:
                run_store.add_items(self.study, self.run_id, rest, stop=lambda: self.control.stopped)
            except (DatabaseError, OSError) as exc:
                loop.call_soon_threadsafe(self._write_failed, exc)
            finally:
                self._plan_stored.set()

        return asyncio.create_task(asyncio.to_thread(store))

    def _final_status(self) -> tuple[str, str | None]:
        if self.write_error is not None and self.counters.unsaved:
            return "stopped", (f"cannot write to the study: {self.write_error}; {self.counters.written} answers"
                               f" stored this time, {self.counters.unsaved} unsaved; `valuegap run resume"
                               f" {self.run_id}` asks every item without a stored answer")
        if self._stopped_models:
            pending = progress_store.progress(self.study, self.run_id).pending
            return "stopped", ("; ".join(self._stopped_models.values()) + f"; {pending} items pending:"
                               f" `valuegap run resume {self.run_id}` asks them once the server answers again")
        # The study took every answer after all (a lock held for a while, then released): the run
        # ends as what it is, finished when nothing is left, and says what happened when something is.
        stored, total = run_store.stored_items(self.study, self.run_id), run_store.planned_total(self.study, self.run_id)
        if stored < total:
            status, reason = "stopped", (f"stopped with {total - stored} of {total} planned items not stored yet;"
                                         f" `valuegap run resume {self.run_id}` stores and asks them")
        else:
            notes = "; ".join(f"{model}: {note}" for model, note in self._context_notes.items() if note)
            status, reason = settle_status(self.study, self.run_id, self.control.stopped, context_note=notes)
        if self.write_error is not None and status != "finished":
            reason = (f"sending stopped when the study could not be written ({self.write_error}); every answer"
                      f" received was stored ({self.counters.written} this time); {reason}")
        return status, reason


async def execute_run(study: Study, run_id: int, clients: dict[str, ChatClient], **kwargs) -> str:
    return await RunExecutor(study, run_id, clients, **kwargs).run()
