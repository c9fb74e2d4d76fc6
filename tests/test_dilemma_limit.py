"""`[dilemmas] limit = N` draws a seeded sample spread over values and topics; `first = N` keeps the
first N in value/topic order.

Measured before: `limit = 8` on a study with every value x topic gave 8 dilemmas of one value."""

from __future__ import annotations

from collections import Counter

import pytest

from valuegap_tui.catalogue import catalogue
from valuegap_tui.evaluate.setup import select_dilemmas
from valuegap_tui.plan.definition import RunDefinition
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.dilemmas import make_dilemma


@pytest.fixture
def full_study(study):
    cat = catalogue()
    dilemma_store.save_many(study, [make_dilemma(value=v.id, topic=t.id) for v in cat.values for t in cat.topics],
                            who="t", action="import")
    return study


def _definition(seed: int = 0, **dilemmas) -> RunDefinition:
    return RunDefinition.model_validate({"models": [{"name": "m", "endpoints": ["http://localhost:1/v1"]}],
                                         "dilemmas": {"status": [], **dilemmas}, "seed": seed})


def test_limit_spreads_the_sample_over_values_and_topics(full_study):
    chosen = select_dilemmas(full_study, _definition(limit=8))
    assert len(chosen) == 8
    assert len({d.value for d in chosen}) == 8  # before: all 8 of one value
    assert len({d.topic for d in chosen}) == 8
    # 112 = two per value: every value twice, and the topics as even as 112 / 11 allows (10 or 11 each)
    chosen = select_dilemmas(full_study, _definition(limit=112))
    assert set(Counter(d.value for d in chosen).values()) == {2}
    assert set(Counter(d.topic for d in chosen).values()) <= {10, 11}


def test_limit_is_seeded_by_the_run_seed(full_study):
    ids = lambda seed: [d.id for d in select_dilemmas(full_study, _definition(limit=20, seed=seed))]  # noqa: E731
    assert ids(3) == ids(3)
    assert ids(3) != ids(4)
    # the sample is listed in the study's order, as without a limit
    everything = [d.id for d in select_dilemmas(full_study, _definition())]
    sample = set(ids(3))
    assert ids(3) == [i for i in everything if i in sample]


def test_first_keeps_the_first_n_in_value_and_topic_order(full_study):
    everything = [d.id for d in select_dilemmas(full_study, _definition())]
    assert [d.id for d in select_dilemmas(full_study, _definition(first=8))] == everything[:8]


def test_limit_and_first_together_are_refused():
    with pytest.raises(ValueError, match="limit.*first|first.*limit"):
        _definition(limit=8, first=8)


def test_limit_larger_than_the_study_takes_everything(full_study):
    assert len(select_dilemmas(full_study, _definition(limit=10_000))) == 616
