from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.answer_server import answer_server  # noqa: F401  (a fixture for every test)
from tests.helpers.dilemmas import make_dilemma
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import open_study


@pytest.fixture(autouse=True)
def _no_child_started_ahead(monkeypatch):
    """An app left idle starts the intervals' child ahead (tui/preload.py): tests that want one start it."""
    from valuegap_tui.tui import preload

    monkeypatch.setattr(preload, "START_AHEAD", False)


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real configuration."""
    monkeypatch.setenv("VALUEGAP_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def fixed_file_stamps(monkeypatch):
    """PDF and SVG files carry the time they were written, and SVG ids a random salt: both fixed, so two
    drawings compare byte for byte."""
    import matplotlib

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setitem(matplotlib.rcParams, "svg.hashsalt", "fixed")


@pytest.fixture
def study(tmp_path):
    s = open_study(tmp_path / "study.db", create=True)
    yield s
    s.close()


@pytest.fixture
def sample_path() -> Path:
    return DATA_DIR / "sample" / "dilemmas.jsonl"


@pytest.fixture
def dilemma_factory():
    return make_dilemma


