"""The Results screen's drawing: a stage of results (numbers, then numbers with intervals) is drawn in
steps, the tab in view first, each step after the screen has been refreshed, so the numbers appear at
once and keys are served between the steps. A newer stage drops what is left of an older one."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widgets import DataTable, Select, Static, TabbedContent

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.summary import Results
from valuegap_tui.metrics.table import Table
from valuegap_tui.report.collection import Respondents
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.answer_bars import render_answer_bars, render_condition_bars
from valuegap_tui.tui.widgets.heatmap import Heatmap
from valuegap_tui.tui.widgets.kind_chart import render_kind_chart
from valuegap_tui.tui.widgets.position_cells import render_letter_shares
from valuegap_tui.tui.widgets.protocol_tables import render_protocols
from valuegap_tui.tui.widgets.respondents_pane import RespondentsPane
from valuegap_tui.tui.widgets.result_cells import num
from valuegap_tui.tui.widgets.results_status import status_line
from valuegap_tui.tui.widgets.results_tables import condition_rows, topic_rows, value_rows

KINDS_TITLE = ("By persona kind: the mean over a kind's personas (how many: under its name); the interval and p treat "
               "them as a sample of the kind (t on personas - 1 degrees of freedom) and the dilemmas as a sample; "
               "p Holm-adjusted across the kinds")


#: each tab's drawing step (a method of ResultsDrawing), in the order the tabs not in view are drawn
TAB_STEPS = {"conditions": "_draw_conditions", "kinds": "_draw_kinds", "heatmap": "_draw_heatmap",
             "answers": "_draw_answers", "values": "_draw_values", "topics": "_draw_topics",
             "respondents": "_draw_respondents", "protocols": "_draw_protocols"}


class ResultsDrawing:
    """What ResultsScreen draws (it has ``query_one``, ``call_after_refresh`` and the state set in its
    ``__init__``)."""

    _draw_stage = 0  # bumped by each stage shown: the steps of an older one stop
    drawn = False  # every step of the latest stage is on screen (tests wait for it)

    def _status(self, text: str) -> None:
        self.query_one("#results-status", Static).update(Text(visible(text)))

    def _show(self, run_id: int, results: Results, with_intervals: bool, model: str | None = None,
              who: Respondents | None = None) -> None:
        """Draw a stage: the filters, the tab in view and the status line now, the other tabs in steps."""
        self._show_design_tab(False)  # results of the core's metrics: its tabs, not a design's tab 7
        self._results, self._with_intervals = results, with_intervals
        if who is not None or run_id != self._run_id:
            self._who = who  # the respondents of another run are not this one's
        who = self._who if who is None else who
        self._fill_filter("#results-model", who.order if who is not None else results.models)
        self._fill_filter("#results-topic", results.topics)
        model = model if model is not None else (results.reported_models[0] if results.reported_models else None)
        if model is not None and self._selected("#results-model") != model:
            self._populating = True
            self.query_one("#results-model", Select).value = model
            self._populating = False
        self._model, self._run_id = model, run_id
        self._fill_condition_filter(results)  # in the filter bar: the Values and Topics tabs' condition
        active = self.query_one("#results-tabs", TabbedContent).active.removeprefix("results-tab-")
        # the tab in view now, the other tabs composed so far in steps (a tab not yet shown is drawn
        # when it is: results_tabs.py)
        later = [tab for tab in TAB_STEPS if tab != active and self.composed(tab)]
        self._draw_tab(active)
        self._draw_status()
        self._draw_stage += 1
        self.drawn = False
        # the rest after the screen has painted what is drawn now; `drawn` too, as the worker reads the
        # answers once it is set, and that would hold the interpreter while the numbers are painted
        self.call_after_refresh(self._next_step, self._draw_stage, later)

    def _next_step(self, stage: int, tabs: list[str]) -> None:
        if stage != self._draw_stage:
            return  # a newer stage is being drawn
        if not tabs:
            self.drawn = True
            if self._with_intervals:  # all a person waits for is on screen: the other tabs meanwhile
                self.compose_rest_in_background()
            return
        self._draw_tab(tabs[0])
        self.call_after_refresh(self._next_step, stage, tabs[1:])

    def _draw_tab(self, tab: str) -> None:
        """Draw one tab from the results on show, if it is composed (tab 7 is drawn by results_design.py)."""
        if tab in TAB_STEPS and self.composed(tab):
            getattr(self, TAB_STEPS[tab])()

    def _draw_status(self) -> None:
        who = self._who
        progress = who.collection.of(self._model) if who is not None and who.collection and self._model else None
        self._status(status_line(self._run_id, self._results, self._model, progress, self._with_intervals))

    def _show_who(self, run_id: int, who: Respondents) -> None:
        """The respondents arrived after kept results were drawn: the model list, progress, tab 8."""
        self._who = who
        if self._results is None:
            return
        self._fill_filter("#results-model", who.order)
        self._draw_status()
        self._show_respondents(who)

    def _show_extras(self, per_condition: dict, adjusted: Text) -> None:
        """The answers per condition and the extremity-adjusted kinds (read from the answers)."""
        self._per_condition, self._adjusted = per_condition, adjusted
        if self._results is not None:
            self._draw_tab("answers")
            if self.composed("kinds"):
                self._draw_kind_chart()

    def _draw_conditions(self) -> None:
        self._fill_conditions("#results-conditions", self._results.conditions)

    def _draw_kinds(self) -> None:
        self.query_one("#results-kinds-title", Static).update(KINDS_TITLE)
        self._fill_conditions("#results-kinds", self._results.kinds)
        self._draw_kind_chart()

    def _draw_kind_chart(self) -> None:
        chart = render_kind_chart(self._results.kinds.records())
        chart.append_text(self._adjusted)
        self.query_one("#results-kind-chart", Static).update(chart)

    def _draw_heatmap(self) -> None:
        results, model = self._results, self._model
        heatmap = self.query_one("#results-heatmap", Heatmap)
        heat = results.heatmaps.get(model) if model is not None else None
        if heat is None:
            heatmap.show([], [], None)
            return
        kinds = {r["condition"]: r["kind"] for r in results.conditions.records()}
        heatmap.show([(name, vtype) for _id, name, vtype in heat.values], heat.conditions, heat.rates,
                     title=f"Model {model}: alignment rate per value (rows) and condition (columns, coded: "
                           "legend on the right); up / down: value", kinds=kinds)

    def _draw_answers(self) -> None:
        results, model = self._results, self._model
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

    def _draw_protocols(self) -> None:
        self.query_one("#results-protocols", Static).update(render_protocols(self._results, self._model,
                                                                             self.size.width))

    def _draw_respondents(self) -> None:
        self._show_respondents(self._who)

    def _draw_values(self) -> None:
        self._fill_values(self._results)

    def _draw_topics(self) -> None:
        self._fill_topics(self._results)

    def _show_respondents(self, who: Respondents | None) -> None:
        """The run's status while it is not complete, and the Respondents tab."""
        line = self.query_one("#results-collection", Static)
        collection = who.collection if who is not None else None
        line.display = collection is not None and not collection.complete
        if line.display:
            line.update(Text(visible(collection.headline())))
        if self.composed("respondents"):
            self.query_one("#results-respondents", RespondentsPane).show(who.table if who else None,
                                                                         who.pairs if who else None)

    def _fill_tables(self, results: Results) -> None:
        """The tables of the tabs composed so far (their form changed)."""
        for tab in ("conditions", "kinds", "values", "topics"):
            self._draw_tab(tab)

    def _fill_condition_filter(self, results: Results) -> None:
        """The condition selector (the Values and the Topics tabs show one condition at a time)."""
        conditions = [r["condition"] for r in results.conditions.records()]
        select = self.query_one("#results-condition", Select)
        if getattr(select, "_results_labels", None) != tuple(conditions):
            current = select.value
            self._populating = True
            select.set_options([(Text(one_line(c)), c) for c in conditions])
            select._results_labels = tuple(conditions)
            select.value = current if current in conditions else (conditions[0] if conditions else Select.NULL)
            self._populating = False

    def _fill_values(self, results: Results) -> None:
        """One condition's values: rank by AD with its interval, levels and the change against baseline."""
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
        if not kinds:  # the line under the conditions' table is their cursor row's, whichever table is drawn
            self._show_detail(data.cursor_row)

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
