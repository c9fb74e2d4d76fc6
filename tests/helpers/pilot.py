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


async def run_from_palette(pilot, words: str, title: str) -> list[str]:
    """Open the command palette with ctrl+p, type ``words`` as a person would, wait for the command
    ``title`` among the matches, move the highlight onto it and press enter. Returns every title the
    palette offered for ``words`` (so a test can say what else matched); fails if ``title`` never came."""
    app = pilot.app
    await pilot.press("ctrl+p")
    assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=10), "no palette opened"
    await pilot.press(*words)
    listed = app.screen.query_one(CommandList)

    def titles():
        return [option.hit.text for option in listed.options if hasattr(option, "hit")]  # not "no matches"

    assert await wait_for(pilot, lambda: title in titles(), timeout=10), f"{title!r} not offered for {words!r}: {titles()}"
    await pilot.pause(0.3)  # the other providers' matches arrive too
    offered = titles()
    target = offered.index(title)
    for _ in range(len(offered) + 1):
        if listed.highlighted == target:
            break
        await pilot.press("down")
    assert listed.highlighted == target
    await pilot.press("enter")
    assert await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), timeout=10)
    return offered
