from __future__ import annotations

import json
from pathlib import Path

import pytest

from valuegap_tui.designs.graded_actions.models import ActionOption, AlignmentLabel, Dilemma
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import open_study


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real configuration."""
    monkeypatch.setenv("VALUEGAP_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def study(tmp_path):
    s = open_study(tmp_path / "study.db", create=True)
    yield s
    s.close()


@pytest.fixture
def sample_path() -> Path:
    return DATA_DIR / "sample" / "dilemmas.jsonl"


def make_dilemma(value="wisdom", topic="politics", variant=1, scenario="You face a choice.", texts=None, **kw) -> Dilemma:
    texts = texts or [f"Action {i} for {value}" for i in range(6)]
    options = [ActionOption(text=t, label=label) for t, label in zip(texts, AlignmentLabel.ordered())]
    return Dilemma(value=value, topic=topic, variant=variant, scenario=scenario, options=options, **kw)


@pytest.fixture
def dilemma_factory():
    return make_dilemma


def sample_records(sample_path: Path) -> list[dict]:
    return [json.loads(line) for line in sample_path.read_text().splitlines() if line.strip()]
