"""Planted answer behaviour shared by the position tests and bench/inference_coverage.py."""

from __future__ import annotations

from valuegap_tui.metrics.synthetic import PlantedCondition

#: a condition whose answers follow the options' content alone
CONSISTENT = PlantedCondition("baseline", "baseline", (0.85, 0.1, 0.05, 0, 0, 0), (0.8, 0.15, 0.05, 0, 0, 0))
#: the same content, with answers that also follow the letter they are shown at (its share planted per test)
POSITION_ONLY = PlantedCondition("by-letter", "custom", CONSISTENT.value_probs, CONSISTENT.action_probs)
