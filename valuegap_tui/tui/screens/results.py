"""The Results screen: the value-action gap of a run, by condition, value and answer option.

Everything shown is for one model at a time (the model selector picks it; nothing pools models); the
Values tab shows one condition's values at a time. Loading a run and computing its metrics happen in a
worker; the tables appear first without intervals (fast), then again with bootstrap intervals, tests and
rank intervals.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Select, Static, TabbedContent, TabPane

from valuegap_tui.catalogue import catalogue
from valuegap_tui.metrics.items import AGGREGATES, DEFAULT_AGGREGATE
from valuegap_tui.metrics.summary import Results, compute_results
from valuegap_tui.store import runs as run_store
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.answer_bars import render_answer_bars
from valuegap_tui.tui.widgets.heatmap import Heatmap

ALL = "__all__"
CONDITION_COLUMNS = ("Model", "Condition", "Kind", "Dilemmas", "AR [95% CI]", "Baseline AR", "ΔAR [CI]",
                     "p Holm / BH", "d_z", "AD [95% CI]", "Baseline AD", "ΔAD [CI]", "p Holm / BH", "d_z",
                     "Retest AR v / a", "Retest AD v / a", "F1 oppose", "F1 align")
VALUE_COLUMNS = ("Rank [95% CI]", "Value", "Type", "Dilemmas", "AD [95% CI]", "AR [95% CI]", "ΔAD [CI]",
                 "p Holm / BH", "d_z", "ΔAR [CI]", "p Holm / BH", "d_z")
NO_RUNS = "No runs yet. Start one on the Runs screen (F4) or with `valuegap run`; its results appear here."


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.2g}"


def _with_interval(value: float, low: float, high: float) -> str:
    return _num(value) if math.isnan(low) else f"{_num(value)} [{_num(low)}, {_num(high)}]"


def _change(row: dict, prefix: str, better_when_up: bool) -> Text:
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


def _adjusted(row: dict, prefix: str) -> Text:
    holm, bh = row[f"{prefix}_change_p_holm"], row[f"{prefix}_change_p_bh"]
    if math.isnan(holm):
        return Text("–")
    return Text(f"{_p(holm)} / {_p(bh)}", style="bold" if bh <= 0.05 else "")


def _rank(row: dict) -> str:
    if math.isnan(row["rank_low"]):
        return str(row["rank"])
    return f"{row['rank']} [{row['rank_low']:g}, {row['rank_high']:g}]"


class ResultsScreen(Screen):
    BINDINGS = [
        Binding("r", "refresh", "Recompute", id="results.refresh"),
        Binding("n", "next_aggregate", "Repeats: next estimand", id="results.aggregate"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames: dict[int, object] = {}
        self._aggregate = DEFAULT_AGGREGATE
        self._populating = False
        self._results: Results | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="results-filters"):
            yield Select([], prompt="run", allow_blank=True, id="results-run")
            yield Select([], prompt="model", allow_blank=True, id="results-model")
            yield Select([], prompt="all topics", allow_blank=True, id="results-topic")
        yield Static("Loading runs…", id="results-status", markup=False)
        with TabbedContent(id="results-tabs"):
            with TabPane("Conditions", id="results-tab-conditions"):
                yield DataTable(id="results-conditions", cursor_type="row", zebra_stripes=True)
                yield Static("", id="results-kinds-title", markup=False)
                yield DataTable(id="results-kinds", cursor_type="row", zebra_stripes=True)
            with TabPane("Heatmap", id="results-tab-heatmap"):
                with ScrollableContainer(id="results-heatmap-scroll"):  # 25 conditions are wider than a terminal
                    yield Heatmap(id="results-heatmap")
            with TabPane("Answers", id="results-tab-answers"):
                with VerticalScroll():
                    yield Static("", id="results-answers", markup=False)
            with TabPane("Values", id="results-tab-values"):
                yield Select([], prompt="condition", allow_blank=True, id="results-condition")
                yield Static("", id="results-values-title", markup=False)
                yield DataTable(id="results-values", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        for table_id, columns in (("#results-conditions", CONDITION_COLUMNS), ("#results-kinds", CONDITION_COLUMNS),
                                  ("#results-values", VALUE_COLUMNS)):
            self.query_one(table_id, DataTable).add_columns(*columns)
        self.load_runs()

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

    def recompute(self) -> None:
        run_id = self._selected("#results-run")
        if run_id is None:
            return
        self._status(f"Computing run #{run_id} (repeats: {self._aggregate})…")
        self.compute(run_id, self._selected("#results-model"), self._selected("#results-topic"), self._aggregate)

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-compute")
    def compute(self, run_id: int, model: str | None, topic: str | None, aggregate: str) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            frame = self._frames.get(run_id)
            if frame is None:
                frame = run_store.load_answer_frame(self.app.study, run_id)
                self._frames = {run_id: frame}
            models = sorted(set(frame.model.labels[c] for c in set(frame.model.codes.tolist())))
            if model not in models:  # one model at a time: the first until one is picked
                model = models[0] if models else None
            quick = compute_results(frame, aggregate=aggregate, model=model, topic=topic, bootstrap=False)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._show, run_id, quick, False)
            if quick.items:
                full = compute_results(frame, aggregate=aggregate, model=model, topic=topic)
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show, run_id, full, True)
        except Exception as exc:  # a broken run must not take the screen down
            self.app.call_from_thread(self._status, f"Could not compute run #{run_id}: {exc}")

    # ---- showing -------------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.query_one("#results-status", Static).update(Text(visible(text)))

    def _show(self, run_id: int, results: Results, with_intervals: bool) -> None:
        self._results = results
        self._fill_filter("#results-model", results.models)
        self._fill_filter("#results-topic", results.topics)
        model = results.reported_models[0] if results.reported_models else None
        if model is not None and self._selected("#results-model") != model:
            self._populating = True
            self.query_one("#results-model", Select).value = model
            self._populating = False
        if results.answers == 0 or model is None:
            self._status(f"Run #{run_id} has no answers yet.")
        else:
            (own,) = results.per_model.records()
            self._status(
                f"Run #{run_id}, model {model}: {own['answers']} answers, {own['items']} items; repeats by "
                f"{results.aggregate}; invalid {_num(own['invalid'], 3)}, refusals {_num(own['refusal'], 3)}, "
                f"server errors {_num(own['server_error'], 3)}; "
                f"agreement across repeats value {_num(own['agreement_value'], 2)}, action "
                f"{_num(own['agreement_action'], 2)}" + ("" if with_intervals else "; computing intervals…"))
        self._fill_conditions("#results-conditions", results.conditions)
        self.query_one("#results-kinds-title", Static).update(
            "By persona kind (the mean over a kind's personas; interval over personas and dilemmas):")
        self._fill_conditions("#results-kinds", results.kinds)
        heatmap = self.query_one("#results-heatmap", Heatmap)
        heat = results.heatmaps.get(model) if model is not None else None
        if heat is None:
            heatmap.show([], [], None)
        else:
            heatmap.show([(name, vtype) for _id, name, vtype in heat.values], heat.conditions, heat.rates,
                         title=f"Model {model}: alignment rate per value (rows) and condition (columns)")
        cat = catalogue()
        labels = [f"{v.text} / {a.text}" for v, a in zip(cat.value_scale, cat.action_labels)]
        answers = self.query_one("#results-answers", Static)
        if model in results.choices:
            answers.update(render_answer_bars(labels, results.choices[model]["value"], results.choices[model]["action"]))
        else:
            answers.update(Text("no answers to show"))
        self._fill_values(results)

    def _fill_values(self, results: Results) -> None:
        """One condition's values: rank by AD with its interval, levels and the change against baseline."""
        conditions = [r["condition"] for r in results.conditions.records()]
        select = self.query_one("#results-condition", Select)
        if getattr(select, "_results_labels", None) != tuple(conditions):
            current = select.value
            self._populating = True
            select.set_options([(Text(c), c) for c in conditions])
            select._results_labels = tuple(conditions)
            select.value = current if current in conditions else (conditions[0] if conditions else Select.NULL)
            self._populating = False
        condition = self._selected("#results-condition")
        rows = [r for r in results.ranking.records() if r["condition"] == condition]
        changes = {r["value"]: r for r in results.breakdowns["by_value"].records() if r["condition"] == condition}
        self.query_one("#results-values-title", Static).update(
            f"{condition}: values ranked by alignment distance (largest gap first); p adjusted across the "
            "values (Holm / Benjamini-Hochberg); d_z = mean / sd of the per-dilemma differences" if condition else "")
        values = self.query_one("#results-values", DataTable)
        values.clear()
        for row in rows:
            change = changes.get(row["value"])
            values.add_row(
                *(Text(one_line(str(c))) for c in (_rank(row), row["name"], row["value_type"], row["dilemmas"])),
                Text(_with_interval(row["alignment_distance"], row["ad_low"], row["ad_high"])),
                Text(_with_interval(row["alignment_rate"], row["ar_low"], row["ar_high"])),
                *(self._value_change(change, prefix, up) for prefix, up in (("ad", False), ("ar", True))))

    @staticmethod
    def _value_change(row: dict | None, prefix: str, better_when_up: bool) -> tuple[Text, Text, Text]:
        if row is None:
            return Text("–"), Text("–"), Text("–")
        return _change(row, prefix, better_when_up), _adjusted(row, prefix), Text(_num(row[f"{prefix}_change_dz"], 2))

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
        for row in table.records():
            data.add_row(
                Text(one_line(row["model"])), Text(one_line(row["condition"])), Text(one_line(row["kind"])), Text(str(row["dilemmas"])),
                Text(_with_interval(row["alignment_rate"], row["ar_low"], row["ar_high"])),
                Text(_num(row["baseline_ar"])), _change(row, "ar", better_when_up=True), _adjusted(row, "ar"),
                Text(_num(row["ar_change_dz"], 2)),
                Text(_with_interval(row["alignment_distance"], row["ad_low"], row["ad_high"])),
                Text(_num(row["baseline_ad"])), _change(row, "ad", better_when_up=False), _adjusted(row, "ad"),
                Text(_num(row["ad_change_dz"], 2)),
                Text(f"{_num(row['value_retest_ar'], 2)} / {_num(row['action_retest_ar'], 2)}"),
                Text(f"{_num(row['value_retest_ad'], 2)} / {_num(row['action_retest_ad'], 2)}"),
                Text(_num(row["f1_oppose"])), Text(_num(row["f1_align"])),
            )
