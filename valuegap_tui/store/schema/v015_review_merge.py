"""Reviews merged from other machines: one row per change a reviewer made on their copy of the study.

Kept apart from ``dilemma_history`` (which records changes to this study's dilemmas): a merged review
is one person's view, never applied over another's decision. The entry hash makes a merge idempotent.
"""


def apply(db) -> None:
    db.execute(
        """CREATE TABLE merged_reviews (
            entry_hash TEXT PRIMARY KEY,
            reviewer TEXT NOT NULL,
            dilemma_id TEXT NOT NULL,
            action TEXT NOT NULL,
            at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            before_json TEXT,
            after_json TEXT NOT NULL,
            file_hash TEXT NOT NULL,
            merged_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX merged_reviews_dilemma ON merged_reviews (dilemma_id, reviewer, at)")
