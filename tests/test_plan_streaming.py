"""A run's plan streams in: the first requests go out while the rest of the plan is stored, and a
plan cut short is completed when the run is resumed; nothing is lost or asked twice."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.helpers.clients import PlantedClient
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate import setup
from valuegap_tui.evaluate.execute import RunControl, execute_run
from valuegap_tui.plan.items import plan_items
from valuegap_tui.evaluate.setup import create_run, rest_of_plan
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(setup, "STREAM_HEAD", 40)
    monkeypatch.setattr(run_store, "INSERT_CHUNK", 30)


class Watching(PlantedClient):
    """Notes how many items the study file held (seen from another connection) at the first request."""

    def __init__(self, path, **kw):
        super().__init__([1 / 6] * 6, [1 / 6] * 6, **kw)
        self.path, self.stored_at_first = path, None

    async def complete(self, request, *, model=None):
        if self.stored_at_first is None:
            other = open_study(self.path)
            self.stored_at_first = other.db.execute("SELECT COUNT(*) FROM run_items").fetchone()[0]
            other.close()
        return await super().complete(request, model=model)


def test_first_request_leaves_before_the_plan_is_stored_and_every_item_is_asked_once(study, small_chunks,
                                                                                      monkeypatch):
    seed_study(study, 12)
    run_id = create_run(study, definition(repeats=6), stream=True)
    total = run_store.planned_total(study, run_id)
    assert total == 12 * 2 * 6 and run_store.stored_items(study, run_id) == 40
    client = Watching(study.path)
    # The planner must not need to finish first: hold it until the first request has gone out (a plan
    # this small is otherwise stored in a blink, and the test would depend on thread scheduling).
    first_request, add_items = threading.Event(), run_store.add_items

    def add_after_first_request(*args, **kwargs):
        assert first_request.wait(10), "no request went out while the plan was still being stored"
        return add_items(*args, **kwargs)

    monkeypatch.setattr(run_store, "add_items", add_after_first_request)
    complete = client.complete

    async def noting_complete(request, *, model=None):
        result = await complete(request, model=model)
        first_request.set()
        return result

    client.complete = noting_complete
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"
    assert client.stored_at_first < total
    assert run_store.stored_items(study, run_id) == total
    assert sorted(client.calls.values()) == [1] * total  # each item asked once
    stored = [(i.model, i.persona_id, i.dilemma_id, i.question, i.repeat, i.permutation)
              for i in run_store.all_items(study, run_id)]
    planned = [(i.model, i.persona_id, i.dilemma_id, i.question, i.repeat, i.permutation)
               for i in plan_items(["m"], ["baseline"], [d for d in run_store.dilemmas_of(study, run_id)], 6, 3)]
    assert stored == planned  # the same plan, in plan order, as an all-at-once plan


def test_a_plan_cut_short_is_completed_when_the_run_is_resumed(study, small_chunks):
    seed_study(study, 10)
    run_id = create_run(study, definition(repeats=4), stream=True)  # the process dies here
    assert run_store.stored_items(study, run_id) == 40 < run_store.planned_total(study, run_id)
    assert asyncio.run(execute_run(study, run_id, {"m": PlantedClient([1 / 6] * 6, [1 / 6] * 6)})) == "finished"
    assert progress_store.progress(study, run_id).answered == run_store.planned_total(study, run_id) == 80
    assert rest_of_plan(study, run_id) is None


def test_a_run_stopped_while_its_plan_is_stored_says_so_and_resumes_whole(study, small_chunks, monkeypatch):
    seed_study(study, 20)
    run_id = create_run(study, definition(repeats=6), stream=True)
    control = RunControl()
    stored_chunks = []
    original = run_store._insert_items

    def insert_then_stop(db, run, items):
        stored_chunks.append(1)
        control.stop()  # stopped while the second chunk is stored
        return original(db, run, items)

    monkeypatch.setattr(run_store, "_insert_items", insert_then_stop)
    status = asyncio.run(execute_run(study, run_id, {"m": PlantedClient([1 / 6] * 6, [1 / 6] * 6)}, control=control))
    monkeypatch.setattr(run_store, "_insert_items", original)
    total = run_store.planned_total(study, run_id)
    assert status == "stopped" and run_store.stored_items(study, run_id) < total
    assert "not stored yet" in control.reason and "resume" in control.reason
    assert asyncio.run(execute_run(study, run_id, {"m": PlantedClient([1 / 6] * 6, [1 / 6] * 6)})) == "finished"
    progress = progress_store.progress(study, run_id)
    assert progress.total == progress.answered == total
