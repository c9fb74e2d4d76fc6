"""A screen's key bindings offered in the command palette, as "<Prefix>: <description>"."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class BindingCommands(Provider):
    """Subclasses name the prefix and return the bindings of their screen."""

    prefix = ""

    def bindings(self):
        raise NotImplementedError

    def _commands(self):
        screen = self.screen
        for binding in self.bindings():
            yield f"{self.prefix}: {binding.description}", partial(screen.run_action, binding.action), binding.key

    async def discover(self) -> Hits:
        for title, run, key in self._commands():
            yield DiscoveryHit(title, run, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, key in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=f"key: {key}")
