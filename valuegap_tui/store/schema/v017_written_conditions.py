"""Conditions written by hand: a persona's or instruction's own text, and attributes metrics can read.

``personas.text`` is the system message of a written condition (NULL for generated personas, whose
text is rendered from their levels). ``attributes_json`` records what a condition stands for, e.g. the
value type a role-play holds; each run keeps a copy in ``run_personas`` beside the text it sent.
Runs stored before this migration keep NULL there.
"""


def apply(db) -> None:
    db.execute("ALTER TABLE personas ADD COLUMN text TEXT")
    db.execute("ALTER TABLE personas ADD COLUMN attributes_json TEXT NOT NULL DEFAULT '{}'")
    db.execute("ALTER TABLE run_personas ADD COLUMN attributes_json TEXT")
