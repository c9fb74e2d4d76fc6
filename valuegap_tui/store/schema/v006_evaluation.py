"""Evaluation runs: the definition, its snapshot of personas and dilemmas, planned items, answers.

A run is planned in full before anything is sent: one ``run_items`` row per (model, persona,
dilemma, question, repeat) with its option permutation. Every attempt at an item is a row in
``run_responses``; the item row carries the final outcome so metrics read one table.
"""


def _table_exists(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def apply(db) -> None:
    db.execute(
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            definition_json TEXT NOT NULL,
            config_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            prompt_hashes_json TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        )"""
    )
    # Persona text is snapshotted: editing a persona later does not change what a past run asked.
    persona_ref = "REFERENCES personas (id)" if _table_exists(db, "personas") else ""
    db.execute(
        f"""CREATE TABLE run_personas (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            persona_id TEXT NOT NULL {persona_ref},
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            system_text TEXT,
            PRIMARY KEY (run_id, persona_id)
        )"""
    )
    db.execute(
        """CREATE TABLE run_dilemmas (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            dilemma_id TEXT NOT NULL,
            value_id TEXT NOT NULL,
            topic_id TEXT NOT NULL,
            record_json TEXT NOT NULL,
            PRIMARY KEY (run_id, dilemma_id)
        )"""
    )
    # permutation: six digits, digit at position p = option (0 = strongly agree/aligning) shown as
    # letter p. status: pending | answered (valid) | invalid (attempts used up, kept as invalid).
    db.execute(
        """CREATE TABLE run_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            persona_id TEXT NOT NULL,
            dilemma_id TEXT NOT NULL,
            question INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            permutation TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            position INTEGER,
            choice INTEGER,
            score INTEGER,
            refusal INTEGER NOT NULL DEFAULT 0,
            distribution_json TEXT,
            UNIQUE (run_id, model, persona_id, dilemma_id, question, repeat)
        )"""
    )
    db.execute("CREATE INDEX run_items_status ON run_items (run_id, status)")
    db.execute(
        """CREATE TABLE run_responses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL REFERENCES run_items (id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            letter TEXT,
            position INTEGER,
            choice INTEGER,
            score INTEGER,
            raw_text TEXT,
            reasoning TEXT,
            distribution_json TEXT,
            covered_mass REAL,
            latency_s REAL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            finish_reason TEXT,
            error TEXT,
            error_kind TEXT,
            endpoint TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (item_id, attempt)
        )"""
    )
    db.execute("CREATE INDEX run_responses_run ON run_responses (run_id, id)")
