"""The Results screen: the value-action gap of a run, by condition, value and answer option.

Loading a run and computing its metrics happen in a worker; the tables appear first without intervals
(fast), then again with bootstrap intervals and tests.
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
from valuegap_tui.tui.widgets.answer_bars import render_answer_bars
from valuegap_tui.tui.widgets.heatmap import Heatmap

ALL = "__all__"
CONDITION_COLUMNS = ("Model", "Condition", "Kind", "Items", "AR [95% CI]", "ΔAR vs baseline [CI] p",
                     "AD [95% CI]", "ΔAD vs baseline [CI] p", "F1 oppose", "F1 align")
VALUE_COLUMNS = ("Rank", "Value", "Type", "Items", "AR", "AD", "F1 oppose", "F1 align")
NO_RUNS = "No runs yet. Start one on the Runs screen (F4) or with `valuegap run`; its results appear here."


def _num(value: float, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _with_interval(value: float, low: float, high: float) -> str:
    return _num(value) if math.isnan(low) else f"{_num(value)} [{_num(low)}, {_num(high)}]"


def _change(row: dict, prefix: str, better_when_up: bool) -> Text:
    mean = row[f"{prefix}_change"]
    if math.isnan(mean):
        return Text("–")
    text = f"{mean:+.3f}"
    low, high, p = row[f"{prefix}_change_low"], row[f"{prefix}_change_high"], row[f"{prefix}_change_p"]
    if not math.isnan(low):
        text += f" [{low:+.3f}, {high:+.3f}] p={p:.2g}"
    significant = not math.isnan(low) and (low > 0 or high < 0)
    style = ("green" if (mean > 0) == better_when_up else "red") if significant else ""
    return Text(text, style=style)


class ResultsScreen(Screen):
    BINDINGS = [
        Binding("r", "refresh", "Recompute", id="results.refresh"),
        Binding("n", "next_aggregate", "Repeats: mean/majority/each", id="results.aggregate"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._frames: dict[int, object] = {}
        self._aggregate = DEFAULT_AGGREGATE
        self._populating = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="results-filters"):
            yield Select([], prompt="run", allow_blank=True, id="results-run")
            yield Select([], prompt="all models", allow_blank=True, id="results-model")
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
                yield DataTable(id="results-values", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        for table_id, columns in (("#results-conditions", CONDITION_COLUMNS), ("#results-kinds", CONDITION_COLUMNS),
                                  ("#results-values", VALUE_COLUMNS)):
            self.query_one(table_id, DataTable).add_columns(*columns)
        self.load_runs()

    def on_screen_resume(self) -> None:
        self.load_runs()

    # ---- loading -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-runs")
    def load_runs(self) -> None:
        runs = run_store.list_runs(self.app.study)
        self.app.call_from_thread(self._show_runs, runs)

    def _show_runs(self, runs) -> None:
        select = self.query_one("#results-run", Select)
        if not runs:
            select.set_options([])
            self._status(NO_RUNS)
            return
        current = select.value
        self._populating = True
        select.set_options([(Text(f"#{r.id} {r.name} ({r.status})"), r.id) for r in reversed(runs)])
        ids = [r.id for r in runs]
        select.value = current if current in ids else ids[-1]
        self._populating = False
        self.recompute()

    def _selected(self, selector: str):
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL or value == ALL else value

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if not self._populating:
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
        self.query_one("#results-status", Static).update(text)

    def _show(self, run_id: int, results: Results, with_intervals: bool) -> None:
        self._fill_filter("#results-model", results.models)
        self._fill_filter("#results-topic", results.topics)
        if results.answers == 0:
            self._status(f"Run #{run_id} has no answers yet.")
        else:
            rates = results.rates
            self._status(
                f"Run #{run_id}: {results.answers} answers, {results.items} items; repeats by {results.aggregate}; "
                f"invalid {_num(rates['invalid'], 3)}, refusals {_num(rates['refusal'], 3)}; agreement across "
                f"repeats value {_num(results.agreement['value'], 2)}, action {_num(results.agreement['action'], 2)}"
                + ("" if with_intervals else "; computing intervals…"))
        self._fill_conditions("#results-conditions", results.conditions)
        self.query_one("#results-kinds-title", Static).update("By persona kind (personas of a kind pooled):")
        self._fill_conditions("#results-kinds", results.kinds)
        heat = results.heatmap
        self.query_one("#results-heatmap", Heatmap).show([(name, vtype) for _id, name, vtype in heat.values],
                                                         heat.conditions, heat.rates)
        cat = catalogue()
        labels = [f"{v.text} / {a.text}" for v, a in zip(cat.value_scale, cat.action_labels)]
        self.query_one("#results-answers", Static).update(
            render_answer_bars(labels, results.choices["value"], results.choices["action"]))
        values = self.query_one("#results-values", DataTable)
        values.clear()
        for row in results.ranking.records():
            values.add_row(*(Text(str(c)) for c in (row["rank"], row["name"], row["value_type"], row["items"])),
                           *(Text(_num(row[k])) for k in ("alignment_rate", "alignment_distance", "f1_oppose",
                                                           "f1_align")))

    def _fill_filter(self, selector: str, labels: tuple[str, ...]) -> None:
        select = self.query_one(selector, Select)
        wanted = [(Text(label), label) for label in labels]
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
                Text(row["model"]), Text(row["condition"]), Text(row["kind"]), Text(str(row["items"])),
                Text(_with_interval(row["alignment_rate"], row["ar_low"], row["ar_high"])),
                _change(row, "ar", better_when_up=True),
                Text(_with_interval(row["alignment_distance"], row["ad_low"], row["ad_high"])),
                _change(row, "ad", better_when_up=False),
                Text(_num(row["f1_oppose"])), Text(_num(row["f1_align"])),
            )
