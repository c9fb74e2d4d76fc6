"""The Runs screen."""

from valuegap_tui.tui.screens._placeholder import StageScreen


class RunsScreen(StageScreen):
    STAGE_TITLE = "Runs"
    STAGE_HELP = "Evaluate models on value and action questions (valuegap run)."
