"""The report's position section (metrics.position): per condition, the share of answers that went by
letter and AR and AD adjusted for it beside the unadjusted change, then the letter shares."""

from __future__ import annotations

import math


def _number(value: float, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _with_interval(row: dict, key: str, signed: bool = False) -> str:
    text = _number(row[key], signed)
    if text != "–" and not math.isnan(row[f"{key}_low"]):
        text += f" [{_number(row[f'{key}_low'], signed)}, {_number(row[f'{key}_high'], signed)}]"
    return text


def position_markdown(conditions: list[dict], position: list[dict], letters: list[dict], cell) -> list[str]:
    """Markdown lines for one model. ``conditions``: the model's rows of the conditions table (for the
    unadjusted change beside the adjusted one); ``cell``: the report's escaping of names."""
    if not position:
        return ["(no answers to measure letter positions on)"]
    unadjusted = {r["condition"]: r for r in conditions}
    lines = ["Options are shown in the rows of a Latin square, so a respondent answering by content picks each "
             "letter 1/6 of the time. 'By letter': the share of answers that went by letter whatever option sat "
             "there (cross-fitted from the least chosen letter); 'adjusted': AR and AD of the answers with that "
             "share taken out (docs/metrics.md, Position). A change against baseline that disappears once "
             "adjusted is a position effect, not a change of the gap.", "",
             "| condition | by letter: value | by letter: action | ΔAR | ΔAR adjusted [CI] | p | ΔAD "
             "| ΔAD adjusted [CI] | p | AR adjusted [CI] | AD adjusted [CI] |",
             "|---|---|---|---:|---|---:|---:|---|---:|---|---|"]
    for row in position:
        plain = unadjusted.get(row["condition"], {})
        lines.append(f"| {cell(row['condition'])} | {_with_interval(row, 'value_position')} | "
                     f"{_with_interval(row, 'action_position')} | {_number(plain.get('ar_change', math.nan), True)} | "
                     f"{_with_interval(row, 'ar_adjusted_change', True)} | {_p(row['ar_adjusted_change_p'])} | "
                     f"{_number(plain.get('ad_change', math.nan), True)} | "
                     f"{_with_interval(row, 'ad_adjusted_change', True)} | {_p(row['ad_adjusted_change_p'])} | "
                     f"{_with_interval(row, 'ar_adjusted')} | {_with_interval(row, 'ad_adjusted')} |")
    lines += ["", "Letter shares (* where the 95% interval leaves 1/6 out; intervals in letters.csv):", "",
              "| condition | question | A | B | C | D | E | F |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    by_key: dict[tuple[str, str], list[dict]] = {}
    for row in letters:
        by_key.setdefault((row["condition"], row["question"]), []).append(row)
    for row in position:
        for question in ("value", "action"):
            shares = []
            for letter in by_key.get((row["condition"], question), []):
                off = not math.isnan(letter["share_low"]) and (letter["share_low"] > letter["even_share"]
                                                               or letter["share_high"] < letter["even_share"])
                shares.append(f"{letter['share']:.3f}" + ("*" if off else ""))
            lines.append(f"| {cell(row['condition'])} | {question} | " + " | ".join(shares) + " |")
    return lines


def _p(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.3g}"
