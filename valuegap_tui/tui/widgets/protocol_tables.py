"""The Results screen's Protocols tab: the gap under each way of asking, its spread and the flips
(``metrics/protocols.py``), as plain text (names from the study shown through ``text.visible``)."""

from __future__ import annotations

import math

from rich.text import Text

from valuegap_tui.text import one_line
from valuegap_tui.tui.widgets.result_cells import num, p_text

ONE_PROTOCOL = ("This run asked every question one way ({protocol}). Name more in the run definition's protocols "
                "(standard, abstain, third-person, paraphrase-1..3: docs/evaluation.md) to see how far the gap "
                "moves with the way of asking.")


def _ci(value: float, low: float, high: float) -> str:
    if math.isnan(low):
        return num(value, 3)
    return f"{num(value, 3)} [{num(low, 3)},{num(high, 3)}]"


def _signed(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:+.3f}"


def _cut(name: str, width: int) -> str:
    """The name on one line in ``width`` columns, cut with an ellipsis (never silently)."""
    name = one_line(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def render_protocols(results, model: str | None, width: int = 80) -> Text:
    """Lines that fit ``width`` columns (80 at least): each condition under each protocol, the abstentions,
    the spread, the flips. The condition column takes what the other columns leave, up to its longest name."""
    found = results.by_protocol
    if found is None:
        return Text(ONE_PROTOCOL.format(protocol=results.protocol))
    rows = [r for r in found.by_protocol.records() if r["model"] == model]
    longest = max((len(one_line(r["condition"])) for r in rows), default=9)
    n = max(16, min(longest, width - 2 - 59))  # 59: the other columns and their gaps; 2: the scrollbar
    text = Text()
    text.append(f"Asked under {', '.join(found.protocols)}; tabs 1-6 show {results.protocol}. "
                "AR and AD per protocol, 95% intervals over dilemmas.\n\n", style="dim")
    text.append(f"{'condition':<{n}} {'protocol':<12} {'items':>5} {'AR [95% CI]':<19} {'AD [95% CI]':<19}\n",
                style="bold")
    for r in rows:
        text.append(f"{_cut(r['condition'], n):<{n}} {r['protocol']:<12} {r['items']:>5} "
                    f"{_ci(r['alignment_rate'], r['ar_low'], r['ar_high']):<19} "
                    f"{_ci(r['alignment_distance'], r['ad_low'], r['ad_high']):<19}\n")
    offered = [r for r in rows if r["abstained_value"] > 0 or r["abstained_action"] > 0 or r["protocol"] == "abstain"]
    if offered:
        text.append("\nAbstained (chose not to choose; never scored), value / action:\n", style="bold")
        for r in offered:
            text.append(f"{_cut(r['condition'], n):<{n}} {r['protocol']:<12} "
                        f"{num(r['abstained_value'], 3)} / {num(r['abstained_action'], 3)}\n")
    spread = [r for r in found.spread.records() if r["model"] == model]
    if spread:
        text.append(f"\nSpread: the range over protocols; each against {spread[0]['reference']}, paired over "
                    "dilemmas (p: sign-flip, Holm)\n", style="bold")
        shown = None
        for r in spread:
            if r["condition"] != shown:
                shown = r["condition"]
                text.append(f"{_cut(shown, width - 40)}: AR range {num(r['ar_range'], 3)}, AD range "
                            f"{num(r['ad_range'], 3)}\n")
            text.append(f"  {r['protocol']:<12} ΔAR {_signed(r['ar_difference'])} p {p_text(r['ar_p_holm']):<6}  "
                        f"ΔAD {_signed(r['ad_difference'])} p {p_text(r['ad_p_holm'])}\n")
    flagged = [f for f in found.flagged() if f[0] == model]
    text.append("\n")
    if flagged:
        text.append("Direction flips", style="bold red")
        text.append(" (the change against baseline is clearly up under one protocol and clearly down under "
                    "another): " + "; ".join(f"{level} {one_line(group)} ({metric})"
                                             for _m, level, group, metric in flagged) + "\n")
    elif [r for r in found.flips.records() if r["model"] == model]:
        text.append("No condition or persona kind changes against baseline in opposite directions under different"
                    " protocols.\n")
    return text
