"""``compute_results`` in a process of its own, so the caller's interpreter stays free meanwhile.

The intervals of a run's results take seconds of CPU (the bootstrap, the sign-flip tests, the rank
intervals). Computed in a thread of the app, they hold the interpreter lock in stretches, and every key
pressed meanwhile waits for it. Here a child Python (``python -m valuegap_tui.metrics.apart``) receives
the answers and the options as a pickle on its input, computes with the same code, seeds and numpy, and
writes the results back as a pickle: the same numbers, bit for bit, as computed in place. Only this
module's own child reads the pickle, and it reads only what its parent wrote.

``Apart`` starts the child at once and hands its results over when asked, so the caller can go on with
work of its own meanwhile (the Results screen draws the numbers while the intervals are computed).
The child is stopped (terminated, then killed) when the caller gives up (``cancelled``, ``stop``), and any child
still running when the interpreter exits is stopped too. A child that fails raises ``ApartError``
with one line saying why (its last line on stderr), never its traceback.
"""

from __future__ import annotations

import atexit
import pickle
import subprocess
import sys
import tempfile
import threading
from typing import Callable

from valuegap_tui.processes import stop_child

#: the child's command (tests stand in a failing or a slow one)
COMMAND = (sys.executable, "-m", "valuegap_tui.metrics.apart")
#: how often the caller's ``cancelled`` is asked while the child computes
POLL_S = 0.05

_running: set[subprocess.Popen] = set()
_lock = threading.Lock()


class ApartError(RuntimeError):
    """The child failed: the message is one line."""


def _stop(process: subprocess.Popen) -> None:
    stop_child(process, grace_s=1.0)
    with _lock:
        _running.discard(process)


@atexit.register
def stop_all() -> None:
    """Stop every child still running (the app quits)."""
    with _lock:
        running = list(_running)
    for process in running:
        _stop(process)


def running() -> int:
    """How many children are computing now."""
    with _lock:
        return sum(1 for p in _running if p.poll() is None)


class Apart:
    """A child computing ``compute_results``, started at once: the caller goes on with its own work and
    asks for the results when it needs them (``result``), or gives up on them (``stop``)."""

    def __init__(self, frame, **options):
        # the input from a file: communicate() cannot go on writing a pipe after its timeout
        with tempfile.TemporaryFile() as given:
            pickle.dump((frame, options), given, protocol=pickle.HIGHEST_PROTOCOL)
            given.seek(0)
            self.process = subprocess.Popen(COMMAND, stdin=given, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with _lock:
            _running.add(self.process)

    def result(self, cancelled: Callable[[], bool] = lambda: False):
        """The results, once the child has them; None when ``cancelled()`` turned true first (the child
        is stopped then)."""
        try:
            while True:
                try:
                    out, err = self.process.communicate(timeout=POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled():
                        return None
        finally:
            self.stop()
        if self.process.returncode != 0 or not out:
            lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
            why = lines[-1].strip() if lines else f"it stopped with status {self.process.returncode}"
            raise ApartError(f"the intervals' computing failed: {why}")
        return pickle.loads(out)

    def stop(self) -> None:
        """Stop the child, if it still runs (the results are not wanted)."""
        _stop(self.process)


def compute_apart(frame, cancelled: Callable[[], bool] = lambda: False, **options):
    """``compute_results(frame, **options)`` computed in a child process; None when ``cancelled()``
    turned true first (the child is stopped then)."""
    return Apart(frame, **options).result(cancelled)


def _main() -> None:
    from valuegap_tui.metrics.summary import compute_results

    frame, options = pickle.load(sys.stdin.buffer)
    results = compute_results(frame, **options)
    sys.stdout.buffer.write(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _main()
