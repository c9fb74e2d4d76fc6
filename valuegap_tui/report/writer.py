"""The report of a run: CSV tables, a Markdown summary and figures (PNG, and PDF and SVG as asked:
``figure_formats.py``) in one folder.

Figures need matplotlib (the optional ``report`` extra); without it the tables and summary are still
written and ``FIGURES_MISSING`` says how to get the images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.catalogue import catalogue
from valuegap_tui.report.collection import Collection, collection_status, respondents_of
from valuegap_tui.metrics.frame import AnswerFrame
from valuegap_tui.metrics.covariates import adjusted_kind_table
from valuegap_tui.metrics.humans import human_spread
from valuegap_tui.metrics.items import DEFAULT_AGGREGATE, build_items
from valuegap_tui.metrics.summary import Results, compute_results, filter_frame
from valuegap_tui.metrics.table import Table
from valuegap_tui.report.cells import cell as _cell
from valuegap_tui.report.cells import fmt as _fmt
from valuegap_tui.report.figure_formats import ONE_RESPONDENT, FORMATS, drawn_as, files_text, paired_models, suffixes
from valuegap_tui.report.people import collection_markdown, pairs_markdown, people_markdown
from valuegap_tui.report.protocols import protocols_markdown, with_protocol
from valuegap_tui.report.resolve import ReportError, resolve_run
from valuegap_tui.report.sections import (adjusted_markdown, comparison_markdown, outcomes_markdown,
                                          ranking_markdown, value_changes_markdown)
from valuegap_tui.store import Study

FIGURES_MISSING = ("figures skipped: matplotlib is not installed. Install it with "
                   "`pip install 'valuegap-tui[report]'` (or `pip install matplotlib`) and run the report again.")


@dataclass
class Report:
    out_dir: Path
    tables: list[Path] = field(default_factory=list)
    summary: Path | None = None
    figures: list[Path] = field(default_factory=list)  # every figure file, PNG and the others of ``formats``
    figures_by_model: dict[str, list[Path]] = field(default_factory=dict)  # the PNGs, per model
    run_figures: list[Path] = field(default_factory=list)  # the PNGs of the models side by side
    notes: list[str] = field(default_factory=list)
    formats: tuple[str, ...] = FORMATS  # what each figure was written as


def load_frame(study: Study, run_id: int) -> AnswerFrame:
    from valuegap_tui.store import answer_frame as frame_store

    return frame_store.load_answer_frame(study, run_id)


def choices_by_condition(frame: AnswerFrame, results: Results) -> dict[str, list[tuple[str, dict]]]:
    """Per model, its conditions in table order, each with the share of valid answers per option for the
    value and the action question (``metrics.answers.choice_distribution`` of the condition's answers)."""
    from valuegap_tui.metrics.answers import choice_shares

    out = {}
    for model in results.reported_models:
        conditions = [r["condition"] for r in results.conditions.records() if r["model"] == model]
        in_model = frame.model.codes == frame.model.labels.index(model)
        out[model] = []
        for condition in conditions:
            if condition not in frame.persona.labels:
                continue
            # the two columns the shares read, not the whole frame (select): a third of the time at a
            # million answers, where the report computes them before its first figure worker starts
            mask = in_model & (frame.persona.codes == frame.persona.labels.index(condition))
            out[model].append((condition, choice_shares(frame.choice[mask], frame.question[mask])))
    return out


def write_report(results: Results, out_dir: Path, title: str, notes: list[str] = (),
                 adjusted: Table | None = None, frame: AnswerFrame | None = None,
                 people: list[Table] | None = None, collection: Collection | None = None,
                 pairs: Table | None = None, kept_figures=None, workers: int | None = None,
                 per_condition: dict[str, list] | None = None, early=None,
                 formats: tuple[str, ...] = FORMATS) -> Report:
    """``adjusted``: the persona kinds adjusted for extremity (``metrics.covariates``), when known;
    ``frame``: the answers, for the answer choices per condition (without it, per model only);
    ``people``: the respondents and human-spread tables (``metrics.humans``) when people answered;
    ``collection``: the run's status and each respondent's progress; ``pairs``: the paired comparisons
    between respondents (``metrics.between``); ``kept_figures``: where the figures of these results are
    kept (``report.kept_figures.KeptFigures``), copied from there when they were drawn before;
    ``workers``: processes drawing the figures (None: one per core; ``report/drawing.py``);
    ``per_condition``: ``choices_by_condition`` of the answers, when known (else taken from ``frame``);
    ``early``: the figures started from the numbers (``report.drawing.start_early``), finished here;
    ``formats``: what each figure is written as (``figure_formats``; the PNG always)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = Report(out_dir, notes=list(notes), formats=tuple(formats))  # notes: how the run went (errors, coverage)
    tables = dict(results.tables)
    if adjusted is not None:
        tables["kinds_adjusted"] = adjusted
    for table in [*(people or []), *([pairs] if pairs is not None else [])]:
        tables[table.name] = table
    for name, table in tables.items():
        path = out_dir / f"{name}.csv"
        with_protocol(table, results.protocol).write_csv(path)
        report.tables.append(path)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        report.notes.append(FIGURES_MISSING)
    else:
        from valuegap_tui.report.drawing import draw_figures, figure_title

        if per_condition is None:
            per_condition = choices_by_condition(frame, results) if frame is not None else {}
        # a run asked several ways: each figure says which one its numbers are under (never pooled)
        report.run_figures, report.figures_by_model = draw_figures(results, out_dir, figure_title(title, results),
                                                                   per_condition, kept_figures, workers, early, formats)
        pngs = [*report.run_figures, *(path for paths in report.figures_by_model.values() for path in paths)]
        report.figures = [png.with_suffix(suffix) for png in pngs for suffix in suffixes(report.formats)]
    report.summary = out_dir / "summary.md"
    text = summary_markdown(results, title, report, adjusted, collection)
    if people:
        text += "\n".join(people_markdown(*people)) + "\n"
    if pairs is not None:
        text += "\n".join(pairs_markdown(pairs)) + "\n"
    report.summary.write_text(text, encoding="utf-8")
    return report


def report_run(study: Study, spec: str | int, out_dir: Path, *, aggregate: str = DEFAULT_AGGREGATE,
               expected: bool | None = None, model: str | None = None, workers: int | None = None,
               formats: tuple[str, ...] = FORMATS) -> Report:
    """Report a run (all its models, each in its own section, or only ``model``), at any stage of its
    data collection: the summary opens with the run's status and what is still to come. ``workers``:
    processes drawing the figures (None: one per core); ``formats``: each figure's files (``figure_formats``)."""
    run = resolve_run(study, spec)
    from valuegap_tui.designs import get_design
    from valuegap_tui.store.results_cache import fingerprint

    state = fingerprint(study, run.id)  # before the answers are read: new ones make the kept results stale
    if not get_design(run.design).core_metrics:  # the design's own tables (docs/designs.md)
        return _design_report(study, run, out_dir, model, formats)
    from valuegap_tui.report.kept_report import Inputs
    from valuegap_tui.store.independence import run_warning_notes  # the run's independence warnings
    from valuegap_tui.store.run_progress import read_progress, run_notes

    run_progress = read_progress(study, run.id)  # one read of it, used twice
    collection = collection_status(study, run.id, run_progress)
    extremities, missing = run_extremities(study, run.id)
    inputs = Inputs(collection, dict(extremities), tuple(missing))
    title = f"Run {run.id}: {run.name}"
    results, kept_figures, extras, early = _results(
        study, run.id, state, inputs, aggregate, expected, model,
        lambda frame: _draw_early(frame, model, aggregate, expected, out_dir, title, workers, formats),
        lambda early, results: early.ahead(results, Path(out_dir), _figure_title(title, results)))
    try:
        notes = run_notes(study, run.id, run_progress) + run_warning_notes(study, run.id)
        if missing:
            notes.append(f"extremity-adjusted kinds: {len(missing)} persona(s) left out, neither the run nor the "
                         f"persona store knows their levels ({', '.join(_cell(p) for p in missing[:5])})")
        who = extras.who
        people = [who.table, human_spread(who.table)] if who.people else None  # people answered: every respondent
        return write_report(results, out_dir, title, notes, extras.adjusted, None, people, collection,
                            who.pairs if len(who.order) > 1 else None, kept_figures, workers,
                            per_condition=extras.per_condition, early=early, formats=formats)
    except BaseException:
        if early is not None:  # none of its figures left behind
            early.cancel()
        raise


def _figure_title(title: str, results: Results) -> str:
    from valuegap_tui.report.drawing import figure_title

    return figure_title(title, results)


def _draw_early(frame: AnswerFrame, model, aggregate: str, expected, out_dir: Path, title: str, workers, formats):
    """The figures needing no interval, started from the numbers without intervals (``drawing.start_early``)."""
    from valuegap_tui.report.drawing import early_possible, figure_title, start_early

    if not early_possible(workers):
        return None
    quick = compute_results(frame, aggregate=aggregate, expected=expected, model=model, bootstrap=False)
    shown = filter_frame(frame, model, protocol=quick.protocol)
    return start_early(quick, Path(out_dir), figure_title(title, quick), choices_by_condition(shown, quick),
                       workers, formats)


def _design_report(study: Study, run, out_dir: Path, model: str | None, formats: tuple[str, ...]) -> Report:
    from valuegap_tui.designs.tables import write_design_report

    frame = load_frame(study, run.id)
    if len(frame) == 0:
        raise ReportError(f"run {run.id} ({run.name}) has no answers yet")
    if model is not None and model not in set(frame.model.decode()):
        raise ReportError(f"run {run.id} has no model {model!r}")
    with drawn_as(formats):  # the design's figures, through save_figure, in the formats asked
        files = write_design_report(study, run, out_dir, model)
    return Report(out_dir, tables=[f for f in files if f.suffix == ".csv"], summary=files[-1],
                  figures=[f for f in files if f.suffix in (".png", ".pdf", ".svg")], formats=tuple(formats))


def _results(study: Study, run_id: int, state: str, inputs, aggregate: str, expected: bool | None,
             model: str | None, draw_early, draw_rest):
    """The run's results with intervals, where their figures are kept (``report.kept_figures``) and what
    the report reads beside them from the answers (``report.kept_report``): kept ones where the answers
    are still in ``state`` (the fingerprint taken before anything was read; store/results_cache.py) and
    the run's status and personas are ``inputs``, else computed now from the answers and kept; and the
    figures ``draw_early(answers)`` started, when the results were computed (else None), with the others
    started by ``draw_rest(early, results)`` as soon as the results are."""
    from valuegap_tui.report.kept import EVERY_MODEL, keep_text, kept_text, options_key
    from valuegap_tui.report.kept_figures import KeptFigures
    from valuegap_tui.report.kept_report import ReportExtras, keep_report_extras, kept_report_extras

    options = options_key(model or EVERY_MODEL, None, aggregate, expected)
    early, found = None, kept_text(study, run_id, options, "intervals", state)
    extras = kept_report_extras(study, run_id, options, state, inputs) if found is not None else None
    if extras is None:  # the answers are read (pyplot imported meanwhile, for the figures)
        from valuegap_tui.report.drawing import pyplot_meanwhile

        with pyplot_meanwhile():
            frame = load_frame(study, run_id)
        known = set(frame.model.decode()) | {r.respondent for r in inputs.collection.respondents}
        if model is not None and model not in known:
            raise ReportError(f"run {run_id} has no model {model!r} (its models: {', '.join(sorted(known))})")
        try:
            if found is None:  # the numbers first (0.2 s at a million answers): figures from them meanwhile
                early = draw_early(frame)
                results = compute_results(frame, aggregate=aggregate, expected=expected, model=model)
                if early is not None:  # drawn while the rest is read and kept, and the tables written
                    draw_rest(early, results)
                found = results, keep_text(study, run_id, options, "intervals", state, results)
            # every section under the protocol the results were computed under (ways of asking never pooled)
            frame = filter_frame(frame, protocol=found[0].protocol)
            shown = filter_frame(frame, model)
            extras = ReportExtras(adjusted_kind_table(build_items(shown, aggregate, expected), inputs.extremities),
                                  respondents_of(frame, inputs.collection, aggregate, expected),
                                  choices_by_condition(shown, found[0]))
            keep_report_extras(study, run_id, options, state, inputs, extras)
        except BaseException:
            if early is not None:
                early.cancel()
            raise
    results, text = found
    return results, KeptFigures(study, run_id, options, state, text), extras, early


def run_extremities(study: Study, run_id: int) -> tuple[dict[str, float], list[str]]:
    """Each persona's extremity as the run recorded it; runs from before it was recorded fall back to
    the persona store's current levels. Returns the extremities and the personas known to neither."""
    from valuegap_tui.personas import extremity
    from valuegap_tui.store import personas as persona_store
    from valuegap_tui.store.runs import personas_of

    found, missing = {}, []
    for persona_id, snapshot in personas_of(study, run_id).items():
        if snapshot.extremity is not None:
            found[persona_id] = float(snapshot.extremity)
        elif snapshot.kind in ("custom", "instruction") and not snapshot.levels:
            continue  # a condition written by hand has no extremity to adjust for
        elif snapshot.levels is not None:
            found[persona_id] = extremity(snapshot.levels)
        elif (stored := persona_store.get(study, persona_id)) is not None:
            found[persona_id] = extremity(stored.levels)
        elif persona_id != "baseline":
            missing.append(persona_id)
    return found, missing


def _of(table, model: str) -> list[dict]:
    return [r for r in table.records() if r["model"] == model]


def _logprob_note(results: Results) -> str:
    if not results.logprobs:
        return ""
    if results.expected:
        return "; logprob answers taken as their distributions over the options"
    return "; logprob answers taken as their most likely letters (--top-letter)"


def summary_markdown(results: Results, title: str, report: Report | None = None, adjusted: Table | None = None,
                     collection: Collection | None = None) -> str:
    lines = [f"# {title}", ""]
    if collection is not None:  # first: a stopped or half-answered run must not read like a finished one
        lines += collection_markdown(collection, {r["model"]: r["items"] for r in results.per_model.records()})
    lines += [f"{results.answers} answers, {results.items} value/action items "
              f"(repeats combined by **{results.aggregate}**{_logprob_note(results)}).",
              "Definitions: docs/metrics.md. AR = alignment rate (share of items whose value and action answers "
              "are on the same side); AD = alignment distance (mean |v - a| / 5 on points 1..6). A condition's AR "
              "and AD are taken over the dilemmas it shares with the baseline of the same model, each dilemma "
              "weighted equally; 'baseline AR/AD' is the baseline on those same dilemmas, so Δ = level - baseline. "
              "A persona kind is the mean over its personas. Intervals: bootstrap over dilemmas (kinds: a t interval "
              "treating the kind's personas and the dilemmas as samples, docs/metrics.md). p: sign-flip test (kinds: "
              "the same t test); Holm and BH: adjusted across the "
              "conditions (or the values) of one model; d_z = mean(d) / sd(d) of the per-dilemma differences. "
              "Retest: each question against itself across repeats (the noise floor of AR and AD).", ""]
    figures = {} if report is None else report.figures_by_model
    if report is not None and report.run_figures:
        lines += ["## Models side by side", "", "AR and AD with their 95% intervals, every model in one figure "
                  f"({files_text(report.formats)}).", ""]
        lines += [f"![{p.stem}]({p.name})" for p in report.run_figures] + [""]
    elif report is not None and report.figures and len(paired_models(results)) == 1:
        lines += [ONE_RESPONDENT, ""]  # said, so that no one looks for the missing files
    for model in results.reported_models:
        lines += _model_section(results, model, figures.get(model, []), adjusted, getattr(report, "formats", FORMATS))
    if report is not None:
        lines += [f"Tables (every model, with a model column): {', '.join(p.name for p in report.tables)}", ""]
        lines += report.notes
    return "\n".join(lines) + "\n"


def _model_section(results: Results, model: str, figures: list[Path], adjusted: Table | None = None,
                   formats: tuple[str, ...] = FORMATS) -> list[str]:
    cat = catalogue()
    (answers,) = _of(results.per_model, model)
    lines = [f"## Model: {_cell(model)}", "",
             f"{answers['answers']} answers, {answers['items']} items. Invalid answers: {_fmt(answers['invalid'])} "
             f"(value {_fmt(answers['invalid_value'])}, action {_fmt(answers['invalid_action'])}); refusals: "
             f"{_fmt(answers['refusal'])}; server errors (no answer, not counted as invalid): "
             f"{_fmt(answers['server_error'])}. Agreement across repeats (share of the modal answer): value "
             f"{_fmt(answers['agreement_value'])}, action {_fmt(answers['agreement_action'])}.", ""]
    lines += outcomes_markdown(_of(results.outcomes, model) if results.outcomes is not None else [])
    if not answers["items"]:  # answers, but no dilemma with both questions answered
        return lines + ["No paired answers yet: a dilemma counts once both its value and its action question are "
                        "answered, so there is no AR or AD to show.", ""]
    lines += ["### Conditions against baseline", ""]
    lines += comparison_markdown(_of(results.conditions, model), kinds=False)
    if results.position is not None:  # beside the gap: how much of it letter positions can explain
        from valuegap_tui.report.position import position_markdown

        lines += ["", "### Position: answers that went by letter, and the gap adjusted for it", ""]
        lines += position_markdown(_of(results.conditions, model), _of(results.position, model),
                                   _of(results.letters, model), _cell)
    lines += ["", "### Persona kinds against baseline", ""]
    lines += comparison_markdown(_of(results.kinds, model), kinds=True)
    if adjusted is not None:
        lines += ["", "### Persona kinds adjusted for extremity", ""] + adjusted_markdown(_of(adjusted, model))
    ranking = _of(results.ranking, model)
    baseline = [r for r in ranking if r["condition"] == "baseline"]
    if baseline:
        lines += ["", "### Values by alignment distance, baseline", ""] + ranking_markdown(baseline)
    lines += ["", "### Values against baseline", ""] + value_changes_markdown(_of(results.breakdowns["by_value"], model))
    lines += protocols_markdown(results, model)
    choices, positions = results.choices[model], results.positions[model]
    lines += ["", "### Answer choices", "", "| option (value / action) | value share | action share |", "|---|---:|---:|"]
    for i, (v, a) in enumerate(zip(cat.value_scale, cat.action_labels)):
        lines.append(f"| {v.text} / {a.text} | {_fmt(float(choices['value'][i]))} | {_fmt(float(choices['action'][i]))} |")
    lines += ["", "Letter positions (options shuffled; 1/6 each means no position bias): "
              + "; ".join(f"{q}: " + " ".join(f"{'ABCDEF'[i]} {_fmt(float(s), 2)}" for i, s in enumerate(positions[q]))
                          for q in ("value", "action")), ""]
    if figures:
        lines += ["### Figures", "", f"{files_text(formats)[0].upper()}{files_text(formats)[1:]}.", ""]
        lines += [f"![{p.stem}]({p.name})" for p in figures] + [""]
    return lines
