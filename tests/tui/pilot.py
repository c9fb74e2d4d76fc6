"""Helpers for driving the app with Pilot."""

from __future__ import annotations


async def wait_for(pilot, condition, timeout: float = 30.0) -> bool:
    """Let the app run until ``condition()`` holds (work happens in workers), or give up after ``timeout``."""
    for _ in range(int(timeout / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return False
