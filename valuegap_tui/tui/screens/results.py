"""The Results screen."""

from valuegap_tui.tui.screens._placeholder import StageScreen


class ResultsScreen(StageScreen):
    STAGE_TITLE = "Results"
    STAGE_HELP = "Metric tables and figures (valuegap report)."
