"""The key bar at the foot of every screen, drawn again only when the keys it shows change.

Textual's Footer mounts all its keys again at every bindings signal (each focus change, each change of
the screen stack), one recompose per signal. The review screen sends five in the first 0.3 s after its
first frame, ~50 ms each at 22 keys, so the first decision key waited ~250 ms. This footer answers a
burst of signals with one look, and recomposes only when the keys, their labels or their enabled state
differ from what it shows.

Each key it mounts is given the footer's compact style before it is mounted: Textual's keys start
compact and are then bound to the footer's (not compact), so each key's styles were worked out twice
on mounting (the review screen's ~40 keys: ~0.1 s of CPU profiled before its first frame).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from valuegap_tui.tui.textual_private import FooterKey, mark_footer_bindings_ready


class KeysFooter(Footer):
    _look_pending = False
    _shown: tuple | None = None

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # compact as the footer is, from the start: Footer binds each key's compact to its own, all
            # but the palette's key, which it leaves compact
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen) -> None:
        mark_footer_bindings_ready(self)
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._look_pending:
            self._look_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    def _keys_shown(self) -> tuple:
        """What compose() draws from: each shown binding with its enabled state and tooltip."""
        bindings = self.screen.active_bindings
        keys = tuple((binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
                     for _node, binding, enabled, tooltip in bindings.values() if binding.show)
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return keys, self.compact, self.show_command_palette, palette[2] if palette else None

    async def _recompose_if_changed(self) -> None:
        self._look_pending = False
        if not self.is_attached:
            return
        keys = self._keys_shown()
        if keys == self._shown:
            return
        self._shown = keys
        await self.recompose()
