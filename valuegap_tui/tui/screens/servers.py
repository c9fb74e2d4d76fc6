"""The Servers screen."""

from valuegap_tui.tui.screens._placeholder import StageScreen


class ServersScreen(StageScreen):
    STAGE_TITLE = "Servers"
    STAGE_HELP = "Server profiles, health and probe findings (valuegap server probe)."
