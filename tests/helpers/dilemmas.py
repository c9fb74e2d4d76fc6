"""Dilemmas made to order, and the sample study's records."""

from __future__ import annotations

import json
from pathlib import Path

from valuegap_tui.designs.graded_actions.models import ActionOption, AlignmentLabel, Dilemma


def make_dilemma(value="wisdom", topic="politics", variant=1, scenario="You face a choice.", texts=None, **kw) -> Dilemma:
    texts = texts or [f"Action {i} for {value}" for i in range(6)]
    options = [ActionOption(text=t, label=label) for t, label in zip(texts, AlignmentLabel.ordered())]
    return Dilemma(value=value, topic=topic, variant=variant, scenario=scenario, options=options, **kw)


def sample_records(sample_path: Path) -> list[dict]:
    return [json.loads(line) for line in sample_path.read_text().splitlines() if line.strip()]
