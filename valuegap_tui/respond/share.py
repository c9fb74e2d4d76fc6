"""Which dilemmas each person answers, and in which order (docs/respond.md, "A share each").

**Shares.** The run's dilemmas are shuffled once per run (seeded by the run's seed) into a cycle of D.
A plan gives each person k dilemmas (``--questions N``: N = 2k questions, both questions of each)
and asks for an overlap M (``--overlap M``). People take numbered slots as they are registered
(0, 1, 2, ... per run and condition); slot i gets the k dilemmas of the cycle starting at position
floor(i k / M), wrapping round. The starts advance k/M a person, so every stretch of k positions holds
exactly M starts: once ``people_needed`` = ceil(M D / k) people are registered, every dilemma is in at
least M shares (exactly M for most; ``coverage`` counts). Each dilemma's M people come one after
another, as annotation tools route an item to M annotators before moving on, so agreement between
people can be measured from the first few. With k = D (the default: everything) and M = 1 every
person gets every dilemma.

**Order within a session.** A share is shuffled per person and round (seeded by the run's seed, the
person's name and the round). Each dilemma's first question is the value question for one half of
the share and the action question for the other (alternating along the shuffled share), so the
order of the two is counterbalanced. The second question of a dilemma comes ``PAIR_LAG`` dilemmas
later: the sequence runs first(d0), first(d1), ..., first(dL-1), then alternates first(d t),
second(d t-L), and ends with the last L seconds. A dilemma's two questions are then separated by
2L other questions (L to 2L near the start; fewer only when the share holds L dilemmas or fewer),
and a person who stops after any question has paired answers for all but the last L + 1 dilemmas
they started.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

#: how many dilemmas after its first question a dilemma's second question comes
PAIR_LAG = 4
SCALE_ORDERS = ("shuffled", "fixed")


@dataclass(frozen=True)
class SharePlan:
    """A run's plan for people: dilemmas per person (None: all of them), the overlap asked for, and
    how the agreement scale is shown (``shuffled`` as the models see it, or ``fixed``: Strongly agree
    first, as survey practice shows a scale)."""

    dilemmas_each: int | None = None
    overlap: int = 1
    scale_order: str = "shuffled"

    def share_size(self, total: int) -> int:
        return total if self.dilemmas_each is None else min(self.dilemmas_each, total)

    def describe(self, total: int) -> str:
        k = self.share_size(total)
        each = f"all {2 * k}" if k == total else f"{2 * k}"
        needed = people_needed(total, k, self.overlap)
        return (f"{each} questions each ({k} of {total} dilemmas), every dilemma answered by at least"
                f" {self.overlap} {'person' if self.overlap == 1 else 'people'} once {needed}"
                f" {'person is' if needed == 1 else 'people are'} registered; agreement scale {self.scale_order}")


def cycle(dilemma_ids: list[str], seed: object) -> list[str]:
    """The run's dilemmas in the shuffled order that shares are cut from."""
    ordered = sorted(dilemma_ids)
    random.Random(f"{seed}\x00share").shuffle(ordered)
    return ordered


def share_start(slot: int, k: int, overlap: int) -> int:
    return (slot * k) // overlap


def share_of(ring: list[str], slot: int, k: int, overlap: int) -> list[str]:
    """The k dilemmas of slot ``slot`` (distinct: k is at most the cycle's length)."""
    n = len(ring)
    k = min(k, n)
    start = share_start(slot, k, overlap)
    return [ring[(start + j) % n] for j in range(k)]


def people_needed(total: int, k: int, overlap: int) -> int:
    """How many slots it takes for every dilemma to be in at least ``overlap`` shares."""
    k = min(k, total)
    return math.ceil(overlap * total / k) if k else 0


def coverage(ring: list[str], people: int, k: int, overlap: int) -> dict[str, int]:
    """Dilemma -> in how many of the first ``people`` shares it is."""
    counts = dict.fromkeys(ring, 0)
    for slot in range(people):
        for dilemma in share_of(ring, slot, k, overlap):
            counts[dilemma] += 1
    return counts


def paired_order(share: list[str], seed: object, lag: int = PAIR_LAG) -> list[tuple[str, int]]:
    """(dilemma, question) for one round of one person: shuffled, each dilemma's two questions
    ``lag`` dilemmas apart, value-first and action-first alternating (see the module's docstring)."""
    order = sorted(share)
    random.Random(seed).shuffle(order)
    first = {d: t % 2 for t, d in enumerate(order)}  # 0: the value question first, 1: the action question
    sequence = []
    for t in range(len(order) + lag):
        if t < len(order):
            sequence.append((order[t], first[order[t]]))
        if t >= lag:
            earlier = order[t - lag]
            sequence.append((earlier, 1 - first[earlier]))
    return sequence
