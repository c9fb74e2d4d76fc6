"""Every action of every stage screen in the command palette, as "<Screen>: <description>", each with the
key that runs it now (the config's [keys] applied).

The screen on show lists its own bindings, only those it offers at the moment (``offers``: a review key
the study's design lacks, the run form's keys while it is closed). The other stage screens list theirs
too: choosing one opens that screen and runs it there, so "new run" or "probe" is found from anywhere.
Bindings that act on what a screen shows (a label key, closing a form; ``KeySpec.anywhere``) are listed
on their own screen only. Over a pop-up the palette lists no screen's actions: the pop-up has the keys.
"""

from __future__ import annotations

import inspect
from functools import partial

from textual.actions import parse as parse_action
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen

from valuegap_tui.keymap import BY_ID, SPECS, STAGE_SCOPES, STAGES, current_key


def palette_bindings(screen) -> list:
    """The screen's bindings as the palette lists them: ``screen.palette_bindings()`` where the screen
    describes its own (the review screen: the design's label names), else its class's bindings."""
    own = getattr(screen, "palette_bindings", None)
    bindings = own() if own is not None else type(screen).BINDINGS
    return [b for b in bindings if getattr(b, "id", None) in BY_ID]


def offered(screen, binding) -> bool:
    return bool(getattr(screen, "offers", lambda _binding: True)(binding))


async def run_binding(screen, binding) -> None:
    """Run a binding's action on its screen. The screen's ``offers`` decides, not ``check_action``: the
    latter also keeps single-letter keys out of text fields, which does not apply to a chosen command."""
    _namespace, name, parameters = parse_action(binding.action)
    result = getattr(screen, f"action_{name}")(*parameters)
    if inspect.isawaitable(result):
        await result


async def open_and_run(app, mode: str, binding_id: str) -> None:
    """Open the stage screen of ``mode``, then run the binding there if the screen offers it now."""
    await app.switch_mode(mode)
    screen = app.stage_screen(mode)
    binding = next((b for b in palette_bindings(screen) if b.id == binding_id), None)
    if binding is None or not offered(screen, binding):
        spec = BY_ID[binding_id]
        app.notify(f"{spec.description} is not available on this screen now.", severity="warning")
        return
    await run_binding(screen, binding)


def _stage_key(mode: str, keymap) -> str:
    return current_key(f"screen.{mode}", keymap).upper()


class StageCommands(Provider):
    """The app's provider: every stage screen's actions (module docstring)."""

    def _commands(self):
        app, shown = self.app, self.screen
        if isinstance(shown, ModalScreen) or not hasattr(app, "stage_screen"):
            return
        keymap = getattr(app, "keymap_in_use", {})
        titles = {mode: title for mode, title, _key in STAGES}
        current = app.current_mode
        scopes = sorted(STAGE_SCOPES.items(), key=lambda item: item[1][0] != current)  # the shown screen first
        for scope, (mode, prefix) in scopes:
            if mode == current:
                for binding in palette_bindings(shown):
                    if offered(shown, binding):
                        yield (f"{prefix}: {binding.description}", partial(run_binding, shown, binding),
                               f"key: {current_key(binding.id, keymap)}")
                continue
            where = f"on {titles[mode]} ({_stage_key(mode, keymap)})"
            screen = app.stage_screen(mode)
            if screen is not None:  # opened before: what it offers now, in its own words
                entries = [(b.id, b.description) for b in palette_bindings(screen)
                           if BY_ID[b.id].anywhere and offered(screen, b)]
            else:
                entries = [(s.id, s.description) for s in SPECS if s.scope == scope and s.anywhere]
            for binding_id, description in entries:
                yield (f"{prefix}: {description}", partial(open_and_run, app, mode, binding_id),
                       f"key: {current_key(binding_id, keymap)} {where}")

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands():
            yield DiscoveryHit(title, run, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)
