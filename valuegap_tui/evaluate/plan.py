"""Balanced option permutations and the full list of items a run asks.

Each (dilemma, question) gets one seeded random Latin square of order 6; repeat r shows the options
in the order of row r (mod 6). Over six repeats every option visits every position exactly once,
and over fewer repeats no option visits a position twice. The same square serves every model and
persona, so a comparison against baseline is paired on the very same option orders too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

N_OPTIONS = 6
LETTERS = "ABCDEF"
QUESTIONS = ("value", "action")


def latin_square(rng: np.random.Generator, n: int = N_OPTIONS) -> np.ndarray:
    """A random Latin square: the cyclic square with rows, columns and symbols shuffled."""
    rows, cols, symbols = rng.permutation(n), rng.permutation(n), rng.permutation(n)
    return symbols[(rows[:, None] + cols[None, :]) % n]


def _group_seed(seed: int, dilemma_id: str, question: int) -> int:
    digest = hashlib.sha256(f"{seed}\x00{dilemma_id}\x00{question}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def permutations_for(seed: int, dilemma_id: str, question: int, repeats: int) -> list[str]:
    """The option order of each repeat, as six digits: digit p = option shown at letter p."""
    square = latin_square(np.random.default_rng(_group_seed(seed, dilemma_id, question)))
    return ["".join(str(int(o)) for o in square[r % N_OPTIONS]) for r in range(repeats)]


@dataclass(frozen=True)
class PlannedItem:
    model: str
    persona_id: str
    dilemma_id: str
    question: int  # 0 value, 1 action
    repeat: int
    permutation: str


def plan_items(models: list[str], persona_ids: list[str], dilemma_ids: list[str], repeats: int,
               seed: int) -> Iterator[PlannedItem]:
    """Every item, ordered so requests sharing a prefix (persona, then scenario) go out together.

    Option orders are drawn as the plan reaches each dilemma, so its first items come at once."""
    orders: dict[tuple[str, int], list[str]] = {}
    for model in models:
        for persona in persona_ids:
            for dilemma in dilemma_ids:
                for question in range(len(QUESTIONS)):
                    key = (dilemma, question)
                    if key not in orders:
                        orders[key] = permutations_for(seed, dilemma, question, repeats)
                    for repeat, permutation in enumerate(orders[key]):
                        yield PlannedItem(model, persona, dilemma, question, repeat, permutation)
