"""Which simulated server the app is using, apart from the app so that the screen that starts one can
say so without importing the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatorInUse:
    """The simulated server this app (or the demo that opened it) started: the Runs form asks it."""

    base_url: str
    model: str
