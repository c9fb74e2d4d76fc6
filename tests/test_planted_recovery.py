"""Planted-parameter recovery at full size: what the simulator's behaviour model plants, the metrics find.

Answers are sampled straight from the behaviour model (``server.simulator.sample``: the same answer
probabilities and the same planner option orders as a served run, without HTTP) for 616 dilemmas x the
default 13 personas, at 1 and 5 repeats. The planted value of each cell under the default ``pairs``
estimand is exact (``planted_cells``), so each check compares a measured mean with the mean of the
planted cell values, within ``Z`` standard errors estimated from the cells' own residuals.
"""

from __future__ import annotations

import numpy as np
import pytest

from valuegap_tui.metrics.alignment import alignment
from valuegap_tui.metrics.items import build_items
from valuegap_tui.personas import generate_personas
from valuegap_tui.simulator import SimulatorParams
from valuegap_tui.simulator.sample import SampledPersona, catalogue_dilemmas, planted_cells, sample_frame

#: each check's tolerance in standard errors: about 50 checks run here, and P(|Z| > 4.5) is 7e-6
Z = 4.5
PERSONAS = [SampledPersona(p.id, p.kind, p.levels) for p in generate_personas(seed=0)]
DILEMMAS = catalogue_dilemmas()


def measured_cells(frame):
    """(persona x dilemma) arrays of the measured AR and AD, NaN where a cell gave no item."""
    items = build_items(frame)
    persona_ids = [frame.persona.labels[c] for c in items.codes["persona"]]
    dilemma_ids = [frame.dilemma.labels[c] for c in items.codes["dilemma"]]
    row = {p.id: i for i, p in enumerate(PERSONAS)}
    col = {d.id: j for j, d in enumerate(DILEMMAS)}
    ar = np.full((len(PERSONAS), len(DILEMMAS)), np.nan)
    ad = ar.copy()
    for k, (p, d) in enumerate(zip(persona_ids, dilemma_ids)):
        ar[row[p], col[d]], ad[row[p], col[d]] = items.aligns[k], items.distance[k]
    return ar, ad


def assert_recovered(measured: np.ndarray, planted: np.ndarray, what: str) -> None:
    """mean(measured) equals mean(planted) within Z standard errors of the mean residual."""
    residual = measured - planted
    se = residual.std(ddof=1) / np.sqrt(len(residual))
    assert abs(residual.mean()) <= Z * se, (what, measured.mean(), planted.mean(), se)


@pytest.fixture(scope="module", params=[1, 5], ids=["1-repeat", "5-repeats"])
def planted_run(request):
    repeats = request.param
    params = SimulatorParams(seed=3)
    frame = sample_frame(params, PERSONAS, DILEMMAS, repeats=repeats, seed=11)
    return repeats, planted_cells(params, PERSONAS, DILEMMAS, repeats=repeats, seed=11), measured_cells(frame), frame


def test_every_condition_recovers_planted_ar_and_ad(planted_run):
    repeats, (planted_ar, planted_ad), (measured_ar, measured_ad), frame = planted_run
    assert len(frame) == len(PERSONAS) * len(DILEMMAS) * 2 * repeats
    for i, persona in enumerate(PERSONAS):
        assert_recovered(measured_ar[i], planted_ar[i], f"AR {persona.id}")
        assert_recovered(measured_ad[i], planted_ad[i], f"AD {persona.id}")
    # the table's own numbers are these means
    table = alignment(build_items(frame), ("persona",))
    by_persona = dict(zip([k[0] for k in table.groups.keys], table.accuracy))
    assert by_persona["baseline"] == pytest.approx(np.nanmean(measured_ar[0]))


def test_persona_kind_changes_against_baseline_are_recovered(planted_run):
    """A kind's change: the mean over its personas of the per-dilemma difference against baseline."""
    _, (planted_ar, planted_ad), (measured_ar, measured_ad), _ = planted_run
    kinds = {p.kind for p in PERSONAS} - {"baseline"}
    changes = {}
    for kind in kinds:
        rows = [i for i, p in enumerate(PERSONAS) if p.kind == kind]
        for name, measured, planted in (("AR", measured_ar, planted_ar), ("AD", measured_ad, planted_ad)):
            measured_change = (measured[rows] - measured[0]).mean(axis=0)  # per dilemma
            planted_change = (planted[rows] - planted[0]).mean(axis=0)
            assert_recovered(measured_change, planted_change, f"{name} change {kind}")
            changes[(kind, name)] = planted_change.mean()
    # what the behaviour model plants (docs/simulator.md): strong personas narrow the gap, incongruous
    # ones widen it
    assert changes[("max", "AD")] < changes[("moderate", "AD")] < 0 < changes[("incongruous", "AD")]


HARD = ("wisdom", "honest", "responsible", "politeness")
EASY = ("social_justice", "protecting_the_environment", "equality", "wealth")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_ranking_finds_the_planted_hardest_and_easiest_values(seed):
    """Gap shifts planted on eight values (the poster's best and hardest), everything else equal: the
    ranking by AD (largest gap first) puts the planted hardest values near its top and the easiest near
    its bottom. One condition has 11 dilemmas per value, so 5 repeats are used, and the check is on the
    mean rank of each group of four (a single rank is noisy: the Results screen shows rank intervals)."""
    params = SimulatorParams(seed=seed, value_spread=0.0, gap_probability=0.5, action_strength=(0.6, 0.3, 0.1),
                             value_gap_shift={**{v: 0.5 for v in HARD}, **{v: -0.5 for v in EASY}})
    baseline = [PERSONAS[0]]
    frame = sample_frame(params, baseline, DILEMMAS, repeats=5, seed=seed)
    result = alignment(build_items(frame), ("value",))
    ranked = [key[0] for _, key in sorted(zip(-result.distance, result.groups.keys))]
    assert np.mean([ranked.index(v) for v in HARD]) < 10
    assert np.mean([ranked.index(v) for v in EASY]) > len(ranked) - 11
    # and each value's AD matches its planted AD
    _, planted_ad = planted_cells(params, baseline, DILEMMAS, repeats=5, seed=seed)
    values = np.array([d.value for d in DILEMMAS])
    measured = dict(zip([k[0] for k in result.groups.keys], result.distance))
    residual = np.array([measured[v] - planted_ad[0][values == v].mean() for v in measured])
    assert np.abs(residual).max() < 0.1
