"""Horizontal bars comparing the value and action answer shares per option."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text

VALUE_STYLE, ACTION_STYLE = Style(color="rgb(76,114,176)"), Style(color="rgb(221,132,82)")


def render_answer_bars(option_labels: list[str], value_shares: np.ndarray, action_shares: np.ndarray,
                       width: int = 40) -> Text:
    out = Text(no_wrap=True, overflow="crop")
    out.append("█ value question (stated)", VALUE_STYLE)
    out.append("   ")
    out.append("█ action question (enacted)\n\n", ACTION_STYLE)
    for label, v, a in zip(option_labels, value_shares, action_shares):
        out.append(label[:34].ljust(35))
        out.append(_bar(v, width), VALUE_STYLE)
        out.append(f" {_pct(v)}\n")
        out.append(" " * 35)
        out.append(_bar(a, width), ACTION_STYLE)
        out.append(f" {_pct(a)}\n")
    return out


def _bar(share: float, width: int) -> str:
    if math.isnan(share):
        return ""
    return "█" * int(round(share * width))


def _pct(share: float) -> str:
    return "–" if math.isnan(share) else f"{share * 100:4.1f}%"
