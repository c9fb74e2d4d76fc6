"""Driving the Personas screen with Pilot."""

from __future__ import annotations

from textual.widgets import DataTable

from valuegap_tui.tui.screens.personas import PersonasScreen


async def settle(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_on(pilot, persona_id):
    screen = pilot.app.screen
    assert isinstance(screen, PersonasScreen)
    table = screen.query_one("#persona-table", DataTable)
    ids = [p.id for p in screen.personas]
    table.move_cursor(row=ids.index(persona_id))
    await pilot.pause()
    return screen
