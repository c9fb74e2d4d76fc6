"""The rows of the Results screen's tables, built from the metrics' records: conditions and kinds (compact
or wide), values, topics, and the kinds adjusted for extremity. Every name is untrusted text: shown
through ``one_line`` / ``fit``, never as markup."""

from __future__ import annotations

import math

from rich.text import Text

from valuegap_tui.catalogue import catalogue
from valuegap_tui.tui.widgets.position_cells import adjusted_line, position_line
from valuegap_tui.tui.widgets.result_cells import (
    adjusted_p,
    change_text,
    compact_change,
    fit,
    level_text,
    num,
    rank_text,
    with_interval,
)
from valuegap_tui.text import one_line


def condition_rows(records: list[dict], position: dict, *, kinds: bool, wide: bool, narrow: bool):
    """(cells, height) per condition or kind: the name (with its personas, or its position share), AR
    and AD with their intervals and changes; the wide form adds kind, baseline, d_z, retest and F1."""
    for row in records:
        name = Text(fit(row["condition"]))
        shift = position.get((row["model"], row["condition"]))
        if kinds:  # a kind's result rests on its personas: say how many
            name.append(f"\n{row['personas']} persona" + ("" if row["personas"] == 1 else "s"), style="dim")
        else:  # the share of answers that went by letter, beside the gap it can fake
            name.append("\n")
            name.append_text(position_line(shift))
        if not wide:
            lines = 3 if narrow else 2  # p on a line of its own below 96 columns
            yield [name, *(Text("\n").join(
                [Text(level_text(row, p, m)), *compact_change(row, p, up, lines == 3)]
                + ([] if kinds else [adjusted_line(shift, p, lines == 3)]))
                for p, m, up in (("ar", "alignment_rate", True), ("ad", "alignment_distance", False)))], \
                lines + (0 if kinds else 1)
            continue
        cells = [name, Text(f"{fit(row['kind'], 12)}\n{row['dilemmas']} dilemmas")]
        for prefix, metric, up in (("ar", "alignment_rate", True), ("ad", "alignment_distance", False)):
            cells.append(Text(f"{level_text(row, prefix, metric)}\nbaseline {num(row[f'baseline_{prefix}'])}"))
            tests = adjusted_p(row, prefix)
            tests.append(f"  {num(row[f'{prefix}_change_dz'], 2)}")
            cells.append(Text("\n").join([change_text(row, prefix, up), tests]
                                         + ([] if kinds else [adjusted_line(shift, prefix, narrow=True)])))
        cells.append(Text(f"{num(row['value_retest_ar'], 2)} / {num(row['action_retest_ar'], 2)}\n"
                          f"{num(row['value_retest_ad'], 2)} / {num(row['action_retest_ad'], 2)}"))
        cells.append(Text(f"{num(row['f1_oppose'])}\n{num(row['f1_align'])}"))
        yield cells, 2 if kinds else 3


def value_change(row: dict | None, prefix: str, better_when_up: bool) -> tuple[Text, Text, Text]:
    if row is None:
        return Text("–"), Text("–"), Text("–")
    return change_text(row, prefix, better_when_up), adjusted_p(row, prefix), Text(num(row[f"{prefix}_change_dz"], 2))


def value_rows(rows: list[dict], changes: dict[str, dict]):
    """One condition's values: rank by AD with its interval, levels, and the change against baseline."""
    for row in rows:
        change = changes.get(row["value"])
        yield [*(Text(one_line(str(c))) for c in (rank_text(row), row["name"], row["value_type"], row["dilemmas"])),
               Text(with_interval(row["alignment_distance"], row["ad_low"], row["ad_high"])),
               Text(with_interval(row["alignment_rate"], row["ar_low"], row["ar_high"])),
               *(cell for prefix, up in (("ad", False), ("ar", True)) for cell in value_change(change, prefix, up))]


def topic_rows(rows: list[dict]):
    """One condition's topics, by name, with AD and AR and their intervals and both F1s."""
    names = {t.id: t.name for t in catalogue().topics}
    for row in rows:
        yield [Text(one_line(names.get(row["topic"], row["topic"]))), Text(str(row["items"])),
               Text(with_interval(row["alignment_distance"], row["ad_low"], row["ad_high"])),
               Text(with_interval(row["alignment_rate"], row["ar_low"], row["ar_high"])),
               Text(num(row["f1_oppose"])), Text(num(row["f1_align"]))]


def adjusted_kinds_unavailable(error: str) -> Text:
    """What the Kinds tab says when the personas' extremities cannot be read (the tables above still show)."""
    from valuegap_tui.text import visible

    return Text(visible(f"\nextremity-adjusted changes unavailable: {error}"))


def adjusted_kinds_text(rows: list[dict], missing: list) -> Text:
    """The kinds' changes adjusted for extremity (metrics.covariates), as lines for the Kinds tab."""
    out = Text("\nAdjusted for extremity (change minus slope x extremity, slope fitted on the moderate and "
               "max personas; docs/personas.md)\n", style="bold")
    if not rows:
        return out + Text("no persona kind with a known extremity shares dilemmas with the baseline\n")
    out.append(f"{'kind':<14}{'personas':>9}{'extremity':>10}{'ΔAR':>9}{'adjusted':>10}{'ΔAD':>9}{'adjusted':>10}\n")
    for r in rows:
        signed = ["–" if math.isnan(r[c]) else f"{r[c]:+.3f}"  # no slope without congruent personas
                  for c in ("ar_change", "ar_change_adjusted", "ad_change", "ad_change_adjusted")]
        out.append(f"{fit(r['kind'], 13):<14}{r['personas']:>9}{num(r['extremity']):>10}{signed[0]:>9}"
                   f"{signed[1]:>10}{signed[2]:>9}{signed[3]:>10}\n")
    if missing:
        out.append(f"{len(missing)} persona(s) left out: their levels are unknown\n")
    return out
