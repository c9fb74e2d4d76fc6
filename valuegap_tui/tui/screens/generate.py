"""The Generate screen."""

from valuegap_tui.tui.screens._placeholder import StageScreen


class GenerateScreen(StageScreen):
    STAGE_TITLE = "Generate"
    STAGE_HELP = "Generate dilemmas with a language model (valuegap generate)."
