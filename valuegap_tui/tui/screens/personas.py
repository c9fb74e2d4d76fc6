"""The Personas screen."""

from valuegap_tui.tui.screens._placeholder import StageScreen


class PersonasScreen(StageScreen):
    STAGE_TITLE = "Personas"
    STAGE_HELP = "Build personas from the Inglehart-Welzel cultural map (valuegap personas)."
