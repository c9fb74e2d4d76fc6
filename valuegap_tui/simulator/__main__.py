"""``python -m valuegap_tui.simulator``: serve in the foreground (used by run_simulator_process)."""

from valuegap_tui.simulator.runner import main

main()
