"""Logprob runs are read as their answer distributions by default, everywhere: the same estimand as a
text run's repeated draws. (Before, every table took each answer's most likely letter: a small model
that put its top mass on one letter read +0.000 [+0.000, +0.000] for every persona change.)"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.helpers.clients import PlantedClient
from tests.helpers.runs import definition, seed_study
from valuegap_tui.evaluate.execute import execute_run
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.metrics.items import build_items
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.store import answer_frame as frame_store

# Most likely options: strongly agree (value) and strongly opposing (action), so the top letters always
# disagree; yet 55% of the value mass agrees and 40% of the action mass aligns.
VALUE = [0.35, 0.10, 0.10, 0.15, 0.15, 0.15]
ACTION = [0.10, 0.15, 0.15, 0.15, 0.15, 0.30]
POINTS = np.arange(6, 0, -1)  # option 0 = point 6 ... option 5 = point 1
TRUE_AR = sum(VALUE[i] * ACTION[j] for i in range(6) for j in range(6) if (i < 3) == (j < 3))
TRUE_AD = sum(VALUE[i] * ACTION[j] * abs(POINTS[i] - POINTS[j]) / 5 for i in range(6) for j in range(6))


def run_in(study, mode: str, repeats: int, seed: int):
    run_id = create_run(study, definition(repeats=repeats, answer_mode=mode, name=mode))
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(VALUE, ACTION, seed=seed)}))
    return frame_store.load_answer_frame(study, run_id)


def test_text_draws_and_logprob_distributions_measure_the_same_gap(study):
    seed_study(study, 40)
    text = run_in(study, "text", repeats=5, seed=11)
    logprobs = run_in(study, "logprobs", repeats=1, seed=12)
    (text_row,) = compute_results(text, bootstrap=False).overall.records()
    results = compute_results(logprobs, bootstrap=False)
    assert results.expected and results.logprobs
    (lp_row,) = results.overall.records()
    items = build_items(text)  # one item per dilemma: the standard error of the text run's mean
    se_ar = items.aligns.std(ddof=1) / np.sqrt(len(items))
    se_ad = items.distance.std(ddof=1) / np.sqrt(len(items))
    assert lp_row["alignment_rate"] == pytest.approx(TRUE_AR, abs=1e-4)
    assert lp_row["alignment_distance"] == pytest.approx(TRUE_AD, abs=1e-4)
    assert abs(text_row["alignment_rate"] - lp_row["alignment_rate"]) <= 3 * se_ar
    assert abs(text_row["alignment_distance"] - lp_row["alignment_distance"]) <= 3 * se_ad
    # the top letter is a named alternative, and here it is far off: it never aligns
    (top_row,) = compute_results(logprobs, bootstrap=False, expected=False).overall.records()
    assert top_row["alignment_rate"] == 0.0 and abs(top_row["alignment_rate"] - TRUE_AR) > 10 * se_ar


def test_the_answer_choices_of_a_logprob_run_are_its_mean_distribution(study):
    seed_study(study, 4)
    logprobs = run_in(study, "logprobs", repeats=2, seed=3)
    results = compute_results(logprobs, bootstrap=False)
    assert results.choices["m"]["value"] == pytest.approx(VALUE, abs=1e-4)
    assert results.choices["m"]["action"] == pytest.approx(ACTION, abs=1e-4)


def test_the_report_says_how_logprob_answers_were_counted(study, tmp_path):
    from valuegap_tui.cli import main

    seed_study(study, 4)
    run_in(study, "logprobs", repeats=1, seed=5)
    assert main(["report", "latest", str(tmp_path / "d"), "--study", str(study.path)]) == 0
    assert "logprob answers taken as their distributions" in (tmp_path / "d" / "summary.md").read_text()
    assert main(["report", "latest", str(tmp_path / "t"), "--top-letter", "--study", str(study.path)]) == 0
    assert "most likely letters (--top-letter)" in (tmp_path / "t" / "summary.md").read_text()
