"""Personas: levels of the WVS-derived variables (empty for the baseline)."""


def apply(db) -> None:
    db.execute(
        """CREATE TABLE personas (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            levels_json TEXT NOT NULL,
            seed INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX personas_kind ON personas (kind)")
