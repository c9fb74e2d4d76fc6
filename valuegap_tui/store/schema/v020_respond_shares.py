"""People answer a share of a run each, and each answer keeps how it was asked.

``run_respond_plans``: one row per run that people answer: dilemmas per person (NULL: all), the overlap
asked for, and the agreement scale's order (``shuffled`` as the models see it, or ``fixed``); set when
the first person is registered and the same for everyone after. ``run_respondents.share_slot``: the
person's place in the plan (0, 1, ... per run and condition; NULL for people registered before shares,
who answer every dilemma). ``respondent_answers``: per answer, the scale order it was asked under, its
place in the person's questionnaire, and where it was given (terminal, browser or answer file).
"""


def apply(db) -> None:
    db.execute("ALTER TABLE run_respondents ADD COLUMN share_slot INTEGER")
    db.execute(
        """CREATE TABLE run_respond_plans (
            run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            dilemmas_each INTEGER,
            overlap INTEGER NOT NULL,
            scale_order TEXT NOT NULL CHECK (scale_order IN ('shuffled', 'fixed')),
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE respondent_answers (
            item_id INTEGER PRIMARY KEY REFERENCES run_items (id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL,
            scale_order TEXT NOT NULL,
            place INTEGER,
            channel TEXT NOT NULL
        )"""
    )
