"""A screen's key bindings offered in the command palette, as "<Prefix>: <description>", each with the
key that runs it now (the config's [keys] applied), and only those the screen offers at the moment."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from valuegap_tui.keymap import current_key


class BindingCommands(Provider):
    """Subclasses name the prefix and return the bindings of their screen."""

    prefix = ""

    def bindings(self):
        raise NotImplementedError

    def _commands(self):
        screen, keymap = self.screen, getattr(self.app, "keymap_in_use", {})
        offered = getattr(screen, "offers", lambda binding: True)
        for binding in self.bindings():
            if not offered(binding):
                continue
            key = current_key(binding.id, keymap) if binding.id else binding.key
            yield f"{self.prefix}: {binding.description}", partial(screen.run_action, binding.action), key

    async def discover(self) -> Hits:
        for title, run, key in self._commands():
            yield DiscoveryHit(title, run, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, key in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=f"key: {key}")
