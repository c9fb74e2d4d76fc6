"""Cells of the Results screen's tables: levels with intervals, changes with interval and p, names cut
to fit, and the column headers of the compact and the wide conditions table."""

from __future__ import annotations

import math

from rich.text import Text

from valuegap_tui.text import one_line

NAME_WIDTH = 22


def condition_columns(wide: bool, narrow: bool = False, position: bool = False) -> tuple[str, ...]:
    """Both forms show, per condition, AR and AD with their interval, the change against baseline with
    its interval and Holm p, in two-line cells; the wide one adds kind, baseline, BH, d_z, retest and F1.
    ``position`` (the conditions table): the position share under the name and the change adjusted for
    position under each change."""
    if not wide:
        change = "Δ [CI], p Holm" if narrow else "Δ vs baseline [CI], p Holm"
        adjusted = "\nadj: for position" if position else ""
        name = "Condition\npos: by letter v/a" if position else "Condition"
        return (name, f"AR [95% CI]\n{change}{adjusted}", f"AD [95% CI]\n{change}{adjusted}")
    adjusted = "\nadj: for position" if position else ""
    name = "Condition\npos: by letter v/a" if position else "Condition"
    return (name, "Kind\ndilemmas", "AR [95% CI]\nbaseline", f"ΔAR [CI]\np Holm / BH  d_z{adjusted}",
            "AD [95% CI]\nbaseline", f"ΔAD [CI]\np Holm / BH  d_z{adjusted}", "Retest AR v/a\nRetest AD v/a",
            "F1 oppose\nF1 align")


def fit(text: str, width: int = NAME_WIDTH) -> str:
    """A name on one line, cut with … when longer than ``width`` (the full name is on the cursor line)."""
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def p_text(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.2g}"


def with_interval(value: float, low: float, high: float) -> str:
    return num(value) if math.isnan(low) else f"{num(value)} [{num(low)}, {num(high)}]"


def change_text(row: dict, prefix: str, better_when_up: bool) -> Text:
    """The change with its interval, green or red when the interval excludes 0."""
    mean = row[f"{prefix}_change"]
    if math.isnan(mean):
        return Text("–")
    text = f"{mean:+.3f}"
    low, high = row[f"{prefix}_change_low"], row[f"{prefix}_change_high"]
    if not math.isnan(low):
        text += f" [{low:+.3f}, {high:+.3f}]"
    significant = not math.isnan(low) and (low > 0 or high < 0)
    style = ("green" if (mean > 0) == better_when_up else "red") if significant else ""
    return Text(text, style=style)


def compact_change(row: dict, prefix: str, better_when_up: bool, split: bool = False) -> list[Text]:
    """ "Δ +0.098 [+0.039,+0.155] p 0.006": the change, its interval and its Holm-adjusted p (``split``:
    the p on a line of its own)."""
    if math.isnan(row[f"{prefix}_change"]):
        return [Text("Δ –")] + ([Text("")] if split else [])
    change = change_text(row, prefix, better_when_up)
    out = Text("Δ ")
    out.append_text(Text(change.plain.replace(", ", ","), style=change.style))
    holm = row[f"{prefix}_change_p_holm"]
    p = Text(f"p Holm {p_text(holm)}" if split else f" p {p_text(holm)}", style="bold" if holm <= 0.05 else "")
    if math.isnan(holm):
        p = Text("")
    return [out, p] if split else [out + p]


def level_text(row: dict, prefix: str, metric: str) -> str:
    return with_interval(row[metric], row[f"{prefix}_low"], row[f"{prefix}_high"]).replace(", ", ",")


def adjusted_p(row: dict, prefix: str) -> Text:
    holm, bh = row[f"{prefix}_change_p_holm"], row[f"{prefix}_change_p_bh"]
    if math.isnan(holm):
        return Text("–")
    return Text(f"{p_text(holm)} / {p_text(bh)}", style="bold" if bh <= 0.05 else "")


def rank_text(row: dict) -> str:
    if math.isnan(row["rank_low"]):
        return str(row["rank"])
    return f"{row['rank']} [{row['rank_low']:g}, {row['rank_high']:g}]"


def logprob_note(results) -> str:
    """How a logprob run's answers are counted (l switches)."""
    if not results.logprobs:
        return ""
    return ("; logprob answers as distributions (l: top letters)" if results.expected
            else "; logprob answers as top letters (l: distributions)")


def outcome_note(results, model: str) -> str:
    """The invalid answers by outcome, e.g. " (conflict 21, ambiguous 3)"; and requests too long."""
    from valuegap_tui.outcomes import INVALID_OUTCOMES

    rows = [r for r in results.outcomes.records() if r["model"] == model] if results.outcomes is not None else []
    counts = {name: sum(r[name] for r in rows) for name in (*INVALID_OUTCOMES, "too_long")}
    invalid = ", ".join(f"{name} {counts[name]}" for name in INVALID_OUTCOMES if counts[name])
    return (f" ({invalid})" if invalid else "") + (f", too long {counts['too_long']}" if counts["too_long"] else "")
