"""Child processes: how many cores this process may use for them, and stopping one it started (asked to
end first, killed if it does not in time)."""

from __future__ import annotations

import os
import subprocess


def cores() -> int:
    """The cores this process may run on (its affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def stop_child(process: subprocess.Popen, grace_s: float) -> None:
    """End ``process`` and reap it: SIGTERM, then SIGKILL after ``grace_s`` seconds. Nothing if it ended."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
