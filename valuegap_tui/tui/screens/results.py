"""The Results screen: the value-action gap of a run, by condition, value and answer option.

One model at a time (the selector picks it; nothing pools models), the Values tab one condition at a
time. Loading and computing run in a worker: tables first without intervals, then with bootstrap
intervals, tests and rank intervals.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Select, Static, TabbedContent, TabPane

from valuegap_tui.designs import get_design
from valuegap_tui.catalogue import catalogue
from valuegap_tui.report.collection import Respondents
from valuegap_tui.metrics.items import AGGREGATES, DEFAULT_AGGREGATE
from valuegap_tui.metrics.protocols import protocols_asked, reference_protocol
from valuegap_tui.metrics.summary import Results, compute_results, filter_frame
from valuegap_tui.report.writer import choices_by_condition
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.textual_private import select_values
from valuegap_tui.tui.widgets.answer_bars import render_answer_bars, render_condition_bars
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.widgets.heatmap import Heatmap
from valuegap_tui.metrics.table import Table
from valuegap_tui.tui.widgets.kind_chart import render_kind_chart
from valuegap_tui.tui.widgets.position_cells import render_letter_shares
from valuegap_tui.tui.widgets.protocol_tables import render_protocols
from valuegap_tui.tui.widgets.respondents_pane import RespondentsCache, RespondentsPane
from valuegap_tui.tui.widgets.results_tables import adjusted_kinds_for, condition_rows, topic_rows, value_rows
from valuegap_tui.tui.widgets.result_cells import condition_columns, num
from valuegap_tui.tui.screens.results_design import TABS, DesignTab
from valuegap_tui.tui.screens.results_report import ReportWriting
from valuegap_tui.tui.widgets.results_status import ESTIMANDS, status_line
from valuegap_tui.tui.keys import bind

ALL = "__all__"
#: below this width the conditions table takes its compact form
WIDE_FROM = 160
#: below this width the compact form puts the p-value on a third line, so 80 columns fit
NARROW_BELOW = 96
VALUE_COLUMNS = ("Rank [95% CI]", "Value", "Type", "Dilemmas", "AD [95% CI]", "AR [95% CI]", "ΔAD [CI]",
                 "p Holm / BH", "d_z", "ΔAR [CI]", "p Holm / BH", "d_z")
TOPIC_COLUMNS = ("Topic", "Items", "AD [95% CI]", "AR [95% CI]", "F1 oppose", "F1 align")
NO_RUNS = "No runs yet. Start one on the Runs screen (F4) or with `valuegap run`; its results appear here."


class ResultsScreen(ReportWriting, DesignTab, Screen):
    BINDINGS = [
        # the tab keys are in the tabs' own labels ("1 Conditions"), not in the footer
        *[bind(f"results.tab_{tab}", f"show_tab('{tab}')")
          for i, (tab, title) in enumerate(TABS)],
        bind("results.model", "cycle('#results-model')"),
        bind("results.condition", "cycle('#results-condition')"),
        bind("results.topic", "cycle('#results-topic')"),
        bind("results.aggregate", "next_aggregate"),
        bind("results.logprob_answers", "toggle_logprob_answers"),
        bind("results.layout", "toggle_layout"),
        bind("results.refresh", "refresh"),
        bind("results.report", "write_report"),
    ]
    DEFAULT_CSS = """
    #results-tabs { height: 1fr; }
    #results-tabs > ContentSwitcher { height: 1fr; }
    #results-tabs TabPane { height: 1fr; }
    #results-values, #results-topics { height: 1fr; }
    #results-detail { height: auto; padding: 0 1; }
    #results-answers, #results-letters { padding: 1 0 0 0; }
    #results-kind-chart { height: auto; padding: 1 1 0 1; }
    #results-collection { display: none; padding: 0 1; color: $warning; }
    """
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames: dict[int, object] = {}
        self._aggregate = DEFAULT_AGGREGATE
        #: logprob answers as their most likely letters instead of their distributions (docs/metrics.md)
        self._top_letter = False
        self._populating = False
        self._results: Results | None = None
        self._per_condition: dict = {}
        self._layout: str = "auto"  # auto (by width), wide or compact
        self._wide: bool | None = None
        self._narrow: bool | None = None
        self._respondents = RespondentsCache()  # the Respondents tab's numbers, kept while a run is shown

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="results-filters"):
            yield Select([], prompt="run", allow_blank=True, id="results-run")
            yield Select([], prompt="model", allow_blank=True, id="results-model")
            yield Select([], prompt="all topics", allow_blank=True, id="results-topic")
            yield Select([], prompt="condition", allow_blank=True, id="results-condition")
        yield Static("Loading runs…", id="results-status", markup=False)
        yield Static("", id="results-collection", markup=False)  # shown while the run is not complete
        with TabbedContent(id="results-tabs"):
            with TabPane("1 Conditions", id="results-tab-conditions"):
                yield DataTable(id="results-conditions", cursor_type="row", zebra_stripes=True)
                yield Static("", id="results-detail", markup=False)
            with TabPane("2 Kinds", id="results-tab-kinds"):
                with VerticalScroll():
                    yield Static("", id="results-kinds-title", markup=False)
                    yield DataTable(id="results-kinds", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="results-kind-chart", markup=False)
            with TabPane("3 Heatmap", id="results-tab-heatmap"):
                with ScrollableContainer(id="results-heatmap-scroll"):  # 25 conditions are wider than a terminal
                    yield Heatmap(id="results-heatmap")
            with TabPane("4 Answers", id="results-tab-answers"):
                with VerticalScroll():
                    yield Static("", id="results-answers-conditions", markup=False)
                    yield Static("", id="results-answers", markup=False)
                    yield Static("", id="results-letters", markup=False)
            with TabPane("5 Values", id="results-tab-values"):
                yield Static("", id="results-values-title", markup=False)
                yield DataTable(id="results-values", cursor_type="row", zebra_stripes=True)
            with TabPane("6 Topics", id="results-tab-topics"):
                yield Static("", id="results-topics-title", markup=False)
                yield DataTable(id="results-topics", cursor_type="row", zebra_stripes=True)
            with TabPane("7 Design", id="results-tab-design"):
                with VerticalScroll():
                    yield Static("The poster's design: its metrics are in tabs 1-6.", id="results-design",
                                 markup=False)
            with TabPane("8 Respondents", id="results-tab-respondents"):
                yield RespondentsPane(id="results-respondents")
            with TabPane("9 Protocols", id="results-tab-protocols"):
                with VerticalScroll(id="results-protocols-scroll"):
                    yield Static("", id="results-protocols", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#results-values", DataTable).add_columns(*VALUE_COLUMNS)
        self.query_one("#results-topics", DataTable).add_columns(*TOPIC_COLUMNS)
        self._set_layout()
        self._show_design_tab(False)
        self.query_one("#results-conditions", DataTable).focus()  # arrows move the cursor row straight away
        self.load_runs()

    def on_resize(self) -> None:
        if self._set_layout() and self._results is not None:
            self._fill_tables(self._results)

    def _set_layout(self) -> bool:
        """Columns for the form the width (or ``w``) asks for; True when the form changed."""
        wide = self._layout == "wide" or (self._layout == "auto" and self.size.width >= WIDE_FROM)
        narrow = not wide and self.size.width < NARROW_BELOW
        if (wide, narrow) == (self._wide, self._narrow):
            return False
        self._wide, self._narrow = wide, narrow
        for table_id in ("#results-conditions", "#results-kinds"):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.header_height = 3 if table_id == "#results-conditions" else 2
            table.add_columns(*condition_columns(wide, narrow, table_id == "#results-conditions"))
        return True

    def action_toggle_layout(self) -> None:
        self._layout = {"auto": "compact" if self._wide else "wide", "wide": "compact", "compact": "wide"}[self._layout]
        if self._set_layout() and self._results is not None:
            self._fill_tables(self._results)
        self.notify(f"Conditions table: {'wide' if self._wide else 'compact'} form")

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#results-tabs", TabbedContent).active = f"results-tab-{tab}"
        focus = {"conditions": "#results-conditions", "kinds": "#results-kinds", "heatmap": "#results-heatmap",
                 "values": "#results-values", "topics": "#results-topics",
                 "respondents": "#respondents-table", "protocols": "#results-protocols-scroll"}.get(tab)
        if focus:
            self.query_one(focus).focus()

    def action_cycle(self, selector: str) -> None:
        """The next option of a selector (wrapping round; the topic filter passes through "all topics")."""
        select = self.query_one(selector, Select)
        options = [value for value in select_values(select) if value is not Select.NULL]
        if selector == "#results-topic":
            options = [Select.NULL] + options
        if not options:
            return
        current = select.value
        select.value = options[(options.index(current) + 1) % len(options)] if current in options else options[0]

    def on_screen_resume(self) -> None:
        self.load_runs()

    def study_changed(self) -> None:
        """Something committed (the app's timer): pick up runs started, finished or renamed elsewhere."""
        self.load_runs(only_if_changed=True)

    # ---- loading -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-runs")
    def load_runs(self, only_if_changed: bool = False) -> None:
        runs = run_store.list_runs(self.app.study)
        self.app.call_from_thread(self._show_runs, runs, only_if_changed)

    def _show_runs(self, runs, only_if_changed: bool = False) -> None:
        listed = [(r.id, r.name, r.status) for r in runs]
        if only_if_changed and listed == getattr(self, "_listed", None):
            return  # answers arrive all the time during a run; recomputing is r's job
        self._listed = listed
        select = self.query_one("#results-run", Select)
        if not runs:
            select.set_options([])
            self._status(NO_RUNS)
            return
        current = select.value
        self._populating = True
        select.set_options([(Text(one_line(f"#{r.id} {r.name} ({r.status})")), r.id) for r in reversed(runs)])
        ids = [r.id for r in runs]
        select.value = current if current in ids else ids[-1]
        self._populating = False
        self.recompute()

    def _selected(self, selector: str):
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL or value == ALL else value

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if self._populating:
            return
        if event.select.id == "results-condition":
            if self._results is not None:
                self._fill_values(self._results)
                self._fill_topics(self._results)
            return
        if (event.select.id == "results-model" and self._results is not None
                and event.value in self._results.reported_models):
            return  # the model already shown (set by the screen itself)
        self.recompute()

    def action_refresh(self) -> None:
        self._frames.clear()
        self.load_runs()

    def action_next_aggregate(self) -> None:
        self._aggregate = AGGREGATES[(AGGREGATES.index(self._aggregate) + 1) % len(AGGREGATES)]
        self.recompute()

    def action_toggle_logprob_answers(self) -> None:
        self._top_letter = not self._top_letter
        self.recompute()

    def recompute(self) -> None:
        run_id = self._selected("#results-run")
        if run_id is None:
            return
        self._status(f"Computing run #{run_id} (estimand: {ESTIMANDS.get(self._aggregate, self._aggregate)})…")
        self.compute(run_id, self._selected("#results-model"), self._selected("#results-topic"), self._aggregate,
                     False if self._top_letter else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-compute")
    def compute(self, run_id: int, model: str | None, topic: str | None, aggregate: str,
                expected: bool | None = None) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            run = run_store.get_run(self.app.study, run_id)
            if run is not None and not get_design(run.design).core_metrics:
                self._compute_design(run, model)
                return
            self.app.call_from_thread(self._show_design_tab, False)
            frame = self._frames.get(run_id)
            if frame is None:
                frame = frame_store.load_answer_frame(self.app.study, run_id)
                self._frames = {run_id: frame}
            one_way = filter_frame(frame, protocol=reference_protocol(protocols_asked(frame)))  # people: standard
            who = self._respondents.get(self.app.study, run_id, one_way, topic, aggregate, bootstrap=False)
            if model not in who.order:  # one respondent at a time: until one is picked, the first with answers
                answered = set(frame.model.labels[c] for c in set(frame.model.codes.tolist()))
                model = next((name for name in who.order if name in answered), who.order[0] if who.order else None)
            quick = compute_results(frame, aggregate=aggregate, model=model, topic=topic, bootstrap=False,
                                    expected=expected)
            if worker.is_cancelled:
                return
            shown = filter_frame(frame, model, topic, quick.protocol)
            per_condition = choices_by_condition(shown, quick)
            self.app.call_from_thread(setattr, self, "_per_condition", per_condition)
            self.app.call_from_thread(setattr, self, "_adjusted", adjusted_kinds_for(self.app.study, run_id, shown,
                                                                                           aggregate))
            self.app.call_from_thread(self._show, run_id, quick, False, model, who)
            if quick.items or who.pairs.rows:
                full = compute_results(frame, aggregate=aggregate, model=model, topic=topic, expected=expected)
                who = self._respondents.get(self.app.study, run_id, one_way, topic, aggregate, bootstrap=True)
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show, run_id, full, True, model, who)
        except Exception as exc:  # a broken run must not take the screen down
            self.app.call_from_thread(self._status, f"Could not compute run #{run_id}: {exc}")

    # ---- showing -------------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.query_one("#results-status", Static).update(Text(visible(text)))

    def _show(self, run_id: int, results: Results, with_intervals: bool, model: str | None = None,
              who: Respondents | None = None) -> None:
        self._results = results
        self._fill_filter("#results-model", who.order if who is not None else results.models)
        self._fill_filter("#results-topic", results.topics)
        model = model if model is not None else (results.reported_models[0] if results.reported_models else None)
        if model is not None and self._selected("#results-model") != model:
            self._populating = True
            self.query_one("#results-model", Select).value = model
            self._populating = False
        self._show_respondents(who)
        progress = who.collection.of(model) if who is not None and who.collection and model else None
        self._status(status_line(run_id, results, model, progress, with_intervals))
        self.query_one("#results-kinds-title", Static).update(
            "By persona kind: the mean over a kind's personas (how many: under its name); the interval and p treat "
            "them as a sample of the kind (t on personas - 1 degrees of freedom) and the dilemmas as a sample; "
            "p Holm-adjusted across the kinds")
        self._fill_tables(results)
        heatmap = self.query_one("#results-heatmap", Heatmap)
        heat = results.heatmaps.get(model) if model is not None else None
        if heat is None:
            heatmap.show([], [], None)
        else:
            kinds = {r["condition"]: r["kind"] for r in results.conditions.records()}
            heatmap.show([(name, vtype) for _id, name, vtype in heat.values], heat.conditions, heat.rates,
                         title=f"Model {model}: alignment rate per value (rows) and condition (columns, coded: "
                               "legend on the right); up / down: value", kinds=kinds)
        cat = catalogue()
        labels = [f"{v.text} / {a.text}" for v, a in zip(cat.value_scale, cat.action_labels)]
        answers = self.query_one("#results-answers", Static)
        if model in results.choices:
            answers.update(render_answer_bars(labels, results.choices[model]["value"], results.choices[model]["action"]))
        else:
            answers.update(Text("no answers to show"))
        self.query_one("#results-answers-conditions", Static).update(
            render_condition_bars(labels, self._per_condition.get(model, [])))
        position = [r for r in results.tables.get("position", Table("", "", ())).records() if r["model"] == model]
        letters = [r for r in results.tables.get("letters", Table("", "", ())).records() if r["model"] == model]
        self.query_one("#results-letters", Static).update(render_letter_shares(position, letters))
        self.query_one("#results-protocols", Static).update(render_protocols(results, model, self.size.width))
        chart = render_kind_chart(results.kinds.records())
        chart.append_text(getattr(self, "_adjusted", Text("")))
        self.query_one("#results-kind-chart", Static).update(chart)

    def _show_respondents(self, who: Respondents | None) -> None:
        """The run's status while it is not complete, and the Respondents tab."""
        line = self.query_one("#results-collection", Static)
        collection = who.collection if who is not None else None
        line.display = collection is not None and not collection.complete
        if line.display:
            line.update(Text(visible(collection.headline())))
        self.query_one("#results-respondents", RespondentsPane).show(who.table if who else None,
                                                                     who.pairs if who else None)

    def _fill_tables(self, results: Results) -> None:
        self._fill_conditions("#results-conditions", results.conditions)
        self._fill_conditions("#results-kinds", results.kinds)
        self._fill_values(results)
        self._fill_topics(results)

    def _fill_values(self, results: Results) -> None:
        """One condition's values: rank by AD with its interval, levels and the change against baseline."""
        conditions = [r["condition"] for r in results.conditions.records()]
        select = self.query_one("#results-condition", Select)
        if getattr(select, "_results_labels", None) != tuple(conditions):
            current = select.value
            self._populating = True
            select.set_options([(Text(one_line(c)), c) for c in conditions])
            select._results_labels = tuple(conditions)
            select.value = current if current in conditions else (conditions[0] if conditions else Select.NULL)
            self._populating = False
        condition = self._selected("#results-condition")
        rows = [r for r in results.ranking.records() if r["condition"] == condition]
        changes = {r["value"]: r for r in results.breakdowns["by_value"].records() if r["condition"] == condition}
        self.query_one("#results-values-title", Static).update(Text(visible(
            f"{one_line(condition)} (c: next condition): values ranked by alignment distance, largest gap first, "
            "with a 95% interval per rank; Δ against baseline on the value's paired dilemmas, p adjusted across "
            "the values (Holm / Benjamini-Hochberg); d_z = mean / sd of the per-dilemma differences")
            if condition else ""))
        values = self.query_one("#results-values", DataTable)
        values.clear()
        for cells in value_rows(rows, changes):
            values.add_row(*cells)

    def _fill_topics(self, results: Results) -> None:
        """One condition's topics, by alignment distance (largest gap first)."""
        condition = self._selected("#results-condition")
        rows = [r for r in results.breakdowns["by_topic"].records() if r["condition"] == condition]
        rows.sort(key=lambda r: -r["alignment_distance"] if not math.isnan(r["alignment_distance"]) else math.inf)
        self.query_one("#results-topics-title", Static).update(Text(visible(
            f"{one_line(condition)} (c: next condition): topics by alignment distance, largest gap first "
            "(item-weighted over the topic's items; intervals resample its dilemmas, one per value, so they "
            "count differences between values too)")
            if condition else ""))
        topics = self.query_one("#results-topics", DataTable)
        topics.clear()
        for cells in topic_rows(rows):
            topics.add_row(*cells)

    def _fill_filter(self, selector: str, labels: tuple[str, ...]) -> None:
        select = self.query_one(selector, Select)
        wanted = [(Text(one_line(label)), label) for label in labels]
        if getattr(select, "_results_labels", None) == labels:
            return
        current = select.value
        self._populating = True
        select.set_options(wanted)
        select._results_labels = labels
        if current in labels:
            select.value = current
        self._populating = False

    def _fill_conditions(self, selector: str, table) -> None:
        data = self.query_one(selector, DataTable)
        data.clear()
        kinds = selector == "#results-kinds"
        position = {} if kinds or self._results is None else {
            (r["model"], r["condition"]): r for r in self._results.tables.get("position", Table("", "", ())).records()}
        for cells, height in condition_rows(table.records(), position, kinds=kinds, wide=self._wide,
                                            narrow=self._narrow):
            data.add_row(*cells, height=height)
        self._show_detail(data.cursor_row)

    @on(DataTable.RowHighlighted, "#results-conditions")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        """The cursor row's condition in full (names are cut in the table) with its kind and dilemmas."""
        detail = self.query_one("#results-detail", Static)
        rows = self._results.conditions.records() if self._results is not None else []
        if not 0 <= index < len(rows):
            detail.update("")
            return
        row = rows[index]
        detail.update(Text(visible(f"▶ {one_line(row['condition'])} ({row['kind']}, {row['personas']} persona, "
                                   f"{row['dilemmas']} paired dilemmas; baseline AR {num(row['baseline_ar'])}, "
                                   f"AD {num(row['baseline_ad'])})   keys 1-6, 8, 9: tabs, w: wide/compact")))
