"""The Results screen's tabs, each composed when it is first shown.

Composing, mounting, styling and drawing a tab costs the UI thread whether the tab is in view or not, and
keys wait behind it. So the screen composes the tab in view (and the Design tab's one line) and each other
tab the first time it is shown (its key, a click on its label, or the screen switching to it); a tab
composed late is drawn from the results on show right after the frame that shows it picked, and then with
every stage after, as the others are.

Once the numbers and their intervals are on screen, the tabs not yet shown are composed and drawn in the
background, one tab per step with a pause between steps for the keys pressed meanwhile (a key waits for at
most the step under way), so a tab's key later only shows it: composing, styling and filling it on the key
made that key the slowest of the screen.
"""

from __future__ import annotations

from textual.containers import ScrollableContainer, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from valuegap_tui.tui.textual_private import ReshownTable
from valuegap_tui.tui.widgets.heatmap import Heatmap
from valuegap_tui.tui.widgets.respondents_pane import RespondentsPane

#: composed with the screen: the tab in view when it opens, and tab 7's line (a run of another design
#: fills it before switching to it)
FIRST_COMPOSED = ("conditions", "design")
#: the tabs composed in the background once the intervals are drawn, in this order (the likeliest next first)
BACKGROUND_ORDER = ("kinds", "heatmap", "answers", "values", "topics", "respondents", "protocols")
#: the pause between two background steps: keys pressed meanwhile are served first
BACKGROUND_PAUSE_S = 0.03
#: the widget a tab's key focuses, once the tab is composed
FOCUS = {"conditions": "#results-conditions", "kinds": "#results-kinds", "heatmap": "#results-heatmap",
         "values": "#results-values", "topics": "#results-topics", "respondents": "#respondents-table",
         "protocols": "#results-protocols-scroll"}


def _table(table_id: str) -> DataTable:
    # its drawn cells kept while another tab is shown and over the focus its key moves (textual_private)
    return ReshownTable(id=table_id, cursor_type="row", zebra_stripes=True)


def tab_widgets(tab: str) -> list[Widget]:
    """What the tab named ``tab`` holds (its pane's children)."""
    if tab == "conditions":
        return [_table("results-conditions"), Static("", id="results-detail", markup=False)]
    if tab == "kinds":
        return [VerticalScroll(Static("", id="results-kinds-title", markup=False), _table("results-kinds"),
                               Static("", id="results-kind-chart", markup=False))]
    if tab == "heatmap":  # 25 conditions are wider than a terminal
        return [ScrollableContainer(Heatmap(id="results-heatmap"), id="results-heatmap-scroll")]
    if tab == "answers":
        return [VerticalScroll(Static("", id="results-answers-conditions", markup=False),
                               Static("", id="results-answers", markup=False),
                               Static("", id="results-letters", markup=False))]
    if tab in ("values", "topics"):
        return [Static("", id=f"results-{tab}-title", markup=False), _table(f"results-{tab}")]
    if tab == "design":
        return [VerticalScroll(Static("The poster's design: its metrics are in tabs 1-6.", id="results-design",
                                      markup=False))]
    if tab == "respondents":
        return [RespondentsPane(id="results-respondents")]
    if tab == "protocols":
        return [VerticalScroll(Static("", id="results-protocols", markup=False), id="results-protocols-scroll")]
    raise ValueError(f"no such tab: {tab}")


class LazyTabs:
    """Mixed into ResultsScreen: it has ``_composed`` (the tabs composed so far), ``_results``, and
    ``_prepare_tab`` and ``_draw_tab`` (results_drawing.py)."""

    _composed: set[str]
    _composing: set[str]  # being mounted
    #: tabs whose key was pressed while a background step was mounting them: focused once mounted
    _focus_when_mounted: set[str]
    #: tabs composed and waiting for their first drawing (tests wait for it to empty)
    tabs_to_draw: set[str]

    #: the background composing was started (once per screen: a tab stays composed)
    _composing_rest = False

    def composed(self, tab: str) -> bool:
        """Whether the tab's widgets exist (a tab not yet shown has none: nothing to draw there)."""
        return tab in self._composed

    def open_tab(self, tab: str, focus: bool = False) -> None:
        """Compose ``tab`` if it is not yet, then draw it and (``focus``) focus its main widget."""
        if tab in self._composed:
            if focus:
                self._focus_tab(tab)
            return
        if tab in self._composing:
            if focus:  # a background step is mounting it: its key's focus must not be lost
                self._focus_when_mounted.add(tab)
            return
        self._composing.add(tab)
        mounting = self.query_one(f"#results-tab-{tab}", TabPane).mount_all(tab_widgets(tab))
        self.call_later(self._tab_mounted, tab, mounting, focus)

    async def _tab_mounted(self, tab: str, mounting, focus: bool) -> None:
        await mounting
        if not self.is_attached:
            return  # the app closed while the tab was being composed
        try:
            self._prepare_tab(tab)
        except NoMatches:
            return  # the app is closing: the tab's widgets are being removed
        # composed only now: a stage drawn while the tab's widgets were being mounted left it out (they
        # were not all there yet), and it is drawn below from the results on show by then
        self._composing.discard(tab)
        self._composed.add(tab)
        if focus or tab in self._focus_when_mounted:
            self._focus_when_mounted.discard(tab)
            self._focus_tab(tab)
        if self._results is not None:
            # drawn after the next frame, which shows the tab picked at once (its label lit, its table's
            # header): laying out and painting a full tab takes a frame of its own on a 2-core machine
            self.tabs_to_draw.add(tab)
            self.call_after_refresh(self._draw_composed, tab)

    def _draw_composed(self, tab: str) -> None:
        self.tabs_to_draw.discard(tab)
        self._draw_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        """Focus the tab's main widget, unless another tab was picked meanwhile. The tab stays where it
        was scrolled (at its top, its title in view, when first shown): letting the focus scroll a table
        taller than the view into it hid the title, or not, by when the tab was composed."""
        if self.query_one("#results-tabs", TabbedContent).active == f"results-tab-{tab}" and tab in FOCUS:
            self.query_one(FOCUS[tab]).focus(scroll_visible=False)

    def compose_rest_in_background(self) -> None:
        """Compose (and draw) the tabs not yet shown, one per step, while the screen is otherwise idle."""
        if not self._composing_rest:
            self._composing_rest = True
            self.set_timer(BACKGROUND_PAUSE_S, self._compose_next_in_background)

    def _compose_next_in_background(self) -> None:
        if not self.is_attached:
            return
        if self._composing or self.tabs_to_draw or not self.drawn:
            # a tab's key (or a stage) is being served: this step waits for it
            self.set_timer(BACKGROUND_PAUSE_S, self._compose_next_in_background)
            return
        rest = [tab for tab in BACKGROUND_ORDER if tab not in self._composed]
        if not rest or self._results is None:
            return
        self.open_tab(rest[0])  # composed now, drawn after the next frame (_tab_mounted)
        if len(rest) > 1:
            self.set_timer(BACKGROUND_PAUSE_S, self._compose_next_in_background)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Any way a tab comes into view (a click on its label, the screen's own switch) composes it."""
        pane_id = event.pane.id or ""
        # hiding tabs (a run of another design) passes through the tabs after the hidden one: only
        # the tab still in view when the message comes is composed
        if (event.tabbed_content.id == "results-tabs" and pane_id.startswith("results-tab-")
                and event.tabbed_content.active == pane_id):
            self.open_tab(pane_id.removeprefix("results-tab-"))
