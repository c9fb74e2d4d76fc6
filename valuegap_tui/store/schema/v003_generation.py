"""Every generation attempt, kept with its raw reply (failures too) so a study shows what a model wrote."""


def apply(db) -> None:
    # No foreign key to dilemmas: a failed attempt has no dilemma, and attempts outlive regenerations.
    db.execute(
        """CREATE TABLE generation_attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dilemma_id TEXT NOT NULL,
            value_id TEXT NOT NULL,
            topic_id TEXT NOT NULL,
            variant INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            model TEXT,
            prompt_template TEXT NOT NULL,
            prompt_hash TEXT NOT NULL,
            raw_reply TEXT,
            ok INTEGER NOT NULL,
            reason TEXT,
            latency_s REAL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX generation_attempts_dilemma ON generation_attempts (dilemma_id, id)")
