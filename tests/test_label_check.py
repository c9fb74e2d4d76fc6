from __future__ import annotations


import pytest

from valuegap_tui.designs.graded_actions import label_check
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from tests.helpers.dilemmas import make_dilemma
from tests.helpers.clients import LabelRankingClient


def test_prompt_shows_actions_unlabelled_and_shuffled(study):
    d = make_dilemma()
    request, order = label_check.build_request(d)
    text = request.messages[0]["content"]
    assert 'Order these actions from most aligning to most opposing the value "Wisdom"' in text
    assert sorted(order) == list(range(6)) and order != list(range(6))
    assert "aligning" not in text.split("Answer")[0].split("value")[-1]
    assert request.response_format["json_schema"]["name"] == "action_ranking"


def test_parse_ranking_rejects_garbage():
    assert label_check.parse_ranking('{"ranking": ["b","A","C","D","E","F"]}')[0] == "B"
    for bad in ["nope", '{"ranking": ["A","A","B","C","D","E"]}', '{"rank": []}', "[1,2]"]:
        with pytest.raises(label_check.LabelCheckError):
            label_check.parse_ranking(bad)


def test_spearman_hand_worked():
    assert label_check.spearman([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]) == pytest.approx(1.0)
    assert label_check.spearman([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]) == pytest.approx(-1.0)
    # one adjacent swap: sum d^2 = 2 -> 1 - 12/210
    assert label_check.spearman([0, 1, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5]) == pytest.approx(1 - 12 / 210)


async def test_check_flags_doubtful_dilemmas(study):
    good, bad = make_dilemma(variant=1), make_dilemma(variant=2)
    dilemma_store.save_many(study, [good, bad], who="generator", action="create")
    client = LabelRankingClient(study, {bad.id: [0, 1, 3, 2, 4, 5]})  # swaps mildly aligning and mildly opposing
    outcomes = await label_check.check_dilemmas(study, client, [good, bad], model="fake")
    assert all(o.error is None for o in outcomes)
    stored = review_store.latest_label_check(study, bad.id)
    assert stored.sign_errors == 1 and stored.doubtful and stored.model_order == (0, 1, 3, 2, 4, 5)
    assert label_check.FLAG in dilemma_store.get(study, bad.id).flags
    assert review_store.latest_label_check(study, good.id).spearman == pytest.approx(1.0)
    assert label_check.FLAG not in dilemma_store.get(study, good.id).flags


async def test_garbage_reply_stores_nothing(study):
    d = make_dilemma()
    dilemma_store.save(study, d, who="generator", action="create")
    outcomes = await label_check.check_dilemmas(study, LabelRankingClient(study, garbage=True), [d])
    assert "not JSON" in outcomes[0].error
    assert review_store.latest_label_check(study, d.id) is None


# --- several judgements, pair confidence, suggested fixes ------------------------------------------
import random  # noqa: E402

from valuegap_tui.review import decisions as review  # noqa: E402
from valuegap_tui.designs.graded_actions import review_tools  # noqa: E402
from valuegap_tui.review import label_errors
from valuegap_tui.designs.graded_actions.models import AlignmentLabel  # noqa: E402
from valuegap_tui.simulator import Simulator, SimulatorParams  # noqa: E402
from valuegap_tui.simulator.inprocess import SimulatorClient  # noqa: E402

TEXTS = ["Tell everyone the whole truth at once", "Tell your manager the truth privately",
         "Hint at the problem in the meeting", "Say nothing and let it pass",
         "Blame the delay on a supplier", "Forge the report to hide the fault"]


def labelled(variant, labels, value="honest"):
    d = make_dilemma(value=value, variant=variant, texts=[f"{t} ({variant})" for t in TEXTS])
    return d.model_copy(update={"options": [o.model_copy(update={"label": l}) for o, l in zip(d.options, labels)]})


def test_pair_confidence_and_consensus_hand_worked():
    d = make_dilemma()
    judged = [[0, 1, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5], [0, 1, 2, 3, 5, 4]]
    assert label_check.pair_confidence(label_check.label_order(d), judged) == [0.5, 1.0, 1.0, 1.0, 0.75]
    # mean places: action 0 at 0.5, action 1 at 0.5 (tie kept in label order), 4 at 4.25, 5 at 4.75
    assert label_check.consensus_order(d, judged) == [0, 1, 2, 3, 4, 5]
    check = label_check.score(d, judged, model="m")
    assert not check.doubtful and check.judgements == 4 and check.suggested_labels is None
    assert label_check.label_confidence(check) == {0: 0.5, 1: 0.5, 2: 1.0, 3: 1.0, 4: 0.75, 5: 0.75}


@pytest.mark.parametrize("kind", label_errors.ERROR_KINDS)
async def test_each_planted_error_is_flagged_with_the_fix_that_restores_the_truth(study, kind):
    rng = random.Random(kind)
    truths = [labelled(v, AlignmentLabel.ordered()) for v in (1, 2, 3)]
    planted = [label_errors.plant(t, kind, rng) for t in truths]
    clean = labelled(4, AlignmentLabel.ordered())
    simulator = Simulator(SimulatorParams(judge_noise_sd=0.3, ranking_error_rate=0.0))
    for t in truths + [clean]:
        simulator.remember(t.value, t.scenario, {o.text: o.label.rank for o in t.options})
    dilemma_store.save_many(study, planted + [clean], who="generator", action="create")
    outcomes = await label_check.check_dilemmas(study, SimulatorClient(simulator), planted + [clean], judgements=5)
    checks = {o.dilemma_id: o.check for o in outcomes}
    for truth, bad in zip(truths, planted):
        check = checks[bad.id]
        assert check.doubtful and check.judgements == 5 and len(check.judged_orders) == 5
        assert check.suggested_labels == tuple(o.label.value for o in truth.options)
        wrong = {i for i, (a, b) in enumerate(zip(truth.options, bad.options)) if a.label != b.label}
        assert set(check.suspects) == wrong
        assert label_check.FLAG in dilemma_store.get(study, bad.id).flags
        stored = review_store.latest_label_check(study, bad.id)
        assert stored == check  # every field survives the round trip
    assert not checks[clean.id].doubtful and label_check.FLAG not in dilemma_store.get(study, clean.id).flags


def test_describe_fix_names_a_swap_and_a_relabel():
    d = labelled(1, [AlignmentLabel.STRONGLY_ALIGNING, AlignmentLabel.MILDLY_ALIGNING,
                     AlignmentLabel.MODERATELY_ALIGNING, *AlignmentLabel.ordered()[3:]])
    truth = tuple(l.value for l in AlignmentLabel.ordered())
    assert label_check.describe_fix(d, truth) == "swap mildly aligning (action 2) and moderately aligning (action 3)"
    shifted = label_errors.relabelled(make_dilemma(), {AlignmentLabel.STRONGLY_ALIGNING: AlignmentLabel.MILDLY_ALIGNING,
                                                       AlignmentLabel.MODERATELY_ALIGNING: AlignmentLabel.STRONGLY_ALIGNING,
                                                       AlignmentLabel.MILDLY_ALIGNING: AlignmentLabel.MODERATELY_ALIGNING})
    text = label_check.describe_fix(shifted, truth)
    assert text.startswith("relabel to the consensus order: action 1 mildly aligning -> strongly aligning")


async def test_apply_fix_is_the_reviewers_relabel_and_undo_reverts_it(study):
    truth = labelled(1, AlignmentLabel.ordered())
    bad = label_errors.plant(truth, label_errors.WITHIN_SIDE_SWAP, random.Random(1))
    simulator = Simulator(SimulatorParams(ranking_error_rate=0.0))
    simulator.remember(truth.value, truth.scenario, {o.text: o.label.rank for o in truth.options})
    dilemma_store.save(study, bad, who="generator", action="create")
    await label_check.check_dilemmas(study, SimulatorClient(simulator), [bad])
    assert dilemma_store.get(study, bad.id).options == bad.options  # the check itself relabels nothing
    fixed = review_tools.apply_label_fix(study, bad.id, reviewer="ann")
    assert fixed.options == truth.options and label_check.FLAG not in fixed.flags
    entry = dilemma_store.history(study, bad.id)[-1]
    assert (entry.who, entry.action) == ("ann", "relabel")
    with pytest.raises(review.ReviewError, match="changed since"):
        review_tools.apply_label_fix(study, bad.id, reviewer="ann")
    review.undo(study, reviewer="ann")
    back = dilemma_store.get(study, bad.id)
    assert back.options == bad.options and label_check.FLAG in back.flags


async def test_a_failed_judgement_is_reported_and_the_rest_scored(study):
    d = make_dilemma()
    dilemma_store.save(study, d, who="generator", action="create")

    class HalfBroken(LabelRankingClient):
        calls = 0

        async def complete(self, request, *, model=None):
            HalfBroken.calls += 1
            if HalfBroken.calls == 2:
                return CompletionRecord(error="HTTP 500", error_kind="http_5xx")
            return await super().complete(request, model=model)

    outcomes = await label_check.check_dilemmas(study, HalfBroken(study), [d], judgements=3)
    assert outcomes[0].check.judgements == 2 and "1 of 3 judgements failed" in outcomes[0].error


def test_benchmark_meets_the_target_at_the_default_judgements(tmp_path):
    """bench/label_check_quality.py at the stated noise (0.5 label steps) and the default K, on a small set."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "label_check_quality.py"
    spec = importlib.util.spec_from_file_location("label_check_quality", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sets = bench.planted_sets(bench.base_dilemmas(40, seed=3), seed=3)
    rows = bench.measure(sets, 0.5, 0.0, label_check.DEFAULT_JUDGEMENTS, 3, tmp_path)
    n, flagged, fixed, _single = rows[label_errors.WITHIN_SIDE_SWAP]
    assert flagged / n >= 0.8 and fixed / flagged >= 0.8
    n, false_flags, _fixed, _single = rows[bench.CLEAN]
    assert false_flags / n <= 0.1
    for kind in label_errors.ERROR_KINDS:
        assert rows[kind][1] / rows[kind][0] >= 0.8
    # the one-ranking rule it replaced misses most within-side swaps on the same replies
    assert rows[label_errors.WITHIN_SIDE_SWAP][3] / n < 0.5


async def test_simulated_judge_orders_adjacent_pairs_as_often_as_its_noise_says():
    import math

    truth = labelled(1, AlignmentLabel.ordered())
    for sd, expected in ((0.0, 1.0), (0.8, 0.5 * (1 + math.erf(1 / (0.8 * math.sqrt(2)) / math.sqrt(2))))):
        simulator = Simulator(SimulatorParams(judge_noise_sd=sd, ranking_error_rate=0.0))
        simulator.remember(truth.value, truth.scenario, {o.text: o.label.rank for o in truth.options})
        client, judged = SimulatorClient(simulator), []
        for k in range(400):
            request, order = label_check.build_request(truth, seed=0, judgement=k)
            letters = label_check.parse_ranking((await client.complete(request)).text)
            judged.append([order[label_check.LETTERS.index(letter)] for letter in letters])
        share = sum(label_check.pair_confidence(label_check.label_order(truth), judged)) / 5
        assert share == pytest.approx(expected, abs=0.03)


def test_simulate_command_takes_the_judge_noise():
    import argparse

    from valuegap_tui.cli import simulate

    parser = argparse.ArgumentParser()
    simulate.register(parser.add_subparsers())
    args = parser.parse_args(["simulate", "--judge-noise", "0.5"])
    assert simulate._params(args).judge_noise_sd == 0.5


def test_the_label_checks_flag_is_the_one_files_and_screens_know():
    # dataset/quality.py names it so that reading or drawing a dilemma does not import the label check
    from valuegap_tui.dataset.quality import LABEL_DOUBT
    from valuegap_tui.designs.graded_actions.label_check import FLAG

    assert FLAG == LABEL_DOUBT
