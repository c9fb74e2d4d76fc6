from __future__ import annotations

import json

import pytest

from valuegap_tui import label_check
from valuegap_tui.server.types import CompletionRecord
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from tests.conftest import make_dilemma


class FakeClient:
    """Orders the actions by a chosen order of option positions, reading them from the prompt."""

    def __init__(self, study, wanted: dict[str, list[int]] | None = None, garbage: bool = False):
        self.study, self.wanted, self.garbage, self.requests = study, wanted or {}, garbage, []

    async def complete(self, request, *, model=None):
        self.requests.append(request)
        if self.garbage:
            return CompletionRecord(text="I think A is best", model="fake")
        dilemma = dilemma_store.get(self.study, request.tag)
        lines = [l for l in request.messages[0]["content"].splitlines() if l[:3] in {f"{c}. " for c in "ABCDEF"}]
        letter_of = {next(i for i, o in enumerate(dilemma.options) if l[3:] == o.text): l[0] for l in lines}
        order = self.wanted.get(dilemma.id, label_check.label_order(dilemma))
        return CompletionRecord(text=json.dumps({"ranking": [letter_of[p] for p in order]}), model="fake")

    async def aclose(self):
        pass


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
    client = FakeClient(study, {bad.id: [0, 1, 3, 2, 4, 5]})  # swaps mildly aligning and mildly opposing
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
    outcomes = await label_check.check_dilemmas(study, FakeClient(study, garbage=True), [d])
    assert "not JSON" in outcomes[0].error
    assert review_store.latest_label_check(study, d.id) is None
