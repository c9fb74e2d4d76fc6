"""Shared pieces of the reliability tests: a study with accepted dilemmas, fast fake clients."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.test_evaluate import seed_study
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.server.types import CompletionRecord


def run_definition(**kw) -> RunDefinition:
    base = dict(models=[{"name": "m", "endpoints": ["http://127.0.0.1:1/v1"], "concurrency": 8}], repeats=5, seed=3)
    base.update(kw)
    return RunDefinition.model_validate(base)


class TimedClient:
    """Answers "B" after ``delay_s``; remembers when each request was sent."""

    def __init__(self, delay_s: float = 0.002, text: str = "B"):
        self.delay_s, self.text = delay_s, text
        self.sent_at: list[float] = []

    async def complete(self, request, *, model=None):
        self.sent_at.append(time.monotonic())
        await asyncio.sleep(self.delay_s)
        return CompletionRecord(text=self.text, finish_reason="stop", latency_s=self.delay_s, tag=request.tag)

    async def aclose(self):
        pass


@pytest.fixture
def planned(study):
    """A study with 12 accepted dilemmas and a planned run of 120 items; returns (study, run_id)."""

    def plan(n_dilemmas: int = 12, **kw):
        seed_study(study, n_dilemmas)
        return create_run(study, run_definition(**kw))

    return plan
