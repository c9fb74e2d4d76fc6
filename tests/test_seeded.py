"""The plain-Python draws equal NumPy's default_rng(seed).permutation and the plan's Latin squares."""

from __future__ import annotations

import random

import numpy as np
import pytest

from valuegap_tui.plan.items import latin_square
from valuegap_tui.plan.seeded import SeededRandom, latin_square_rows

SEEDS = [0, 1, 2, 41, 2**32 - 1, 2**32, 2**64 - 1, 2**70 + 12345, *(random.Random(7).getrandbits(64) for _ in range(300))]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 10, 33, 300])
def test_permutations_equal_numpy_draw_for_draw(n):
    for seed in SEEDS:
        ours, theirs = SeededRandom(seed), np.random.default_rng(seed)
        for _ in range(3):  # consecutive draws share the generator's buffered half-outputs
            assert ours.permutation(n) == theirs.permutation(n).tolist(), (seed, n)


def test_raw_outputs_equal_pcg64():
    for seed in SEEDS[:50]:
        ours, theirs = SeededRandom(seed), np.random.default_rng(seed).bit_generator
        assert [ours.next64() for _ in range(5)] == [int(v) for v in theirs.random_raw(5)]


@pytest.mark.parametrize("n", [2, 4, 6, 9])
def test_latin_squares_equal_the_plans(n):
    for seed in SEEDS:
        assert latin_square_rows(seed, n) == latin_square(np.random.default_rng(seed), n).tolist()


@pytest.mark.parametrize("n", [2, 6, 8])
def test_the_plans_option_orders_are_the_ones_numpy_drew(n):
    """Plans stored before the plain-Python draws keep their meaning: same orders, item for item."""
    from valuegap_tui.plan.items import _group_seed, permutations_for

    for seed in (0, 7, 123456):
        for item in ("wisdom--politics--1", "x", "power--family--12"):
            for question in (0, 1):
                square = latin_square(np.random.default_rng(_group_seed(seed, item, question)), n)
                numpy_orders = ["".join(str(int(o)) for o in square[r % n]) for r in range(9)]
                assert permutations_for(seed, item, question, 9, n) == numpy_orders
