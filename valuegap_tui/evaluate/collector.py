"""The garbage collector's pace while a run is planned and asked.

A run allocates several short-lived objects per question (a task, its coroutines, a reply, a record,
an attempt) and planning one builds thousands of item snapshots; reference counting frees nearly all
of them. At Python's default first threshold (700) the cyclic collector ran about 800 times in a
30,000-question run, re-scanning the long-lived objects each time it reached the oldest generation:
about 0.5 s of the run's 3.6 s of CPU (measured, docs/evaluation.md). Garbage in cycles is still
collected, less often.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

#: the collector's thresholds while a run is planned or goes (Python's default: 700, 10, 10); a threshold
#: already higher (the app's, tui/idle_gc.py) is kept
RUN_GC_THRESHOLD = (50_000, 20, 100)
_gc_lock = threading.Lock()
_gc_runs = [0, None]  # runs going in this process, and the thresholds to put back after the last


@contextmanager
def fewer_collections():
    """The collector's thresholds raised to at least RUN_GC_THRESHOLD while any run goes (put back after)."""
    with _gc_lock:
        if _gc_runs[0] == 0:
            _gc_runs[1] = gc.get_threshold()
            gc.set_threshold(*(max(now, run) for now, run in zip(_gc_runs[1], RUN_GC_THRESHOLD)))
        _gc_runs[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs[0] -= 1
            if _gc_runs[0] == 0:
                gc.set_threshold(*_gc_runs[1])
