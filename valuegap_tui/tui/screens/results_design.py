"""The Results screen's tab 7: a run of a design without the core's metrics (``Design.core_metrics``)
shows its design's own tables (designs.tables) there, and tabs 1-6 are hidden."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from valuegap_tui.keymap import RESULT_TABS as TABS  # the tabs, in key order (1-9)
from valuegap_tui.store import answer_frame as frame_store


class DesignTab:
    """What ResultsScreen does for a run of another design (it has ``app``, ``query_one``, ``_status``,
    ``_fill_filter`` and ``_show_respondents``)."""

    def _compute_design(self, run, model: str | None) -> None:
        """A run of another design: its own tables (designs.tables) in the Design tab."""
        from valuegap_tui.designs import get_design
        from valuegap_tui.designs.tables import run_tables

        frame = frame_store.load_answer_frame(self.app.study, run.id)
        models = sorted(set(frame.model.decode())) if len(frame) else []
        tables = run_tables(self.app.study, run.id, model if model in models else None)
        asked = int((~frame.no_reply).sum())  # a server error or a request too long is not the model's
        valid, low = int(frame.valid.sum()), int(frame.low_coverage.sum())
        answers = (f"{valid} valid of {asked} answers ({low} low coverage, {asked - valid - low} other invalid)"
                   if asked else "0 answers")
        self.app.call_from_thread(self._show_design, run, get_design(run.design), models, tables, answers)

    _design_run: bool | None = None  # which tabs are shown: a design's tab 7 (True) or the core's

    def _show_design_tab(self, design_run: bool) -> None:
        """Tabs 1-6 and 9 for the poster's design, tab 7 for a run of any other design."""
        if design_run == self._design_run:
            return
        self._design_run = design_run
        tabs = self.query_one("#results-tabs", TabbedContent)
        for tab, _title in TABS:
            (tabs.show_tab if (tab == "design") == design_run else tabs.hide_tab)(f"results-tab-{tab}")
        if design_run:
            tabs.active = "results-tab-design"
        elif tabs.active == "results-tab-design":
            tabs.active = "results-tab-conditions"

    def _show_design(self, run, design, models: list[str], tables, answers: str) -> None:
        from valuegap_tui.tui.widgets.design_tables import render_design_tables

        self._fill_filter("#results-model", tuple(models))
        self._status(f"Run #{run.id} ({design.title}): {answers}; its tables are in tab 7"
                     + ("" if answers != "0 answers" else "; no answers yet"))
        self.query_one("#results-design", Static).update(render_design_tables(design, tables))
        self._show_design_tab(True)
        self._show_respondents(None)  # nothing of a poster run shown before stays
