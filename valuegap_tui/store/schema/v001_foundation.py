"""Dilemmas, their append-only edit history, and study-wide settings."""


def apply(db) -> None:
    db.execute(
        """CREATE TABLE study_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE dilemmas (
            id TEXT PRIMARY KEY,
            value_id TEXT NOT NULL,
            topic_id TEXT NOT NULL,
            variant INTEGER NOT NULL,
            scenario TEXT NOT NULL,
            options_json TEXT NOT NULL,
            status TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            flags_json TEXT NOT NULL DEFAULT '[]',
            provenance_json TEXT NOT NULL,
            reviewer TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (value_id, topic_id, variant)
        )"""
    )
    db.execute("CREATE INDEX dilemmas_status ON dilemmas (status)")
    db.execute("CREATE INDEX dilemmas_value ON dilemmas (value_id)")
    db.execute("CREATE INDEX dilemmas_topic ON dilemmas (topic_id)")
    # Append-only: rows are never updated or deleted. before/after are full dilemma records (JSON).
    db.execute(
        """CREATE TABLE dilemma_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dilemma_id TEXT NOT NULL REFERENCES dilemmas (id),
            revision INTEGER NOT NULL,
            who TEXT NOT NULL,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            before_json TEXT,
            after_json TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX dilemma_history_dilemma ON dilemma_history (dilemma_id, id)")
    db.execute("CREATE INDEX dilemma_history_who ON dilemma_history (who, id)")
    db.execute(
        """CREATE TRIGGER dilemma_history_no_update BEFORE UPDATE ON dilemma_history
           BEGIN SELECT RAISE(ABORT, 'dilemma_history is append-only'); END"""
    )
    db.execute(
        """CREATE TRIGGER dilemma_history_no_delete BEFORE DELETE ON dilemma_history
           BEGIN SELECT RAISE(ABORT, 'dilemma_history is append-only'); END"""
    )
