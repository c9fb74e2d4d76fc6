"""The Results screen: the value-action gap of a run, by condition, value and answer option.

One model at a time (the selector picks it; nothing pools models), the Values tab one condition at a
time. Loading and computing run in a worker (results_compute.py), which shows results kept for the run's
current answers at once; else tables first without intervals, then with bootstrap intervals, tests and
rank intervals. Each is drawn in steps, the tab in view first (results_drawing.py), so keys are served.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Select, Static, TabbedContent, TabPane, Tabs

from valuegap_tui.metrics.items import AGGREGATES, DEFAULT_AGGREGATE
from valuegap_tui.metrics.summary import Results
from valuegap_tui.report.collection import Respondents
from valuegap_tui.store import runs as run_store
from valuegap_tui.text import one_line
from valuegap_tui.tui.keys import bind
from valuegap_tui.tui.screens.results_compute import ResultsComputing
from valuegap_tui.tui.screens.results_design import TABS, DesignTab
from valuegap_tui.tui.screens.results_drawing import ResultsDrawing
from valuegap_tui.tui.screens.results_report import ReportWriting
from valuegap_tui.tui.screens.results_tabs import FIRST_COMPOSED, LazyTabs, tab_widgets
from valuegap_tui.tui.textual_private import select_values, still_underline, styled_as_current
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.widgets.respondents_pane import RespondentsCache
from valuegap_tui.tui.widgets.result_cells import condition_columns
from valuegap_tui.tui.widgets.results_status import ESTIMANDS

ALL = "__all__"
#: below this width the conditions table takes its compact form
WIDE_FROM = 160
#: below this width the compact form puts the p-value on a third line, so 80 columns fit
NARROW_BELOW = 96
VALUE_COLUMNS = ("Rank [95% CI]", "Value", "Type", "Dilemmas", "AD [95% CI]", "AR [95% CI]", "ΔAD [CI]",
                 "p Holm / BH", "d_z", "ΔAR [CI]", "p Holm / BH", "d_z")
TOPIC_COLUMNS = ("Topic", "Items", "AD [95% CI]", "AR [95% CI]", "F1 oppose", "F1 align")
#: how often a running run's process is looked for: killed, it commits nothing that would tell the screen
RUN_STATUS_POLL_S = 5.0
NO_RUNS = "No runs yet. Start one on the Runs screen (F4) or with `valuegap run`; its results appear here."


class ResultsScreen(ReportWriting, ResultsComputing, ResultsDrawing, LazyTabs, DesignTab, Screen):
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
        styled_as_current(self, self.app)  # made by the first F5: no restyle of the app, twice, for it
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
        self._who: Respondents | None = None  # the respondents of the results shown, once read
        self._with_intervals = False
        self._fresh = False  # the next computation ignores kept results (r: recompute)
        self._requested: tuple | None = None  # the filters of the last computation asked for
        self._model: str | None = None
        self._run_id: int | None = None
        self._adjusted = Text("")  # the Kinds tab's extremity-adjusted changes, once read
        self._composed = set(FIRST_COMPOSED)  # the tabs composed so far (results_tabs.py)
        self._composing: set[str] = set()
        self._focus_when_mounted: set[str] = set()
        self.tabs_to_draw: set[str] = set()

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
            for number, (tab, title) in enumerate(TABS, 1):
                with TabPane(f"{number} {title}", id=f"results-tab-{tab}"):
                    if tab in FIRST_COMPOSED:  # the others when first shown (results_tabs.py)
                        yield from tab_widgets(tab)
        yield KeysFooter()

    def on_mount(self) -> None:
        self._set_layout()
        self._show_design_tab(False)
        # a tab's line moves at once: its slide is frames drawn while the intervals' children compute
        still_underline(self.query_one("#results-tabs", TabbedContent).query_one(Tabs))
        self.query_one("#results-conditions", DataTable).focus()  # arrows move the cursor row straight away
        # the runs are read when the screen is shown (on_screen_resume, the first time too)
        self.set_interval(RUN_STATUS_POLL_S, self._look_for_ended_runs)

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
        for tab in ("conditions", "kinds"):
            if self.composed(tab):
                self._prepare_tab(tab)
        return True

    def _prepare_tab(self, tab: str) -> None:
        """A table's columns: the conditions' and the kinds' in the form the width asks for."""
        if tab in ("conditions", "kinds"):
            table = self.query_one(f"#results-{tab}", DataTable)
            table.clear(columns=True)
            table.header_height = 3 if tab == "conditions" else 2
            table.add_columns(*condition_columns(self._wide, self._narrow, tab == "conditions"))
        elif tab in ("values", "topics"):
            self.query_one(f"#results-{tab}", DataTable).add_columns(*(VALUE_COLUMNS if tab == "values"
                                                                        else TOPIC_COLUMNS))

    def action_toggle_layout(self) -> None:
        self._layout = {"auto": "compact" if self._wide else "wide", "wide": "compact", "compact": "wide"}[self._layout]
        if self._set_layout() and self._results is not None:
            self._fill_tables(self._results)
        self.notify(f"Conditions table: {'wide' if self._wide else 'compact'} form")

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#results-tabs", TabbedContent).active = f"results-tab-{tab}"
        self.open_tab(tab, focus=True)

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

    def _look_for_ended_runs(self) -> None:
        """A run listed as running may have been killed since: no commit says so, its status read again does."""
        if self.is_current and any(status == "running" for _id, _name, status in getattr(self, "_listed", ())):
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
        self.recompute(force=True)

    def _selected(self, selector: str):
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL or value == ALL else value

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if self._populating:
            return
        if event.select.id == "results-condition":
            if self._results is not None:
                self._draw_tab("values")
                self._draw_tab("topics")
            return
        if (event.select.id == "results-model" and self._results is not None
                and event.value in self._results.reported_models):
            return  # the model already shown (set by the screen itself)
        self.recompute()

    def action_refresh(self) -> None:
        """Read the answers and compute again, kept results or not."""
        self._frames.clear()
        self._fresh = True
        self.load_runs()

    def action_next_aggregate(self) -> None:
        self._aggregate = AGGREGATES[(AGGREGATES.index(self._aggregate) + 1) % len(AGGREGATES)]
        self.recompute()

    def action_toggle_logprob_answers(self) -> None:
        self._top_letter = not self._top_letter
        self.recompute()

    def recompute(self, force: bool = False) -> None:
        """Compute what the filters ask for, unless that is what was last asked (``force``: all the same).
        A filter set by the screen itself reports its change later: it asks nothing new."""
        run_id = self._selected("#results-run")
        if run_id is None:
            return
        request = (run_id, self._selected("#results-model"), self._selected("#results-topic"), self._aggregate,
                   self._top_letter)
        if request == self._requested and not force and not self._fresh:
            return
        self._requested = request
        self._status(f"Computing run #{run_id} (estimand: {ESTIMANDS.get(self._aggregate, self._aggregate)})…")
        fresh, self._fresh = self._fresh, False
        self.compute(run_id, self._selected("#results-model"), self._selected("#results-topic"), self._aggregate,
                     False if self._top_letter else None, fresh)

    @on(DataTable.RowHighlighted, "#results-conditions")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)
