"""Python's cyclic collector, run between keys instead of inside them.

Drawing a frame allocates thousands of objects (Textual gives each line strip seven small caches), so
the collector's allocation threshold is crossed in the middle of a key's redraw: a young pass costs
~5 ms and every twentieth one, over the line caches that survive, ~30 ms, which was the whole
difference between a review key's median (~21 ms) and its slowest keys (~55 ms) in a 10,000-dilemma
study. While the app runs, a timer collects whatever is due when the event loop is free, and
Python's own trigger stays on only as a backstop set far above what the timer lets build up, so a
handler that allocates for a long time without yielding is still collected.

Before that, from the launch to the first frame, the collector is held off altogether
(``hold_for_start``): the imports and the app's first screen build some 300,000 objects that live as
long as the app, and Python's own trigger went over them ~200 times on the way (90-125 ms of the
0.5 s of CPU to the first frame, measured in a real terminal at 10,000 dilemmas). Once the first
frame is drawn the app freezes what it has built (``gc.freeze``) and hands the collector back.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: young objects (allocations less deallocations) that make a pass worth its pause
YOUNG = 10_000
#: passes of a generation before the next one up is collected too (Python's default is 10)
OLDER_EVERY = 20
#: Python's own trigger while the app runs: reached only when the event loop is held for long
BACKSTOP = (200_000, OLDER_EVERY, OLDER_EVERY)
#: how often the app offers the collector a turn
TICK_S = 0.05


#: whether hold_for_start turned the collector off (and release_start_hold is to turn it back on)
_held_for_start = False


def hold_for_start() -> None:
    """Turn the collector off until the app's first frame is drawn (``release_start_hold``). Called
    before Textual is imported: what start-up builds lives as long as the app, and nothing it leaves
    behind is worth a pass before the first frame. Does nothing where the collector is already off."""
    global _held_for_start
    if gc.isenabled():
        gc.disable()
        _held_for_start = True


def release_start_hold() -> None:
    """Turn the collector back on if ``hold_for_start`` turned it off (at the first frame, and in any
    case when the app ends)."""
    global _held_for_start
    if _held_for_start:
        _held_for_start = False
        gc.enable()


@contextmanager
def held_for_start() -> Iterator[None]:
    """``hold_for_start`` for the block, and the collector given back after it whatever happens (the
    app gives it back sooner, at its first frame)."""
    hold_for_start()
    try:
        yield
    finally:
        release_start_hold()


def collect_if_due() -> int | None:
    """Collect the oldest generation that is due, as Python's own trigger would; the generation
    collected, or None when too little was allocated since the last pass (or while the start is held:
    the first frame comes first)."""
    if _held_for_start:
        return None
    young, young_passes, middle_passes = gc.get_count()
    if young < YOUNG:
        return None
    generation = 2 if middle_passes >= OLDER_EVERY else 1 if young_passes >= OLDER_EVERY else 0
    gc.collect(generation)
    return generation


class IdleCollector:
    """Owns the collector's thresholds for as long as the app runs, then gives back what it found."""

    def __init__(self) -> None:
        self._before: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._before is None:
            self._before = gc.get_threshold()
        gc.set_threshold(*BACKSTOP)

    def stop(self) -> None:
        if self._before is not None:
            gc.set_threshold(*self._before)
            self._before = None
