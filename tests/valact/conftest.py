from __future__ import annotations

import pytest

from valuegap_tui.designs import set_study_design
from valuegap_tui.store.db import open_study


@pytest.fixture
def valact_study(tmp_path):
    study = open_study(tmp_path / "valact.db", create=True)
    set_study_design(study, "valact")
    yield study
    study.close() if hasattr(study, "close") else None


