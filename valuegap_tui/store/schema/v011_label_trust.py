"""Label checks keep every judgement and their per-pair confidence; runs keep their independence warnings.

Checks stored before this migration count as one judgement with no suggested fix.
"""


def apply(db) -> None:
    for column in ("judgements INTEGER NOT NULL DEFAULT 1", "judged_orders_json TEXT",
                   "pair_confidence_json TEXT", "suggested_labels_json TEXT", "suspects_json TEXT"):
        db.execute(f"ALTER TABLE label_checks ADD COLUMN {column}")
    # kind: generated | judged (the evaluated model made or judged dilemmas the run asks).
    db.execute(
        """CREATE TABLE run_warnings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            model TEXT NOT NULL,
            dilemmas INTEGER NOT NULL,
            message TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX run_warnings_run ON run_warnings (run_id, id)")
