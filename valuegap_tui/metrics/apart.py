"""``compute_results`` in a process of its own, so the caller's interpreter stays free meanwhile.

The intervals of a run's results take seconds of CPU (the bootstrap, the sign-flip tests, the rank
intervals). Computed in a thread of the app, they hold the interpreter lock in stretches, and every key
pressed meanwhile waits for it. Here a child Python (``python -m valuegap_tui.metrics.apart``) receives
the answers and the options as two pickles on its input, computes with the same code, seeds and numpy, and
writes the results back as a pickle: the same numbers, bit for bit, as computed in place. Only this
module's own child reads the pickle, and it reads only what its parent wrote.

``Apart`` starts the child at once and hands its results over when asked, so the caller can go on with
work of its own meanwhile (the Results screen draws the numbers while the intervals are computed).
The child is stopped (terminated, then killed) when the caller gives up (``cancelled``, ``stop``), and any child
still running when the interpreter exits is stopped too. A child that fails raises ``ApartError``
with one line saying why (its last line on stderr), never its traceback.

The children run at a lower priority (``NICE``): on a core the app needs too, the app comes first.

With ``split``, two children compute the two halves of the results (``summary.PARTS``: the value
tables and conditions, which draw from one random stream, and the rest) at once, on two cores,
and ``summary.join_parts`` joins them: the same results again, bit for bit. The answers are pickled
once for both; each child's output is read by a thread of its own (a half that ends first is not held
behind the other), and a child ends as soon as its results are written.

A child's start (the interpreter, numpy and the metrics imported: 0.2-0.3 s) can be paid before the
results are wanted: ``prepare`` starts children that import and then wait for their input; the next
``Apart`` hands its input to those instead of starting children, and ``refill`` (the app calls it once
its keys pause) starts new ones once none computes, until ``release``. A waiting child ends as soon as its parent does (its
input closes), so none is left behind even when the parent is killed.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from typing import Callable

from valuegap_tui.processes import cores, stop_child

#: the child's command (tests stand in a failing or a slow one)
COMMAND = (sys.executable, "-m", "valuegap_tui.metrics.apart")
#: how often the caller's ``cancelled`` is asked while the child computes
POLL_S = 0.05
#: added to the children's niceness: where they share a core with the app, the app's own thread (the
#: numbers computed and drawn meanwhile, the keys) comes first, and they take what it leaves
NICE = 5
#: the halves of a split computing (metrics.summary.PARTS, named here so the caller imports no numpy)
PARTS = ("stream", "rest")

_running: set[subprocess.Popen] = set()
_lock = threading.Lock()
#: the children started ahead, imported and waiting for their input (``prepare``), and how many to keep
_ready: list[subprocess.Popen] = []
_keep_ready = 0


class ApartError(RuntimeError):
    """The child failed: the message is one line."""


def _stop(process: subprocess.Popen) -> None:
    stop_child(process, grace_s=1.0)
    with _lock:
        _running.discard(process)


@atexit.register
def stop_all() -> None:
    """Stop every child still running, and those waiting (the app quits)."""
    release()
    with _lock:
        running = list(_running)
    for process in running:
        _stop(process)


#: the C library's allocator in the child (glibc reads these at start; others ignore them): arrays up to
#: 32 MiB come from the heap and freed ones stay there for the next, instead of each being mapped afresh
#: and its pages faulted in. The bootstrap allocates and frees arrays of a few MB per value: at 154,000
#: answers the longer half took 31,800 page faults (0.07-0.31 s of system time under load) against 6,300-
#: 6,800 so. The same arithmetic on the same values: the same results (tests compare them bit for bit).
ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2 ** 20), "MALLOC_TRIM_THRESHOLD_": str(256 * 2 ** 20)}


def child_environment() -> dict[str, str]:
    """This process's environment with ``ALLOCATOR`` added (a setting already made there is kept)."""
    return {**ALLOCATOR, **os.environ}


def _spawn(stdin) -> subprocess.Popen:
    return subprocess.Popen(COMMAND, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_environment())


def _close(process: subprocess.Popen) -> None:
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def split_by_default() -> bool:
    """Whether the results are computed in two children: where this process may use two cores or more."""
    return cores() >= 2


def prepare(children: int | None = None) -> None:
    """Start ``children`` ahead of the results wanted from them (by default as many as an ``Apart``
    starts), and keep as many waiting from now on."""
    global _keep_ready
    with _lock:
        _keep_ready = max(1, children if children is not None else len(PARTS) if split_by_default() else 1)
    refill()


def refill() -> None:
    """Start waiting children up to the number ``prepare`` asked for (those taken are replaced), unless
    children are computing: their results are drawn as they come, and new starts would compete with
    the drawing (the app calls this again once its keys have paused, tui/preload.py)."""
    global _ready
    with _lock:
        ended = [process for process in _ready if process.poll() is not None]  # killed while waiting
        _ready = [process for process in _ready if process.poll() is None]
        computing = any(process.poll() is None for process in _running)
        while not computing and len(_ready) < _keep_ready:
            _ready.append(_spawn(subprocess.PIPE))
    for process in ended:
        process.wait()
        _close(process)


def short() -> bool:
    """Whether ``refill`` would start children now: fewer wait than ``prepare`` asked for, none computes."""
    with _lock:
        return (sum(1 for process in _ready if process.poll() is None) < _keep_ready
                and not any(process.poll() is None for process in _running))


def release() -> None:
    """Keep no child waiting any more, and stop those waiting (the app quits)."""
    global _ready, _keep_ready
    with _lock:
        waiting, _ready, _keep_ready = _ready, [], 0
    for process in waiting:
        stop_child(process, grace_s=1.0)
        _close(process)


def waiting() -> int:
    """How many children started ahead wait for their input (an ``Apart`` now starts computing at once)."""
    with _lock:
        return sum(1 for process in _ready if process.poll() is None)


def waiting_processes() -> list[subprocess.Popen]:
    """The children started ahead and not yet taken (a copy: tests follow them)."""
    with _lock:
        return list(_ready)


def _computing(process: subprocess.Popen) -> None:
    """Count ``process`` as computing: ``refill`` starts none while one computes."""
    with _lock:
        _running.add(process)


def _take_ready() -> subprocess.Popen | None:
    """A waiting child, taken from those waiting; None when none waits (one killed meanwhile is reaped)."""
    with _lock:
        while _ready:
            taken = _ready.pop(0)
            if taken.poll() is None:
                return taken
            taken.wait()
            _close(taken)
    return None


def running() -> int:
    """How many children are computing now."""
    with _lock:
        return sum(1 for p in _running if p.poll() is None)


class _Child:
    """One child given its input (a waiting one where there is one, else a new one)."""

    def __init__(self, given: tuple[bytes, ...]):
        ready = _take_ready()
        if ready is None:
            # the input from a file: communicate() cannot go on writing a pipe after its timeout
            with tempfile.TemporaryFile() as file:
                for part in given:
                    file.write(part)
                file.seek(0)
                self.process = _spawn(file)
        else:
            # the waiting child reads its input as it comes; written by a thread of its own, as
            # communicate() cannot go on writing a pipe after its timeout (a stopped child ends the write)
            self.process, pipe, ready.stdin = ready, ready.stdin, None
            threading.Thread(target=_write, args=(pipe, given), name="valuegap-apart-input", daemon=True).start()
        _computing(self.process)

    def read(self) -> None:
        """Read the child's output and wait for its end (in a thread of its own: see ``Apart.result``)."""
        try:
            self._out, self._err = self.process.communicate()
        except (OSError, ValueError) as exc:  # its pipes closed under it: the child was stopped
            self._out, self._err = b"", str(exc).encode()

    def output(self) -> bytes:
        """What the child wrote, once ``read`` has ended; ApartError where it failed."""
        if self.process.returncode != 0 or not self._out:
            lines = [line for line in self._err.decode("utf-8", "replace").splitlines() if line.strip()]
            why = lines[-1].strip() if lines else f"it stopped with status {self.process.returncode}"
            raise ApartError(f"the intervals' computing failed: {why}")
        return self._out


class Apart:
    """Children computing ``compute_results``, started at once: the caller goes on with its own work and
    asks for the results when it needs them (``result``), or gives up on them (``stop``). ``split``: two
    children, one half of the results each (see the module's docstring); by default where there are
    two cores for them."""

    def __init__(self, frame, split: bool | None = None, **options):
        split = split_by_default() if split is None else split
        inputs = [dict(options, part=part) for part in PARTS] if split else [options]
        # the answers pickled once for both children (15.7 MB at 154,000 answers: 25-45 ms of this
        # process's CPU each time), then each child's options after them
        answers = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        self.children = [_Child((answers, pickle.dumps(given, protocol=pickle.HIGHEST_PROTOCOL))) for given in inputs]

    @property
    def process(self) -> subprocess.Popen:
        """The (first) child."""
        return self.children[0].process

    def result(self, cancelled: Callable[[], bool] = lambda: False):
        """The results, once the children have them; None when ``cancelled()`` turned true first (the
        children are stopped then)."""
        try:
            # every child's output read at once, each by a thread: read one after the other, a child that
            # ended first waited, its output held in a full pipe, until the one read before it had ended
            readers = [threading.Thread(target=child.read, name="valuegap-apart-output", daemon=True)
                       for child in self.children]
            for reader in readers:
                reader.start()
            for reader in readers:
                while reader.is_alive():
                    reader.join(POLL_S)
                    if reader.is_alive() and cancelled():
                        return None
            outputs = [child.output() for child in self.children]
        finally:
            self.stop()
        results = [pickle.loads(out) for out in outputs]
        if len(results) == 1:
            return results[0]
        from valuegap_tui.metrics.summary import join_parts  # numpy: not before the results are wanted

        return join_parts(*results)

    def stop(self) -> None:
        """Stop the children, if they still run (the results are not wanted)."""
        for child in self.children:
            _stop(child.process)


def _write(pipe, given: tuple[bytes, ...]) -> None:
    try:
        with pipe:
            for part in given:
                pipe.write(part)
    except (BrokenPipeError, ValueError, OSError):  # the child was stopped: its results are not wanted
        pass


def compute_apart(frame, cancelled: Callable[[], bool] = lambda: False, **options):
    """``compute_results(frame, **options)`` computed in child processes (``split``: two); None when
    ``cancelled()`` turned true first (the children are stopped then)."""
    return Apart(frame, **options).result(cancelled)


def _main() -> None:
    if hasattr(os, "nice"):  # before the imports: a child started ahead imports while the app runs
        os.nice(NICE)
    from valuegap_tui.metrics.summary import compute_results

    try:
        frame = pickle.load(sys.stdin.buffer)  # the answers, then the options (two pickles)
    except EOFError:  # started ahead, and its parent ended (or released it) before it was needed
        return
    options = pickle.load(sys.stdin.buffer)
    results = compute_results(frame, **options)
    sys.stdout.buffer.write(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    sys.stderr.flush()
    # ended here, without the interpreter's tidying: freeing every array and module took 80-90 ms after
    # the results were written, and the parent reads them only once this process has ended
    os._exit(0)


if __name__ == "__main__":
    _main()
