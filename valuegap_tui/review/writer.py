"""The review screen's writer: one thread that commits queued changes in order, off the UI thread.

A reviewer's key queues a change and the screen moves on at once; the change is committed here, one
at a time and in the order the keys were pressed, and ``done`` (or ``failed``, with the exception)
is called after the commit, from this thread: the screen hands it on to its own thread. A failure is
reported and the writer goes on with the next change; nothing queued is dropped. Headless: no
Textual, so it is tested (and usable) without a screen.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_STOP = None


class ReviewWriter:
    def __init__(self, done: Callable[[str, object], None], failed: Callable[[str, Exception], None],
                 *, name: str = "review-writer"):
        self._done, self._failed = done, failed
        self._jobs: queue.Queue = queue.Queue()
        self._busy = 0  # queued or being written; changed under the lock
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, label: str, write: Callable[[], object]) -> None:
        """Queue ``write`` (called with no argument in the writer thread); ``label`` names it in reports."""
        with self._lock:
            self._busy += 1
        self._jobs.put((label, write))

    def idle(self) -> bool:
        """Whether every queued change is committed (and reported)."""
        with self._lock:
            return self._busy == 0

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued, then stop; waits up to ``timeout`` seconds for the thread."""
        self._jobs.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            label, write = job
            try:
                result = write()
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the writer
                self._report(self._failed, label, exc)
            else:
                self._report(self._done, label, result)

    def _report(self, callback: Callable, label: str, value) -> None:
        try:
            callback(label, value)
        except Exception:  # noqa: BLE001 - a report that cannot be delivered (the screen is gone) is dropped
            pass
        finally:
            with self._lock:
                self._busy -= 1
