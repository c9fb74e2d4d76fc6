"""A run reads its pending items a page at a time; the next page is read while the current one is
still being sent, so sending does not pause for a page, and every item is still asked once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import pytest

from tests.helpers.clients import TimedClient
from tests.helpers.runs import FLUSH_S, run_definition, seed_study
from valuegap_tui.evaluate import execute
from valuegap_tui.evaluate.execute import RunControl, RunExecutor
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store

#: how long each page read takes in these tests (three requests' time)
READ_S = 0.15


@pytest.fixture
def planned(study):
    """A study with 12 accepted dilemmas and a planned run of 120 items (5 repeats); the run's id."""
    seed_study(study, 12)
    return create_run(study, run_definition())


def slow_pages(monkeypatch, page: int = 40, read_s: float = READ_S) -> list[tuple[float, float]]:
    """Pages of ``page`` items, each read taking ``read_s``; returns the (start, end) of every read."""
    real = run_store.pending_items
    reads: list[tuple[float, float]] = []

    def pending_items(*args, **kwargs):
        started = time.monotonic()
        time.sleep(read_s)
        try:
            return real(*args, **kwargs)
        finally:
            reads.append((started, time.monotonic()))

    monkeypatch.setattr(execute, "PAGE", page)
    monkeypatch.setattr(run_store, "pending_items", pending_items)
    return reads


def test_sending_goes_on_while_the_next_page_is_read(study, planned, monkeypatch):
    run_id = planned  # 120 items: 3 pages of 40, each sent in about 0.25 s (8 in flight, 0.05 s each)
    reads = slow_pages(monkeypatch)
    client = TimedClient(delay_s=0.05)
    executor = RunExecutor(study, run_id, {"m": client}, flush_interval_s=FLUSH_S)
    assert asyncio.run(executor.run()) == "finished"
    assert len(reads) >= 3
    # every read of a page after the first went on while requests went out (a read that held sending
    # back would see none start after its own first moments: only those handed out just before it)
    during = [sum(start + 0.01 < at < end for at in client.sent_at) for start, end in reads[1:-1]]
    assert during and all(n > 0 for n in during), during


def test_every_item_is_asked_once_with_pages_read_ahead(study, planned, monkeypatch):
    run_id = planned
    slow_pages(monkeypatch, page=7, read_s=0.01)  # pages that do not divide the plan
    asked = Counter()

    class Counting(TimedClient):
        async def complete(self, request, *, model=None):
            asked[request.tag] += 1
            return await super().complete(request, model=model)

    executor = RunExecutor(study, run_id, {"m": Counting(delay_s=0.002)}, flush_interval_s=FLUSH_S)
    assert asyncio.run(executor.run()) == "finished"
    items = run_store.all_items(study, run_id)
    assert sorted(asked) == sorted(str(item.id) for item in items) and set(asked.values()) == {1}
    progress = progress_store.progress(study, run_id)
    assert progress.answered == 120 and progress.pending == 0


def test_a_run_stopped_while_a_page_is_read_ahead_ends_cleanly(study, planned, monkeypatch):
    run_id = planned
    reads = slow_pages(monkeypatch)
    control = RunControl()
    reading = threading.Event()
    real = run_store.pending_items

    def pending_items(*args, **kwargs):
        if len(reads) >= 1:  # the second read (ahead of page two): stop the run while it goes on
            reading.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(run_store, "pending_items", pending_items)
    client = TimedClient(delay_s=0.05)

    async def go():
        executor = RunExecutor(study, run_id, {"m": client}, control=control, flush_interval_s=FLUSH_S)
        task = asyncio.ensure_future(executor.run())
        while not reading.is_set():
            await asyncio.sleep(0.005)
        control.stop()
        return await task, executor

    status, executor = asyncio.run(go())
    assert status == "stopped"
    assert len(reads) == 2  # the read under way ended before the run did
    progress = progress_store.progress(study, run_id)
    answers, items = study.db.execute("SELECT COUNT(*), COUNT(DISTINCT item_id) FROM run_responses WHERE run_id = ?",
                                      [run_id]).fetchone()
    assert progress.answered == len(client.sent_at) == executor.counters.written == answers == items
    assert progress.pending == 120 - answers > 0


class _ByRequest:
    """Answers from the request alone (its seed picks the letter), so two runs of one plan get the same
    answers whatever order their requests go in."""

    async def complete(self, request, *, model=None):
        await asyncio.sleep(0.001)
        letter = "ABCDEF"[request.seed % 7] if request.seed % 7 < 6 else "none of these"
        return CompletionRecord(text=letter, finish_reason="stop", latency_s=0.001, tag=request.tag)


def _stored(study, run_id):
    items = study.db.execute("SELECT id, model, persona_id, dilemma_id, question, repeat, permutation, status,"
                             " attempts, position, choice, score, outcome FROM run_items WHERE run_id = ? ORDER BY id",
                             [run_id]).fetchall()
    answers = study.db.execute("SELECT item_id, attempt, outcome, letter, position, choice, score, raw_text"
                               " FROM run_responses WHERE run_id = ? ORDER BY item_id, attempt", [run_id]).fetchall()
    counts = study.db.execute("SELECT model, persona_id, status, outcome, n FROM run_item_counts WHERE run_id = ?"
                              " AND n > 0 ORDER BY 1, 2, 3, 4", [run_id]).fetchall()
    return items, answers, counts


def test_the_stored_rows_are_the_same_whatever_the_pages_and_the_buffer(tmp_path, monkeypatch):
    """One page and a buffer never full, against small pages read ahead and a buffer that fills: the
    same items, attempts (retries of the unusable replies included) and counts."""
    stored = []
    for page, flush_size in ((10_000, 10_000), (7, 3)):
        study = open_study(tmp_path / f"study-{page}.db", create=True)
        seed_study(study, 12)
        run_id = create_run(study, run_definition(max_attempts=2))
        monkeypatch.setattr(execute, "PAGE", page)
        executor = RunExecutor(study, run_id, {"m": _ByRequest()}, flush_interval_s=FLUSH_S, flush_size=flush_size)
        asyncio.run(executor.run())
        stored.append(_stored(study, run_id))
        study.close()
    (items, answers, counts), again = stored
    assert (items, answers, counts) == again
    assert len(items) == 120 and len(answers) > 120 and {row[2] for row in answers} > {"valid"}  # retries too
