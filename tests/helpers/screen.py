"""What the terminal is sent: checked for raw control characters and for lines of the screen's width."""

from __future__ import annotations

from rich.cells import cell_len

from valuegap_tui.text import has_unsafe
from valuegap_tui.tui.textual_private import rendered_lines


def screen_lines(app) -> list[str]:
    """What the terminal would be sent for the whole screen, one string per line (styles aside)."""
    return rendered_lines(app)


def assert_clean(app, *, must_show: str | None = None) -> None:
    lines = screen_lines(app)
    width = app.size.width
    for number, line in enumerate(lines):
        assert not has_unsafe(line), f"raw control character on line {number}: {line!r}"
        assert "\t" not in line and "\n" not in line
        assert cell_len(line) == width, f"line {number} is {cell_len(line)} cells wide, not {width}: {line!r}"
    if must_show is not None:
        assert must_show in "\n".join(lines)
