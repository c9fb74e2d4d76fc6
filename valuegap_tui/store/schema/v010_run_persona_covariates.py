"""Each run keeps its personas' levels, map position and extremity, the covariates the report adjusts for.

Runs stored before this migration keep NULL there (their personas' levels were not snapshotted).
"""


def apply(db) -> None:
    for column in ("levels_json TEXT", "position_ts REAL", "position_sse REAL", "extremity REAL"):
        db.execute(f"ALTER TABLE run_personas ADD COLUMN {column}")
