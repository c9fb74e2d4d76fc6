"""percentile_interval finds the order statistics of complete resamples by a partition instead of a full
sort: the intervals must be exactly (bit for bit) those of sorting, for levels, ranks (ties, outward)
and every shape the tables pass."""

from __future__ import annotations

import numpy as np
import pytest

from valuegap_tui.metrics.paired import percentile_interval, sorted_interval


def by_sorting(samples, confidence, outward=False):
    """The interval as computed by sorting every column (the way it was computed before)."""
    return sorted_interval(np.asarray(samples, dtype=np.float64), (1 - confidence) / 2, outward)


def _samples():
    rng = np.random.default_rng(7)
    yield rng.random((2000, 25))  # levels
    yield rng.normal(size=(2001, 3, 4)) / 7  # changes, negative and positive, in more dimensions
    yield rng.integers(1, 57, size=(2000, 56)).astype(float)  # ranks: many ties
    yield rng.integers(0, 3, size=(1999, 5)) / 3.0  # a few distinct values, zeros among them
    yield rng.random(2000)  # one column, as a vector
    yield rng.random((7, 2))  # few resamples
    yield rng.random((1, 3))
    with_nan = rng.random((2000, 6))
    with_nan[rng.random((2000, 6)) < 0.1] = np.nan  # some resamples undefined: sorted, as before
    yield with_nan
    signed = rng.integers(-1, 2, size=(500, 4)) * 0.0  # -0.0 and 0.0: sorted, as before
    yield signed


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.5, 0.99])
@pytest.mark.parametrize("outward", [False, True])
def test_the_interval_is_exactly_that_of_sorting(confidence, outward):
    for samples in _samples():
        got = percentile_interval(samples, confidence, outward=outward)
        want = by_sorting(samples, confidence, outward=outward)
        for g, w in zip(got, want):
            assert np.shape(g) == np.shape(w)
            assert np.asarray(g).tobytes() == np.asarray(w).tobytes()


def test_an_interval_by_hand():
    # 0..10: the 95% interval's ends sit at 0.25 and 9.75 (positions 0.025 x 10 and 0.975 x 10);
    # outward (for ranks) at the order statistics just outside: 0 and 10
    samples = np.arange(11.0)[::-1].copy()
    assert [float(x) for x in percentile_interval(samples, 0.95)] == pytest.approx([0.25, 9.75])
    assert [float(x) for x in percentile_interval(samples, 0.95, outward=True)] == [0.0, 10.0]
