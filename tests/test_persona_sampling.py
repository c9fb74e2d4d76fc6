"""Persona sets as samples of their kind, incongruous sets matched in extremity, and edits that rename."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from valuegap_tui.personas import (
    dimension_balance,
    edit_levels,
    extremity,
    fits_kind,
    generate_personas,
    opposite_pole_pairs,
)
from valuegap_tui.personas.sampling import INCONGRUOUS_GROUPS, sample_personas

#: matched extremity: each incongruous persona copies one target persona's magnitudes, so the means agree
#: exactly; the tolerance only absorbs rounding of the stored extremities
MATCH_TOLERANCE = 1e-6


def test_extremity_by_hand():
    # offsets |(l - 2.5) / 1.5|: level 1 or 4 -> 1, level 2 or 3 -> 1/3
    assert extremity({}) == 0
    assert extremity({"a": 2, "b": 3}) == pytest.approx(1 / 3)
    assert extremity({"a": 1, "b": 3}) == pytest.approx((1 + 1 / 3) / 2)
    kinds = {p.kind: p.extremity for p in generate_personas()}
    assert kinds["moderate"] == pytest.approx(1 / 3) and kinds["max"] == pytest.approx(1.0)
    # the unmatched incongruous design sits between them: 0.60 (ts split) or 0.73 (sse split)
    assert 0.59 < kinds["incongruous"] < 0.74


@pytest.mark.parametrize("per_kind", [1, 3])
def test_sample_has_the_requested_counts_and_distinct_levels(per_kind):
    personas = sample_personas(per_kind, seed=5)
    counts = Counter(p.kind for p in personas)
    assert counts == {"baseline": 1, "moderate": 4 * per_kind, "max": 4 * per_kind, "incongruous": 4 * per_kind}
    vectors = [tuple(sorted(p.levels.items())) for p in personas]
    assert len(set(vectors)) == len(vectors)
    assert len({p.id for p in personas}) == len(personas)
    for persona in personas:
        assert fits_kind(persona.kind, persona.levels), persona.id
    # per quadrant: the sign of each coordinate
    for kind in ("moderate", "max"):
        quadrants = Counter((p.position[0] > 0, p.position[1] > 0) for p in personas if p.kind == kind)
        assert sorted(quadrants.values()) == [per_kind] * 4
    incongruous = [p for p in personas if p.kind == "incongruous"]
    assert all(opposite_pole_pairs(p.levels) for p in incongruous)
    assert len(incongruous) == per_kind * len(INCONGRUOUS_GROUPS)


def test_sample_is_seeded():
    assert sample_personas(2, seed=1) == sample_personas(2, seed=1)
    assert sample_personas(2, seed=1) != sample_personas(2, seed=2)


@pytest.mark.parametrize("match", ["moderate", "max"])
@pytest.mark.parametrize("per_kind", [1, 3])
def test_matched_incongruous_set_has_the_target_extremity(match, per_kind):
    personas = sample_personas(per_kind, seed=7, match=match)
    target = statistics.mean(p.extremity for p in personas if p.kind == match)
    matched = statistics.mean(p.extremity for p in personas if p.kind == "incongruous")
    assert matched == pytest.approx(target, abs=MATCH_TOLERANCE)
    unmatched = statistics.mean(p.extremity for p in sample_personas(per_kind, seed=7) if p.kind == "incongruous")
    assert abs(unmatched - target) > 0.1  # the confound the match removes


def test_an_edit_that_breaks_the_kind_makes_a_renamed_custom_copy():
    persona = {p.id: p for p in generate_personas()}["max-traditional-survival"]
    mild = dict(persona.levels) | {v: 2 for v in list(persona.levels)[:3]}  # three mild: no longer max
    edited = edit_levels(persona, mild, {persona.id})
    assert edited.kind == "custom" and edited.id != persona.id
    assert "max" not in edited.id.split("-")[0] and edited.name.startswith("custom")
    assert persona.kind == "max" and persona.levels != mild  # the original is untouched
    # an edit that keeps the kind keeps the persona
    still = edit_levels(persona, dict(persona.levels) | {list(persona.levels)[0]: 2}, {persona.id})
    assert still.id == persona.id and still.kind == "max"
    # the copy's id is fresh even when taken
    again = edit_levels(persona, mild, {persona.id, edited.id})
    assert again.id not in {persona.id, edited.id}


def test_no_edit_leaves_a_generated_kind_name_on_a_custom_persona():
    for persona in generate_personas(incongruous=8):
        if persona.kind == "baseline":
            continue
        for variable in persona.levels:
            for level in range(1, 5):
                edited = edit_levels(persona, dict(persona.levels) | {variable: level}, {persona.id})
                assert edited.kind == persona.kind or (edited.kind == "custom" and edited.id != persona.id
                                                       and not edited.name.startswith(persona.kind))


def test_dimension_balance_of_the_shipped_set():
    balance = dimension_balance()
    assert balance.counts == {"traditional_secular": 4, "survival_self_expression": 6}
    assert balance.warning and "unbalanced" in balance.warning
