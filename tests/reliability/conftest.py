"""Shared pieces of the reliability tests: a study with accepted dilemmas, fast fake clients."""

from __future__ import annotations


import pytest

from tests.helpers.runs import run_definition, seed_study
from valuegap_tui.evaluate.setup import create_run


@pytest.fixture
def planned(study):
    """A study with 12 accepted dilemmas and a planned run of 120 items; returns (study, run_id)."""

    def plan(n_dilemmas: int = 12, **kw):
        seed_study(study, n_dilemmas)
        return create_run(study, run_definition(**kw))

    return plan
