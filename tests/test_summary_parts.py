"""compute_results in two halves (metrics.summary.PARTS), as two processes compute them at once: joined,
the same results bit for bit as computed whole, under one protocol or several, with or without a topic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.helpers.results_app import protocols_frame
from valuegap_tui.metrics import results_record, values
from valuegap_tui.metrics.grid import build_grid
from valuegap_tui.metrics.items import build_items
from valuegap_tui.metrics.paired import Resampler
from valuegap_tui.metrics.summary import PARTS, REST, STREAM, compute_results, join_parts
from valuegap_tui.metrics.synthetic import synthetic_frame


@pytest.mark.parametrize("frame, options", [
    (synthetic_frame(models=("m1", "m2"), topics=2, seed=11), {"model": "m2"}),
    (synthetic_frame(models=("m1",), topics=3, seed=3), {"aggregate": "majority", "seed": 7, "confidence": 0.9}),
    (protocols_frame(), {}),
])
def test_the_halves_joined_are_the_whole_bit_for_bit(frame, options):
    whole = compute_results(frame, **options)
    joined = join_parts(compute_results(frame, part=STREAM, **options), compute_results(frame, part=REST, **options))
    assert results_record.to_text(joined) == results_record.to_text(whole)
    assert list(joined.tables) == list(whole.tables)
    # what is compared holds intervals from both halves
    assert not any(math.isnan(x) for x in whole.conditions.column("ar_low"))
    assert not all(math.isnan(x) for x in whole.breakdowns["by_topic"].column("ar_low"))


def test_each_half_leaves_the_other_halfs_tables_empty():
    frame = synthetic_frame(models=("m1",), topics=2, seed=5)
    stream, rest = (compute_results(frame, part=part) for part in PARTS)
    assert stream.conditions.rows and not rest.conditions.rows
    assert rest.breakdowns["by_topic"].rows and not stream.breakdowns["by_topic"].rows
    assert rest.position is not None and stream.position is None
    assert rest.kinds.rows and not stream.kinds.rows  # the kinds draw nothing: the shorter half has them
    # the answer-level tables are computed once, by the shorter half
    assert rest.per_model.rows and not stream.per_model.rows
    assert rest.overall.rows and not stream.overall.rows
    assert rest.outcomes is not None and stream.outcomes is None and not stream.choices


def test_an_unknown_half_is_refused():
    with pytest.raises(ValueError, match="part must be one of stream, rest"):
        compute_results(synthetic_frame(seed=1), part="values")


@pytest.mark.parametrize("backlog", [1, 3])
def test_the_value_intervals_found_by_a_helper_thread_are_those_found_in_turn(monkeypatch, backlog):
    """The longer half finds its value tables' intervals and ranks in a second thread while it draws: the
    same numbers, bit for bit, as found one after the other, however few resamples may wait for it."""
    monkeypatch.setattr(values, "HELPER_BACKLOG", backlog)
    frame = synthetic_frame(models=("m1", "m2"), topics=2, seed=11)
    items = build_items(frame, "pairs", None)
    grid = build_grid(items)
    labels = items.labels("value")
    alone, helped = (values.value_stats(grid, len(labels), Resampler(4), helper=helper) for helper in (False, True))
    assert np.isfinite(alone.low["level_ar"]).sum() > 10 and np.isfinite(alone.rank_low).sum() > 10
    for name in ("low", "high"):
        for key, column in getattr(alone, name).items():
            assert getattr(helped, name)[key].tobytes() == column.tobytes()
    assert helped.rank_low.tobytes() == alone.rank_low.tobytes()
    assert helped.rank_high.tobytes() == alone.rank_high.tobytes()
    assert all(helped.p[key].tobytes() == alone.p[key].tobytes() for key in alone.p)


def test_a_failure_in_the_helper_thread_is_raised(monkeypatch):
    def broken(*_args):
        raise FloatingPointError("no interval")

    monkeypatch.setattr(values, "_rank_intervals", broken)
    with pytest.raises(FloatingPointError, match="no interval"):
        compute_results(synthetic_frame(seed=5), part=STREAM)
