"""Personas: levels of the ten WVS-derived variables, their place on the cultural map, their text.

Position on the map. Each variable loads on one dimension and has four ordered levels, from the
negative pole (traditional / survival) to the positive one (secular-rational / self-expression).
A level's signed offset from the centre is ``(level - 2.5) / 1.5``: -1, -1/3, +1/3, +1. A persona's
coordinate on a dimension is the mean offset of that dimension's variables, so it lies in [-1, 1]:
a max persona sits at +-1 on both axes, a moderate one at +-1/3, and an incongruous dimension (half
the variables at each pole) near 0.

The default set (``default_personas``) is a seeded sample of 8 personas per kind (``personas.sampling``).
``generate_personas`` gives the canonical set, deterministic for a given seed: per quadrant one moderate
(levels 2/3) and one max (levels 1/4) persona, N incongruous personas and the baseline.

A condition written by hand (``personas.written``) has a ``text`` instead of levels: that text is its
system message, sent as given. It has no place on the map (``position`` and ``extremity`` are None).

The package's modules, each with one job: ``model`` (the Persona and its map position), ``kinds`` (what
a kind promises, edits), ``rendering`` (the system message), ``canonical`` (the canonical and default
sets), ``sampling`` (the seeded sample) and ``written`` (conditions written by hand). Their public names
are importable from here too; the modules import one another, never this package.
"""

from valuegap_tui.personas.canonical import (DEFAULT_PER_KIND, default_personas, generate_personas,
                                             incongruous_personas, quadrant_persona)
from valuegap_tui.personas.kinds import (BALANCE_WARNING_RATIO, DimensionBalance, dimension_balance,
                                         duplicate_persona, edit_levels, fits_kind, kind_after_edit,
                                         opposite_pole_pairs)
from valuegap_tui.personas.model import (BASELINE_ID, COUNTRY_KIND, COUNTRY_TEMPLATE, DIMENSIONS, KINDS,
                                         MAX_MAX_MILD, MAX_TEXT_CHARS, MODERATE_MAX_EXTREME, PERSONA_TEMPLATE,
                                         POLE_LABELS, QUADRANTS, WRITTEN_KINDS, Persona, PersonaKind,
                                         baseline_persona, extremity, level_offset, level_sign, persona_position,
                                         quadrant_name, variables_by_dimension)
from valuegap_tui.personas.rendering import persona_template_text, render_persona_text

__all__ = [
    "BALANCE_WARNING_RATIO", "BASELINE_ID", "COUNTRY_KIND", "COUNTRY_TEMPLATE", "DEFAULT_PER_KIND", "DIMENSIONS",
    "DimensionBalance", "KINDS", "MAX_MAX_MILD", "MAX_TEXT_CHARS", "MODERATE_MAX_EXTREME", "PERSONA_TEMPLATE",
    "POLE_LABELS", "Persona", "PersonaKind", "QUADRANTS", "WRITTEN_KINDS", "baseline_persona", "default_personas",
    "dimension_balance", "duplicate_persona", "edit_levels", "extremity", "fits_kind", "generate_personas",
    "incongruous_personas", "kind_after_edit", "level_offset", "level_sign", "opposite_pole_pairs",
    "persona_position", "persona_template_text", "quadrant_name", "quadrant_persona", "render_persona_text",
    "variables_by_dimension",
]
