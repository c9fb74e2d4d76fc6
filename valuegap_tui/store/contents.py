"""What a study holds, counted: asked before a choice only an empty study may still change (its design)."""

from __future__ import annotations

from valuegap_tui.store.db import Study


def items_and_runs(study: Study) -> tuple[int, int]:
    """(items of any design, runs) the study holds."""
    row = study.db.execute("SELECT (SELECT COUNT(*) FROM dilemmas), (SELECT COUNT(*) FROM runs)").fetchone()
    return row[0], row[1]
