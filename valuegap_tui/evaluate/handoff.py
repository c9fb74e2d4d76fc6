"""What planning a run just read and validated, handed to its executor in the same process.

`valuegap run start` plans a run and runs it at once: its executor would read every dilemma
snapshot back from the study and validate it again (about 0.1 ms each, 60 ms for 616 dilemmas
before the first request). The planner keeps the objects it stored here, and the executor takes
them once; any other process, or a run resumed later, reads the snapshots from the study.
"""

from __future__ import annotations

from typing import Any

_KEPT = 4  # runs planned in this process and not started yet, at most
_dilemmas: dict[tuple[str, int], dict[str, Any]] = {}


def keep_dilemmas(path, run_id: int, dilemmas: dict[str, Any]) -> None:
    while len(_dilemmas) >= _KEPT:
        _dilemmas.pop(next(iter(_dilemmas)))
    _dilemmas[(str(path), run_id)] = dilemmas


def take_dilemmas(path, run_id: int) -> dict[str, Any] | None:
    """The snapshots the run was planned with in this process, once; None when it was not."""
    return _dilemmas.pop((str(path), run_id), None)
