"""People who answer a run's questions: one row per (run, respondent).

A respondent's answers are ordinary ``run_items`` rows whose model is ``human:<name>``; this table
says which persona condition they answer under, how many rounds, and the hash of any questionnaire
pack written for them (so an answer file can be checked against it).
"""


def apply(db) -> None:
    db.execute(
        """CREATE TABLE run_respondents (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            persona_id TEXT NOT NULL,
            repeats INTEGER NOT NULL,
            time_limit_s REAL,
            pack_hash TEXT,
            created_at TEXT NOT NULL,
            consented_at TEXT,
            consent_hash TEXT,
            PRIMARY KEY (run_id, name)
        )"""
    )
