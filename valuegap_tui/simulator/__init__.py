"""The simulated respondent server: an OpenAI-compatible HTTP server whose answers come from a
planted, seeded behaviour model (not a language model), so the tool runs and is tested with no GPU.

``run_simulator(params)`` serves it from a background thread; ``SimulatorParams`` holds the planted
parameters and ``answer_probabilities`` gives the exact answer distribution for a question.
"""

from valuegap_tui.simulator.app import build_app
from valuegap_tui.simulator.respondent import BANNER, Simulator
from valuegap_tui.simulator.behaviour import (
    action_distribution,
    answer_probabilities,
    endorsement,
    expected_gap,
    expected_option_shares,
    expected_position_shares,
    gap_probability,
    letter_distribution,
    parse_persona,
    persona_traits,
    value_distribution,
)
from valuegap_tui.simulator.params import SIMULATED_MODEL, SimulatorParams
from valuegap_tui.simulator.runner import RunningSimulator, run_simulator, run_simulator_process, serve_forever

__all__ = [
    "BANNER", "SIMULATED_MODEL", "RunningSimulator", "Simulator", "SimulatorParams", "action_distribution",
    "answer_probabilities", "build_app", "endorsement", "expected_gap", "expected_option_shares", "expected_position_shares", "gap_probability",
    "letter_distribution", "parse_persona", "persona_traits", "run_simulator", "run_simulator_process",
    "serve_forever", "value_distribution",
]
