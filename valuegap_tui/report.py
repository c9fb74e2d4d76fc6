"""The report of a run: CSV tables, a Markdown summary and PNG figures in one folder.

Figures need matplotlib (the optional ``report`` extra); without it the tables and summary are still
written and ``FIGURES_MISSING`` says how to get the images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE
from valuegap_tui.metrics.summary import Results, compute_results
from valuegap_tui.store import Study

FIGURES_MISSING = ("figures skipped: matplotlib is not installed. Install it with "
                   "`pip install 'valuegap-tui[report]'` (or `pip install matplotlib`) and run the report again.")


class ReportError(RuntimeError):
    """A run that cannot be reported (unknown id, no runs)."""


@dataclass
class Report:
    out_dir: Path
    tables: list[Path] = field(default_factory=list)
    summary: Path | None = None
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_run(study: Study, spec: str | int):
    """A run by id, or the newest with ``latest``."""
    from valuegap_tui.store import runs

    all_runs = runs.list_runs(study)
    if str(spec).lower() == "latest":
        if not all_runs:
            raise ReportError("this study has no runs yet: start one with `valuegap run`")
        return all_runs[-1]
    try:
        run_id = int(spec)
    except ValueError:
        raise ReportError(f"run must be a number or 'latest', not {spec!r}") from None
    run = runs.get_run(study, run_id)
    if run is None:
        known = ", ".join(str(r.id) for r in all_runs) or "none"
        raise ReportError(f"no run {run_id} in this study (runs: {known})")
    return run


def load_frame(study: Study, run_id: int) -> AnswerFrame:
    from valuegap_tui.store import runs

    return runs.load_answer_frame(study, run_id)


def write_report(results: Results, out_dir: Path, title: str) -> Report:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = Report(out_dir)
    for name, table in results.tables.items():
        path = out_dir / f"{name}.csv"
        table.write_csv(path)
        report.tables.append(path)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        report.notes.append(FIGURES_MISSING)
    else:
        from valuegap_tui import report_figures

        report.figures = report_figures.draw_all(results, out_dir, title)
    report.summary = out_dir / "summary.md"
    report.summary.write_text(summary_markdown(results, title, report), encoding="utf-8")
    return report


def report_run(study: Study, spec: str | int, out_dir: Path, *, aggregate: str = DEFAULT_AGGREGATE,
               expected: bool = False) -> Report:
    run = resolve_run(study, spec)
    frame = load_frame(study, run.id)
    if len(frame) == 0:
        raise ReportError(f"run {run.id} ({run.name}) has no answers yet")
    results = compute_results(frame, aggregate=aggregate, expected=expected)
    return write_report(results, out_dir, f"Run {run.id}: {run.name}")


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _interval(row: dict, mid: str, low: str, high: str) -> str:
    if math.isnan(row[low]):
        return _fmt(row[mid])
    return f"{_fmt(row[mid])} [{_fmt(row[low])}, {_fmt(row[high])}]"


def _change(row: dict, prefix: str) -> str:
    if math.isnan(row[f"{prefix}_change"]):
        return "–"
    text = _interval(row, f"{prefix}_change", f"{prefix}_change_low", f"{prefix}_change_high")
    p = row[f"{prefix}_change_p"]
    return text + ("" if math.isnan(p) else f" p={p:.3g}")


def _comparison_markdown(table, label: str) -> list[str]:
    lines = [f"| model | {label} | kind | items | AR [95% CI] | change AR [CI] | AD [95% CI] | change AD [CI] |"
             " F1 oppose | F1 align |", "|---|---|---|---:|---|---|---|---|---:|---:|"]
    for row in table.records():
        lines.append(f"| {row['model']} | {row['condition']} | {row['kind']} | {row['items']} | "
                     f"{_interval(row, 'alignment_rate', 'ar_low', 'ar_high')} | {_change(row, 'ar')} | "
                     f"{_interval(row, 'alignment_distance', 'ad_low', 'ad_high')} | {_change(row, 'ad')} | "
                     f"{_fmt(row['f1_oppose'])} | {_fmt(row['f1_align'])} |")
    return lines


def summary_markdown(results: Results, title: str, report: Report | None = None) -> str:
    cat = catalogue()
    overall = results.overall.records()[0] if results.overall.rows else None
    lines = [f"# {title}", "",
             f"{results.answers} answers, {results.items} value/action items "
             f"(repeats combined by **{results.aggregate}**{', expected scores from logprobs' if results.expected else ''}).",
             "Definitions: docs/metrics.md. AR = alignment rate (share of items whose value and action answers "
             "are on the same side); AD = alignment distance (mean |v - a| / 5 on points 1..6); F1 oppose = "
             "F1 with disagree/oppose as the positive class (Shen et al.), F1 align = aligning class positive, "
             "both per topic then averaged. Intervals: paired bootstrap over dilemmas; p: sign-flip test.", ""]
    if overall:
        lines += [f"Overall: AR {_fmt(overall['alignment_rate'])}, AD {_fmt(overall['alignment_distance'])}, "
                  f"F1 oppose {_fmt(overall['f1_oppose'])}, F1 align {_fmt(overall['f1_align'])}.", ""]
    rates = results.rates
    lines += [f"Invalid answers: {_fmt(rates['invalid'])} (value {_fmt(rates['invalid_value'])}, action "
              f"{_fmt(rates['invalid_action'])}); refusals: {_fmt(rates['refusal'])}. Agreement across repeats "
              f"(share of the modal answer): value {_fmt(results.agreement['value'])}, action "
              f"{_fmt(results.agreement['action'])}.", "", "## Conditions against baseline", ""]
    lines += _comparison_markdown(results.conditions, "condition") + ["", "## Persona kinds against baseline", ""]
    lines += _comparison_markdown(results.kinds, "kind") + ["", "## Values by alignment distance", ""]
    ranking = results.ranking.records()
    lines += ["| rank | value | type | items | AR | AD |", "|---:|---|---|---:|---:|---:|"]
    shown = ranking if len(ranking) <= 12 else ranking[:6] + ranking[-6:]
    for row in shown:
        lines.append(f"| {row['rank']} | {row['name']} | {row['value_type']} | {row['items']} | "
                     f"{_fmt(row['alignment_rate'])} | {_fmt(row['alignment_distance'])} |")
    if len(ranking) > 12:
        lines.append("\n(largest and smallest six; all values in value_ranking.csv)")
    lines += ["", "## Answer choices", "", "| option (value / action) | value share | action share |", "|---|---:|---:|"]
    for i, (v, a) in enumerate(zip(cat.value_scale, cat.action_labels)):
        lines.append(f"| {v.text} / {a.text} | {_fmt(float(results.choices['value'][i]))} | "
                     f"{_fmt(float(results.choices['action'][i]))} |")
    lines += ["", "Letter positions (options shuffled; 1/6 each means no position bias): "
              + "; ".join(f"{q}: " + " ".join(f"{'ABCDEF'[i]} {_fmt(float(s), 2)}" for i, s in enumerate(results.positions[q]))
                          for q in ("value", "action")), ""]
    if report is not None:
        if report.figures:
            lines += ["## Figures", ""] + [f"![{p.stem}]({p.name})" for p in report.figures] + [""]
        lines += [f"Tables: {', '.join(p.name for p in report.tables)}", ""] + report.notes
    return "\n".join(lines) + "\n"

