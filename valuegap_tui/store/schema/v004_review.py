"""Review: reviewers' own (blind) labels, undo markers over the edit history, second-opinion label checks."""


def apply(db) -> None:
    # One row per (dilemma, reviewer): the labels this reviewer gave each option, by option position.
    db.execute(
        """CREATE TABLE reviewer_labels (
            dilemma_id TEXT NOT NULL REFERENCES dilemmas (id),
            reviewer TEXT NOT NULL,
            labels_json TEXT NOT NULL,
            complete INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL,
            PRIMARY KEY (dilemma_id, reviewer)
        )"""
    )
    # dilemma_history stays append-only: an undo is a new revision, and this table says which
    # earlier revision it undid, so the next undo steps further back (also after a restart).
    db.execute(
        """CREATE TABLE review_undos (
            history_id INTEGER PRIMARY KEY REFERENCES dilemma_history (id),
            undo_history_id INTEGER NOT NULL REFERENCES dilemma_history (id),
            who TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE label_checks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dilemma_id TEXT NOT NULL REFERENCES dilemmas (id),
            model TEXT NOT NULL,
            at TEXT NOT NULL,
            model_order_json TEXT NOT NULL,
            label_order_json TEXT NOT NULL,
            spearman REAL NOT NULL,
            sign_errors INTEGER NOT NULL,
            doubtful INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX label_checks_dilemma ON label_checks (dilemma_id, id)")
