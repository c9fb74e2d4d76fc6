"""Stopping a child process this program started: asked to end first, killed if it does not in time."""

from __future__ import annotations

import subprocess


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
