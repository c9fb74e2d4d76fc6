"""Study designs (docs/designs.md): each item and each run records the design it belongs to.

Items of designs other than the poster's keep their whole record in ``record_json`` (the poster's
dilemmas are rebuilt from their columns, as before); their ``scenario`` is '' where the design has
none. Existing rows are the poster's design.
"""


def apply(db) -> None:
    db.execute("ALTER TABLE dilemmas ADD COLUMN design TEXT NOT NULL DEFAULT 'graded_actions'")
    db.execute("ALTER TABLE dilemmas ADD COLUMN record_json TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN design TEXT NOT NULL DEFAULT 'graded_actions'")
