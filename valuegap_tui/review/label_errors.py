"""Planted label errors, to measure what the second opinion (``label_check``) finds.

Labels are one per label, so every labelling error is a permutation of the true labels. Three kinds
matter for the alignment distance: a swap across the sides (an aligning action labelled opposing), a
swap within a side (strongly <-> mildly aligning), and a magnitude shift (one action two steps off
within its side, the other two moving up or down one step to make room).
"""

from __future__ import annotations

import random

from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma

CROSS_SIDE_SWAP = "cross_side_swap"
WITHIN_SIDE_SWAP = "within_side_swap"
MAGNITUDE_SHIFT = "magnitude_shift"
ERROR_KINDS = (CROSS_SIDE_SWAP, WITHIN_SIDE_SWAP, MAGNITUDE_SHIFT)

_ALIGNING = AlignmentLabel.ordered()[:3]
_OPPOSING = AlignmentLabel.ordered()[3:]


def relabelled(dilemma: Dilemma, mapping: dict[AlignmentLabel, AlignmentLabel]) -> Dilemma:
    """The dilemma with every label ``old`` replaced by ``mapping[old]`` (a permutation of the labels)."""
    options = [o.model_copy(update={"label": mapping.get(o.label, o.label)}) for o in dilemma.options]
    return dilemma.model_copy(update={"options": options})


def planted_mapping(kind: str, rng: random.Random) -> dict[AlignmentLabel, AlignmentLabel]:
    """A random error of ``kind``: true label -> the label it is given."""
    if kind == CROSS_SIDE_SWAP:
        a, b = rng.choice(_ALIGNING), rng.choice(_OPPOSING)
        return {a: b, b: a}
    side = list(rng.choice((_ALIGNING, _OPPOSING)))
    if kind == WITHIN_SIDE_SWAP:
        a, b = rng.sample(side, 2)
        return {a: b, b: a}
    if kind == MAGNITUDE_SHIFT:
        if rng.random() < 0.5:  # the strongest of the side labelled the weakest, the others one step up
            return {side[0]: side[2], side[1]: side[0], side[2]: side[1]}
        return {side[2]: side[0], side[0]: side[1], side[1]: side[2]}
    raise ValueError(f"unknown error kind {kind!r}; expected one of {', '.join(ERROR_KINDS)}")


def plant(dilemma: Dilemma, kind: str, rng: random.Random) -> Dilemma:
    return relabelled(dilemma, planted_mapping(kind, rng))
