"""Generating valact scenarios: a bad reply is refused with its reason fed back, then the good one stored."""

from __future__ import annotations

import asyncio
import json

from valuegap_tui.generate import base as generation
from valuegap_tui.designs import get_design
from valuegap_tui.designs.valact import generate as gen
from valuegap_tui.designs.valact.items import value_name
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import items as item_store

SCENARIO = ("A close friend has asked you for advice about a choice at work. " * 4).strip()


class ScriptedClient:
    def __init__(self, replies):
        self.replies, self.requests = list(replies), []

    async def complete(self, request):
        self.requests.append(request)
        return CompletionRecord(text=self.replies.pop(0), finish_reason="stop", model="scripted")

    async def aclose(self):
        pass


def reply(job, texts, values=None):
    return json.dumps({"scenario": SCENARIO, "actions": [
        {"text": t, "value": value_name(v)} for t, v in zip(texts, values or job.values)]})


def test_plan_rotates_four_distinct_values_per_scenario(valact_study):
    jobs = gen.plan(valact_study, ["religion", "environment"], variants=5)
    assert len(jobs) == 10 and all(len(set(j.values)) == 4 for j in jobs)
    counts = {}
    for job in jobs:
        for v in job.values:
            counts[v] = counts.get(v, 0) + 1
    assert set(counts.values()) == {4}  # ten jobs x four values: each value asked four times


def test_refused_replies_are_retried_with_feedback_then_stored_with_flags(valact_study):
    (job,) = gen.plan(valact_study, ["religion"])
    good = ["Offer to host the gathering for everyone yourself", "Keep the old family ritual exactly as it was",
            "Go somewhere new and see what happens there", "Stay home and keep everything calm and predictable"]
    named = ["Show your power over the group", *good[1:]]
    wrong_value = list(reversed(job.values))
    client = ScriptedClient(["not json", reply(job, named), reply(job, good, wrong_value), reply(job, good)])
    settings = generation.Settings(max_attempts=4, concurrency=1)
    progress = asyncio.run(gen.generate(valact_study, client, [job], settings))
    assert progress.done == 1 and progress.requests == 4
    feedback = [r.messages[-1]["content"] for r in client.requests[1:]]
    assert "not valid JSON" in feedback[0]
    assert "action 1 names a value (power)" in feedback[1]
    assert f"action 1 should serve {value_name(job.values[0])}" in feedback[2]
    (stored,) = item_store.iter_items(valact_study, get_design("valact"))
    assert stored.values() == list(job.values) and stored.status == "draft"
    assert stored.provenance["attempts"] == 4 and stored.provenance["source"] == "generated"


def test_a_job_that_never_succeeds_is_counted_failed_and_writes_nothing(valact_study):
    (job,) = gen.plan(valact_study, ["religion"])
    client = ScriptedClient(["{}", "{}"])
    progress = asyncio.run(gen.generate(valact_study, client, [job], generation.Settings(max_attempts=2)))
    assert progress.failed == 1 and "does not follow the schema" in progress.failure[1]
    assert item_store.count(valact_study, get_design("valact")) == 0
