"""Which models generated, judged and were evaluated: the independence warnings of each run (schema v011)."""

from __future__ import annotations

from dataclasses import dataclass

from valuegap_tui.store.db import Study, now_iso


@dataclass(frozen=True)
class RunWarning:
    run_id: int
    kind: str  # generated | judged
    model: str
    dilemmas: int
    message: str


def save_run_warnings(study: Study, run_id: int, warnings: list[RunWarning]) -> None:
    at = now_iso()
    with study.transaction() as db:
        for w in warnings:
            db.execute(
                "INSERT INTO run_warnings (run_id, kind, model, dilemmas, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, w.kind, w.model, w.dilemmas, w.message, at],
            )


def run_warnings(study: Study, run_id: int) -> list[RunWarning]:
    rows = study.db.execute(
        "SELECT run_id, kind, model, dilemmas, message FROM run_warnings WHERE run_id = ? ORDER BY id", [run_id]
    ).fetchall()
    return [RunWarning(*row) for row in rows]


def run_warning_notes(study: Study, run_id: int) -> list[str]:
    """The warnings as lines for a report."""
    return [f"**Independence warning:** {w.message}" for w in run_warnings(study, run_id)]


def generator_models(study: Study) -> dict[str, int]:
    """generator model -> how many dilemmas it generated."""
    rows = study.db.execute(
        "SELECT json_extract(provenance_json, '$.generator_model') AS m, COUNT(*) FROM dilemmas"
        " WHERE m IS NOT NULL GROUP BY m"
    ).fetchall()
    return {row[0]: row[1] for row in rows}
