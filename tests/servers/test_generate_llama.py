"""Generation end to end against a real llama-server whose tiny random model writes nonsense."""

from __future__ import annotations

import pytest

from valuegap_tui.designs.graded_actions import generate as gen
from valuegap_tui.server.client import build_client
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import generation as attempt_store

pytestmark = pytest.mark.llama_server


async def test_nonsense_fails_validation_is_recorded_and_the_run_finishes(wide_llama_server, study):
    jobs = gen.plan(study, gen.Scope.parse(["wisdom"], (), ["politics", "religion"]))
    settings = gen.Settings(max_attempts=2, concurrency=2, max_tokens=300, temperature=1.0)
    # one HTTP try per attempt: llama-server answers 500 when the grammar-bound reply is cut off
    async with build_client(base_url=wide_llama_server.base_url, max_attempts=1) as client:
        progress = await gen.generate(study, client, jobs, settings)

    assert progress.finished and not progress.stopped
    assert progress.done + progress.failed == len(jobs) == 2
    assert progress.failed == 2 and dilemma_store.count(study) == 0  # random weights never make a dilemma
    for job in jobs:
        attempts = attempt_store.attempts_for(study, job.id)
        assert [a.attempt for a in attempts] == [1, 2]
        for attempt in attempts:  # every attempt kept with the reason it was refused
            assert not attempt.ok and attempt.reason
            if not attempt.reason.startswith("request failed"):  # the server replied: its text is kept
                assert attempt.raw_reply is not None
            assert attempt.prompt_template == gen.PROMPT_NAME and attempt.prompt_hash == gen.prompt_hash()
    failed = {pair.dilemma_id for pair in attempt_store.failed_pairs(study)}
    assert failed == {job.id for job in jobs}
