"""How a command-line process ends. A command that has written and closed everything it opened may ask
to end its process at once (``at_once``): ``finish`` then runs what Python runs at exit (the ``atexit``
functions: logging's flush among them), flushes stdout and stderr, and ends the process without Python's
teardown of its modules, in which every object is freed one by one. After a report that drew its
figures that teardown was 0.13-0.25 s (matplotlib's, fontTools' and numpy's objects), with nothing left
to write. Only the process's entry points call ``finish``: ``main`` called in a process that goes on
(a test) returns as before.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

_asked = False


def at_once() -> None:
    """Called by a command whose files and study are all closed: its process may end at once."""
    global _asked
    _asked = True


def finish(code: int):
    """End the process with ``code``: at once where the command asked and no other thread runs (Python
    would wait for it), else as Python does."""
    if not _asked or threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()  # what Python itself runs first at exit
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said there
            pass
    os._exit(code)
