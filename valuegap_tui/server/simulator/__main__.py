"""``python -m valuegap_tui.server.simulator``: serve in the foreground (used by run_simulator_process)."""

from valuegap_tui.server.simulator.runner import main

main()
