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
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Callable

from valuegap_tui.metrics import apart

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
        self.ahead = False  # the intervals' children started ahead
        self._answered = answered
        self._imported = threading.Event()

    def key(self) -> None:
        self.last_key_at = time.monotonic()

    def stop(self) -> None:
        """The app quits: the intervals' child started ahead is stopped (none is started after)."""
        apart.release()

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
            threading.Thread(target=_import_all, args=(self._imported, self.ahead), name="valuegap-preload",
                             daemon=True).start()
            return
        if not self.ahead and START_AHEAD and self._imported.is_set() and self._has_answers():
            self.ahead = True
            threading.Thread(target=_start_ahead, name="valuegap-preload", daemon=True).start()
            return
        if apart.short():  # children were taken, and none computes: started off this thread (none was
            # asked for ahead: not short)
            threading.Thread(target=apart.refill, name="valuegap-refill", daemon=True).start()

    def _has_answers(self) -> bool:
        try:
            return bool(self._answered())
        except Exception:  # the study cannot be read now (locked, gone): asked again at a later pause
            return False


def _import_all(done: threading.Event | None = None, ahead: bool = False) -> None:
    """Import ``MODULES``, then set ``done`` and (``ahead``) start the intervals' children."""
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the screen will import it again when shown, and say what is wrong there
            return
    if done is not None:
        done.set()
    if ahead:
        _start_ahead()


def _start_ahead() -> None:
    try:
        apart.prepare()
    except OSError:  # no process could be started: the intervals start their own when asked, and say why
        pass
