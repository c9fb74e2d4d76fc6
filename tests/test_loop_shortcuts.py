"""More of the evaluation path's shortcuts: each gives exactly what the general code gives.

- ``describe_label_problems`` tells six distinct labels, every one, by two set operations; the
  counting gives the same text for every list of labels, usual or not.
"""

from __future__ import annotations

import random

from valuegap_tui.designs.graded_actions.models import (AlignmentLabel, counted_label_problems,
                                                        describe_label_problems)


def label_lists() -> list[list]:
    """Every ordering of the six labels is usual; around them, lists with a label twice, missing,
    None, the ids as plain text, seven labels, five, none."""
    rng = random.Random(7)
    labels = list(AlignmentLabel)
    lists = [labels, labels[::-1], [], [None] * 6, labels + [labels[0]], labels[:5], labels[:5] + [None],
             labels[:5] + [labels[1]], [label.value for label in labels], labels[:5] + ["not a label"]]
    for _ in range(2000):
        size = rng.choice([5, 6, 6, 6, 7])
        pool = labels + [None]
        lists.append([rng.choice(pool) for _ in range(size)] if rng.random() < 0.5 else rng.sample(labels, min(size, 6)))
    return lists


def test_label_problems_are_told_alike_with_or_without_counting():
    usual = 0
    for labels in label_lists():
        said = describe_label_problems(labels)
        assert said == counted_label_problems(labels), labels
        usual += said == ""
    assert 100 < usual < 2010  # both kinds were looked at
