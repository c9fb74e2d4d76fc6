"""Each planned item records the protocol it is asked under (``protocols.py``): a run may ask every
question in several ways (standard, abstain, third-person, paraphrases), each planned, shuffled and
repeated apart.

The protocol becomes part of what makes an item unique, and SQLite cannot change a table's UNIQUE
constraint in place, so ``run_items`` is rebuilt (ids kept, so every answer and respondent row still
points at its item) with foreign keys off (``REBUILDS_TABLE``: ``store/db.py`` checks the references
before the migration commits). Every existing item was asked the one way runs had: ``standard``. The
reading views ``answers`` and ``items`` gain a ``protocol`` column, and their ``point`` is empty for an
abstention (its option is no point of the scale).
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
    for name, sql in views.items():
        db.execute(_with_protocol(name, sql))


def _with_protocol(name: str, sql: str) -> str:
    """The view as it was, with the item's protocol after its repeat."""
    for old, new in (("i.repeat AS repeat,", "i.repeat AS repeat, i.protocol AS protocol,"),
                     ("6 - r.choice AS point", "CASE WHEN r.outcome = 'abstained' THEN NULL ELSE 6 - r.choice END"
                                               " AS point"),
                     ("6 - i.choice AS point", "CASE WHEN i.outcome = 'abstained' THEN NULL ELSE 6 - i.choice END"
                                               " AS point"),
                     ("substr('ABCDEF', i.position + 1, 1)", "substr('ABCDEFGH', i.position + 1, 1)")):
        sql = sql.replace(old, new)
    if "i.protocol AS protocol" not in sql:
        raise RuntimeError(f"view {name} has no repeat column to put the protocol beside")
    return sql
