"""Answer shares drawn with terminal cells: value vs action per option, and per condition as stacked bars."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text

from valuegap_tui.text import one_line

VALUE_STYLE, ACTION_STYLE = Style(color="rgb(76,114,176)"), Style(color="rgb(221,132,82)")
#: options from strongly agree / aligning (dark blue) to strongly disagree / opposing (dark red)
OPTION_STYLES = tuple(Style(bgcolor=c, color=f) for c, f in (
    ("rgb(33,102,172)", "white"), ("rgb(103,169,207)", "black"), ("rgb(209,229,240)", "black"),
    ("rgb(253,219,199)", "black"), ("rgb(239,138,98)", "black"), ("rgb(178,24,43)", "white")))
OPTION_MARKS = "123456"


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


def render_condition_bars(option_labels: list[str], per_condition: list[tuple[str, dict]], width: int = 50,
                          label_width: int = 22) -> Text:
    """Per condition two stacked bars (value, action) of option shares, the options numbered in a legend."""
    out = Text(no_wrap=True, overflow="crop")
    out.append("Per condition: the value answer (v) and the action answer (a) as shares of each option\n")
    for mark, label, style in zip(OPTION_MARKS, option_labels, OPTION_STYLES):
        out.append(f" {mark} ", style)
        out.append(f" {label}\n")
    out.append("\n")
    for condition, shares in per_condition:
        name = one_line(condition)
        name = name if len(name) <= label_width else name[: label_width - 1] + "…"
        for question, tag in (("value", "v"), ("action", "a")):
            out.append(f"{name if tag == 'v' else '':<{label_width}} {tag} ")
            _stacked(out, np.asarray(shares[question], dtype=float), width)
            out.append("\n")
    return out


def _stacked(out: Text, shares: np.ndarray, width: int) -> None:
    if np.isnan(shares).all() or np.nansum(shares) == 0:
        out.append("no valid answers", Style(color="grey50"))
        return
    # cells per option by largest remainder, so the bar is always exactly ``width`` long
    raw = np.nan_to_num(shares) / np.nansum(shares) * width
    cells = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - cells))[: width - cells.sum()]:
        cells[k] += 1
    for k, n in enumerate(cells):
        if n:
            text = f"{shares[k]:.0%}" if n >= 4 else OPTION_MARKS[k]
            out.append(text.center(n)[:n], OPTION_STYLES[k])


def _bar(share: float, width: int) -> str:
    if math.isnan(share):
        return ""
    return "█" * int(round(share * width))


def _pct(share: float) -> str:
    return "–" if math.isnan(share) else f"{share * 100:4.1f}%"
