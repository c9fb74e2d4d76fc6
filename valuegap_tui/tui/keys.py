"""The app's one keymap: bindings built from the table of binding ids (``valuegap_tui/keymap.py``),
and the ``[keys]`` section of the config applied once, when the app starts, for every screen."""

from __future__ import annotations

from textual.binding import Binding

from valuegap_tui.config import ConfigError
from valuegap_tui.keymap import BY_ID, check_keymap


def bind(binding_id: str, action: str, *, description: str | None = None) -> Binding:
    """The binding ``binding_id`` (its default key, description and footer flag from the table) running
    ``action``."""
    spec = BY_ID[binding_id]
    return Binding(spec.key, action, description or spec.description, show=spec.show, priority=spec.priority,
                   id=binding_id)


def read_keymap() -> tuple[dict[str, str], list[str]]:
    """The config's remaps that can be applied, and one line per problem (a section that cannot be
    read, an unknown id, a clash): the app starts with the rest, and says each problem."""
    from valuegap_tui.settings import load_settings

    try:
        keys = load_settings(only=("keys",)).keys
    except ConfigError as exc:
        return {}, [str(exc)]
    return check_keymap(keys)
