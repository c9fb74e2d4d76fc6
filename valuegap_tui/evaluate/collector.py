"""The garbage collector's pace, and the interpreter's thread switches, while a run is planned and asked.

A run allocates several short-lived objects per question (a task, its coroutines, a reply, a record,
an attempt) and planning one builds thousands of item snapshots; reference counting frees nearly all
of them. At Python's default first threshold (700) the cyclic collector ran about 800 times in a
30,000-question run, re-scanning the long-lived objects each time it reached the oldest generation:
about 0.5 s of the run's 3.6 s of CPU (measured, docs/evaluation.md). Garbage in cycles is still
collected, less often.

While a run sends, its event loop shares the interpreter lock with the worker threads that store the
plan and the answers. SQLite lets go of the lock for each row it writes and takes it back after, and a
thread that wants the lock waits for whoever holds it to reach the interpreter's switch interval
(5 ms by default): the loop sat out whole intervals while a batch of answers was stored, and the
requests in flight waited for it. ``quick_handoffs`` shortens the interval while a run goes (put back
after): in interleaved runs of 30,000 questions, 0.2 ms gave 8% more questions/s launch to exit at the
same CPU per question (1 ms: +2%; 0.05 ms: +4% and 7% more CPU) (docs/evaluation.md).
"""

from __future__ import annotations

import gc
import sys
import threading
from contextlib import contextmanager

#: the collector's thresholds while a run is planned or goes (Python's default: 700, 10, 10)
RUN_GC_THRESHOLD = (50_000, 20, 100)
_gc_lock = threading.Lock()
_gc_runs = [0, None]  # runs going in this process, and the thresholds to put back after the last
#: the interpreter's switch interval while a run sends (Python's default: 0.005 s)
RUN_SWITCH_INTERVAL_S = 0.0002
_switch_runs = [0, None]  # runs sending in this process, and the interval to put back after the last


@contextmanager
def fewer_collections():
    """The collector's thresholds raised to RUN_GC_THRESHOLD while any run goes (put back after)."""
    with _gc_lock:
        if _gc_runs[0] == 0:
            _gc_runs[1] = gc.get_threshold()
            gc.set_threshold(*RUN_GC_THRESHOLD)
        _gc_runs[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs[0] -= 1
            if _gc_runs[0] == 0:
                gc.set_threshold(*_gc_runs[1])


@contextmanager
def quick_handoffs():
    """The interpreter's switch interval set to RUN_SWITCH_INTERVAL_S while any run sends (put back after)."""
    with _gc_lock:
        if _switch_runs[0] == 0:
            _switch_runs[1] = sys.getswitchinterval()
            sys.setswitchinterval(RUN_SWITCH_INTERVAL_S)
        _switch_runs[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _switch_runs[0] -= 1
            if _switch_runs[0] == 0:
                sys.setswitchinterval(_switch_runs[1])
