"""The app's side of the two-process test: holds a study open the way `valuegap tui` does.

It keeps one connection on its main thread and one on a long-lived worker thread (the app's
screens read on the UI thread and save from workers), starts the simulated server in-process as the
Servers screen does (which opens the study again, and re-reads it on `reload` as its refresh does),
and answers one JSON line per command read from stdin:

    decide ID DECISION   record a review decision from the worker thread
    reload               the simulator re-reads the study
    check                which of this process's descriptors of the study files were deleted or replaced
    quit
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from pathlib import Path

from valuegap_tui.review import decisions as review
from valuegap_tui.simulator.runner import run_simulator
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study


def study_descriptors(path: Path) -> list[tuple[int, str]]:
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # closed meanwhile (e.g. the listing's own descriptor)
        if target.startswith(str(path)):
            found.append((int(name), target))
    return found


def problems(path: Path) -> list[str]:
    """Descriptors whose file is gone from its path, or whose path now names another file."""
    found = []
    descriptors = study_descriptors(path)
    for fd, target in descriptors:
        if target.endswith(" (deleted)"):
            found.append(f"fd {fd} -> {target}")
            continue
        try:
            replaced = os.stat(target).st_ino != os.fstat(fd).st_ino
        except OSError as exc:
            found.append(f"fd {fd} -> {target}: {exc}")
            continue
        if replaced:
            found.append(f"fd {fd} -> {target}: the path now names another file")
    if not any(target == f"{path}-wal" for _, target in descriptors):
        found.append(f"no open descriptor of {path}-wal")
    return found


def main() -> None:
    path = Path(sys.argv[1]).absolute()
    study = open_study(path)
    dilemma_store.count(study)  # the UI thread's connection
    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()

    def worker() -> None:
        dilemma_store.count(study)  # the worker's own connection, held for the whole session
        while (task := tasks.get()) is not None:
            try:
                results.put(task())
            except Exception as exc:  # reported to the test, not swallowed
                results.put(f"error: {exc!r}")

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    with run_simulator(study_path=path) as simulator:
        print(json.dumps({"ready": problems(path)}), flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "decide":
                dilemma_id, decision = rest
                tasks.put(lambda: review.decide(study, dilemma_id, decision, reviewer="app").status.value)
                reply = {"status": results.get(timeout=60)}
            elif command == "reload":
                reply = {"known": simulator.simulator.load_study(path)}
            elif command == "check":
                reply = {"problems": problems(path)}
            else:
                break
            print(json.dumps(reply), flush=True)
    tasks.put(None)
    thread.join(10)
    study.close()


if __name__ == "__main__":
    main()
