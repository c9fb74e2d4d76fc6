"""Import the Results screen's module once the app has been left idle a moment, so F5 does not wait
for it (numpy and the metrics: 0.2-0.4 s on a busy 2-core machine).

The app starts without it (the first frame stays fast) and imports it in a thread only after no key
has come for IDLE_S: a person reading the first screen never feels it, a person typing never waits
behind it. A screen opened before that imports what it needs itself, as before.

Then, once the study has an answered question, the processes that compute the Results screen's intervals
are started ahead (metrics/apart.py): they import and wait, so a first open does not wait for their start
(0.2-0.3 s), and they can take the answers as soon as these are read. A study with no answer yet has no
intervals to compute: no child waits (each holds about 45 MB), and a later pause of the keys asks again
(a run started meanwhile). Those taken are replaced at a later pause of the keys, once none computes (not
while their results are drawn). The app stops them when it quits.

metrics/apart.py itself is imported only here, in the thread, and after: importing it imports numpy and
the metrics, which the first frame does without (~70 ms of its CPU).
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Callable

#: the modules worth having before they are asked for (each screen imports its own on first show)
MODULES = ("valuegap_tui.tui.screens.results",)
#: how long with no key before importing
IDLE_S = 1.5
#: start the intervals' child ahead once the imports are done (the tests start theirs when they ask)
START_AHEAD = True


class Preloader:
    """``answered``: whether the study has an answered question yet (asked at a pause of the keys until it
    has; an error reading it counts as no)."""

    def __init__(self, answered: Callable[[], bool] = lambda: True) -> None:
        self.last_key_at = time.monotonic()
        self.started = False  # the imports
        #: the preloading thread has finished its imports (and started the children ahead): metrics/apart.py
        #: is imported, and this thread can ask it without waiting on the import
        self.imported = False
        #: the app has quit: children started ahead are stopped, and none is started after
        self.stopped = False
        self.ahead = False  # the intervals' children started ahead
        self._answered = answered

    def key(self) -> None:
        self.last_key_at = time.monotonic()

    def stop(self) -> None:
        """The app quits: the intervals' children started ahead are stopped, and none is started after.
        While the preloading thread still imports, it stops them itself once done: waiting here for its
        import would hold the app's exit. Never started: nothing was imported, nothing to stop."""
        self.stopped = True
        if self.imported:
            _release()

    def tick(self) -> None:
        """Called on the app's timer: start the import once the keys have paused; a later pause starts the
        intervals' children once the study has answers, and later pauses replace those the Results screen
        has taken."""
        if time.monotonic() - self.last_key_at < IDLE_S:
            return
        if not self.started:
            self.started = True
            # asked here, on the app's thread (the study's connection is its own); started right after
            # the imports where there are answers already
            self.ahead = START_AHEAD and self._has_answers()
            threading.Thread(target=self._preload, name="valuegap-preload", daemon=True).start()
            return
        if not self.imported:
            return  # still importing: asking apart now would wait here for the import
        if not self.ahead and START_AHEAD and self._has_answers():
            self.ahead = True
            threading.Thread(target=self._start_ahead, name="valuegap-preload", daemon=True).start()
            return
        apart = _apart()
        if apart.short():  # children were taken, and none computes: started off this thread (none was
            # asked for ahead: not short)
            threading.Thread(target=apart.refill, name="valuegap-refill", daemon=True).start()

    def _has_answers(self) -> bool:
        try:
            return bool(self._answered())
        except Exception:  # the study cannot be read now (locked, gone): asked again at a later pause
            return False

    def _preload(self) -> None:
        try:
            if _import_all() and self.ahead and not self.stopped:
                _prepare()
        finally:
            self.imported = True  # before looking at stopped: stop() looks at them the other way round
            if self.stopped:
                _release()

    def _start_ahead(self) -> None:
        if not self.stopped:
            _prepare()
        if self.stopped:  # the app quit while they started
            _release()


def _apart():
    """metrics/apart.py, imported when first needed: importing it imports numpy and the metrics (0.1-0.3 s
    of CPU), which the app's first frame does without."""
    from valuegap_tui.metrics import apart

    return apart


def _import_all() -> bool:
    """Import ``MODULES``; False when one cannot be imported."""
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the screen will import it again when shown, and say what is wrong there
            return False
    return True


def _prepare() -> None:
    try:
        _apart().prepare()
    except OSError:  # no process could be started: the intervals start their own when asked, and say why
        pass


def _release() -> None:
    try:
        apart = _apart()
    except Exception:  # noqa: BLE001 - the metrics cannot be imported: no child was started ahead either
        return
    apart.release()
