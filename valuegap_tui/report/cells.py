"""How the report writes a number or a name into a Markdown table cell."""

from __future__ import annotations

import math


def fmt(value, digits: int = 3) -> str:
    """A number to ``digits`` places ("–" when missing); anything else as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def p_text(value) -> str:
    """A p-value to three significant digits ("–" when missing)."""
    return "–" if value is None or math.isnan(value) else f"{value:.3g}"


def signed(value, low=None, high=None) -> str:
    """A difference with its sign, and its interval when there is one: +0.375 [+0.100, +0.600]."""
    if value is None or math.isnan(value):
        return "–"
    text = f"{value:+.3f}"
    if low is not None and high is not None and not (math.isnan(low) or math.isnan(high)):
        text += f" [{low:+.3f}, {high:+.3f}]"
    return text


def cell(text) -> str:
    """A name in a Markdown table cell: pipes escaped, line breaks and other control characters shown as
    escapes (names come from the study and the models, not from us)."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|")
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
