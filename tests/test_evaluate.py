"""The experiment against a planted-answer fake server: mapping, balance, gap, faults, resume."""

from __future__ import annotations

import asyncio
import json
import math

import numpy as np
import pytest

from tests.helpers.clients import PlantedClient
from tests.helpers.runs import definition, seed_study, two_model_run
from valuegap_tui.evaluate.execute import RunControl, execute_run
from valuegap_tui.plan.items import permutations_for, plan_items
from valuegap_tui.evaluate.questions import SCORES, read_letter
from valuegap_tui.evaluate.setup import create_run
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store


def test_permutations_are_latin_rows():
    perms = permutations_for(7, "wisdom--politics--1", 1, 6)
    assert all(sorted(p) == list("012345") for p in perms)
    for position in range(6):
        assert sorted(p[position] for p in perms) == list("012345")  # each option once per position
    assert permutations_for(7, "wisdom--politics--1", 1, 6) == perms  # seeded
    assert permutations_for(8, "wisdom--politics--1", 1, 6) != perms
    four = permutations_for(7, "x", 0, 4)
    for position in range(6):
        assert len({p[position] for p in four}) == 4  # fewer repeats: no option twice at a position


def test_plan_covers_every_item_once():
    items = list(plan_items(["a", "b"], ["baseline", "p"], ["d1", "d2", "d3"], 5, 0))
    assert len(items) == 2 * 2 * 3 * 2 * 5
    keys = {(i.model, i.persona_id, i.dilemma_id, i.question, i.repeat) for i in items}
    assert len(keys) == len(items)


@pytest.mark.parametrize("text,expected", [("B", 1), ("(c)", 2), ("a firm c", None), ("D.", 3), ("**E**", 4), ("Answer: F", 5),
                                           ("A person like me would", None), ("Agree", 1), ("", None)])
def test_read_letter(text, expected):
    shown = ["Strongly agree", "Agree", "Mildly agree", "Mildly disagree", "Disagree", "Strongly disagree"]
    assert read_letter(text, shown) == expected


def test_letter_maps_back_through_permutation(study):
    seed_study(study, 2)
    run_id = create_run(study, definition(repeats=3))
    # A client that always answers C: the stored option must be the permutation's digit at position 2.
    client = PlantedClient([1 / 6] * 6, [1 / 6] * 6, first_letter_boost=0.0)

    async def always_c(request, *, model=None):
        return CompletionRecord(text="C", finish_reason="stop")

    client.complete = always_c
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    for response in progress_store.responses_of(study, run_id):
        option = int(items[response["item_id"]].permutation[2])
        assert response["letter"] == "C" and response["choice"] == option and response["score"] == SCORES[option]


def test_measured_bias_and_gap_match_planted(study):
    seed_study(study, 12)
    value_probs = [0.5, 0.3, 0.1, 0.05, 0.03, 0.02]  # states the value
    action_probs = [0.05, 0.1, 0.35, 0.3, 0.15, 0.05]  # acts on it less
    boost = 0.2
    client = PlantedClient(value_probs, action_probs, first_letter_boost=boost, seed=5)
    run_id = create_run(study, definition(repeats=6))
    asyncio.run(execute_run(study, run_id, {"m": client}))
    frame = frame_store.load_answer_frame(study, run_id)
    n = len(frame)
    assert n == 12 * 2 * 6 and frame.valid.all()
    # Position bias: letter A chosen with probability boost + (1 - boost)/6 (balanced orders).
    expected_a = boost + (1 - boost) / 6
    share_a = float(np.mean(frame.position == 0))
    assert abs(share_a - expected_a) < 4 * math.sqrt(expected_a * (1 - expected_a) / n)
    # Gap: mean value score minus mean action score, against the exact planted expectation.
    exp_v = (1 - boost) * np.dot(value_probs, SCORES) + boost * np.mean(SCORES)
    exp_a = (1 - boost) * np.dot(action_probs, SCORES) + boost * np.mean(SCORES)
    v, a = frame.score[frame.question == 0], frame.score[frame.question == 1]
    se = math.sqrt(v.var() / len(v) + a.var() / len(a))
    assert abs((v.mean() - a.mean()) - (exp_v - exp_a)) < 4 * se


def test_faults_are_retried_and_counted(study):
    seed_study(study, 6)
    client = PlantedClient([1 / 6] * 6, [1 / 6] * 6, fault_rate=0.2, seed=9)
    run_id = create_run(study, definition(repeats=4, max_attempts=4))
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"
    progress = progress_store.progress(study, run_id)
    assert progress.pending == 0 and progress.done == progress.total == 6 * 2 * 4
    assert progress.outcomes.get("server_error", 0) > 0
    assert progress.outcomes["server_error"] + progress.outcomes["valid"] == progress.responses
    responses = progress_store.responses_of(study, run_id)
    assert len({(r["item_id"], r["attempt"]) for r in responses}) == len(responses)


def test_invalid_answers_are_kept_not_guessed(study):
    seed_study(study, 1)
    run_id = create_run(study, definition(repeats=2, max_attempts=2))

    class Refuser(PlantedClient):
        async def complete(self, request, *, model=None):
            return CompletionRecord(text="I cannot choose between these.", finish_reason="stop")

    asyncio.run(execute_run(study, run_id, {"m": Refuser([1] * 6, [1] * 6)}))
    progress = progress_store.progress(study, run_id)
    assert progress.invalid == 4 and progress.outcomes == {"refusal": 8}
    frame = frame_store.load_answer_frame(study, run_id)
    assert np.isnan(frame.score).all() and frame.refusal.all() and (frame.position == -1).all()


def test_stop_then_resume_asks_only_unanswered(study):
    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=5))
    control = RunControl()
    client = PlantedClient([1 / 6] * 6, [1 / 6] * 6, seed=2)
    original = client.complete

    async def stopping(request, *, model=None):
        if sum(client.calls.values()) >= 20:
            control.stop()
        return await original(request, model=model)

    client.complete = stopping
    assert asyncio.run(execute_run(study, run_id, {"m": client}, control=control)) == "stopped"
    first = progress_store.progress(study, run_id)
    assert 0 < first.done < first.total
    client.complete = original
    assert asyncio.run(execute_run(study, run_id, {"m": client})) == "finished"
    assert max(client.calls.values()) == 1  # nothing asked twice
    assert len(progress_store.responses_of(study, run_id)) == first.total


def test_logprob_distribution_maps_to_options(study):
    seed_study(study, 1)
    run_id = create_run(study, definition(repeats=2, answer_mode="logprobs"))
    logprobs = {"A": math.log(0.6), "B": math.log(0.2), " C": math.log(0.1), "Hello": math.log(0.1)}

    class Logprobs(PlantedClient):
        async def complete(self, request, *, model=None):
            assert request.logprobs and request.top_logprobs
            return CompletionRecord(text="A", finish_reason="stop", first_token_logprobs=logprobs)

    asyncio.run(execute_run(study, run_id, {"m": Logprobs([1] * 6, [1] * 6)}))
    items = {i.id: i for i in run_store.all_items(study, run_id)}
    for response in progress_store.responses_of(study, run_id):
        permutation = items[response["item_id"]].permutation
        distribution = json.loads(response["distribution_json"])
        assert distribution[int(permutation[0])] == pytest.approx(0.6 / 0.9, abs=1e-5)
        assert distribution[int(permutation[2])] == pytest.approx(0.1 / 0.9, abs=1e-5)
        assert response["covered_mass"] == pytest.approx(0.9)
        assert response["choice"] == int(permutation[0])
    frame = frame_store.load_answer_frame(study, run_id)
    assert np.allclose(np.nansum(frame.distribution, axis=1), 1.0)


def test_answer_frame_matches_slow_path_and_live_gap(study):
    from valuegap_tui.evaluate.live import gap_by_kind

    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=3))
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient([0.4, 0.2, 0.1, 0.1, 0.1, 0.1],
                                                               [0.1, 0.1, 0.1, 0.1, 0.2, 0.4], seed=4)}))
    frame = frame_store.load_answer_frame(study, run_id)
    items = run_store.all_items(study, run_id)
    by_id = {r["item_id"]: r for r in progress_store.responses_of(study, run_id)}
    assert len(frame) == len(items)
    assert list(frame.dilemma.decode()) == [i.dilemma_id for i in items]
    assert list(frame.score) == [by_id[i.id]["score"] for i in items]
    assert set(frame.value_type.decode()) <= {"self_direction", "stimulation", "hedonism", "achievement", "power",
                                              "security", "conformity", "tradition", "benevolence", "universalism"}
    (baseline,) = gap_by_kind(frame)
    cells = {}
    for i in items:  # hand-computed: every value repeat's point (6 - choice) with every action repeat's
        cells.setdefault(i.dilemma_id, ([], []))[i.question].append(6 - by_id[i.id]["choice"])
    pairs = [[(v, a) for v in vs for a in acts] for vs, acts in cells.values()]
    assert baseline.pairs == len(cells)
    assert baseline.alignment_rate == pytest.approx(np.mean([np.mean([(v < 3.5) == (a < 3.5) for v, a in cell])
                                                             for cell in pairs]))
    assert baseline.alignment_distance == pytest.approx(np.mean([np.mean([abs(v - a) / 5 for v, a in cell])
                                                                 for cell in pairs]))

def test_live_gap_in_sql_matches_frame(study):
    from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind

    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=4))
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient([0.3, 0.2, 0.2, 0.1, 0.1, 0.1],
                                                               [0.1, 0.1, 0.2, 0.2, 0.2, 0.2], seed=8)}))
    (sql,) = live_gap_by_kind(study, run_id)
    (frame,) = gap_by_kind(frame_store.load_answer_frame(study, run_id))
    assert sql.pairs == frame.pairs == 6
    assert sql.alignment_rate == pytest.approx(frame.alignment_rate)
    assert sql.alignment_distance == pytest.approx(frame.alignment_distance)


def test_live_gap_of_a_logprob_run_counts_the_distributions(study):
    """The Run screen's live table reads a logprob run as the metrics do: each answer its distribution."""
    from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind

    seed_study(study, 6)
    run_id = create_run(study, definition(repeats=2, answer_mode="logprobs"))
    value, action = [0.3, 0.25, 0.15, 0.1, 0.1, 0.1], [0.1, 0.1, 0.2, 0.2, 0.2, 0.2]
    asyncio.run(execute_run(study, run_id, {"m": PlantedClient(value, action, seed=8)}))
    (sql,) = live_gap_by_kind(study, run_id)
    (frame,) = gap_by_kind(frame_store.load_answer_frame(study, run_id))
    same_side = sum(value[i] * action[j] for i in range(6) for j in range(6) if (i < 3) == (j < 3))
    assert sql.alignment_rate == pytest.approx(frame.alignment_rate, abs=1e-5)
    assert sql.alignment_rate == pytest.approx(same_side, abs=1e-4)  # the planted P(same side), not 0 or 1
    assert sql.alignment_distance == pytest.approx(frame.alignment_distance, abs=1e-5)


def test_live_gap_per_model_and_kind_matches_the_metrics_tables(study):
    """Two models and personas of two kinds: the SQL table and the metrics' persona-kinds table agree on
    every (model, kind) row, the change included (level minus the baseline on the same dilemmas)."""
    from valuegap_tui.evaluate.live import live_gap_by_kind

    run_id = two_model_run(study, ("m1", "m2"), dilemmas=6)
    clients = {"m1": PlantedClient([0.4, 0.2, 0.1, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.2, 0.2, 0.3], seed=2),
               "m2": PlantedClient([0.1, 0.1, 0.1, 0.2, 0.2, 0.3], [0.1, 0.1, 0.1, 0.2, 0.2, 0.3], seed=3)}
    asyncio.run(execute_run(study, run_id, clients))
    compare_live_gap(study, run_id, {(m, k) for m in ("m1", "m2") for k in ("baseline", "moderate", "max")})
    sql = {(g.model, g.kind): g for g in live_gap_by_kind(study, run_id)}
    assert sql[("m1", "max")].personas == 2
    # mid-run: m2's baseline has not answered two dilemmas yet, m1's baseline nothing at all
    dilemmas = sorted({i.dilemma_id for i in run_store.all_items(study, run_id)})[:2]
    study.db.execute("UPDATE run_items SET status = 'pending' WHERE run_id = ? AND persona_id = 'baseline' AND"
                     f" (model = 'm1' OR dilemma_id IN ({', '.join('?' * len(dilemmas))}))", [run_id, *dilemmas])
    compare_live_gap(study, run_id, {("m1", "moderate"), ("m1", "max")}
                     | {("m2", k) for k in ("baseline", "moderate", "max")})
    sql = {(g.model, g.kind): g for g in live_gap_by_kind(study, run_id)}
    assert sql[("m1", "max")].delta_rate is None and sql[("m2", "max")].pairs == 2 * 4


def compare_live_gap(study, run_id, expected_keys):
    from valuegap_tui.evaluate.live import gap_by_kind, live_gap_by_kind

    sql = {(g.model, g.kind): g for g in live_gap_by_kind(study, run_id)}
    frame = {(g.model, g.kind): g for g in gap_by_kind(frame_store.load_answer_frame(study, run_id))}
    assert set(sql) == set(frame) == expected_keys
    for key, g in sql.items():
        other = frame[key]
        assert (g.personas, g.pairs) == (other.personas, other.pairs), key
        assert g.alignment_rate == pytest.approx(other.alignment_rate) and g.alignment_distance == pytest.approx(
            other.alignment_distance), key
        if g.delta_rate is None:
            assert other.delta_rate is None, key
        else:
            assert g.delta_rate == pytest.approx(other.delta_rate) and g.delta_distance == pytest.approx(
                other.delta_distance), key
