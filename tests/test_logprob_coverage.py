"""Logprob answers whose letters cover too little of the first token's probability are not answers."""

from __future__ import annotations

import asyncio
import math

import pytest

from tests.helpers.runs import definition, seed_study
from valuegap_tui.cli import main
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store


class MassClient:
    """First-token logprobs with ``mass`` on the letters (C most likely), the rest on prose tokens."""

    def __init__(self, masses):
        self.masses, self.calls = masses, 0

    async def complete(self, request, *, model=None):
        mass = self.masses[self.calls % len(self.masses)]
        self.calls += 1
        letters = {"C": 0.6 * mass, "A": 0.25 * mass, "F": 0.15 * mass}
        logprobs = {t: math.log(p) for t, p in letters.items()} | {"I": math.log(1 - mass)}
        return CompletionRecord(text="I", first_token_logprobs=logprobs, finish_reason="length", tag=request.tag)

    async def aclose(self):
        pass


def test_low_coverage_is_its_own_outcome_and_not_asked_again(study, tmp_path, capsys):
    seed_study(study, 2)
    run_id = create_run(study, definition(repeats=2, answer_mode="logprobs", max_attempts=3))  # 8 items
    assert run_store.get_run(study, run_id).definition.min_coverage == 0.8
    client = MassClient([0.03, 0.95])  # a model putting 3% of its mass on A-F, then a good one
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"
    assert client.calls == 8  # low coverage does not change when asked again
    p = progress_store.progress(study, run_id)
    assert p.outcomes == {"low_coverage": 4, "valid": 4} and p.answered == 4 and p.invalid == 4
    responses = progress_store.responses_of(study, run_id)
    low = [r for r in responses if r["outcome"] == "low_coverage"]
    assert all(r["covered_mass"] == pytest.approx(0.03) and r["score"] is None and r["distribution_json"] for r in low)
    frame = frame_store.load_answer_frame(study, run_id)
    assert int(frame.valid.sum()) == 4  # the low-coverage ones are not answers for the metrics
    # the frame says which invalid answers were low coverage, and the option order of every logprob row
    # (the position metrics map its distribution to letters through it)
    assert frame.low_coverage.tolist() == (~frame.valid).tolist()
    items = {(i.dilemma_id, i.question, i.repeat): i.permutation for i in run_store.all_items(study, run_id)}
    for row in range(len(frame)):
        key = (frame.dilemma.labels[frame.dilemma.codes[row]], int(frame.question[row]), int(frame.repeat[row]))
        assert "".join(str(int(d)) for d in frame.permutation[row]) == items[key]

    coverage = progress_store.coverage_of(study, run_id)
    assert coverage.answers == 8 and coverage.below_min == 4
    assert coverage.median == pytest.approx((0.03 + 0.95) / 2) and coverage.p10 == pytest.approx(0.03)
    assert main(["run", "status", str(run_id), "--study", str(study.path)]) == 0
    out = capsys.readouterr().out
    assert "low_coverage 4" in out and "4 (50.0%) below the run's minimum 0.8" in out

    from valuegap_tui.report.writer import report_run

    report = report_run(study, run_id, tmp_path / "report")
    assert "below the run's minimum 0.8" in report.summary.read_text()


def test_min_coverage_is_per_run(study):
    seed_study(study, 1)
    run_id = create_run(study, definition(repeats=1, answer_mode="logprobs", min_coverage=0.0))
    asyncio.run(execute_run(study, run_id, {"m": MassClient([0.03])}))
    assert progress_store.progress(study, run_id).outcomes == {"valid": 2}
