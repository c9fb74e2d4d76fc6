"""Kind changes adjusted for extremity: a hand-worked example, and recovery on the simulator."""

from __future__ import annotations

import pytest

from valuegap_tui.metrics.covariates import PersonaChange, adjusted_kind_table, extremity_slope
from valuegap_tui.metrics.items import build_items
from valuegap_tui.personas.sampling import sample_personas
from valuegap_tui.simulator import SimulatorParams
from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, sample_frame


def test_slope_and_adjustment_by_hand():
    # congruent personas: (e, d) = (1/3, -0.1), (1, -0.3): slope = (1/3 * -0.1 + 1 * -0.3) / (1/9 + 1)
    #   = -0.3333 / 1.1111 = -0.3. An incongruous persona at e = 0.6 with d = -0.18 has adjusted
    #   change -0.18 - (-0.3 * 0.6) = 0: all of its change is what its extremity predicts.
    changes = [PersonaChange("m", "moderate", 1 / 3, 0, -0.1), PersonaChange("x", "max", 1.0, 0, -0.3),
               PersonaChange("i", "incongruous", 0.6, 0, -0.18)]
    slope = extremity_slope(changes, "ad")
    assert slope == pytest.approx(-0.3)
    assert -0.18 - slope * 0.6 == pytest.approx(0.0)


def test_planted_extremity_effect_is_adjusted_away():
    """The simulator plants an effect of extremity on the gap (persona_gap_reduction) and none of
    incongruity or map position. Unadjusted, incongruous personas (extremity 0.6-0.73, unmatched) show a
    clear change against baseline; adjusted for extremity, it is near zero."""
    params = SimulatorParams(seed=2, persona_effect=0.0, incongruity_gap=0.0, incongruity_noise=0.0,
                             persona_gap_reduction=1.0, gap_probability=0.45, value_gap_shift={},
                             position_bias=(1.0,) * 6)
    personas = sample_personas(2, seed=3)  # 8 moderate, 8 max, 8 incongruous
    sampled = [SampledPersona(p.id, p.kind, p.levels) for p in personas]
    frame = sample_frame(params, sampled, catalogue_dilemmas(), repeats=2, seed=4)
    table = adjusted_kind_table(build_items(frame), {p.id: p.extremity for p in personas})
    rows = {r["kind"]: r for r in table.records()}
    incongruous = rows["incongruous"]
    # a change of at least 0.05 in AR and 0.02 in AD, against about 0.01 of sampling error (616 dilemmas x
    # 8 personas, 2 repeats)
    assert incongruous["ar_change"] > 0.05 and incongruous["ad_change"] < -0.02
    assert abs(incongruous["ar_change_adjusted"]) < 0.015
    assert abs(incongruous["ad_change_adjusted"]) < 0.01
    for kind in ("moderate", "max"):
        assert abs(rows[kind]["ad_change_adjusted"]) < 0.01
