"""Helpers for driving the app with Pilot."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette


async def wait_for(pilot, condition, timeout: float = 30.0) -> bool:
    """Let the app run until ``condition()`` holds (work happens in workers), or give up after ``timeout``."""
    for _ in range(int(timeout / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return False


async def palette_entries(pilot) -> dict[str, str]:
    """Open the command palette with ctrl+p, as a person would, and read what it lists before anything is
    typed: each command's title -> its help line (``key: a`` for a screen's keys). Closes it again."""
    app = pilot.app
    await pilot.press("ctrl+p")
    assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=10), "no palette opened"
    listed = app.screen.query_one(CommandList)
    counts = []
    # The providers' commands arrive in batches: read once the list has stopped growing.
    assert await wait_for(pilot, lambda: counts.append(listed.option_count) or
                          (len(counts) > 3 and counts[-1] == counts[-4] > 0), timeout=10), "the palette stayed empty"
    entries = {option.hit.text: option.hit.help or "" for option in listed.options}
    await pilot.press("escape")
    assert await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), timeout=10)
    return entries
