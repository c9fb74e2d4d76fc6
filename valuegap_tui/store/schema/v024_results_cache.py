"""A run's computed results, kept so a screen or report opened again shows them without computing.

``results_cache``: one row per run, set of options (estimand, respondent, topic, how logprob answers
count) and stage (``numbers``: the tables without intervals; ``intervals``: with them). ``fingerprint``
says which answers the results were computed from (store/results_cache.py); a row whose fingerprint is
not the run's current one is never read, and is replaced by the next save. ``payload`` is the results as
JSON (metrics/results_record.py), never code.
"""


def apply(db) -> None:
    db.execute(
        """CREATE TABLE results_cache (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            options TEXT NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('numbers', 'intervals')),
            fingerprint TEXT NOT NULL,
            payload TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (run_id, options, stage)
        )"""
    )
