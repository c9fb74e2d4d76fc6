from valuegap_tui.cli import launch

launch()
