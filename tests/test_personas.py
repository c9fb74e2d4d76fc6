from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from valuegap_tui.catalogue import catalogue
from valuegap_tui.personas import (
    Persona,
    duplicate_persona,
    fits_kind,
    generate_personas,
    kind_after_edit,
    level_sign,
    opposite_pole_pairs,
    persona_position,
    render_persona_text,
    variables_by_dimension,
)

GOLDEN = Path(__file__).parent / "golden"
VARIABLES = [v.id for v in catalogue().persona_variables]


def by_id(personas):
    return {p.id: p for p in personas}


def test_levels_map_to_documented_positions():
    by_dim = variables_by_dimension()
    ts, sse = by_dim["traditional_secular"], by_dim["survival_self_expression"]
    all_at = lambda level: {v: level for v in VARIABLES}  # noqa: E731
    assert persona_position(all_at(1)) == (-1.0, -1.0)
    assert persona_position(all_at(4)) == (1.0, 1.0)
    assert persona_position(all_at(2)) == pytest.approx((-1 / 3, -1 / 3), abs=1e-6)
    assert persona_position(all_at(3)) == pytest.approx((1 / 3, 1 / 3), abs=1e-6)
    # One traditional_secular variable moved from 1 to 4 shifts that axis by 2/len and nothing else.
    levels = all_at(1) | {ts[0]: 4}
    assert persona_position(levels) == pytest.approx((-1 + 2 / len(ts), -1.0), abs=1e-6)
    mixed = {v: 4 for v in ts} | {v: 2 for v in sse}
    assert persona_position(mixed) == pytest.approx((1.0, -1 / 3), abs=1e-6)
    assert Persona(id="baseline", name="b", kind="baseline").position == (0.0, 0.0)


def test_default_set_has_every_quadrant_and_the_baseline():
    personas = generate_personas(seed=0, incongruous=4)
    kinds = [p.kind for p in personas]
    assert kinds.count("baseline") == 1 and kinds.count("moderate") == 4 and kinds.count("max") == 4
    assert kinds.count("incongruous") == 4
    for kind in ("moderate", "max"):
        quadrants = {tuple(c > 0 for c in p.position) for p in personas if p.kind == kind}
        assert quadrants == {(False, False), (False, True), (True, False), (True, True)}
    assert len({p.id for p in personas}) == len(personas)
    assert by_id(personas)["baseline"].levels == {}


def test_max_personas_sit_at_extreme_levels():
    for persona in generate_personas(seed=3):
        if persona.kind == "max":
            assert set(persona.levels.values()) <= {1, 4}
            assert all(abs(c) == 1.0 for c in persona.position)
            assert not opposite_pole_pairs(persona.levels)


def test_moderate_personas_stay_one_step_from_the_centre():
    for persona in generate_personas(seed=3):
        if persona.kind == "moderate":
            assert set(persona.levels.values()) <= {2, 3}
            assert all(abs(c) == pytest.approx(1 / 3, abs=1e-6) for c in persona.position)
            assert not opposite_pole_pairs(persona.levels)


@pytest.mark.parametrize("count", [1, 4, 8, 13, 40])
def test_every_incongruous_persona_holds_opposite_poles_within_a_dimension(count):
    incongruous = [p for p in generate_personas(seed=7, incongruous=count) if p.kind == "incongruous"]
    assert len(incongruous) == count
    for persona in incongruous:
        pairs = opposite_pole_pairs(persona.levels)
        assert pairs, persona.id
        dims = {v.id: v.dimension for v in catalogue().persona_variables}
        assert all(dims[a] == dims[b] and level_sign(persona.levels[a]) != level_sign(persona.levels[b]) for a, b in pairs)
    # Systematic: no two incongruous personas share their levels.
    assert len({tuple(p.levels.values()) for p in incongruous}) == count


def test_incongruous_combinations_cover_both_dimensions():
    incongruous = [p for p in generate_personas(seed=1, incongruous=8) if p.kind == "incongruous"]
    split_dims = set()
    for p in incongruous:
        for dim, ids in variables_by_dimension().items():
            if len({level_sign(p.levels[v]) for v in ids}) == 2:
                split_dims.add(dim)
    assert split_dims == {"traditional_secular", "survival_self_expression"}


def test_same_seed_same_personas_and_seed_matters():
    first = [p.to_record() for p in generate_personas(seed=11, incongruous=6)]
    again = [p.to_record() for p in generate_personas(seed=11, incongruous=6)]
    assert first == again
    others = [generate_personas(seed=s, incongruous=6) for s in range(5)]
    assert len({tuple(tuple(p.levels.values()) for p in ps) for ps in others}) > 1


@pytest.mark.parametrize("persona_id", ["max-secular-self-expression", "moderate-traditional-survival"])
def test_rendered_text_matches_golden(persona_id):
    persona = by_id(generate_personas())[persona_id]
    expected = (GOLDEN / f"persona_{persona_id}.txt").read_text(encoding="utf-8").rstrip("\n")
    assert render_persona_text(persona) == expected


def test_rendered_text_follows_the_contract():
    persona = by_id(generate_personas())["incongruous-1"]
    lines = render_persona_text(persona).split("\n")
    assert lines[0] == "You hold the following values and beliefs:"
    assert len(lines) == 1 + len(VARIABLES)
    for line, variable in zip(lines[1:], catalogue().persona_variables):
        level_text = variable.levels[persona.levels[variable.id] - 1].text
        assert line == f"- {variable.name}: {variable.measures} -> {level_text}"


def test_baseline_renders_no_text():
    assert render_persona_text(by_id(generate_personas())["baseline"]) is None


@pytest.mark.parametrize(
    "record, field",
    [
        ({"id": "x", "name": "x", "kind": "custom", "levels": {"religiosity": 1}}, "missing level"),
        ({"id": "x", "name": "x", "kind": "custom", "levels": {v: 5 for v in VARIABLES}}, "1-4"),
        ({"id": "x", "name": "x", "kind": "custom", "levels": {v: 1 for v in VARIABLES} | {"bogus": 2}}, "unknown"),
        ({"id": "x", "name": "x", "kind": "weird", "levels": {v: 1 for v in VARIABLES}}, "kind"),
        ({"id": "Bad Id", "name": "x", "kind": "custom", "levels": {v: 1 for v in VARIABLES}}, "id"),
        ({"id": "baseline", "name": "x", "kind": "custom", "levels": {v: 1 for v in VARIABLES}}, "baseline"),
        ({"id": "x", "name": "x", "kind": "baseline"}, "baseline"),
    ],
)
def test_invalid_personas_are_rejected(record, field):
    with pytest.raises(ValidationError) as info:
        Persona.model_validate(record)
    assert field in str(info.value)


def test_kind_after_edit():
    levels = {v: 2 for v in VARIABLES}
    assert fits_kind("moderate", levels)
    # moderate allows up to two extreme levels (the band a sample is drawn from); a third makes it custom
    assert kind_after_edit("moderate", levels | {VARIABLES[0]: 1, VARIABLES[1]: 1}) == "moderate"
    assert kind_after_edit("moderate", levels | {v: 1 for v in VARIABLES[:3]}) == "custom"
    assert kind_after_edit("max", {v: 1 for v in VARIABLES}) == "max"
    assert kind_after_edit("max", {v: 1 for v in VARIABLES} | {v: 2 for v in VARIABLES[:3]}) == "custom"
    ts = variables_by_dimension()["traditional_secular"]
    assert kind_after_edit("incongruous", levels | {ts[0]: 4}) == "incongruous"
    assert kind_after_edit("incongruous", levels) == "custom"
    assert kind_after_edit("custom", levels) == "custom"


def test_duplicate_gets_a_fresh_id():
    persona = by_id(generate_personas())["max-traditional-survival"]
    copy = duplicate_persona(persona, {persona.id})
    assert copy.id == "max-traditional-survival-copy" and copy.levels == persona.levels
    second = duplicate_persona(copy, {persona.id, copy.id})
    assert second.id == "max-traditional-survival-copy-2"
    with pytest.raises(ValueError):
        duplicate_persona(by_id(generate_personas())["baseline"], set())


def test_too_many_incongruous_is_refused():
    with pytest.raises(ValueError, match="at most"):
        generate_personas(incongruous=10_000)
