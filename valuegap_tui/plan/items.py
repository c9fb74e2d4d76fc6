"""Balanced option permutations and the full list of items a run asks.

Each (item, question) gets one seeded random Latin square whose order is the question's option count
n (2..8, from the study's design); repeat r shows the options in the order of row r (mod n). Over n
repeats every option visits every position exactly once, and over fewer repeats no option visits a
position twice. The same square serves every model and persona, so a comparison against baseline is
paired on the very same option orders too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from valuegap_tui.plan.seeded import latin_square_rows
from valuegap_tui.protocols import STANDARD, protocol as protocol_of

#: the poster's design: both questions have six options, shown as A-F (designs.base.LETTERS has all)
N_OPTIONS = 6
LETTERS = "ABCDEF"
QUESTIONS = ("value", "action")
#: (question, option count) of every item of the poster's design
POSTER_QUESTIONS = ((0, N_OPTIONS), (1, N_OPTIONS))


def latin_square(rng: np.random.Generator, n: int = N_OPTIONS) -> np.ndarray:
    """A random Latin square: the cyclic square with rows, columns and symbols shuffled.

    The plan draws the same squares without NumPy (``seeded.latin_square_rows``, checked against
    this one), so `run start` does not wait for NumPy's import."""
    rows, cols, symbols = rng.permutation(n), rng.permutation(n), rng.permutation(n)
    return symbols[(rows[:, None] + cols[None, :]) % n]


def _group_seed(seed: int, dilemma_id: str, question: int, protocol: str = STANDARD) -> int:
    # the standard protocol's seed is the one runs had before protocols: their plans are drawn again alike
    where = "" if protocol == STANDARD else f"\x00{protocol}"
    digest = hashlib.sha256(f"{seed}\x00{dilemma_id}\x00{question}{where}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def permutations_for(seed: int, dilemma_id: str, question: int, repeats: int, n: int = N_OPTIONS,
                     protocol: str = STANDARD) -> list[str]:
    """The option order of each repeat, as n digits: digit p = option shown at letter p. Each protocol
    has its own square, over its own option count (one more under ``abstain``)."""
    rows = ["".join(map(str, row)) for row in latin_square_rows(_group_seed(seed, dilemma_id, question, protocol), n)]
    return [rows[r % n] for r in range(repeats)]


@dataclass(frozen=True)
class PlannedItem:
    model: str
    persona_id: str
    dilemma_id: str
    question: int  # 0 value, 1 action
    repeat: int
    permutation: str
    protocol: str = STANDARD


QuestionsOf = Callable[[str], Sequence[tuple[int, int]]]


def plan_items(models: list[str], persona_ids: list[str], dilemma_ids: list[str], repeats: int,
               seed: int, questions_of: QuestionsOf | None = None,
               protocols: Sequence[str] = (STANDARD,)) -> Iterator[PlannedItem]:
    """Every item, ordered so requests sharing a prefix (persona, then scenario) go out together.

    ``questions_of(item id)`` gives the (question, option count) pairs the design asks of an item
    (default: the poster's two six-option questions); each is asked under every protocol, with one
    more option under a protocol that offers abstaining. Option orders are drawn as the plan reaches
    each item, so its first items come at once."""
    for row in plan_rows(models, persona_ids, dilemma_ids, repeats, seed, questions_of, protocols):
        yield PlannedItem(*row)


def plan_rows(models: list[str], persona_ids: list[str], dilemma_ids: list[str], repeats: int,
              seed: int, questions_of: QuestionsOf | None = None,
              protocols: Sequence[str] = (STANDARD,)) -> Iterator[tuple]:
    """``plan_items`` as plain tuples, in PlannedItem's field order: what the store writes, without an
    object per item (a plan of 154,000 items is stored while its first requests go out)."""
    orders: dict[tuple[str, int, str], list[str]] = {}
    asked: dict[str, Sequence[tuple[int, int]]] = {}
    extra = {p: int(protocol_of(p).abstain_option) for p in protocols}
    for model in models:
        for persona in persona_ids:
            for protocol in protocols:
                for dilemma in dilemma_ids:
                    if dilemma not in asked:
                        asked[dilemma] = questions_of(dilemma) if questions_of else POSTER_QUESTIONS
                    for question, n_options in asked[dilemma]:
                        key = (dilemma, question, protocol)
                        if key not in orders:
                            orders[key] = permutations_for(seed, dilemma, question, repeats,
                                                           n_options + extra[protocol], protocol)
                        for repeat, permutation in enumerate(orders[key]):
                            yield model, persona, dilemma, question, repeat, permutation, protocol
