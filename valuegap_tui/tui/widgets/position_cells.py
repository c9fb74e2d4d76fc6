"""The Results screen's position cells (metrics.position): the share of answers that went by letter under
each condition's name, the change adjusted for position under each change, and the letter shares per
condition on the Answers tab."""

from __future__ import annotations

import math

from rich.text import Text

from valuegap_tui.text import one_line

#: the style of a position share whose interval leaves 0 out, or a letter share whose interval leaves 1/k
FLAGGED = "bold yellow"


def _flagged(row: dict, question: str) -> bool:
    low, high = row.get(f"{question}_position_low", math.nan), row.get(f"{question}_position_high", math.nan)
    return not math.isnan(low) and (low > 0 or high < 0)


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}".replace("0.", ".", 1) if value >= 0 else f"{value:.2f}"


def position_line(row: dict | None) -> Text:
    """'pos .02/.30': the share of value / action answers that went by letter (yellow: interval without 0)."""
    if row is None:
        return Text("")
    out = Text("pos ", style="dim")
    for i, question in enumerate(("value", "action")):
        if i:
            out.append("/", style="dim")
        out.append(_share(row[f"{question}_position"]), style=FLAGGED if _flagged(row, question) else "dim")
    return out


def adjusted_line(row: dict | None, prefix: str, narrow: bool = False) -> Text:
    """'adj Δ +0.012 [-0.031,+0.055]': the change against baseline adjusted for position (the baseline's
    own row: its adjusted level); empty under estimands without an adjustment. ``narrow`` (below 96
    columns): 'adj +0.012 [-0.03,+0.06]', to fit beside the unadjusted change."""
    if row is None or math.isnan(row.get(f"{prefix}_adjusted", math.nan)):
        return Text("adj –", style="dim")
    change = row[f"{prefix}_adjusted_change"]
    if math.isnan(change):
        level, low, high = (row[f"{prefix}_adjusted{end}"] for end in ("", "_low", "_high"))
        text = f"adj {level:.3f}" + ("" if math.isnan(low) else f" [{low:.3f},{high:.3f}]")
        return Text(text, style="dim")
    low, high = row[f"{prefix}_adjusted_change_low"], row[f"{prefix}_adjusted_change_high"]
    digits = 2 if narrow else 3
    text = (f"adj {change:+.3f}" if narrow else f"adj Δ {change:+.3f}") + (
        "" if math.isnan(low) else f" [{low:+.{digits}f},{high:+.{digits}f}]")
    significant = not math.isnan(low) and (low > 0 or high < 0)
    return Text(text, style="" if significant else "dim")


def render_letter_shares(position_rows: list[dict], letter_rows: list[dict]) -> Text:
    """Per condition and question, the share of answers on each letter (yellow where its interval leaves
    the even share 1/k out) and the share that went by letter, with its interval."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("Letters per condition: share of answers on each letter (options in a Latin square: 1/6 each "
               "without position bias; yellow: its 95% interval leaves 1/6 out) and the share that went by "
               "letter, with its interval\n", style="bold")
    by_key: dict[tuple[str, str], list[dict]] = {}
    for row in letter_rows:
        by_key.setdefault((row["condition"], row["question"]), []).append(row)
    for row in position_rows:
        out.append(one_line(str(row["condition"]))[:40] + "\n")
        for question in ("value", "action"):
            out.append(f"  {question:<7}")
            for letter in by_key.get((row["condition"], question), []):
                low, high, even = letter["share_low"], letter["share_high"], letter["even_share"]
                off = not math.isnan(low) and (low > even or high < even)
                out.append(f" {letter['letter']} ")
                out.append(_share(letter["share"]), style=FLAGGED if off else "")
            low, high = row[f"{question}_position_low"], row[f"{question}_position_high"]
            out.append("   by letter ")
            out.append(f"{row[f'{question}_position']:.2f}" if not math.isnan(row[f"{question}_position"]) else "–",
                       style=FLAGGED if _flagged(row, question) else "")
            if not math.isnan(low):
                out.append(f" [{low:.2f}, {high:.2f}]")
            out.append("\n")
    return out
