"""A small evaluation run against a real llama-server: its random model's answers are counted, not guessed."""

from __future__ import annotations

from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.evaluate.session import run_async
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.personas import default_personas
from valuegap_tui.store import personas as persona_store
from valuegap_tui.plan.definition import DilemmaFilter, ModelSpec, RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import run_progress as progress_store

import pytest

pytestmark = pytest.mark.llama_server


@pytest.mark.parametrize("mode", ["text", "logprobs"])
async def test_small_run_completes_with_invalid_answers_counted(wide_llama_server, study, mode):
    dilemma_store.save_many(
        study, [make_dilemma(value="honest", topic=t, scenario="You must choose.") for t in ("politics", "religion")],
        who="test", action="import",
    )
    personas = [p for p in persona_store.add_missing(study, default_personas()) if p.kind == "max"][:1]
    definition = RunDefinition(
        name=f"llama-{mode}", models=[ModelSpec(name="tiny", endpoints=[wide_llama_server.base_url], concurrency=2)],
        personas=[p.id for p in personas], dilemmas=DilemmaFilter(status=[]), repeats=2, seed=1,
        answer_mode=mode, max_tokens=8, max_attempts=2,
    )
    run_id = create_run(study, definition)
    await run_async(study, run_id)

    progress = progress_store.progress(study, run_id)
    assert progress.total == 2 * 2 * 2 * 2  # dilemmas x conditions x questions x repeats
    assert progress.done == progress.total and progress.answered + progress.invalid == progress.total
    responses = progress_store.responses_of(study, run_id)
    assert sum(progress.outcomes.values()) == len(responses) >= progress.total
    # an invalid answer was asked again (up to max_attempts) and every attempt is kept with its raw reply
    for item_id in {r["item_id"] for r in responses}:
        attempts = [r for r in responses if r["item_id"] == item_id]
        assert 1 <= len(attempts) <= 2
        if len(attempts) == 2:
            assert attempts[0]["outcome"] != "valid"
    if mode == "text":
        # eight tokens of random nonsense never hold a standalone letter: invalid, counted, kept raw
        assert progress.invalid > 0
        invalid = [r for r in responses if r["outcome"] != "valid"]
        assert all(r["outcome"] in {"no_letter", "cut_off", "refusal", "server_error", "malformed"} for r in invalid)
        assert all(r["raw_text"] is not None or r["error"] for r in invalid)
    else:
        # top logprobs of the first token always exist, so each reply is a distribution over the
        # letters with the probability mass it covered recorded; a random model covers little of it,
        # and below the run's minimum the reply is low_coverage, not an answer
        read = [r for r in responses if r["outcome"] in ("valid", "low_coverage")]
        assert read and all((r["distribution_json"] or r["covered_mass"] == 0) and 0 <= r["covered_mass"] <= 1
                            for r in read)
        assert all((r["outcome"] == "valid") == (r["covered_mass"] >= definition.min_coverage) for r in read)
