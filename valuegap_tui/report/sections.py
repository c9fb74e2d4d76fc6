"""The summary's Markdown tables: the conditions and persona kinds against baseline, the value ranking,
the values whose change is significant, the kinds adjusted for extremity and how the questions ended
(``writer.summary_markdown`` puts them in each model's section)."""

from __future__ import annotations

import math

from valuegap_tui.report.cells import cell as _cell
from valuegap_tui.report.cells import fmt as _fmt
from valuegap_tui.report.cells import p_text as _p


def _interval(row: dict, mid: str, low: str, high: str) -> str:
    if math.isnan(row[low]):
        return _fmt(row[mid])
    return f"{_fmt(row[mid])} [{_fmt(row[low])}, {_fmt(row[high])}]"

def _change(row: dict, prefix: str) -> str:
    if math.isnan(row[f"{prefix}_change"]):
        return "–"
    change = row[f"{prefix}_change"]
    text = f"{change:+.3f}"
    if not math.isnan(row[f"{prefix}_change_low"]):
        text += f" [{row[f'{prefix}_change_low']:+.3f}, {row[f'{prefix}_change_high']:+.3f}]"
    return text

def _tests(row: dict, prefix: str) -> str:
    """p, then Holm- and BH-adjusted p, then d_z."""
    return (f"{_p(row[f'{prefix}_change_p'])} / {_p(row[f'{prefix}_change_p_holm'])} / "
            f"{_p(row[f'{prefix}_change_p_bh'])} | {_fmt(row[f'{prefix}_change_dz'], 2)}")

def comparison_markdown(rows: list[dict], kinds: bool) -> list[str]:
    """The conditions table (condition, its kind) or the persona-kinds table (kind, its personas)."""
    first = "| kind | personas |" if kinds else "| condition | kind |"
    lines = [first + " dilemmas | AR [95% CI] | baseline AR | ΔAR [CI] | p / Holm / BH | d_z "
             "| AD [95% CI] | baseline AD | ΔAD [CI] | p / Holm / BH | d_z | retest AR (value / action) "
             "| retest AD (value / action) | F1 oppose | F1 align |",
             "|---|---|---:|---|---:|---|---|---:|---|---:|---|---|---:|---|---|---:|---:|"]
    for row in rows:
        second = row["personas"] if kinds else _cell(row["kind"])
        lines.append(f"| {_cell(row['condition'])} | {second} | {row['dilemmas']} | "
                     f"{_interval(row, 'alignment_rate', 'ar_low', 'ar_high')} | {_fmt(row['baseline_ar'])} | "
                     f"{_change(row, 'ar')} | {_tests(row, 'ar')} | "
                     f"{_interval(row, 'alignment_distance', 'ad_low', 'ad_high')} | {_fmt(row['baseline_ad'])} | "
                     f"{_change(row, 'ad')} | {_tests(row, 'ad')} | "
                     f"{_fmt(row['value_retest_ar'])} / {_fmt(row['action_retest_ar'])} | "
                     f"{_fmt(row['value_retest_ad'])} / {_fmt(row['action_retest_ad'])} | "
                     f"{_fmt(row['f1_oppose'])} | {_fmt(row['f1_align'])} |")
    return lines

def outcomes_markdown(rows: list[dict]) -> list[str]:
    """How the questions ended, per question: only the outcomes that happened (docs/metrics.md, "Answers")."""
    from valuegap_tui.outcomes import OUTCOMES

    parts = []
    for row in rows:
        ended = ", ".join(f"{name} {row[name]}" for name in OUTCOMES if row[name])
        parts.append(f"{row['question']}: {row['asked']} asked ({ended})")
    if not parts:
        return []
    return ["How the questions ended: " + "; ".join(parts) + ". conflict: a letter beside another option's text; "
            "ambiguous: several letters, a list or a negated letter; too_long: the request did not fit the "
            "server's context.", ""]

def _rank(row: dict) -> str:
    if math.isnan(row["rank_low"]):
        return str(row["rank"])
    return f"{row['rank']} [{row['rank_low']:g}, {row['rank_high']:g}]"

def ranking_markdown(rows: list[dict]) -> list[str]:
    lines = ["| rank [95% CI] | value | type | dilemmas | AD [95% CI] | AR [95% CI] |", "|---|---|---|---:|---|---|"]
    shown = rows if len(rows) <= 12 else rows[:6] + rows[-6:]
    for row in shown:
        lines.append(f"| {_rank(row)} | {_cell(row['name'])} | {_cell(row['value_type'])} | {row['dilemmas']} | "
                     f"{_interval(row, 'alignment_distance', 'ad_low', 'ad_high')} | "
                     f"{_interval(row, 'alignment_rate', 'ar_low', 'ar_high')} |")
    if len(rows) > 12:
        lines.append("\n(largest and smallest six; every value in value_ranking.csv)")
    return lines

def value_changes_markdown(rows: list[dict], level: float = 0.05) -> list[str]:
    """The values whose change against baseline is significant after BH adjustment, per condition."""
    found = [r for r in rows if r["condition"] != "baseline"
             and any(r[f"{m}_change_p_bh"] <= level for m in ("ar", "ad") if not math.isnan(r[f"{m}_change_p_bh"]))]
    tested = any(not math.isnan(r["ar_change_p"]) for r in rows)
    if not tested:
        return ["(no per-value tests: no condition shares dilemmas with a baseline)"]
    if not found:
        return [f"No value changes against baseline with a BH-adjusted p <= {level} in any condition "
                "(every value of every condition in by_value.csv)."]
    lines = [f"Values whose AR or AD change against baseline has a Benjamini-Hochberg adjusted p <= {level} "
             "(family: the values of one condition); every value in by_value.csv.", "",
             "| condition | value | dilemmas | ΔAR [CI] | p / Holm / BH | d_z | ΔAD [CI] | p / Holm / BH | d_z |",
             "|---|---|---:|---|---|---:|---|---|---:|"]
    for row in found:
        lines.append(f"| {_cell(row['condition'])} | {_cell(row['name'])} | {row['dilemmas']} | {_change(row, 'ar')} | "
                     f"{_tests(row, 'ar')} | {_change(row, 'ad')} | {_tests(row, 'ad')} |")
    return lines

def adjusted_markdown(rows: list[dict]) -> list[str]:
    """Kind changes with and without the change that the personas' extremity predicts (metrics.covariates)."""
    if not rows:
        return ["(no persona kind with known extremity shares dilemmas with the baseline)"]
    lines = ["Each persona's change against baseline minus slope x its extremity, the slope fitted on the "
             f"congruent (moderate and max) personas through the origin: AR slope {_fmt(rows[0]['ar_slope'])}, "
             f"AD slope {_fmt(rows[0]['ad_slope'])} per unit of extremity. An adjusted change near 0 means the "
             "kind's change is what its extremity predicts (docs/personas.md).", "",
             "| kind | personas | mean extremity | ΔAR | ΔAR adjusted | ΔAD | ΔAD adjusted |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        changes = " | ".join("–" if math.isnan(r[c]) else f"{r[c]:+.3f}"
                             for c in ("ar_change", "ar_change_adjusted", "ad_change", "ad_change_adjusted"))
        lines.append(f"| {_cell(r['kind'])} | {r['personas']} | {_fmt(r['extremity'])} | {changes} |")
    return lines
