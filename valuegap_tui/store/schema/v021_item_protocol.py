"""Each planned item records the protocol it is asked under (``protocols.py``): a run may ask every
question in several ways (standard, abstain, third-person, paraphrases), each planned, shuffled and
repeated apart.

The protocol becomes part of what makes an item unique, and SQLite cannot change a table's UNIQUE
constraint in place, so ``run_items`` is rebuilt (ids kept, so every answer and respondent row still
points at its item) with foreign keys off (``REBUILDS_TABLE``: ``store/db.py`` checks the references
before the migration commits). Every existing item was asked the one way runs had: ``standard``. The
reading views over ``run_items`` are dropped for the rebuild and made again as they were; v023 gives
them the ``protocol`` column.
"""

REBUILDS_TABLE = True

_COLUMNS = ("id, run_id, model, persona_id, dilemma_id, question, repeat, permutation, status, attempts, position,"
            " choice, score, refusal, distribution_json, attempt_base, outcome")


def apply(db) -> None:
    views = {name: sql for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql LIKE '%run_items%'")}
    for name in views:
        db.execute(f'DROP VIEW "{name}"')
    db.execute(
        """CREATE TABLE run_items_v021 (
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
            attempt_base INTEGER NOT NULL DEFAULT 0,
            outcome TEXT,
            protocol TEXT NOT NULL DEFAULT 'standard',
            UNIQUE (run_id, model, persona_id, protocol, dilemma_id, question, repeat)
        )"""
    )
    db.execute(f"INSERT INTO run_items_v021 ({_COLUMNS}) SELECT {_COLUMNS} FROM run_items ORDER BY id")
    # the AUTOINCREMENT counter goes on from where it was: an id once used is never given again
    db.execute("DELETE FROM sqlite_sequence WHERE name = 'run_items_v021'")
    db.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'run_items_v021', seq FROM sqlite_sequence"
               " WHERE name = 'run_items'")
    db.execute("DROP TABLE run_items")
    db.execute("ALTER TABLE run_items_v021 RENAME TO run_items")
    db.execute("CREATE INDEX run_items_status ON run_items (run_id, status)")
    for sql in views.values():  # as they were (v012's or v022's): v023 adds the protocol
        db.execute(sql)
