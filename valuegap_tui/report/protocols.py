"""The report's section on ways of asking: the gap under each protocol, its spread and the flips
(``metrics/protocols.py``; docs/metrics.md, "Protocols")."""

from __future__ import annotations

from valuegap_tui.metrics.table import Table
from valuegap_tui.report.cells import cell, fmt, p_text, signed


def with_protocol(table: Table, protocol: str) -> Table:
    """The table with a first column naming the protocol it was computed under (a table that has one
    already is left as it is)."""
    if "protocol" in table.columns:
        return table
    return Table(table.name, table.title, ("protocol",) + table.columns, [(protocol,) + row for row in table.rows])


def _interval(row: dict, mid: str, low: str, high: str) -> str:
    if row[low] != row[low]:  # NaN: no interval
        return fmt(row[mid])
    return f"{fmt(row[mid])} [{fmt(row[low])}, {fmt(row[high])}]"


def protocols_markdown(results, model: str) -> list[str]:
    """The model's section on protocols, or nothing when the run asked one way only."""
    found = results.by_protocol
    if found is None:
        return []
    own = [r for r in found.by_protocol.records() if r["model"] == model]
    lines = ["", "### Ways of asking (protocols)", "",
             f"Asked under {', '.join(found.protocols)}; the sections above are under **{results.protocol}**. "
             "Abstained: the share of questions answered by choosing not to choose (offered under abstain only; "
             "never scored, so not in AR or AD).", "",
             "| condition | protocol | items | AR [95% CI] | AD [95% CI] | abstained (value / action) |",
             "|---|---|---:|---|---|---|"]
    for r in own:
        lines.append(f"| {cell(r['condition'])} | {r['protocol']} | {r['items']} | "
                     f"{_interval(r, 'alignment_rate', 'ar_low', 'ar_high')} | "
                     f"{_interval(r, 'alignment_distance', 'ad_low', 'ad_high')} | "
                     f"{fmt(r['abstained'])} ({fmt(r['abstained_value'])} / {fmt(r['abstained_action'])}) |")
    spread = [r for r in found.spread.records() if r["model"] == model]
    if spread:
        lines += ["", "Spread between protocols: the range over the protocols asked, and each against "
                  f"{spread[0]['reference']} on the dilemmas answered under both (sign-flip p, Holm over the "
                  "protocols compared).", "",
                  "| condition | AR range | AD range | protocol | dilemmas | ΔAR [CI] | p / Holm | ΔAD [CI] | p / Holm |",
                  "|---|---:|---:|---|---:|---|---|---|---|"]
        for r in spread:
            lines.append(f"| {cell(r['condition'])} | {fmt(r['ar_range'])} | {fmt(r['ad_range'])} | {r['protocol']} | "
                         f"{r['dilemmas']} | {signed(r['ar_difference'], r['ar_low'], r['ar_high'])} | "
                         f"{p_text(r['ar_p'])} / {p_text(r['ar_p_holm'])} | "
                         f"{signed(r['ad_difference'], r['ad_low'], r['ad_high'])} | "
                         f"{p_text(r['ad_p'])} / {p_text(r['ad_p_holm'])} |")
    flagged = [f for f in found.flagged() if f[0] == model]
    if [r for r in found.flips.records() if r["model"] == model]:
        lines.append("")
        if flagged:
            lines.append("**Direction flips between protocols** (the change against baseline is clearly positive "
                         "under one protocol and clearly negative under another, both intervals excluding 0): "
                         + "; ".join(f"{level} {cell(group)} ({metric})" for _m, level, group, metric in flagged)
                         + ". Every change in protocol_flips.csv.")
        else:
            lines.append("No condition or persona kind changes against baseline in opposite directions under "
                         "different protocols (every change in protocol_flips.csv).")
    return lines + [""]
