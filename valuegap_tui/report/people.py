"""The report's sections on who answered: how far the data collection got, people beside models
(``metrics.humans``), and the paired comparisons between respondents (``metrics.between``)."""

from __future__ import annotations

from valuegap_tui.report.collection import Collection
from valuegap_tui.metrics.humans import respondent_status
from valuegap_tui.metrics.table import Table
from valuegap_tui.report.cells import cell, fmt, p_text, signed


def collection_markdown(collection: Collection, items_of: dict[str, int]) -> list[str]:
    """The run's status and each respondent's progress; ``items_of``: respondent -> paired items."""
    lines = ["## Data collection", "", f"**{collection.headline()}**", "",
             "| respondent | asked | planned | paired items | state |", "|---|---:|---:|---:|---|"]
    for r in collection.respondents:
        items = items_of.get(r.respondent)
        state = ("not in this report" if items is None and r.asked
                 else respondent_status(r.human, r.asked, items or 0, r.planned, False))
        lines.append(f"| {cell(r.respondent)} | {r.asked} | {r.planned} | {fmt(items)} | {state} |")
    return lines + [""]


def people_markdown(respondents: Table, spread: Table) -> list[str]:
    """People beside models: each respondent, the spread over people, a model's place among them."""
    lines = ["## People and models", "",
             "Every respondent on the same questions: a model on the conditions, dilemmas and option orders the "
             "people answered (the baseline and the first order, unless people were given others), never on its "
             "other conditions or repeats. r: Pearson correlation over a respondent's dilemmas between "
             "its stated and enacted point, from one answer per side per dilemma (the first repeat), so people and "
             "models stand on the same footing; r (all) uses the mean of all answers, which raises r with the "
             "number averaged (answers: per side per dilemma), so compare it only at equal counts. For a model, "
             "the share of people with a lower AR / AD (ties half), each person against the model on the items "
             "both answered: 0.5 is the middle of the people (docs/respond.md).", "",
             "| respondent | kind | state | items | AR | AD | r | AR among people | AD among people | r (all) "
             "| answers |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in respondents.records():
        lines.append(f"| {cell(r['respondent'])} | {r['kind']} | {r['status'] or '–'} | {r['items']} | "
                     f"{fmt(r['alignment_rate'])} | {fmt(r['alignment_distance'])} | "
                     f"{fmt(r['stated_enacted_r'], 2)} | {fmt(r['ar_percentile_among_humans'], 2)} | "
                     f"{fmt(r['ad_percentile_among_humans'], 2)} | {fmt(r['stated_enacted_r_all'], 2)} | "
                     f"{fmt(r['answers_per_cell'], 0)} |")
    fixed = [r["respondent"] for r in respondents.records() if r["kind"] == "human" and r["scale_order"] == "fixed"]
    if fixed:
        lines += ["", f"{len(fixed)} of the people saw the agreement scale in a fixed order (Strongly agree first); "
                  "every model saw it shuffled. A lean towards the first option becomes a lean towards agreeing "
                  "under the fixed order and only noise under the shuffled one, so part of a difference on the value "
                  "question can be the order (docs/respond.md, \"The agreement scale's order\")."]
    if spread.rows:
        lines += ["", "| over people | n | mean | sd | min | q1 | median | q3 | max |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in spread.records():
            lines.append(f"| {r['metric']} | {r['people']} | " + " | ".join(
                fmt(r[k]) for k in ("mean", "sd", "min", "q1", "median", "q3", "max")) + " |")
    return lines + [""]


def pairs_markdown(pairs: Table) -> list[str]:
    """Model with model and model with people, paired by dilemma."""
    lines = ["## Paired comparisons between respondents", ""]
    if not pairs.rows:
        return lines + ["Nothing to compare yet: no two respondents have paired answers on the same dilemmas "
                        "of one condition.", ""]
    condition = pairs.rows[0][pairs.columns.index("condition")]
    lines += [f"On condition {cell(condition)}, over the dilemmas both sides answered; model vs people: the model "
              "in the option orders the people saw, against the mean of the people on each dilemma. Δ = first - "
              "second with its 95% bootstrap interval over the shared dilemmas; p: sign-flip test; Holm and BH "
              "adjust across the comparisons below, one family per metric; d_z = mean / sd of the per-dilemma "
              "differences. Among people: the share of people below the model on AR / AD, each on the items both "
              "answered (docs/respond.md).", "",
              "| first | second | dilemmas | AR first / second | ΔAR [95% CI] | p / Holm / BH | d_z "
              "| AD first / second | ΔAD [95% CI] | p / Holm / BH | d_z | among people AR / AD |",
              "|---|---|---:|---|---|---|---:|---|---|---|---:|---|"]
    for r in pairs.records():
        second = f"people ({r['people']})" if r["second"] == "people" else cell(r["second"])
        cells = []
        for m in ("ar", "ad"):
            cells += [f"{fmt(r[f'{m}_first'])} / {fmt(r[f'{m}_second'])}",
                      signed(r[f"{m}_difference"], r[f"{m}_low"], r[f"{m}_high"]),
                      " / ".join(p_text(r[f"{m}_{k}"]) for k in ("p", "p_holm", "p_bh")), fmt(r[f"{m}_dz"], 2)]
        among = (f"{fmt(r['ar_percentile_among_people'], 2)} / {fmt(r['ad_percentile_among_people'], 2)}"
                 if r["second"] == "people" else "–")
        lines.append(f"| {cell(r['first'])} | {second} | {r['dilemmas']} | " + " | ".join(cells) + f" | {among} |")
    return lines + [""]
